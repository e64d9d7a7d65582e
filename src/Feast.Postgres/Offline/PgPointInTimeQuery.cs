using System.Globalization;
using System.Text;
using Feast.Offline;
using Feast.Offline.Sql;

namespace Feast.Postgres.Offline;

/// <summary>
/// Builds the one SQL statement of a historical retrieval on PostgreSQL (Feast's point-in-time join, FEAST-FORMATS §7.3),
/// with no LATERAL join and no per-row subquery: per view, one sort-and-scan pass.
/// </summary>
/// <remarks>
/// Per view, the entity rows and the view's source rows are put in one stream (<c>UNION ALL</c>) and sorted by join
/// keys, then time, with source rows before entity rows at the same instant (the upper bound is inclusive) and, among
/// source rows at one instant, by created time. A running count of source rows (<c>count(*) FILTER</c> as a window)
/// gives every row the number of the latest source row at or before it on its keys: the "last observation carried
/// forward". A second window over (keys, number), whose input is already sorted by keys so PostgreSQL sorts only
/// within each key (an incremental sort), hands that source row's values to the entity rows after it; the TTL's lower
/// bound (inclusive) then blanks a stale one. No self-join and no per-row lookup. The entity rows, left-joined to each
/// view's result on their row number, keep their order and all their columns.
/// </remarks>
internal static class PgPointInTimeQuery
{
    private static string Q(string name) => PostgresConnections.Quote(name);

    private const string Kind = PgTypes.HelperPrefix + "kind";
    private const string Created = PgTypes.HelperPrefix + "created";
    private const string Group = PgTypes.HelperPrefix + "grp";
    private const string PickedTime = PgTypes.HelperPrefix + "picked_ts";
    private static readonly string Row = PgEntityRelation.RowColumn;
    private static readonly string Time = PgEntityRelation.TimeColumn;

    public static string Build(PgEntityRelation entity, IReadOnlyList<SqlViewInput> views, bool fullFeatureNames)
    {
        EntityColumnRules.Check([.. entity.Columns.Select(c => c.Name)], views.Select(v => v.Request), fullFeatureNames);
        var sql = new StringBuilder();
        var ctes = new List<string>();
        for (var i = 0; i < views.Count; i++)
            ctes.AddRange(ViewCtes(entity, views[i], i));

        var select = new List<string>(SqlEntityRules.Outputs(PgDialect.Instance, entity.Columns, entity.TimestampColumn, "e", Time));
        for (var i = 0; i < views.Count; i++)
        {
            var request = views[i].Request;
            for (var f = 0; f < request.Features.Count; f++)
                select.Add($"r{N(i)}.{Q(Feature(f))} AS {Q(request.OutputName(request.Features[f], fullFeatureNames))}");
        }

        if (ctes.Count > 0) sql.Append("WITH ").Append(string.Join(",\n", ctes)).Append('\n');
        sql.Append("SELECT\n  ").Append(string.Join(",\n  ", select)).Append("\nFROM ").Append(entity.Relation).Append(" AS e");
        for (var i = 0; i < views.Count; i++)
            sql.Append($"\nLEFT JOIN {Q(ResultCte(i))} AS r{N(i)} ON r{N(i)}.{Q(Row)} = e.{Q(Row)}");
        sql.Append($"\nORDER BY e.{Q(Row)}");
        return sql.ToString();
    }

