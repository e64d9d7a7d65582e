namespace Feast.Online;

/// <summary>
/// An online read as Feast's feature server receives it: entity (and request-data) columns, and either feature
/// references or a feature service name.
/// </summary>
/// <param name="Entities">Column name → one value per entity row: join keys (or entity names), and request-data fields of on-demand views. All lists have the same length. Values may be .NET values or <see cref="System.Text.Json.JsonElement"/>s.</param>
public sealed record OnlineFeaturesRequest(IReadOnlyDictionary<string, IReadOnlyList<object?>> Entities)
{
    /// <summary>Feature references, <c>"view:feature"</c>; ignored when <see cref="FeatureService"/> is set.</summary>
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>The name of a feature service; takes precedence over <see cref="Features"/>.</summary>
    public string? FeatureService { get; init; }

    /// <summary>Name features <c>view__feature</c>.</summary>
    public bool FullFeatureNames { get; init; }

    /// <summary>Builds the column map from row dictionaries (Feast's <c>entity_rows</c>).</summary>
    /// <exception cref="FeastValidationException">Rows have different keys.</exception>
    public static IReadOnlyDictionary<string, IReadOnlyList<object?>> Columns(IEnumerable<IReadOnlyDictionary<string, object?>> entityRows)
    {
        ArgumentNullException.ThrowIfNull(entityRows);
        var columns = new Dictionary<string, List<object?>>(StringComparer.Ordinal);
        var count = 0;
        foreach (var row in entityRows)
        {
            ArgumentNullException.ThrowIfNull(row);
            if (count > 0 && (row.Count != columns.Count || row.Keys.Any(k => !columns.ContainsKey(k))))
                throw new FeastValidationException($"Entity row {count} has columns {string.Join(", ", row.Keys)} but row 0 has {string.Join(", ", columns.Keys)}; every entity row needs the same columns.");
            foreach (var (name, value) in row)
            {
                if (count == 0) columns[name] = [];
                columns[name].Add(value);
            }
            count++;
        }
        return columns.ToDictionary(p => p.Key, p => (IReadOnlyList<object?>)p.Value, StringComparer.Ordinal);
    }
}
