// FeatureStore: materialization from the offline store into the online store (materialize, materialize-incremental, disable_event_timestamp).
using Feast.Materialization;
using Feast.Offline;
using Feast.Registry;
using Microsoft.Extensions.Logging;

namespace Feast;

public sealed partial class FeatureStore
{
    /// <summary>
    /// Loads the latest row per entity with an event timestamp in [<paramref name="start"/>, <paramref name="end"/>]
    /// (both inclusive) into the online store, for every online view (or <paramref name="views"/>), and records the
    /// interval in the registry after each view's last row is written.
    /// </summary>
    /// <exception cref="FeastValidationException"><paramref name="start"/> is after <paramref name="end"/>, or a named view is not online.</exception>
    /// <exception cref="FeatureViewNotFoundException">A named view does not exist.</exception>
    public async Task<IReadOnlyList<ViewMaterialization>> MaterializeAsync(DateTimeOffset start, DateTimeOffset end, IEnumerable<string>? views = null,
        IProgress<MaterializationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (start > end)
            throw new FeastValidationException($"The start date {start:yyyy-MM-dd'T'HH:mm:ssK} is after the end date {end:yyyy-MM-dd'T'HH:mm:ssK}. Give START <= END.");
        var registry = await GetRegistryAsync(allowCache: false, cancellationToken).ConfigureAwait(false);
        var targets = ViewsToMaterialize(registry, views).Select(v => (v, start, end)).ToList();
        return await RunMaterializationAsync(targets, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Materializes each online view (or <paramref name="views"/>) from the end of its last materialized interval to
    /// <paramref name="end"/>; a view never materialized starts at now − ttl (now − 52 weeks when its ttl is 0), as Feast does.
    /// A view already materialized past <paramref name="end"/> is loaded and recorded nothing: its result has 0 rows and
    /// a <see cref="ViewMaterialization.Start"/> (where its last interval ended) after <see cref="ViewMaterialization.End"/>.
    /// </summary>
    public async Task<IReadOnlyList<ViewMaterialization>> MaterializeIncrementalAsync(DateTimeOffset end, IEnumerable<string>? views = null,
        IProgress<MaterializationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var registry = await GetRegistryAsync(allowCache: false, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var targets = ViewsToMaterialize(registry, views).Select(v =>
        {
            var start = v.MaterializationIntervals.Count > 0
                ? v.MaterializationIntervals.Max(i => i.End)
                : now - (v.Ttl > TimeSpan.Zero ? v.Ttl : TimeSpan.FromDays(7 * 52));
            return (v, start, end);
        }).ToList();
        return await RunMaterializationAsync(targets, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The views a materialization covers: the named ones (which must be online), or every online view.</summary>
    public static IReadOnlyList<FeatureView> ViewsToMaterialize(RegistrySnapshot registry, IEnumerable<string>? views)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var all = registry.FeatureViews.Values.Concat(registry.StreamFeatureViews.Values).ToList();
        if (views is null) return [.. all.Where(v => v.Online).OrderBy(v => v.Name, StringComparer.Ordinal)];
        var result = new List<FeatureView>();
        foreach (var name in views)
        {
            var view = all.FirstOrDefault(v => v.Name == name);
            if (view is null)
            {
                if (registry.OnDemandFeatureViews.ContainsKey(name))
                    throw new FeastValidationException($"'{name}' is an on demand feature view; its features are computed at request time, not materialized. Materialize the feature views it reads instead.");
                throw new FeatureViewNotFoundException(name, registry.Project);
            }
            if (!view.Online)
                throw new FeastValidationException($"Feature view '{name}' is not configured to be served online (online: false); set online: true and apply, or leave it out.");
            if (!result.Contains(view)) result.Add(view);
        }
        return result;
    }

    /// <summary>
    /// Feast's <c>disable_event_timestamp</c>: materializes everything the sources hold (from the epoch to now) and stores
    /// every row with the current time as its event timestamp, for sources whose timestamps do not mean "when the value
    /// was true". The latest row per entity still wins by the source's timestamp column.
    /// </summary>
    /// <param name="views">The views to load; all online views when null.</param>
    /// <param name="progress">Receives progress per view.</param>
    /// <param name="cancellationToken">Cancels the run; a cancelled view records no interval.</param>
    public async Task<IReadOnlyList<ViewMaterialization>> MaterializeAllStampedNowAsync(IEnumerable<string>? views = null,
        IProgress<MaterializationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var registry = await GetRegistryAsync(allowCache: false, cancellationToken).ConfigureAwait(false);
        var targets = ViewsToMaterialize(registry, views).Select(v => (v, DateTimeOffset.UnixEpoch, now)).ToList();
        return await RunMaterializationAsync(targets, progress, cancellationToken, stampWith: now).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<ViewMaterialization>> RunMaterializationAsync(List<(FeatureView View, DateTimeOffset Start, DateTimeOffset End)> targets,
        IProgress<MaterializationProgress>? progress, CancellationToken cancellationToken, DateTimeOffset? stampWith = null)
    {
        var engine = _batchEngine.Value ?? new LocalBatchEngine(OfflineStore, RequireOnlineStore(), Config.EntityKeySerializationVersion);
        var materializer = new Materializer(OfflineStore, engine, RegistryStore, Project, _time, _loggerFactory.CreateLogger("Feast.Materialization"));
        var results = new List<ViewMaterialization>(targets.Count);
        foreach (var (view, start, end) in targets)
        {
            if (start > end)
            {
                // Already materialized past END: nothing to load, nothing to record.
                progress?.Report(new MaterializationProgress(view.Name, start, end, 0, 0, TimeSpan.Zero, true));
                results.Add(new ViewMaterialization(view.Name, start, end, 0, TimeSpan.Zero));
                continue;
            }
            var (result, registry) = await materializer.RunAsync(view, start, end, progress, cancellationToken, stampWith).ConfigureAwait(false);
            _registry.Set(registry);
            results.Add(result);
        }
        return results;
    }

    /// <summary>
    /// One shard of a distributed materialization, run on a worker: copies the latest row per entity of
    /// <paramref name="viewName"/> in [<paramref name="start"/>, <paramref name="end"/>] whose keys fall in
    /// <paramref name="shard"/> into the online store with the local engine. Records no interval: the client that split
    /// the view records it once every shard has succeeded.
    /// </summary>
    /// <param name="viewName">The feature view (or stream feature view) to copy.</param>
    /// <param name="start">Inclusive start of the window.</param>
    /// <param name="end">Inclusive end of the window.</param>
    /// <param name="shard">The keys to copy.</param>
    /// <param name="stampWith">When set, every row is stored with this event timestamp (disable_event_timestamp).</param>
    /// <param name="rowsWritten">Receives the rows written so far.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>The rows written.</returns>
    /// <exception cref="FeatureViewNotFoundException">The view does not exist.</exception>
    public async Task<long> MaterializeShardAsync(string viewName, DateTimeOffset start, DateTimeOffset end, PullShard shard,
        DateTimeOffset? stampWith = null, IProgress<long>? rowsWritten = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(viewName);
        ArgumentNullException.ThrowIfNull(shard);
        var registry = await GetRegistryAsync(allowCache: true, cancellationToken).ConfigureAwait(false);
        var view = registry.FeatureViews.GetValueOrDefault(viewName) ?? registry.StreamFeatureViews.GetValueOrDefault(viewName)
            ?? throw new FeatureViewNotFoundException(viewName, Project);
        var engine = new LocalBatchEngine(OfflineStore, RequireOnlineStore(), Config.EntityKeySerializationVersion);
        var task = new MaterializationTask(Project, view, start, end) { StampWith = stampWith };
        var progress = rowsWritten is null ? null : new RowsProgress(rowsWritten);
        return await engine.CopyShardAsync(task, shard, progress, cancellationToken).ConfigureAwait(false);
    }

    private sealed class RowsProgress(IProgress<long> rows) : IProgress<MaterializationProgress>
    {
        public void Report(MaterializationProgress value) => rows.Report(value.RowsWritten);
    }
}
