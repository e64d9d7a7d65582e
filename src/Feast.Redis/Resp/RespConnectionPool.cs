using System.Collections.Concurrent;
using System.Net;

namespace Feast.Redis.Resp;

/// <summary>
/// Direct connections to the nodes of one store, by node: a writer rents one per node it writes to and returns it when
/// done, so concurrent writes each get their own connection and a sequential materialization reuses the same ones.
/// </summary>
internal sealed class RespConnectionPool(RespSettings settings) : IAsyncDisposable
{
    /// <summary>Idle connections kept per node; more are closed when returned.</summary>
    private const int MaxIdlePerNode = 4;

    private readonly ConcurrentDictionary<string, ConcurrentQueue<RespConnection>> _idle = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    /// <summary>An idle connection to <paramref name="node"/> that is still usable, or a new one.</summary>
    public async Task<RespConnection> RentAsync(EndPoint node, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var idle = _idle.GetOrAdd(RedisConnectionSettings.Format(node), _ => new ConcurrentQueue<RespConnection>());
        while (idle.TryDequeue(out var connection))
        {
            if (connection.IsUsable) return connection;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        return await RespConnection.ConnectAsync(node, settings, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Gives <paramref name="connection"/> back after a write that finished (every reply read). A connection whose
    /// write did not finish is in an unknown state: dispose it instead.
    /// </summary>
    public ValueTask ReturnAsync(RespConnection connection)
    {
        var idle = _idle.GetOrAdd(connection.Endpoint, _ => new ConcurrentQueue<RespConnection>());
        if (_disposed || !connection.IsUsable || idle.Count >= MaxIdlePerNode) return connection.DisposeAsync();
        idle.Enqueue(connection);
        // Disposal may have run between the check and the enqueue; then close what it missed.
        return _disposed ? DisposeAsync() : ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        foreach (var idle in _idle.Values)
        {
            while (idle.TryDequeue(out var connection)) await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
