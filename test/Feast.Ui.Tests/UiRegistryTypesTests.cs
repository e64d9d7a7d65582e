using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Feast.Ui.Tests;

/// <summary>
/// <c>feast ui</c> reads whatever registry the repo names: a SQL registry (SQLite), and a registry server
/// (<c>registry_type: remote</c>, <c>feast serve_registry</c> as its own process). The UI's documents and its REST API
/// answer the same objects as for the demo's file registry.
/// </summary>
public sealed partial class UiRegistryTypesTests : IAsyncLifetime
{
    private string _repo = null!;

    public async Task InitializeAsync() => _repo = await UiRepos.DemoAsync();

    public Task DisposeAsync()
    {
        UiRepos.Delete(Path.GetDirectoryName(Path.GetDirectoryName(_repo))!);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task RemoteRegistry_ServedThroughARegistryServer_ShowsItsProjectAndViews()
    {
        await using var registry = await UiServer.StartCommandAsync(_repo, ["serve_registry", "-p", "0", "--no-access-log"]);
        var port = GrpcPort().Match(registry.Output);
        Assert.True(port.Success, registry.Output);
        var client = CopyWithRegistry(_repo, "client", $"registry:\n    registry_type: remote\n    path: localhost:{port.Groups[1].Value}\n");

        await using var ui = await UiServer.StartAsync(client);

        await AssertServesTheDemoAsync(ui);
        Assert.Contains("registry server", ui.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SqlRegistry_ShowsItsProjectAndViews()
    {
        var database = Path.Combine(Path.GetDirectoryName(_repo)!, "sql-registry.db");
        var sql = CopyWithRegistry(_repo, "sql", $"registry:\n    registry_type: sql\n    path: sqlite:///{database}\n");
        await UiRepos.RunAsync("-c", sql, "apply");

        await using var ui = await UiServer.StartAsync(sql);

        await AssertServesTheDemoAsync(ui);
    }

    private static async Task AssertServesTheDemoAsync(UiServer ui)
    {
        using var http = new HttpClient { BaseAddress = ui.Url };
        var projects = JsonNode.Parse(await http.GetStringAsync("projects-list.json"))!["projects"]!.AsArray();
        Assert.Equal("demo", (string?)Assert.Single(projects)!["id"]);
        var views = JsonNode.Parse(await http.GetStringAsync("api/v1/feature_views?project=demo"))!["featureViews"]!.AsArray();
        Assert.Contains(views, v => (string?)v!["spec"]!["name"] == "driver_hourly_stats");
        using var page = await http.GetAsync("p/demo/feature-view/driver_hourly_stats");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var health = await http.GetAsync("health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>A copy of the repo (definitions and data) whose registry section is <paramref name="registry"/>.</summary>
    private static string CopyWithRegistry(string repo, string name, string registry)
    {
        var target = Path.Combine(Path.GetDirectoryName(repo)!, name);
        Copy(repo, target);
        var yamlPath = Path.Combine(target, "feature_store.yaml");
        var yaml = File.ReadAllText(yamlPath);
        Assert.Contains("registry: data/registry.db\n", yaml, StringComparison.Ordinal);
        File.WriteAllText(yamlPath, yaml.Replace("registry: data/registry.db\n", registry, StringComparison.Ordinal));
        File.Delete(Path.Combine(target, "data", "registry.db"));
        return target;
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from)) Copy(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    [GeneratedRegex(@"gRPC\s+https?://[^\s]+:(\d+)")]
    private static partial Regex GrpcPort();
}
