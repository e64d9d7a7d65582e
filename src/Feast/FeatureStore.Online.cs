using Feast.Materialization;
using Feast.Online;
using Feast.Registry;
using Microsoft.Extensions.Logging;

namespace Feast;

public sealed partial class FeatureStore
{
    private OnlineRetriever? _onlineRetriever;

    /// <summary>The online reader once a read has been served (tests look at its plan cache).</summary>
    internal OnlineRetriever? OnlineRetrieverForTests => _onlineRetriever;
    private FeatureWriter? _featureWriter;

    private IOnlineStore RequireOnlineStore() =>
        OnlineStore ?? throw new Configuration.FeastConfigException($"Project '{Project}' has no online store configured; set online_store in feature_store.yaml (e.g. type: sqlite).");

    /// <summary>
    /// The latest values of <paramref name="features"/> for each of <paramref name="entityRows"/> from the online
    /// store (Feast's <c>get_online_features</c>), with on-demand features computed from them and the rows' request data.
    /// </summary>
    /// <param name="features">Feature references, <c>"view:feature"</c> (on-demand views too).</param>
    /// <param name="entityRows">Per row: join key → value, plus request-data fields of on-demand views.</param>
    /// <param name="fullFeatureNames">Name features <c>view__feature</c>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public Task<OnlineFeaturesResponse> GetOnlineFeaturesAsync(IEnumerable<string> features, IEnumerable<IReadOnlyDictionary<string, object?>> entityRows,
        bool fullFeatureNames = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        return GetOnlineFeaturesAsync(new OnlineFeaturesRequest(OnlineFeaturesRequest.Columns(entityRows)) { Features = [.. features], FullFeatureNames = fullFeatureNames },
            cancellationToken);
    }

    /// <summary>The latest values of a feature service's features; see <see cref="GetOnlineFeaturesAsync(IEnumerable{string}, IEnumerable{IReadOnlyDictionary{string, object}}, bool, CancellationToken)"/>.</summary>
    public Task<OnlineFeaturesResponse> GetOnlineFeaturesAsync(FeatureService featureService, IEnumerable<IReadOnlyDictionary<string, object?>> entityRows,
        bool fullFeatureNames = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(featureService);
        return GetOnlineFeaturesAsync(new OnlineFeaturesRequest(OnlineFeaturesRequest.Columns(entityRows)) { FeatureService = featureService.Name, FullFeatureNames = fullFeatureNames },
            cancellationToken);
    }

    /// <summary>An online read given column-major, as the feature server receives it.</summary>
    /// <exception cref="FeatureViewNotFoundException">A referenced view does not exist.</exception>
    /// <exception cref="FeatureServiceNotFoundException">The named service does not exist.</exception>
    /// <exception cref="RequestDataNotFoundInEntityRowsException">An on-demand view's request data is missing.</exception>
    /// <exception cref="FeastValidationException">A join key is missing, or a value does not fit its declared type.</exception>
    public async Task<OnlineFeaturesResponse> GetOnlineFeaturesAsync(OnlineFeaturesRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var store = RequireOnlineStore();
        var registry = await GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var retriever = _onlineRetriever ??= new OnlineRetriever(store, Project, Config.EntityKeySerializationVersion,
            Config.OnlineStore?.EnforceTtl ?? false, _time, WithLocalTransform, _instruments);
        return await retriever.GetAsync(registry, request, cancellationToken).ConfigureAwait(false);
    }

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
        return await MaterializeAllAsync(targets, progress, cancellationToken).ConfigureAwait(false);
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
        return await MaterializeAllAsync(targets, progress, cancellationToken).ConfigureAwait(false);
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
    public async Task<IReadOnlyList<ViewMaterialization>> MaterializeAllAsync(IEnumerable<string>? views = null,
        IProgress<MaterializationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var registry = await GetRegistryAsync(allowCache: false, cancellationToken).ConfigureAwait(false);
        var targets = ViewsToMaterialize(registry, views).Select(v => (v, DateTimeOffset.UnixEpoch, now)).ToList();
        return await MaterializeAllAsync(targets, progress, cancellationToken, stampWith: now).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<ViewMaterialization>> MaterializeAllAsync(List<(FeatureView View, DateTimeOffset Start, DateTimeOffset End)> targets,
        IProgress<MaterializationProgress>? progress, CancellationToken cancellationToken, DateTimeOffset? stampWith = null)
    {
        var materializer = new Materializer(OfflineStore, RequireOnlineStore(), RegistryStore, Project, Config.EntityKeySerializationVersion, _time,
            _loggerFactory.CreateLogger("Feast.Materialization"));
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
    /// Writes <paramref name="rows"/> to every view fed by push source <paramref name="pushSourceName"/>: online,
    /// offline (appended once per batch source) or both. Rows carry the join keys, the features and the batch
    /// source's timestamp field, named as the batch source names them.
    /// </summary>
    /// <param name="pushSourceName">The push source.</param>
    /// <param name="rows">The rows to push.</param>
    /// <param name="to">Online, offline, or both.</param>
    /// <param name="transformOnWrite">
    /// Compute the outputs of on-demand views stored at write time (<c>write_to_online_store</c>) that read the pushed
    /// views (Feast's <c>transform_on_write</c>, true). False writes the pushed views only.
    /// </param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <exception cref="PushSourceNotFoundException">No view is fed by that push source.</exception>
    /// <exception cref="FeastValidationException">A column is missing, or a value does not fit its declared type.</exception>
    public async Task PushAsync(string pushSourceName, FeatureRows rows, PushMode to = PushMode.Online, bool transformOnWrite = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pushSourceName);
        ArgumentNullException.ThrowIfNull(rows);
        if (!Enum.IsDefined(to))
            throw new FeastValidationException($"Push mode {to} is not one of Online, Offline, OnlineAndOffline.");
        var registry = await GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var views = registry.ViewsFedBy(pushSourceName);
        if (views.Count == 0) throw new PushSourceNotFoundException(pushSourceName);

        var writer = Writer();
        if (to is PushMode.Online or PushMode.OnlineAndOffline)
        {
            // Validate every view's rows before writing any, so a bad push leaves nothing half-written.
            var batches = views.Select(v => (v, writer.ToOnlineBatch(v, rows))).ToList();
            // On-demand views stored at write time and fed by these views get their outputs computed from the same rows.
            var pushed = views.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
            var stored = transformOnWrite ? registry.OnDemandFeatureViews.Values : [];
            foreach (var onDemand in stored.Where(o => o.WriteToOnlineStore && o.SourceProjections.Any(p => pushed.Contains(p.Name))))
            {
                var (storage, transformed) = TransformForWrite(registry, onDemand, rows, views[0].BatchSource.TimestampField);
                batches.Add((storage, writer.ToOnlineBatch(storage, transformed)));
            }
            foreach (var (view, batch) in batches)
            {
                if (batch is not null)
                    await RequireOnlineStore().WriteBatchAsync(Project, view, batch, cancellationToken).ConfigureAwait(false);
            }
        }
        if (to is PushMode.Offline or PushMode.OnlineAndOffline)
        {
            foreach (var view in views.DistinctBy(v => v.BatchSource.Name))
                await writer.WriteOfflineAsync(OfflineStore, view, rows, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes <paramref name="rows"/> to the online storage of view <paramref name="featureViewName"/> (Feast's <c>write_to_online_store</c>).</summary>
    /// <param name="featureViewName">A feature view, stream feature view, or on-demand view with <c>write_to_online_store</c>.</param>
    /// <param name="rows">The rows to write.</param>
    /// <param name="transformOnWrite">
    /// For an on-demand view: run its transformation on the rows (Feast's <c>transform_on_write</c>, true), or, when
    /// false, store the rows as they are — they must then carry the view's outputs.
    /// </param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="FeatureViewNotFoundException">No such view.</exception>
    /// <exception cref="FeastValidationException">A column is missing, or a value does not fit its declared type.</exception>
    public async Task WriteToOnlineStoreAsync(string featureViewName, FeatureRows rows, bool transformOnWrite = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var registry = await GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (registry.OnDemandFeatureViews.TryGetValue(featureViewName, out var onDemand))
        {
            if (!onDemand.WriteToOnlineStore)
                throw new FeastValidationException($"On demand feature view '{featureViewName}' is computed at read time (write_to_online_store is false), so nothing can be written to it. Write to the feature views it reads instead.");
            (var storage, rows) = transformOnWrite
                ? TransformForWrite(registry, onDemand, rows, null)
                : (OnDemandStorage.ViewOf(onDemand), FeatureWriter.Pretransformed(onDemand, rows, _time.GetUtcNow()));
            var stored = Writer().ToOnlineBatch(storage, rows);
            if (stored is not null)
                await RequireOnlineStore().WriteBatchAsync(Project, storage, stored, cancellationToken).ConfigureAwait(false);
            return;
        }
        var view = StoredView(registry, featureViewName);
        var batch = Writer().ToOnlineBatch(view, rows);
        if (batch is not null)
            await RequireOnlineStore().WriteBatchAsync(Project, view, batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends <paramref name="rows"/> to the batch source of view <paramref name="featureViewName"/> (Feast's <c>write_to_offline_store</c>).</summary>
    /// <exception cref="FeatureViewNotFoundException">No such view.</exception>
    /// <exception cref="FeastValidationException">The columns are not the batch source's columns.</exception>
    public async Task WriteToOfflineStoreAsync(string featureViewName, FeatureRows rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var registry = await GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await Writer().WriteOfflineAsync(OfflineStore, StoredView(registry, featureViewName), rows, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An on-demand view's outputs for <paramref name="rows"/>, and the storage view to write them to.</summary>
    private (FeatureView Storage, FeatureRows Rows) TransformForWrite(RegistrySnapshot registry, OnDemandFeatureView view, FeatureRows rows, string? timestampColumn)
    {
        var types = new Dictionary<string, ValueType>(StringComparer.Ordinal);
        foreach (var source in view.SourceProjections)
        {
            var sourceView = registry.FeatureViews.TryGetValue(source.Name, out var v) ? (FeatureView?)v : registry.StreamFeatureViews.GetValueOrDefault(source.Name);
            foreach (var field in sourceView?.Features ?? []) types.TryAdd(field.Name, field.Dtype.ValueType);
            foreach (var field in sourceView?.EntityColumns ?? []) types.TryAdd(field.Name, field.Dtype.ValueType);
        }
        foreach (var field in view.RequestSources.SelectMany(r => r.Schema)) types.TryAdd(field.Name, field.Dtype.ValueType);
        foreach (var field in view.EntityColumns) types.TryAdd(field.Name, field.Dtype.ValueType);
        var started = _instruments.WriteTransformation.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        var transformed = FeatureWriter.TransformForWrite(WithLocalTransform(view), types, rows, timestampColumn, _time.GetUtcNow());
        if (started != 0)
        {
            _instruments.WriteTransformation.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("odfv_name", view.Name), new KeyValuePair<string, object?>("mode", OnlineRetriever.ModeOf(view)));
        }
        return (OnDemandStorage.ViewOf(view), transformed);
    }

    private static FeatureView StoredView(RegistrySnapshot registry, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (registry.FeatureViews.TryGetValue(name, out var view)) return view;
        if (registry.StreamFeatureViews.TryGetValue(name, out var stream)) return stream;
        throw new FeatureViewNotFoundException(name, registry.Project);
    }

    private FeatureWriter Writer() =>
        _featureWriter ??= new FeatureWriter(Config.EntityKeySerializationVersion, _loggerFactory.CreateLogger("Feast.Push"));
}
