using System.Diagnostics;
using Feast.Offline;
using Microsoft.Extensions.Logging;

namespace Feast.Orleans;

/// <summary>
/// Runs a shard task (one or more shards, pulled in one query) on this worker with the worker's own feature store (the
/// local engine, filtered to the shards' keys), in the background on the thread pool, while the client polls it.
/// </summary>
[ShardPlacement]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The token source is disposed when the activation ends (OnDeactivateAsync).")]
internal sealed partial class ShardGrain(FeastWorker worker, ILogger<ShardGrain> logger) : Grain, IShardGrain
{
    private readonly CancellationTokenSource _cancel = new();
    private Task? _run;
    private long _rows;
    private long _started;
    private volatile string? _error;
    private volatile bool _done;

    public Task<string> StartAsync(ShardTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (_run is null)
        {
            _started = Stopwatch.GetTimestamp();
            worker.Metrics.Started();
            var token = _cancel.Token;
            _run = Task.Run(() => RunAsync(task, token), CancellationToken.None);
        }
        return Task.FromResult(worker.Name);
    }

    public Task<ShardStatus> PollAsync()
    {
        var status = new ShardStatus
        {
            Worker = worker.Name,
            Known = _run is not null,
            Rows = Interlocked.Read(ref _rows),
            Done = _done,
            Error = _error,
            Seconds = _run is null ? 0 : Stopwatch.GetElapsedTime(_started).TotalSeconds,
        };
        // Once the client has seen the end, nothing is left to keep.
        if (status.Done) DeactivateOnIdle();
        return Task.FromResult(status);
    }

    public async Task CancelAsync()
    {
        await _cancel.CancelAsync().ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        if (_run is null) DeactivateOnIdle();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A worker leaving the cluster (Ctrl+C) stops its shards; the client retries them elsewhere.
        if (_run is { IsCompleted: false })
        {
            await _cancel.CancelAsync().ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
        _cancel.Dispose();
        await base.OnDeactivateAsync(reason, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    private async Task RunAsync(ShardTask task, CancellationToken cancellationToken)
    {
        try
        {
            if (task.Project != worker.Store.Project)
            {
                throw new FeastException(
                    $"this worker serves project '{worker.Store.Project}', not '{task.Project}'. Start workers with the repo of the project they materialize.");
            }
            await worker.BeforeShardAsync(task, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
            var rows = await worker.Store.MaterializeShardAsync(task.View, task.Start, task.End, task.Shard, task.StampWith,
                new RowsProgress(this), cancellationToken).ConfigureAwait(true);
            Interlocked.Exchange(ref _rows, rows);
            var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            worker.Metrics.Succeeded(rows, seconds);
            var shards = Label(task);
            Log.ShardDone(logger, shards, task.View, task.Attempt, rows, seconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            worker.Metrics.Failed();
            _error = "cancelled";
            foreach (var index in task.Indices) Log.ShardCancelled(logger, task.View, index + 1, task.Count, task.Attempt);
        }
        catch (Exception e)
        {
            // The error travels back as text: the client names this worker and retries elsewhere.
            worker.Metrics.Failed();
            _error = e is FeastException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            Log.ShardFailed(logger, Label(task), task.View, task.Attempt, _error);
        }
        finally
        {
            _done = true;
        }
    }

    /// <summary><c>Shard 2/8</c> or <c>Shards 1,4,7/8</c>.</summary>
    private static string Label(ShardTask task) => $"{(task.Indices.Length == 1 ? "Shard" : "Shards")} {task.Shard}";

    private sealed class RowsProgress(ShardGrain grain) : IProgress<long>
    {
        public void Report(long value) => Interlocked.Exchange(ref grain._rows, value);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1801, Level = LogLevel.Information, Message = "{Shards} of {View} (attempt {Attempt}): {Rows} rows in {Seconds:F2} s")]
        public static partial void ShardDone(ILogger logger, string shards, string view, int attempt, long rows, double seconds);

        [LoggerMessage(EventId = 1802, Level = LogLevel.Warning, Message = "{Shards} of {View} (attempt {Attempt}) failed: {Error}")]
        public static partial void ShardFailed(ILogger logger, string shards, string view, int attempt, string error);

        [LoggerMessage(EventId = 1803, Level = LogLevel.Information, Message = "Shard {Index}/{Count} of {View} (attempt {Attempt}) cancelled by the client")]
        public static partial void ShardCancelled(ILogger logger, string view, int index, int count, int attempt);
    }
}
