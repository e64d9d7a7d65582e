using Feast.Offline;
using Feast.Registry;

namespace Feast.Retrieval;

/// <summary>
/// Turns a feature list (<c>"view:feature"</c> references) or a feature service into the views to read and the
/// on-demand views to compute, applying Feast's rules: unknown views and features are errors, output names must be
/// unique (<see cref="FeatureNameCollisionException"/> otherwise), and an on-demand view pulls in the features of its
/// source views as implicit inputs.
/// </summary>
public static class FeatureResolver
{
    /// <summary>Resolves feature references.</summary>
    public static ResolvedFeatures Resolve(RegistrySnapshot registry, IEnumerable<string> featureRefs, bool fullFeatureNames)
    {
        ArgumentNullException.ThrowIfNull(registry);
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

        var builder = new Builder(registry);
        foreach (var name in order)
        {
            if (registry.OnDemandFeatureViews.TryGetValue(name, out var odfv))
                builder.AddOnDemand(odfv, odfv.Projection, [.. byView[name].Select(f => FieldOf(odfv, f))]);
            else
            {
                var view = LookUpView(registry, name);
                builder.AddStored(view, view.Projection, [.. byView[name].Select(f => FieldOf(view, f))]);
            }
        }
        return builder.Build(fullFeatureNames);
    }

    /// <summary>Resolves the projections of a feature service.</summary>
    public static ResolvedFeatures Resolve(RegistrySnapshot registry, FeatureService service, bool fullFeatureNames)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(service);
        var builder = new Builder(registry);
        foreach (var projection in service.Projections)
        {
            if (registry.OnDemandFeatureViews.TryGetValue(projection.Name, out var odfv))
                builder.AddOnDemand(odfv, projection, [.. projection.Features.Select(f => FieldOf(odfv, f.Name))]);
            else
            {
                var view = LookUpView(registry, projection.Name);
                builder.AddStored(view, projection, [.. projection.Features.Select(f => FieldOf(view, f.Name))]);
            }
        }
        return builder.Build(fullFeatureNames);
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
        throw new FeatureViewNotFoundException(name, registry.Project);
    }

    private static Field FieldOf(BaseFeatureView view, string feature) =>
        view.Features.FirstOrDefault(f => f.Name == feature)
        ?? throw new FeastValidationException($"Feature '{feature}' is not in feature view '{view.Name}'. Its features are: {string.Join(", ", view.Features.Select(f => f.Name))}.");

    private sealed class Builder(RegistrySnapshot registry)
    {
        private readonly List<FeatureViewRequest> _views = [];
        private readonly List<OnDemandRequest> _onDemand = [];
        private readonly List<(FeatureView View, FeatureViewProjection Projection, Field Feature)> _inputs = [];

        public void AddStored(FeatureView view, FeatureViewProjection projection, List<Field> features) =>
            _views.Add(new FeatureViewRequest(view, projection, features));

        public void AddOnDemand(OnDemandFeatureView view, FeatureViewProjection projection, List<Field> features)
        {
            _onDemand.Add(new OnDemandRequest(view, projection, features));
            foreach (var source in view.SourceProjections)
            {
                var sourceView = registry.FeatureViews.TryGetValue(source.Name, out var v) ? v
                    : registry.StreamFeatureViews.TryGetValue(source.Name, out var s) ? s
                    : throw new FeastValidationException($"On demand feature view '{view.Name}' reads feature view '{source.Name}', which is not in the registry. Apply the view, or remove it from the sources.");
                foreach (var feature in source.Features.Count > 0 ? source.Features : sourceView.Features)
                {
                    var field = sourceView.Features.FirstOrDefault(f => f.Name == feature.Name)
                        ?? throw new FeastValidationException($"On demand feature view '{view.Name}' reads feature '{feature.Name}' of view '{source.Name}', which the view does not have.");
                    _inputs.Add((sourceView, source, field));
                }
            }
        }

        public ResolvedFeatures Build(bool fullFeatureNames)
        {
            CheckCollisions(fullFeatureNames);
            // Inputs already requested explicitly under the same name are read once; the rest are read as implicit features.
            var implicitByProjection = new List<FeatureViewRequest>();
            foreach (var group in _inputs.GroupBy(i => (i.View.Name, i.Projection.NameToUse)))
            {
                var first = group.First();
                var explicitFeatures = _views.Where(v => v.View.Name == first.View.Name && v.NameToUse == first.Projection.NameToUse)
                    .SelectMany(v => v.Features.Select(f => f.Name)).ToHashSet(StringComparer.Ordinal);
                var missing = group.Select(i => i.Feature).Where(f => !explicitFeatures.Contains(f.Name)).DistinctBy(f => f.Name).ToList();
                if (missing.Count > 0)
                    implicitByProjection.Add(new FeatureViewRequest(first.View, first.Projection, missing, Implicit: true));
            }
            return new ResolvedFeatures([.. _views, .. implicitByProjection], _onDemand);
        }

        private void CheckCollisions(bool fullFeatureNames)
        {
            var duplicates = _views.SelectMany(r => r.Features.Select(f => r.OutputName(f, fullFeatureNames)))
                .Concat(_onDemand.SelectMany(r => r.Features.Select(f => r.OutputName(f, fullFeatureNames))))
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
}
