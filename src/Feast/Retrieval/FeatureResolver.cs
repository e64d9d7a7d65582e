using Feast.Offline;
using Feast.Registry;

namespace Feast.Retrieval;

/// <summary>
/// Turns a feature list (<c>"view:feature"</c> references) or a feature service into the views to read, with their
/// projections and features, applying Feast's rules: unknown views and features are errors, and output names must
/// be unique (<see cref="FeatureNameCollisionException"/> otherwise).
/// </summary>
internal static class FeatureResolver
{
    public static IReadOnlyList<FeatureViewRequest> Resolve(RegistrySnapshot registry, IEnumerable<string> featureRefs, bool fullFeatureNames)
    {
        ArgumentNullException.ThrowIfNull(featureRefs);
        var byView = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var reference in featureRefs)
        {
            var (view, feature) = Parse(reference);
            if (!byView.TryGetValue(view, out var features))
            {
                byView[view] = features = [];
                order.Add(view);
            }
            if (!features.Contains(feature)) features.Add(feature);
        }
        if (order.Count == 0)
            throw new FeastValidationException("No features were requested. Pass feature references such as \"driver_hourly_stats:conv_rate\", or a feature service.");

        var requests = order.Select(name =>
        {
            var view = LookUpView(registry, name);
            var fields = byView[name].Select(f => FieldOf(view, f)).ToList();
            return new FeatureViewRequest(view, view.Projection, fields);
        }).ToList();
        CheckCollisions(requests, fullFeatureNames);
        return requests;
    }

    public static IReadOnlyList<FeatureViewRequest> Resolve(RegistrySnapshot registry, FeatureService service, bool fullFeatureNames)
    {
        ArgumentNullException.ThrowIfNull(service);
        var requests = service.Projections.Select(projection =>
        {
            var view = LookUpView(registry, projection.Name);
            var fields = projection.Features.Select(f => FieldOf(view, f.Name)).ToList();
            return new FeatureViewRequest(view, projection, fields);
        }).ToList();
        CheckCollisions(requests, fullFeatureNames);
        return requests;
    }

    /// <summary>Splits <c>view:feature</c>; a version suffix (<c>view@v2</c>, <c>view@latest</c>) names the current view.</summary>
    public static (string View, string Feature) Parse(string reference)
    {
        if (string.IsNullOrWhiteSpace(reference))
            throw new FeastValidationException("A feature reference is empty. Write it as \"view:feature\".");
        var colon = reference.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == reference.Length - 1)
            throw new FeastValidationException($"Feature reference '{reference}' is not of the form \"view:feature\" (e.g. \"driver_hourly_stats:conv_rate\").");
        var view = reference[..colon];
        var at = view.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            var version = view[(at + 1)..];
            if (version != "latest")
                throw new FeastValidationException($"Feature reference '{reference}' asks for version '{version}' of view '{view[..at]}'; Feast.NET serves only the current version (use '{view[..at]}:{reference[(colon + 1)..]}').");
            view = view[..at];
        }
        return (view, reference[(colon + 1)..]);
    }

    private static FeatureView LookUpView(RegistrySnapshot registry, string name)
    {
        if (registry.FeatureViews.TryGetValue(name, out var view)) return view;
        if (registry.StreamFeatureViews.TryGetValue(name, out var stream)) return stream;
        if (registry.OnDemandFeatureViews.ContainsKey(name))
            throw new FeastValidationException($"'{name}' is an on-demand feature view; on-demand views are not supported in this retrieval yet. Request the features of its source views instead.");
        throw new FeatureViewNotFoundException(name, registry.Project);
    }

    private static Field FieldOf(FeatureView view, string feature) =>
        view.Features.FirstOrDefault(f => f.Name == feature)
        ?? throw new FeastValidationException($"Feature '{feature}' is not in feature view '{view.Name}'. Its features are: {string.Join(", ", view.Features.Select(f => f.Name))}.");

    private static void CheckCollisions(IReadOnlyList<FeatureViewRequest> requests, bool fullFeatureNames)
    {
        var duplicates = requests
            .SelectMany(r => r.Features.Select(f => r.OutputName(f, fullFeatureNames)))
            .GroupBy(n => n, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => g.Key)
            .ToList();
        if (duplicates.Count == 0) return;
        throw new FeatureNameCollisionException(fullFeatureNames
            ? $"Duplicate features named {string.Join(", ", duplicates)}: one view (or alias) is requested twice. Give the second projection another name with WithName(...)."
            : $"Duplicate features named {string.Join(", ", duplicates)} found. Set fullFeatureNames to true to name them '<view>__<feature>', or request features with unique names.");
    }
}
