using Feast.Configuration;
using static Feast.Tests.Configuration.ConfigTesting;

namespace Feast.Tests.Configuration;

public class RepoConfigToYamlTests
{
    [Fact]
    public void ToYaml_FeastInitTemplate_PrintsEffectiveConfigWithSnakeCaseKeys()
    {
        var yaml = Parse(RepoConfigParseTests.FeastInitTemplate).ToYaml();

        Assert.StartsWith("project: my_project\nprovider: local\nregistry:\n  registry_type: file\n  path: data/registry.db\n  cache_ttl_seconds: 600\n  cache_mode: sync\n", yaml, StringComparison.Ordinal);
        Assert.Contains("online_store:\n  type: sqlite\n  path: data/online_store.db\n  vector_enabled: false\n", yaml, StringComparison.Ordinal);
        Assert.Contains("offline_store:\n  type: duckdb\n", yaml, StringComparison.Ordinal);
        Assert.Contains("batch_engine:\n  type: local\n", yaml, StringComparison.Ordinal);
        Assert.Contains("auth:\n  type: no_auth\n", yaml, StringComparison.Ordinal);
        Assert.Contains("feature_server:\n  type: local\n  enabled: false\n  metrics:\n    enabled: false\n", yaml, StringComparison.Ordinal);
        Assert.Contains("entity_key_serialization_version: 3\ncoerce_tz_aware: true\n", yaml, StringComparison.Ordinal);
        Assert.Contains("materialization:\n  pull_latest_features: false\n", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("repo_path", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("batch_engine_config", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void ToYaml_RelativePaths_ArePrintedAsWritten()
    {
        var yaml = Parse("project: p\nregistry: ../shared/registry.db\nonline_store:\n  path: ./online.db\n").ToYaml();

        Assert.Contains("path: ../shared/registry.db\n", yaml, StringComparison.Ordinal);
        Assert.Contains("path: ./online.db\n", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void ToYaml_DisabledOnlineStore_PrintsNull()
    {
        Assert.Contains("online_store: null\n", ParseWith("online_store: none\n").ToYaml(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RepoConfigParseTests.FeastInitTemplate)]
    [InlineData("project: p\nregistry:\n  registry_type: sql\n  path: postgresql://u:p@h/db\n  sqlalchemy_config_kwargs: {echo: true, pool_size: 5}\nonline_store:\n  type: postgres\n  host: h\n  database: d\n  user: u\n  password: '12345'\n  sslmode: null\noffline_store:\n  type: postgres\n  host: h\n  database: d\n  user: u\n  password: p\n")]
    [InlineData("project: p\nregistry: {registry_type: remote, path: 'h:6570', authority: x}\nonline_store: {type: redis, key_ttl_seconds: 60, connection_string: 'a:1,b:2'}\nbatch_engine: {backend: polars}\n")]
    [InlineData("project: p\nregistry: r\nonline_store: remote\nauth: {type: oidc, token: 'yes'}\nfeature_server: {type: mcp, mcp_enabled: true}\n")]
    [InlineData("project: p\nregistry: r\nauth: {type: kubernetes, user_token: t, extra: [1, 2.0, 'on', null, {k: v}]}\nmaterialization: {online_write_batch_size: 10}\n")]
    [InlineData("project: p\nregistry: r\nproject_description: '123'\nflags: {a: 'true', b: 0x10, c: 1.5e+3, d: '2024-01-01', e: '', f: 'x: y', g: '#hash'}\nlist: []\nmap: {}\n")]
    public void ToYaml_ParsedBack_GivesTheSameSettings(string yaml)
    {
        var first = Parse(yaml);

        var printed = first.ToYaml(includeSecrets: true);
        var second = Parse(printed);

        Assert.Equal(printed, second.ToYaml(includeSecrets: true));
        ConfigAssert.Equivalent(first, second);
    }

    [Fact]
    public void ConfigAssert_DifferentNestedDictionaryValue_Fails()
    {
        var first = ParseWith("auth: {type: kubernetes, extra: 1}\n");
        var second = ParseWith("auth: {type: kubernetes, extra: 2}\n");

        Assert.ThrowsAny<Exception>(() => ConfigAssert.Equivalent(first, second));
    }

    [Fact]
    public void ToYaml_StringsPyYamlWouldRetype_AreQuoted()
    {
        var yaml = ParseWith("""
            project_description: "yes"
            custom:
              a: "123"
              b: "null"
              c: "1.5"
              d: "off"
              e: ""
              f: "2024-01-01"
              g: 0o17
            """).ToYaml();

        Assert.Contains("project_description: \"yes\"\n", yaml, StringComparison.Ordinal);
        Assert.Contains("  a: \"123\"\n  b: \"null\"\n  c: \"1.5\"\n  d: \"off\"\n  e: \"\"\n  f: \"2024-01-01\"\n  g: 0o17\n", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void ToYaml_ExtraKeys_ArePrintedLast()
    {
        var yaml = ParseWith("flags:\n  beta: true\n").ToYaml();

        Assert.EndsWith("flags:\n  beta: true\n", yaml, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(2.5, "2.5")]
    [InlineData(1e20, "1.0E+20")]
    [InlineData(double.PositiveInfinity, ".inf")]
    [InlineData(double.NaN, ".nan")]
    public void FormatDouble_Always_ReadsBackAsAFloatInPyYaml(double value, string expected)
    {
        var text = YamlScalars.FormatDouble(value);

        Assert.Equal(expected, text);
        Assert.IsType<double>(YamlScalars.ResolvePlain(text));
    }

    [Fact]
    public void ToYaml_SectionWithoutABackend_KeepsItsKeysAndMasksItsSecrets()
    {
        var config = RepoConfigLoader.Parse(
            "project: p\nregistry: r\nonline_store:\n  type: custom_store\n  host: h\n  password: 123456\n  token: abc\n", RepoDir);

        var yaml = config.ToYaml();

        Assert.Equal("custom_store", Assert.IsType<UnresolvedOnlineStoreOptions>(config.OnlineStore).Type);
        Assert.Contains("  type: custom_store\n  host: h\n", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("123456", yaml, StringComparison.Ordinal);
        Assert.Contains("123456", config.ToYaml(includeSecrets: true), StringComparison.Ordinal);
    }
}
