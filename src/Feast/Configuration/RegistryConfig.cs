namespace Feast.Configuration;

/// <summary>Where the registry (the catalogue of entities, feature views and services) is stored.</summary>
public enum RegistryType
{
    /// <summary>A file holding the serialised <c>feast.core.Registry</c> protobuf (yaml <c>file</c>).</summary>
    File,

    /// <summary>A SQL database addressed by a SQLAlchemy-style URL in <see cref="RegistryConfig.Path"/> (yaml <c>sql</c>).</summary>
    Sql,

    /// <summary>A Feast registry gRPC server (yaml <c>remote</c>). Served by the Feast.Remote package (<c>UseRemoteRegistry()</c>).</summary>
    Remote,

    /// <summary>A Snowflake table (yaml <c>snowflake.registry</c>). Accepted in configuration only.</summary>
    Snowflake,
}

/// <summary>How the in-memory registry cache is refreshed.</summary>
public enum RegistryCacheMode
{
    /// <summary>Refresh on access once the TTL has expired, and right after each write (yaml <c>sync</c>).</summary>
    Sync,

    /// <summary>Refresh on a background timer every <see cref="RegistryConfig.CacheTtlSeconds"/> (yaml <c>thread</c>).</summary>
    Thread,
}

/// <summary>What a SQL registry does with its schema at start-up.</summary>
public enum RegistrySchemaMode
{
    /// <summary>Create missing tables (yaml <c>auto</c>).</summary>
    Auto,

    /// <summary>Check that the tables exist and fail otherwise (yaml <c>verify</c>).</summary>
    Verify,

    /// <summary>Do not touch the schema (yaml <c>skip</c>).</summary>
    Skip,
}

/// <summary>
/// The <c>registry:</c> section of <c>feature_store.yaml</c>. A plain string in the yaml
/// (<c>registry: data/registry.db</c>) is a file registry at that path.
/// </summary>
public sealed record RegistryConfig
{
    /// <summary>The default path of a file registry, relative to the repo directory.</summary>
    public const string DefaultPath = "data/registry.db";

    /// <summary>The registry kind (yaml <c>registry_type</c>); <see cref="RegistryType.File"/> by default.</summary>
    public RegistryType RegistryType { get; init; } = RegistryType.File;

    /// <summary>
    /// The registry store (yaml <c>registry_store_type</c>), such as <c>S3RegistryStore</c>; null to choose by the
    /// scheme of <see cref="Path"/>.
    /// </summary>
    public string? RegistryStoreType { get; init; }

    /// <summary>
    /// The path as written in the yaml: a file path (relative paths are resolved with
    /// <see cref="RepoConfig.ResolvePath(string)"/>), a SQL URL for <see cref="RegistryType.Sql"/>, or a server address
    /// for <see cref="RegistryType.Remote"/>.
    /// </summary>
    public string Path { get; init; } = DefaultPath;

    /// <summary>Seconds the registry is cached in memory (yaml <c>cache_ttl_seconds</c>, 600); 0 caches forever.</summary>
    public int CacheTtlSeconds { get; init; } = 600;

    /// <summary>How the cache is refreshed (yaml <c>cache_mode</c>).</summary>
    public RegistryCacheMode CacheMode { get; init; } = RegistryCacheMode.Sync;

    /// <summary>Extra arguments for S3 writes of a file registry (yaml <c>s3_additional_kwargs</c>).</summary>
    public IReadOnlyDictionary<string, string>? S3AdditionalKwargs { get; init; }

    /// <summary>Stop using and purge the SQL registry's <c>feast_metadata</c> table (yaml <c>purge_feast_metadata</c>).</summary>
    public bool PurgeFeastMetadata { get; init; }

    /// <summary>
    /// Keep a table per feature view version in online stores (yaml <c>enable_online_feature_view_versioning</c>).
    /// </summary>
    public bool EnableOnlineFeatureViewVersioning { get; init; }

    /// <summary>The registry's MCP settings (yaml <c>mcp</c>), kept as written; null when absent.</summary>
    public IReadOnlyDictionary<string, object?>? Mcp { get; init; }

    /// <summary>SQL only: a read replica URL (yaml <c>read_path</c>).</summary>
    public string? ReadPath { get; init; }

    /// <summary>SQL only: engine options (yaml <c>sqlalchemy_config_kwargs</c>, default <c>{echo: false}</c>).</summary>
    public IReadOnlyDictionary<string, object?> SqlAlchemyConfigKwargs { get; init; } = DefaultSqlAlchemyConfigKwargs;

    /// <summary>SQL only: worker threads for parallel reads (yaml <c>thread_pool_executor_worker_count</c>, 0).</summary>
    public int ThreadPoolExecutorWorkerCount { get; init; }

    /// <summary>SQL only: what to do with the schema at start-up (yaml <c>schema_mode</c>).</summary>
    public RegistrySchemaMode SchemaMode { get; init; } = RegistrySchemaMode.Auto;

    /// <summary>Remote only: the server's public certificate (yaml <c>cert</c>).</summary>
    public string? Cert { get; init; }

    /// <summary>Remote only: connect with TLS (yaml <c>is_tls</c>).</summary>
    public bool IsTls { get; init; }

    /// <summary>
    /// Remote and Snowflake only: settings Feast.NET does not model, kept as written. Empty for file and SQL
    /// registries, whose keys are all checked.
    /// </summary>
    public IReadOnlyDictionary<string, object?> AdditionalOptions { get; init; } = EmptyOptions;

    internal static readonly IReadOnlyDictionary<string, object?> EmptyOptions =
        new Dictionary<string, object?>().AsReadOnly();

    private static readonly IReadOnlyDictionary<string, object?> DefaultSqlAlchemyConfigKwargs =
        new Dictionary<string, object?> { ["echo"] = false }.AsReadOnly();
}
