using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Feast.Configuration;

/// <summary>
/// Binds the parsed <c>feature_store.yaml</c> into a <see cref="RepoConfig"/>, and prints one back. Each section
/// is one <see cref="OptionsSchema{T}"/> table; Feast's rules are in comments where they are not obvious.
/// </summary>
internal static partial class RepoConfigBinder
{
    private static readonly string[] OidcClientKeys = ["client_secret", "token", "token_env_var", "username", "password"];

    private static readonly PostgresConnectionOptions EmptyConnection =
        new() { Host = "", Database = "", User = "", Password = "" };

    // ---- registry ------------------------------------------------------------------------------------------

    private static readonly TypedSection<RegistryConfig> Registries = CreateRegistries();

    private static TypedSection<RegistryConfig> CreateRegistries()
    {
        var section = new TypedSection<RegistryConfig>(
            "registry", "registry_type", "file", classSuffix: null, r => ConfigNames.RegistryTypes.NameOf(r.RegistryType));
        section.Add("file", RegistrySchema(RegistryType.File));
        section.Add("sql", RegistrySchema(RegistryType.Sql));
        section.Add("remote", RegistrySchema(RegistryType.Remote));
        section.Add("snowflake.registry", RegistrySchema(RegistryType.Snowflake));
        return section;
    }

    private static OptionsSchema<RegistryConfig> RegistrySchema(RegistryType type)
    {
        var schema = new OptionsSchema<RegistryConfig>(() => new RegistryConfig { RegistryType = type })
        {
            { "registry_type", Keep, r => ConfigNames.RegistryTypes.NameOf(r.RegistryType) },
            { "registry_store_type", (r, v) => r with { RegistryStoreType = v.OptionalString() }, r => r.RegistryStoreType },
            // A SQL URL or a server address has no sensible default; a file registry defaults to data/registry.db.
            { "path", (r, v) => r with { Path = v.String() }, r => r.Path, type is RegistryType.Sql or RegistryType.Remote },
            { "cache_ttl_seconds", (r, v) => r with { CacheTtlSeconds = v.Int32(min: 0) }, r => r.CacheTtlSeconds },
            { "cache_mode", (r, v) => r with { CacheMode = v.Enum(ConfigNames.CacheModes) }, r => ConfigNames.CacheModes.NameOf(r.CacheMode) },
            { "s3_additional_kwargs", (r, v) => r with { S3AdditionalKwargs = v.OptionalStringMapping() }, r => ToObjects(r.S3AdditionalKwargs) },
            { "purge_feast_metadata", (r, v) => r with { PurgeFeastMetadata = v.Boolean() }, r => r.PurgeFeastMetadata },
            { "enable_online_feature_view_versioning", (r, v) => r with { EnableOnlineFeatureViewVersioning = v.Boolean() }, r => r.EnableOnlineFeatureViewVersioning },
            { "mcp", (r, v) => r with { Mcp = v.OptionalPlainMapping() }, r => r.Mcp },
        };

        switch (type)
        {
            case RegistryType.Sql:
                schema.Add("read_path", (r, v) => r with { ReadPath = v.OptionalString() }, r => r.ReadPath);
                schema.Add(
                    "sqlalchemy_config_kwargs",
                    (r, v) => r with { SqlAlchemyConfigKwargs = v.OptionalPlainMapping() ?? RegistryConfig.EmptyOptions },
                    r => r.SqlAlchemyConfigKwargs);
                schema.Add(
                    "thread_pool_executor_worker_count",
                    (r, v) => r with { ThreadPoolExecutorWorkerCount = v.Int32(min: 0) },
                    r => r.ThreadPoolExecutorWorkerCount);
                schema.Add(
                    "schema_mode",
                    (r, v) => r with { SchemaMode = v.Enum(ConfigNames.SchemaModes) },
                    r => ConfigNames.SchemaModes.NameOf(r.SchemaMode));
                break;
            case RegistryType.Remote:
                // Feast.NET does not implement these registries; it checks what it models and keeps the rest.
                schema.Add("cert", (r, v) => r with { Cert = v.OptionalString() }, r => r.Cert);
                schema.Add("is_tls", (r, v) => r with { IsTls = v.Boolean() }, r => r.IsTls);
                schema.AllowAdditional((r, extra) => r with { AdditionalOptions = extra }, r => r.AdditionalOptions);
                break;
            case RegistryType.Snowflake:
                schema.AllowAdditional((r, extra) => r with { AdditionalOptions = extra }, r => r.AdditionalOptions);
                break;
        }

        return schema;
    }

