using Feast.Online;
using Feast.Planning;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using P = Feast.Protos.Core;

namespace Feast.Tests;

public partial class FeatureStoreTests
{
    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);
    private static readonly FileSource Source = new("data/driver_stats.parquet", "event_timestamp", name: "driver_hourly_stats_source", createdTimestampColumn: "created");

    private static FeatureView Stats(params Field[] extra) => new("driver_hourly_stats", Source, [Driver], TimeSpan.FromDays(1),
        [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), .. extra],
        tags: new Dictionary<string, string> { ["team"] = "driver_performance" });

    private static string WriteRepo(TempDir dir, string registry = "data/registry.db", string project = "my_project", int cacheTtl = 600)
    {
        File.WriteAllText(dir.File("feature_store.yaml"), $"""
            project: {project}
            registry:
              path: {registry}
              cache_ttl_seconds: {cacheTtl}
            provider: local
            online_store:
              type: sqlite
              path: data/online_store.db
            entity_key_serialization_version: 3
            """);
        return dir.Path;
    }

    private static FeatureStore Open(string repo, TimeProvider? time = null) =>
        FeatureStore.Open(repo, options: new FeatureStoreOptions { TimeProvider = time ?? TimeProvider.System });

    private static List<string> OnlineTables(string repo)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(repo, "data", "online_store.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }

    [Fact]
    public async Task ApplyAsync_TwoReposAtOnce_RegistryNamesAViewExactlyWhenItsOnlineTableExists()
    {
        // One repo defines a_view, the other does not; applied at once, round after round. Before online storage
        // changed under the registry's lock, the registry could list a_view while the other apply had dropped its table.
        using var dir = new TempDir();
        var repo = WriteRepo(dir);
        var aView = new FeatureView("a_view", Source, [Driver], TimeSpan.FromDays(1), [new Field("conv_rate", FeastType.Float32)]);
        for (var round = 0; round < 8; round++)
        {
            await using var withA = Open(repo);
            await using var withoutA = Open(repo);
            await Task.WhenAll(
                Task.Run(() => withA.ApplyAsync([Driver, Source, Stats(), aView])),
                Task.Run(() => withoutA.ApplyAsync([Driver, Source, Stats()])));

            var registry = P.Registry.Parser.ParseFrom(await File.ReadAllBytesAsync(dir.File("data/registry.db")));
            var listed = registry.FeatureViews.Any(v => v.Spec.Name == "a_view");
            Assert.Equal(listed, OnlineTables(repo).Contains("my_project_a_view"));
            Assert.Contains("my_project_driver_hourly_stats", OnlineTables(repo));
        }
    }

    [Fact]
    public async Task ApplyAsync_NewObjects_WritesRegistryAndCreatesOnlineTables()
    {
        using var dir = new TempDir();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        await using var store = Open(WriteRepo(dir), time);

        var plan = await store.ApplyAsync([Driver, Source, Stats(), new FeatureService("svc", [Stats().Select("conv_rate")])]);

        Assert.Contains(plan.Changes, c => c is { Kind: "FeatureView", Name: "driver_hourly_stats", Change: ChangeType.Add });
        Assert.Contains(plan.Changes, c => c is { Kind: "Entity", Name: Entity.DummyName, Change: ChangeType.Add });
        var registry = P.Registry.Parser.ParseFrom(await File.ReadAllBytesAsync(dir.File("data/registry.db")));
        Assert.Equal("1", registry.RegistrySchemaVersion);
        Assert.Equal(time.GetUtcNow(), registry.LastUpdated.ToDateTimeOffset());
        Assert.Equal(["driver", "__dummy"], registry.Entities.Select(e => e.Spec.Name).Order().Reverse());
        Assert.All(registry.Entities, e => Assert.Equal("my_project", e.Spec.Project));
        Assert.Equal(time.GetUtcNow(), registry.FeatureViews[0].Meta.CreatedTimestamp.ToDateTimeOffset());
        Assert.Equal("my_project", Assert.Single(registry.Projects).Spec.Name);
#pragma warning disable CS0612 // Python Feast still writes project metadata
        Assert.Equal("my_project", Assert.Single(registry.ProjectMetadata).Project);
#pragma warning restore CS0612
        Assert.Contains("my_project_driver_hourly_stats", OnlineTables(dir.Path));

        var snapshot = await store.GetRegistryAsync();
        Assert.Equal(registry.VersionId, snapshot.VersionId);
        Assert.Equal(["conv_rate"], snapshot.GetFeatureService("svc").Projections[0].Features.Select(f => f.Name));
    }

    [Fact]
    public async Task ApplyAsync_Twice_SecondWritesNothing()
    {
        using var dir = new TempDir();
        await using var store = Open(WriteRepo(dir));
        await store.ApplyAsync([Driver, Stats()]);
        var bytes = await File.ReadAllBytesAsync(dir.File("data/registry.db"));
        var written = File.GetLastWriteTimeUtc(dir.File("data/registry.db"));

        var plan = await store.ApplyAsync([Driver, Stats()]);

        Assert.False(plan.HasChanges);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(dir.File("data/registry.db")));
        Assert.Equal(written, File.GetLastWriteTimeUtc(dir.File("data/registry.db")));
    }

    [Fact]
    public async Task PlanAsync_ChangedView_ListsChangedFieldsAndWritesNothing()
    {
        using var dir = new TempDir();
        await using var store = Open(WriteRepo(dir));
        await store.ApplyAsync([Driver, Stats()]);
        var bytes = await File.ReadAllBytesAsync(dir.File("data/registry.db"));

        var plan = await store.PlanAsync(RepoDefinitions.From([Driver, Stats(new Field("avg_daily_trips", FeastType.Int64)) with { Ttl = TimeSpan.FromHours(2) }]));

        var change = Assert.Single(plan.Changes);
        Assert.Equal(ChangeType.Update, change.Change);
        Assert.Contains(change.ChangedFields, f => f.StartsWith("features:", StringComparison.Ordinal) && f.Contains("avg_daily_trips", StringComparison.Ordinal));
        Assert.Contains(change.ChangedFields, f => f.StartsWith("ttl:", StringComparison.Ordinal));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(dir.File("data/registry.db")));
    }

    [Fact]
    public async Task PlanAsync_ChangedDataSource_NamesTheChangedSubfields_NotWholeJsonDocuments()
    {
        using var dir = new TempDir();
        await using var store = Open(WriteRepo(dir));
        await store.ApplyAsync([Driver, Source, Stats()]);
        var moved = new FileSource("data/driver_stats_v2.parquet", "event_timestamp", name: "driver_hourly_stats_source", createdTimestampColumn: "created");

        var plan = await store.PlanAsync(RepoDefinitions.From([Driver, moved, Stats() with { BatchSource = moved }]));

        var view = plan.Changes.Single(c => c.Kind == "FeatureView");
        Assert.Equal(["batch_source.file_options.uri: \"data/driver_stats.parquet\" -> \"data/driver_stats_v2.parquet\""], view.ChangedFields);
        var source = plan.Changes.Single(c => c.Kind == "DataSource");
        Assert.Equal(["file_options.uri: \"data/driver_stats.parquet\" -> \"data/driver_stats_v2.parquet\""], source.ChangedFields);
    }

    [Fact]
    public async Task ApplyAsync_ChangedView_KeepsCreatedTimestampAndMovesItToTheEnd()
    {
        using var dir = new TempDir();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var store = Open(WriteRepo(dir), time);
        var other = new FeatureView("other", Source, [Driver], schema: [new Field("x", FeastType.Int64)]);
        await store.ApplyAsync([Driver, Stats(), other]);
        time.Advance(TimeSpan.FromHours(1));

        await store.ApplyAsync([Driver, Stats(new Field("avg_daily_trips", FeastType.Int64)), other]);

        var registry = P.Registry.Parser.ParseFrom(await File.ReadAllBytesAsync(dir.File("data/registry.db")));
        var updated = registry.FeatureViews.Last();
        Assert.Equal("driver_hourly_stats", updated.Spec.Name);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), updated.Meta.CreatedTimestamp.ToDateTimeOffset());
        Assert.Equal(time.GetUtcNow(), updated.Meta.LastUpdatedTimestamp.ToDateTimeOffset());
        Assert.Equal(2, registry.FeatureViews.Count);
    }

    [Fact]
    public async Task ApplyAsync_RemovedView_DeletesItAndDropsItsTable()
    {
        using var dir = new TempDir();
        await using var store = Open(WriteRepo(dir));
        var other = new FeatureView("other", Source, [Driver], schema: [new Field("x", FeastType.Int64)]);
        await store.ApplyAsync([Driver, Stats(), other]);
        Assert.Contains("my_project_other", OnlineTables(dir.Path));

        var plan = await store.ApplyAsync([Driver, Stats()]);

        Assert.Contains(plan.Changes, c => c is { Name: "other", Change: ChangeType.Delete });
        Assert.DoesNotContain("my_project_other", OnlineTables(dir.Path));
        Assert.Contains("my_project_driver_hourly_stats", OnlineTables(dir.Path));
        var snapshot = await store.GetRegistryAsync(allowCache: false);
        Assert.Throws<FeatureViewNotFoundException>(() => snapshot.GetFeatureView("other"));
    }

    [Fact]
    public async Task ApplyAsync_InvalidDefinitions_LeavesNoRegistry()
    {
        using var dir = new TempDir();
        await using var store = Open(WriteRepo(dir));

        await Assert.ThrowsAsync<FeastValidationException>(() => store.ApplyAsync([Stats()])); // entity missing

        Assert.False(File.Exists(dir.File("data/registry.db")));
    }

    [Fact]
    public async Task ApplyAsync_OtherProjectsInTheRegistry_AreLeftAlone()
    {
        using var dir = new TempDir();
        var repo = WriteRepo(dir);
        File.Copy(TestData.FeastRegistryDb, Path.Combine(Directory.CreateDirectory(dir.File("data")).FullName, "registry.db"));
        File.SetAttributes(dir.File("data/registry.db"), FileAttributes.Normal);
        File.WriteAllText(dir.File("feature_store.yaml"), File.ReadAllText(dir.File("feature_store.yaml")).Replace("project: my_project", "project: other_project", StringComparison.Ordinal));
        await using var store = Open(repo);

        await store.ApplyAsync([Driver, Stats()]);

        var registry = P.Registry.Parser.ParseFrom(await File.ReadAllBytesAsync(dir.File("data/registry.db")));
        Assert.Equal(3, registry.FeatureViews.Count);
        Assert.Equal(2, registry.FeatureViews.Count(v => v.Spec.Project == "my_project"));
        Assert.Single(registry.OnDemandFeatureViews);
        Assert.Equal(2, registry.Projects.Count);
    }

    [Fact]
    public async Task PlanAsync_SameDefinitionsAsPythonFeast_ShowsNoChangeForThem()
    {
        using var dir = new TempDir();
        var repo = WriteRepo(dir);
        File.Copy(TestData.FeastRegistryDb, Path.Combine(Directory.CreateDirectory(dir.File("data")).FullName, "registry.db"));
        File.SetAttributes(dir.File("data/registry.db"), FileAttributes.Normal);
        await using var store = Open(repo);
        var view = new FeatureView("driver_hourly_stats", Source, [Driver], TimeSpan.FromDays(1),
        [
            new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32),
            new Field("avg_daily_trips", FeastType.Int64, "Average daily trips"), new Field("driver_config", FeastType.Json, "Driver configuration as JSON"),
        ], tags: new Dictionary<string, string> { ["team"] = "driver_performance" });

        var plan = await store.PlanAsync(RepoDefinitions.From([Driver, Source, view]));

        Assert.DoesNotContain(plan.Changes, c => c.Name is "driver" or "driver_hourly_stats" or "driver_hourly_stats_source" or Entity.DummyName or "my_project");
        Assert.Contains(plan.Changes, c => c is { Name: "driver_hourly_stats_fresh", Change: ChangeType.Delete });
    }

    [Fact]
    public async Task TeardownAsync_LastProject_RemovesRegistryAndOnlineStore()
    {
        using var dir = new TempDir();
        await using var store = Open(WriteRepo(dir));
        await store.ApplyAsync([Driver, Stats()]);

        var plan = await store.TeardownAsync();

        Assert.True(plan.HasChanges);
        Assert.False(File.Exists(dir.File("data/registry.db")));
        Assert.False(File.Exists(dir.File("data/online_store.db")));
        Assert.True((await store.GetRegistryAsync(allowCache: false)).IsEmpty);
        Assert.False((await store.TeardownAsync()).HasChanges);
    }

    [Fact]
    public async Task ApplyAsync_SqlRegistry_RoundTrips()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("feature_store.yaml"), """
            project: my_project
            registry:
              registry_type: sql
              path: sqlite:///data/registry.sqlite
            online_store:
              type: sqlite
              path: data/online_store.db
            """);
        await using var store = Open(dir.Path);

        await store.ApplyAsync([Driver, Stats()]);
        var second = await store.ApplyAsync([Driver, Stats()]);

        Assert.False(second.HasChanges);
        Assert.True(File.Exists(dir.File("data/registry.sqlite")));
        await using var reopened = Open(dir.Path);
        var snapshot = await reopened.GetRegistryAsync();
        Assert.Equal(["driver_id"], snapshot.GetFeatureView("driver_hourly_stats").JoinKeys);
    }

    [Fact]
    public async Task GetRegistryAsync_WithinCacheTtl_ServesCachedSnapshot_ThenRefreshes()
    {
        using var dir = new TempDir();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var repo = WriteRepo(dir, cacheTtl: 60);
        await using var reader = Open(repo, time);
        await using var writer = Open(repo, time);
        Assert.True((await reader.GetRegistryAsync()).IsEmpty);

        await writer.ApplyAsync([Driver, Stats()]);

        Assert.True((await reader.GetRegistryAsync()).IsEmpty);
        time.Advance(TimeSpan.FromSeconds(61));
        Assert.False((await reader.GetRegistryAsync()).IsEmpty);
        Assert.False((await reader.GetRegistryAsync(allowCache: false)).IsEmpty);
    }

    [Fact]
    public async Task GetRegistryAsync_ReloadOfUnchangedRegistry_KeepsTheSnapshotObject()
    {
        using var dir = new TempDir();
        var repo = WriteRepo(dir);
        await using var writer = Open(repo);
        await writer.ApplyAsync([Driver, Stats()]);
        await using var reader = Open(repo);

        var first = await reader.GetRegistryAsync(allowCache: false);
        var second = await reader.GetRegistryAsync(allowCache: false);
        await writer.ApplyAsync([Driver, Stats(new Field("trips", FeastType.Int64))]);
        var third = await reader.GetRegistryAsync(allowCache: false);

        Assert.Same(first, second);
        Assert.NotSame(second, third);
        Assert.Contains(third.FeatureViews["driver_hourly_stats"].Features, f => f.Name == "trips");
    }

    [Fact]
    public async Task GetRegistryAsync_CacheTtlZero_CachesForever()
    {
        using var dir = new TempDir();
        var time = new FakeTimeProvider();
        var repo = WriteRepo(dir, cacheTtl: 0);
        await using var reader = Open(repo, time);
        await using var writer = Open(repo, time);
        _ = await reader.GetRegistryAsync();

        await writer.ApplyAsync([Driver, Stats()]);
        time.Advance(TimeSpan.FromDays(365));

        Assert.True((await reader.GetRegistryAsync()).IsEmpty);
    }

    [Fact]
    public async Task RegistryDumpAsync_UsesFeastKeysSortedByName()
    {
        using var dir = new TempDir();
        await using var store = Open(WriteRepo(dir));
        await store.ApplyAsync([Driver, Stats()]);

        var json = System.Text.Json.Nodes.JsonNode.Parse(await store.RegistryDumpAsync())!.AsObject();

        Assert.Equal(["dataSources", "entities", "featureViews", "project", "projectMetadata", "projects"], json.Select(kv => kv.Key));
        Assert.Equal("my_project", (string?)json["project"]);
        Assert.Equal(["__dummy", "driver"], json["entities"]!.AsArray().Select(e => (string?)e!["spec"]!["name"]));
        Assert.Equal("86400s", (string?)json["featureViews"]![0]!["spec"]!["ttl"]);
    }

    [Fact]
    public async Task ApplyAsync_DisabledOnlineStore_SkipsTables()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("feature_store.yaml"), "project: p\nregistry: data/registry.db\nonline_store: null\n");
        await using var store = Open(dir.Path);

        await store.ApplyAsync([Driver, Stats()]);

        Assert.Null(store.OnlineStore);
        Assert.False(File.Exists(dir.File("data/online_store.db")));
    }

    [Fact]
    public void Open_UnsupportedOnlineStore_SaysWhatToUse()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("feature_store.yaml"), "project: p\nregistry: data/registry.db\nonline_store:\n  type: redis\n");
        var e = Assert.Throws<Feast.Configuration.FeastConfigException>(() => Open(dir.Path));
        // Without UseRedis() the store type is a Feast type but has no backend here: say so and list the types that do.
        Assert.Contains("online store type 'redis' has no backend registered in this program.", e.Message, StringComparison.Ordinal);
        Assert.Contains("Registered online store types: sqlite, remote.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SqliteOnlineStore_UpdateAsync_CreatesFeastLayout()
    {
        using var dir = new TempDir();
        await using var store = new SqliteOnlineStore(dir.File("online.db"));
        await store.UpdateAsync("p", [Stats()], []);

        await using var connection = new SqliteConnection($"Data Source={dir.File("online.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, type, pk FROM pragma_table_info('p_driver_hourly_stats') ORDER BY cid";
        var columns = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) columns.Add($"{reader.GetString(0)} {reader.GetString(1)} {reader.GetInt32(2)}");
        }
        Assert.Equal(["entity_key BLOB 1", "feature_name TEXT 2", "value BLOB 0", "value_text TEXT 0", "vector_value BLOB 0", "event_ts timestamp 0", "created_ts timestamp 0"], columns);
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'p_driver_hourly_stats_ek'";
        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }
}
