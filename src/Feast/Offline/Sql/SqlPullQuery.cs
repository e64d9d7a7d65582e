namespace Feast.Offline.Sql;

/// <summary>
/// The SQL of <see cref="IOfflineStore.PullAllAsync"/>, <see cref="IOfflineStore.PullLatestAsync"/> and
/// <see cref="IOfflineStore.CountLatestAsync"/>: source rows whose event time is in [start, end] (both inclusive), with
/// columns named as the view names them, and for "latest" one row per join-key tuple: the greatest event time, ties
/// broken by the greatest created time (the dialect's <see cref="SqlDialect.LatestPerKey"/>).
/// </summary>
public static class SqlPullQuery
{
    /// <summary>How many rows the "latest" pull returns: the distinct keys in the window (cheaper than the pull).</summary>
    /// <param name="request">The pull.</param>
    /// <param name="source">The pull's source, opened.</param>
    /// <exception cref="FeastValidationException">A column the pull needs is missing or has the wrong type.</exception>
    public static string Count(PullRequest request, SqlSourceRelation source)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(source);
        var dialect = source.Dialect;
        var (_, from) = Window(request, source);
        var keys = request.JoinKeys.Select(k => dialect.Quote(source.Mapped(k, "join key").Name)).ToList();
        return keys.Count == 0
            ? $"SELECT least(count(*), 1) {from}"
            : $"SELECT count(*) FROM {dialect.Alias($"(SELECT DISTINCT {string.Join(", ", keys)} {from})", "d")}";
    }

    /// <summary>The pull's statement.</summary>
    /// <param name="request">The pull.</param>
    /// <param name="source">The pull's source, opened.</param>
    /// <param name="latest">Whether to keep only the latest row per join-key tuple.</param>
    /// <exception cref="FeastValidationException">The window starts after it ends, or a column the pull needs is missing or has the wrong type.</exception>
    public static string Build(PullRequest request, SqlSourceRelation source, bool latest)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(source);
        if (request.Start > request.End)
            throw new FeastValidationException($"{source.Owner}: the pull window starts ({request.Start:O}) after it ends ({request.End:O}). Give start <= end.");
        var dialect = source.Dialect;
        var (time, from) = Window(request, source);
        var created = source.CreatedColumn();
        var createdTime = created is null ? null : dialect.AsInstant(dialect.Quote(created.Name), created.Type);

        var keys = request.JoinKeys.Select(k => new SqlKey(source.Mapped(k, "join key"), k)).ToList();
        var values = new List<SqlOutput>();
        foreach (var feature in request.FeatureColumns)
        {
            var column = source.Mapped(feature, "feature");
            values.Add(new(dialect.Output(dialect.Quote(column.Name), column.Type), feature));
        }
        values.Add(new(time, PullRequest.EventTimestampColumn));
        if (createdTime is not null)
            values.Add(new(createdTime, PullRequest.CreatedTimestampColumn));

        var select = string.Join(", ", keys.Select(k => $"{dialect.Output(dialect.Quote(k.Stored.Name), k.Stored.Type)} AS {dialect.Quote(k.Name)}")
            .Concat(values.Select(v => $"{v.Expression} AS {dialect.Quote(v.Name)}")));
        if (!latest)
            return $"SELECT {select}\n{from}";
        if (keys.Count == 0)
            return $"SELECT {select}\n{from}\nORDER BY {dialect.LatestFirst(time, createdTime)}\nLIMIT 1";
        return dialect.LatestPerKey(new SqlLatestQuery(keys, values, select, from, time, createdTime));
    }

    /// <summary>The event time as an instant, and the FROM and WHERE of the rows in the window.</summary>
    private static (string Time, string From) Window(PullRequest request, SqlSourceRelation source)
    {
        var dialect = source.Dialect;
        var timestamp = source.TimestampColumn();
        var time = dialect.AsInstant(dialect.Quote(timestamp.Name), timestamp.Type);
        var where = $"{time} BETWEEN {dialect.PullBound(request.Start, 1)} AND {dialect.PullBound(request.End, 2)}";
        // A shard set that covers every shard (one worker holding them all) is every key: no filter to compute per row.
        if (request.Shard is { } shard && shard.Indices.Count < shard.Count) where += $" AND {ShardFilter(request, source, shard)}";
        return (time, $"FROM {dialect.Alias(source.Scan, "s")}\nWHERE {where}");
    }

    /// <summary>The shard's condition; without join keys the one row of the pull belongs to shard 0.</summary>
    private static string ShardFilter(PullRequest request, SqlSourceRelation source, PullShard shard)
    {
        var dialect = source.Dialect;
        if (request.JoinKeys.Count == 0) return shard.Indices.Contains(0) ? "1 = 1" : "1 = 0";
        var keys = request.JoinKeys.Select(k => dialect.Quote(source.Mapped(k, "join key").Name)).ToList();
        return dialect.ShardFilter(keys, shard)
            ?? throw new FeastException($"{source.Owner}: the {dialect.EngineName} offline store cannot split a pull into shards, which batch_engine type other than local needs. Use batch_engine: local, or an offline store that shards (duckdb, postgres).");
    }
}
