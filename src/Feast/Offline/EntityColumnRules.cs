namespace Feast.Offline;

/// <summary>
/// The checks every offline store makes before its point-in-time join, so each answers the same bad request with the
/// same message: each view's join columns are in the entity data, and no two outputs (or an output and an entity
/// column) share a name.
/// </summary>
public static class EntityColumnRules
{
    /// <summary>Throws when <paramref name="views"/> cannot be joined onto entity data with <paramref name="entityColumns"/>.</summary>
    /// <exception cref="FeastValidationException">A join column is missing from the entity data.</exception>
    /// <exception cref="FeatureNameCollisionException">Two outputs, or an output and an entity column, share a name.</exception>
    public static void Check(IReadOnlyList<string> entityColumns, IEnumerable<FeatureViewRequest> views, bool fullFeatureNames)
    {
        ArgumentNullException.ThrowIfNull(entityColumns);
        ArgumentNullException.ThrowIfNull(views);
        var columns = entityColumns.ToHashSet(StringComparer.Ordinal);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var request in views)
        {
            foreach (var (joinKey, entityColumn) in request.MatchColumns)
            {
                if (!columns.Contains(entityColumn))
                {
                    var via = joinKey == entityColumn ? "" : $" (its join key '{joinKey}' mapped by join_key_map)";
                    throw new FeastValidationException(
                        $"Feature view '{request.NameToUse}' joins on entity column '{entityColumn}'{via}, but the entity data has no such column. "
                        + $"Its columns are: {string.Join(", ", entityColumns)}. Add the column to the entity data, or map the join key with WithJoinKeyMap.");
                }
            }
            foreach (var feature in request.Features)
            {
                var name = request.OutputName(feature, fullFeatureNames);
                if (columns.Contains(name))
                    throw new FeatureNameCollisionException($"Feature '{feature.Name}' of view '{request.NameToUse}' would be output as '{name}', which is already a column of the entity data. Rename the entity column or use full feature names.");
                if (!outputs.TryAdd(name, request.NameToUse))
                    throw new FeatureNameCollisionException($"Output column '{name}' is produced by both '{outputs[name]}' and '{request.NameToUse}'. Use full feature names, or WithName(...) to give one projection another name.");
            }
        }
    }
}
