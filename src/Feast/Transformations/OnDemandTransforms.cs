namespace Feast.Transformations;

/// <summary>Placeholder until the C# transformation runtime lands: runs the in-process delegate only.</summary>
public static class OnDemandTransforms
{
    /// <summary>The transformation of <paramref name="view"/>.</summary>
    public static OnDemandTransform Get(OnDemandFeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new OnDemandTransform(view);
    }
}

/// <summary>A runnable on-demand transformation.</summary>
public sealed class OnDemandTransform
{
    internal OnDemandTransform(OnDemandFeatureView view) => View = view;

    /// <summary>The view.</summary>
    public OnDemandFeatureView View { get; }

    /// <summary>Runs the transformation on one row.</summary>
    public IReadOnlyDictionary<string, object?> Apply(IReadOnlyDictionary<string, object?> inputs) =>
        View.Transform is Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> f
            ? f(inputs)
            : throw new FeastException($"On demand feature view '{View.Name}' cannot run yet.");
}
