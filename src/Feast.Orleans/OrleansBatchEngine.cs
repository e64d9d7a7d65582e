using Feast.Materialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Feast.Orleans;

/// <summary>
/// The client side of <c>batch_engine: orleans</c>: splits each (view, window) into <see cref="OrleansBatchEngineOptions.Shards"/>
/// shards by entity-key hash, hands them to the workers, watches each by polling (a worker that dies stops answering,
/// or its shard is found nowhere), retries a failed or lost shard on another worker up to
/// <see cref="OrleansBatchEngineOptions.MaxAttempts"/> times, and returns once every shard succeeded (the caller then
/// records the interval). Connects to the cluster on first use.
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
        var run = Guid.NewGuid().ToString("N")[..12];
        // Each shard's current attempt: its worker and rows so far (a lost attempt's rows are written again by the next).
        var current = new (string? Worker, long Rows)[options.Shards];
        var gate = new object();
        void Update(int index, string worker, long rows)
        {
            MaterializationProgress report;
            lock (gate)
            {
                if (current[index] == (worker, rows)) return;
                current[index] = (worker, rows);
                report = new MaterializationProgress(task.View.Name, task.Start, task.End, current.Sum(c => c.Rows), null, TimeSpan.Zero, false)
                {
                    RowsByWorker = ByWorker(current),
                };
            }
            progress?.Report(report);
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var shards = Enumerable.Range(0, options.Shards).Select(async index =>
        {
            try
            {
                await RunShardAsync(client, run, task, index, (worker, rows) => Update(index, worker, rows), cts.Token).ConfigureAwait(false);
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
            await Task.WhenAll(shards).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested &&
            shards.Select(s => s.Exception?.InnerException).OfType<FeastException>().FirstOrDefault() is { } failure)
        {
            // A shard's failure cancelled the rest: report the failure, not the cancellations it caused.
            throw failure;
        }
        lock (gate)
            return new MaterializationCopy(current.Sum(c => c.Rows)) { RowsByWorker = ByWorker(current) };
    }

    private static Dictionary<string, long> ByWorker((string? Worker, long Rows)[] shards) =>
        shards.Where(s => s.Worker is not null && s.Rows > 0).GroupBy(s => s.Worker!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Rows), StringComparer.Ordinal);

    /// <summary>Runs one shard to success, retrying on another worker; throws naming the shard, worker and error after the last attempt.</summary>
    private async Task RunShardAsync(IClusterClient client, string run, MaterializationTask task, int index, Action<string, long> update,
        CancellationToken cancellationToken)
    {
        var view = task.View.Name;
        string worker = "(not placed)";
        string? error = null;
        var placement = 0;
        long? unplacedSince = null;
        for (var attempt = 1; attempt <= options.MaxAttempts; attempt++)
        {
            var shard = new ShardTask
            {
                Project = task.Project, View = view, Start = task.Start, End = task.End, StampWith = task.StampWith,
                Index = index, Count = options.Shards, Attempt = attempt,
            };
            // The key ends with index/attempt (the placement reads them); a new placement try gets a new activation.
            var grain = client.GetGrain<IShardGrain>($"{run}.{placement++}/{view}/{index}/{attempt}");
            worker = "(not placed)";
            try
            {
                worker = await grain.StartAsync(shard).WaitAsync(CallTimeout, cancellationToken).ConfigureAwait(false);
                unplacedSince = null;
                error = await WatchAsync(grain, worker, update, cancellationToken).ConfigureAwait(false);
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
                    Log.ShardUnplaced(_logger, view, index + 1, options.Shards, error);
                    await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
                    attempt--;
                    continue;
                }
            }
            update(worker, 0);
            Log.ShardRetry(_logger, view, index + 1, options.Shards, attempt, options.MaxAttempts, worker, error);
            if (attempt < options.MaxAttempts) await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
        }
        throw new FeastException(
            $"Materializing '{view}' from {task.Start:yyyy-MM-dd'T'HH:mm:ssK} to {task.End:yyyy-MM-dd'T'HH:mm:ssK}: shard {index + 1}/{options.Shards} failed {options.MaxAttempts} time(s) " +
            $"(batch_engine.max_attempts); last on worker {worker}: {error}. No interval was recorded for the view; fix the cause and run materialize again.");
    }

    /// <summary>Polls a started shard until it ends; returns its error, or null when it succeeded.</summary>
    private async Task<string?> WatchAsync(IShardGrain grain, string worker, Action<string, long> update, CancellationToken cancellationToken)
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
            update(worker, status.Rows);
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
        [LoggerMessage(EventId = 1811, Level = LogLevel.Information, Message = "Shard {Index}/{Count} of {View} could not start ({Error}); waiting for the cluster to notice the lost worker")]
        public static partial void ShardUnplaced(ILogger logger, string view, int index, int count, string error);

        [LoggerMessage(EventId = 1810, Level = LogLevel.Warning, Message = "Shard {Index}/{Count} of {View} failed on attempt {Attempt} of {MaxAttempts} on worker {Worker}: {Error}")]
        public static partial void ShardRetry(ILogger logger, string view, int index, int count, int attempt, int maxAttempts, string? worker, string? error);
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
