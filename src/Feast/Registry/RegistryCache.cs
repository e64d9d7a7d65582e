namespace Feast.Registry;

/// <summary>
/// Holds the current <see cref="RegistrySnapshot"/> and reloads it from the store once <c>cache_ttl_seconds</c> have passed
/// (0 = never), the way Feast's cached registry does. Concurrent readers share one reload.
/// </summary>
internal sealed class RegistryCache : IDisposable
{
    private readonly IRegistryStore _store;
    private readonly string _project;
    private readonly TimeSpan _ttl;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _reload = new(1, 1);
    private readonly FeastBackends? _backends;
    private Entry? _current;

    // The snapshot of one registry version; built when first asked for when the registry came from a write of another
    // part of the process (a registry server's object writes, whose snapshot of this project is seldom read).
    private sealed record Entry(Lazy<RegistrySnapshot> Snapshot, string VersionId, DateTimeOffset? LastUpdated, DateTimeOffset LoadedAt);

    public RegistryCache(IRegistryStore store, string project, int cacheTtlSeconds, TimeProvider time, FeastBackends? backends = null)
    {
        _backends = backends;
        _store = store;
        _project = project;
        _ttl = TimeSpan.FromSeconds(Math.Max(0, cacheTtlSeconds));
        _time = time;
    }

    public async ValueTask<RegistrySnapshot> GetAsync(bool allowCache, CancellationToken cancellationToken)
    {
        var entry = _current;
        if (allowCache && entry is not null && IsFresh(entry)) return entry.Snapshot.Value;

        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            entry = _current;
            if (allowCache && entry is not null && IsFresh(entry)) return entry.Snapshot.Value;
            var registry = await _store.ReadAsync(cancellationToken).ConfigureAwait(false);
            return Keep(RegistrySnapshot.Create(_project, registry, _backends));
        }
        finally
        {
            _reload.Release();
        }
    }

    /// <summary>
    /// Reloads from the store like an uncached <see cref="GetAsync"/>, except that a store that now holds nothing for
    /// the project (a missing file, an emptied registry) does not replace a snapshot that holds objects: that snapshot
    /// is kept and a <see cref="RegistryException"/> says why.
    /// </summary>
    public async ValueTask<RegistrySnapshot> ReloadKeepingObjectsAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var registry = await _store.ReadAsync(cancellationToken).ConfigureAwait(false);
            var snapshot = RegistrySnapshot.Create(_project, registry, _backends);
            if (_current?.Snapshot.Value is { IsEmpty: false } kept && snapshot.IsEmpty)
            {
                var what = registry is null ? "is gone" : $"holds nothing for project '{_project}'";
                throw new RegistryException(
                    $"The registry {_store.Description} {what}, but the snapshot in use holds its objects (version {kept.VersionId}, written {kept.LastUpdated:u}); " +
                    "keeping that snapshot. Restore the registry or run feast apply; restart the server to serve an empty registry on purpose.");
            }
            return Keep(snapshot);
        }
        finally
        {
            _reload.Release();
        }
    }

    /// <summary>Replaces the cached snapshot with one just written, so a writer reads its own change.</summary>
    public void Set(RegistryData registry) => Keep(RegistrySnapshot.FromProto(_project, registry.Proto, _backends));

    /// <summary>
    /// Replaces the cached snapshot with one of a registry just written, built when it is first read: for writes whose
    /// writer does not read this project's snapshot itself (a registry server's object writes into any project).
    /// </summary>
    /// <param name="registry">The registry as written; not changed afterwards (the snapshot reads it when built).</param>
    public void SetLazily(RegistryData registry)
    {
        var proto = registry.Proto;
        Keep(new Lazy<RegistrySnapshot>(() => RegistrySnapshot.FromProto(_project, proto, _backends), LazyThreadSafetyMode.PublicationOnly),
            proto.VersionId, proto.LastUpdated?.ToDateTimeOffset());
    }

    private RegistrySnapshot Keep(RegistrySnapshot snapshot) =>
        Keep(new Lazy<RegistrySnapshot>(snapshot), snapshot.VersionId, snapshot.LastUpdated).Value;

    // A reload that read the store before a write may finish after it: never swap a newer snapshot for an older one.
    private Lazy<RegistrySnapshot> Keep(Lazy<RegistrySnapshot> snapshot, string versionId, DateTimeOffset? lastUpdated)
    {
        while (true)
        {
            var current = _current;
            if (current is not null && current.LastUpdated > lastUpdated)
                return current.Snapshot;
            // An unchanged registry keeps its snapshot object, so what is cached per snapshot (online request plans) survives a reload.
            if (current is not null && versionId.Length > 0 && current.VersionId == versionId && current.LastUpdated == lastUpdated)
                snapshot = current.Snapshot;
            if (Interlocked.CompareExchange(ref _current, new Entry(snapshot, versionId, lastUpdated, _time.GetUtcNow()), current) == current)
                return snapshot;
        }
    }

    private bool IsFresh(Entry entry) => _ttl == TimeSpan.Zero || _time.GetUtcNow() - entry.LoadedAt < _ttl;

    public void Dispose() => _reload.Dispose();
}
