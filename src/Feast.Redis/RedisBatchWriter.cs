using System.Runtime.InteropServices;
using Feast.Online;
using Feast.Redis.Resp;

namespace Feast.Redis;

/// <summary>
/// One <c>WriteBatchAsync</c> over direct node connections: the batch's rows are split by the node that owns their key,
/// and each node gets its own pipeline of command blocks (HSET of the view's fields and <c>_ts:{view}</c>, EXPIRE when
/// a TTL is set), with the next block's <c>_ts</c> reads sent ahead of the current block's writes when deduplicating.
/// </summary>
/// <remarks>
/// A key whose slot has moved (a MOVED or ASK reply while a cluster is being resharded) is not written here; its rows
/// are returned for the caller to write through the multiplexer, which follows redirections.
/// </remarks>
internal sealed class RedisBatchWriter(
    RespConnectionPool pool,
    CommandBlockPool blocks,
    RedisNodes nodes,
    OnlineWriteBatch batch,
    RedisOnlineStore.FieldSet fields,
    byte[] project,
    long? ttlSeconds,
    bool dedup)
{
    /// <summary>Writes the batch; returns the rows (batch order) that were redirected and are not written yet.</summary>
    /// <exception cref="RespConnectionException">A node could not be reached, or its connection broke or timed out.</exception>
    /// <exception cref="RedisCommandException">A node refused a command (other than a redirection).</exception>
    public async Task<List<int>> WriteAsync(CancellationToken cancellationToken)
    {
        if (!nodes.IsCluster)
            return await WriteNodeAsync(nodes.Nodes[0], null, batch.Count, cancellationToken).ConfigureAwait(false);

        var nodeOfRow = new int[batch.Count];
        var counts = new int[nodes.Nodes.Count];
        for (var row = 0; row < batch.Count; row++)
            counts[nodeOfRow[row] = nodes.NodeOf(batch.EntityKey(row), project)]++;
        var rowsOf = new int[counts.Length][];
        for (var node = 0; node < counts.Length; node++) rowsOf[node] = new int[counts[node]];
        var filled = new int[counts.Length];
        for (var row = 0; row < batch.Count; row++)
        {
            var node = nodeOfRow[row];
            rowsOf[node][filled[node]++] = row;
        }

        var writes = new List<Task<List<int>>>(counts.Length);
        for (var node = 0; node < counts.Length; node++)
        {
            if (counts[node] > 0) writes.Add(WriteNodeAsync(nodes.Nodes[node], rowsOf[node], counts[node], cancellationToken));
        }
        try
        {
            await Task.WhenAll(writes).ConfigureAwait(false);
        }
        catch
        {
            // Report the first node's failure; the others' are observed (each node's own message names it).
            var failed = writes.First(w => w.IsFaulted || w.IsCanceled);
            await failed.ConfigureAwait(false);
            throw;
        }
        var redirected = writes.SelectMany(w => w.Result).ToList();
        redirected.Sort();
        return redirected;
    }

    /// <summary>
    /// Writes <paramref name="count"/> rows (<paramref name="rows"/>, or the first rows of the batch when null) to one
    /// node, in blocks of <see cref="RedisOnlineStore.ChunkRows"/> with at most
    /// <see cref="RedisOnlineStore.MaxChunksInFlight"/> awaiting their replies.
    /// </summary>
    private async Task<List<int>> WriteNodeAsync(System.Net.EndPoint node, int[]? rows, int count, CancellationToken cancellationToken)
    {
        var connection = await pool.RentAsync(node, cancellationToken).ConfigureAwait(false);
        var finished = false;
        var redirected = new List<int>();
        var spare = new Stack<CommandBlock>();
        try
        {
            var seen = dedup ? new Dictionary<byte[], KeyState>(Math.Min(count, RedisOnlineStore.ChunkRows * 4), ByteArrayComparer.Instance) : null;
            var inFlight = new Queue<(Task<RespReplies> Replies, CommandBlock Block)>(RedisOnlineStore.MaxChunksInFlight);
            (Task<RespReplies> Replies, CommandBlock Block)? reads = seen is null ? null : SendReads(connection, Take(spare), rows, 0, Math.Min(count, RedisOnlineStore.ChunkRows), seen);
            for (var start = 0; start < count; start += RedisOnlineStore.ChunkRows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var end = Math.Min(count, start + RedisOnlineStore.ChunkRows);
                if (seen is not null && reads is var (readReplies, readBlock))
                {
                    ApplyReads(await readReplies.WaitAsync(cancellationToken).ConfigureAwait(false), readBlock, seen);
                    spare.Push(readBlock);
                    // The next block's stored times are read before this block is written: a key first seen in the
                    // next block is in no earlier block, so no write of this batch reaches it before its read.
                    if (end < count) reads = SendReads(connection, Take(spare), rows, end, Math.Min(count, end + RedisOnlineStore.ChunkRows), seen);
                }
                var block = BuildWrites(Take(spare), rows, start, end, seen, redirected);
                inFlight.Enqueue((connection.Send(block.Buffer.Written, block.Buffer.Commands, false), block));
                while (inFlight.Count >= RedisOnlineStore.MaxChunksInFlight)
                    Collect(await Dequeue(inFlight, cancellationToken).ConfigureAwait(false), redirected, spare);
            }
            while (inFlight.Count > 0)
                Collect(await Dequeue(inFlight, cancellationToken).ConfigureAwait(false), redirected, spare);
            finished = true;
            return redirected;
        }
        finally
        {
            // A connection left with replies unread (an error, a cancellation) is in an unknown state: closed, not reused.
            // Blocks still in flight then are dropped with it; the idle ones go back for the next write.
            if (finished) await pool.ReturnAsync(connection).ConfigureAwait(false);
            else await connection.DisposeAsync().ConfigureAwait(false);
            while (spare.TryPop(out var block)) blocks.Return(block);
        }
    }

    private static async Task<(RespReplies Replies, CommandBlock Block)> Dequeue(Queue<(Task<RespReplies> Replies, CommandBlock Block)> inFlight, CancellationToken cancellationToken)
    {
        var (replies, block) = inFlight.Dequeue();
        return (await replies.WaitAsync(cancellationToken).ConfigureAwait(false), block);
    }

    private CommandBlock Take(Stack<CommandBlock> spare)
    {
        if (!spare.TryPop(out var block)) return blocks.Rent();
        block.Clear();
        return block;
    }

    /// <summary>Sends an HGET of <c>_ts:{view}</c> for each key of rows [start, end) not seen earlier, and registers those keys.</summary>
    private (Task<RespReplies>, CommandBlock) SendReads(RespConnection connection, CommandBlock block, int[]? rows, int start, int end, Dictionary<byte[], KeyState> seen)
    {
        var buffer = block.Buffer;
        for (var i = start; i < end; i++)
        {
            var row = rows is null ? i : rows[i];
            var entityKey = batch.EntityKey(row);
            ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(seen, entityKey, out var exists);
            if (exists) continue;
            state = new KeyState { Stored = long.MinValue, Queued = long.MinValue };
            buffer.Command(3);
            buffer.Argument("HGET"u8);
            buffer.Argument(entityKey, project);
            buffer.Argument(fields.TimestampBytes);
            block.Add(row);
        }
        return (connection.Send(buffer.Written, buffer.Commands, keepBulks: true), block);
    }

    private void ApplyReads(RespReplies replies, CommandBlock block, Dictionary<byte[], KeyState> seen)
    {
        foreach (var (index, message) in replies.Errors)
        {
            if (!RespReplies.IsRedirect(message)) throw new RedisCommandException(message);
            CollectionsMarshal.GetValueRefOrNullRef(seen, batch.EntityKey(block.Row(index))).Redirected = true;
        }
        for (var i = 0; i < replies.Count; i++)
        {
            if (replies.Bulk(i) is not { } stored) continue;
            ref var state = ref CollectionsMarshal.GetValueRefOrNullRef(seen, batch.EntityKey(block.Row(i)));
            state.HasStored = true;
            state.Stored = RedisOnlineStore.ReadTimestamp(stored);
        }
    }

    /// <summary>The HSETs (and EXPIREs) of rows [start, end) that are to be written (Feast's dedup rule, rows of one key in batch order).</summary>
    private CommandBlock BuildWrites(CommandBlock block, int[]? rows, int start, int end, Dictionary<byte[], KeyState>? seen, List<int> redirected)
    {
        var buffer = block.Buffer;
        var features = fields.FeatureBytes;
        for (var i = start; i < end; i++)
        {
            var row = rows is null ? i : rows[i];
            var entityKey = batch.EntityKey(row);
            var timestamp = batch.EventTimestamp(row);
            if (seen is not null)
            {
                ref var state = ref CollectionsMarshal.GetValueRefOrNullRef(seen, entityKey);
                if (state.Redirected)
                {
                    redirected.Add(row);
                    continue;
                }
                if (!state.Admit(RedisLayout.ToNanos(timestamp))) continue;
            }
            buffer.Command(2 + 2 * (features.Length + 1));
            buffer.Argument("HSET"u8);
            buffer.Argument(entityKey, project);
            buffer.Argument(fields.TimestampBytes);
            buffer.TimestampArgument(timestamp);
            if (batch.HasSerializedValues)
            {
                for (var f = 0; f < features.Length; f++)
                {
                    buffer.Argument(features[f]);
                    batch.TryGetSerializedValue(row, f, out var bytes);
                    buffer.Argument(bytes);
                }
            }
            else
            {
                var values = batch.Values(row);
                for (var f = 0; f < features.Length; f++)
                {
                    buffer.Argument(features[f]);
                    buffer.ValueArgument(values[f]);
                }
            }
            block.Add(row);
            if (ttlSeconds is { } seconds)
            {
                buffer.Command(3);
                buffer.Argument("EXPIRE"u8);
                buffer.Argument(entityKey, project);
                buffer.Argument(seconds);
                block.Add(row);
            }
        }
        return block;
    }

    private static void Collect((RespReplies Replies, CommandBlock Block) done, List<int> redirected, Stack<CommandBlock> spare)
    {
        foreach (var (index, message) in done.Replies.Errors)
        {
            if (!RespReplies.IsRedirect(message)) throw new RedisCommandException(message);
            var row = done.Block.Row(index);
            if (redirected.Count == 0 || redirected[^1] != row) redirected.Add(row); // an HSET and its EXPIRE name the same row
        }
        spare.Push(done.Block);
    }
}