    private static RegistryConfig BindRegistry(YamlValue value)
    {
        if (value.IsNull)
        {
            throw ConfigErrors.Invalid(
                value, "is empty. Set it to a file path such as 'data/registry.db', or to a mapping with 'registry_type' and 'path'.");
        }

        // Feast: a plain string is the path of a file registry.
        return value.Node switch
        {
            YamlScalarNode => new RegistryConfig { Path = value.String() },
            YamlMappingNode => Registries.Bind(value),
            _ => throw ConfigErrors.WrongType(value, "a file path or a mapping with 'registry_type' and 'path'"),
        };
    }

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

    // ---- auth ----------------------------------------------------------------------------------------------

    private static readonly OptionsSchema<NoAuthConfig> NoAuth = new(() => new())
    {
        { "type", Keep, o => o.Type },
    };

    private static readonly OptionsSchema<KubernetesAuthConfig> KubernetesAuth = CreateKubernetesAuth();

    private static OptionsSchema<KubernetesAuthConfig> CreateKubernetesAuth()
    {
        var schema = new OptionsSchema<KubernetesAuthConfig>(() => new())
        {
            { "type", Keep, o => o.Type },
            { "user_token", (o, v) => o with { UserToken = v.OptionalString() }, o => o.UserToken },
        };

        // Feast's KubernetesAuthConfig is the one auth model with extra="allow".
        schema.AllowAdditional((o, extra) => o with { AdditionalOptions = extra }, o => o.AdditionalOptions);
        return schema;
    }

    // Keys shared by the server- and client-side OIDC models, apart from auth_discovery_url.
    private static readonly OptionsSchema<OidcAuthConfig> OidcCommon = new(() => new())
    {
        { "client_id", (o, v) => o with { ClientId = v.OptionalString() }, o => o.ClientId },
        { "ui_client_id", (o, v) => o with { UiClientId = v.OptionalString() }, o => o.UiClientId },
        { "verify_ssl", (o, v) => o with { VerifySsl = v.Boolean() }, o => o.VerifySsl },
        { "ca_cert_path", (o, v) => o with { CaCertPath = v.OptionalString() ?? "" }, o => o.CaCertPath },
        { "audience", (o, v) => o with { Audience = v.OptionalString() }, o => o.Audience },
        { "issuer", (o, v) => o with { Issuer = v.OptionalString() }, o => o.Issuer },
        { "jwks_cache_lifespan_seconds", (o, v) => o with { JwksCacheLifespanSeconds = v.Int32(min: 1) }, o => o.JwksCacheLifespanSeconds },
        { "jwks_request_timeout_seconds", (o, v) => o with { JwksRequestTimeoutSeconds = v.Double(exclusiveMin: 0) }, o => o.JwksRequestTimeoutSeconds },
    };

    private static readonly OptionsSchema<OidcAuthConfig> OidcServerAuth = CreateOidcServerAuth();

    private static OptionsSchema<OidcAuthConfig> CreateOidcServerAuth()
    {
        var schema = new OptionsSchema<OidcAuthConfig>(() => new())
        {
            { "type", Keep, o => o.Type },
            { "auth_discovery_url", (o, v) => o with { AuthDiscoveryUrl = v.String() }, o => o.AuthDiscoveryUrl, true },
        };
        schema.Include(OidcCommon, o => o, (_, o) => o);
        return schema;
    }

    private static readonly OptionsSchema<OidcClientAuthConfig> OidcClientAuth = CreateOidcClientAuth();

    private static OptionsSchema<OidcClientAuthConfig> CreateOidcClientAuth()
    {
        var schema = new OptionsSchema<OidcClientAuthConfig>(() => new())
        {
            { "type", Keep, o => o.Type },
            { "auth_discovery_url", (o, v) => o with { AuthDiscoveryUrl = v.OptionalString() }, o => o.AuthDiscoveryUrl },
        };
        schema.Include(OidcCommon, o => o, (_, o) => (OidcClientAuthConfig)o);
        schema.Add("username", (o, v) => o with { Username = v.OptionalString() }, o => o.Username);
        schema.Add("password", (o, v) => o with { Password = v.OptionalString() }, o => o.Password);
        schema.Add("client_secret", (o, v) => o with { ClientSecret = v.OptionalString() }, o => o.ClientSecret);
        schema.Add("token", (o, v) => o with { Token = v.OptionalString() }, o => o.Token);
        schema.Add("token_env_var", (o, v) => o with { TokenEnvVar = v.OptionalString() }, o => o.TokenEnvVar);
        schema.Add(
            "token_refresh_margin_seconds",
            (o, v) => o with { TokenRefreshMarginSeconds = v.Int32(min: 0) },
            o => o.TokenRefreshMarginSeconds);
        return schema;
    }

