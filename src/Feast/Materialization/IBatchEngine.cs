namespace Feast.Materialization;

/// <summary>
/// Runs the copy step of materialization: the latest row per entity of one view in one window, from the offline store
/// into the online store. The <see cref="FeatureStore"/> counts, reports and records the interval around it, so an
/// engine never touches the registry: a failed or cancelled copy records nothing. The local engine (the default) copies
/// in this process; engine packages register theirs with <see cref="FeastBackends.AddBatchEngine{T}"/>.
/// </summary>
public interface IBatchEngine : IAsyncDisposable
{
    /// <summary>Copies <paramref name="task"/>'s rows into the online store.</summary>
    /// <param name="task">The view and window.</param>
    /// <param name="progress">
    /// Receives the rows written so far (<see cref="MaterializationProgress.RowsWritten"/>, and per worker in
    /// <see cref="MaterializationProgress.RowsByWorker"/> for an engine that has workers); the caller fills in the total
    /// and the elapsed time.
    /// </param>
    /// <param name="cancellationToken">Cancels the copy; what was written stays written, and nothing is recorded.</param>
    /// <returns>What was copied.</returns>
    Task<MaterializationCopy> CopyAsync(MaterializationTask task, IProgress<MaterializationProgress>? progress, CancellationToken cancellationToken);
}

/// <summary>One (view, window) to copy.</summary>
/// <param name="Project">The project.</param>
/// <param name="View">The feature view.</param>
/// <param name="Start">Inclusive start of the event-time window.</param>
/// <param name="End">Inclusive end of the event-time window.</param>
public sealed record MaterializationTask(string Project, FeatureView View, DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>When set, every row is stored with this event timestamp (Feast's disable_event_timestamp).</summary>
    public DateTimeOffset? StampWith { get; init; }
}

/// <summary>What one copy did.</summary>
/// <param name="Rows">Entity rows written.</param>
public sealed record MaterializationCopy(long Rows)
{
    /// <summary>Rows written per worker (engines that have workers), by worker name; empty for the local engine.</summary>
    public IReadOnlyDictionary<string, long> RowsByWorker { get; init; } = new Dictionary<string, long>();
}
