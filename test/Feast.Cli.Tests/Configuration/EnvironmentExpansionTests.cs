using Feast.Configuration;
using Feast.Postgres;
using Feast.Redis;
using static Feast.Tests.Configuration.ConfigTesting;

namespace Feast.Tests.Configuration;

public class EnvironmentExpansionTests
{
    private static readonly Dictionary<string, string> Environment = new()
    {
        ["PG_HOST"] = "db.internal",
        ["PG_PASSWORD"] = "p@ss:word",
        ["PROJECT"] = "driver_stats",
        ["TTL"] = "30",
        ["STORE"] = "redis",
    };

    [Fact]
    public void Parse_BracedAndBareVariables_AreExpandedBeforeParsing()
    {
        var config = Parse("""
            project: ${PROJECT}
            registry:
              path: data/registry.db
              cache_ttl_seconds: $TTL
            online_store:
              type: postgres
              host: ${PG_HOST}
              database: feast
              user: feast
              password: "${PG_PASSWORD}"
            """, Environment);

        Assert.Equal("driver_stats", config.Project);
        Assert.Equal(30, config.Registry.CacheTtlSeconds);
        var postgres = (PostgresOnlineStoreOptions)config.OnlineStore!;
        Assert.Equal("db.internal", postgres.Host);
        Assert.Equal("p@ss:word", postgres.Password);
    }

    [Fact]
    public void Parse_VariableInKeyOrTypePosition_IsExpandedToo()
    {
        // Feast expands the whole text, not just values.
        var config = Parse("project: p\nregistry: r\nonline_store: $STORE\n", Environment);

        Assert.IsType<RedisOnlineStoreOptions>(config.OnlineStore);
    }

    [Fact]
    public void Parse_UnsetVariables_AreLeftAsWritten()
    {
        var config = Parse("""
            project: p
            registry: ${UNSET_REGISTRY_PATH}/registry.db
            project_description: costs $UNSET_AMOUNT and ${}
            """, Environment);

        Assert.Equal("${UNSET_REGISTRY_PATH}/registry.db", config.Registry.Path);
        Assert.Equal("costs $UNSET_AMOUNT and ${}", config.ProjectDescription);
    }

    [Theory]
    [InlineData("$PROJECT", "driver_stats")]
    [InlineData("${PROJECT}", "driver_stats")]
    [InlineData("${PROJECT}_v2", "driver_stats_v2")]
    [InlineData("$PROJECT_v2", "$PROJECT_v2")]
    [InlineData("a$PROJECT-b", "adriver_stats-b")]
    [InlineData("$$PROJECT", "$driver_stats")]
    [InlineData("${PROJECT:-x}", "${PROJECT:-x}")]
    [InlineData("$", "$")]
    [InlineData("${PROJECT", "${PROJECT")]
    [InlineData("no variables", "no variables")]
    public void Expand_MatchesPythonExpandvars(string text, string expected)
    {
        Assert.Equal(expected, EnvironmentVariableExpander.Expand(text, Lookup(Environment)));
    }

    [Fact]
    public void Expand_NonAsciiAfterDollar_IsNotAVariableName()
    {
        // posixpath compiles its pattern with re.ASCII.
        Assert.Equal("$é", EnvironmentVariableExpander.Expand("$é", _ => "x"));
    }

    [Fact]
    public void Parse_ProcessEnvironment_IsUsedByPublicParse()
    {
        var name = "FEAST_NET_TEST_" + Guid.NewGuid().ToString("N");
        System.Environment.SetEnvironmentVariable(name, "from_process");
        try
        {
            var config = RepoConfigLoader.Parse($"project: ${{{name}}}\nregistry: r\n", RepoDir);

            Assert.Equal("from_process", config.Project);
        }
        finally
        {
            System.Environment.SetEnvironmentVariable(name, null);
        }
    }
}
