using Feast.Configuration;
using static Feast.Tests.Configuration.ConfigTesting;

namespace Feast.Tests.Configuration;

/// <summary>Every way feature_store.yaml can be wrong: the error type, the key it names, and the choices it lists.</summary>
public class RepoConfigErrorTests
{
    private const string Postgres = "type: postgres, host: h, database: d, user: u, password: p";

    // ---- unknown keys in strict sections ---------------------------------------------------------------------

    [Theory]
    [InlineData("online_store:\n  type: redis\n  conection_string: x\n", "online_store.conection_string", "online_store (type redis)", "connection_string")]
    [InlineData("online_store:\n  type: sqlite\n  paht: x\n", "online_store.paht", "online_store (type sqlite)", "path")]
    [InlineData("online_store:\n  paht: x\n", "online_store.paht", "online_store (type sqlite)", "path")]
    [InlineData("online_store: {" + Postgres + ", schema: s}\n", "online_store.schema", "online_store (type postgres)", "db_schema")]
    [InlineData("online_store: {type: remote, url: x}\n", "online_store.url", "online_store (type remote)", "connection_pool_size")]
    [InlineData("online_store: {type: feast.infra.online_stores.redis.RedisOnlineStore, host: x}\n", "online_store.host", "online_store (type redis)", "connection_string")]
    [InlineData("offline_store: {type: duckdb, staging: x}\n", "offline_store.staging", "offline_store (type duckdb)", "staging_location")]
    [InlineData("offline_store: {type: file, staging_location: x}\n", "offline_store.staging_location", "offline_store (type file)", "type")]
    [InlineData("offline_store: {" + Postgres + ", entity_mode: x}\n", "offline_store.entity_mode", "offline_store (type postgres)", "entity_select_mode")]
    [InlineData("batch_engine: {type: local, workers: 4}\n", "batch_engine.workers", "batch_engine (type local)", "backend")]
    [InlineData("batch_engine_config: {type: local, workers: 4}\n", "batch_engine_config.workers", "batch_engine_config (type local)", "backend")]
    [InlineData("auth: {type: no_auth, user: x}\n", "auth.user", "auth (type no_auth)", "type")]
    [InlineData("auth: {type: oidc, auth_discovery_url: u, realm: x}\n", "auth.realm", "auth (type oidc)", "jwks_cache_lifespan_seconds")]
    [InlineData("auth: {type: oidc, token: t, tokn_env_var: x}\n", "auth.tokn_env_var", "auth (type oidc, client side)", "token_env_var")]
    [InlineData("feature_server: {mcp_enabled: true}\n", "feature_server.mcp_enabled", "feature_server (type local)", "transformation_service_endpoint")]
    [InlineData("feature_server: {type: mcp, materialize_mode: local}\n", "feature_server.materialize_mode", "feature_server (type mcp)", "mcp_transport")]
    [InlineData("feature_server:\n  metrics:\n    enabld: true\n", "feature_server.metrics.enabld", "feature_server.metrics", "enabled")]
    [InlineData("feature_server:\n  feature_logging:\n    flush_interval: 5\n", "feature_server.feature_logging.flush_interval", "feature_server.feature_logging", "flush_interval_secs")]
    [InlineData("materialization:\n  pull_latest: true\n", "materialization.pull_latest", "materialization", "pull_latest_features")]
    public void Parse_UnknownKeyInStrictSection_NamesKeyAndListsValidKeys(string yaml, string keyPath, string section, string validKey)
    {
        var error = ParseErrorWith(yaml);

        var key = keyPath[(keyPath.LastIndexOf('.') + 1)..];
        Assert.Contains($"unknown key '{key}' in {section}. Valid keys: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(validKey, error.Message[error.Message.IndexOf("Valid keys", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.Equal(keyPath, error.KeyPath);
        Assert.StartsWith($"feature_store.yaml:{error.Line}:{error.Column}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownRedisKey_GivesTheExactMessageWithSuggestionAndPosition()
    {
        var error = ParseError("project: p\nregistry: r\nonline_store:\n  type: redis\n  conection_string: localhost:6379\n");

        Assert.Equal(
            "feature_store.yaml:5:3: unknown key 'conection_string' in online_store (type redis). Valid keys: type, " +
            "redis_type, connection_string, sentinel_master, key_ttl_seconds, full_scan_for_deletion, skip_dedup, enforce_ttl. " +
            "Did you mean 'connection_string'?",
            error.Message);
        Assert.Equal(5, error.Line);
        Assert.Equal(3, error.Column);
        Assert.Equal("feature_store.yaml", error.SourceName);
        Assert.IsAssignableFrom<FeastException>(error);
        Assert.Equal("FeastConfigError", error.FeastErrorClass);
    }

    [Fact]
    public void Parse_UnknownKeyFarFromAnyValidKey_HasNoSuggestion()
    {
        var error = ParseErrorWith("online_store: {type: redis, zzzzzzzz: 1}\n");

        Assert.DoesNotContain("Did you mean", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("registry:\n  path: r\n  read_path: x\n", "registry.read_path", "registry (type file)", "cache_ttl_seconds")]
    [InlineData("registry: {registry_type: sql, path: x, cache_ttl: 5}\n", "registry.cache_ttl", "registry (type sql)", "sqlalchemy_config_kwargs")]
    public void Parse_UnknownRegistryKey_NamesKeyAndListsValidKeys(string yaml, string keyPath, string section, string validKey)
    {
        var error = ParseError("project: p\n" + yaml);

        Assert.Contains($"unknown key '{keyPath[9..]}' in {section}. Valid keys: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(validKey, error.Message, StringComparison.Ordinal);
        Assert.Equal(keyPath, error.KeyPath);
    }

    [Fact]
    public void Parse_SqlOnlyKeyInFileRegistry_IsRejected()
    {
        var error = ParseError("project: p\nregistry:\n  path: data/registry.db\n  schema_mode: verify\n");

        Assert.Contains("unknown key 'schema_mode' in registry (type file)", error.Message, StringComparison.Ordinal);
    }

    // ---- unknown and unsupported types -----------------------------------------------------------------------

    [Theory]
    [InlineData("online_store: foo\n", "online_store", "unknown online store type 'foo'", "Valid types: sqlite, remote, redis, postgres")]
    [InlineData("online_store:\n  type: foo\n", "online_store.type", "unknown online store type 'foo'", "Valid types: sqlite, remote, redis, postgres")]
    [InlineData("online_store: Redis\n", "online_store", "unknown online store type 'Redis'", "Valid types: sqlite, remote, redis, postgres")]
    [InlineData("offline_store: parquet\n", "offline_store", "unknown offline store type 'parquet'", "Valid types: duckdb, dask, file, postgres")]
    [InlineData("batch_engine: turbo\n", "batch_engine", "unknown batch engine type 'turbo'", "Valid types: local")]
    [InlineData("auth: {type: ldap}\n", "auth.type", "unknown auth type 'ldap'", "Valid types: no_auth, kubernetes, oidc")]
    [InlineData("auth: basic\n", "auth", "unknown auth type 'basic'", "Valid types: no_auth, kubernetes, oidc")]
    [InlineData("feature_server: {type: aws_lambda}\n", "feature_server.type", "unknown feature server type 'aws_lambda'", "Valid types: local, mcp")]
    public void Parse_UnknownType_ListsValidTypes(string yaml, string keyPath, string problem, string validTypes)
    {
        var error = ParseErrorWith(yaml);

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains(validTypes, error.Message, StringComparison.Ordinal);
        Assert.Equal(keyPath, error.KeyPath);
    }

    [Fact]
    public void Parse_UnknownRegistryType_ListsValidTypes()
    {
        var error = ParseError("project: p\nregistry:\n  registry_type: mongo\n  path: x\n");

        Assert.Contains("unknown registry type 'mongo'. Valid types: file, sql, remote, snowflake.registry.", error.Message, StringComparison.Ordinal);
        Assert.Equal("registry.registry_type", error.KeyPath);
        Assert.Equal(3, error.Line);
    }

    [Theory]
    [InlineData("online_store: dynamodb\n", "online store type 'dynamodb'")]
    [InlineData("online_store: {type: snowflake.online, account: a}\n", "online store type 'snowflake.online'")]
    [InlineData("online_store: {type: my_company.stores.CustomOnlineStore}\n", "online store type 'my_company.stores.CustomOnlineStore'")]
    [InlineData("offline_store: bigquery\n", "offline store type 'bigquery'")]
    [InlineData("offline_store: {type: feast.infra.offline_stores.bigquery.BigQueryOfflineStore}\n", "offline store type 'feast.infra.offline_stores.bigquery.BigQueryOfflineStore'")]
    [InlineData("batch_engine: spark.engine\n", "batch engine type 'spark.engine'")]
    public void Parse_FeastTypeNotInFeastNet_SaysItIsNotSupported(string yaml, string what)
    {
        var error = ParseErrorWith(yaml);

        Assert.Contains($"{what} is not supported by Feast.NET. Supported types: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AuthWithoutType_ListsValidTypes()
    {
        var error = ParseErrorWith("auth:\n  client_id: x\n");

        Assert.Contains("auth needs a 'type'. Valid types: no_auth, kubernetes, oidc.", error.Message, StringComparison.Ordinal);
        Assert.Equal("auth.type", error.KeyPath);
    }

    // ---- required keys ---------------------------------------------------------------------------------------

    [Fact]
    public void Parse_NoProject_SaysHowToAddIt()
    {
        var error = ParseError("registry: data/registry.db\nprovider: local\n");

        Assert.Equal("feature_store.yaml: missing required key 'project'. Add a line such as 'project: my_project'.", error.Message);
        Assert.Equal("project", error.KeyPath);
        Assert.Null(error.Line);
    }

    [Fact]
    public void Parse_NoRegistry_SaysHowToAddIt()
    {
        var error = ParseError("project: my_project\nprovider: local\n");

        Assert.StartsWith("feature_store.yaml: missing required key 'registry'. Add a line such as 'registry: data/registry.db'", error.Message, StringComparison.Ordinal);
        Assert.Equal("registry", error.KeyPath);
    }

    [Fact]
    public void Parse_EmptyRegistry_SaysWhatToPutThere()
    {
        var error = ParseError("project: p\nregistry:\n");

        Assert.Contains("registry: is empty. Set it to a file path such as 'data/registry.db'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NullProject_NamesKeyAndExpectedType()
    {
        var error = ParseError("project:\nregistry: r\n");

        Assert.Contains("project must be a string, got null.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("host")]
    [InlineData("database")]
    [InlineData("user")]
    [InlineData("password")]
    public void Parse_PostgresOnlineStoreWithoutRequiredKey_NamesItAndListsRequiredKeys(string missing)
    {
        var keys = new[] { "host", "database", "user", "password" }.Where(k => k != missing).Select(k => $"  {k}: x\n");

        var error = ParseErrorWith("online_store:\n  type: postgres\n" + string.Concat(keys));

        Assert.Contains(
            $"missing required key '{missing}' in online_store (type postgres). Required keys: host, database, user, password.",
            error.Message,
            StringComparison.Ordinal);
        Assert.Equal($"online_store.{missing}", error.KeyPath);
    }

    [Fact]
    public void Parse_PostgresStringForm_NeedsConnectionKeys()
    {
        var error = ParseErrorWith("online_store: postgres\n");

        Assert.Contains("missing required key 'host' in online_store (type postgres)", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Parse_PostgresOfflineStoreWithoutPassword_NamesIt()
    {
        var error = ParseErrorWith("offline_store: {type: postgres, host: h, database: d, user: u}\n");

        Assert.Contains("missing required key 'password' in offline_store (type postgres)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sql")]
    [InlineData("remote")]
    public void Parse_SqlOrRemoteRegistryWithoutPath_NamesPath(string type)
    {
        var error = ParseError($"project: p\nregistry:\n  registry_type: {type}\n");

        Assert.Contains($"missing required key 'path' in registry (type {type})", error.Message, StringComparison.Ordinal);
        Assert.Equal("registry.path", error.KeyPath);
    }

    // ---- project name ----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("_private")]
    [InlineData("-dash")]
    [InlineData("'my project'")]
    [InlineData("a.b")]
    [InlineData("team/project")]
    [InlineData("''")]
    public void Parse_InvalidProjectName_ExplainsTheRule(string name)
    {
        var error = ParseError($"project: {name}\nregistry: r\n");

        Assert.Contains("invalid project name", error.Message, StringComparison.Ordinal);
        Assert.Contains("may contain only letters, digits, '_' and '-', and must not start with '_' or '-'", error.Message, StringComparison.Ordinal);
        Assert.Equal("project", error.KeyPath);
        Assert.Equal(1, error.Line);
    }

    [Theory]
    [InlineData("")]
    [InlineData("online_store: sqlite\n")]
    [InlineData("online_store:\n  type: sqlite\n  path: x.db\n")]
    [InlineData("online_store: {type: feast.infra.online_stores.sqlite.SqliteOnlineStore}\n")]
    public void Parse_HyphenInProjectWithSqlite_NamesTheReason(string onlineStore)
    {
        var error = ParseError("project: my-project\nregistry: r\n" + onlineStore);

        Assert.Contains("project name 'my-project' contains '-'", error.Message, StringComparison.Ordinal);
        Assert.Contains("sqlite online store", error.Message, StringComparison.Ordinal);
        Assert.Contains("table names", error.Message, StringComparison.Ordinal);
        Assert.Equal("project", error.KeyPath);
        Assert.Equal(1, error.Line);
    }

    [Theory]
    [InlineData("online_store: redis\n")]
    [InlineData("online_store: null\n")]
    public void Parse_HyphenInProjectWithoutSqlite_IsAccepted(string onlineStore)
    {
        Assert.Equal("my-project", Parse("project: my-project\nregistry: r\n" + onlineStore).Project);
    }

    // ---- wrong value types -----------------------------------------------------------------------------------

    [Theory]
    [InlineData("registry:\n  cache_ttl_seconds: abc\n", "registry.cache_ttl_seconds", "an integer of at least 0", "'abc'")]
    [InlineData("registry:\n  cache_ttl_seconds: -1\n", "registry.cache_ttl_seconds", "an integer of at least 0", "'-1'")]
    [InlineData("registry:\n  cache_ttl_seconds: 1.5\n", "registry.cache_ttl_seconds", "an integer of at least 0", "'1.5'")]
    [InlineData("registry:\n  cache_ttl_seconds: null\n", "registry.cache_ttl_seconds", "an integer of at least 0", "null")]
    [InlineData("registry:\n  cache_ttl_seconds: 99999999999\n", "registry.cache_ttl_seconds", "an integer of at least 0", "'99999999999'")]
    [InlineData("registry:\n  purge_feast_metadata: maybe\n", "registry.purge_feast_metadata", "a boolean (true or false)", "'maybe'")]
    [InlineData("registry:\n  s3_additional_kwargs: [a]\n", "registry.s3_additional_kwargs", "a mapping", "a list")]
    [InlineData("registry:\n  s3_additional_kwargs: {a: {b: c}}\n", "registry.s3_additional_kwargs.a", "a string", "a mapping")]
    [InlineData("registry: [a, b]\n", "registry", "a file path or a mapping with 'registry_type' and 'path'", "a list")]
    [InlineData("registry:\n  path: [a]\n", "registry.path", "a string", "a list")]
    public void Parse_WrongRegistryValueType_NamesKeyAndExpectedType(string yaml, string keyPath, string expected, string got)
    {
        var error = ParseError("project: p\n" + yaml);

        Assert.Contains($"{keyPath} must be {expected}, got {got}.", error.Message, StringComparison.Ordinal);
        Assert.Equal(keyPath, error.KeyPath);
        Assert.NotNull(error.Line);
    }

    [Theory]
    [InlineData("online_store: {" + Postgres + ", port: x}\n", "online_store.port", "an integer from 1 to 65535", "'x'")]
    [InlineData("online_store: {" + Postgres + ", port: 70000}\n", "online_store.port", "an integer from 1 to 65535", "'70000'")]
    [InlineData("online_store: {type: postgres, host: [a], database: d, user: u, password: p}\n", "online_store.host", "a string", "a list")]
    [InlineData("online_store: {" + Postgres + ", max_conn: 0}\n", "online_store.max_conn", "an integer of at least 1", "'0'")]
    [InlineData("online_store: {type: redis, connection_string: {a: b}}\n", "online_store.connection_string", "a string", "a mapping")]
    [InlineData("online_store: {type: redis, key_ttl_seconds: soon}\n", "online_store.key_ttl_seconds", "an integer of at least 1", "'soon'")]
    [InlineData("online_store: {type: redis, skip_dedup: 1}\n", "online_store.skip_dedup", "a boolean (true or false)", "'1'")]
    [InlineData("online_store: {type: sqlite, vector_enabled: maybe}\n", "online_store.vector_enabled", "a boolean (true or false)", "'maybe'")]
    [InlineData("online_store: {type: sqlite, path: null}\n", "online_store.path", "a string", "null")]
    [InlineData("online_store: {type: remote, connection_pool_size: 0}\n", "online_store.connection_pool_size", "an integer of at least 1", "'0'")]
    [InlineData("online_store: [redis]\n", "online_store", "a mapping or one of the type names sqlite, remote, redis, postgres", "a list")]
    [InlineData("offline_store: [duckdb]\n", "offline_store", "a mapping or one of the type names duckdb, dask, file, postgres, remote", "a list")]
    [InlineData("online_store: {type: [redis]}\n", "online_store.type", "a string", "a list")]
    [InlineData("entity_key_serialization_version: 4\n", "entity_key_serialization_version", "an integer from 1 to 3", "'4'")]
    [InlineData("entity_key_serialization_version: 0\n", "entity_key_serialization_version", "an integer from 1 to 3", "'0'")]
    [InlineData("entity_key_serialization_version: three\n", "entity_key_serialization_version", "an integer from 1 to 3", "'three'")]
    [InlineData("coerce_tz_aware: \"sure\"\n", "coerce_tz_aware", "a boolean (true or false)", "'sure'")]
    [InlineData("materialization: 5\n", "materialization", "a mapping", "'5'")]
    [InlineData("materialization: {online_write_batch_size: 0}\n", "materialization.online_write_batch_size", "an integer of at least 1", "'0'")]
    [InlineData("feature_server: {metrics: true}\n", "feature_server.metrics", "a mapping", "'true'")]
    [InlineData("feature_server: {offline_push_batching_batch_size: 0}\n", "feature_server.offline_push_batching_batch_size", "an integer of at least 1", "'0'")]
    [InlineData("feature_server: {materialize_timeout: 0}\n", "feature_server.materialize_timeout", "a number greater than 0", "'0'")]
    [InlineData("auth: {type: oidc, auth_discovery_url: u, jwks_cache_lifespan_seconds: 0}\n", "auth.jwks_cache_lifespan_seconds", "an integer of at least 1", "'0'")]
    [InlineData("auth: {type: oidc, auth_discovery_url: u, jwks_request_timeout_seconds: 0}\n", "auth.jwks_request_timeout_seconds", "a number greater than 0", "'0'")]
    [InlineData("auth: {type: oidc, auth_discovery_url: u, verify_ssl: sometimes}\n", "auth.verify_ssl", "a boolean (true or false)", "'sometimes'")]
    [InlineData("project_description: {a: b}\n", "project_description", "a string", "a mapping")]
    public void Parse_WrongValueType_NamesKeyAndExpectedType(string yaml, string keyPath, string expected, string got)
    {
        var error = ParseErrorWith(yaml);

        Assert.Contains($"{keyPath} must be {expected}, got {got}.", error.Message, StringComparison.Ordinal);
        Assert.Equal(keyPath, error.KeyPath);
        Assert.NotNull(error.Line);
    }

    [Fact]
    public void Parse_WrongProjectType_NamesKey()
    {
        var error = ParseError("project: [a]\nregistry: r\n");

        Assert.Contains("project must be a string, got a list.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnsetVariableInIntegerSetting_ShowsTheUnexpandedText()
    {
        var error = ParseError("project: p\nregistry:\n  cache_ttl_seconds: ${REGISTRY_TTL}\n");

        Assert.Contains("registry.cache_ttl_seconds must be an integer of at least 0, got '${REGISTRY_TTL}'.", error.Message, StringComparison.Ordinal);
    }

    // ---- invalid choices -------------------------------------------------------------------------------------

    [Theory]
    [InlineData("online_store: {type: redis, redis_type: cluster}\n", "online_store.redis_type", "'cluster'", "redis, redis_cluster, redis_sentinel")]
    [InlineData("online_store: {" + Postgres + ", conn_type: multi}\n", "online_store.conn_type", "'multi'", "singleton, pool")]
    [InlineData("offline_store: {" + Postgres + ", entity_select_mode: join}\n", "offline_store.entity_select_mode", "'join'", "temp_table, embed_query")]
    [InlineData("provider: azur\n", "provider", "'azur'", "local, gcp, aws, azure, unity_catalog")]
    [InlineData("provider: my.custom.Provider\n", "provider", "'my.custom.Provider'", "local, gcp, aws, azure, unity_catalog")]
    [InlineData("batch_engine: {backend: spark}\n", "batch_engine.backend", "'spark'", "pandas, polars, null")]
    [InlineData("feature_server: {type: mcp, mcp_transport: ws}\n", "feature_server.mcp_transport", "'ws'", "sse, http")]
    [InlineData("feature_server: {materialize_mode: cloud}\n", "feature_server.materialize_mode", "'cloud'", "local, remote")]
    public void Parse_InvalidChoice_ListsValidValues(string yaml, string keyPath, string value, string choices)
    {
        var error = ParseErrorWith(yaml);

        Assert.Contains($"{keyPath}: invalid value {value}. Valid values: {choices}.", error.Message, StringComparison.Ordinal);
        Assert.Equal(keyPath, error.KeyPath);
    }

    [Theory]
    [InlineData("cache_mode: eager\n", "registry.cache_mode", "'eager'", "sync, thread")]
    [InlineData("registry_type: sql\n  path: x\n  schema_mode: create\n", "registry.schema_mode", "'create'", "auto, verify, skip")]
    public void Parse_InvalidRegistryChoice_ListsValidValues(string yaml, string keyPath, string value, string choices)
    {
        var error = ParseError("project: p\nregistry:\n  " + yaml);

        Assert.Contains($"{keyPath}: invalid value {value}. Valid values: {choices}.", error.Message, StringComparison.Ordinal);
    }

    // ---- auth credentials ------------------------------------------------------------------------------------

    [Fact]
    public void Parse_OidcClientSecretWithoutDiscoveryUrlAndClientId_ListsWhatIsMissing()
    {
        var error = ParseErrorWith("auth: {type: oidc, client_secret: s}\n");

        Assert.Contains("incomplete 'client_credentials' credentials in auth: set client_secret, auth_discovery_url, client_id together, or none of them. Missing: auth_discovery_url, client_id.", error.Message, StringComparison.Ordinal);
        Assert.Equal("auth.auth_discovery_url", error.KeyPath);
    }

    [Fact]
    public void Parse_OidcUsernameWithoutPassword_ListsPassword()
    {
        var error = ParseErrorWith("auth: {type: oidc, auth_discovery_url: u, client_id: c, client_secret: s, username: alice}\n");

        Assert.Contains("Missing: password.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("token: t, token_env_var: T", "token, token_env_var")]
    [InlineData("token: t, client_secret: s, auth_discovery_url: u, client_id: c", "token, client_credentials")]
    public void Parse_OidcTwoCredentialGroups_NamesBoth(string credentials, string groups)
    {
        var error = ParseErrorWith($"auth: {{type: oidc, {credentials}}}\n");

        Assert.Contains($"more than one kind of OIDC client credentials ({groups}). Only one of [token, token_env_var, client_credentials] may be set.", error.Message, StringComparison.Ordinal);
    }

    // ---- malformed files -------------------------------------------------------------------------------------

    [Fact]
    public void Parse_MalformedYaml_GivesLineAndColumn()
    {
        var error = ParseError("project: p\nregistry: r\nonline_store: {type: redis,\n  path: [a, b}\n");

        Assert.StartsWith($"feature_store.yaml:{error.Line}:{error.Column}: invalid YAML: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, error.Line);
        Assert.IsAssignableFrom<YamlDotNet.Core.YamlException>(error.InnerException);
    }

    [Theory]
    [InlineData("project: p\n registry: r\n")]
    [InlineData("project: p\nregistry:\n\tpath: r\n")]
    [InlineData("project: 'p\nregistry: r\n")]
    [InlineData("project: p\nregistry: *missing_anchor\n")]
    [InlineData("project: p\nregistry: r: s\n")]
    public void Parse_InvalidYamlSyntax_IsAConfigErrorWithPosition(string yaml)
    {
        var error = ParseError(yaml);

        Assert.Contains("invalid YAML", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Line);
        Assert.NotNull(error.Column);
    }

    [Fact]
    public void Parse_UnclosedFlowMappingBeforePlainScalar_IsAConfigErrorNotACrash()
    {
        // YamlDotNet throws InvalidOperationException here rather than a YamlException.
        var error = ParseError("project: p\nregistry: r\nonline_store: {type: redis\nprovider: local\n");

        Assert.Contains("invalid YAML: the YAML reader stopped after this point; look for an unclosed '{', '[' or quote.", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Parse_DuplicateKey_PointsAtTheSecondOne()
    {
        var error = ParseError("project: p\nregistry: r\nproject: q\n");

        Assert.StartsWith("feature_store.yaml:3:1: invalid YAML: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("Duplicate key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TwoDocuments_AsksForOne()
    {
        var error = ParseError("project: p\nregistry: r\n---\nproject: q\n");

        Assert.Contains("the file holds 2 YAML documents ('---'); it must hold one.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("- project: p\n- registry: r\n", "a list")]
    [InlineData("just some text\n", "'just some text'")]
    public void Parse_TopLevelNotAMapping_SaysSo(string yaml, string got)
    {
        var error = ParseError(yaml);

        Assert.Contains($"the top level must be a mapping of settings (key: value), got {got}.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NonScalarTopLevelKey_SaysKeysMustBeNames()
    {
        var error = ParseError("? [a, b]\n: c\nproject: p\nregistry: r\n");

        Assert.Contains("top-level keys must be plain names, got a list.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n")]
    [InlineData("# feature_store.yaml\n# nothing here yet\n")]
    [InlineData("~\n")]
    [InlineData("---\n")]
    public void Parse_EmptyFile_SaysWhatItNeeds(string yaml)
    {
        var error = ParseError(yaml);

        Assert.Equal(
            "feature_store.yaml: the file is empty. It needs at least 'project' and 'registry'; run `feast init` for a template.",
            error.Message);
    }

    [Fact]
    public void Parse_SourceName_IsUsedInMessages()
    {
        var error = Assert.Throws<FeastConfigException>(
            () => RepoConfigLoader.Parse("project: p\n", RepoDir, "/repos/driver/feature_store.yaml"));

        Assert.StartsWith("/repos/driver/feature_store.yaml: missing required key 'registry'.", error.Message, StringComparison.Ordinal);
        Assert.Equal("/repos/driver/feature_store.yaml", error.SourceName);
    }
}
