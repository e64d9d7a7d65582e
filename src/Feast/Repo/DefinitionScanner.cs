using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Feast.Repo;

/// <summary>A definition found in a repo, and where.</summary>
/// <param name="Object">The definition.</param>
/// <param name="Site">The member it was read from.</param>
/// <param name="Type">The type declaring that member.</param>
/// <param name="Member">The member's name.</param>
internal sealed record FoundDefinition(FeastObject Object, DefinitionSite Site, Type Type, string Member);

/// <summary>
/// Finds the definitions a compiled repo exposes: the values of public static fields and properties, on public or internal
/// types (top-level or nested), that hold a <see cref="FeastObject"/> or a collection of them. This is the C# counterpart of
/// Feast importing each Python file and keeping its module-level Feast objects.
/// </summary>
internal static class DefinitionScanner
{
    private const BindingFlags StaticMembers = BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Reads every definition member of the repo, in file and declaration order, running static initializers.</summary>
    /// <exception cref="FeastException">A static initializer or property getter threw; the message names the line or member.</exception>
    public static List<FoundDefinition> Scan(RepoSource source, CancellationToken cancellationToken)
    {
        var found = new List<FoundDefinition>();
        foreach (var type in source.Assembly.GetTypes().Where(IsScanned))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var field in type.GetFields(StaticMembers).Where(f => MayHoldDefinitions(f.FieldType)))
                Collect(source, type, field.Name, () => field.GetValue(null), found);
            foreach (var property in type.GetProperties(StaticMembers))
            {
                if (property.GetMethod is { IsPublic: true } && property.GetIndexParameters().Length == 0 && MayHoldDefinitions(property.PropertyType))
                    Collect(source, type, property.Name, () => property.GetValue(null), found);
            }
        }
        return found;
    }

    private static void Collect(RepoSource source, Type type, string member, Func<object?> read, List<FoundDefinition> found)
    {
        try
        {
            switch (read())
            {
                case FeastObject definition:
                    found.Add(new FoundDefinition(definition, source.Site(type, member), type, member));
                    break;
                case IEnumerable items and not string:
                    foreach (var item in items)
                    {
                        if (item is FeastObject definition)
                            found.Add(new FoundDefinition(definition, source.Site(type, member), type, member));
                    }
                    break;
            }
        }
        catch (Exception e)
        {
            throw DefinitionError(source, e, $"{RepoSource.TypeName(type)}.{member}");
        }
    }

    /// <summary>
    /// Turns an exception thrown while reading a definition (typically a validation error from a constructor in a static
    /// initializer) into <c>path.cs:LINE: message</c>, the line being the innermost repo frame of the stack trace, or
    /// <c>Class.Member: message</c> when the trace has no repo line.
    /// </summary>
    internal static FeastException DefinitionError(RepoSource source, Exception exception, string member)
    {
        var inner = exception;
        while (inner is TargetInvocationException or TypeInitializationException && inner.InnerException is not null)
            inner = inner.InnerException;
        var message = inner is FeastException ? inner.Message : $"{inner.GetType().Name}: {inner.Message}";
        var where = RepoLine(source, inner) ?? member;
        return new FeastException($"{where}: {message}", inner);
    }

    private static string? RepoLine(RepoSource source, Exception exception)
    {
        foreach (var frame in new StackTrace(exception, fNeedFileInfo: true).GetFrames())
        {
            if (frame.GetMethod()?.Module.Assembly != source.Assembly)
                continue;
            var file = frame.GetFileName();
            var line = frame.GetFileLineNumber();
            if (!string.IsNullOrEmpty(file) && line > 0)
                return string.Create(CultureInfo.InvariantCulture, $"{source.Relative(file)}:{line}");
        }
        return null;
    }

    /// <summary>Public and internal types, top-level or nested in such types; not generic definitions, enums or compiler-made types.</summary>
    private static bool IsScanned(Type type)
    {
        if (type.IsEnum || type.ContainsGenericParameters || type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false))
            return false;
        // A top-level type is public or internal; a nested one must be, and so must every type around it.
        for (var t = type; t.IsNested; t = t.DeclaringType!)
        {
            if (!(t.IsNestedPublic || t.IsNestedAssembly || t.IsNestedFamORAssem))
                return false;
        }
        return true;
    }

    /// <summary>
    /// Whether a member of this declared type can hold a definition: a <see cref="FeastObject"/> type, a type a definition
    /// converts to (such as <c>object</c> or <see cref="IOnDemandSource"/>), or a collection of either.
    /// Other members are not read, so their getters do not run.
    /// </summary>
    private static bool MayHoldDefinitions(Type declared)
    {
        if (typeof(FeastObject).IsAssignableFrom(declared) || declared.IsAssignableFrom(typeof(FeastObject)) || declared.IsInterface && declared.IsAssignableFrom(typeof(FeatureView)))
            return true;
        if (declared == typeof(string))
            return false;
        var enumerable = declared.IsGenericType && declared.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? declared
            : declared.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        if (enumerable is null)
            return false;
        var element = enumerable.GetGenericArguments()[0];
        return typeof(FeastObject).IsAssignableFrom(element) || element.IsAssignableFrom(typeof(FeastObject))
            || element.IsInterface && element.IsAssignableFrom(typeof(FeatureView));
    }
}
