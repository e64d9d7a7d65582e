using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Feast.Transformations;

/// <summary>
/// The transformations of on-demand feature views, ready to run. Views applied by Feast.NET keep their C# transformation
/// as source text in the registry (<see cref="UserDefinedFunction.BodyText"/>); the text is compiled with Roslyn once per
/// process and reused by every view and request that has it.
/// </summary>
public static class OnDemandTransforms
{
    private static readonly ConcurrentDictionary<(string Mode, string Text), Lazy<CompiledTransform>> Compiled = new();
    private static readonly ConditionalWeakTable<OnDemandFeatureView, OnDemandTransform> ByView = [];

    /// <summary>
    /// The compiled transformation of <paramref name="view"/>. Its stored source text is compiled on first use and cached
    /// (thread-safe) by mode and text. A view defined in C# in this process and not read back from the registry (it has a
    /// <see cref="OnDemandFeatureView.Transform"/> and no source text) runs its delegate directly.
    /// </summary>
    /// <exception cref="FeastException">
    /// The view's mode is not <c>csharp</c> (e.g. a pickled Python function), it has neither source text nor a delegate,
    /// or its source text does not compile; the message says which and how to fix it.
    /// </exception>
    public static OnDemandTransform Get(OnDemandFeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (ByView.TryGetValue(view, out var cached))
            return cached;
        var transform = new OnDemandTransform(view, Resolve(view, validateOnly: false));
        return ByView.GetValue(view, _ => transform);
    }

    /// <summary>
    /// Checks that the stored source text of <paramref name="view"/> compiles on its own, as it will when the view is read
    /// back from the registry; <c>feast apply</c> calls this so a broken transformation is rejected before anything is written.
    /// A failure is not cached, so a fixed text is compiled afresh.
    /// </summary>
    /// <exception cref="FeastValidationException">The mode is not <c>csharp</c>, or the text does not compile on its own.</exception>
    public static void Validate(OnDemandFeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        try
        {
            Resolve(view, validateOnly: true);
        }
        catch (FeastException e) when (e is not FeastValidationException)
        {
            throw new FeastValidationException(e.Message);
        }
    }

    private static Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> Resolve(OnDemandFeatureView view, bool validateOnly)
    {
        CheckMode(view);
        var text = view.Udf?.BodyText;
        if (string.IsNullOrWhiteSpace(text))
        {
            if (view.Transform is null)
            {
                throw new FeastException($"On demand feature view '{view.Name}' has no transformation: the registry holds no source text " +
                    "for it and no C# delegate was given. Define the view in the feature repo with transform: YourMethod and run feast apply.");
            }
            return view.Transform as Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>>
                ?? throw new FeastException($"The transformation of on demand feature view '{view.Name}' is a {DelegateName(view.Transform)}; it must take and " +
                    $"return IReadOnlyDictionary<string, object?>, like {TransformCompiler.Shape}");
        }

        var key = (view.Mode, text);
        CompiledTransform compiled;
        if (Compiled.TryGetValue(key, out var lazy) && (!validateOnly || lazy.IsValueCreated))
        {
            compiled = lazy.Value;
        }
        else if (validateOnly)
        {
            compiled = TransformCompiler.Compile(text);
            if (compiled.Succeeded)
                Compiled.TryAdd(key, new Lazy<CompiledTransform>(compiled));
        }
        else
        {
            compiled = Compiled.GetOrAdd(key, k => new Lazy<CompiledTransform>(() => TransformCompiler.Compile(k.Text))).Value;
        }

        if (compiled.Function is { } function)
            return function;
        var name = view.Udf!.Name is { Length: > 0 } n && n != "<lambda>" ? $" (method {n})" : "";
        throw new FeastValidationException($"The transformation of on demand feature view '{view.Name}'{name} cannot be used. {compiled.Problem}");
    }

    private static void CheckMode(OnDemandFeatureView view)
    {
        if (view.Mode == OnDemandFeatureView.CSharpMode)
            return;
        if (view.Mode is "pandas" or "python" or "" || view.Udf?.Body.Length > 0)
        {
            var kind = view.Mode.Length > 0 ? $"a Python ({view.Mode}) function" : "a Python function";
            throw new FeastException($"Transformation of on demand feature view '{view.Name}' is {kind} pickled by Feast; Feast.NET can only run " +
                "C# transformations. Redefine the view in C# in the feature repo (transform: a static method taking and returning " +
                "IReadOnlyDictionary<string, object?>) and run feast apply, or serve it with Python Feast.");
        }
        throw new FeastException($"Transformation of on demand feature view '{view.Name}' has mode '{view.Mode}', which Feast.NET cannot run; " +
            "it runs only C# transformations (mode 'csharp'). Redefine the view in C# in the feature repo and run feast apply.");
    }

    private static string DelegateName(Delegate transform)
    {
        var type = transform.GetType();
        if (!type.IsGenericType)
            return type.Name;
        var name = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
        return $"{name}<{string.Join(", ", type.GetGenericArguments().Select(a => a.Name))}>";
    }
}
