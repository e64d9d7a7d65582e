using Feast.Configuration;
using Feast.Planning;
using Feast.Registry;
using RegistryProto = Feast.Protos.Core.Registry;

namespace Feast.Tests.Registry.Stores;

/// <summary>
/// Object-level writes (<see cref="FeatureStore.ApplyObjectAsync"/>, <see cref="FeatureStore.DeleteObjectAsync(string, string, CancellationToken)"/>)
/// through a <see cref="FeatureStore"/> on this backend's registry store.
/// </summary>
public abstract partial class RegistryStoreConformanceTests
{
    private const string ObjectProject = "objwrites";
    private static readonly ApplyOptions NoSourceReads = new() { SkipSourceValidation = true };
    private static readonly Entity Driver = new("driver", joinKeys: ["driver_id"], valueType: ValueType.Int64);
    private static readonly FileSource Stats = new("data/driver_stats.parquet", "event_timestamp", name: "driver_stats");

    private static FeatureView View(string name, string description = "") =>
        new(name, Stats, [Driver], TimeSpan.FromDays(1), [new Field("conv_rate", FeastType.Float32), new Field("trips", FeastType.Int64)],
            description: description);

    /// <summary>A feature store on this test's registry; it owns (and disposes) its own store instance.</summary>
    private FeatureStore ObjectStore(string project = ObjectProject)
    {
        var config = RepoConfigLoader.Parse(
            $"project: {project}\nregistry: registry.db\nprovider: local\nonline_store:\n    type: sqlite\n    path: online.db\n", Temp.Path);
        return new FeatureStore(config, new FeatureStoreOptions { RegistryStore = NewStore(Clock), TimeProvider = Clock });
    }

    private async Task<RegistryProto> ReadProto() => (await Store().ReadAsync())!.Proto;

    /// <summary>The registry without the objects called <paramref name="name"/> and without its version stamp.</summary>
    private static RegistryProto Without(RegistryProto registry, string name)
    {
        var copy = registry.Clone();
        copy.VersionId = "";
        copy.LastUpdated = null;
        Remove(copy.Entities, e => e.Spec.Name == name);
        Remove(copy.DataSources, d => d.Name == name);
        Remove(copy.FeatureViews, v => v.Spec.Name == name);
        Remove(copy.StreamFeatureViews, v => v.Spec.Name == name);
        Remove(copy.OnDemandFeatureViews, v => v.Spec.Name == name);
        Remove(copy.FeatureServices, s => s.Spec.Name == name);
        Remove(copy.Permissions, p => p.Spec.Name == name);
        Remove(copy.Projects, p => p.Spec.Name == name);
        return copy;
    }

