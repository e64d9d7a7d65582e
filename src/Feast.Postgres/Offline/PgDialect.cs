using Feast.Offline;
using Feast.Offline.Sql;

namespace Feast.Postgres.Offline;

/// <summary>
/// PostgreSQL's SQL for the shared offline rules and queries: timestamps (naive ones mean UTC) and dates as times; every
/// FROM item gets an alias; a pull's window bounds are the statement parameters <c>$1</c> and <c>$2</c>; the latest row
/// per key is <c>DISTINCT ON</c>.
/// </summary>
internal sealed class PgDialect : SqlDialect
{
    /// <summary>The one instance.</summary>
    public static PgDialect Instance { get; } = new();

    private PgDialect()
    {
    }

    /// <inheritdoc/>
    public override string EngineName => "PostgreSQL";

    /// <inheritdoc/>
    public override string EventTimeTypes => "timestamptz, timestamp (read as UTC) or date";

    /// <inheritdoc/>
    public override bool IsTimestamp(string type) => PgTypes.IsTimestamp(type);

    /// <inheritdoc/>
    public override bool IsEventTimeType(string type) => PgTypes.IsTimeLike(type);

    /// <inheritdoc/>
    public override bool IsEntityTimeType(string type) => PgTypes.IsTimeLike(type) || PgTypes.IsText(type);

    /// <inheritdoc/>
    public override string AsInstant(string expression, string type) => PgTypes.AsInstant(expression, type);

    /// <inheritdoc/>
    /// <remarks>The bounds are bound as <c>timestamptz</c> parameters (<see cref="PgPullQuery"/>).</remarks>
    public override string PullBound(DateTimeOffset value, int position) => "$" + position.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public override string LatestFirst(string eventTime, string? createdTime) =>
        createdTime is null ? $"{eventTime} DESC" : $"{eventTime} DESC, {createdTime} DESC NULLS LAST";

    /// <inheritdoc/>
    /// <remarks>
    /// PostgreSQL's <c>hashtextextended</c> of the key tuple's text form (a row's text is stable for equal values and
    /// tells nulls apart), masked to a non-negative 64-bit value.
    /// </remarks>
    public override string ShardFilter(IReadOnlyList<string> keys, PullShard shard)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(shard);
        return FormattableString.Invariant(
            $"mod(hashtextextended(ROW({string.Join(", ", keys)})::text, 0) & 9223372036854775807, {shard.Count}) {InShards(shard)}");
    }

    /// <inheritdoc/>
    public override string LatestPerKey(SqlLatestQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var keyList = string.Join(", ", query.Keys.Select(k => Quote(k.Stored.Name)));
        return $"SELECT DISTINCT ON ({keyList}) {query.SelectList}\n{query.From}\nORDER BY {keyList}, {LatestFirst(query.EventTime, query.CreatedTime)}";
    }
}
