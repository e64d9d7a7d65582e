// RepoConfigBinder: the online store, offline store and batch engine sections; one file, so the shared PostgreSQL connection table is initialized before the stores that include it.
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Feast.Configuration;

internal static partial class RepoConfigBinder
{
    private static readonly PostgresConnectionOptions EmptyConnection =
        new() { Host = "", Database = "", User = "", Password = "" };

    // ---- online store --------------------------------------------------------------------------------------

    private static readonly OptionsSchema<PostgresConnectionOptions> PostgresConnection = new(() => EmptyConnection)
    {
        { "host", (c, v) => c with { Host = v.String() }, c => c.Host, true },
        { "port", (c, v) => c with { Port = v.Int32(1, 65535) }, c => c.Port },
        { "database", (c, v) => c with { Database = v.String() }, c => c.Database, true },
        { "db_schema", (c, v) => c with { DbSchema = v.String() }, c => c.DbSchema },
        { "user", (c, v) => c with { User = v.String() }, c => c.User, true },
        { "password", (c, v) => c with { Password = v.String() }, c => c.Password, true },
        // An explicit null turns SSL options off in libpq terms; print it so it survives a round trip.
        { "sslmode", (c, v) => c with { SslMode = v.OptionalString() }, c => c.SslMode ?? YamlScalars.Null },
        { "sslkey_path", (c, v) => c with { SslKeyPath = v.OptionalString() }, c => c.SslKeyPath },
        { "sslcert_path", (c, v) => c with { SslCertPath = v.OptionalString() }, c => c.SslCertPath },
        { "sslrootcert_path", (c, v) => c with { SslRootCertPath = v.OptionalString() }, c => c.SslRootCertPath },
        { "keepalives_idle", (c, v) => c with { KeepalivesIdle = v.OptionalInt32(min: 0) }, c => c.KeepalivesIdle },
        { "min_conn", (c, v) => c with { MinConn = v.Int32(min: 0) }, c => c.MinConn },
        { "max_conn", (c, v) => c with { MaxConn = v.Int32(min: 1) }, c => c.MaxConn },
        { "conn_type", (c, v) => c with { ConnType = v.Enum(ConfigNames.ConnectionTypes) }, c => ConfigNames.ConnectionTypes.NameOf(c.ConnType) },
    };

    private static readonly OptionsSchema<SqliteOnlineStoreOptions> SqliteOnlineStore = new(() => new())
    {
        { "type", Keep, o => o.Type },
        { "path", (o, v) => o with { Path = v.String() }, o => o.Path },
        { "vector_enabled", (o, v) => o with { VectorEnabled = v.OptionalBoolean() ?? false }, o => o.VectorEnabled },
        { "vector_len", (o, v) => o with { VectorLength = v.Int32(min: 1) }, o => o.VectorLength },
        { "similarity", (o, v) => o with { Similarity = v.String() }, o => o.Similarity },
        { "text_search_enabled", (o, v) => o with { TextSearchEnabled = v.Boolean() }, o => o.TextSearchEnabled },
        { "enable_openai_compatible_store", (o, v) => o with { EnableOpenaiCompatibleStore = v.Boolean() }, o => o.EnableOpenaiCompatibleStore },
        { "enforce_ttl", (o, v) => o with { EnforceTtl = v.Boolean() }, o => o.EnforceTtl },
        { "last_write_wins", (o, v) => o with { LastWriteWins = v.Boolean() }, o => o.LastWriteWins ? true : null },
    };

