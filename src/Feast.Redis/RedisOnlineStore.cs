// RedisOnlineStore: options, connections, key and field naming, disposal; reads, writes and schema are in RedisOnlineStore.*.cs.
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
public sealed partial class RedisOnlineStore : IOnlineStore
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

    /// <summary>Where each key goes: the server, or the cluster's slot map as the multiplexer last saw it.</summary>
    private RedisNodes Nodes(ConnectionMultiplexer connection)
    {
        if (NodesOverride is { } forced) return forced;
        if (_nodes is { } known) return known;
        return _nodes = _options.RedisType == RedisType.RedisCluster ? RedisNodes.Cluster(connection) : RedisNodes.Single(connection);
    }

    /// <summary>Tests: a slot map to write with instead of the cluster's (e.g. a stale one, to exercise redirections).</summary>
    internal RedisNodes? NodesOverride { get; set; }

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
