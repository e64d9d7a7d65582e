// RepoConfigBinder: the built-in online stores, the online and offline store sections as core knows them, and the batch engine section.
using YamlDotNet.RepresentationModel;

namespace Feast.Configuration;

internal static partial class RepoConfigBinder
{
    // ---- online store --------------------------------------------------------------------------------------

    internal static readonly OptionsSchema<SqliteOnlineStoreOptions> SqliteOnlineStore = new(() => new())
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

    internal static readonly OptionsSchema<RemoteOnlineStoreOptions> RemoteOnlineStore = new(() => new())
    {
        { "type", Keep, o => o.Type },
        { "path", (o, v) => o with { Path = v.String() }, o => o.Path },
        { "cert", (o, v) => o with { Cert = v.OptionalString() }, o => o.Cert },
        { "connection_pool_size", (o, v) => o with { ConnectionPoolSize = v.Int32(min: 1) }, o => o.ConnectionPoolSize },
        { "connection_idle_timeout", (o, v) => o with { ConnectionIdleTimeout = v.Int32(min: 0) }, o => o.ConnectionIdleTimeout },
        { "connection_retries", (o, v) => o with { ConnectionRetries = v.Int32(min: 0) }, o => o.ConnectionRetries },
    };

    /// <summary>
    /// The online store section as core knows it: the built-in SQLite and remote stores, the Feast types backend
    /// packages serve, and the Feast types Feast.NET does not implement. <see cref="FeastBackends"/> adds to it.
    /// </summary>
    internal static TypedSection<OnlineStoreOptions> CreateOnlineStores()
    {
        var section = new TypedSection<OnlineStoreOptions>("online store", "type", "sqlite", "OnlineStore", o => o.Type);
        section.Add("sqlite", SqliteOnlineStore, "feast.infra.online_stores.sqlite.SqliteOnlineStore");
        section.Add("remote", RemoteOnlineStore, "feast.infra.online_stores.remote.RemoteOnlineStore");
        section.AddUnregistered("redis", "postgres");
        section.AddUnsupported(
            "datastore", "dynamodb", "snowflake.online", "bigtable", "hbase", "cassandra", "scylladb", "mysql",
            "hazelcast", "ikv", "elasticsearch", "singlestore", "qdrant", "couchbase.online", "milvus", "mongodb",
            "hybrid", "aerospike");
        return section;
    }

    // Feast: `online_store: null`, or the strings "none"/"null" in any case, disable the online store. Any other value
    // is kept as it is written until the registered backends bind it (FeastBackends.Resolve).
    private static UnresolvedOnlineStoreOptions? ReadOnlyStore(YamlValue value) =>
        value.IsNull || (value.Node is YamlScalarNode && value.String().ToUpperInvariant() is "NONE" or "NULL")
            ? null
            : new UnresolvedOnlineStoreOptions("", value);

    // ---- offline store -------------------------------------------------------------------------------------

    /// <summary>
    /// The offline store section as core knows it: no store of its own (Feast's default, <c>dask</c>, and its alias
    /// <c>file</c> are served by a backend package), the Feast types backend packages serve, and the Feast types
    /// Feast.NET does not implement. <see cref="FeastBackends"/> adds to it.
    /// </summary>
    internal static TypedSection<OfflineStoreOptions> CreateOfflineStores()
    {
        var section = new TypedSection<OfflineStoreOptions>("offline store", "type", "dask", "OfflineStore", o => o.Type);
        section.AddUnregistered("dask", "file", "duckdb", "postgres", "remote");
        section.AddUnsupported(
            "bigquery", "redshift", "snowflake.offline", "spark", "trino", "athena", "mssql",
            "couchbase.offline", "clickhouse", "ray", "oracle", "hybrid");
        return section;
    }

    // ---- batch engine --------------------------------------------------------------------------------------

    internal static readonly OptionsSchema<BatchEngineConfig> LocalBatchEngine = new(() => new())
    {
        { "type", Keep, o => o.Type },
        { "backend", (o, v) => o with { Backend = v.Choice(["pandas", "polars"], allowNull: true) }, o => o.Backend },
    };

    private static readonly TypedSection<BatchEngineConfig> BatchEngines = CreateBatchEngines();

    /// <summary>
    /// The batch engine section as core knows it: the built-in local engine, the engine a Feast.NET package serves
    /// (<c>orleans</c>), and Feast's engines Feast.NET does not implement. <see cref="FeastBackends"/> adds to it.
    /// </summary>
    internal static TypedSection<BatchEngineConfig> CreateBatchEngines()
    {
        var section = new TypedSection<BatchEngineConfig>("batch engine", "type", "local", "Engine", o => o.Type);
        section.Add("local", LocalBatchEngine);
        section.AddUnregistered("orleans");
        section.AddPackageHint("orleans", "the Feast.Orleans package (reference it and call UseOrleans() on the backends; the feast CLI has it)");
        section.AddUnsupported(
            "snowflake.engine", "lambda", "k8s", "spark.engine", "ray.engine", "flink.engine", "spark_application");
        return section;
    }

    // `batch_engine: null` is the local engine; a type no binder knows yet is kept for the backends to bind.
    private static BatchEngineConfig ReadBatchEngine(YamlValue value) =>
        value.IsNull ? new() : BatchEngines.Bind(value, type => new UnresolvedBatchEngineConfig(type, value));
}
