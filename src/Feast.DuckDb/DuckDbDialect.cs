using System.Globalization;
using Feast.Offline;
using Feast.Offline.Sql;

namespace Feast.DuckDb;

/// <summary>
/// DuckDB's SQL for the shared offline rules and queries: timestamps of any unit (naive ones mean UTC), dates and
/// ISO 8601 text as times; sources need no alias; the latest row per key is a grouped <c>arg_max</c>.
/// </summary>
internal sealed class DuckDbDialect : SqlDialect
{
    /// <summary>The one instance.</summary>
    public static DuckDbDialect Instance { get; } = new();

    private DuckDbDialect()
    {
    }

    /// <inheritdoc/>
    public override string EngineName => "DuckDB";

    /// <inheritdoc/>
    public override string EventTimeTypes => "a timestamp (naive ones are read as UTC), a date, or ISO 8601 text";

    /// <inheritdoc/>
    public override bool IsTimestamp(string type) => Sql.IsTimestamp(type);

    /// <inheritdoc/>
    public override bool IsEventTimeType(string type) => Sql.IsTimestamp(type) || type is "VARCHAR" or "DATE";

    /// <inheritdoc/>
    /// <remarks>Text and dates are checked value by value when the rows are read (<see cref="EntityRelation.ValidateTimestamps"/>).</remarks>
    public override bool IsEntityTimeType(string type) => IsEventTimeType(type);

    /// <inheritdoc/>
    public override string AsInstant(string expression, string type) => Sql.AsInstant(expression, type);

    /// <inheritdoc/>
    /// <remarks>DuckDB needs no alias on a FROM item, so none is added.</remarks>
    public override string Alias(string relation, string alias) => relation;

    /// <inheritdoc/>
    /// <remarks>One order key sorts by event time, then created time (a missing created time loses ties).</remarks>
    public override string LatestFirst(string eventTime, string? createdTime) => OrderKey(eventTime, createdTime) + " DESC";

    /// <inheritdoc/>
    /// <remarks>DuckDB's <c>hash</c> of the key columns: an unsigned 64-bit value, stable for equal values.</remarks>
    public override string ShardFilter(IReadOnlyList<string> keys, PullShard shard)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(shard);
        return FormattableString.Invariant($"hash({string.Join(", ", keys)}) % {shard.Count} {InShards(shard)}");
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A grouped <c>arg_max</c> of a struct of the other columns. (<c>QUALIFY row_number() OVER (...) = 1</c> said the
    /// same, but DuckDB's TopN-window rewrite of it fails on some sources, e.g. a CSV with naive timestamps and no created
    /// column: "INTERNAL Error: Failed to cast expression to type - expression type mismatch".)
    /// </remarks>
    public override string LatestPerKey(SqlLatestQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var picked = Quote(HelperPrefix + "picked");
        var fields = query.Values.Select((v, i) => $"{Quote(Field(i))} := {v.Expression}");
        var grouped = query.Keys.Select((k, i) => $"{Quote(k.Stored.Name)} AS {Quote(Key(i))}")
            .Append($"arg_max(struct_pack({string.Join(", ", fields)}), {OrderKey(query.EventTime, query.CreatedTime)}) AS {picked}");
        var outputs = query.Keys.Select((k, i) => $"{Output(Quote(Key(i)), k.Stored.Type)} AS {Quote(k.Name)}")
            .Concat(query.Values.Select((v, i) => $"{picked}.{Quote(Field(i))} AS {Quote(v.Name)}"));
        return $"SELECT {string.Join(", ", outputs)}\nFROM (\n  SELECT {string.Join(", ", grouped)}\n  "
            + $"{query.From.Replace("\n", "\n  ", StringComparison.Ordinal)}\n  GROUP BY ALL\n)";
    }

    private static string OrderKey(string eventTime, string? createdTime) =>
        createdTime is null ? $"epoch_us({eventTime})" : Sql.OrderKey(eventTime, createdTime);

    private static string Key(int i) => HelperPrefix + "key_" + i.ToString(CultureInfo.InvariantCulture);

    private static string Field(int i) => HelperPrefix + "f_" + i.ToString(CultureInfo.InvariantCulture);
}
