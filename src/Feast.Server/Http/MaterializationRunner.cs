using System.Collections.Concurrent;
using Feast.Materialization;
using Feast.Server.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Http;

/// <summary>
/// Runs materializations for the HTTP endpoints: in the request (Feast's default) or in the background
/// (<c>?async=true</c>), never two at once for the same view unless forced (<c>?force=true</c>), as Feast's server
/// refuses a view that is already MATERIALIZING with 409. Background runs stop when the server stops.
/// </summary>
internal sealed class MaterializationRunner(FeastServerState state, ServerMetrics metrics, IHostApplicationLifetime lifetime, ILogger<MaterializationRunner> logger)
    : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _background = new();

    /// <summary>The views <paramref name="request"/> covers, or the ones of them already running (Busy).</summary>
    public async Task<(IReadOnlyList<string> Views, IReadOnlyList<string> Busy)> ClaimAsync(MaterializeRequest request, bool force, CancellationToken cancellationToken)
    {
        var registry = await state.Store.GetRegistryAsync(allowCache: false, cancellationToken).ConfigureAwait(false);
        var views = FeatureStore.ViewsToMaterialize(registry, request.FeatureViews).Select(v => v.Name).ToList();
        lock (_running)
        {
            var busy = views.Where(_running.ContainsKey).ToList();
            if (busy.Count > 0 && !force) return (views, busy);
            foreach (var view in views) _running.AddOrUpdate(view, 1, static (_, count) => count + 1);
        }
        return (views, []);
    }

    /// <summary>Runs a claimed materialization to its end, then releases its views.</summary>
    public async Task RunAsync(MaterializeRequest request, IReadOnlyList<string> views, CancellationToken cancellationToken)
    {
        try
        {
            var results = request.DisableEventTimestamp
                ? await state.Store.MaterializeAllStampedNowAsync(views, cancellationToken: cancellationToken).ConfigureAwait(false)
                : request.Start is { } start
                ? await state.Store.MaterializeAsync(start, request.End, views, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await state.Store.MaterializeIncrementalAsync(request.End, views, cancellationToken: cancellationToken).ConfigureAwait(false);
            metrics.Materialized(results);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics.MaterializationFailed(views);
            throw;
        }
        finally
        {
            Release(views);
        }
    }

    /// <summary>Starts a claimed materialization in the background; it stops when the server stops.</summary>
    public void Start(MaterializeRequest request, IReadOnlyList<string> views)
    {
        var run = Task.Run(async () =>
        {
            var names = string.Join(", ", views);
            try
            {
                await RunAsync(request, views, lifetime.ApplicationStopping).ConfigureAwait(false);
                LogMessages.BackgroundMaterializationDone(logger, names);
            }
            catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                LogMessages.BackgroundMaterializationStopped(logger, names);
            }
            catch (Exception e)
            {
                LogMessages.BackgroundMaterializationFailed(logger, names, e);
            }
        }, CancellationToken.None);
        _background.TryAdd(run, 0);
        run.ContinueWith(done => _background.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Test hook: completes when the background runs started so far have finished and released their views.</summary>
    internal Task BackgroundRunsDone() => Task.WhenAll(_background.Keys);

    /// <summary>Waits (briefly) for background runs, cancelled by the server's stop, to unwind before the store is disposed.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Task.WhenAll(_background.Keys).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A store that ignores cancellation; the process is stopping anyway.
        }
    }

    private void Release(IReadOnlyList<string> views)
    {
        lock (_running)
        {
            foreach (var view in views)
            {
                if (_running.TryGetValue(view, out var count) && count > 1) _running[view] = count - 1;
                else _running.TryRemove(view, out _);
            }
        }
    }
}
