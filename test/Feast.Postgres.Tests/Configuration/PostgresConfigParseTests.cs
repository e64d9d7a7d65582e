using Feast.Configuration;

namespace Feast.Postgres.Tests.Configuration;

/// <summary>The PostgreSQL online and offline store yaml keys, bound through the schema <c>UsePostgres()</c> registers (moved from Feast.Tests' RepoConfigParseTests).</summary>
public class PostgresConfigParseTests
{
    private const string Minimal = "project: my_project\nregistry: data/registry.db\n";

    private static RepoConfig ParseWith(string extraYaml) =>
        RepoConfigLoader.Parse(Minimal + extraYaml, Path.GetTempPath(), "feature_store.yaml", new FeastBackends().UsePostgres());

    [Fact]
    public void Parse_PostgresAllOptions_BindsEveryKey()
    {
        var config = ParseWith("""
            online_store:
              type: postgres
              host: db.example.com
              port: 6543
              database: feast
              db_schema: features
              user: feast_user
              password: s3cret
              sslmode: verify-full
              sslkey_path: /certs/client.key
              sslcert_path: /certs/client.crt
              sslrootcert_path: /certs/root.crt
              keepalives_idle: 30
              min_conn: 2
              max_conn: 20
              conn_type: pool
              vector_enabled: true
              vector_len: 768
              similarity: inner_product
              enable_openai_compatible_store: true
            """);

        var postgres = Assert.IsType<PostgresOnlineStoreOptions>(config.OnlineStore);
        Assert.Equal("postgres", postgres.Type);
        Assert.Equal("db.example.com", postgres.Host);
        Assert.Equal(6543, postgres.Port);
        Assert.Equal("feast", postgres.Database);
        Assert.Equal("features", postgres.DbSchema);
        Assert.Equal("feast_user", postgres.User);
        Assert.Equal("s3cret", postgres.Password);
        Assert.Equal("verify-full", postgres.SslMode);
        Assert.Equal("/certs/client.key", postgres.SslKeyPath);
        Assert.Equal("/certs/client.crt", postgres.SslCertPath);
        Assert.Equal("/certs/root.crt", postgres.SslRootCertPath);
        Assert.Equal(30, postgres.KeepalivesIdle);
        Assert.Equal(2, postgres.MinConn);
        Assert.Equal(20, postgres.MaxConn);
        Assert.Equal(PostgresConnectionType.Pool, postgres.ConnType);
        Assert.True(postgres.VectorEnabled);
        Assert.Equal(768, postgres.VectorLength);
        Assert.Equal("inner_product", postgres.Similarity);
        Assert.True(postgres.EnableOpenaiCompatibleStore);
    }

    [Fact]
    public void Parse_PostgresRequiredKeysOnly_FillsDefaults()
    {
        var config = ParseWith("online_store:\n  type: postgres\n  host: h\n  database: d\n  user: u\n  password: p\n");

        var postgres = Assert.IsType<PostgresOnlineStoreOptions>(config.OnlineStore);
        Assert.Equal(
            new PostgresConnectionOptions { Host = "h", Database = "d", User = "u", Password = "p" },
            postgres.Connection);
        Assert.Equal(5432, postgres.Port);
        Assert.Equal("public", postgres.DbSchema);
        Assert.Equal("require", postgres.SslMode);
        Assert.Null(postgres.KeepalivesIdle);
        Assert.Equal(1, postgres.MinConn);
        Assert.Equal(10, postgres.MaxConn);
        Assert.Equal(PostgresConnectionType.Singleton, postgres.ConnType);
        Assert.False(postgres.VectorEnabled);
    }

    [Fact]
    public void Parse_PostgresQuotedPortAndNumericPassword_AreAccepted()
    {
        // Feast's `port: int` is lax, and an expanded ${PASSWORD} of digits is a YAML int.
        var config = ParseWith("online_store:\n  type: postgres\n  host: h\n  port: \"5433\"\n  database: d\n  user: u\n  password: 123456\n");

        var postgres = (PostgresOnlineStoreOptions)config.OnlineStore!;
        Assert.Equal(5433, postgres.Port);
        Assert.Equal("123456", postgres.Password);
    }

    [Fact]
    public void Parse_PostgresOfflineStore_BindsConnectionAndSelectMode()
    {
        var config = ParseWith("""
            offline_store:
              type: postgres
              host: localhost
              database: feast
              user: feast
              password: feast
              sslmode: disable
              entity_select_mode: embed_query
            """);

        var postgres = Assert.IsType<PostgresOfflineStoreOptions>(config.OfflineStore);
        Assert.Equal("localhost", postgres.Connection.Host);
        Assert.Equal("disable", postgres.Connection.SslMode);
        Assert.Equal(PostgresEntitySelectMode.EmbedQuery, postgres.EntitySelectMode);
    }

    [Fact]
    public void Parse_PostgresOfflineStoreDefaults_UseTempTable()
    {
        var config = ParseWith("offline_store:\n  type: postgres\n  host: h\n  database: d\n  user: u\n  password: p\n");

        Assert.Equal(PostgresEntitySelectMode.TempTable, ((PostgresOfflineStoreOptions)config.OfflineStore).EntitySelectMode);
    }
}