    private static readonly TypedSection<AuthConfig> Auths = CreateAuths();

    private static TypedSection<AuthConfig> CreateAuths()
    {
        var section = new TypedSection<AuthConfig>("auth", "type", defaultType: null, "AuthConfig", o => o.Type);
        section.Add("no_auth", NoAuth);
        section.Add("kubernetes", KubernetesAuth);
        section.Add(
            "oidc",
            BindOidc,
            o => o is OidcClientAuthConfig client ? OidcClientAuth.Print(client) : OidcServerAuth.Print((OidcAuthConfig)o));
        return section;
    }

    private static OidcAuthConfig BindOidc(YamlMappingNode? mapping, SectionContext section, YamlNode position)
    {
        bool Has(string key) =>
            mapping is not null && mapping.Children.Any(c => c.Key is YamlScalarNode { Value: var k } && k == key);

        // Feast picks the client-side model when client credentials are present or there is no discovery URL.
        if (!OidcClientKeys.Any(Has) && Has("auth_discovery_url"))
        {
            return OidcServerAuth.Bind(mapping, section, position);
        }

        var client = OidcClientAuth.Bind(mapping, section with { Label = $"{section.Path} (type oidc, client side)" }, position);
        CheckCredentialGroups(client, section, mapping ?? position);
        return client;
    }

    // Feast's auth_model._check_mutually_exclusive: a group is active when all its values are set, and an error
    // when only some are; at most one group may be active.
    private static void CheckCredentialGroups(OidcClientAuthConfig client, SectionContext section, YamlNode position)
    {
        var network = new List<(string Key, string? Value)>
        {
            ("client_secret", client.ClientSecret),
            ("auth_discovery_url", client.AuthDiscoveryUrl),
            ("client_id", client.ClientId),
        };
        if (!string.IsNullOrEmpty(client.Username) || !string.IsNullOrEmpty(client.Password))
        {
            network.Add(("username", client.Username));
            network.Add(("password", client.Password));
        }

        var groups = new (string Name, List<(string Key, string? Value)> Fields)[]
        {
            ("token", [("token", client.Token)]),
            ("token_env_var", [("token_env_var", client.TokenEnvVar)]),
            ("client_credentials", network),
        };

        var active = new List<string>();
        foreach (var (name, fields) in groups)
        {
            var missing = fields.Where(f => string.IsNullOrEmpty(f.Value)).Select(f => f.Key).ToList();
            if (missing.Count == 0)
            {
                active.Add(name);
            }
            else if (missing.Count < fields.Count)
            {
                throw ConfigErrors.At(
                    section.Source,
                    position,
                    section.Child(missing[0]),
                    $"incomplete '{name}' credentials in {section.Path}: set {string.Join(", ", fields.Select(f => f.Key))} " +
                    $"together, or none of them. Missing: {string.Join(", ", missing)}.");
            }
        }

        if (active.Count > 1)
        {
            throw ConfigErrors.At(
                section.Source,
                position,
                section.Path,
                $"{section.Path} sets more than one kind of OIDC client credentials ({string.Join(", ", active)}). " +
                $"Only one of [{string.Join(", ", groups.Select(g => g.Name))}] may be set.");
        }
    }

    // ---- feature server ------------------------------------------------------------------------------------

