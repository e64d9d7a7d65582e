using System.Globalization;
using Feast.Offline;

namespace Feast.Postgres.Offline;

/// <summary>
/// The entity rows of a retrieval without entity rows (<see cref="TimeRangeEntityData"/>) on PostgreSQL: every distinct
/// (join keys, event time) of the supplying views' source rows in the range, as <c>event_timestamp</c> (timestamptz)
/// and the join keys named as entity columns, ordered by time, then keys.
/// </summary>
internal static class PgTimeRangeQuery
{
    private static string Q(string name) => PostgresConnections.Quote(name);

    /// <summary>The SELECT of the rows; <paramref name="views"/> are the retrieval's views, their sources opened.</summary>
    public static string Build(TimeRangeEntityData range, IReadOnlyList<PgPointInTimeQuery.ViewInput> views)
    {
        var (columns, suppliers) = TimeRangeEntityData.EntityColumns([.. views.Select(v => v.Request)]);
        var parts = new List<string>();
        foreach (var supplier in suppliers)
        {
            var source = views.First(v => ReferenceEquals(v.Request, supplier)).Source;
            var timestamp = source.TimestampColumn();
            var time = PgTypes.AsInstant(Q(timestamp.Name), timestamp.Type);
            var select = new List<string> { $"{time} AS {Q(PullRequest.EventTimestampColumn)}" };
            foreach (var column in columns)
            {
                var joinKey = supplier.JoinColumns.First(c => c.EntityColumn == column).JoinKey;
                select.Add($"{Q(source.Mapped(joinKey, "join key").Name)} AS {Q(column)}");
            }
            parts.Add($"SELECT {string.Join(", ", select)} FROM {source.Scan} AS s WHERE {time} BETWEEN {Literal(range.Start)} AND {Literal(range.End)}");
        }
        var order = string.Join(", ", columns.Prepend(PullRequest.EventTimestampColumn).Select(Q));
        // DISTINCT keeps each (keys, time) once however many views or rows have it.
        return $"SELECT DISTINCT * FROM (\n  {string.Join("\n  UNION ALL\n  ", parts)}\n) AS r ORDER BY {order}";
    }

    private static string Literal(DateTimeOffset value) =>
        "TIMESTAMPTZ '" + value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00'";
}
