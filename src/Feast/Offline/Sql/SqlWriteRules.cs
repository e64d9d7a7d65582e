using Apache.Arrow;

namespace Feast.Offline.Sql;

/// <summary>The checks a SQL offline store makes on rows pushed to a source (<see cref="IOfflineStore.WriteBatchAsync"/>), with one message for every store.</summary>
public static class SqlWriteRules
{
    /// <summary>Fails unless <paramref name="batch"/> has exactly the <paramref name="expected"/> columns (as a set), naming missing and extra ones.</summary>
    /// <param name="owner">Who writes, for the message ("Feature view 'driver_stats'").</param>
    /// <param name="label">The source for the message, quoted (see <see cref="SqlSourceRelation.Label"/>).</param>
    /// <param name="expected">The source's stored columns (before the field mapping).</param>
    /// <param name="batch">The rows to write.</param>
    /// <exception cref="FeastValidationException">The batch's columns differ from <paramref name="expected"/>.</exception>
    public static void RequireColumns(string owner, string label, IReadOnlyList<string> expected, RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(batch);
        var given = batch.Schema.FieldsList.Select(f => f.Name).ToList();
        var missing = expected.Except(given, StringComparer.Ordinal).ToList();
        var extra = given.Except(expected, StringComparer.Ordinal).ToList();
        if (missing.Count == 0 && extra.Count == 0)
            return;
        var problems = new List<string>();
        if (missing.Count > 0) problems.Add($"missing {string.Join(", ", missing)}");
        if (extra.Count > 0) problems.Add($"not in the source: {string.Join(", ", extra)}");
        throw new FeastValidationException(
            $"{owner}: the rows to write have columns {string.Join(", ", given)}, but source {label} has columns {string.Join(", ", expected)} "
            + $"({string.Join("; ", problems)}). Give exactly the source's columns (its stored names, before field_mapping).");
    }
}
