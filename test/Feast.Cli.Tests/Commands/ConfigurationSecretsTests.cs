namespace Feast.Cli.Tests.Commands;

/// <summary><c>feast configuration</c> prints every setting but no secret: each one is masked as <c>***</c>.</summary>
public class ConfigurationSecretsTests
{
    private const string RedisAndPostgres = """
        project: secrets
        provider: local
        registry:
          registry_type: sql
          path: postgresql://feast:RegistrySecret1@db.example:5432/feast
        online_store:
          type: redis
          connection_string: "redis.example:6379,ssl=true,password=RedisSecret2"
        offline_store:
          type: postgres
          host: db.example
          database: feast
          user: feast
          password: OfflineSecret3
        auth:
          type: oidc
          auth_discovery_url: https://id.example/.well-known/openid-configuration
          client_id: feast
          client_secret: ClientSecret4
          username: ada
          password: UserSecret5
        """;

    private const string PostgresOnline = """
        project: secrets
        provider: local
        registry: data/registry.db
        online_store:
          type: postgres
          host: db.example
          database: feast
          user: feast
          password: OnlineSecret6
        auth:
          type: oidc
          token: StaticToken7
        """;

    [Theory]
    [InlineData(RedisAndPostgres, "RegistrySecret1", "registry:\n  registry_type: sql\n  path: postgresql://feast:***@db.example:5432/feast\n")]
    [InlineData(RedisAndPostgres, "RedisSecret2", "connection_string: redis.example:6379,ssl=true,password=***\n")]
    [InlineData(RedisAndPostgres, "OfflineSecret3", "  user: feast\n  password: '***'\n")]
    [InlineData(RedisAndPostgres, "ClientSecret4", "  client_secret: '***'\n")]
    [InlineData(RedisAndPostgres, "UserSecret5", "  username: ada\n  password: '***'\n")]
    [InlineData(PostgresOnline, "OnlineSecret6", "  password: '***'\n")]
    [InlineData(PostgresOnline, "StaticToken7", "  token: '***'\n")]
    public async Task Configuration_MasksEverySecret(string yaml, string secret, string masked)
    {
        using var temp = new TempDir();
        await File.WriteAllTextAsync(temp.File("feature_store.yaml"), yaml);

        var result = (await FeastCommand.InAsync(temp.Path, "configuration")).Expect(0);

        Assert.DoesNotContain(secret, result.Stdout, StringComparison.Ordinal);
        Assert.Contains(masked, result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configuration_KeepsWhatIsNotSecret()
    {
        using var temp = new TempDir();
        await File.WriteAllTextAsync(temp.File("feature_store.yaml"), RedisAndPostgres);

        var result = (await FeastCommand.InAsync(temp.Path, "configuration")).Expect(0);

        Assert.Contains("client_id: feast\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("auth_discovery_url: https://id.example/.well-known/openid-configuration\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  host: db.example\n", result.Stdout, StringComparison.Ordinal);
    }
}
