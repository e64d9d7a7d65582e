using System.Diagnostics;
using Feast.Offline;
using Microsoft.Extensions.Logging;

namespace Feast.Orleans;

/// <summary>Runs a shard on this worker with the worker's own feature store (the local engine, filtered to the shard's keys).</summary>
[ShardPlacement]
internal sealed partial class ShardGrain(FeastWorker worker, ILogger<ShardGrain> logger) : Grain, IShardGrain
{
    public async Task<ShardResult> RunAsync(ShardTask task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var started = Stopwatch.GetTimestamp();
        worker.Metrics.Started();
        try
        {
            if (task.Project != worker.Store.Project)
            {
                throw new FeastException(
                    $"this worker serves project '{worker.Store.Project}', not '{task.Project}'. Start workers with the repo of the project they materialize.");
            }
            await worker.BeforeShardAsync(task, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
            var rows = await worker.Store.MaterializeShardAsync(task.View, task.Start, task.End, new PullShard(task.Index, task.Count), task.StampWith,
                cancellationToken: cancellationToken).ConfigureAwait(true);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            worker.Metrics.Succeeded(rows, seconds);
            Log.ShardDone(logger, task.View, task.Index + 1, task.Count, task.Attempt, rows, seconds);
            return new ShardResult { Worker = worker.Name, Rows = rows, Seconds = seconds };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            worker.Metrics.Failed();
            Log.ShardCancelled(logger, task.View, task.Index + 1, task.Count, task.Attempt);
            throw;
        }
        catch (Exception e)
        {
            // The error travels back as text: the client names this worker and retries elsewhere.
            worker.Metrics.Failed();
            var message = e is FeastException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            Log.ShardFailed(logger, task.View, task.Index + 1, task.Count, task.Attempt, message);
            return new ShardResult { Worker = worker.Name, Error = message, Seconds = Stopwatch.GetElapsedTime(started).TotalSeconds };
        }
        finally
        {
            // One activation per attempt: nothing to keep once it has answered.
            DeactivateOnIdle();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1801, Level = LogLevel.Information, Message = "Shard {Index}/{Count} of {View} (attempt {Attempt}): {Rows} rows in {Seconds:F2} s")]
        public static partial void ShardDone(ILogger logger, string view, int index, int count, int attempt, long rows, double seconds);

        [LoggerMessage(EventId = 1802, Level = LogLevel.Warning, Message = "Shard {Index}/{Count} of {View} (attempt {Attempt}) failed: {Error}")]
        public static partial void ShardFailed(ILogger logger, string view, int index, int count, int attempt, string error);

        [LoggerMessage(EventId = 1803, Level = LogLevel.Information, Message = "Shard {Index}/{Count} of {View} (attempt {Attempt}) cancelled by the client")]
        public static partial void ShardCancelled(ILogger logger, string view, int index, int count, int attempt);
    }
}
