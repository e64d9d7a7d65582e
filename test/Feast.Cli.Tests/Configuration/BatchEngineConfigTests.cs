using Feast.Configuration;
using static Feast.Tests.Configuration.ConfigTesting;

namespace Feast.Tests.Configuration;

public class BatchEngineConfigTests
{
    private static RepoConfig ParseWithout(string extraYaml, FeastBackends backends) =>
        RepoConfigLoader.Parse(Minimal + extraYaml, RepoDir, "feature_store.yaml", backends);

    [Fact]
    public void Parse_OrleansWithoutItsPackage_ErrorNamesThePackageToAdd()
    {
        var error = Assert.Throws<FeastConfigException>(() => ParseWithout("batch_engine:\n  type: orleans\n  shards: 4\n", new FeastBackends()));

        Assert.Contains("batch_engine.type", error.Message, StringComparison.Ordinal);
        Assert.Contains("Feast.Orleans", error.Message, StringComparison.Ordinal);
        Assert.Contains("UseOrleans()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MisspeltEngineType_SuggestsTheNearestType()
    {
        var error = ParseErrorWith("batch_engine:\n  type: orleens\n");

        Assert.Contains("Did you mean 'orleans'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OrleansBeforeBackendsAreKnown_KeptAsWrittenAndPrintedBack()
    {
        // A FeatureStore binds it later with its own backends (FeastBackends.Resolve).
        var config = RepoConfigLoader.Parse(Minimal + "batch_engine:\n  type: orleans\n  shards: 4\n", RepoDir);

        var unresolved = Assert.IsType<UnresolvedBatchEngineConfig>(config.BatchEngine);
        Assert.Equal("orleans", unresolved.Type);
        Assert.Equal(4L, Convert.ToInt64(unresolved.Settings["shards"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("shards: 4", RepoConfigYamlWriter.Write(config, redact: false), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoSection_LocalEngine()
    {
        var config = ParseWithout("", new FeastBackends());

        Assert.Equal("local", config.BatchEngine.Type);
        Assert.IsNotType<UnresolvedBatchEngineConfig>(config.BatchEngine);
    }
}
