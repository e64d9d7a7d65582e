using Feast.Planning;
using Feast.Registry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using P = Feast.Protos.Core;
using RegistryProto = Feast.Protos.Core.Registry;

namespace Feast.Tests.Registry.Stores;

/// <summary>
/// <see cref="RegistryWriter"/> (what the registry server writes with) on this backend's registry store: writes to any
/// project, each checked against its own project's objects, and the writes of saved datasets, validation references,
/// materializations, infra and whole-project deletes.
/// </summary>
public abstract partial class RegistryStoreConformanceTests
{
    private RegistryWriter Writer() => new(Store(), timeProvider: Clock);

    /// <summary>The registry with <paramref name="project"/>'s objects only, as stored (stamp and infra left out).</summary>
    private static RegistryProto ProjectPart(RegistryProto registry, string project)
    {
        var copy = new RegistryProto();
        copy.Entities.Add(registry.Entities.Where(e => e.Spec.Project == project));
        copy.DataSources.Add(registry.DataSources.Where(d => d.Project == project));
        copy.FeatureViews.Add(registry.FeatureViews.Where(v => v.Spec.Project == project));
        copy.StreamFeatureViews.Add(registry.StreamFeatureViews.Where(v => v.Spec.Project == project));
        copy.OnDemandFeatureViews.Add(registry.OnDemandFeatureViews.Where(v => v.Spec.Project == project));
        copy.FeatureServices.Add(registry.FeatureServices.Where(s => s.Spec.Project == project));
        copy.Permissions.Add(registry.Permissions.Where(p => p.Spec.Project == project));
        copy.SavedDatasets.Add(registry.SavedDatasets.Where(d => d.Spec.Project == project));
        copy.ValidationReferences.Add(registry.ValidationReferences.Where(r => r.Project == project));
        copy.Projects.Add(registry.Projects.Where(p => p.Spec.Name == project));
#pragma warning disable CS0612 // Feast still writes project_metadata.
        copy.ProjectMetadata.Add(registry.ProjectMetadata.Where(m => m.Project == project));
#pragma warning restore CS0612
        return copy;
    }

    private static P.SavedDataset SavedSet(string name, string description = "") => new()
    {
        Spec = new P.SavedDatasetSpec
        {
            Name = name,
            Features = { "driver_hourly_stats:conv_rate" },
            JoinKeys = { "driver_id" },
            Storage = new P.SavedDatasetStorage { FileStorage = new P.DataSource.Types.FileOptions { Uri = "data/saved.parquet" } },
            Description = description,
        },
    };

