using Apache.Arrow;

namespace Feast.Offline;

/// <summary>
/// Where historical feature rows are read and written: point-in-time joins for training data, the latest rows per
/// entity for materialization, appends for offline pushes. One implementation per engine (DuckDB, PostgreSQL).
/// </summary>
public interface IOfflineStore : IAsyncDisposable
{
    /// <summary>
    /// A lazy job that joins each entity row with, per requested view, the latest feature row at or before the
    /// entity row's timestamp (and within the view's TTL). Nothing runs until the job's results are read.
    /// </summary>
    RetrievalJob GetHistoricalFeatures(HistoricalRetrievalRequest request);

    /// <summary>
    /// The latest row per entity key whose event timestamp is in [<see cref="PullRequest.Start"/>, <see cref="PullRequest.End"/>]
    /// (both inclusive), ties broken by the greatest created timestamp. Streamed in batches.
    /// </summary>
    IAsyncEnumerable<RecordBatch> PullLatestAsync(PullRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many rows <see cref="PullLatestAsync"/> would return for <paramref name="request"/> (for progress bars), or
    /// null when the store cannot tell cheaply.
    /// </summary>
    Task<long?> CountLatestAsync(PullRequest request, CancellationToken cancellationToken = default) => Task.FromResult<long?>(null);

    /// <summary>Every row whose event timestamp is in [Start, End] (both inclusive). Streamed in batches.</summary>
    IAsyncEnumerable<RecordBatch> PullAllAsync(PullRequest request, CancellationToken cancellationToken = default);

    /// <summary>Appends <paramref name="batch"/> to the batch source of <paramref name="view"/> (an offline push).</summary>
    Task WriteBatchAsync(FeatureView view, RecordBatch batch, CancellationToken cancellationToken = default);

    /// <summary>
    /// The columns of <paramref name="source"/> (a batch source this store reads), in stored order and before the
    /// field mapping, with the Feast type each is read as; or null when this store cannot read source schemas. Reading
    /// it checks that what the source names exists (the file, folder or glob has files, the table exists, the query
    /// runs); rows are not read. <c>feast apply</c> infers and validates definitions from it.
    /// </summary>
    /// <exception cref="FeastException">The source does not exist, cannot be read, or is of a kind this store does not read.</exception>
    Task<IReadOnlyList<SourceColumn>?> GetSourceSchemaAsync(DataSource source, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<SourceColumn>?>(null);
}

/// <summary>
/// What to pull from a source for materialization. Output columns are named as the view names them (after the
/// source's field mapping): the join keys, then the features, then <see cref="EventTimestampColumn"/> and, when the
/// source has one, <see cref="CreatedTimestampColumn"/>.
/// </summary>
/// <param name="Source">The batch source.</param>
/// <param name="JoinKeys">Join-key columns, by the view's names.</param>
/// <param name="FeatureColumns">Feature columns, by the view's names.</param>
/// <param name="Start">Inclusive start of the event-time window.</param>
/// <param name="End">Inclusive end of the event-time window.</param>
public sealed record PullRequest(DataSource Source, IReadOnlyList<string> JoinKeys, IReadOnlyList<string> FeatureColumns,
    DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>
    /// When set, only the entity keys of this shard: the stores filter by a stable hash of the join keys inside their
    /// query, so the shards 0..Count-1 of one pull partition its rows exactly. Null: every key.
    /// </summary>
    public PullShard? Shard { get; init; }

    /// <summary>The name of the event-timestamp column in pulled batches.</summary>
    public const string EventTimestampColumn = "event_timestamp";

    /// <summary>The name of the created-timestamp column in pulled batches.</summary>
    public const string CreatedTimestampColumn = "created_timestamp";
}

/// <summary>
/// One shard of a pull, or several: the entity keys whose hash modulo <see cref="Count"/> is one of <see cref="Indices"/>.
/// A worker that holds several shards of a view pulls them in one query (one scan of the source).
/// </summary>
public sealed record PullShard
{
    /// <summary>Creates shard <paramref name="index"/> of <paramref name="count"/>.</summary>
    /// <param name="index">The shard, 0 to <paramref name="count"/> - 1.</param>
    /// <param name="count">How many shards the keys are split into (at least 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">The count is below 1 or the index is outside [0, count).</exception>
    public PullShard(int index, int count)
        : this([index], count)
    {
    }

    /// <summary>Creates the union of shards <paramref name="indices"/> of <paramref name="count"/>.</summary>
    /// <param name="indices">The shards, each 0 to <paramref name="count"/> - 1; at least one (duplicates are ignored).</param>
    /// <param name="count">How many shards the keys are split into (at least 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">The count is below 1, no index is given, or one is outside [0, count).</exception>
    public PullShard(IEnumerable<int> indices, int count)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var sorted = indices.Distinct().Order().ToArray();
        if (sorted.Length == 0) throw new ArgumentOutOfRangeException(nameof(indices), "At least one shard is needed.");
        foreach (var index in sorted)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index, nameof(indices));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count, nameof(indices));
        }
        Indices = sorted;
        Count = count;
    }

    /// <summary>The shards, ascending, each 0 to <see cref="Count"/> - 1.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>How many shards the keys are split into.</summary>
    public int Count { get; }

    /// <summary>The shards as people read them, from 1: <c>2/8</c>, <c>1,4,7/8</c>.</summary>
    public override string ToString() => $"{string.Join(',', Indices.Select(i => i + 1))}/{Count}";

    /// <summary>Equal when the same shards of the same count.</summary>
    /// <param name="other">The other shard.</param>
    /// <returns>Whether both select the same keys.</returns>
    public bool Equals(PullShard? other) => other is not null && Count == other.Count && Indices.SequenceEqual(other.Indices);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Count, Indices.Count, Indices[0]);
}
