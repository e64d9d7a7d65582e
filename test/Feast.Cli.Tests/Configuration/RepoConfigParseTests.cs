using Feast.Configuration;
using Feast.DuckDb;
using Feast.Postgres;
using static Feast.Tests.Configuration.ConfigTesting;

namespace Feast.Tests.Configuration;

public class RepoConfigParseTests
{
    // sdk/python/feast/templates/local/feature_repo/feature_store.yaml, comments included.
    internal const string FeastInitTemplate = """
        project: my_project
        # By default, the registry is a file (but can be turned into a more scalable SQL-backed registry)
        registry: data/registry.db
        # The provider primarily specifies default offline / online stores & storing the registry in a given cloud
        provider: local
        online_store:
            type: sqlite
            path: data/online_store.db
        entity_key_serialization_version: 3
        # By default, no_auth for authentication and authorization, other possible values kubernetes and oidc. Refer the documentation for more details.
        auth:
            type: no_auth

        """;

    [Fact]
    public void Parse_FeastInitTemplate_BindsEveryKey()
    {
        var config = Parse(FeastInitTemplate);

        Assert.Equal("my_project", config.Project);
        Assert.Equal("local", config.Provider);
        Assert.Equal(RegistryType.File, config.Registry.RegistryType);
        Assert.Equal("data/registry.db", config.Registry.Path);
        var sqlite = Assert.IsType<SqliteOnlineStoreOptions>(config.OnlineStore);
        Assert.Equal("sqlite", sqlite.Type);
        Assert.Equal("data/online_store.db", sqlite.Path);
        Assert.Equal(3, config.EntityKeySerializationVersion);
        Assert.False(config.IsEntityKeySerializationVersionDeprecated);
        Assert.IsType<NoAuthConfig>(config.Auth);
        Assert.Equal(Path.GetFullPath(RepoDir), config.RepoPath);
        Assert.Empty(config.ExtraKeys);
    }

    [Theory]
    [InlineData("sqlite", "")]
    [InlineData("redis", "")]
    [InlineData("postgres", "  host: localhost\n  database: d\n  user: u\n  password: p\n")]
    public void Parse_EnforceTtl_IsOptInPerOnlineStore(string type, string extra)
    {
        var on = Parse($"project: p\nregistry: r\nonline_store:\n  type: {type}\n{extra}  enforce_ttl: true\n");
        var off = Parse($"project: p\nregistry: r\nonline_store:\n  type: {type}\n{extra}");

        Assert.True(on.OnlineStore!.EnforceTtl);
        Assert.False(off.OnlineStore!.EnforceTtl);
    }

    [Fact]
    public void Parse_OnlyProjectAndRegistry_FillsFeastDefaults()
    {
        var config = Parse(Minimal);

        Assert.Null(config.ProjectDescription);
        Assert.Equal("local", config.Provider);
        Assert.Equal(new RegistryConfig(), config.Registry);
        Assert.Equal(600, config.Registry.CacheTtlSeconds);
        Assert.Equal(RegistryCacheMode.Sync, config.Registry.CacheMode);
        Assert.False(config.Registry.PurgeFeastMetadata);
        Assert.False(config.Registry.EnableOnlineFeatureViewVersioning);
        Assert.Equal(new SqliteOnlineStoreOptions(), config.OnlineStore);
        Assert.Equal("data/online.db", ((SqliteOnlineStoreOptions)config.OnlineStore!).Path);
        Assert.Equal(new DuckDbOfflineStoreOptions(), config.OfflineStore);
        Assert.Equal("local", config.BatchEngine.Type);
        Assert.Null(config.BatchEngine.Backend);
        Assert.Equal(3, config.EntityKeySerializationVersion);
        Assert.True(config.CoerceTzAware);
        Assert.False(config.Materialization.PullLatestFeatures);
        Assert.Null(config.Materialization.OnlineWriteBatchSize);
        Assert.Equal("no_auth", config.Auth.Type);
        var server = Assert.IsType<LocalFeatureServerConfig>(config.FeatureServer);
        Assert.False(server.Enabled);
        Assert.Equal("localhost:6569", server.TransformationServiceEndpoint);
        Assert.False(server.Metrics.Enabled);
        Assert.Equal(600, server.FeatureLogging.FlushIntervalSecs);
    }

    [Fact]
    public void Parse_SqliteMappingWithoutType_IsSqliteWithDefaults()
    {
        var config = ParseWith("online_store:\n  path: other.db\n");

        var sqlite = Assert.IsType<SqliteOnlineStoreOptions>(config.OnlineStore);
        Assert.Equal("other.db", sqlite.Path);
        Assert.False(sqlite.VectorEnabled);
        Assert.Equal("cosine", sqlite.Similarity);
    }

