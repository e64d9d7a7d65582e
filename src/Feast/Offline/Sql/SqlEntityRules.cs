namespace Feast.Offline.Sql;

/// <summary>
/// The checks a SQL offline store makes on the entity data's columns before its point-in-time join: no column uses the
/// helper prefix, and which column holds each row's event time.
/// </summary>
public static class SqlEntityRules
{
    private const string What = "The entity data";

    /// <summary>
    /// The entity data's columns as a point-in-time join outputs them, in order: the event-time column as the instant the
    /// join computed for it, other timestamps as instants, everything else as it is.
    /// </summary>
    /// <param name="dialect">The store's SQL dialect.</param>
    /// <param name="columns">The entity data's columns.</param>
    /// <param name="timestampColumn">The event-time column (<see cref="TimestampColumn"/>).</param>
    /// <param name="alias">The entity relation's alias in the join.</param>
    /// <param name="timeColumn">The helper column holding the event time as an instant.</param>
    public static IEnumerable<string> Outputs(SqlDialect dialect, IReadOnlyList<SqlColumn> columns, SqlColumn timestampColumn, string alias, string timeColumn)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(columns);
        foreach (var column in columns)
        {
            var reference = $"{alias}.{dialect.Quote(column.Name)}";
            yield return column == timestampColumn ? $"{alias}.{dialect.Quote(timeColumn)} AS {dialect.Quote(column.Name)}"
                : dialect.IsTimestamp(column.Type) ? $"{dialect.AsInstant(reference, column.Type)} AS {dialect.Quote(column.Name)}"
                : reference;
        }
    }

    /// <summary>
    /// Checks <paramref name="columns"/> and returns the event-time column: the <c>event_timestamp</c> column, else the
    /// only timestamp column.
    /// </summary>
    /// <param name="dialect">The store's SQL dialect.</param>
    /// <param name="columns">The entity data's columns, in order.</param>
    /// <exception cref="FeastValidationException">
    /// A column starts with <see cref="SqlDialect.HelperPrefix"/>; <c>event_timestamp</c> has a type that holds no time; or
    /// there is no <c>event_timestamp</c> and not exactly one timestamp column.
    /// </exception>
    public static SqlColumn TimestampColumn(SqlDialect dialect, IReadOnlyList<SqlColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(columns);
        var helper = columns.FirstOrDefault(c => c.Name.StartsWith(SqlDialect.HelperPrefix, StringComparison.OrdinalIgnoreCase));
        if (helper is not null)
            throw new FeastValidationException($"{What} has column '{helper.Name}'; names starting with '{SqlDialect.HelperPrefix}' are reserved for the {dialect.EngineName} offline store's helper columns. Rename it.");

        var named = columns.FirstOrDefault(c => c.Name == PullRequest.EventTimestampColumn);
        if (named is not null)
        {
            if (!dialect.IsEntityTimeType(named.Type))
                throw new FeastValidationException($"{What}: the event-timestamp column '{named.Name}' has type {named.Type}. It must hold timestamps (or ISO 8601 timestamp strings).");
            return named;
        }
        var timestamps = columns.Where(c => dialect.IsTimestamp(c.Type)).ToList();
        if (timestamps.Count == 1)
            return timestamps[0];
        var found = timestamps.Count == 0 ? "" : $" ({string.Join(", ", timestamps.Select(c => c.Name))})";
        throw new FeastValidationException(
            $"{What} has no {PullRequest.EventTimestampColumn} column and {timestamps.Count} timestamp columns{found}, so its event time is ambiguous. "
            + $"Its columns are: {string.Join(", ", columns.Select(c => $"{c.Name} ({c.Type})"))}. Name the event-time column {PullRequest.EventTimestampColumn}.");
    }
}
