using Feast.Transformations;

namespace Feast.Planning;

/// <summary>
/// Feast's apply-time rules over a whole set of definitions: names are unique, references resolve, types are known.
/// Also completes join-key types from entities; what Feast infers from sources is done before, by <see cref="SourceInference"/>.
/// </summary>
internal static class RepoValidator
{
    /// <param name="defs">The definitions.</param>
    /// <param name="project">The project they are applied to.</param>
    /// <param name="scope">Where a missing reference was looked for, for messages ("in the repo").</param>
    /// <param name="compileTransforms">Whether to compile every C# transformation (a single-object apply compiles only its own).</param>
    public static RepoDefinitions Prepare(RepoDefinitions defs, string project, string scope = "in the repo", bool compileTransforms = true)
    {
        ArgumentNullException.ThrowIfNull(defs);
        var projects = defs.Projects.DistinctBy(p => p.Name).ToList();
        if (projects.Count > 1)
            throw new FeastValidationException($"Multiple projects found in the repository ({string.Join(", ", projects.Select(p => p.Name))}). A feature repo defines at most one Project, named like the project in feature_store.yaml ('{project}').");
        if (projects.Count == 1 && projects[0].Name != project)
            throw new FeastValidationException($"The repo defines Project '{projects[0].Name}' but feature_store.yaml says project: {project}. Give the Project object the name '{project}' (or change feature_store.yaml).");
        Unique(defs.Entities, "entity");
        Unique(defs.DataSources, "data source");
        Unique(defs.FeatureServices, "feature service");
        Unique(defs.Permissions, "permission");
        Unique(defs.Projects, "project");
        var allViews = defs.FeatureViews.Cast<BaseFeatureView>().Concat(defs.StreamFeatureViews).Concat(defs.OnDemandFeatureViews).ToList();
        var clash = allViews.GroupBy(v => v.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new DuplicateObjectNameException($"More than one feature view is named '{clash.Key}' ({string.Join(", ", clash.Select(v => $"{v.Kind} '{v.Name}'"))}). Feature view names (batch, stream and on-demand) must be unique, ignoring case.");

        var entities = InferEntityTypes(defs);
        var byName = entities.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var featureViews = defs.FeatureViews.Select(v => CompleteView(v, byName, scope)).ToList();
        var streamViews = defs.StreamFeatureViews.Select(v => (StreamFeatureView)CompleteView(v, byName, scope)).ToList();

        foreach (var view in defs.OnDemandFeatureViews) CheckFeatures(view);
        var viewsByName = featureViews.Cast<BaseFeatureView>().Concat(streamViews).Concat(defs.OnDemandFeatureViews)
            .ToDictionary(v => v.Name, StringComparer.Ordinal);

        foreach (var odfv in defs.OnDemandFeatureViews)
        {
            foreach (var projection in odfv.SourceProjections)
                CheckProjection(projection, viewsByName, $"On demand feature view '{odfv.Name}'", scope);
        }
        foreach (var service in defs.FeatureServices)
        {
            foreach (var projection in service.Projections)
                CheckProjection(projection, viewsByName, $"Feature service '{service.Name}'", scope);
        }

        // Last, as the slowest check: a C# transformation is stored as source text, so it must compile from that text alone.
        foreach (var odfv in compileTransforms ? defs.OnDemandFeatureViews : [])
        {
            if (odfv.Mode == OnDemandFeatureView.CSharpMode && !string.IsNullOrWhiteSpace(odfv.Udf?.BodyText))
                OnDemandTransforms.Validate(odfv);
        }

        return defs with { Entities = entities, FeatureViews = featureViews, StreamFeatureViews = streamViews };
    }

    private static void Unique<T>(IReadOnlyList<T> objects, string kind) where T : FeastObject
    {
        var duplicate = objects.GroupBy(o => o.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Distinct().Count() > 1);
        if (duplicate is not null)
            throw new DuplicateObjectNameException($"Two different {kind} definitions are named '{duplicate.Key}'. Names must be unique within a kind; rename one of them.");
    }

    // Like Feast, an entity keeps the value type it was given (none is written as UNKNOWN); the type of its join key is
    // the one each view's entity column has, from the view's schema, the entity, or the source (SourceInference).
    private static List<Entity> InferEntityTypes(RepoDefinitions defs) => [.. defs.Entities.DistinctBy(e => e.Name)];

    private static FeatureView CompleteView(FeatureView view, Dictionary<string, Entity> entities, string scope)
    {
        var columns = new List<Field>(view.EntityColumns.Count);
        foreach (var name in view.Entities)
        {
            if (!entities.TryGetValue(name, out var entity))
                throw new FeastValidationException($"{view.Kind} '{view.Name}' uses entity '{name}', which is not defined {scope}. Define the entity or remove it from the view's entities.");
            var column = view.EntityColumns.FirstOrDefault(c => c.Name == entity.JoinKey) ?? new Field(entity.JoinKey, FeastType.Invalid);
            if (column.Dtype.ValueType == ValueType.Unknown)
            {
                if (entity.ValueType == ValueType.Unknown)
                    throw new FeastValidationException($"{view.Kind} '{view.Name}': the type of join key '{entity.JoinKey}' (entity '{entity.Name}') is unknown. Give the entity a valueType (e.g. valueType: ValueType.Int64) or add new Field(\"{entity.JoinKey}\", FeastType.Int64) to the view's schema.");
                column = column with { Dtype = FeastType.FromValueType(entity.ValueType) };
            }
            else if (entity.ValueType != ValueType.Unknown && column.Dtype.ValueType != entity.ValueType)
            {
                throw new FeastValidationException($"{view.Kind} '{view.Name}': join key '{entity.JoinKey}' is declared as {column.Dtype} but entity '{entity.Name}' has value type {entity.ValueType}. Make them agree.");
            }
            columns.Add(column);
        }
        CheckFeatures(view);
        var joinKeys = columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var collision = view.Features.FirstOrDefault(f => joinKeys.Contains(f.Name));
        if (collision is not null)
            throw new FeastValidationException($"{view.Kind} '{view.Name}': feature '{collision.Name}' has the name of a join key. Rename the feature.");
        return view with { EntityColumns = columns };
    }

    private static void CheckFeatures(BaseFeatureView view)
    {
        var untyped = view.Features.FirstOrDefault(f => f.Dtype.ValueType == ValueType.Unknown);
        if (untyped is not null)
            throw new FeastValidationException($"{view.Kind} '{view.Name}': feature '{untyped.Name}' has no type. Give it one, e.g. new Field(\"{untyped.Name}\", FeastType.Float32).");
    }

    private static void CheckProjection(FeatureViewProjection projection, Dictionary<string, BaseFeatureView> views, string owner, string scope)
    {
        if (!views.TryGetValue(projection.Name, out var view))
            throw new FeastValidationException($"{owner} uses feature view '{projection.Name}', which is not defined {scope}.");
        var names = view.Features.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var missing = projection.Features.FirstOrDefault(f => !names.Contains(f.Name));
        if (missing is not null)
            throw new FeastValidationException($"{owner} selects feature '{missing.Name}' from '{projection.Name}', which has no such feature. Its features are: {string.Join(", ", view.Features.Select(f => f.Name))}.");
    }
}