    private static readonly OptionsSchema<RedisOnlineStoreOptions> RedisOnlineStore = new(() => new())
    {
        { "type", Keep, o => o.Type },
        { "redis_type", (o, v) => o with { RedisType = v.Enum(ConfigNames.RedisTypes) }, o => ConfigNames.RedisTypes.NameOf(o.RedisType) },
        { "connection_string", (o, v) => o with { ConnectionString = v.String() }, o => o.ConnectionString },
        { "sentinel_master", (o, v) => o with { SentinelMaster = v.String() }, o => o.SentinelMaster },
        { "key_ttl_seconds", (o, v) => o with { KeyTtlSeconds = v.OptionalInt32(min: 1) }, o => o.KeyTtlSeconds },
        { "full_scan_for_deletion", (o, v) => o with { FullScanForDeletion = v.OptionalBoolean() ?? true }, o => o.FullScanForDeletion },
        { "skip_dedup", (o, v) => o with { SkipDedup = v.Boolean() }, o => o.SkipDedup },
        { "enforce_ttl", (o, v) => o with { EnforceTtl = v.Boolean() }, o => o.EnforceTtl },
    };

    private static readonly OptionsSchema<PostgresOnlineStoreOptions> PostgresOnlineStore = CreatePostgresOnlineStore();

    private static OptionsSchema<PostgresOnlineStoreOptions> CreatePostgresOnlineStore()
    {
        var schema = new OptionsSchema<PostgresOnlineStoreOptions>(() => new() { Connection = EmptyConnection })
        {
            { "type", Keep, o => o.Type },
        };
        schema.Include(PostgresConnection, o => o.Connection, (o, c) => o with { Connection = c });
        schema.Add("vector_enabled", (o, v) => o with { VectorEnabled = v.OptionalBoolean() ?? false }, o => o.VectorEnabled);
        schema.Add("vector_len", (o, v) => o with { VectorLength = v.Int32(min: 1) }, o => o.VectorLength);
        schema.Add("similarity", (o, v) => o with { Similarity = v.String() }, o => o.Similarity);
        schema.Add(
            "enable_openai_compatible_store",
            (o, v) => o with { EnableOpenaiCompatibleStore = v.Boolean() },
            o => o.EnableOpenaiCompatibleStore);
        schema.Add("enforce_ttl", (o, v) => o with { EnforceTtl = v.Boolean() }, o => o.EnforceTtl);
        schema.Add("last_write_wins", (o, v) => o with { LastWriteWins = v.Boolean() }, o => o.LastWriteWins ? true : null);
        return schema;
    }

    private static readonly OptionsSchema<RemoteOnlineStoreOptions> RemoteOnlineStore = new(() => new())
    {
        { "type", Keep, o => o.Type },
        { "path", (o, v) => o with { Path = v.String() }, o => o.Path },
        { "cert", (o, v) => o with { Cert = v.OptionalString() }, o => o.Cert },
        { "connection_pool_size", (o, v) => o with { ConnectionPoolSize = v.Int32(min: 1) }, o => o.ConnectionPoolSize },
        { "connection_idle_timeout", (o, v) => o with { ConnectionIdleTimeout = v.Int32(min: 0) }, o => o.ConnectionIdleTimeout },
        { "connection_retries", (o, v) => o with { ConnectionRetries = v.Int32(min: 0) }, o => o.ConnectionRetries },
    };

    private static readonly TypedSection<OnlineStoreOptions> OnlineStores = CreateOnlineStores();

    private static TypedSection<OnlineStoreOptions> CreateOnlineStores()
    {
        var section = new TypedSection<OnlineStoreOptions>("online store", "type", "sqlite", "OnlineStore", o => o.Type);
        section.Add("sqlite", SqliteOnlineStore, "feast.infra.online_stores.sqlite.SqliteOnlineStore");
        section.Add("redis", RedisOnlineStore, "feast.infra.online_stores.redis.RedisOnlineStore");
        section.Add(
            "postgres",
            PostgresOnlineStore,
            "feast.infra.online_stores.postgres_online_store.postgres.PostgreSQLOnlineStore",
            "feast.infra.online_stores.postgres_online_store.PostgreSQLOnlineStore",
            "feast.infra.online_stores.contrib.postgres.PostgreSQLOnlineStore");
        section.Add("remote", RemoteOnlineStore, "feast.infra.online_stores.remote.RemoteOnlineStore");
        section.AddUnsupported(
            "datastore", "dynamodb", "snowflake.online", "bigtable", "hbase", "cassandra", "scylladb", "mysql",
            "hazelcast", "ikv", "elasticsearch", "singlestore", "qdrant", "couchbase.online", "milvus", "mongodb",
            "hybrid", "aerospike");
        return section;
    }

