using Feast.Model.Proto;
using Feast.Registry;
using P = Feast.Protos.Core;

namespace Feast.Tests.Registry;

/// <summary><see cref="FeatureStore.DeleteObjectAsync(string, CancellationToken)"/> and the registry edit behind it, for kinds the CLI tests do not reach.</summary>
public sealed class RegistryDeletionTests
{
    private const string Project = "deletion";

    private static readonly Entity Driver = new("driver", joinKeys: ["driver_id"], valueType: ValueType.Int64);
    private static readonly FileSource Source = new("data/stats.parquet", "event_timestamp", name: "stats");

    private static P.Registry Registry()
    {
        var registry = new P.Registry { RegistrySchemaVersion = "1" };
        registry.Entities.Add(ProtoConverter.ToProto(Driver, Project));
        registry.DataSources.Add(ProtoConverter.ToProto(Source, Project));
        // A view named like the entity: Feast's search order finds the entity first.
        registry.FeatureViews.Add(ProtoConverter.ToProto(
            new FeatureView("driver", Source, entities: [Driver], schema: [new Field("rate", FeastType.Float32)]), Project));
        registry.SavedDatasets.Add(new P.SavedDataset { Spec = new P.SavedDatasetSpec { Name = "training_2025", Project = Project } });
        registry.ValidationReferences.Add(new P.ValidationReference { Name = "reference_2025", Project = Project, ReferenceDatasetName = "training_2025" });
        registry.ValidationReferences.Add(new P.ValidationReference { Name = "reference_2025", Project = "other_project" });
        // Every writer records the projects that own objects (a file registry without them reads as cut short).
        foreach (var project in new[] { Project, "other_project" }) registry.Projects.Add(new P.Project { Spec = new P.ProjectSpec { Name = project } });
        return registry;
    }

    [Fact]
    public void Delete_SavedDatasetAValidationReferenceUses_IsRefusedUntilTheReferenceIsGone()
    {
        var registry = Registry();

        var error = Assert.Throws<ObjectInUseException>(() => RegistryDeletion.Delete(registry, Project, "training_2025"));
        var reference = RegistryDeletion.Delete(registry, Project, "reference_2025");
        var dataset = RegistryDeletion.Delete(registry, Project, "training_2025");

        Assert.Equal(["ValidationReference reference_2025"], error.Users);
        Assert.Equal(("ValidationReference", "reference_2025"), (reference.Kind, reference.Name));
        Assert.Equal("SavedDataset", dataset.Kind);
        Assert.Empty(registry.SavedDatasets);
        // The other project's object of the same name stays.
        Assert.Equal("other_project", Assert.Single(registry.ValidationReferences).Project);
    }

    [Fact]
    public void Delete_NameHeldByTwoKinds_TakesFeastsOrderEntityFirst()
    {
        var registry = Registry();

        // The entity is used by the view of the same name, so Feast's first match (the entity) is refused...
        var error = Assert.Throws<ObjectInUseException>(() => RegistryDeletion.Delete(registry, Project, "driver"));
        Assert.Equal(["FeatureView driver"], error.Users);
        Assert.Contains("Cannot delete Entity driver", error.Message, StringComparison.Ordinal);
        Assert.Single(registry.FeatureViews);
    }

    [Fact]
    public async Task DeleteObjectAsync_FileRegistry_WritesOnceAndNothingOnFailure()
    {
        using var temp = new TempDir();
        var path = temp.File("registry.db");
        var store = new FileRegistryStore(path);
        await store.UpdateAsync(r =>
        {
            r.Proto.MergeFrom(Registry());
            return true;
        });
        var config = global::Feast.Configuration.RepoConfigLoader.Parse($"project: {Project}\nregistry: registry.db\nonline_store:\n    type: sqlite\n    path: online.db\n", temp.Path);
        await using var feature = new FeatureStore(config, new FeatureStoreOptions { RegistryStore = store });
        var before = await File.ReadAllBytesAsync(path);

        await Assert.ThrowsAsync<ObjectNameNotFoundException>(() => feature.DeleteObjectAsync("stat"));
        await Assert.ThrowsAsync<ObjectInUseException>(() => feature.DeleteObjectAsync("stats"));
        Assert.Equal(before, await File.ReadAllBytesAsync(path));

        var deleted = await feature.DeleteObjectAsync("reference_2025");
        var snapshot = await feature.GetRegistryAsync();

        Assert.Equal("ValidationReference", deleted.Kind);
        Assert.Empty(deleted.OnlineViews);
        Assert.DoesNotContain(snapshot.Proto.ValidationReferences, r => r.Project == Project);
        var error = await Assert.ThrowsAsync<ObjectNameNotFoundException>(() => feature.DeleteObjectAsync("reference_2025"));
        Assert.Equal("reference_2025", error.Name);
    }
}
