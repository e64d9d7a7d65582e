using Feast.Planning;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.Data.Sqlite;
using P = Feast.Protos.Core;

namespace Feast.Tests.Registry;

/// <summary><see cref="FeatureStore.ApplyObjectAsync"/> against whole-repo apply, on file registries.</summary>
public sealed class ObjectApplyTests
{
    private const string Project = "objwrites";
    private static readonly ApplyOptions NoSourceReads = new() { SkipSourceValidation = true };

    private static List<FeastObject> Repo()
    {
        var driver = new Entity("driver", ["driver_id"], ValueType.Int64, description: "a driver");
        var customer = new Entity("customer", ["customer_id"], ValueType.String);
        var stats = new FileSource("data/driver_stats.parquet", "event_timestamp", name: "driver_stats", createdTimestampColumn: "created");
        var orders = new FileSource("data/orders.parquet", "event_timestamp", name: "orders");
        var push = new PushSource("driver_stats_push", stats);
        var hourly = new FeatureView("driver_hourly_stats", stats, [driver], TimeSpan.FromDays(1),
            [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32)], tags: new Dictionary<string, string> { ["team"] = "drivers" });
        var fresh = new FeatureView("driver_fresh", push, [driver], TimeSpan.FromDays(1), [new Field("conv_rate", FeastType.Float32)]);
        var customerOrders = new FeatureView("customer_orders", orders, [customer], schema: [new Field("total", FeastType.Float64)], online: false);
        var request = new RequestSource("vals_to_add", [new Field("val_to_add", FeastType.Int64)]);
        Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> plus = _ => new Dictionary<string, object?> { ["conv_plus"] = 1.0 };
        var odfv = new OnDemandFeatureView("conv_plus", [hourly, request], [new Field("conv_plus", FeastType.Float64)], transform: plus);
        return
        [
            driver, customer, stats, orders, push, request, hourly, fresh, customerOrders, odfv,
            new FeatureService("driver_activity", [hourly.Select("conv_rate"), odfv]),
            new FeatureService("customer_activity", [customerOrders]),
            new Permission("readers", actions: [AuthzedAction.Describe]),
        ];
    }

    private static FeatureStore Open(TempDir dir)
    {
        File.WriteAllText(dir.File("feature_store.yaml"), $"""
            project: {Project}
            registry: data/registry.db
            provider: local
            online_store:
              type: sqlite
              path: data/online_store.db
            entity_key_serialization_version: 3
            """);
        return FeatureStore.Open(dir.Path);
    }

    /// <summary>The registry with every timestamp, the version id and the project uuid cleared (they differ between any two writes).</summary>
    private static P.Registry Normalised(string path)
    {
        var registry = P.Registry.Parser.ParseFrom(File.ReadAllBytes(path));
        ClearTimestamps(registry);
        registry.VersionId = "";
#pragma warning disable CS0612 // Feast still writes project_metadata.
        foreach (var metadata in registry.ProjectMetadata) metadata.ProjectUuid = "";
#pragma warning restore CS0612
        return registry;
    }

    private static void ClearTimestamps(IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType != FieldType.Message || field.IsMap) continue;
            var value = field.Accessor.GetValue(message);
            if (field.MessageType.FullName == "google.protobuf.Timestamp")
            {
                if (!field.IsRepeated) field.Accessor.Clear(message);
                continue;
            }
            if (field.IsRepeated)
            {
                foreach (var item in (System.Collections.IEnumerable)value) ClearTimestamps((IMessage)item);
            }
            else if (value is IMessage inner)
            {
                ClearTimestamps(inner);
            }
        }
    }

    private static List<string> OnlineTables(TempDir dir)
    {
        using var connection = new SqliteConnection($"Data Source={dir.File("data/online_store.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }

    [Fact]
    public async Task ApplyObjectAsync_RepoObjectsOneByOne_GivesTheRegistryOfOneApplyByteForByte()
    {
        using var whole = new TempDir();
        using var oneByOne = new TempDir();
        await using (var store = Open(whole)) await store.ApplyAsync(Repo(), NoSourceReads);

        // Dependencies first (entities, sources, views, services), each kind in apply's order (by name).
        var defs = RepoDefinitions.From(Repo());
        var ordered = new IEnumerable<FeastObject>[]
        {
            defs.Entities, defs.DataSources, defs.FeatureViews, defs.OnDemandFeatureViews, defs.StreamFeatureViews, defs.FeatureServices, defs.Permissions,
        }.SelectMany(kind => kind.OrderBy(o => o.Name, StringComparer.Ordinal)).ToList();
        var plans = new List<RegistryPlan>();
        await using (var store = Open(oneByOne))
        {
            foreach (var obj in ordered) plans.Add(await store.ApplyObjectAsync(obj, NoSourceReads));
        }

        var expected = Normalised(whole.File("data/registry.db"));
        var actual = Normalised(oneByOne.File("data/registry.db"));
        Assert.Equal(expected, actual);
        Assert.Equal(expected.ToByteArray(), actual.ToByteArray());
        Assert.Equal(13, ordered.Count);
        Assert.All(plans, p => Assert.True(p.HasChanges));
        // Online storage as apply creates it: the online views' tables, none for the offline one.
        Assert.Equal(OnlineTables(whole), OnlineTables(oneByOne));
        Assert.Contains($"{Project}_driver_hourly_stats", OnlineTables(oneByOne));
        Assert.DoesNotContain($"{Project}_customer_orders", OnlineTables(oneByOne));
    }

    [Fact]
    public async Task ApplyObjectAsync_ViewTurnedOffline_DropsItsOnlineTableAndKeepsTheOthers()
    {
        using var dir = new TempDir();
        await using var store = Open(dir);
        await store.ApplyAsync(Repo(), NoSourceReads);
        var hourly = (FeatureView)Repo().Single(o => o.Name == "driver_hourly_stats");

        var plan = await store.ApplyObjectAsync(hourly with { Online = false }, NoSourceReads);

        Assert.Equal("driver_hourly_stats", Assert.Single(plan.ViewsToDelete).Name);
        Assert.DoesNotContain($"{Project}_driver_hourly_stats", OnlineTables(dir));
        Assert.Contains($"{Project}_driver_fresh", OnlineTables(dir));
    }

    [Fact]
    public async Task ApplyObjectAsync_OnThePythonWrittenRegistry_EveryObjectReappliesUnchangedAndANewOneTouchesNothingElse()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("data"));
        File.Copy(TestData.FeastRegistryDb, dir.File("data/registry.db"));
        File.WriteAllText(dir.File("feature_store.yaml"), """
            project: my_project
            registry: data/registry.db
            provider: local
            online_store:
              type: sqlite
              path: data/online_store.db
            entity_key_serialization_version: 3
            """);
        var before = P.Registry.Parser.ParseFrom(await File.ReadAllBytesAsync(dir.File("data/registry.db")));
        await using var store = FeatureStore.Open(dir.Path);
        var snapshot = await store.GetRegistryAsync();
        var entity = snapshot.Entities.Values.First(e => e.Name != Entity.DummyName);

        var unchanged = await store.ApplyObjectAsync(entity, NoSourceReads);
        foreach (var view in snapshot.FeatureViews.Values.Cast<FeastObject>().Concat(snapshot.OnDemandFeatureViews.Values).Concat(snapshot.FeatureServices.Values)
            .Concat(snapshot.DataSources.Values).Concat(snapshot.StreamFeatureViews.Values))
            Assert.False((await store.ApplyObjectAsync(view, NoSourceReads)).HasChanges, view.Name);
        Assert.Equal(before, P.Registry.Parser.ParseFrom(await File.ReadAllBytesAsync(dir.File("data/registry.db"))));
        var added = await store.ApplyObjectAsync(new Entity("rider", ["rider_id"], ValueType.Int64), NoSourceReads);
        var after = P.Registry.Parser.ParseFrom(await File.ReadAllBytesAsync(dir.File("data/registry.db")));

        Assert.False(unchanged.HasChanges);
        Assert.Equal(("Entity", "rider", ChangeType.Add), (Assert.Single(added.Changes).Kind, added.Changes[0].Name, added.Changes[0].Change));
        Assert.Equal("rider", after.Entities[^1].Spec.Name);
        after.Entities.RemoveAt(after.Entities.Count - 1);
        after.VersionId = before.VersionId;
        after.LastUpdated = before.LastUpdated;
#pragma warning disable CS0612 // Feast still writes project_metadata.
        // The fixture has no project_metadata; like apply (and Python's writers), the first write records the project's uuid.
        Assert.Empty(before.ProjectMetadata);
        Assert.Equal("my_project", Assert.Single(after.ProjectMetadata).Project);
        after.ProjectMetadata.Clear();
#pragma warning restore CS0612
        Assert.Equal(before.ToByteArray(), after.ToByteArray());
    }
}
