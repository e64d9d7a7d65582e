using Feast.Configuration;
using Feast.Planning;

namespace Feast.Plugins.Tests;

/// <summary>The memory backend plugs in through the public API only, and behaves as a built-in backend would.</summary>
public sealed class PluginTests : IDisposable
{
    private readonly string _repo = Path.Combine(Path.GetTempPath(), "feast-plugins-tests", Guid.NewGuid().ToString("N"));

    public PluginTests() => Directory.CreateDirectory(_repo);

    public void Dispose() => Directory.Delete(_repo, recursive: true);

    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);

    private static FeatureView DriverView(string topic = "driver_stats") => new(
        "driver_hourly_stats", new ToySource("driver_source", topic), [Driver], TimeSpan.FromDays(1),
        [new Field("driver_id", FeastType.Int64), new Field("conv_rate", FeastType.Float32)]);

    private RepoConfig Parse(string onlineStore, FeastBackends backends) =>
        RepoConfigLoader.Parse($"project: plugins\nregistry: data/registry.db\nonline_store:\n{onlineStore}", _repo, "feature_store.yaml", backends);

    private FeatureStore Open(string onlineStore = "  type: memory\n")
    {
        File.WriteAllText(Path.Combine(_repo, "feature_store.yaml"), $"project: plugins\nregistry: data/registry.db\nonline_store:\n{onlineStore}");
        return FeatureStore.Open(_repo, options: new FeatureStoreOptions().UseMemory());
    }

    [Fact]
    public void Yaml_MemoryStore_BindsThroughTheBackendsSchema()
    {
        var config = Parse("  type: memory\n  capacity: 5\n  name: cache\n", new FeastBackends().UseMemory());

        Assert.Equal(new MemoryOnlineStoreOptions { Capacity = 5, Name = "cache" }, config.OnlineStore);
        Assert.Contains("  type: memory\n  capacity: 5\n  name: cache\n", config.ToYaml(), StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_MemoryStoreDefaults_AreTheRecordsDefaults()
    {
        var config = Parse("  type: memory\n", new FeastBackends().UseMemory());

        Assert.Equal(1000, Assert.IsType<MemoryOnlineStoreOptions>(config.OnlineStore).Capacity);
    }

    [Fact]
    public void Yaml_FeastClassPath_BindsTheMemoryStore()
    {
        var config = Parse("  type: feast_tests.memory.MemoryOnlineStore\n", new FeastBackends().UseMemory());

        Assert.IsType<MemoryOnlineStoreOptions>(config.OnlineStore);
    }

    [Fact]
    public void Yaml_MisspeltKey_IsAnErrorWithDidYouMean()
    {
        var error = Assert.Throws<FeastConfigException>(() => Parse("  type: memory\n  capacty: 5\n", new FeastBackends().UseMemory()));

        Assert.Contains("unknown key 'capacty' in online_store (type memory)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'capacity'?", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, error.Line);
    }

    [Fact]
    public void Yaml_InvalidValue_NamesTheKeyAndTheExpectedType()
    {
        var error = Assert.Throws<FeastConfigException>(() => Parse("  type: memory\n  capacity: 0\n", new FeastBackends().UseMemory()));

        Assert.Equal("online_store.capacity", error.KeyPath);
        Assert.Contains("an integer of at least 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownType_ListsMemory_WhenRegistered()
    {
        var error = Assert.Throws<FeastConfigException>(() => Parse("  type: nosuch\n", new FeastBackends().UseMemory()));

        Assert.Contains("unknown online store type 'nosuch'. Valid types: sqlite, remote, memory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownType_DoesNotListMemory_WhenNotRegistered()
    {
        var error = Assert.Throws<FeastConfigException>(() => Parse("  type: memory\n", new FeastBackends()));

        Assert.Contains("unknown online store type 'memory'. Valid types: sqlite, remote ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(", memory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigLoadedBeforeTheBackend_KeepsTheSection_AndTheStoreBindsIt()
    {
        File.WriteAllText(Path.Combine(_repo, "feature_store.yaml"), "project: plugins\nregistry: data/registry.db\nonline_store:\n  type: memory\n  capacity: 7\n");

        // Loaded without backends: the section is kept as written, not rejected and not lost.
        var early = RepoConfigLoader.Load(_repo);
        var unresolved = Assert.IsType<UnresolvedOnlineStoreOptions>(early.OnlineStore);
        Assert.Equal("memory", unresolved.Type);
        Assert.Equal(7, Convert.ToInt32(unresolved.Settings["capacity"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("  type: memory\n  capacity: 7\n", early.ToYaml(), StringComparison.Ordinal);

        await using var store = new FeatureStore(early, new FeatureStoreOptions().UseMemory());

        Assert.Equal(7, Assert.IsType<MemoryOnlineStore>(store.OnlineStore).Options.Capacity);
        Assert.IsType<MemoryOnlineStoreOptions>(store.Config.OnlineStore);
    }

    [Fact]
    public void ConfigLoadedBeforeTheBackend_WithATypo_FailsWithTheBackendsErrorWhenTheStoreOpens()
    {
        File.WriteAllText(Path.Combine(_repo, "feature_store.yaml"), "project: plugins\nregistry: data/registry.db\nonline_store:\n  type: memory\n  capacty: 7\n");
        var early = RepoConfigLoader.Load(_repo);

        var error = Assert.Throws<FeastConfigException>(() => new FeatureStore(early, new FeatureStoreOptions().UseMemory()));

        Assert.Contains("Did you mean 'capacity'?", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, error.Line);
    }

    [Fact]
    public void ConfigLoadedBeforeTheBackend_StoreWithoutIt_ListsTheRegisteredTypes()
    {
        File.WriteAllText(Path.Combine(_repo, "feature_store.yaml"), "project: plugins\nregistry: data/registry.db\nonline_store:\n  type: memory\n");
        var early = RepoConfigLoader.Load(_repo);

        var error = Assert.Throws<FeastConfigException>(() => new FeatureStore(early, new FeatureStoreOptions()));

        Assert.Contains("unknown online store type 'memory'. Valid types: sqlite, remote ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_ViewOnAToySource_ReadsBackTheToySourceFromTheRegistry()
    {
        await using var store = Open();

        await store.ApplyAsync([Driver, DriverView("rides")], new ApplyOptions { SkipSourceValidation = true });

        var registry = await store.GetRegistryAsync(allowCache: false);
        var source = Assert.IsType<ToySource>(registry.FeatureViews["driver_hourly_stats"].BatchSource);
        Assert.Equal("rides", source.Topic);
        Assert.Equal("event_timestamp", source.TimestampField);
        Assert.Equal("rides", Assert.IsType<ToySource>(registry.DataSources["driver_source"]).Topic);
    }

    [Fact]
    public async Task Apply_ToySource_ReadWithoutItsBackend_StaysOpaqueAndIsRewrittenUnchanged()
    {
        await using (var store = Open())
        {
            await store.ApplyAsync([Driver, DriverView("rides")], new ApplyOptions { SkipSourceValidation = true });
        }

        var registryFile = Path.Combine(_repo, "data", "registry.db");
        var written = await File.ReadAllBytesAsync(registryFile);
        await using var withoutToy = new FeatureStore(RepoConfigLoader.Load(_repo), new FeatureStoreOptions { OnlineStore = new MemoryOnlineStore(new()) });
        var registry = await withoutToy.GetRegistryAsync(allowCache: false);
        var opaque = Assert.IsType<OpaqueDataSource>(registry.DataSources["driver_source"]);
        Assert.Equal("CustomSource", opaque.SourceTypeName);

        // Applying the same objects again through a store that does not know the kind changes nothing.
        var plan = await withoutToy.ApplyAsync([Driver, DriverView("rides")], new ApplyOptions { SkipSourceValidation = true });
        Assert.Equal(written, await File.ReadAllBytesAsync(registryFile));
        Assert.NotNull(plan);
    }

    [Fact]
    public async Task WriteThenRead_ThroughTheMemoryStore()
    {
        await using var store = Open("  type: memory\n  capacity: 10\n");
        await store.ApplyAsync([Driver, DriverView()], new ApplyOptions { SkipSourceValidation = true });
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        await store.WriteToOnlineStoreAsync("driver_hourly_stats", FeatureRows.FromRows([
            new Dictionary<string, object?> { ["driver_id"] = 1001L, ["event_timestamp"] = at, ["conv_rate"] = 0.25f },
            new Dictionary<string, object?> { ["driver_id"] = 1002L, ["event_timestamp"] = at, ["conv_rate"] = 0.75f },
        ]));

        var response = await store.GetOnlineFeaturesAsync(["driver_hourly_stats:conv_rate"],
            [new Dictionary<string, object?> { ["driver_id"] = 1002L }, new Dictionary<string, object?> { ["driver_id"] = 1001L }, new Dictionary<string, object?> { ["driver_id"] = 9L }]);

        Assert.Equal([0.75f, 0.25f, null], response.ToDictionary()["conv_rate"]);
        Assert.Equal(2, Assert.IsType<MemoryOnlineStore>(store.OnlineStore).Count);
    }
}
