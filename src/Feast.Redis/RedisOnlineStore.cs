using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Feast.Configuration;
using Feast.Online;
using Feast.Redis.Resp;
using Feast.Protos.Types;
using Google.Protobuf;
using StackExchange.Redis;
using RedisType = Feast.Configuration.RedisType;

namespace Feast.Redis;

/// <summary>
/// The Redis and Redis Cluster online store in Python Feast's layout: one hash per (entity key, project), keyed by the
/// serialized entity key followed by the project name; per feature a field named by the MurmurHash3 of
/// <c>"{view}:{feature}"</c> holding the serialized <c>Value</c>; per view a field <c>_ts:{view}</c> holding the
/// event time. A Redis written by Python Feast is served as is, and the other way round.
/// </summary>
/// <remarks>
/// One StackExchange.Redis multiplexer per store, connected on first use, for reads, deletions and the cluster's slot
/// map. Reads issue one HMGET per key and await them together, so a request is one pipelined round trip per node.
/// Writes go over the store's own RESP connections (a small pool per node): each node gets its share of the batch as
/// blocks of pipelined HSETs, with a bounded number of blocks in flight, written straight from the rows without a
/// per-command object. Unless <c>skip_dedup</c> is set, a write first reads each key's <c>_ts:{view}</c> and skips
/// rows that are not newer, as Feast does.
/// </remarks>
public sealed class RedisOnlineStore : IOnlineStore
{
    /// <summary>Entity rows per pipelined chunk of a write.</summary>
    internal const int ChunkRows = 2048;

    /// <summary>Write chunks awaiting their replies at once: bounds memory on large batches while keeping the pipe full.</summary>
    internal const int MaxChunksInFlight = 4;

    /// <summary>Keys per pipelined step of a view deletion.</summary>
    private const int DeletePageSize = 1000;

    private const int MaxCachedFieldSets = 1024;

    /// <summary>Requested fields per key from which a read takes the whole hash (HGETALL) instead of HMGET.</summary>
    internal const int WholeHashFields = 64;

    /// <summary>Fields past which Redis stores a hash as a hash table (its default <c>hash-max-listpack-entries</c>).</summary>
    private const int LargeHashFields = 512;

