using Feast.Configuration;
using Feast.DuckDb;

namespace Feast.Orleans.Tests;

public sealed class OrleansOptionsTests
{
    private const string Minimal = "project: p\nregistry: data/registry.db\noffline_store:\n  type: duckdb\n";

    private static RepoConfig Parse(string yaml) =>
        RepoConfigLoader.Parse(Minimal + yaml, Path.GetTempPath(), "feature_store.yaml", new FeastBackends().UseDuckDb().UseOrleans());

    [Fact]
    public void Parse_FullSection_BindsAndPrintsBack()
    {
        var config = Parse("batch_engine:\n  type: orleans\n  clustering:\n    type: redis\n    connection_string: localhost:6379\n  cluster_id: c1\n  shards: 12\n  max_attempts: 5\n  task_timeout_seconds: 60\n");

        var engine = Assert.IsType<OrleansBatchEngineOptions>(config.BatchEngine);
        Assert.Equal(("redis", "localhost:6379"), (engine.Clustering.Type, engine.Clustering.ConnectionString));
        Assert.Equal(("c1", 12, 5, 60), (engine.ClusterId, engine.Shards, engine.MaxAttempts, engine.TaskTimeoutSeconds));
        var printed = config.ToYaml(includeSecrets: true);
        Assert.Contains("shards: 12", printed, StringComparison.Ordinal);
        Assert.Contains("connection_string: localhost:6379", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Defaults_EightShardsThreeAttempts()
    {
        var engine = Assert.IsType<OrleansBatchEngineOptions>(Parse("batch_engine:\n  type: orleans\n  clustering:\n    connection_string: localhost:6379\n").BatchEngine);

        Assert.Equal(("redis", "feast", 8, 3, 3600), (engine.Clustering.Type, engine.ClusterId, engine.Shards, engine.MaxAttempts, engine.TaskTimeoutSeconds));
    }

    [Theory]
    [InlineData("batch_engine:\n  type: orleans\n", "clustering")]
    [InlineData("batch_engine:\n  type: orleans\n  clustering:\n    type: redis\n", "connection_string")]
    [InlineData("batch_engine:\n  type: orleans\n  clustering:\n    type: zookeeper\n    connection_string: x\n", "zookeeper")]
    [InlineData("batch_engine:\n  type: orleans\n  clustering:\n    connection_string: x\n  shards: 0\n", "batch_engine.shards")]
    [InlineData("batch_engine:\n  type: orleans\n  clustering:\n    connection_string: x\n  shard: 4\n", "shards")]
    public void Parse_BadSection_ErrorNamesTheKey(string yaml, string named)
    {
        var error = Assert.Throws<FeastConfigException>(() => Parse(yaml));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run/view/0/1", 1)]
    [InlineData("run/view/5/2", 7)]
    [InlineData("run/a/b/view/3/1", 4)]
    [InlineData("not-a-shard", 0)]
    public void Placement_SlotIsIndexPlusAttempt(string key, int slot) => Assert.Equal(slot, ShardPlacementDirector.Slot(key));

    [Fact]
    public async Task FeastWorker_RepoWithLocalEngine_ExitsWithAnErrorSayingWhatToAdd()
    {
        var repo = Path.Combine(Path.GetTempPath(), "feast-orleans-tests", "local" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(repo);
        await File.WriteAllTextAsync(Path.Combine(repo, "feature_store.yaml"), Minimal);

        var (exit, output) = await Cli.RunAsync(repo, "worker", "--http-port", "0");

        Assert.NotEqual(0, exit);
        Assert.Contains("feast worker needs batch_engine type 'orleans'", output, StringComparison.Ordinal);
        Assert.Contains("clustering:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FeastWorkerHelp_ExplainsThePortsAndTheCluster()
    {
        var (exit, output) = await Cli.RunAsync(Path.GetTempPath(), "worker", "--help");

        Assert.Equal(0, exit);
        foreach (var option in new[] { "--silo-port", "--gateway-port", "--advertise-host", "--http-port", "batch_engine" })
            Assert.Contains(option, output, StringComparison.Ordinal);
    }
}
