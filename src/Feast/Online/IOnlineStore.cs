namespace Feast.Online;

/// <summary>
/// A low-latency store of the latest feature values per entity key. One implementation per backend
/// (SQLite built in, the others from backend packages), each laid out as Python Feast lays it out.
/// </summary>
public interface IOnlineStore : IAsyncDisposable
{
    /// <summary>
    /// Creates the storage for <paramref name="viewsToKeep"/> (idempotent) and drops it for <paramref name="viewsToDelete"/>.
    /// Called by <c>feast apply</c>.
    /// </summary>
    Task UpdateAsync(string project, IReadOnlyList<FeatureView> viewsToKeep, IReadOnlyList<FeatureView> viewsToDelete,
        CancellationToken cancellationToken = default);

    /// <summary>A short description of the storage of <paramref name="view"/>, for plan and apply output (e.g. <c>SQLite table p_v</c>).</summary>
    string DescribeStorage(string project, FeatureView view);

    /// <summary>
    /// Writes <paramref name="batch"/> to the storage of <paramref name="view"/>: per row and feature, the latest value
    /// wins (SQLite and PostgreSQL overwrite unconditionally, as Feast does). Rows are written in transactions/pipelines
    /// of the backend's choosing; when the call returns, the batch is durable.
    /// </summary>
    Task WriteBatchAsync(string project, FeatureView view, OnlineWriteBatch batch, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many <see cref="WriteBatchAsync"/> calls materialization may have running at once for one view. Its batches
    /// never share an entity key (one latest row per entity), so a store whose writes of different keys are
    /// independent can take the next batch while the previous one is still on the wire. 1 (the default): one after
    /// the other.
    /// </summary>
    int MaterializationWritesInFlight => 1;

    /// <summary>
    /// Whether materialization may hand this store batches whose values are protobuf bytes written straight from the
    /// offline columns (<see cref="OnlineWriteBatch.TryGetSerializedValue"/>) rather than Value objects. Such a batch
    /// still answers <see cref="OnlineWriteBatch.Values"/>, by parsing; false (the default) gives Value objects.
    /// </summary>
    bool AcceptsSerializedValues => false;

    /// <summary>
    /// Reads <paramref name="featureNames"/> of <paramref name="view"/> for each of <paramref name="entityKeys"/>
    /// (serialized as the configuration says), in one round trip where the backend allows.
    /// </summary>
    Task<OnlineReadResult> ReadAsync(string project, FeatureView view, IReadOnlyList<byte[]> entityKeys, IReadOnlyList<string> featureNames,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks that the storage the store has open is still the storage it was given: for a file store, that the file was
    /// not deleted or replaced while open. Health checks call it; the default checks nothing.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="FeastException">The storage is gone or was replaced; the message says which and what to do.</exception>
    Task CheckStorageAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>
    /// Reads several views for one request. Reads given the same <see cref="OnlineViewRead.EntityKeys"/> instance are
    /// for the same entity keys (views of the same entities), which a store keeping all views of an entity together can
    /// fetch at once. The default reads each view with <see cref="ReadAsync"/>, all at the same time.
    /// </summary>
    /// <returns>One result per read, in order.</returns>
    Task<OnlineReadResult[]> ReadManyAsync(string project, IReadOnlyList<OnlineViewRead> reads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reads);
        if (reads.Count == 1)
            return ReadOneAsync(this, project, reads[0], cancellationToken);
        var tasks = new Task<OnlineReadResult>[reads.Count];
        for (var r = 0; r < tasks.Length; r++)
            tasks[r] = ReadAsync(project, reads[r].View, reads[r].EntityKeys, reads[r].FeatureNames, cancellationToken);
        return Task.WhenAll(tasks);

        static async Task<OnlineReadResult[]> ReadOneAsync(IOnlineStore store, string project, OnlineViewRead read, CancellationToken cancellationToken) =>
            [await store.ReadAsync(project, read.View, read.EntityKeys, read.FeatureNames, cancellationToken).ConfigureAwait(false)];
    }

    /// <summary>Removes all storage of <paramref name="project"/> for <paramref name="views"/>. Called by <c>feast teardown</c>.</summary>
    Task TeardownAsync(string project, IReadOnlyList<FeatureView> views, CancellationToken cancellationToken = default);
}

/// <summary>One view's part of <see cref="IOnlineStore.ReadManyAsync"/>: its features for the given entity keys.</summary>
/// <param name="View">The feature view.</param>
/// <param name="EntityKeys">The serialized entity keys, shared (the same instance) by reads of the same entities.</param>
/// <param name="FeatureNames">The features to read, in result order.</param>
public sealed record OnlineViewRead(FeatureView View, IReadOnlyList<byte[]> EntityKeys, IReadOnlyList<string> FeatureNames);
