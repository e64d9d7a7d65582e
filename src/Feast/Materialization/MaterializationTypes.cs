namespace Feast.Materialization;

/// <summary>Where a view's materialization stands; reported while it runs.</summary>
/// <param name="View">The feature view.</param>
/// <param name="Start">Inclusive start of the event-time window.</param>
/// <param name="End">Inclusive end of the event-time window.</param>
/// <param name="RowsWritten">Entity rows written to the online store so far.</param>
/// <param name="TotalRows">The number of rows the window holds, when known.</param>
/// <param name="Elapsed">Time since this view started.</param>
/// <param name="Completed">Whether the view is done (its interval is recorded).</param>
public sealed record MaterializationProgress(string View, DateTimeOffset Start, DateTimeOffset End, long RowsWritten, long? TotalRows,
    TimeSpan Elapsed, bool Completed)
{
    /// <summary>Rows written so far per worker, by worker name, for an engine that has workers; null otherwise.</summary>
    public IReadOnlyDictionary<string, long>? RowsByWorker { get; init; }
}

/// <summary>What one view's materialization did.</summary>
/// <param name="View">The feature view.</param>
/// <param name="Start">Inclusive start of the window.</param>
/// <param name="End">Inclusive end of the window.</param>
/// <param name="Rows">Entity rows written.</param>
/// <param name="Elapsed">How long it took.</param>
public sealed record ViewMaterialization(string View, DateTimeOffset Start, DateTimeOffset End, long Rows, TimeSpan Elapsed)
{
    /// <summary>Rows written per worker, by worker name, for an engine that has workers; empty for the local engine.</summary>
    public IReadOnlyDictionary<string, long> RowsByWorker { get; init; } = new Dictionary<string, long>();
}