    private static readonly OptionsSchema<FeatureServerMetricsConfig> Metrics = new(() => new())
    {
        { "enabled", (o, v) => o with { Enabled = v.Boolean() }, o => o.Enabled },
        { "resource", (o, v) => o with { Resource = v.Boolean() }, o => o.Resource },
        { "request", (o, v) => o with { Request = v.Boolean() }, o => o.Request },
        { "online_features", (o, v) => o with { OnlineFeatures = v.Boolean() }, o => o.OnlineFeatures },
        { "push", (o, v) => o with { Push = v.Boolean() }, o => o.Push },
        { "materialization", (o, v) => o with { Materialization = v.Boolean() }, o => o.Materialization },
        { "freshness", (o, v) => o with { Freshness = v.Boolean() }, o => o.Freshness },
        { "offline_features", (o, v) => o with { OfflineFeatures = v.Boolean() }, o => o.OfflineFeatures },
        { "audit_logging", (o, v) => o with { AuditLogging = v.Boolean() }, o => o.AuditLogging },
    };

    private static readonly OptionsSchema<FeatureLoggingConfig> FeatureLogging = new(() => new())
    {
        { "enabled", (o, v) => o with { Enabled = v.Boolean() }, o => o.Enabled },
        { "flush_interval_secs", (o, v) => o with { FlushIntervalSecs = v.Int32(min: 0) }, o => o.FlushIntervalSecs },
        { "write_to_disk_interval_secs", (o, v) => o with { WriteToDiskIntervalSecs = v.Int32(min: 0) }, o => o.WriteToDiskIntervalSecs },
        { "queue_capacity", (o, v) => o with { QueueCapacity = v.Int32(min: 1) }, o => o.QueueCapacity },
        { "emit_timeout_micro_secs", (o, v) => o with { EmitTimeoutMicroSecs = v.Int32(min: 0) }, o => o.EmitTimeoutMicroSecs },
    };

    private static readonly OptionsSchema<FeatureServerConfig> FeatureServerCommon = new(() => new LocalFeatureServerConfig())
    {
        { "enabled", (o, v) => o with { Enabled = v.Boolean() }, o => o.Enabled },
        { "metrics", (o, v) => o with { Metrics = Metrics.Bind(v.OptionalMapping(), v.AsSection(), v.Node) }, o => Metrics.Print(o.Metrics) },
        { "metrics_require_auth", (o, v) => o with { MetricsRequireAuth = v.OptionalBoolean() }, o => o.MetricsRequireAuth },
        { "feature_logging", (o, v) => o with { FeatureLogging = FeatureLogging.Bind(v.OptionalMapping(), v.AsSection(), v.Node) }, o => FeatureLogging.Print(o.FeatureLogging) },
        { "offline_push_batching_enabled", (o, v) => o with { OfflinePushBatchingEnabled = v.OptionalBoolean() }, o => o.OfflinePushBatchingEnabled },
        { "offline_push_batching_batch_size", (o, v) => o with { OfflinePushBatchingBatchSize = v.OptionalInt32(min: 1) }, o => o.OfflinePushBatchingBatchSize },
        { "offline_push_batching_batch_interval_seconds", (o, v) => o with { OfflinePushBatchingBatchIntervalSeconds = v.OptionalInt32(min: 1) }, o => o.OfflinePushBatchingBatchIntervalSeconds },
        { "transformation_service_endpoint", (o, v) => o with { TransformationServiceEndpoint = v.String() }, o => o.TransformationServiceEndpoint },
    };

    private static readonly OptionsSchema<LocalFeatureServerConfig> LocalFeatureServer = CreateLocalFeatureServer();

    private static OptionsSchema<LocalFeatureServerConfig> CreateLocalFeatureServer()
    {
        var schema = new OptionsSchema<LocalFeatureServerConfig>(() => new())
        {
            { "type", Keep, o => o.Type },
        };
        schema.Include(FeatureServerCommon, o => o, (_, o) => (LocalFeatureServerConfig)o);
        schema.Add("materialize_mode", (o, v) => o with { MaterializeMode = v.Choice(["local", "remote"])! }, o => o.MaterializeMode);
        schema.Add("url", (o, v) => o with { Url = v.OptionalString() }, o => o.Url);
        schema.Add("materialize_timeout", (o, v) => o with { MaterializeTimeout = v.Double(exclusiveMin: 0) }, o => o.MaterializeTimeout);
        schema.Add(
            "materialize_poll_interval",
            (o, v) => o with { MaterializePollInterval = v.Double(exclusiveMin: 0) },
            o => o.MaterializePollInterval);
        return schema;
    }

    private static readonly OptionsSchema<McpFeatureServerConfig> McpFeatureServer = CreateMcpFeatureServer();

