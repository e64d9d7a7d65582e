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
    private volatile Entry? _current;

    private sealed record Entry(RegistrySnapshot Snapshot, DateTimeOffset LoadedAt);

    public RegistryCache(IRegistryStore store, string project, int cacheTtlSeconds, TimeProvider time)
    {
        _store = store;
        _project = project;
        _ttl = TimeSpan.FromSeconds(Math.Max(0, cacheTtlSeconds));
        _time = time;
    }

    public async ValueTask<RegistrySnapshot> GetAsync(bool allowCache, CancellationToken cancellationToken)
    {
        var entry = _current;
        if (allowCache && entry is not null && IsFresh(entry)) return entry.Snapshot;

        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            entry = _current;
            if (allowCache && entry is not null && IsFresh(entry)) return entry.Snapshot;
            var registry = await _store.ReadAsync(cancellationToken).ConfigureAwait(false);
            var snapshot = RegistrySnapshot.Create(_project, registry);
            _current = new Entry(snapshot, _time.GetUtcNow());
            return snapshot;
        }
        finally
        {
            _reload.Release();
        }
    }

    /// <summary>Replaces the cached snapshot with one just written, so a writer reads its own change.</summary>
    public void Set(Protos.Core.Registry registry) => _current = new Entry(RegistrySnapshot.Create(_project, registry), _time.GetUtcNow());

    private bool IsFresh(Entry entry) => _ttl == TimeSpan.Zero || _time.GetUtcNow() - entry.LoadedAt < _ttl;

    public void Dispose() => _reload.Dispose();
}
