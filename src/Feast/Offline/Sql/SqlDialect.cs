using System.Globalization;

namespace Feast.Offline.Sql;

/// <summary>
/// What a SQL offline store's engine says its own way: quoting, timestamps, which column types hold times, and the
/// construct that picks the latest row per key. The shared rules and query builders (<see cref="SqlSourceRelation"/>,
/// <see cref="SqlEntityRules"/>, <see cref="SqlPullQuery"/>, <see cref="SqlTimeRangeQuery"/>) write everything else once,
/// so every SQL store answers the same request with the same statement shape and the same messages.
/// </summary>
public abstract class SqlDialect
{
    /// <summary>Prefix of the helper columns and relations generated SQL adds; entity data may not use it.</summary>
    public const string HelperPrefix = "__feast_";

    /// <summary>The engine's name, for messages ("DuckDB", "PostgreSQL").</summary>
    public abstract string EngineName { get; }

    /// <summary>
    /// The types an event-time or created-time column of a source may have, for messages: completes "It must be ...".
    /// </summary>
    public abstract string EventTimeTypes { get; }

    /// <summary>A quoted identifier: <c>"a ""b"""</c>.</summary>
    /// <param name="name">The name, as stored.</param>
    public virtual string Quote(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A string literal: <c>'it''s'</c>.</summary>
    /// <param name="value">The text.</param>
    public virtual string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>A <c>TIMESTAMPTZ</c> literal of the UTC instant, to the microsecond.</summary>
    /// <param name="value">The instant.</param>
    public virtual string TimestampLiteral(DateTimeOffset value) =>
        "TIMESTAMPTZ '" + value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00'";

    /// <summary>Whether <paramref name="type"/> is a timestamp, with or without time zone (not a date, not text).</summary>
    /// <param name="type">The engine's type name.</param>
    public abstract bool IsTimestamp(string type);

    /// <summary>Whether a source's event-time or created-time column may have <paramref name="type"/> (see <see cref="EventTimeTypes"/>).</summary>
    /// <param name="type">The engine's type name.</param>
    public abstract bool IsEventTimeType(string type);

    /// <summary>Whether the entity data's <c>event_timestamp</c> column may have <paramref name="type"/> (timestamps, or text the engine parses).</summary>
    /// <param name="type">The engine's type name.</param>
    public abstract bool IsEntityTimeType(string type);

    /// <summary><paramref name="expression"/>, of <paramref name="type"/>, as an instant (a naive timestamp or a date means UTC).</summary>
    /// <param name="expression">The SQL expression.</param>
    /// <param name="type">Its type.</param>
    public abstract string AsInstant(string expression, string type);

    /// <summary>An output column: timestamps become instants, everything else is kept as is.</summary>
    /// <param name="expression">The SQL expression.</param>
    /// <param name="type">Its type.</param>
    public string Output(string expression, string type) =>
        IsTimestamp(type) ? AsInstant(expression, type) : expression;

    /// <summary><paramref name="relation"/> (a table or a parenthesized query) under <paramref name="alias"/> in a FROM clause.</summary>
    /// <param name="relation">The FROM-able text.</param>
    /// <param name="alias">The alias, a plain lowercase name.</param>
    /// <remarks>By default <c>relation AS alias</c>; an engine that needs no alias may return the relation alone.</remarks>
    public virtual string Alias(string relation, string alias) => relation + " AS " + alias;

    /// <summary>A bound of a pull's time window, both inclusive: a literal by default, or a statement parameter.</summary>
    /// <param name="value">The bound.</param>
    /// <param name="position">1 for the start, 2 for the end (the parameter's position, for an engine that binds them).</param>
    public virtual string PullBound(DateTimeOffset value, int position) => TimestampLiteral(value);

    /// <summary>The ORDER BY items that put the latest row first: greatest event time, ties to the greatest created time (a missing one losing).</summary>
    /// <param name="eventTime">The event time as an instant.</param>
    /// <param name="createdTime">The created time as an instant, or null when the source has none.</param>
    public abstract string LatestFirst(string eventTime, string? createdTime);

    /// <summary>The statement that returns, per distinct join-key tuple, the outputs of its latest row (see <see cref="LatestFirst"/>).</summary>
    /// <param name="query">The pull's parts.</param>
    public abstract string LatestPerKey(SqlLatestQuery query);

    /// <summary>
    /// The condition that keeps the rows of one shard (<see cref="PullRequest.Shard"/>): a stable hash of the join-key
    /// columns modulo the shard count is one of the shard's indices (<see cref="InShards"/>), so the shards of one pull
    /// partition its keys. Null (the
    /// default): this engine cannot shard its pulls.
    /// </summary>
    /// <param name="keys">The join-key columns as stored, quoted; never empty.</param>
    /// <param name="shard">The shard.</param>
    public virtual string? ShardFilter(IReadOnlyList<string> keys, PullShard shard) => null;

    /// <summary>The test of a shard number against <paramref name="shard"/>'s indices: <c>= 2</c> or <c>IN (1, 4, 7)</c>.</summary>
    /// <param name="shard">The shard or shards.</param>
    protected static string InShards(PullShard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return shard.Indices.Count == 1
            ? FormattableString.Invariant($"= {shard.Indices[0]}")
            : $"IN ({string.Join(", ", shard.Indices.Select(i => i.ToString(CultureInfo.InvariantCulture)))})";
    }
}
