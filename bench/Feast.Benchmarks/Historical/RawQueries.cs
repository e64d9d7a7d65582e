using System.Globalization;
using System.Text;

namespace Feast.Benchmarks.Historical;

/// <summary>How a raw baseline keeps one row per (key, event time): the latest created.</summary>
internal enum Dedup
{
    /// <summary>
    /// No separate step: the ASOF inequality is on an exact 128-bit key, event µs × 2^64 + created µs (shifted to be
    /// non-negative), so the latest candidate at or before (entity µs, 2^64 - 1) is also the latest created among
    /// equal event times. (A struct key {event, created} gives the same rows but stops DuckDB from turning an ASOF
    /// join with a tiny left side into its cheap nested-loop form, which matters for scenario 3.)
    /// </summary>
    OrderKey,

    /// <summary>The textbook form: <c>QUALIFY row_number() OVER (PARTITION BY key, event time ORDER BY created DESC) = 1</c>.</summary>
    Window,
}

/// <summary>
/// The hand-written DuckDB queries the store is measured against. They are written from the point-in-time rules
/// (latest row at or before the entity time on equal keys, the latest created among equal event times, nothing
/// older than the TTL, output in entity order), not from the store's SQL builder, with the same output columns,
/// types and order as the store's result.
/// </summary>
internal static class RawQueries
{
    private const string TwoTo64 = "18446744073709551616";
    private const string TwoTo64Minus1 = "18446744073709551615";
    private const string TwoTo63 = "9223372036854775808";

    /// <summary>A view to join: its source file and feature columns.</summary>
    public sealed record View(string Path, IReadOnlyList<FeatureColumn> Columns);

    /// <summary>
    /// Entity rows from a relation with driver_id and a naive event_timestamp, numbered in input order; each view an
    /// ASOF LEFT JOIN on driver_id and time; the TTL a CASE per feature; ORDER BY the entity row number.
    /// </summary>
    /// <param name="entityRelation">A FROM-able relation with driver_id and event_timestamp.</param>
    /// <param name="views">The views, joined in this order; their features are output in this order.</param>
    /// <param name="ttl">Every view's TTL.</param>
    /// <param name="dedup">How one row per (key, event time) is kept.</param>
    /// <param name="prune">Whether each source is first cut to the entity keys and to [min entity time - TTL, max
    /// entity time], the rows that can possibly be chosen (a diagnostic: the store does not do this).</param>
    public static string PointInTime(string entityRelation, IReadOnlyList<View> views, TimeSpan ttl, Dedup dedup, bool prune = false)
    {
        var interval = string.Create(CultureInfo.InvariantCulture, $"INTERVAL {(long)ttl.TotalSeconds} SECOND");
        var sql = new StringBuilder();
        sql.Append(CultureInfo.InvariantCulture,
            $"WITH e AS (SELECT driver_id, event_timestamp, row_number() OVER () AS rn FROM {entityRelation})");
        for (var v = 0; v < views.Count; v++)
        {
            var columns = string.Join(", ", views[v].Columns.Select(c => c.Name));
            sql.Append(CultureInfo.InvariantCulture, $",\nv{v} AS (SELECT driver_id, event_timestamp, ");
            sql.Append(dedup == Dedup.OrderKey ? $"epoch_us(event_timestamp)::HUGEINT * {TwoTo64} + (epoch_us(created)::HUGEINT + {TwoTo63}) AS k, " : "")
                .Append(CultureInfo.InvariantCulture, $"{columns} FROM read_parquet({DataSets.Literal(views[v].Path)})");
            if (prune)
            {
                sql.Append(CultureInfo.InvariantCulture, $"""

                        WHERE driver_id IN (SELECT driver_id FROM e)
                          AND event_timestamp BETWEEN (SELECT min(event_timestamp) FROM e) - {interval} AND (SELECT max(event_timestamp) FROM e)
                    """);
            }
            if (dedup == Dedup.Window)
                sql.Append("\n    QUALIFY row_number() OVER (PARTITION BY driver_id, event_timestamp ORDER BY created DESC) = 1");
            sql.Append(')');
        }

        sql.Append("\nSELECT e.driver_id, e.event_timestamp::TIMESTAMPTZ AS event_timestamp");
        for (var v = 0; v < views.Count; v++)
        {
            foreach (var column in views[v].Columns)
            {
                sql.Append(CultureInfo.InvariantCulture,
                    $",\n  CASE WHEN v{v}.event_timestamp >= e.event_timestamp - {interval} THEN v{v}.{column.Name} END AS {column.Name}");
            }
        }
        sql.Append("\nFROM e");
        for (var v = 0; v < views.Count; v++)
        {
            var inequality = dedup == Dedup.OrderKey
                ? $"epoch_us(e.event_timestamp)::HUGEINT * {TwoTo64} + {TwoTo64Minus1} >= v{v}.k"
                : $"e.event_timestamp >= v{v}.event_timestamp";
            sql.Append(CultureInfo.InvariantCulture, $"\nASOF LEFT JOIN v{v} ON e.driver_id = v{v}.driver_id AND {inequality}");
        }
        sql.Append("\nORDER BY e.rn");
        return sql.ToString();
    }
}
