using System.Text;

namespace Feast.Configuration;

/// <summary>
/// The <c>online_store:</c> section of <c>feature_store.yaml</c>. One derived type per supported store type;
/// <see cref="RepoConfig.OnlineStore"/> is null when the yaml says <c>online_store: null</c> or <c>"none"</c>.
/// </summary>
public abstract record OnlineStoreOptions
{
    /// <summary>The short store type as Feast names it (<c>sqlite</c>, <c>redis</c>, <c>postgres</c>, <c>remote</c>).</summary>
    public abstract string Type { get; }

    /// <summary>
    /// Feast.NET's opt-in <c>enforce_ttl</c>: online reads report values older than their feature view's ttl as
    /// <c>OUTSIDE_MAX_AGE</c> (with a null value), as Feast's Go server does. Python Feast ignores ttl online and does
    /// not know this key, so leave it out of a yaml Python Feast must also read.
    /// </summary>
    public bool EnforceTtl { get; init; }
}

/// <summary>The SQLite online store (<c>type: sqlite</c>): one database file, one table per feature view.</summary>
public sealed record SqliteOnlineStoreOptions : OnlineStoreOptions
{
    /// <summary>The default database path, relative to the repo directory.</summary>
    public const string DefaultPath = "data/online.db";

    /// <inheritdoc/>
    public override string Type => "sqlite";

    /// <summary>
    /// The database file as written in the yaml (yaml <c>path</c>); resolve it with
    /// <see cref="RepoConfig.ResolvePath(string)"/>.
    /// </summary>
    public string Path { get; init; } = DefaultPath;

    /// <summary>Store vectors for similarity search (yaml <c>vector_enabled</c>).</summary>
    public bool VectorEnabled { get; init; }

    /// <summary>The length of vector features (yaml <c>vector_len</c>, 512).</summary>
    public int VectorLength { get; init; } = 512;

    /// <summary>The vector similarity metric (yaml <c>similarity</c>, <c>cosine</c>).</summary>
    public string Similarity { get; init; } = "cosine";

    /// <summary>
    /// Feast.NET's <c>last_write_wins</c>: every write replaces what is stored, even a value with a newer event
    /// timestamp (Feast's SQLite and PostgreSQL stores behave so). By default a row is written only when its event
    /// timestamp is newer than the stored one, or equal with a created timestamp that is not older, as Feast's Redis
    /// store refuses older rows: a materialization of old data running beside a push of fresh values cannot overwrite
    /// them. Python Feast does not know this key.
    /// </summary>
    public bool LastWriteWins { get; init; }

    /// <summary>Enable full-text search over string features (yaml <c>text_search_enabled</c>).</summary>
    public bool TextSearchEnabled { get; init; }

    /// <summary>Keep the <c>value_num</c> column for the OpenAI-compatible vector store API (yaml <c>enable_openai_compatible_store</c>).</summary>
    public bool EnableOpenaiCompatibleStore { get; init; }
}

/// <summary>The deployment shape of a Redis online store.</summary>
public enum RedisType
{
    /// <summary>A single server (yaml <c>redis</c>).</summary>
    Redis,

    /// <summary>A Redis Cluster (yaml <c>redis_cluster</c>).</summary>
    RedisCluster,

    /// <summary>Servers found through Redis Sentinel (yaml <c>redis_sentinel</c>).</summary>
    RedisSentinel,
}

/// <summary>The Redis online store (<c>type: redis</c>): one hash per entity key and project.</summary>
public sealed record RedisOnlineStoreOptions : OnlineStoreOptions
{
    /// <inheritdoc/>
    public override string Type => "redis";

    /// <summary>The deployment shape (yaml <c>redis_type</c>).</summary>
    public RedisType RedisType { get; init; } = RedisType.Redis;

    /// <summary>
    /// <c>host:port[,host2:port2][,key=value…]</c> as Feast writes it (yaml <c>connection_string</c>,
    /// <c>localhost:6379</c>).
    /// </summary>
    public string ConnectionString { get; init; } = "localhost:6379";

    /// <summary>The Sentinel master name (yaml <c>sentinel_master</c>, <c>mymaster</c>).</summary>
    public string SentinelMaster { get; init; } = "mymaster";

    /// <summary>Expire entity hashes after this many seconds (yaml <c>key_ttl_seconds</c>); null never expires.</summary>
    public int? KeyTtlSeconds { get; init; }

    /// <summary>Scan the whole keyspace when deleting a feature view (yaml <c>full_scan_for_deletion</c>).</summary>
    public bool FullScanForDeletion { get; init; } = true;

    /// <summary>Write without first reading the stored event timestamp (yaml <c>skip_dedup</c>).</summary>
    public bool SkipDedup { get; init; }