    private static OptionsSchema<McpFeatureServerConfig> CreateMcpFeatureServer()
    {
        var schema = new OptionsSchema<McpFeatureServerConfig>(() => new())
        {
            { "type", Keep, o => o.Type },
        };
        schema.Include(FeatureServerCommon, o => o, (_, o) => (McpFeatureServerConfig)o);
        schema.Add("mcp_enabled", (o, v) => o with { McpEnabled = v.Boolean() }, o => o.McpEnabled);
        schema.Add("mcp_server_name", (o, v) => o with { McpServerName = v.String() }, o => o.McpServerName);
        schema.Add("mcp_server_version", (o, v) => o with { McpServerVersion = v.String() }, o => o.McpServerVersion);
        schema.Add("mcp_transport", (o, v) => o with { McpTransport = v.Choice(["sse", "http"])! }, o => o.McpTransport);
        schema.Add("mcp_base_path", (o, v) => o with { McpBasePath = v.String() }, o => o.McpBasePath);
        return schema;
    }

    private static readonly TypedSection<FeatureServerConfig> FeatureServers = CreateFeatureServers();

    private static TypedSection<FeatureServerConfig> CreateFeatureServers()
    {
        var section = new TypedSection<FeatureServerConfig>("feature server", "type", "local", classSuffix: null, o => o.Type);
        section.Add("local", LocalFeatureServer);
        section.Add("mcp", McpFeatureServer);
        return section;
    }

    // ---- top level -----------------------------------------------------------------------------------------

    private static readonly OptionsSchema<MaterializationConfig> Materialization = new(() => new())
    {
        { "pull_latest_features", (o, v) => o with { PullLatestFeatures = v.Boolean() }, o => o.PullLatestFeatures },
        { "online_write_batch_size", (o, v) => o with { OnlineWriteBatchSize = v.OptionalInt32(min: 1) }, o => o.OnlineWriteBatchSize },
    };

    private static readonly OptionsSchema<RepoConfig> TopLevel = CreateTopLevel();

    private static OptionsSchema<RepoConfig> CreateTopLevel()
    {
        var schema = new OptionsSchema<RepoConfig>(() => new RepoConfig { Project = "" })
        {
            { "project", (c, v) => c with { Project = ProjectName(v) }, c => c.Project, true },
            { "project_description", (c, v) => c with { ProjectDescription = v.OptionalString() }, c => c.ProjectDescription },
            { "provider", (c, v) => c with { Provider = v.Choice(RepoConfig.KnownProviders)! }, c => c.Provider },
            { "registry", (c, v) => c with { Registry = BindRegistry(v) }, c => Registries.Print(c.Registry), true },
            { "online_store", (c, v) => c with { OnlineStore = BindOnlineStore(v) }, c => c.OnlineStore is null ? YamlScalars.Null : OnlineStores.Print(c.OnlineStore) },
            { "offline_store", (c, v) => c with { OfflineStore = v.IsNull ? new DuckDbOfflineStoreOptions() : OfflineStores.Bind(v) }, c => OfflineStores.Print(c.OfflineStore) },
            // Feast reads `batch_engine` first and falls back to `batch_engine_config`; binding the alias first
            // lets `batch_engine` win when both are present.
            { "batch_engine_config", (c, v) => c with { BatchEngine = v.IsNull ? new() : BatchEngines.Bind(v) }, null },
            { "batch_engine", (c, v) => c with { BatchEngine = v.IsNull ? new() : BatchEngines.Bind(v) }, c => BatchEngines.Print(c.BatchEngine) },
            { "auth", (c, v) => c with { Auth = v.IsNull ? new NoAuthConfig() : Auths.Bind(v) }, c => Auths.Print(c.Auth) },
            { "feature_server", (c, v) => c with { FeatureServer = v.IsNull ? new LocalFeatureServerConfig() : FeatureServers.Bind(v) }, c => FeatureServers.Print(c.FeatureServer) },
            { "entity_key_serialization_version", (c, v) => c with { EntityKeySerializationVersion = v.Int32(1, 3) }, c => c.EntityKeySerializationVersion },
            { "coerce_tz_aware", (c, v) => c with { CoerceTzAware = v.Boolean() }, c => c.CoerceTzAware },
            { "materialization", (c, v) => c with { Materialization = Materialization.Bind(v.OptionalMapping(), v.AsSection(), v.Node) }, c => Materialization.Print(c.Materialization) },
            // Set by the loader from the repo directory, as Feast does; a value in the file is ignored.
            { "repo_path", Keep, null },
        };

        // Feast's RepoConfig has extra="allow": unknown top-level keys are kept, not rejected.
        schema.AllowAdditional((c, extra) => c with { ExtraKeys = extra }, c => c.ExtraKeys);
        return schema;
    }

