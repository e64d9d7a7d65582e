using System.Collections.Concurrent;
using Feast.Materialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Feast.Orleans;

/// <summary>
/// The client side of <c>batch_engine: orleans</c>: splits each (view, window) into <see cref="OrleansBatchEngineOptions.Shards"/>
/// shards by entity-key hash, hands them to the workers, retries a failed or lost shard on another worker up to
/// <see cref="OrleansBatchEngineOptions.MaxAttempts"/> times, and returns once every shard succeeded (the caller then
/// records the interval). Connects to the cluster on first use.
/// </summary>
internal sealed partial class OrleansBatchEngine(OrleansBatchEngineOptions options, ILoggerFactory loggers) : IBatchEngine
{
    private readonly ILogger _logger = loggers.CreateLogger("Feast.Orleans");
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IHost? _host;

    public async Task<MaterializationCopy> CopyAsync(MaterializationTask task, IProgress<MaterializationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var client = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var run = Guid.NewGuid().ToString("N")[..12];
        var byWorker = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        long rows = 0;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var shards = Enumerable.Range(0, options.Shards).Select(async index =>
        {
            try
            {
                var result = await RunShardAsync(client, run, task, index, cts.Token).ConfigureAwait(false);
                byWorker.AddOrUpdate(result.Worker, result.Rows, (_, n) => n + result.Rows);
                var total = Interlocked.Add(ref rows, result.Rows);
                progress?.Report(new MaterializationProgress(task.View.Name, task.Start, task.End, total, null, TimeSpan.Zero, false)
                {
                    RowsByWorker = new Dictionary<string, long>(byWorker, StringComparer.Ordinal),
                });
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
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A shard's failure cancelled the rest: report the failure, not the cancellations it caused.
            throw shards.Select(s => s.Exception?.InnerException).OfType<FeastException>().First();
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception) when (shards.Select(s => s.Exception?.InnerException).OfType<FeastException>().FirstOrDefault() is { } failure)
        {
            throw failure;
        }
        return new MaterializationCopy(rows) { RowsByWorker = new Dictionary<string, long>(byWorker, StringComparer.Ordinal) };
    }

    private async Task<ShardResult> RunShardAsync(IClusterClient client, string run, MaterializationTask task, int index, CancellationToken cancellationToken)
    {
        var view = task.View.Name;
        string? worker = null, error = null;
        for (var attempt = 1; attempt <= options.MaxAttempts; attempt++)
        {
            var shard = new ShardTask
            {
                Project = task.Project, View = view, Start = task.Start, End = task.End, StampWith = task.StampWith,
                Index = index, Count = options.Shards, Attempt = attempt,
            };
            var grain = client.GetGrain<IShardGrain>($"{run}/{view}/{index}/{attempt}");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.TaskTimeoutSeconds));
            try
            {
                var result = await grain.RunAsync(shard, timeout.Token).ConfigureAwait(false);
                if (result.Error is null) return result;
                (worker, error) = (result.Worker, result.Error);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException)
            {
                (worker, error) = ("(unknown)", $"timed out after {options.TaskTimeoutSeconds} s (batch_engine.task_timeout_seconds)");
            }
            catch (Exception e)
            {
                // A worker that died or left mid-shard: the call fails once membership declares it dead.
                (worker, error) = (WorkerOf(e), $"{e.GetType().Name}: {FirstLine(e.Message)}");
            }
            Log.ShardRetry(_logger, view, index + 1, options.Shards, attempt, options.MaxAttempts, worker, error);
        }
        throw new FeastException(
            $"Materializing '{view}' from {task.Start:yyyy-MM-dd'T'HH:mm:ssK} to {task.End:yyyy-MM-dd'T'HH:mm:ssK}: shard {index + 1}/{options.Shards} failed {options.MaxAttempts} time(s) " +
            $"(batch_engine.max_attempts); last on worker {worker}: {error}. No interval was recorded for the view; fix the cause and run materialize again.");
    }

    private static string WorkerOf(Exception e) =>
        System.Text.RegularExpressions.Regex.Match(e.Message, @"S?\d+\.\d+\.\d+\.\d+:\d+") is { Success: true } m ? m.Value : "(lost)";

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
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(options.TaskTimeoutSeconds + 60));
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