/// <summary>A block of commands and, per command, the batch row it is for.</summary>
internal sealed class CommandBlock
{
    private int[] _rows = new int[256];
    private int _count;

    public RespCommandBuffer Buffer { get; } = new(16 * 1024);

    public void Add(int row)
    {
        if (_count == _rows.Length) Array.Resize(ref _rows, _rows.Length * 2);
        _rows[_count++] = row;
    }

    public int Row(int command) => _rows[command];

    public void Clear()
    {
        Buffer.Clear();
        _count = 0;
    }
}

/// <summary>
/// A store's spare command blocks: writes take them and give them back, so the buffers grown for one batch (half a
/// megabyte for 2,048 rows of ten features) serve the next instead of being allocated per write.
/// </summary>
internal sealed class CommandBlockPool
{
    private const int MaxKept = 32;
    private const int MaxKeptBytes = 4 * 1024 * 1024;

    private readonly System.Collections.Concurrent.ConcurrentBag<CommandBlock> _free = [];

    public CommandBlock Rent()
    {
        if (!_free.TryTake(out var block)) return new CommandBlock();
        block.Clear();
        return block;
    }

    public void Return(CommandBlock block)
    {
        if (_free.Count < MaxKept && block.Buffer.Capacity <= MaxKeptBytes) _free.Add(block);
    }
}

/// <summary>
/// Per key of a batch being written: its stored event time and the newest row queued for it (nanoseconds), and whether
/// its slot turned out to be on another node.
/// </summary>
internal struct KeyState
{
    public bool HasStored;
    public long Stored;
    public long Queued;
    public bool Redirected;
    public bool HasQueued;

    /// <summary>
    /// Feast's rule: a row is skipped when the key already holds an event time for the view and the row is not newer
    /// than both that time and any row of the same key queued earlier in the batch. Beyond Feast, a row older than one
    /// of the same key queued earlier in the batch is skipped too, so an older row never replaces a newer one even
    /// within a batch (as in the SQLite and PostgreSQL stores). Records an admitted row.
    /// </summary>
    public bool Admit(long nanos)
    {
        if (HasStored && nanos <= Math.Max(Stored, Queued)) return false;
        if (HasQueued && nanos < Queued) return false;
        Queued = Math.Max(Queued, nanos);
        HasQueued = true;
        return true;
    }
}

/// <summary>A Redis node answered a command with an error (other than a cluster redirection).</summary>
internal sealed class RedisCommandException(string message) : Exception(message);