    [Fact]
    public void Parse_SqliteAllOptions_BindsEveryKey()
    {
        var config = ParseWith("""
            online_store:
              type: sqlite
              path: /var/feast/online.db
              vector_enabled: true
              vector_len: 384
              similarity: L2
              text_search_enabled: true
              enable_openai_compatible_store: true
            """);

        Assert.Equal(
            new SqliteOnlineStoreOptions
            {
                Path = "/var/feast/online.db",
                VectorEnabled = true,
                VectorLength = 384,
                Similarity = "L2",
                TextSearchEnabled = true,
                EnableOpenaiCompatibleStore = true,
            },
            config.OnlineStore);
    }

    [Fact]
    public void Parse_RegistryString_IsFileRegistryAtThatPath()
    {
        var config = Parse("project: p\nregistry: s3://bucket/registry.pb\n");

        Assert.Equal(RegistryType.File, config.Registry.RegistryType);
        Assert.Equal("s3://bucket/registry.pb", config.Registry.Path);
    }

    [Theory]
    [InlineData("online_store: null\n")]
    [InlineData("online_store: ~\n")]
    [InlineData("online_store:\n")]
    [InlineData("online_store: none\n")]
    [InlineData("online_store: None\n")]
    [InlineData("online_store: NULL\n")]
    [InlineData("online_store: \"null\"\n")]
    public void Parse_OnlineStoreNullOrNone_DisablesOnlineStore(string yaml)
    {
        var config = ParseWith(yaml);

        Assert.Null(config.OnlineStore);
    }

    [Theory]
    [InlineData("feast.infra.online_stores.sqlite.SqliteOnlineStore", "sqlite")]
    [InlineData("feast.infra.online_stores.redis.RedisOnlineStore", "redis")]
    [InlineData("feast.infra.online_stores.postgres_online_store.postgres.PostgreSQLOnlineStore", "postgres")]
    [InlineData("feast.infra.online_stores.contrib.postgres.PostgreSQLOnlineStore", "postgres")]
    [InlineData("feast.infra.online_stores.remote.RemoteOnlineStore", "remote")]
    public void Parse_OnlineStoreFeastClassPath_BindsThatStore(string classPath, string expectedType)
    {
        var connection = expectedType == "postgres" ? "  host: h\n  database: d\n  user: u\n  password: p\n" : "";

        var config = ParseWith($"online_store:\n  type: {classPath}\n{connection}");

        Assert.Equal(expectedType, config.OnlineStore!.Type);
    }

    [Fact]
    public void Parse_SqlRegistry_BindsSqlKeys()
    {
        var config = Parse("""
            project: my_project
            registry:
              registry_type: sql
              path: postgresql://feast:secret@localhost:5432/feast
              cache_ttl_seconds: 60
              cache_mode: thread
              read_path: postgresql://feast:secret@replica:5432/feast
              sqlalchemy_config_kwargs:
                echo: true
                pool_pre_ping: true
                pool_size: 5
              thread_pool_executor_worker_count: 4
              schema_mode: verify
              purge_feast_metadata: true
              enable_online_feature_view_versioning: true
            """).Registry;

        Assert.Equal(RegistryType.Sql, config.RegistryType);
        // The raw URL is kept: Feast's postgresql:// → postgresql+psycopg:// rewrite only picks a Python driver.
        Assert.Equal("postgresql://feast:secret@localhost:5432/feast", config.Path);
        Assert.Equal(60, config.CacheTtlSeconds);
        Assert.Equal(RegistryCacheMode.Thread, config.CacheMode);
        Assert.Equal("postgresql://feast:secret@replica:5432/feast", config.ReadPath);
        Assert.Equal(true, config.SqlAlchemyConfigKwargs["echo"]);
        Assert.Equal(true, config.SqlAlchemyConfigKwargs["pool_pre_ping"]);
        Assert.Equal(5L, config.SqlAlchemyConfigKwargs["pool_size"]);
        Assert.Equal(4, config.ThreadPoolExecutorWorkerCount);
        Assert.Equal(RegistrySchemaMode.Verify, config.SchemaMode);
        Assert.True(config.PurgeFeastMetadata);
        Assert.True(config.EnableOnlineFeatureViewVersioning);
    }

