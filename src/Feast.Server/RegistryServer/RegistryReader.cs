using Feast.Registry;
using Feast.Server.Hosting;
using Google.Protobuf;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer;

/// <summary>
/// The registry as the registry server answers from it: the stored <c>feast.core.Registry</c> message, all projects,
/// exactly as written (objects keep their <c>meta</c> and every field Feast stored, Python-written ones included).
/// <c>allow_cache</c> reuses the message read less than <c>cache_ttl_seconds</c> ago (0: kept until a refresh);
/// without it, the store is read. A write through the store's <see cref="RegistryWriter"/> replaces the cached message
/// with the registry it wrote (no second read of the store), and the list answers built from the old one are dropped.
/// </summary>
internal sealed class RegistryReader : IDisposable
{
    private readonly FeastServerState _state;
    private readonly TimeProvider _time;
    private Loaded? _loaded;
    private long _writes;
    private readonly EventHandler<RegistryData> _onWritten;

    private sealed record Loaded(P.Registry Proto, long ReadAt);

    /// <summary>Creates the reader and follows the writes of the server's store.</summary>
    public RegistryReader(FeastServerState state, TimeProvider time)
    {
        _state = state;
        _time = time;
        _onWritten = (_, written) => Take(written);
        state.Store.RegistryWriter.Written += _onWritten;
    }

    /// <summary>Stops following the store's writes.</summary>
    public void Dispose()
    {
        _state.Store.RegistryWriter.Written -= _onWritten;
        Lists.Dispose();
    }

    /// <summary>The <c>List*</c> answers kept for the cached registry, and the bound on lists built at once.</summary>
    public ListAnswers Lists { get; } = new();

    /// <summary>The registry, from the cache when <paramref name="allowCache"/> and the cached copy is fresh.</summary>
    public async ValueTask<P.Registry> GetAsync(bool allowCache, CancellationToken cancellationToken)
    {
        var loaded = Volatile.Read(ref _loaded);
        if (allowCache && loaded is not null && Fresh(loaded)) return loaded.Proto;
        return await ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the store and makes what it holds the cached registry (the <c>Refresh</c> RPC).</summary>
    public async ValueTask<P.Registry> ReadAsync(CancellationToken cancellationToken)
    {
        var writes = Volatile.Read(ref _writes);
        // Concurrent readers may each read the store; the last one read wins the cache, as any one of them is current.
        var data = await _state.Store.RegistryStore.ReadAsync(cancellationToken).ConfigureAwait(false);
        // Through the public bytes: the SDK exposes no protobuf type, and the bytes are what the store holds.
        return Install(data is null ? null : data.ToByteArray(), writes);
    }

    /// <summary>Takes the registry a write just stored as the cached one (what a read of the store would now answer).</summary>
    private void Take(RegistryData written)
    {
        Interlocked.Increment(ref _writes);
        Install(written.ToByteArray(), writes: -1);
    }

    private P.Registry Install(byte[]? bytes, long writes)
    {
        var proto = bytes is null ? new P.Registry() : P.Registry.Parser.ParseFrom(bytes);
        while (true)
        {
            var current = Volatile.Read(ref _loaded);
            // An unchanged registry keeps its parsed copy, so cached readers and fresh readers see the same objects.
            if (current is not null && current.Proto.VersionId == proto.VersionId && proto.VersionId.Length > 0
                && Equals(current.Proto.LastUpdated, proto.LastUpdated))
                proto = current.Proto;
            // A read that began before a write and ends after it must not put back the registry the write replaced, nor
            // may one write's registry replace a later write's (writes < 0: the registry of a write).
            else if (current is not null && (writes < 0 || writes != Volatile.Read(ref _writes)) && Older(proto, current.Proto))
                return current.Proto;
            else if (bytes is not null)
                ListAnswers.Keep(proto, bytes); // the Proto RPC answers these bytes without serialising the registry again
            if (Interlocked.CompareExchange(ref _loaded, new Loaded(proto, _time.GetTimestamp()), current) == current)
                return proto;
        }
    }

    private static bool Older(P.Registry read, P.Registry cached) =>
        read.LastUpdated is null || (cached.LastUpdated is not null && read.LastUpdated.ToDateTimeOffset() < cached.LastUpdated.ToDateTimeOffset());

    private bool Fresh(Loaded loaded)
    {
        var ttl = _state.Store.Config.Registry.CacheTtlSeconds;
        return ttl <= 0 || _time.GetElapsedTime(loaded.ReadAt) < TimeSpan.FromSeconds(ttl);
    }
}