    private readonly RedisOnlineStoreOptions _options;
    private readonly ConfigurationOptions _configuration;
    private readonly int _keyVersion;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly ConcurrentDictionary<string, byte[]> _projects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string View, string Features), FieldSet> _fieldSets = new();
    private readonly ConcurrentDictionary<string, byte> _largeHashes = new(StringComparer.Ordinal);
    private readonly RespConnectionPool _pool;
    private readonly CommandBlockPool _blocks = new();
    private ConnectionMultiplexer? _connection;
    private volatile RedisNodes? _nodes;
    private volatile bool _disposed;

    /// <summary>Creates the store for <paramref name="options"/>; nothing is connected until the first call.</summary>
    /// <param name="options">The <c>online_store</c> section of <c>feature_store.yaml</c>.</param>
    /// <param name="entityKeySerializationVersion">The configuration's <c>entity_key_serialization_version</c> (keys arrive serialized with it).</param>
    /// <exception cref="FeastConfigException">The connection string is malformed, <c>key_ttl_seconds</c> is not positive, or <c>sentinel_master</c> is empty.</exception>
    public RedisOnlineStore(RedisOnlineStoreOptions options, int entityKeySerializationVersion = 3)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.KeyTtlSeconds is <= 0)
            throw new FeastConfigException($"feature_store.yaml: online_store.key_ttl_seconds must be a positive number of seconds, not {options.KeyTtlSeconds}.");
        _options = options;
        _configuration = RedisConnectionSettings.Parse(options, out var trustAnyCertificate);
        _pool = new RespConnectionPool(RedisConnectionSettings.Direct(_configuration, trustAnyCertificate));
        _keyVersion = entityKeySerializationVersion;
        Endpoints = RedisConnectionSettings.Describe(_configuration);
    }

    /// <inheritdoc/>
    /// <remarks>Two: each write has its own connection per node, so the next batch is built and sent while the previous
    /// one's replies come back.</remarks>
    public int MaterializationWritesInFlight => 2;

    /// <inheritdoc/>
    /// <remarks>Yes: serialized values are the hash fields' bytes, copied to the socket as they are.</remarks>
    public bool AcceptsSerializedValues => true;

    /// <summary>The configured servers (<c>host:port,…</c>, no credentials), as error messages name them.</summary>
    public string Endpoints { get; }

    private string Kind => _options.RedisType switch
    {
        RedisType.RedisCluster => "Redis Cluster",
        RedisType.RedisSentinel => $"Redis master '{_options.SentinelMaster}' of the sentinels",
        _ => "Redis server",
    };

    /// <inheritdoc/>
    public string DescribeStorage(string project, FeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return $"Redis hashes (project {project}, fields {view.Name}:*)";
    }

    /// <inheritdoc/>
    /// <remarks>Redis needs no tables: nothing is created. Deleted views lose their fields (a SCAN of the project's keys
    /// on every master) when <c>full_scan_for_deletion</c> is on, as in Feast.</remarks>
    public async Task UpdateAsync(string project, IReadOnlyList<FeatureView> viewsToKeep, IReadOnlyList<FeatureView> viewsToDelete,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(viewsToKeep);
        ArgumentNullException.ThrowIfNull(viewsToDelete);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (viewsToDelete.Count == 0 || !_options.FullScanForDeletion) return;
        await DeleteViewsAsync(project, viewsToDelete, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task TeardownAsync(string project, IReadOnlyList<FeatureView> views, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(views);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        return views.Count == 0 ? Task.CompletedTask : DeleteViewsAsync(project, views, cancellationToken);
    }

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

    /// <summary>Where each key goes: the server, or the cluster's slot map as the multiplexer last saw it.</summary>
    private RedisNodes Nodes(ConnectionMultiplexer connection)
    {
        if (NodesOverride is { } forced) return forced;
        if (_nodes is { } known) return known;
        return _nodes = _options.RedisType == RedisType.RedisCluster ? RedisNodes.Cluster(connection) : RedisNodes.Single(connection);
    }

    /// <summary>Tests: a slot map to write with instead of the cluster's (e.g. a stale one, to exercise redirections).</summary>
    internal RedisNodes? NodesOverride { get; set; }

    /// <inheritdoc/>
    /// <remarks>
    /// One HMGET per key (the features' fields and <c>_ts:{view}</c>), all issued before any reply is awaited. A key
    /// whose hash holds nothing for the view is not found (Feast's Python store reports it PRESENT with null values;
    /// see docs/compatibility.md).
    /// </remarks>
    public async Task<OnlineReadResult> ReadAsync(string project, FeatureView view, IReadOnlyList<byte[]> entityKeys, IReadOnlyList<string> featureNames,
        CancellationToken cancellationToken = default) =>
        (await ReadManyAsync(project, [new OnlineViewRead(view, entityKeys, featureNames)], cancellationToken).ConfigureAwait(false))[0];

    /// <inheritdoc/>
    /// <remarks>
    /// Every view of an entity lives in the entity's one hash, so reads sharing their keys are one HMGET per key of all
    /// their fields (each view's features and <c>_ts:{view}</c>): a request for 25 views of 100 entities is 100
    /// commands, not 2,500, all pipelined before any reply is awaited.
    /// </remarks>
    public async Task<OnlineReadResult[]> ReadManyAsync(string project, IReadOnlyList<OnlineViewRead> reads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(reads);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var results = new OnlineReadResult[reads.Count];
        // Reads of the same entity keys (the same list) go together.
        var groups = new List<(IReadOnlyList<byte[]> Keys, List<int> Reads)>();
        for (var r = 0; r < reads.Count; r++)
        {
            var read = reads[r] ?? throw new ArgumentException("A read is null.", nameof(reads));
            foreach (var key in read.EntityKeys)
                ArgumentNullException.ThrowIfNull(key, nameof(reads));
            results[r] = new OnlineReadResult(read.EntityKeys.Count, read.FeatureNames);
            if (read.EntityKeys.Count == 0) continue;
            var group = groups.FindIndex(g => ReferenceEquals(g.Keys, read.EntityKeys));
            if (group >= 0) groups[group].Reads.Add(r);
            else groups.Add((read.EntityKeys, [r]));
        }
        if (groups.Count == 0) return results;

        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var projectBytes = ProjectBytes(project);
        var replies = new Task<RedisValue[]>[groups.Count][];
        var wholeHashes = new Task<HashEntry[]>[groups.Count][];
        var signatures = new string[groups.Count];
        var groupFields = new RedisValue[groups.Count][];
        var fieldSets = new FieldSet[reads.Count];
        try
        {
            var commands = groups.Sum(g => g.Keys.Count);
            IDatabaseAsync pipe = commands == 1 ? database : database.CreateBatch();
            for (var g = 0; g < groups.Count; g++)
            {
                var (keys, members) = groups[g];
                RedisValue[] fields;
                if (members.Count == 1)
                {
                    fields = (fieldSets[members[0]] = Fields(reads[members[0]].View.Name, reads[members[0]].FeatureNames)).ReadFields;
                }
                else
                {
                    var all = new List<RedisValue>();
                    foreach (var r in members) all.AddRange((fieldSets[r] = Fields(reads[r].View.Name, reads[r].FeatureNames)).ReadFields);
                    fields = [.. all];
                }
                groupFields[g] = fields;
                if (fields.Length >= WholeHashFields && !_largeHashes.ContainsKey(signatures[g] = GroupSignature(reads, members)))
                {
                    // Many fields of a hash Redis keeps as a listpack (up to 512 fields by default, 128 in the shipped
                    // redis.conf): HMGET searches the list once per field, HGETALL walks it once.
                    wholeHashes[g] = new Task<HashEntry[]>[keys.Count];
                    for (var row = 0; row < keys.Count; row++)
                        wholeHashes[g][row] = pipe.HashGetAllAsync(Key(keys[row], projectBytes));
                    continue;
                }
                replies[g] = new Task<RedisValue[]>[keys.Count];
                for (var row = 0; row < keys.Count; row++)
                    replies[g][row] = pipe.HashGetAsync(Key(keys[row], projectBytes), fields);
            }
            (pipe as IBatch)?.Execute();
            await Task.WhenAll(replies.Where(r => r is not null).SelectMany(r => r).Cast<Task>()
                .Concat(wholeHashes.Where(w => w is not null).SelectMany(w => w))).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            var names = string.Join(", ", reads.Select(r => r.View.Name).Distinct().Take(5)) + (reads.Count > 5 ? ", …" : "");
            throw Failure($"Reading feature view{(reads.Count > 1 ? "s" : "")} {names} (project {project}) from", e, "");
        }

        for (var g = 0; g < groups.Count; g++)
        {
            var values = wholeHashes[g] is { } whole ? Pick(whole, groupFields[g], signatures[g]) : replies[g].Select(r => r.Result).ToArray();
            var offset = 0;
            foreach (var r in groups[g].Reads)
            {
                var result = results[r];
                var featureCount = reads[r].FeatureNames.Count;
                for (var row = 0; row < values.Length; row++)
                    Fill(result, row, values[row], offset, featureCount);
                offset += fieldSets[r].ReadFields.Length;
            }
        }
        return results;
    }

    /// <summary>Requested fields (in request order) picked out of whole hashes; a field the hash lacks is null.</summary>
    private RedisValue[][] Pick(Task<HashEntry[]>[] hashes, RedisValue[] fields, string signature)
    {
        // Feature fields are 4-byte hashes, looked up as integers; the _ts:{view} fields by content. A field asked for
        // twice (the same view in two projections) chains to its next position.
        var features = new Dictionary<int, int>(fields.Length);
        var others = new Dictionary<byte[], int>(ByteArrayComparer.Instance);
        var next = new int[fields.Length];
        for (var i = fields.Length - 1; i >= 0; i--)
        {
            var name = (byte[])fields[i]!;
            if (name.Length == 4)
            {
                var number = BinaryPrimitives.ReadInt32LittleEndian(name);
                next[i] = features.TryGetValue(number, out var later) ? later : -1;
                features[number] = i;
            }
            else
            {
                next[i] = others.TryGetValue(name, out var later) ? later : -1;
                others[name] = i;
            }
        }
        var lookup = others.GetAlternateLookup<ReadOnlySpan<byte>>();
        var values = new RedisValue[hashes.Length][];
        var largest = 0;
        for (var row = 0; row < hashes.Length; row++)
        {
            var entries = hashes[row].Result;
            largest = Math.Max(largest, entries.Length);
            var picked = values[row] = new RedisValue[fields.Length];
            foreach (var entry in entries)
            {
                var name = ((ReadOnlyMemory<byte>)entry.Name).Span;
                int at;
                if (name.Length == 4 ? !features.TryGetValue(BinaryPrimitives.ReadInt32LittleEndian(name), out at) : !lookup.TryGetValue(name, out at)) continue;
                for (; at >= 0; at = next[at]) picked[at] = entry.Value;
            }
        }
        // Past 512 fields Redis keeps a hash as a hash table, where HMGET is cheap per field and HGETALL sends every
        // field: these views' keys are read with HMGET from now on.
        if (largest > LargeHashFields && _largeHashes.Count < MaxCachedFieldSets) _largeHashes.TryAdd(signature, 0);
        return values;
    }

    /// <summary>Tests: whether reads of these views now use HMGET because their hashes turned out large.</summary>
    internal bool ReadsFieldByField(params string[] views) => _largeHashes.ContainsKey(string.Join('\0', views));

    private static string GroupSignature(IReadOnlyList<OnlineViewRead> reads, List<int> members) =>
        members.Count == 1 ? reads[members[0]].View.Name : string.Join('\0', members.Select(r => reads[r].View.Name));

    /// <summary>One key's values of one view: <paramref name="featureCount"/> fields from <paramref name="offset"/>, then its <c>_ts</c>.</summary>
    private static void Fill(OnlineReadResult result, int row, RedisValue[] values, int offset, int featureCount)
    {
        var any = false;
        for (var f = 0; f < featureCount; f++)
        {
            var stored = values[offset + f];
            if (stored.IsNull) continue;
            any = true;
            var bytes = (ReadOnlyMemory<byte>)stored;
            result.SetValue(row, f, bytes.IsEmpty ? new Value() : Value.Parser.ParseFrom(bytes.Span));
        }
        var timestamp = values[offset + featureCount];
        if (!timestamp.IsNull)
            result.SetFound(row, RedisLayout.FromNanos(ReadTimestamp(((ReadOnlyMemory<byte>)timestamp).Span)));
        else if (any)
            result.SetFound(row, DateTimeOffset.UnixEpoch); // values without a _ts field: Feast reads epoch 0 too
    }

    internal static long ReadTimestamp(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return RedisLayout.ReadTimestampNanos(bytes);
        }
        catch (FormatException e)
        {
            throw new FeastException($"A _ts field in Redis does not hold a protobuf Timestamp ({e.Message}); was the key written by something other than Feast?", e);
        }
    }

    /// <summary>
    /// Feast's <c>delete_table</c>: SCAN every master for the project's keys of the views' join keys; a hash whose only
    /// view is the deleted one is deleted, otherwise the view's fields and <c>_ts:{view}</c> are removed.
    /// </summary>
    private async Task DeleteViewsAsync(string project, IReadOnlyList<FeatureView> views, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
        var database = connection.GetDatabase();
        var projectBytes = ProjectBytes(project);
        var current = "";
        try
        {
            foreach (var view in views)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var joinKeys = view.JoinKeys.ToList();
                if (joinKeys.Count == 0) joinKeys.Add(Entity.DummyJoinKey);
                var pattern = RedisLayout.ScanPattern(joinKeys, project, _keyVersion);
                var fields = Fields(view.Name, [.. view.Features.Select(f => f.Name)]);
                foreach (var server in connection.GetServers())
                {
                    if (server.IsReplica) continue;
                    current = RedisConnectionSettings.Format(server.EndPoint);
                    if (!server.IsConnected)
                        throw new FeastException($"The Redis node {current} is not connected, so feature view {view.Name} cannot be deleted from it. Check that the node is running, then run the command again.");
                    var page = new List<RedisKey>(DeletePageSize);
                    await foreach (var key in server.KeysAsync(database.Database, pattern, DeletePageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
                    {
                        if (!IsKeyOf((byte[])key!, projectBytes)) continue;
                        page.Add(key);
                        if (page.Count < DeletePageSize) continue;
                        await DeleteFieldsAsync(database, page, fields).WaitAsync(cancellationToken).ConfigureAwait(false);
                        page.Clear();
                    }
                    if (page.Count > 0) await DeleteFieldsAsync(database, page, fields).WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw Failure($"Deleting feature views of project {project} ({(current.Length > 0 ? "at node " + current + " " : "")}) from", e,
                " Some keys may be cleaned already; running the command again is safe.");
        }
    }

    private static async Task DeleteFieldsAsync(IDatabase database, List<RedisKey> keys, FieldSet fields)
    {
        var tsPrefix = "_ts:"u8.ToArray();
        var names = keys.Select(k => database.HashKeysAsync(k)).ToArray();
        await Task.WhenAll(names).ConfigureAwait(false);
        var changes = new List<Task>(keys.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            var views = 0;
            var ours = false;
            foreach (var name in names[i].Result)
            {
                var bytes = ((ReadOnlyMemory<byte>)name).Span;
                if (!bytes.StartsWith(tsPrefix)) continue;
                views++;
                ours |= bytes.SequenceEqual(fields.TimestampBytes);
            }
            if (!ours) continue;
            changes.Add(views == 1 ? database.KeyDeleteAsync(keys[i]) : database.HashDeleteAsync(keys[i], fields.ReadFields));
        }
        await Task.WhenAll(changes).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether <paramref name="key"/> is exactly an entity key followed by the project: the SCAN pattern
    /// <c>prefix*project</c> also matches the keys of a project whose name ends with this one's.
    /// </summary>
    private bool IsKeyOf(byte[] key, byte[] project)
    {
        if (!key.AsSpan().EndsWith(project)) return false;
        return _keyVersion < 3 || EntityKeyLength(key) == key.Length - project.Length;
    }

    /// <summary>The length of the version-3 entity key at the start of <paramref name="bytes"/>, or -1.</summary>
    internal static int EntityKeyLength(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4) return -1;
        var count = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if (count > 1024) return -1;
        var at = 4;
        // Per join key: type and length and name; then per value: type and length and payload.
        for (var part = 0; part < 2 * count; part++)
        {
            if (bytes.Length - at < 8) return -1;
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(at + 4)..]);
            at += 8;
            if ((uint)(bytes.Length - at) < length) return -1;
            at += (int)length;
        }
        return at;
    }

    private FieldSet Fields(string view, IReadOnlyList<string> features)
    {
        var signature = features.Count == 1 ? features[0] : string.Join('\0', features);
        if (_fieldSets.TryGetValue((view, signature), out var cached)) return cached;
        if (_fieldSets.Count >= MaxCachedFieldSets) _fieldSets.Clear();
        return _fieldSets.GetOrAdd((view, signature), _ => new FieldSet(view, features));
    }

    private byte[] ProjectBytes(string project) => _projects.GetOrAdd(project, p => Encoding.UTF8.GetBytes(p));

    private static RedisKey Key(byte[] entityKey, byte[] project)
    {
        var key = new byte[entityKey.Length + project.Length];
        entityKey.CopyTo(key, 0);
        project.CopyTo(key, entityKey.Length);
        return key;
    }

    private async Task<IDatabase> DatabaseAsync(CancellationToken cancellationToken) =>
        (await ConnectionAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();

    private async Task<ConnectionMultiplexer> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } connection) return connection;
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is not null) return _connection;
            try
            {
                var connecting = ConnectionMultiplexer.ConnectAsync(_configuration.Clone());
                try
                {
                    _connection = await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
                    // The writers' slot map is read again after the multiplexer sees the cluster change.
                    _connection.HashSlotMoved += (_, _) => _nodes = null;
                    _connection.ConfigurationChanged += (_, _) => _nodes = null;
                }
                catch (OperationCanceledException)
                {
                    _ = connecting.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                    throw;
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                throw new RedisOnlineStoreException(
                    $"Could not connect to the {Kind} at {Endpoints}: {e.Message} Check that it is running and reachable, and online_store.connection_string in feature_store.yaml (host:port, password, ssl).",
                    Endpoints, e);
            }
            if (_options.RedisType == RedisType.RedisCluster && !_connection.GetServers().Any(s => s.ServerType == ServerType.Cluster))
            {
                await _connection.DisposeAsync().ConfigureAwait(false);
                _connection = null;
                throw new FeastConfigException(
                    $"feature_store.yaml: online_store.redis_type is redis_cluster, but {Endpoints} is not a Redis Cluster (cluster_enabled is off). Use redis_type: redis, or point connection_string at the cluster's nodes.");
            }
            return _connection;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private RedisOnlineStoreException Failure(string what, Exception e, string advice) =>
        new($"{what} the {Kind} at {Endpoints} failed: {e.Message} Check that the {(_options.RedisType == RedisType.RedisCluster ? "cluster's nodes are" : "server is")} running and reachable.{advice}",
            Endpoints, e);

    // A failed chunk's siblings may fail too; their exceptions are observed here so they do not surface later.
    private static void Observe(Queue<Task> tasks, List<(byte[] Key, Task<RedisValue> Read)>? reads)
    {
        foreach (var task in tasks.Concat(reads?.Select(r => (Task)r.Read) ?? []))
            _ = task.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _connectLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_connection is { } connection) await connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
            await _pool.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>The hash fields of one view and feature list, computed once.</summary>
    internal sealed class FieldSet
    {
        public FieldSet(string view, IReadOnlyList<string> features)
        {
            Features = new RedisValue[features.Count];
            FeatureBytes = new byte[features.Count][];
            ReadFields = new RedisValue[features.Count + 1];
            for (var i = 0; i < features.Count; i++) Features[i] = ReadFields[i] = FeatureBytes[i] = RedisLayout.FeatureField(view, features[i]);
            TimestampBytes = RedisLayout.TimestampField(view);
            Timestamp = ReadFields[features.Count] = TimestampBytes;
        }

        /// <summary>The feature fields, in feature order.</summary>
        public RedisValue[] Features { get; }

        /// <summary>The feature fields as bytes, in feature order.</summary>
        public byte[][] FeatureBytes { get; }

        /// <summary>The feature fields then <c>_ts:{view}</c>: what a read asks for and what a deletion removes.</summary>
        public RedisValue[] ReadFields { get; }

        public RedisValue Timestamp { get; }

        public byte[] TimestampBytes { get; }
    }
}
