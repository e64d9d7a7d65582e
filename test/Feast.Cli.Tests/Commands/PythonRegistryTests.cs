using System.Text.Json.Nodes;

namespace Feast.Cli.Tests.Commands;

/// <summary>The read commands over a registry file written by Python Feast (project my_project).</summary>
public sealed class PythonRegistryTests : IDisposable
{
    private readonly TempDir _repo = new();
    private readonly byte[] _original;

    public PythonRegistryTests()
    {
        File.WriteAllText(_repo.File("feature_store.yaml"),
            "project: my_project\nregistry: data/registry.db\nprovider: local\nonline_store:\n    type: sqlite\n    path: data/online_store.db\n");
        Directory.CreateDirectory(_repo.File("data"));
        File.Copy(TestData.FeastRegistryDb, RegistryPath);
        _original = File.ReadAllBytes(RegistryPath);
    }

    private string RegistryPath => _repo.File("data/registry.db");

    private Task<CliResult> RunAsync(params string[] args) => FeastCommand.InAsync(_repo.Path, args);

    public void Dispose() => _repo.Dispose();

    [Fact]
    public async Task FeatureViewsList_PythonRegistry_ShowsItsViewsAndLeavesTheFileAlone()
    {
        var table = (await RunAsync("feature-views", "list")).ExpectOk().Table;

        Assert.Equal("FeatureView", table.Cell("driver_hourly_stats", "TYPE"));
        Assert.Equal("FeatureView", table.Cell("driver_hourly_stats_fresh", "TYPE"));
        Assert.Equal("{'driver'}", table.Cell("driver_hourly_stats", "ENTITIES"));
        Assert.Equal("OnDemandFeatureView", table.Cell("transformed_conv_rate", "TYPE"));
        Assert.Equal(_original, await File.ReadAllBytesAsync(RegistryPath));
    }

    [Fact]
    public async Task List_PythonRegistry_ShowsEveryKind()
    {
        var entities = (await RunAsync("entities", "list")).ExpectOk().Table;
        Assert.Equal([["driver", "", "INT64"]], entities.Rows);

        Assert.Equal(["driver_activity_v1"], (await RunAsync("feature-services", "list")).ExpectOk().Table.Column("NAME"));
        Assert.Equal(["pandas"], (await RunAsync("on-demand-feature-views", "list")).ExpectOk().Table.Column("MODE"));
        Assert.Equal("PushSource", (await RunAsync("data-sources", "list")).ExpectOk().Table.Cell("driver_stats_push_source", "CLASS"));
        Assert.Equal(["my_project"], (await RunAsync("projects", "list")).ExpectOk().Table.Column("NAME"));
        Assert.Equal("roles: reader", (await RunAsync("permissions", "list")).ExpectOk().Table.Cell("readers", "POLICY"));
    }

    [Fact]
    public async Task RegistryDump_PythonRegistry_PrintsItsObjectsAsSortedJson()
    {
        var dump = (await RunAsync("registry-dump")).ExpectOk();

        var root = Assert.IsType<JsonObject>(JsonNode.Parse(dump.Stdout));
        Assert.Equal("my_project", (string?)root["project"]);
        RegistryDumpCommandTests.AssertKeysSorted(root, "$");
        Assert.Equal(["driver_hourly_stats", "driver_hourly_stats_fresh"], root["featureViews"]!.AsArray().Select(v => (string?)v!["spec"]!["name"]));
        var features = root["featureViews"]![0]!["spec"]!["features"]!.AsArray();
        Assert.Contains(features, f => (string?)f!["name"] == "driver_config" && (string?)f["valueType"] == "JSON");
        Assert.Equal(["transformed_conv_rate"], root["onDemandFeatureViews"]!.AsArray().Select(v => (string?)v!["spec"]!["name"]));
    }

    [Fact]
    public async Task Describe_PythonRegistry_PrintsTheObject()
    {
        var view = (await RunAsync("feature-views", "describe", "driver_hourly_stats_fresh")).ExpectOk();
        Assert.StartsWith("spec:\n  name: driver_hourly_stats_fresh\n  project: my_project\n", view.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        var odfv = (await RunAsync("on-demand-feature-views", "describe", "transformed_conv_rate")).ExpectOk();
        Assert.Contains("  name: transformed_conv_rate\n", odfv.Stdout, StringComparison.Ordinal);

        var missing = (await RunAsync("feature-services", "describe", "driver_activity_v9")).Expect(1);
        Assert.Equal("Error: Feature service driver_activity_v9 does not exist in project my_project", missing.Stderr.TrimEnd());
    }

    [Fact]
    public async Task List_OtherProjectOnPythonRegistry_ShowsNothing()
    {
        File.WriteAllText(_repo.File("feature_store.yaml"), "project: someone_else\nregistry: data/registry.db\nprovider: local\n");

        Assert.Empty((await RunAsync("feature-views", "list")).ExpectOk().Table.Rows);
        Assert.Empty((await RunAsync("entities", "list")).ExpectOk().Table.Rows);
    }

    [Fact]
    public async Task Teardown_PythonRegistry_RemovesItsOnlyProjectAndTheFile()
    {
        var teardown = (await RunAsync("teardown")).ExpectOk();

        Assert.StartsWith("Removed ", teardown.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(RegistryPath));
    }
}
