using Feast.Materialization;
using Feast.Offline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Feast.Orleans;

/// <summary>
/// The client side of <c>batch_engine: orleans</c>: splits each (view, window) into <see cref="OrleansBatchEngineOptions.Shards"/>
/// shards by entity-key hash and hands them to the workers, one task per live worker holding all the shards placed
/// there (so each worker scans the source once); watches each task by polling (a worker that dies stops answering, or
/// its task is found nowhere), retries each shard of a failed or lost task alone on the other workers, up to
/// <see cref="OrleansBatchEngineOptions.MaxAttempts"/> attempts per shard, and returns once every shard succeeded (the
/// caller then records the interval). Connects to the cluster on first use.
/// </summary>
internal sealed partial class OrleansBatchEngine(OrleansBatchEngineOptions options, ILoggerFactory loggers, TimeProvider time) : IBatchEngine
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PlacementPatience = TimeSpan.FromSeconds(60);

    private readonly ILogger _logger = loggers.CreateLogger("Feast.Orleans");
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IHost? _host;

    public async Task<MaterializationCopy> CopyAsync(MaterializationTask task, IProgress<MaterializationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var client = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var run = new ShardRun(task, Guid.NewGuid().ToString("N")[..12], progress);
        // One task per live worker, holding every shard placed there: the worker scans the source once for all of them.
        var groups = Math.Min(options.Shards, await LiveWorkersAsync(client, cancellationToken).ConfigureAwait(false));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var units = Enumerable.Range(0, groups).Select(async group =>
        {
            try
            {
                var indices = Enumerable.Range(0, options.Shards).Where(i => i % groups == group).ToArray();
                await RunAsync(client, run, indices, group, 1, cts.Token).ConfigureAwait(false);
            }
            catch
            {
                // One shard gave up (or the run was cancelled): stop the others, which then report cancellation.
                await cts.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }).ToList();
        try
        {
            await Task.WhenAll(units).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested &&
            units.Select(s => s.Exception?.InnerExceptions.OfType<FeastException>().FirstOrDefault()).OfType<FeastException>().FirstOrDefault() is { } failure)
        {
            // A shard's failure cancelled the rest: report the failure, not the cancellations it caused.
            throw failure;
        }
        return run.Copy();
    }

    /// <summary>How many workers are in the cluster now (at least 1: placement waits for one if none is).</summary>
    private async Task<int> LiveWorkersAsync(IClusterClient client, CancellationToken cancellationToken)
    {
        try
        {
            var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, cancellationToken).WaitAsync(CallTimeout, cancellationToken).ConfigureAwait(false);
            return Math.Max(1, hosts.Count);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Without the list, one task per shard still works (each scans the source for its own keys).
            var why = FirstLine(e.Message);
            Log.NoWorkerList(_logger, why);
            return options.Shards;
        }
    }

    /// <summary>
    /// Runs the shards <paramref name="indices"/> (one query on one worker) to success. When such a task fails or its
    /// worker dies, each of its shards is retried alone, on the other workers; a shard that fails
    /// <see cref="OrleansBatchEngineOptions.MaxAttempts"/> times throws naming the shard, worker and error.
    /// </summary>
    private async Task RunAsync(IClusterClient client, ShardRun run, int[] indices, int slot, int firstAttempt, CancellationToken cancellationToken)
    {
        var view = run.Task.View.Name;
        var label = Label(indices);
        var unit = run.NewUnit();
        string worker = "(not placed)";
        string? error = null;
        long? unplacedSince = null;
        for (var attempt = firstAttempt; attempt <= options.MaxAttempts; attempt++)
        {
            var shard = new ShardTask
            {
                Project = run.Task.Project, View = view, Start = run.Task.Start, End = run.Task.End, StampWith = run.Task.StampWith,
                Indices = [.. indices], Count = options.Shards, Attempt = attempt,
            };
            // The key ends with slot/attempt (the placement reads them); a new placement try gets a new activation.
            var grain = client.GetGrain<IShardGrain>($"{run.Id}.{run.NewKey()}/{view}/{slot}/{attempt}");
            worker = "(not placed)";
            try
            {
                worker = await grain.StartAsync(shard).WaitAsync(CallTimeout, cancellationToken).ConfigureAwait(false);
                unplacedSince = null;
                error = await WatchAsync(grain, rows => run.Update(unit, worker, rows), cancellationToken).ConfigureAwait(false);
                if (error is null) return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await CancelQuietlyAsync(grain).ConfigureAwait(false);
                throw;
            }
            catch (Exception e)
            {
                // Not even started: placed on a worker that died and that the cluster has not declared dead yet. That is the
                // cluster's state, not the shard's fault: wait for membership to catch up (bounded), without using an attempt.
                error = $"{e.GetType().Name}: {FirstLine(e.Message)}";
                unplacedSince ??= time.GetTimestamp();
                if (time.GetElapsedTime(unplacedSince.Value) < PlacementPatience)
                {
                    Log.ShardUnplaced(_logger, view, label, error);
                    await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
                    attempt--;
                    continue;
                }
            }
            // What a lost attempt wrote is written again by the next one: it no longer counts.
            run.Update(unit, worker, 0);
            Log.ShardRetry(_logger, view, label, attempt, options.MaxAttempts, worker, error);
            if (attempt == options.MaxAttempts) break;
            await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            if (indices.Length > 1)
            {
                // Each shard of the lost task alone, spread over the workers (slot index + attempt lands next to this one).
                var next = attempt + 1;
                await Task.WhenAll(indices.Select(i => RunAsync(client, run, [i], i, next, cancellationToken))).ConfigureAwait(false);
                return;
            }
        }
        throw new FeastException(
            $"Materializing '{view}' from {run.Task.Start:yyyy-MM-dd'T'HH:mm:ssK} to {run.Task.End:yyyy-MM-dd'T'HH:mm:ssK}: {label} failed {options.MaxAttempts} time(s) " +
            $"(batch_engine.max_attempts); last on worker {worker}: {error}. No interval was recorded for the view; fix the cause and run materialize again.");
    }

    /// <summary><c>shard 3/8</c>, or <c>shards 1,4,7/8</c> for a task that holds several.</summary>
    private string Label(int[] indices) =>
        (indices.Length == 1 ? "shard " : "shards ") + new PullShard(indices, options.Shards);

    /// <summary>Polls a started shard until it ends; returns its error, or null when it succeeded.</summary>
    private async Task<string?> WatchAsync(IShardGrain grain, Action<long> update, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            ShardStatus status;
            try
            {
                status = await grain.PollAsync().WaitAsync(CallTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return $"the worker stopped answering mid-shard ({e.GetType().Name}: {FirstLine(e.Message)})";
            }
            if (!status.Known) return "the worker left the cluster mid-shard (the shard was found nowhere)";
            update(status.Rows);
            if (status.Done) return status.Error;
            if (time.GetElapsedTime(started) > TimeSpan.FromSeconds(options.TaskTimeoutSeconds))
            {
                await CancelQuietlyAsync(grain).ConfigureAwait(false);
                return $"timed out after {options.TaskTimeoutSeconds} s (batch_engine.task_timeout_seconds)";
            }
        }
    }

    private static async Task CancelQuietlyAsync(IShardGrain grain)
    {
        try
        {
            await grain.CancelAsync().WaitAsync(CallTimeout).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A worker that is gone has nothing left to cancel.
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private async Task<IClusterClient> ConnectAsync(CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_host is not null) return _host.Services.GetRequiredService<IClusterClient>();
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            // The engine reports what matters (no worker, a retried shard) itself; the client runtime's own lines are noise on a CLI.
            builder.Services.AddSingleton<ILoggerFactory>(new QuietLoggerFactory(loggers));
            builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            builder.UseOrleansClient(client =>
            {
                OrleansClustering.Use(client, options);
                // Calls are short (start, poll, cancel): a long shard is watched by polling, not by one long call.
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = CallTimeout);
            });
            var host = builder.Build();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.ConnectTimeoutSeconds));
            try
            {
                await host.StartAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                host.Dispose();
                var why = e is OperationCanceledException ? $"none answered within {options.ConnectTimeoutSeconds} s" : FirstLine(e.Message);
                throw new FeastException(
                    $"batch_engine orleans: no feast worker is reachable in cluster '{options.ClusterId}' through the {options.Clustering.Type} clustering at " +
                    $"{options.Clustering.Endpoint} ({why}). Start workers with 'feast worker' in the repo (they register there), or use batch_engine: local.");
            }
            _host = host;
            return host.Services.GetRequiredService<IClusterClient>();
        }
        finally
        {
            _connecting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is { } host)
        {
            try
            {
                await host.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Leaving a cluster whose workers are gone has nothing left to tell.
            }
            host.Dispose();
        }
        _connecting.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1811, Level = LogLevel.Information, Message = "{Shards} of {View} could not start ({Error}); waiting for the cluster to notice the lost worker")]
        public static partial void ShardUnplaced(ILogger logger, string view, string shards, string error);

        [LoggerMessage(EventId = 1810, Level = LogLevel.Warning, Message = "{Shards} of {View} failed on attempt {Attempt} of {MaxAttempts} on worker {Worker}: {Error}")]
        public static partial void ShardRetry(ILogger logger, string view, string shards, int attempt, int maxAttempts, string? worker, string? error);

        [LoggerMessage(EventId = 1812, Level = LogLevel.Information, Message = "Cannot list the workers ({Error}); running one task per shard")]
        public static partial void NoWorkerList(ILogger logger, string error);
    }

    /// <summary>
    /// One (view, window) in flight: its id, its grain keys, and each task's current worker and rows so far (a task
    /// whose attempt was lost counts 0: the next attempt writes its rows again), summed for the progress reports.
    /// </summary>
    private sealed class ShardRun(MaterializationTask task, string id, IProgress<MaterializationProgress>? progress)
    {
        private readonly List<(string? Worker, long Rows)> _units = [];
        private int _keys;

        public MaterializationTask Task => task;

        public string Id => id;

        /// <summary>A number no other grain of this run has in its key.</summary>
        public int NewKey() => Interlocked.Increment(ref _keys);

        /// <summary>A new task (one or more shards), with no rows yet.</summary>
        public int NewUnit()
        {
            lock (_units)
            {
                _units.Add((null, 0));
                return _units.Count - 1;
            }
        }

        /// <summary>Records a task's rows so far and reports the view's sum and the rows per worker (every poll: the reports double as a heartbeat).</summary>
        public void Update(int unit, string worker, long rows)
        {
            MaterializationProgress report;
            lock (_units)
            {
                _units[unit] = (worker, rows);
                report = new MaterializationProgress(task.View.Name, task.Start, task.End, _units.Sum(u => u.Rows), null, TimeSpan.Zero, false)
                {
                    RowsByWorker = ByWorker(),
                };
            }
            progress?.Report(report);
        }

        /// <summary>The rows written, in all and per worker.</summary>
        public MaterializationCopy Copy()
        {
            lock (_units) return new MaterializationCopy(_units.Sum(u => u.Rows)) { RowsByWorker = ByWorker() };
        }

        private Dictionary<string, long> ByWorker() =>
            _units.Where(u => u.Worker is not null && u.Rows > 0).GroupBy(u => u.Worker!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Sum(u => u.Rows), StringComparer.Ordinal);
    }

    /// <summary>Passes on the loggers of every category but the Orleans client's, Polly's and the host's.</summary>
    private sealed class QuietLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) =>
            categoryName.StartsWith("Orleans", StringComparison.Ordinal) || categoryName.StartsWith("Polly", StringComparison.Ordinal) ||
            categoryName.StartsWith("Microsoft", StringComparison.Ordinal)
                ? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance
                : inner.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose()
        {
        }
    }
}