    /// <summary>Binds the root mapping of <c>feature_store.yaml</c>.</summary>
    public static RepoConfig Bind(YamlMappingNode root, string source, string repoPath)
    {
        var rootValue = new YamlValue(root, "", source);
        YamlNode? Find(string key) =>
            root.Children.FirstOrDefault(c => rootValue.KeyText(c.Key) == key).Value;

        if (Find("project") is null)
        {
            throw ConfigErrors.At(
                source, null, "project", "missing required key 'project'. Add a line such as 'project: my_project'.");
        }

        if (Find("registry") is null)
        {
            throw ConfigErrors.At(
                source,
                null,
                "registry",
                "missing required key 'registry'. Add a line such as 'registry: data/registry.db' (a file registry), " +
                "or a mapping with 'registry_type' and 'path'.");
        }

        var config = TopLevel.Bind(root, SectionContext.Root(source)) with { RepoPath = repoPath, Warnings = UnknownKeyWarnings(rootValue, source) };

        // Feast names SQLite tables {project}_{feature_view}, so it rejects '-' in the project for that store.
        if (config.OnlineStore is SqliteOnlineStoreOptions && config.Project.Contains('-', StringComparison.Ordinal))
        {
            throw ConfigErrors.At(
                source,
                Find("project"),
                "project",
                $"project name '{config.Project}' contains '-', which the sqlite online store does not allow because " +
                "project names become part of its table names ({project}_{feature_view}). Use '_' instead, or " +
                "configure another online_store.");
        }

        return config;
    }

    // Settings of Feast's RepoConfig that Feast.NET does not use (by alias and by field name): known, so not typos.
    private static readonly string[] FeastOnlyKeys =
    [
        "flags", "embedding_model", "openlineage", "mlflow", "data_quality_monitoring",
        "registry_config", "online_config", "offline_config", "batch_engine_config", "materialization_config",
        "openlineage_config", "mlflow_config", "data_quality_monitoring_config",
    ];

    /// <summary>
    /// A warning per top-level key that is no Feast setting. Feast keeps unknown keys (extra="allow"), so they are not
    /// errors, but a misspelt <c>onlin_store:</c> would otherwise leave the default online store in silence.
    /// </summary>
    private static string[] UnknownKeyWarnings(YamlValue root, string source)
    {
        var known = TopLevel.KeyNames.ToList();
        var warnings = new List<string>();
        foreach (var key in ((YamlMappingNode)root.Node).Children.Keys)
        {
            var name = root.KeyText(key);
            if (known.Contains(name) || FeastOnlyKeys.Contains(name)) continue;
            var message = $"top-level key '{name}' is not a Feast setting, so it is ignored.";
            if (ConfigErrors.Suggest(name, known) is { } suggestion)
                message += $" Did you mean '{suggestion}'?";
            warnings.Add(ConfigErrors.At(source, key, name, message).Message);
        }
        return [.. warnings];
    }

    /// <summary>The configuration as ordered key/value pairs for <see cref="RepoConfigYamlWriter"/>.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Print(RepoConfig config) => TopLevel.Print(config);

    private static string ProjectName(YamlValue value)
    {
        var name = value.String();
        return ProjectNamePattern().IsMatch(name)
            ? name
            : throw ConfigErrors.Invalid(
                value,
                $"invalid project name '{name}'. A project name may contain only letters, digits, '_' and '-', " +
                "and must not start with '_' or '-'.");
    }

    private static T Keep<T>(T options, YamlValue value) => options;

    private static System.Collections.ObjectModel.ReadOnlyDictionary<string, object?>? ToObjects(IReadOnlyDictionary<string, string>? map) =>
        map?.ToDictionary(pair => pair.Key, pair => (object?)pair.Value, StringComparer.Ordinal).AsReadOnly();

    // Feast's repo_operations.is_valid_name: word characters and '-', not starting with '_' or '-'.
    [GeneratedRegex(@"^(?![_-])[\w-]+\z")]
    private static partial Regex ProjectNamePattern();
}
