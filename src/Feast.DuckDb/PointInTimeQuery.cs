using System.Text;
using Feast.Offline;
using Feast.Offline.Sql;

namespace Feast.DuckDb;

/// <summary>
/// Builds the one SQL statement of a historical retrieval (Feast's point-in-time join, FEAST-FORMATS §7.3).
/// Per view: its source rows with the field mapping applied; an <c>ASOF LEFT JOIN</c> picks, per entity row, the
/// latest of those at or before the row's time on equal join keys (ties on event time going to the greatest created
/// time); a CASE drops it when it is older than the view's TTL. Views chain as further
/// ASOF joins; the output keeps the entity rows' order.
/// </summary>
internal static class PointInTimeQuery
{
    private const string EntityCte = Sql.HelperPrefix + "entity";
    private const string EntityAlias = "e";

    /// <summary>Checks the request against the entity columns and builds the query.</summary>
    public static string Build(EntityRelation entity, IReadOnlyList<SqlViewInput> views, bool fullFeatureNames)
    {
        EntityColumnRules.Check([.. entity.Columns.Select(c => c.Name)], views.Select(v => v.Request), fullFeatureNames);

        var sql = new StringBuilder();
        // A file or query is read once and numbered once; an ingested temp table is already both.
        var materialized = entity.HasRowColumn ? "" : "MATERIALIZED ";
        sql.Append("WITH ").Append(Sql.Ident(EntityCte)).Append(" AS ").Append(materialized).Append("(\n  ")
            .Append(entity.Select()).Append("\n)");
        for (var i = 0; i < views.Count; i++)
            sql.Append(",\n").Append(Sql.Ident(ViewCte(i))).Append(" AS (\n").Append(ViewRows(views[i])).Append("\n)");

        var select = new List<string>();
        select.AddRange(SqlEntityRules.Outputs(DuckDbDialect.Instance, entity.Columns, entity.TimestampColumn, EntityAlias, EntityRelation.TimeColumn));
        for (var i = 0; i < views.Count; i++)
        {
            var (request, source) = (views[i].Request, views[i].Source);
            var alias = ViewAlias(i);
            var ttl = request.View.Ttl;
            for (var f = 0; f < request.Features.Count; f++)
            {
                var value = $"{alias}.{Sql.Ident(FeatureColumn(f))}";
                if (ttl > TimeSpan.Zero)
                {
                    // Both TTL bounds are inclusive; epoch microseconds keep the comparison exact and overflow-free.
                    value = $"CASE WHEN epoch_us({alias}.{Sql.Ident(EntityRelation.TimeColumn)}) >= epoch_us({EntityAlias}.{Sql.Ident(EntityRelation.TimeColumn)}) - {Sql.Number(ttl.Ticks / TimeSpan.TicksPerMicrosecond)} THEN {value} END";
                }
                select.Add($"{value} AS {Sql.Ident(request.OutputName(request.Features[f], fullFeatureNames))}");
            }
        }

        sql.Append("\nSELECT\n  ").Append(string.Join(",\n  ", select))
            .Append("\nFROM ").Append(Sql.Ident(EntityCte)).Append($" AS {EntityAlias}");
        for (var i = 0; i < views.Count; i++)
        {
            var alias = ViewAlias(i);
            var on = views[i].Request.MatchColumns
                .Select((c, k) => KeyEquals(entity.Columns.First(e => e.Name == c.EntityColumn),
                    views[i].Source.Mapped(c.JoinKey, "join key"), $"{alias}.{Sql.Ident(KeyColumn(k))}"))
                .Append(AsofCondition(views[i], alias));
            sql.Append("\nASOF LEFT JOIN ").Append(Sql.Ident(ViewCte(i))).Append(" AS ").Append(alias)
                .Append(" ON ").Append(string.Join(" AND ", on));
        }
        sql.Append($"\nORDER BY {EntityAlias}.{Sql.Ident(EntityRelation.RowColumn)}");
        return sql.ToString();
    }

