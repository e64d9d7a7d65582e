using System.Text.RegularExpressions;
using Feast.Offline;

namespace Feast.Planning;

/// <summary>
/// What apply infers from the batch sources' columns, in Feast's order: a source's missing timestamp field, then the
/// types of join keys no entity or schema gives, then the features of views defined without a schema (every column but
/// the join keys, the timestamp columns and <c>__internal__</c> ones, named after the field mapping). Projections of
/// such views in feature services and on-demand views get the inferred features. Types are the ones
/// <see cref="SourceColumn.Type"/> gives, so the registry holds what it would with the types spelt out.
/// </summary>
internal static partial class SourceInference
{
    public static async Task<RepoDefinitions> InferAsync(RepoDefinitions defs, SourceSchemas schemas, CancellationToken cancellationToken)
    {
        var replaced = await InferTimestampFieldsAsync(defs, schemas, cancellationToken).ConfigureAwait(false);
        DataSource Replace(DataSource source) => source switch
        {
            PushSource push => push with { BatchSource = Replace(push.BatchSource) },
            KafkaSource { BatchSource: { } batch } kafka => kafka with { BatchSource = Replace(batch) },
            _ => replaced.GetValueOrDefault(source, source),
        };
        FeatureView WithSources(FeatureView view) =>
            view with { BatchSource = Replace(view.BatchSource), StreamSource = view.StreamSource is null ? null : Replace(view.StreamSource) };

        var entities = defs.Entities.DistinctBy(e => e.Name).ToDictionary(e => e.Name, StringComparer.Ordinal);
        var inferred = new Dictionary<string, IReadOnlyList<Field>>(StringComparer.Ordinal);
        var views = new List<FeatureView>(defs.FeatureViews.Count);
        foreach (var view in defs.FeatureViews)
            views.Add(await InferViewAsync(WithSources(view), entities, schemas, inferred, cancellationToken).ConfigureAwait(false));
        var streamViews = new List<StreamFeatureView>(defs.StreamFeatureViews.Count);
        foreach (var view in defs.StreamFeatureViews)
        {
            if (view.Features.Count == 0)
                throw new RegistryInferenceException($"Stream feature view '{view.Name}' has no schema. Feast does not infer the features of stream feature views: give it a schema listing its features.");
            streamViews.Add((StreamFeatureView)await InferViewAsync(WithSources(view), entities, schemas, inferred, cancellationToken).ConfigureAwait(false));
        }

        return defs with
        {
            DataSources = [.. defs.DataSources.Select(Replace)],
            FeatureViews = views,
            StreamFeatureViews = streamViews,
            FeatureServices = [.. defs.FeatureServices.Select(s => s with { Projections = [.. s.Projections.Select(p => Complete(p, inferred, $"Feature service '{s.Name}'"))] })],
            OnDemandFeatureViews = [.. defs.OnDemandFeatureViews.Select(v => v with
            {
                Sources = [.. v.Sources.Select(r => r.Projection is null ? r : r with { Projection = Complete(r.Projection, inferred, $"On demand feature view '{v.Name}'") })],
            })],
        };
    }

    /// <summary>Batch sources without a timestamp field, each with the one inferred for it.</summary>
    private static async Task<Dictionary<DataSource, DataSource>> InferTimestampFieldsAsync(RepoDefinitions defs, SourceSchemas schemas, CancellationToken cancellationToken)
    {
        var candidates = defs.DataSources.Concat(defs.FeatureViews.Concat(defs.StreamFeatureViews).Select(v => v.BatchSource))
            .Select(s => s.BatchSourceOrSelf())
            .Where(s => s.TimestampField.Length == 0 && SourceSchemas.IsReadable(s))
            .Distinct()
            .ToList();
        var replaced = new Dictionary<DataSource, DataSource>();
        foreach (var source in candidates)
        {
            var columns = await schemas.GetAsync(source, cancellationToken).ConfigureAwait(false)
                ?? throw new RegistryInferenceException($"Data source '{source.Name}' has no timestampField, and apply cannot infer it: {schemas.Unavailable}. Give the source timestampField: \"<event-time column>\".");
            // Feast picks the one timestamp-typed column; the declared created column is not a candidate.
            var timestamps = columns.Where(c => c.IsTimestamp && c.Name != source.CreatedTimestampColumn).ToList();
            if (timestamps.Count != 1)
            {
                var why = timestamps.Count == 0
                    ? $"it has no timestamp column (its columns are: {SourceSchemas.Describe(columns)})"
                    : $"it has {timestamps.Count} timestamp columns ({string.Join(", ", timestamps.Select(c => c.Name))})";
                throw new RegistryInferenceException($"Data source '{source.Name}' has no timestampField, and apply cannot infer it: {why}. Name the event-time column with timestampField: \"{(timestamps.Count > 0 ? timestamps[0].Name : "<column>")}\".");
            }
            var completed = source with { TimestampField = timestamps[0].Name };
            schemas.Alias(source, completed);
            replaced[source] = completed;
        }
        return replaced;
    }