    [Fact]
    public void Parse_SqlRegistryDefaults_MatchFeast()
    {
        var registry = Parse("project: p\nregistry:\n  registry_type: sql\n  path: sqlite:///data/registry.db\n").Registry;

        Assert.Equal(false, Assert.Single(registry.SqlAlchemyConfigKwargs).Value);
        Assert.Equal(0, registry.ThreadPoolExecutorWorkerCount);
        Assert.Equal(RegistrySchemaMode.Auto, registry.SchemaMode);
        Assert.Null(registry.ReadPath);
    }

    [Fact]
    public void Parse_FileRegistryMapping_BindsCommonKeys()
    {
        var registry = Parse("""
            project: p
            registry:
              path: gs://bucket/registry.pb
              registry_store_type: GCSRegistryStore
              cache_ttl_seconds: 0
              s3_additional_kwargs:
                ServerSideEncryption: AES256
            """).Registry;

        Assert.Equal(RegistryType.File, registry.RegistryType);
        Assert.Equal("GCSRegistryStore", registry.RegistryStoreType);
        Assert.Equal(0, registry.CacheTtlSeconds);
        Assert.Equal("AES256", registry.S3AdditionalKwargs!["ServerSideEncryption"]);
    }

    [Fact]
    public void Parse_FileRegistryMappingWithoutPath_DefaultsToDataRegistryDb()
    {
        var registry = Parse("project: p\nregistry:\n  cache_ttl_seconds: 5\n").Registry;

        Assert.Equal("data/registry.db", registry.Path);
    }

    [Fact]
    public void Parse_RemoteRegistry_KeepsUnmodelledKeys()
    {
        var registry = Parse("""
            project: p
            registry:
              registry_type: remote
              path: localhost:6570
              is_tls: true
              cert: /certs/ca.pem
              authority: feast.example.com
            """).Registry;

        Assert.Equal(RegistryType.Remote, registry.RegistryType);
        Assert.Equal("localhost:6570", registry.Path);
        Assert.True(registry.IsTls);
        Assert.Equal("/certs/ca.pem", registry.Cert);
        Assert.Equal("feast.example.com", registry.AdditionalOptions["authority"]);
    }

    [Fact]
    public void Parse_RemoteOnlineStore_BindsEveryKey()
    {
        var config = ParseWith("""
            online_store:
              type: remote
              path: https://feast.example.com
              cert: /certs/server.crt
              connection_pool_size: 10
              connection_idle_timeout: 0
              connection_retries: 5
            """);

        Assert.Equal(
            new RemoteOnlineStoreOptions
            {
                Path = "https://feast.example.com",
                Cert = "/certs/server.crt",
                ConnectionPoolSize = 10,
                ConnectionIdleTimeout = 0,
                ConnectionRetries = 5,
            },
            config.OnlineStore);
    }

    [Fact]
    public void Parse_RemoteOnlineStoreString_FillsDefaults()
    {
        var remote = Assert.IsType<RemoteOnlineStoreOptions>(ParseWith("online_store: remote\n").OnlineStore);

        Assert.Equal("http://localhost:6566", remote.Path);
        Assert.Null(remote.Cert);
        Assert.Equal(50, remote.ConnectionPoolSize);
        Assert.Equal(300, remote.ConnectionIdleTimeout);
        Assert.Equal(3, remote.ConnectionRetries);
    }

