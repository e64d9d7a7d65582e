using Feast.Offline;

namespace Feast.DuckDb;

/// <summary>
/// The entity rows of a retrieval without entity rows (<see cref="TimeRangeEntityData"/>): every distinct (join keys,
/// event time) of the supplying views' source rows in the range, as <c>event_timestamp</c> (an instant) and the join
/// keys named as entity columns, ordered by time, then keys.
/// </summary>
internal static class TimeRangeQuery
{
    /// <summary>The SELECT of the rows; <paramref name="views"/> are the retrieval's views, their sources opened.</summary>
    public static string Build(TimeRangeEntityData range, IReadOnlyList<PointInTimeQuery.ViewInput> views)
    {
        var (columns, suppliers) = TimeRangeEntityData.EntityColumns([.. views.Select(v => v.Request)]);
        var parts = new List<string>();
        foreach (var supplier in suppliers)
        {
            var source = views.First(v => ReferenceEquals(v.Request, supplier)).Source;
            var timestamp = PointInTimeQuery.TimestampColumn(source);
            var time = Sql.AsInstant(Sql.Ident(timestamp.Name), timestamp.Type);
            var select = new List<string> { $"{time} AS {Sql.Ident(PullRequest.EventTimestampColumn)}" };
            foreach (var column in columns)
            {
                var joinKey = supplier.JoinColumns.First(c => c.EntityColumn == column).JoinKey;
                select.Add($"{Sql.Ident(source.Mapped(joinKey, "join key").Name)} AS {Sql.Ident(column)}");
            }
            parts.Add($"SELECT {string.Join(", ", select)} FROM {source.Scan} WHERE {time} BETWEEN {Sql.Timestamp(range.Start)} AND {Sql.Timestamp(range.End)}");
        }
        var order = string.Join(", ", columns.Prepend(PullRequest.EventTimestampColumn).Select(Sql.Ident));
        // DISTINCT keeps each (keys, time) once however many views or rows have it.
        return $"SELECT DISTINCT * FROM (\n  {string.Join("\n  UNION ALL\n  ", parts)}\n) ORDER BY {order}";
    }
}