    private static IEnumerable<string> ViewCtes(PgEntityRelation entity, SqlViewInput input, int i)
    {
        var (request, source) = (input.Request, input.Source);
        var keys = request.MatchColumns;
        var timestamp = source.TimestampColumn();
        var created = source.CreatedColumn();
        var time = PgTypes.AsInstant(Q(timestamp.Name), timestamp.Type);
        var ttl = request.View.Ttl;
        var ttlInterval = $"interval '{(ttl.Ticks / TimeSpan.TicksPerMicrosecond).ToString(CultureInfo.InvariantCulture)} microseconds'";

        // Source side: keys, time, created, features; entity side: keys (cast to the source's types when they differ in kind), time, row.
        var featureSide = new List<string>();
        var entitySide = new List<string>();
        for (var k = 0; k < keys.Count; k++)
        {
            var stored = source.Mapped(keys[k].JoinKey, "join key");
            var entityColumn = entity.Columns.First(c => c.Name == keys[k].EntityColumn);
            featureSide.Add($"{Q(stored.Name)} AS {Q(Key(k))}");
            entitySide.Add(Comparable(entityColumn.Type, stored.Type)
                ? $"{Q(entityColumn.Name)} AS {Q(Key(k))}"
                : $"CAST({Q(entityColumn.Name)} AS {stored.Type}) AS {Q(Key(k))}");
        }
        featureSide.Add($"{time} AS {Q(Time)}");
        entitySide.Add(Q(Time));
        featureSide.Add($"0 AS {Q(Kind)}");
        entitySide.Add("1");
        featureSide.Add(created is null ? $"NULL::timestamptz AS {Q(Created)}" : $"{PgTypes.AsInstant(Q(created.Name), created.Type)} AS {Q(Created)}");
        entitySide.Add("NULL");
        featureSide.Add($"NULL::bigint AS {Q(Row)}");
        entitySide.Add(Q(Row));
        for (var f = 0; f < request.Features.Count; f++)
        {
            var stored = source.Mapped(request.Features[f].Name, "feature");
            featureSide.Add($"{PgTypes.Output(Q(stored.Name), stored.Type)} AS {Q(Feature(f))}");
            entitySide.Add("NULL");
        }

        // Source rows later than every entity row, or (with a TTL) older than every window, can never be chosen.
        var window = $"{time} <= (SELECT max({Q(Time)}) FROM {entity.Relation} AS m)";
        if (ttl > TimeSpan.Zero)
            window += $" AND {time} >= (SELECT min({Q(Time)}) FROM {entity.Relation} AS m) - {ttlInterval}";

        var union = $"{Q(UnionCte(i))} AS (\n  SELECT {string.Join(", ", featureSide)}\n  FROM {source.Scan} AS s\n  WHERE {window}\n"
            + $"  UNION ALL\n  SELECT {string.Join(", ", entitySide)}\n  FROM {entity.Relation} AS s\n)";

        var partition = keys.Count == 0 ? "" : "PARTITION BY " + string.Join(", ", Enumerable.Range(0, keys.Count).Select(k => Q(Key(k)))) + " ";
        var carried = $"{Q(CarriedCte(i))} AS (\n  SELECT *, count(*) FILTER (WHERE {Q(Kind)} = 0) OVER ({partition}ORDER BY {Q(Time)}, {Q(Kind)}, {Q(Created)} NULLS FIRST ROWS UNBOUNDED PRECEDING) AS {Q(Group)}\n  FROM {Q(UnionCte(i))}\n)";

        // Each (keys, number) group holds the source row that starts it (first by kind) and the entity rows it is carried to.
        var group = "PARTITION BY " + string.Join(", ", Enumerable.Range(0, keys.Count).Select(k => Q(Key(k))).Append(Q(Group)));
        var picked = new List<string> { $"first_value(CASE WHEN {Q(Kind)} = 0 THEN {Q(Time)} END) OVER w AS {Q(PickedTime)}" };
        picked.AddRange(Enumerable.Range(0, request.Features.Count).Select(f => $"first_value({Q(Feature(f))}) OVER w AS {Q(Feature(f))}"));
        // The upper bound also keeps an entity row with no time (sorted last) from taking the last source row.
        // A null join key matches nothing, though the window groups nulls together.
        var fresh = string.Concat(Enumerable.Range(0, keys.Count).Select(k => $"{Q(Key(k))} IS NOT NULL AND "))
            + $"{Q(PickedTime)} <= {Q(Time)}" + (ttl > TimeSpan.Zero ? $" AND {Q(PickedTime)} >= {Q(Time)} - {ttlInterval}" : "");
        var features = string.Join("", Enumerable.Range(0, request.Features.Count).Select(f => $", CASE WHEN {fresh} THEN {Q(Feature(f))} END AS {Q(Feature(f))}"));
        var result = $"{Q(ResultCte(i))} AS (\n  SELECT {Q(Row)}{features}\n  FROM (\n    SELECT {string.Concat(Enumerable.Range(0, keys.Count).Select(k => Q(Key(k)) + ", "))}{Q(Kind)}, {Q(Row)}, {Q(Time)}, {string.Join(", ", picked)}\n"
            + $"    FROM {Q(CarriedCte(i))}\n    WINDOW w AS ({group} ORDER BY {Q(Kind)} ROWS UNBOUNDED PRECEDING)\n  ) AS p\n  WHERE {Q(Kind)} = 1\n)";
        return [union, carried, result];
    }

    /// <summary>Whether an entity column can be compared with a source key column without a cast.</summary>
    private static bool Comparable(string entityType, string sourceType) =>
        PgTypes.Base(entityType) == PgTypes.Base(sourceType)
        || (PgTypes.IsNumeric(entityType) && PgTypes.IsNumeric(sourceType))
        || (PgTypes.IsText(entityType) && PgTypes.IsText(sourceType));

    private static string N(int i) => i.ToString(CultureInfo.InvariantCulture);

    private static string UnionCte(int i) => PgTypes.HelperPrefix + "union_" + N(i);

    private static string CarriedCte(int i) => PgTypes.HelperPrefix + "carried_" + N(i);

    private static string ResultCte(int i) => PgTypes.HelperPrefix + "result_" + N(i);

    private static string Key(int k) => PgTypes.HelperPrefix + "key_" + N(k);

    private static string Feature(int f) => PgTypes.HelperPrefix + "feature_" + N(f);
}