    private static async Task<FeatureView> InferViewAsync(FeatureView view, Dictionary<string, Entity> entities, SourceSchemas schemas,
        Dictionary<string, IReadOnlyList<Field>> inferred, CancellationToken cancellationToken)
    {
        // A join key is untyped when neither the view's schema nor its entity gives a type (undefined entities are reported later).
        var untyped = view.EntityColumns
            .Select((c, i) => (Column: c, Entity: i < view.Entities.Count ? entities.GetValueOrDefault(view.Entities[i]) : null))
            .Where(x => x.Column.Dtype.ValueType == ValueType.Unknown && x.Entity is { ValueType: ValueType.Unknown })
            .Select(x => x.Column.Name)
            .ToHashSet(StringComparer.Ordinal);
        var inferFeatures = view.Features.Count == 0;
        if (untyped.Count == 0 && !inferFeatures) return view;

        var source = view.BatchSource;
        var columns = SourceSchemas.IsReadable(source) ? await schemas.GetAsync(source, cancellationToken).ConfigureAwait(false) : null;
        if (columns is null)
        {
            var reason = SourceSchemas.IsReadable(source) ? schemas.Unavailable : $"its batch source '{source.Name}' is a {source.SourceTypeName}, which apply cannot read";
            throw inferFeatures
                ? new RegistryInferenceException($"{view.Kind} '{view.Name}' has no schema, and apply cannot infer its features from source '{source.Name}': {reason}. Give the view a schema listing its features, e.g. schema: [new Field(\"conv_rate\", FeastType.Float32)].")
                : new RegistryInferenceException($"{view.Kind} '{view.Name}': the type of join key '{untyped.First()}' is not given, and apply cannot infer it from source '{source.Name}': {reason}. Add new Field(\"{untyped.First()}\", FeastType.Int64) (its type) to the view's schema, or give the entity a valueType.");
        }

        var joinKeys = view.EntityColumns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var excluded = new HashSet<string>([source.TimestampField, source.CreatedTimestampColumn], StringComparer.Ordinal);
        var keyTypes = new Dictionary<string, FeastType>(StringComparer.Ordinal);
        var features = new List<Field>();
        foreach (var column in columns)
        {
            var name = source.FieldMapping.GetValueOrDefault(column.Name, column.Name);
            if (excluded.Contains(column.Name) || excluded.Contains(name)) continue;
            if (joinKeys.Contains(name))
            {
                if (untyped.Contains(name)) keyTypes[name] = Typed(view, source, column, $"join key '{name}'");
            }
            else if (inferFeatures && !InternalColumn().IsMatch(column.Name))
            {
                features.Add(new Field(name, Typed(view, source, column, $"feature '{name}'")));
            }
        }

        var missingKey = untyped.FirstOrDefault(k => !keyTypes.ContainsKey(k));
        if (missingKey is not null)
            throw new RegistryInferenceException($"{view.Kind} '{view.Name}': source '{source.Name}' has no column '{missingKey}' for the join key of its entity, so its type cannot be inferred. Its columns are: {SourceSchemas.Describe(columns)}. Fix the source or its field_mapping.");
        if (inferFeatures && features.Count == 0)
            throw new RegistryInferenceException($"Could not infer features for {view.Kind} '{view.Name}': source '{source.Name}' has no columns besides its join keys and timestamps (its columns are: {SourceSchemas.Describe(columns)}). Give the view a schema, or add feature columns to the source.");

        var result = view with
        {
            EntityColumns = [.. view.EntityColumns.Select(c => keyTypes.TryGetValue(c.Name, out var type) ? c with { Dtype = type } : c)],
        };
        if (!inferFeatures) return result;
        inferred[view.Name] = features;
        return result with { Features = features, Projection = view.Projection with { Features = features } };
    }

    private static FeastType Typed(FeatureView view, DataSource source, SourceColumn column, string role) =>
        column.Type != FeastType.Invalid ? column.Type
        : throw new RegistryInferenceException($"{view.Kind} '{view.Name}': column '{column.Name}' of source '{source.Name}' has type {column.NativeType}, which has no Feast type, so the type of its {role} cannot be inferred. "
            + (role.StartsWith("feature", StringComparison.Ordinal)
                ? "Give the view a schema listing the features it serves (without this column), or cast the column in the source."
                : "Cast the column in the source to an integer or text type."));

    /// <summary>A projection of a view whose features were inferred: all of them when it selects none, else the selected ones, typed.</summary>
    private static FeatureViewProjection Complete(FeatureViewProjection projection, Dictionary<string, IReadOnlyList<Field>> inferred, string owner)
    {
        if (!inferred.TryGetValue(projection.Name, out var features)) return projection;
        if (projection.Features.Count == 0) return projection with { Features = features };
        var byName = features.ToDictionary(f => f.Name, StringComparer.Ordinal);
        return projection with
        {
            Features = [.. projection.Features.Select(f => f.Dtype.ValueType != ValueType.Unknown ? f
                : byName.GetValueOrDefault(f.Name) ?? throw new RegistryInferenceException($"{owner} selects feature '{f.Name}' from '{projection.Name}', whose inferred features are: {string.Join(", ", features.Select(x => x.Name))}."))],
        };
    }

    // Feast skips columns that start or end with a double underscore: they often mark internal-use columns.
    [GeneratedRegex("^__|__$")]
    private static partial Regex InternalColumn();
}
