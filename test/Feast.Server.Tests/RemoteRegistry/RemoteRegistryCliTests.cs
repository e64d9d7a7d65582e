using Feast.DuckDb;
using Feast.Registry;
using Feast.Remote;
using Google.Protobuf;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests.RemoteRegistry;

/// <summary>
/// A repo with <c>registry_type: remote</c> against <c>feast serve_registry</c> running as its own process: the feast
/// command's apply, plan, list, describe and materialize, and the SDK, read and write the server's registry.
/// The server writes every project: a client repo of another project applies, materializes and tears down beside the
/// server repo's own.
/// </summary>
public sealed class RemoteRegistryCliTests : IDisposable
{
    private readonly string _root = TestFiles.NewDirectory();

    public void Dispose() => TestFiles.DeleteDirectory(_root);

    [Fact]
    public async Task Cli_AgainstServerProcess_AppliesPlansListsDescribesMaterializes_AndRegistryEqualsLocalApply()
    {
        var serverRepo = await RemoteRepos.InitAsync(Path.Combine(_root, "server"), "shop");
        var localRepo = await RemoteRepos.InitAsync(Path.Combine(_root, "local"), "shop");
        await using var server = await RegistryServerProcess.StartAsync(serverRepo);
        var client = RemoteRepos.RemoteCopy(serverRepo, Path.Combine(_root, "client", "shop", "feature_repo"), server.Address);

        var apply = await RemoteRepos.RunAsync(client, "apply");
        Assert.True(apply.Code == 0, apply.Output + apply.Error + server.Output);
        Assert.Matches(@"Applied: \d+ created", apply.Output);
        var local = await RemoteRepos.RunAsync(localRepo, "apply");
        Assert.True(local.Code == 0, local.Output + local.Error);

        // The server's registry file equals the local one, byte for byte, once the stamps (version, times, project uuid) are cleared.
        var remoteBytes = Normalise(await File.ReadAllBytesAsync(Path.Combine(serverRepo, "data", "registry.db")));
        var localBytes = Normalise(await File.ReadAllBytesAsync(Path.Combine(localRepo, "data", "registry.db")));
        Assert.Equal(P.Registry.Parser.ParseFrom(localBytes).ToString(), P.Registry.Parser.ParseFrom(remoteBytes).ToString());
        Assert.Equal(localBytes, remoteBytes);

        var plan = await RemoteRepos.RunAsync(client, "plan");
        Assert.True(plan.Code == 0, plan.Output + plan.Error);
        Assert.Contains("No changes", plan.Output, StringComparison.Ordinal);
        var entities = await RemoteRepos.RunAsync(client, "entities", "list");
        Assert.Contains("driver", entities.Output, StringComparison.Ordinal);
        var describe = await RemoteRepos.RunAsync(client, "feature-views", "describe", "driver_hourly_stats");
        Assert.True(describe.Code == 0, describe.Output + describe.Error);
        Assert.Contains("driver_hourly_stats", describe.Output, StringComparison.Ordinal);
        var missing = await RemoteRepos.RunAsync(client, "feature-views", "describe", "no_such_view");
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("no_such_view", missing.Output + missing.Error, StringComparison.Ordinal);

        var materialize = await RemoteRepos.RunAsync(client, "materialize", "2020-01-01T00:00:00", "2030-01-01T00:00:00");
        Assert.True(materialize.Code == 0, materialize.Output + materialize.Error);
        Assert.Contains("Materialized", materialize.Output, StringComparison.Ordinal);

        // feast serve of the client repo (its own process) answers from the server's registry and the materialized rows.
        await using (var serve = await RegistryServerProcess.StartCommandAsync(client, ["serve", "-p", "0", "--grpc-port", "0", "--no-access-log"]))
        {
            using var http = new HttpClient();
            using var body = new StringContent("""{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001]}}""");
            using var answer = await http.PostAsync(new Uri(serve.HttpUrl!, "/get-online-features"), body);
            var json = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.IsSuccessStatusCode, json + serve.Output);
            using var parsed = System.Text.Json.JsonDocument.Parse(json);
            Assert.Equal("PRESENT", parsed.RootElement.GetProperty("results")[1].GetProperty("statuses")[0].GetString());
            Assert.Contains("registry server", serve.Output, StringComparison.Ordinal);
        }

        // The SDK over the same repo serves online features from what materialize wrote, with the server's registry.
        await using var store = FeatureStore.Open(client, options: new FeatureStoreOptions().UseRemoteRegistry().UseDuckDb());
        Assert.IsType<RemoteRegistryStore>(store.RegistryStore);
        var online = await store.GetOnlineFeaturesAsync(["driver_hourly_stats:conv_rate"],
            [new Dictionary<string, object?> { ["driver_id"] = 1001L }]);
        Assert.NotNull(online.ToDictionary()["conv_rate"][0]);

