// RedisOnlineStore: writes - the newer-row check on _ts:{view} and the pipelined HSETs per node.
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Feast.Configuration;
using Feast.Online;
using Feast.Redis.Resp;
using StackExchange.Redis;
using RedisType = Feast.Redis.RedisType;

namespace Feast.Redis;

public sealed partial class RedisOnlineStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Unless <c>skip_dedup</c> is set, a row is skipped when its key already holds an event time for the view and the
    /// row is not newer than both that time and any row of the same key queued earlier in the batch (nanoseconds),
    /// which is Feast's rule. <c>key_ttl_seconds</c> adds an EXPIRE per written key. Rows go over the store's own
    /// connections, one pipeline per node (<see cref="RedisBatchWriter"/>); rows whose cluster slot has moved go
    /// through the multiplexer, which follows the redirection.
    /// </remarks>
    public async Task WriteBatchAsync(string project, FeatureView view, OnlineWriteBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (batch.Count == 0) return;

        var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
        var fields = Fields(view.Name, batch.FeatureNames);
        var projectBytes = ProjectBytes(project);
        const string Again = " Part of the batch may be written; writing it again is safe (rows that are not newer are skipped).";
        var what = $"Writing feature view {view.Name} (project {project}) to";
        try
        {
            var writer = new RedisBatchWriter(_pool, _blocks, Nodes(connection), batch, fields, projectBytes, _options.KeyTtlSeconds, !_options.SkipDedup);
            var redirected = await writer.WriteAsync(cancellationToken).ConfigureAwait(false);
            if (redirected.Count > 0)
            {
                _nodes = null; // the slot map is stale: read it again next time
                await WriteRedirectedAsync(connection.GetDatabase(), batch, redirected, fields, projectBytes, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RedisCommandException e)
        {
            _nodes = null; // e.g. READONLY after a failover: the next write asks the multiplexer for the master again
            throw new RedisOnlineStoreException($"{what} the {Kind} at {Endpoints} failed: the server answered \"{e.Message}\".{Again}", Endpoints, e);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or RespConnectionException or InvalidOperationException)
        {
            _nodes = null;
            throw Failure(what, e, Again);
        }
    }

    /// <summary>
    /// The rows whose slot moved during a write, written through the multiplexer (which follows MOVED and ASK) with
    /// the same dedup rule; only seen while a cluster is resharded, so simple rather than fast.
    /// </summary>
    private async Task WriteRedirectedAsync(IDatabase database, OnlineWriteBatch batch, List<int> rows, FieldSet fields, byte[] project,
        CancellationToken cancellationToken)
    {
        Dictionary<byte[], KeyState>? seen = null;
        if (!_options.SkipDedup)
        {
            seen = new Dictionary<byte[], KeyState>(ByteArrayComparer.Instance);
            var reads = new List<(byte[] EntityKey, Task<RedisValue> Read)>();
            foreach (var row in rows)
            {
                var entityKey = batch.EntityKey(row);
                if (seen.TryAdd(entityKey, new KeyState { Stored = long.MinValue, Queued = long.MinValue }))
                    reads.Add((entityKey, database.HashGetAsync(Key(entityKey, project), fields.Timestamp)));
            }
            await Task.WhenAll(reads.Select(r => r.Read)).WaitAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (entityKey, read) in reads)
            {
                if (read.Result.IsNull) continue;
                ref var state = ref CollectionsMarshal.GetValueRefOrNullRef(seen, entityKey);
                state.HasStored = true;
                state.Stored = ReadTimestamp((byte[])read.Result!);
            }
        }
        var writes = new List<Task>();
        foreach (var row in rows)
        {
            var entityKey = batch.EntityKey(row);
            var timestamp = batch.EventTimestamp(row);
            if (seen is not null && !CollectionsMarshal.GetValueRefOrNullRef(seen, entityKey).Admit(RedisLayout.ToNanos(timestamp))) continue;
            var values = batch.Values(row);
            var entries = new HashEntry[values.Length + 1];
            entries[0] = new HashEntry(fields.Timestamp, RedisLayout.SerializeTimestamp(timestamp));
            for (var f = 0; f < values.Length; f++) entries[f + 1] = new HashEntry(fields.Features[f], values[f].ToByteArray());
            var key = Key(entityKey, project);
            writes.Add(database.HashSetAsync(key, entries));
            if (_options.KeyTtlSeconds is { } seconds) writes.Add(database.KeyExpireAsync(key, TimeSpan.FromSeconds(seconds)));
        }
        await Task.WhenAll(writes).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