    // Records print every property; a password inside the connection string must not reach logs.
    /// <inheritdoc/>
    protected override bool PrintMembers(StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (base.PrintMembers(builder))
        {
            builder.Append(", ");
        }

        builder.Append("RedisType = ").Append(RedisType)
            .Append(", ConnectionString = ").Append(Redaction.RedactConnectionString(ConnectionString))
            .Append(", SentinelMaster = ").Append(SentinelMaster)
            .Append(", KeyTtlSeconds = ").Append(KeyTtlSeconds)
            .Append(", FullScanForDeletion = ").Append(FullScanForDeletion)
            .Append(", SkipDedup = ").Append(SkipDedup);
        return true;
    }
}

/// <summary>The PostgreSQL online store (<c>type: postgres</c>): one table per feature view.</summary>
public sealed record PostgresOnlineStoreOptions : OnlineStoreOptions
{
    /// <inheritdoc/>
    public override string Type => "postgres";

    /// <summary>The connection settings shared with the Postgres offline store.</summary>
    public required PostgresConnectionOptions Connection { get; init; }

    /// <summary>The server host (yaml <c>host</c>).</summary>
    public string Host => Connection.Host;

    /// <summary>The server port (yaml <c>port</c>).</summary>
    public int Port => Connection.Port;

    /// <summary>The database name (yaml <c>database</c>).</summary>
    public string Database => Connection.Database;

    /// <summary>The schema holding the tables (yaml <c>db_schema</c>).</summary>
    public string DbSchema => Connection.DbSchema;

    /// <summary>The user name (yaml <c>user</c>).</summary>
    public string User => Connection.User;

    /// <summary>The password (yaml <c>password</c>).</summary>
    public string Password => Connection.Password;

    /// <summary>The libpq SSL mode (yaml <c>sslmode</c>).</summary>
    public string? SslMode => Connection.SslMode;

    /// <summary>The client key file (yaml <c>sslkey_path</c>).</summary>
    public string? SslKeyPath => Connection.SslKeyPath;

    /// <summary>The client certificate file (yaml <c>sslcert_path</c>).</summary>
    public string? SslCertPath => Connection.SslCertPath;

    /// <summary>The root certificate file (yaml <c>sslrootcert_path</c>).</summary>
    public string? SslRootCertPath => Connection.SslRootCertPath;

    /// <summary>Seconds of idle before TCP keepalives are sent (yaml <c>keepalives_idle</c>).</summary>
    public int? KeepalivesIdle => Connection.KeepalivesIdle;

    /// <summary>The smallest pool size (yaml <c>min_conn</c>).</summary>
    public int MinConn => Connection.MinConn;

    /// <summary>The largest pool size (yaml <c>max_conn</c>).</summary>
    public int MaxConn => Connection.MaxConn;

    /// <summary>One connection or a pool (yaml <c>conn_type</c>).</summary>
    public PostgresConnectionType ConnType => Connection.ConnType;

    /// <summary>Store vectors with pgvector (yaml <c>vector_enabled</c>).</summary>
    public bool VectorEnabled { get; init; }

    /// <inheritdoc cref="SqliteOnlineStoreOptions.LastWriteWins"/>
    public bool LastWriteWins { get; init; }

    /// <summary>The length of vector features (yaml <c>vector_len</c>, 512).</summary>
    public int VectorLength { get; init; } = 512;

    /// <summary>The vector similarity metric (yaml <c>similarity</c>, <c>cosine</c>).</summary>
    public string Similarity { get; init; } = "cosine";

    /// <summary>Keep the <c>value_num</c> column for the OpenAI-compatible vector store API (yaml <c>enable_openai_compatible_store</c>).</summary>
    public bool EnableOpenaiCompatibleStore { get; init; }

    /// <inheritdoc/>
    protected override bool PrintMembers(StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (base.PrintMembers(builder))
        {
            builder.Append(", ");
        }

        builder.Append("Connection = ").Append(Connection)
            .Append(", VectorEnabled = ").Append(VectorEnabled)
            .Append(", VectorLength = ").Append(VectorLength)
            .Append(", Similarity = ").Append(Similarity)
            .Append(", EnableOpenaiCompatibleStore = ").Append(EnableOpenaiCompatibleStore);
        return true;
    }
}

/// <summary>
/// The remote online store (<c>type: remote</c>): a client of a Feast feature server's HTTP API.
/// </summary>
public sealed record RemoteOnlineStoreOptions : OnlineStoreOptions
{
    /// <inheritdoc/>
    public override string Type => "remote";

    /// <summary>The feature server URL (yaml <c>path</c>, <c>http://localhost:6566</c>).</summary>
    public string Path { get; init; } = "http://localhost:6566";

    /// <summary>The server's public certificate for TLS (yaml <c>cert</c>).</summary>
    public string? Cert { get; init; }

    /// <summary>Pooled HTTP connections (yaml <c>connection_pool_size</c>, 50).</summary>
    public int ConnectionPoolSize { get; init; } = 50;

    /// <summary>Seconds before an idle pooled connection is closed (yaml <c>connection_idle_timeout</c>, 300).</summary>
    public int ConnectionIdleTimeout { get; init; } = 300;

    /// <summary>Retries of a failed request (yaml <c>connection_retries</c>, 3).</summary>
    public int ConnectionRetries { get; init; } = 3;
}
