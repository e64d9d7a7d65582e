namespace Feast.Offline.Sql;

/// <summary>
/// The entity rows of a retrieval without entity rows (<see cref="TimeRangeEntityData"/>): every distinct (join keys,
/// event time) of the supplying views' source rows in the range, as <c>event_timestamp</c> (an instant) and the join
/// keys named as entity columns, ordered by time, then keys.
/// </summary>
public static class SqlTimeRangeQuery
{
    /// <summary>The SELECT of the rows.</summary>
    /// <param name="range">The time range.</param>
    /// <param name="views">The retrieval's views, their sources opened.</param>
    /// <exception cref="ArgumentException"><paramref name="views"/> is empty.</exception>
    /// <exception cref="FeastValidationException">A column the rows need is missing or has the wrong type.</exception>
    public static string Build(TimeRangeEntityData range, IReadOnlyList<SqlViewInput> views)
    {
        ArgumentNullException.ThrowIfNull(range);
        ArgumentNullException.ThrowIfNull(views);
        var (columns, suppliers) = TimeRangeEntityData.EntityColumns([.. views.Select(v => v.Request)]);
        if (views.Count == 0)
            throw new ArgumentException("A retrieval over a time range needs at least one feature view.", nameof(views));
        var dialect = views[0].Source.Dialect;
        var parts = new List<string>();
        foreach (var supplier in suppliers)
        {
            var source = views.First(v => ReferenceEquals(v.Request, supplier)).Source;
            var timestamp = source.TimestampColumn();
            var time = dialect.AsInstant(dialect.Quote(timestamp.Name), timestamp.Type);
            var select = new List<string> { $"{time} AS {dialect.Quote(PullRequest.EventTimestampColumn)}" };
            foreach (var column in columns)
            {
                var joinKey = supplier.JoinColumns.First(c => c.EntityColumn == column).JoinKey;
                select.Add($"{dialect.Quote(source.Mapped(joinKey, "join key").Name)} AS {dialect.Quote(column)}");
            }
            parts.Add($"SELECT {string.Join(", ", select)} FROM {dialect.Alias(source.Scan, "s")} WHERE {time} BETWEEN {dialect.TimestampLiteral(range.Start)} AND {dialect.TimestampLiteral(range.End)}");
        }
        var order = string.Join(", ", columns.Prepend(PullRequest.EventTimestampColumn).Select(dialect.Quote));
        // DISTINCT keeps each (keys, time) once however many views or rows have it.
        return $"SELECT DISTINCT * FROM {dialect.Alias($"(\n  {string.Join("\n  UNION ALL\n  ", parts)}\n)", "r")} ORDER BY {order}";
    }
}