    private static void Remove<T>(Google.Protobuf.Collections.RepeatedField<T> list, Func<T, bool> match)
    {
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (match(list[i])) list.RemoveAt(i);
        }
    }

    [Fact]
    public async Task ApplyObjectAsync_EachKindOneByOne_AddsItAndLeavesEveryOtherObjectAsWritten()
    {
        await using var store = ObjectStore();
        var view = View("driver_hourly_stats");
        var kafka = new KafkaSource("driver_stream_source", "event_timestamp", "localhost:9092", "drivers", StreamFormat.Json("driver_id integer"),
            batchSource: Stats);
        var request = new RequestSource("vals_to_add", [new Field("val_to_add", FeastType.Int64)]);
        Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> plusOne = _ => new Dictionary<string, object?> { ["conv_rate_plus"] = 1.0 };
        FeastObject[] objects =
        [
            Driver, Stats, view, kafka, request,
            new StreamFeatureView("driver_stream", kafka, [Driver], TimeSpan.FromHours(1), [new Field("conv_rate", FeastType.Float32)]),
            new OnDemandFeatureView("conv_rate_plus", [view, request], [new Field("conv_rate_plus", FeastType.Float64)], transform: plusOne),
            new FeatureService("driver_activity", [view]),
            new Permission("readers", actions: [AuthzedAction.Describe]),
            new Project(ObjectProject, description: "object writes"),
        ];

        var before = new RegistryProto { RegistrySchemaVersion = "1" };
        foreach (var obj in objects)
        {
            var plan = await store.ApplyObjectAsync(obj, NoSourceReads);
            var after = await ReadProto();

            // The project record exists from the first write on, so applying the Project object updates it.
            Assert.Contains(plan.Changes, c => c.Name == obj.Name && c.Change == (obj is Project ? ChangeType.Update : ChangeType.Add));
            Assert.All(plan.Changes, c => Assert.True(c.Name == obj.Name || before.Projects.Count == 0, $"{c.Kind} {c.Name} changed by applying {obj.Name}"));
            if (before.Projects.Count > 0) Assert.Equal(Without(before, obj.Name), Without(after, obj.Name));
            before = after;
        }

        var snapshot = await store.GetRegistryAsync(allowCache: false);
        Assert.Equal(["__dummy", "driver"], snapshot.Entities.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["driver_stats", "driver_stream_source", "vals_to_add"], snapshot.DataSources.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["driver_hourly_stats"], snapshot.FeatureViews.Keys);
        Assert.Equal(["driver_stream"], snapshot.StreamFeatureViews.Keys);
        Assert.Equal(["conv_rate_plus"], snapshot.OnDemandFeatureViews.Keys);
        Assert.Equal(["driver_activity"], snapshot.FeatureServices.Keys);
        Assert.Equal(["readers"], snapshot.Permissions.Keys);
        Assert.Equal("object writes", snapshot.Projects[ObjectProject].Description);
        // The join-key column was completed from the entity, as apply completes it.
        Assert.Equal(FeastType.Int64, Assert.Single(snapshot.FeatureViews["driver_hourly_stats"].EntityColumns).Dtype);
    }

    [Fact]
    public async Task ApplyObjectAsync_Unchanged_WritesNothing()
    {
        await using var store = ObjectStore();
        await store.ApplyObjectAsync(Driver, NoSourceReads);
        await store.ApplyObjectAsync(Stats, NoSourceReads);
        await store.ApplyObjectAsync(View("driver_hourly_stats"), NoSourceReads);
        var before = await ReadProto();
        Clock.Advance(TimeSpan.FromMinutes(3));

        var plans = new[]
        {
            await store.ApplyObjectAsync(Driver, NoSourceReads),
            await store.ApplyObjectAsync(Stats, NoSourceReads),
            await store.ApplyObjectAsync(View("driver_hourly_stats"), NoSourceReads),
        };

        Assert.All(plans, p => Assert.False(p.HasChanges));
        Assert.Equal(before, await ReadProto());
    }

    [Fact]
    public async Task ApplyObjectAsync_UpdatedView_KeepsCreatedTimeAndMovesAsApplyMovesIt()
    {
        // The same change made by a whole-repo apply, in another project of the same registry, for the order to compare.
        await using var applied = ObjectStore("whole_repo");
        await applied.ApplyAsync([Driver, Stats, View("a_view"), View("b_view")], NoSourceReads);
        await using var store = ObjectStore();
        foreach (var obj in new FeastObject[] { Driver, Stats, View("a_view"), View("b_view") })
            await store.ApplyObjectAsync(obj, NoSourceReads);
        var created = (await ReadProto()).FeatureViews.Single(v => v.Spec.Name == "a_view" && v.Spec.Project == ObjectProject).Meta.CreatedTimestamp;
        Clock.Advance(TimeSpan.FromHours(1));

        await applied.ApplyAsync([Driver, Stats, View("a_view", description: "changed"), View("b_view")], NoSourceReads);
        var plan = await store.ApplyObjectAsync(View("a_view", description: "changed"), NoSourceReads);
        var after = await ReadProto();

        var change = Assert.Single(plan.Changes);
        Assert.Equal(("FeatureView", "a_view", ChangeType.Update), (change.Kind, change.Name, change.Change));
        Assert.Equal(after.FeatureViews.Where(v => v.Spec.Project == "whole_repo").Select(v => v.Spec.Name),
            after.FeatureViews.Where(v => v.Spec.Project == ObjectProject).Select(v => v.Spec.Name));
        var meta = after.FeatureViews.Single(v => v.Spec.Name == "a_view" && v.Spec.Project == ObjectProject).Meta;
        Assert.Equal(created, meta.CreatedTimestamp);
        Assert.Equal(Clock.GetUtcNow(), meta.LastUpdatedTimestamp.ToDateTimeOffset());
        Assert.Equal("changed", after.FeatureViews.Single(v => v.Spec.Name == "a_view" && v.Spec.Project == ObjectProject).Spec.Description);
    }

    [Fact]
    public async Task ApplyObjectAsync_ReferencesMissing_IsRefusedNamingBothAndWritesNothing()
    {
        await using var store = ObjectStore();
        await store.ApplyObjectAsync(Stats, NoSourceReads);
        var before = await ReadProto();
        var rider = new Entity("rider", joinKeys: ["rider_id"], valueType: ValueType.Int64);
        var elsewhere = new FileSource("data/other.parquet", "event_timestamp", name: "other_stats");

        var noEntity = await Assert.ThrowsAsync<FeastValidationException>(() =>
            store.ApplyObjectAsync(new FeatureView("rider_stats", Stats, [rider], schema: [new Field("x", FeastType.Int64)]), NoSourceReads));
        await store.ApplyObjectAsync(rider, NoSourceReads);
        var afterEntity = await ReadProto();
        var noSource = await Assert.ThrowsAsync<FeastValidationException>(() =>
            store.ApplyObjectAsync(new FeatureView("rider_stats", elsewhere, [rider], schema: [new Field("x", FeastType.Int64)]), NoSourceReads));
        var changedSource = await Assert.ThrowsAsync<FeastValidationException>(() =>
            store.ApplyObjectAsync(new FeatureView("rider_stats", Stats with { TimestampField = "ts" }, [rider], schema: [new Field("x", FeastType.Int64)]), NoSourceReads));
        var noView = await Assert.ThrowsAsync<FeastValidationException>(() =>
            store.ApplyObjectAsync(new FeatureService("svc", [View("missing_view")]), NoSourceReads));
        var dummy = await Assert.ThrowsAsync<FeastValidationException>(() => store.ApplyObjectAsync(Entity.Dummy, NoSourceReads));
        var otherProject = await Assert.ThrowsAsync<FeastValidationException>(() => store.ApplyObjectAsync(new Project("elsewhere"), NoSourceReads));

        Assert.Contains("'rider_stats'", noEntity.Message, StringComparison.Ordinal);
        Assert.Contains("'rider'", noEntity.Message, StringComparison.Ordinal);
        Assert.Contains($"not defined in project '{ObjectProject}'", noEntity.Message, StringComparison.Ordinal);
        Assert.Contains("'other_stats'", noSource.Message, StringComparison.Ordinal);
        Assert.Contains("'rider_stats'", noSource.Message, StringComparison.Ordinal);
        Assert.Contains("differs", changedSource.Message, StringComparison.Ordinal);
        Assert.Contains("'svc'", noView.Message, StringComparison.Ordinal);
        Assert.Contains("'missing_view'", noView.Message, StringComparison.Ordinal);
        Assert.Contains("__dummy", dummy.Message, StringComparison.Ordinal);
        Assert.Contains("elsewhere", otherProject.Message, StringComparison.Ordinal);
        Assert.Equal(Without(before, "rider"), Without(afterEntity, "rider"));
        Assert.Equal(afterEntity, await ReadProto());
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.ApplyObjectAsync(null!));
    }

    [Fact]
    public async Task DeleteObjectAsync_ByKind_RefusesWhatIsInUseAndFindsOnlyThatKind()
    {
        await using var store = ObjectStore();
        foreach (var obj in new FeastObject[] { Driver, Stats, View("driver_hourly_stats"), new FeatureService("svc", [View("driver_hourly_stats")]) })
            await store.ApplyObjectAsync(obj, NoSourceReads);
        var before = await ReadProto();

        var entityInUse = await Assert.ThrowsAsync<ObjectInUseException>(() => store.DeleteObjectAsync("Entity", "driver"));
        var viewInUse = await Assert.ThrowsAsync<ObjectInUseException>(() => store.DeleteObjectAsync("FeatureView", "driver_hourly_stats"));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => store.DeleteObjectAsync("Entity", "driver_hourly_stats"));
        await Assert.ThrowsAsync<FeatureServiceNotFoundException>(() => store.DeleteObjectAsync("FeatureService", "driver"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteObjectAsync("Widget", "driver"));
        Assert.Equal(before, await ReadProto());

        await store.DeleteObjectAsync("FeatureService", "svc");
        var view = await store.DeleteObjectAsync("FeatureView", "driver_hourly_stats");
        await store.DeleteObjectAsync("Entity", "driver");

        Assert.Equal(["FeatureView driver_hourly_stats"], entityInUse.Users);
        Assert.Equal(["FeatureService svc"], viewInUse.Users);
        Assert.Equal("driver_hourly_stats", Assert.Single(view.OnlineViews).Name);
        var snapshot = await store.GetRegistryAsync(allowCache: false);
        Assert.Equal(["__dummy"], snapshot.Entities.Keys);
        Assert.Empty(snapshot.FeatureViews);
        Assert.Equal(["driver_stats"], snapshot.DataSources.Keys);
    }

    [Fact]
    public async Task ApplyObjectAsync_EightConcurrentAppliers_EndInOneConsistentRegistry()
    {
        await using (var setup = ObjectStore())
        {
            await setup.ApplyObjectAsync(Driver, NoSourceReads);
            await setup.ApplyObjectAsync(Stats, NoSourceReads);
        }
        var stores = Enumerable.Range(0, 8).Select(_ => ObjectStore()).ToList();
        try
        {
            // Each writer adds its own view, then a service selecting it (checked against the registry as the others change it).
            await Task.WhenAll(stores.Select((s, i) => Task.Run(async () =>
            {
                await s.ApplyObjectAsync(View($"view_{i}"), NoSourceReads);
                await s.ApplyObjectAsync(new FeatureService($"svc_{i}", [View($"view_{i}")]), NoSourceReads);
            })));
        }
        finally
        {
            foreach (var s in stores) await s.DisposeAsync();
        }

        var registry = await ReadProto();
        var snapshot = RegistrySnapshot.Create(ObjectProject, await Store().ReadAsync());
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"view_{i}"), snapshot.FeatureViews.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"svc_{i}"), snapshot.FeatureServices.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(8, registry.FeatureViews.Count);
        Assert.Equal(2, registry.Entities.Count);
        Assert.Single(registry.DataSources);
        Assert.Single(registry.Projects);
#pragma warning disable CS0612 // Feast still writes project_metadata.
        Assert.Single(registry.ProjectMetadata);
#pragma warning restore CS0612
    }
}
