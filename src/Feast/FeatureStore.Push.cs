// FeatureStore: push and direct writes to the online and offline stores (push, write_to_online_store, write_to_offline_store).
using Feast.Online;
using Feast.Registry;
using Microsoft.Extensions.Logging;

namespace Feast;

public sealed partial class FeatureStore
{
    private FeatureWriter? _featureWriter;

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

    private FeatureWriter Writer() => Volatile.Read(ref _featureWriter) ?? LazyInitializer.EnsureInitialized(ref _featureWriter,
        () => new FeatureWriter(Config.EntityKeySerializationVersion, _loggerFactory.CreateLogger("Feast.Push")));
}