    [Fact]
    public async Task RegistryWriter_TwoProjects_EachCheckedAgainstItsOwnObjects_TheOtherLeftAsWritten()
    {
        var writer = Writer();
        foreach (var obj in new FeastObject[] { Driver, Stats, View("driver_hourly_stats") })
            await writer.ApplyObjectAsync("alpha", obj);
        var alpha = ProjectPart(await ReadProto(), "alpha");

        // beta has no driver entity of its own: alpha's does not count.
        var first = await writer.ApplyObjectAsync("beta", Stats);
        var refused = await Assert.ThrowsAsync<FeastValidationException>(() => writer.ApplyObjectAsync("beta", View("driver_hourly_stats")));
        await writer.ApplyObjectAsync("beta", Driver);
        await writer.ApplyObjectAsync("beta", View("driver_hourly_stats", description: "beta's"));
        var project = await writer.ApplyObjectAsync("beta", new Project("beta", description: "the beta team"));
        var misnamed = await Assert.ThrowsAsync<FeastValidationException>(() => writer.ApplyObjectAsync("beta", new Project("gamma")));
        var deleted = await writer.DeleteObjectAsync("beta", "FeatureView", "driver_hourly_stats");
        await Assert.ThrowsAsync<EntityNotFoundException>(() => writer.DeleteObjectAsync("beta", "Entity", "rider"));
        await Assert.ThrowsAsync<ObjectInUseException>(() => writer.DeleteObjectAsync("alpha", "Entity", "driver"));

        var registry = await ReadProto();
        var beta = RegistrySnapshot.Create("beta", await Store().ReadAsync());
        Assert.Contains("'beta'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'driver'", refused.Message, StringComparison.Ordinal);
        // A project's first object creates its Project record and dummy entity, as apply does.
        Assert.Equal(["Project beta", "Entity __dummy", "DataSource driver_stats"], first.Changes.Select(c => $"{c.Kind} {c.Name}"));
        Assert.Equal(ChangeType.Update, Assert.Single(project.Changes).Change);
        Assert.Contains("gamma", misnamed.Message, StringComparison.Ordinal);
        Assert.Equal(("FeatureView", "driver_hourly_stats"), (deleted.Kind, deleted.Name));
        Assert.Equal(["__dummy", "driver"], beta.Entities.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(beta.FeatureViews);
        Assert.Equal("the beta team", beta.Projects["beta"].Description);
        Assert.Equal(alpha, ProjectPart(registry, "alpha"));
        Assert.Equal(["alpha", "beta"], registry.Projects.Select(p => p.Spec.Name).Order(StringComparer.Ordinal));
#pragma warning disable CS0612 // Feast still writes project_metadata: one per project.
        Assert.Equal(["alpha", "beta"], registry.ProjectMetadata.Select(m => m.Project).Order(StringComparer.Ordinal));
#pragma warning restore CS0612
    }

    [Fact]
    public async Task RegistryWriter_SavedDatasetsAndValidationReferences_StoredAsGiven()
    {
        var writer = Writer();
        var reference = new P.ValidationReference { Name = "ref", ReferenceDatasetName = "training", Description = "d", Tags = { ["k"] = "v" } };

        var added = await writer.ApplySavedDatasetAsync("alpha", SavedSet("training").ToByteArray());
        Clock.Advance(TimeSpan.FromMinutes(2));
        var updated = await writer.ApplySavedDatasetAsync("alpha", SavedSet("training", "changed").ToByteArray());
        await writer.ApplyValidationReferenceAsync("alpha", reference.ToByteArray());
        var inUse = await Assert.ThrowsAsync<ObjectInUseException>(() => writer.DeleteObjectAsync("alpha", "SavedDataset", "training"));
        await Assert.ThrowsAsync<FeastValidationException>(() => writer.ApplySavedDatasetAsync("alpha", SavedSet(" ").ToByteArray()));
        await Assert.ThrowsAsync<RegistryException>(() => writer.ApplyValidationReferenceAsync("alpha", new byte[] { 0xFF, 0xFF, 0xFF }));

        var registry = await ReadProto();
        var stored = Assert.Single(registry.SavedDatasets);
        var expected = SavedSet("training", "changed").Spec;
        expected.Project = "alpha";
        Assert.Equal((ChangeType.Add, ChangeType.Update), (added.Change, updated.Change));
        Assert.Equal(expected, stored.Spec);
        Assert.Equal(RegistryTestData.Clock().GetUtcNow(), stored.Meta.CreatedTimestamp.ToDateTimeOffset());
        Assert.Equal(Clock.GetUtcNow(), stored.Meta.LastUpdatedTimestamp.ToDateTimeOffset());
        var storedReference = reference.Clone();
        storedReference.Project = "alpha";
        Assert.Equal(storedReference, Assert.Single(registry.ValidationReferences));
        Assert.Equal(["ValidationReference ref"], inUse.Users);
        Assert.Equal(["alpha"], registry.Projects.Select(p => p.Spec.Name));

        await writer.DeleteObjectAsync("alpha", "ValidationReference", "ref");
        await writer.DeleteObjectAsync("alpha", "SavedDataset", "training");
        var after = await ReadProto();
        Assert.Empty(after.SavedDatasets);
        Assert.Empty(after.ValidationReferences);
    }

    [Fact]
    public async Task RegistryWriter_DeleteProject_RemovesEverythingItHolds_AndNoOtherProject()
    {
        var writer = Writer();
        foreach (var project in new[] { "alpha", "beta" })
        {
            foreach (var obj in new FeastObject[] { Driver, Stats, View("driver_hourly_stats"), new FeatureService("svc", [View("driver_hourly_stats")]), new Permission("readers", actions: [AuthzedAction.Describe]) })
                await writer.ApplyObjectAsync(project, obj);
            await writer.ApplySavedDatasetAsync(project, SavedSet("training").ToByteArray());
            await writer.ApplyValidationReferenceAsync(project, new P.ValidationReference { Name = "ref", ReferenceDatasetName = "training" }.ToByteArray());
        }
        var alpha = ProjectPart(await ReadProto(), "alpha");

        var plan = await writer.DeleteProjectAsync("beta");
        var missing = await Assert.ThrowsAsync<ProjectObjectNotFoundException>(() => writer.DeleteProjectAsync("beta"));

        var registry = await ReadProto();
        Assert.Equal(alpha, ProjectPart(registry, "alpha"));
        Assert.Equal(new RegistryProto(), ProjectPart(registry, "beta"));
        Assert.Contains(plan.Changes, c => c.Kind == "FeatureView" && c.Name == "driver_hourly_stats" && c.Change == ChangeType.Delete);
        Assert.Equal("driver_hourly_stats", Assert.Single(plan.ViewsToDelete).Name);
        Assert.Equal("Project beta does not exist", missing.Message);
    }

    [Fact]
    public async Task RegistryWriter_ApplyMaterialization_AppendsTheInterval()
    {
        var writer = Writer();
        foreach (var obj in new FeastObject[] { Driver, Stats, View("driver_hourly_stats") })
            await writer.ApplyObjectAsync("alpha", obj);
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Clock.Advance(TimeSpan.FromHours(1));

        await writer.ApplyMaterializationAsync("alpha", "driver_hourly_stats", start, start.AddDays(1));
        await writer.ApplyMaterializationAsync("alpha", "driver_hourly_stats", start.AddDays(1), start.AddDays(2));
        await Assert.ThrowsAsync<FeatureViewNotFoundException>(() => writer.ApplyMaterializationAsync("beta", "driver_hourly_stats", start, start));

        var view = RegistrySnapshot.Create("alpha", await Store().ReadAsync()).FeatureViews["driver_hourly_stats"];
        Assert.Equal([(start, start.AddDays(1)), (start.AddDays(1), start.AddDays(2))], view.MaterializationIntervals.Select(i => (i.Start, i.End)));
        var meta = (await ReadProto()).FeatureViews.Single().Meta;
        Assert.Equal(Clock.GetUtcNow(), meta.LastUpdatedTimestamp.ToDateTimeOffset());
    }

    [Fact]
    public async Task RegistryWriter_UpdateInfra_ReadsBackAsWritten_AndCreatesTheProject()
    {
        var writer = Writer();
        var infra = new P.Infra
        {
            InfraObjects =
            {
                new P.InfraObject { InfraObjectClassType = "feast.infra.online_stores.sqlite.SqliteTable", SqliteTable = new P.SqliteTable { Path = "/data/online.db", Name = "alpha_driver_hourly_stats" } },
            },
        };

        await writer.UpdateInfraAsync("alpha", infra.ToByteArray());
        await writer.UpdateInfraAsync("alpha", infra.ToByteArray());

        var registry = await ReadProto();
        Assert.Equal(infra, registry.Infra);
        Assert.Equal(["alpha"], registry.Projects.Select(p => p.Spec.Name));
    }

    [Fact]
    public async Task RegistryWriter_EightConcurrentWritersInFourProjects_AllLand()
    {
        var writers = Enumerable.Range(0, 8).Select(_ => Writer()).ToList();

        await Task.WhenAll(writers.Select((w, i) => Task.Run(async () =>
        {
            var project = $"p{i % 4}";
            await w.ApplyObjectAsync(project, new Entity($"entity_{i}", joinKeys: [$"id_{i}"], valueType: ValueType.Int64));
            await w.ApplySavedDatasetAsync(project, SavedSet($"set_{i}").ToByteArray());
        })));

        var registry = await ReadProto();
        Assert.Equal(["p0", "p1", "p2", "p3"], registry.Projects.Select(p => p.Spec.Name).Order(StringComparer.Ordinal));
        Assert.Equal(8, registry.Entities.Count(e => e.Spec.Name.StartsWith("entity_", StringComparison.Ordinal)));
        Assert.Equal(4, registry.Entities.Count(e => e.Spec.Name == Entity.DummyName));
        Assert.Equal(8, registry.SavedDatasets.Count);
    }
}
