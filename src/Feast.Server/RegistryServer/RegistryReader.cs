using Feast.Server.Hosting;
using Google.Protobuf;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer;

/// <summary>
/// The registry as the registry server answers from it: the stored <c>feast.core.Registry</c> message, all projects,
/// exactly as written (objects keep their <c>meta</c> and every field Feast stored, Python-written ones included).
/// <c>allow_cache</c> reuses the message read less than <c>cache_ttl_seconds</c> ago (0: kept until a refresh);
/// without it, the store is read.
/// </summary>
internal sealed class RegistryReader(FeastServerState state, TimeProvider time)
{
    private Loaded? _loaded;

    private sealed record Loaded(P.Registry Proto, long ReadAt);

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
        // Concurrent readers may each read the store; the last one read wins the cache, as any one of them is current.
        var data = await state.Store.RegistryStore.ReadAsync(cancellationToken).ConfigureAwait(false);
        // Through the public bytes: the SDK exposes no protobuf type, and the bytes are what the store holds.
        var proto = data is null ? new P.Registry() : P.Registry.Parser.ParseFrom(data.ToByteArray());
        var current = Volatile.Read(ref _loaded);
        // An unchanged registry keeps its parsed copy, so cached readers and fresh readers see the same objects.
        if (current is not null && current.Proto.VersionId == proto.VersionId && proto.VersionId.Length > 0)
            proto = current.Proto;
        Volatile.Write(ref _loaded, new Loaded(proto, time.GetTimestamp()));
        return proto;
    }

    private bool Fresh(Loaded loaded)
    {
        var ttl = state.Store.Config.Registry.CacheTtlSeconds;
        return ttl <= 0 || time.GetElapsedTime(loaded.ReadAt) < TimeSpan.FromSeconds(ttl);
    }
}