    /// <summary>
    /// Join-key equality. Keys of different kinds (say an all-string CSV entity column against integer ids) compare
    /// after casting the entity value to the source's type, so a bad value fails loudly instead of never matching.
    /// </summary>
    private static string KeyEquals(SqlColumn entityColumn, SqlColumn sourceColumn, string sourceReference)
    {
        var entityReference = $"{EntityAlias}.{Sql.Ident(entityColumn.Name)}";
        var comparable = string.Equals(entityColumn.Type, sourceColumn.Type, StringComparison.OrdinalIgnoreCase)
            || (Sql.IsNumeric(entityColumn.Type) && Sql.IsNumeric(sourceColumn.Type));
        return comparable
            ? $"{entityReference} = {sourceReference}"
            : $"CAST({entityReference} AS {sourceColumn.Type}) = {sourceReference}";
    }

    /// <summary>
    /// The view's candidate rows: join keys, event time (an instant), and the requested features, under positional
    /// helper names so no source name can clash with an entity column. Rows later than the latest entity row can
    /// never be chosen and are dropped early.
    /// </summary>
    private static string ViewRows(SqlViewInput input)
    {
        var (request, source) = (input.Request, input.Source);
        var timestamp = source.TimestampColumn();
        var projections = new List<string>();
        var keys = request.MatchColumns;
        for (var k = 0; k < keys.Count; k++)
        {
            var stored = source.Mapped(keys[k].JoinKey, "join key");
            projections.Add($"{Sql.Ident(stored.Name)} AS {Sql.Ident(KeyColumn(k))}");
        }
        var time = Sql.AsInstant(Sql.Ident(timestamp.Name), timestamp.Type);
        projections.Add($"{time} AS {Sql.Ident(EntityRelation.TimeColumn)}");
        for (var f = 0; f < request.Features.Count; f++)
        {
            var stored = source.Mapped(request.Features[f].Name, "feature");
            projections.Add($"{Sql.Output(Sql.Ident(stored.Name), stored.Type)} AS {Sql.Ident(FeatureColumn(f))}");
        }

        var created = source.CreatedColumn();
        if (created is not null)
            projections.Add($"{Sql.OrderKey(time, Sql.AsInstant(Sql.Ident(created.Name), created.Type))} AS {Sql.Ident(OrderColumn)}");

        return $"  SELECT {string.Join(", ", projections)}\n  FROM {source.Scan}\n  WHERE {time} <= (SELECT max({Sql.Ident(EntityRelation.TimeColumn)}) FROM {Sql.Ident(EntityCte)})";
    }

    /// <summary>
    /// The ASOF inequality. Without a created column it is on event time alone. With one, it is on an order key that
    /// sorts by event time and then created time, so the latest candidate is also the latest created among equal
    /// event times (Feast's tie-break) without a separate deduplicating sort; the entity side's key is the greatest
    /// possible at its event time, so "key &lt;= entity key" still means "event time &lt;= T".
    /// </summary>
    private static string AsofCondition(SqlViewInput input, string alias)
    {
        var entityTime = $"{EntityAlias}.{Sql.Ident(EntityRelation.TimeColumn)}";
        return input.Source.CreatedColumn() is null
            ? $"{entityTime} >= {alias}.{Sql.Ident(EntityRelation.TimeColumn)}"
            : $"{Sql.LastOrderKey(entityTime)} >= {alias}.{Sql.Ident(OrderColumn)}";
    }

    private const string OrderColumn = Sql.HelperPrefix + "order";

    private static string ViewCte(int i) => Sql.HelperPrefix + "view_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string ViewAlias(int i) => "v" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string KeyColumn(int k) => Sql.HelperPrefix + "key_" + k.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string FeatureColumn(int f) => Sql.HelperPrefix + "feature_" + f.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