        // A change of one view is one object write; deleting a definition deletes the object on the server.
        var definitions = Path.Combine(client, "driver_repo.cs");
        var text = await File.ReadAllTextAsync(definitions);
        await File.WriteAllTextAsync(definitions, text.Replace("TimeSpan.FromDays(1)", "TimeSpan.FromDays(2)", StringComparison.Ordinal));
        var update = await RemoteRepos.RunAsync(client, "apply");
        Assert.True(update.Code == 0, update.Output + update.Error);
        Assert.Contains("updated", update.Output, StringComparison.Ordinal);
        Assert.Contains("No changes", (await RemoteRepos.RunAsync(client, "plan")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_ClientOfAnotherProject_AppliesMaterializesAndTearsDown_BesideTheServersProject()
    {
        var serverRepo = await RemoteRepos.InitAsync(Path.Combine(_root, "server"), "shop");
        Assert.Equal(0, (await RemoteRepos.RunAsync(serverRepo, "apply")).Code);
        var marketRepo = await RemoteRepos.InitAsync(Path.Combine(_root, "market"), "market");
        await using var server = await RegistryServerProcess.StartAsync(serverRepo);
        var client = RemoteRepos.RemoteCopy(marketRepo, Path.Combine(_root, "client", "market", "feature_repo"), server.Address);

        var apply = await RemoteRepos.RunAsync(client, "apply");
        Assert.True(apply.Code == 0, apply.Output + apply.Error + server.Output);
        var registryFile = Path.Combine(serverRepo, "data", "registry.db");
        var both = P.Registry.Parser.ParseFrom(await File.ReadAllBytesAsync(registryFile));
        Assert.Equal(["market", "shop"], both.Projects.Select(p => p.Spec.Name).Order(StringComparer.Ordinal));
        Assert.Equal(both.FeatureViews.Count(v => v.Spec.Project == "shop"), both.FeatureViews.Count(v => v.Spec.Project == "market"));

        // Materialization intervals are recorded on the server (ApplyMaterialization), so the next incremental run starts where this one ended.
        var materialize = await RemoteRepos.RunAsync(client, "materialize", "2020-01-01T00:00:00", "2030-01-01T00:00:00");
        Assert.True(materialize.Code == 0, materialize.Output + materialize.Error);
        var materialized = P.Registry.Parser.ParseFrom(await File.ReadAllBytesAsync(registryFile));
        var interval = Assert.Single(materialized.FeatureViews.Single(v => v.Spec.Project == "market" && v.Spec.Name == "driver_hourly_stats").Meta.MaterializationIntervals);
        Assert.Equal(new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc), interval.EndTime.ToDateTime());
        Assert.Empty(materialized.FeatureViews.Single(v => v.Spec.Project == "shop" && v.Spec.Name == "driver_hourly_stats").Meta.MaterializationIntervals);

        // Teardown removes the client's project from the server (DeleteProject) and leaves the server repo's project whole.
        var teardown = await RemoteRepos.RunAsync(client, "teardown");
        Assert.True(teardown.Code == 0, teardown.Output + teardown.Error);
        var after = P.Registry.Parser.ParseFrom(await File.ReadAllBytesAsync(registryFile));
        Assert.Equal(["shop"], after.Projects.Select(p => p.Spec.Name));
        Assert.DoesNotContain(after.FeatureViews, v => v.Spec.Project == "market");
        Assert.DoesNotContain(after.Entities, e => e.Spec.Project == "market");
        Assert.Equal(both.FeatureViews.Count(v => v.Spec.Project == "shop"), after.FeatureViews.Count(v => v.Spec.Project == "shop"));
    }

    [Fact]
    public async Task ConcurrentRemoteAppliers_DifferentObjects_EndWithOneConsistentRegistry()
    {
        var serverRepo = await RemoteRepos.InitAsync(Path.Combine(_root, "server"), "shop");
        await using var server = await RegistryServerProcess.StartAsync(serverRepo);
        var client = RemoteRepos.RemoteCopy(serverRepo, Path.Combine(_root, "client", "shop", "feature_repo"), server.Address);
        Assert.Equal(0, (await RemoteRepos.RunAsync(client, "apply")).Code);

        const int Appliers = 8;
        var stores = Enumerable.Range(0, Appliers)
            .Select(_ => FeatureStore.Open(client, options: new FeatureStoreOptions().UseRemoteRegistry().UseDuckDb())).ToList();
        try
        {
            var view = (await stores[0].GetRegistryAsync(allowCache: false)).FeatureViews["driver_hourly_stats"];
            using var start = new SemaphoreSlim(0);
            var writers = stores.Select((s, i) => Task.Run(async () =>
            {
                await start.WaitAsync();
                await s.ApplyObjectAsync(new Entity($"customer_{i}", [$"customer_{i}_id"], ValueType.Int64));
                await s.ApplyObjectAsync(view with { Name = $"driver_stats_copy_{i}", CreatedTimestamp = null, LastUpdatedTimestamp = null });
            })).ToList();
            start.Release(Appliers);
            await Task.WhenAll(writers);

            var registry = await stores[0].GetRegistryAsync(allowCache: false);
            for (var i = 0; i < Appliers; i++)
            {
                Assert.True(registry.Entities.ContainsKey($"customer_{i}"), $"customer_{i} is missing");
                Assert.True(registry.FeatureViews.ContainsKey($"driver_stats_copy_{i}"), $"driver_stats_copy_{i} is missing");
            }
            Assert.Equal(4 + Appliers, registry.FeatureViews.Count + registry.OnDemandFeatureViews.Count);
            // The file the server wrote is one whole registry, each object once, the repo's objects unchanged.
            var written = RegistryData.Parse(await File.ReadAllBytesAsync(Path.Combine(serverRepo, "data", "registry.db")), "server registry");
            Assert.False(written.HoldsNothing);
            var plan = await RemoteRepos.RunAsync(client, "plan");
            Assert.Contains($"{Appliers * 2} to delete", plan.Output, StringComparison.Ordinal);

            // Applying the repo again deletes them through the server (views before the entities they name).
            var prune = await RemoteRepos.RunAsync(client, "apply");
            Assert.True(prune.Code == 0, prune.Output + prune.Error);
            var pruned = await stores[0].GetRegistryAsync(allowCache: false);
            Assert.DoesNotContain(pruned.Entities.Keys, k => k.StartsWith("customer_", StringComparison.Ordinal));
            Assert.DoesNotContain(pruned.FeatureViews.Keys, k => k.StartsWith("driver_stats_copy_", StringComparison.Ordinal));
            Assert.Contains("driver", pruned.Entities.Keys);
        }
        finally
        {
            foreach (var s in stores) await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task Tls_WithTheServersCert_Connects()
    {
        var serverRepo = await RemoteRepos.InitAsync(Path.Combine(_root, "server"), "shop");
        var (cert, key) = TlsFiles.WriteSelfSigned(_root);
        await using var server = await RegistryServerProcess.StartAsync(serverRepo, "--key", key, "--cert", cert);
        var client = RemoteRepos.RemoteCopy(serverRepo, Path.Combine(_root, "client", "shop", "feature_repo"), server.Address, $"    cert: {cert}\n");
        var plain = RemoteRepos.RemoteCopy(serverRepo, Path.Combine(_root, "plain", "shop", "feature_repo"), server.Address);

        var apply = await RemoteRepos.RunAsync(client, "apply");
        var list = await RemoteRepos.RunAsync(client, "entities", "list");
        var refused = await RemoteRepos.RunAsync(plain, "entities", "list");

        Assert.True(apply.Code == 0, apply.Output + apply.Error + server.Output);
        Assert.Contains("driver", list.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, refused.Code);
        Assert.Contains(server.Address, refused.Output + refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableServer_SaysWhereAndWhatToCheck()
    {
        var repo = await RemoteRepos.InitAsync(Path.Combine(_root, "server"), "shop");
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }
        var client = RemoteRepos.RemoteCopy(repo, Path.Combine(_root, "client", "shop", "feature_repo"), $"localhost:{port}");

        var result = await RemoteRepos.RunAsync(client, "entities", "list");

        Assert.NotEqual(0, result.Code);
        var text = result.Output + result.Error;
        Assert.Contains($"Cannot reach the registry server at localhost:{port}", text, StringComparison.Ordinal);
        Assert.Contains("feast serve_registry", text, StringComparison.Ordinal);
    }

    /// <summary>The registry bytes with what differs on every write cleared: version id, write times, objects' meta times, project uuids.</summary>
    internal static byte[] Normalise(byte[] bytes)
    {
        var r = P.Registry.Parser.ParseFrom(bytes);
        r.VersionId = "";
        r.LastUpdated = null;
#pragma warning disable CS0612
        foreach (var m in r.ProjectMetadata) m.ProjectUuid = "";
#pragma warning restore CS0612
        foreach (var p in r.Projects) p.Meta = null;
        foreach (var e in r.Entities) e.Meta = null;
        foreach (var d in r.DataSources) d.Meta = null;
        foreach (var v in r.FeatureViews) v.Meta = null;
        foreach (var v in r.StreamFeatureViews) v.Meta = null;
        foreach (var v in r.OnDemandFeatureViews) v.Meta = null;
        foreach (var s in r.FeatureServices) s.Meta = null;
        foreach (var p in r.Permissions) p.Meta = null;
        return r.ToByteArray();
    }
}