    private static OnlineStoreOptions? BindOnlineStore(YamlValue value)
    {
        // Feast: `online_store: null`, or the strings "none"/"null" in any case, disable the online store.
        if (value.IsNull ||
            (value.Node is YamlScalarNode && value.String().ToUpperInvariant() is "NONE" or "NULL"))
        {
            return null;
        }

        return OnlineStores.Bind(value);
    }

    // ---- offline store -------------------------------------------------------------------------------------

    private static readonly OptionsSchema<DuckDbOfflineStoreOptions> DuckDbOfflineStore = new(() => new())
    {
        { "type", Keep, o => o.Type },
        { "staging_location", (o, v) => o with { StagingLocation = v.OptionalString() }, o => o.StagingLocation },
        { "staging_location_endpoint_override", (o, v) => o with { StagingLocationEndpointOverride = v.OptionalString() }, o => o.StagingLocationEndpointOverride },
    };

    // Feast's `file`/`dask` store has no options; Feast.NET serves it with DuckDB.
    private static readonly OptionsSchema<DuckDbOfflineStoreOptions> FileOfflineStore = new(() => new())
    {
        { "type", Keep, o => o.Type },
    };

    private static readonly OptionsSchema<PostgresOfflineStoreOptions> PostgresOfflineStore = CreatePostgresOfflineStore();

    private static OptionsSchema<PostgresOfflineStoreOptions> CreatePostgresOfflineStore()
    {
        var schema = new OptionsSchema<PostgresOfflineStoreOptions>(() => new() { Connection = EmptyConnection })
        {
            { "type", Keep, o => o.Type },
        };
        schema.Include(PostgresConnection, o => o.Connection, (o, c) => o with { Connection = c });
        schema.Add(
            "entity_select_mode",
            (o, v) => o with { EntitySelectMode = v.Enum(ConfigNames.EntitySelectModes) },
            o => ConfigNames.EntitySelectModes.NameOf(o.EntitySelectMode));
        return schema;
    }

    private static readonly TypedSection<OfflineStoreOptions> OfflineStores = CreateOfflineStores();

    private static TypedSection<OfflineStoreOptions> CreateOfflineStores()
    {
        var section = new TypedSection<OfflineStoreOptions>("offline store", "type", "dask", "OfflineStore", o => o.Type);
        section.Add("duckdb", DuckDbOfflineStore, "feast.infra.offline_stores.duckdb.DuckDBOfflineStore");
        section.AddAlias("dask", FileOfflineStore);
        section.AddAlias("file", FileOfflineStore);
        section.Add(
            "postgres",
            PostgresOfflineStore,
            "feast.infra.offline_stores.contrib.postgres_offline_store.postgres.PostgreSQLOfflineStore");
        section.AddUnsupported(
            "bigquery", "redshift", "snowflake.offline", "spark", "trino", "athena", "mssql", "remote",
            "couchbase.offline", "clickhouse", "ray", "oracle", "hybrid");
        return section;
    }

    // ---- batch engine --------------------------------------------------------------------------------------

    private static readonly OptionsSchema<BatchEngineConfig> LocalBatchEngine = new(() => new())
    {
        { "type", Keep, o => o.Type },
        { "backend", (o, v) => o with { Backend = v.Choice(["pandas", "polars"], allowNull: true) }, o => o.Backend },
    };

    private static readonly TypedSection<BatchEngineConfig> BatchEngines = CreateBatchEngines();

    private static TypedSection<BatchEngineConfig> CreateBatchEngines()
    {
        var section = new TypedSection<BatchEngineConfig>("batch engine", "type", "local", "Engine", o => o.Type);
        section.Add("local", LocalBatchEngine);
        section.AddUnsupported(
            "snowflake.engine", "lambda", "k8s", "spark.engine", "ray.engine", "flink.engine", "spark_application");
        return section;
    }
}