    [Theory]
    [InlineData("batch_engine: local\n", null)]
    [InlineData("batch_engine:\n  type: local\n  backend: polars\n", "polars")]
    [InlineData("batch_engine_config:\n  type: local\n  backend: pandas\n", "pandas")]
    [InlineData("batch_engine_config:\n  backend: pandas\nbatch_engine:\n  backend: polars\n", "polars")]
    [InlineData("batch_engine:\n  backend: polars\nbatch_engine_config:\n  backend: pandas\n", "polars")]
    public void Parse_BatchEngineOrAlias_BatchEngineWins(string yaml, string? backend)
    {
        var config = ParseWith(yaml);

        Assert.Equal("local", config.BatchEngine.Type);
        Assert.Equal(backend, config.BatchEngine.Backend);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Parse_EntityKeySerializationVersionBelow3_IsKeptAndMarkedDeprecated(int version)
    {
        var config = ParseWith($"entity_key_serialization_version: {version}\n");

        Assert.Equal(version, config.EntityKeySerializationVersion);
        Assert.True(config.IsEntityKeySerializationVersionDeprecated);
    }

    [Fact]
    public void Parse_TopLevelScalars_AreBound()
    {
        var config = ParseWith("""
            project_description: Driver features
            provider: gcp
            coerce_tz_aware: false
            materialization:
              pull_latest_features: true
              online_write_batch_size: 500
            """);

        Assert.Equal("Driver features", config.ProjectDescription);
        Assert.Equal("gcp", config.Provider);
        Assert.False(config.CoerceTzAware);
        Assert.True(config.Materialization.PullLatestFeatures);
        Assert.Equal(500, config.Materialization.OnlineWriteBatchSize);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("gcp")]
    [InlineData("aws")]
    [InlineData("azure")]
    [InlineData("unity_catalog")]
    public void Parse_KnownProvider_IsAccepted(string provider)
    {
        Assert.Equal(provider, ParseWith($"provider: {provider}\n").Provider);
    }

    [Theory]
    [InlineData("yes", true)]
    [InlineData("on", true)]
    [InlineData("True", true)]
    [InlineData("no", false)]
    [InlineData("OFF", false)]
    [InlineData("\"false\"", false)]
    public void Parse_Yaml11Booleans_AreReadLikePyYaml(string text, bool expected)
    {
        Assert.Equal(expected, ParseWith($"coerce_tz_aware: {text}\n").CoerceTzAware);
    }

    [Theory]
    [InlineData("0x1F", 31)]
    [InlineData("1_000", 1000)]
    [InlineData("010", 8)]
    [InlineData("+7", 7)]
    public void Parse_Yaml11Integers_AreReadLikePyYaml(string text, int expected)
    {
        Assert.Equal(expected, Parse($"project: p\nregistry:\n  cache_ttl_seconds: {text}\n").Registry.CacheTtlSeconds);
    }

    [Fact]
    public void Parse_YamlAnchorsAndMergeKeys_AreResolved()
    {
        var config = Parse("""
            project: p
            registry: data/registry.db
            x-pg: &pg
              host: h
              database: d
              user: u
              password: p
            online_store:
              <<: *pg
              type: postgres
            offline_store:
              <<: *pg
              type: postgres
              port: 6000
            """);

        Assert.Equal("h", ((PostgresOnlineStoreOptions)config.OnlineStore!).Host);
        Assert.Equal(6000, ((PostgresOfflineStoreOptions)config.OfflineStore).Connection.Port);
    }

    [Fact]
    public void Parse_UnknownTopLevelKeys_AreKeptAsPyYamlReadsThem()
    {
        var config = ParseWith("""
            flags:
              alpha_features: true
            go_feature_serving: false
            openlineage:
              enabled: true
              transport_url: http://marquez:5000
              tags: [a, 2, 1.5, null]
            custom_version: "3"
            repo_path: /ignored
            """);

        Assert.Equal(["flags", "go_feature_serving", "openlineage", "custom_version"], config.ExtraKeys.Keys);
        var flags = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(config.ExtraKeys["flags"]);
        Assert.Equal(true, flags["alpha_features"]);
        Assert.Equal(false, config.ExtraKeys["go_feature_serving"]);
        var openlineage = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(config.ExtraKeys["openlineage"]);
        Assert.Equal("http://marquez:5000", openlineage["transport_url"]);
        Assert.Equal(new object?[] { "a", 2L, 1.5, null }, Assert.IsAssignableFrom<IReadOnlyList<object?>>(openlineage["tags"]));
        Assert.Equal("3", config.ExtraKeys["custom_version"]);
        Assert.Equal(Path.GetFullPath(RepoDir), config.RepoPath);
    }

    [Fact]
    public void ExtraKeys_AreReadOnly()
    {
        var config = ParseWith("flags: {}\n");

        Assert.False(config.ExtraKeys is IDictionary<string, object?> { IsReadOnly: false });
    }

    [Fact]
    public void ResolvePath_RelativePath_IsUnderRepoDirectory()
    {
        var config = Parse(RepoConfigParseTests.FeastInitTemplate);
        var sqlite = (SqliteOnlineStoreOptions)config.OnlineStore!;

        Assert.Equal("data/registry.db", config.Registry.Path);
        Assert.Equal(Path.Combine(Path.GetFullPath(RepoDir), "data", "registry.db"), config.ResolvePath(config.Registry.Path));
        Assert.Equal(Path.Combine(Path.GetFullPath(RepoDir), "data", "online_store.db"), config.ResolvePath(sqlite.Path));
    }

    [Theory]
    [InlineData("/var/feast/registry.db")]
    [InlineData("s3://bucket/registry.pb")]
    [InlineData("gs://bucket/registry.pb")]
    public void ResolvePath_AbsolutePathOrUri_IsUnchanged(string path)
    {
        Assert.Equal(path, Parse(Minimal).ResolvePath(path));
    }

    [Fact]
    public void ResolvePath_DotDot_IsNormalised()
    {
        var config = Parse(Minimal);

        Assert.Equal(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(RepoDir))!, "shared.db"), config.ResolvePath("../shared.db"));
    }
}
