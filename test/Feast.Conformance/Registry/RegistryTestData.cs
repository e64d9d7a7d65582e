using Feast.Registry;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Time.Testing;
using RegistryProto = Feast.Protos.Core.Registry;

namespace Feast.Tests.Registry.Stores;

// Inside the namespace, so the proto types win over the Feast model types of the same names.
using Feast.Protos.Core;

/// <summary>Registries to store, and a clock on whole seconds (the SQL layout keeps seconds only).</summary>
internal static class RegistryTestData
{
    public static readonly DateTimeOffset Start = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static FakeTimeProvider Clock() => new(Start);

    /// <summary>Adds the project record every writer adds with a project's first object (a file registry without it reads as cut short).</summary>
    public static void EnsureProject(RegistryProto registry, string project)
    {
        if (!registry.Projects.Any(p => p.Spec.Name == project)) registry.Projects.Add(new Project { Spec = new ProjectSpec { Name = project } });
    }

    /// <summary>Every kind of object in two projects, each list ordered by project then name.</summary>
    public static RegistryProto TwoProjects()
    {
        var registry = new RegistryProto { RegistrySchemaVersion = "1" };
        foreach (var project in new[] { "alpha", "beta" })
        {
            registry.Projects.Add(new Project { Spec = new ProjectSpec { Name = project, Description = $"The {project} project" } });
            registry.Entities.Add(Entity(project, "customer"));
            registry.Entities.Add(Entity(project, "driver"));
            registry.DataSources.Add(new DataSource
            {
                Name = "driver_stats",
                Project = project,
                Type = DataSource.Types.SourceType.BatchFile,
                TimestampField = "event_timestamp",
                FileOptions = new DataSource.Types.FileOptions { Uri = "data/driver_stats.parquet" },
            });
            registry.DataSources.Add(new DataSource { Name = "driver_stats_push", Project = project, Type = DataSource.Types.SourceType.PushSource });
            registry.FeatureViews.Add(new FeatureView
            {
                Spec = new FeatureViewSpec { Name = "driver_hourly_stats", Project = project, Entities = { "driver" }, Online = true },
                Meta = new FeatureViewMeta { CreatedTimestamp = Timestamp.FromDateTimeOffset(Start) },
            });
            registry.StreamFeatureViews.Add(new StreamFeatureView { Spec = new StreamFeatureViewSpec { Name = "driver_stream", Project = project } });
            registry.OnDemandFeatureViews.Add(new OnDemandFeatureView { Spec = new OnDemandFeatureViewSpec { Name = "transformed_rate", Project = project } });
            registry.LabelViews.Add(new LabelView { Spec = new LabelViewSpec { Name = "driver_labels", Project = project } });
            registry.FeatureServices.Add(new FeatureService { Spec = new FeatureServiceSpec { Name = "driver_activity", Project = project } });
            registry.SavedDatasets.Add(new SavedDataset { Spec = new SavedDatasetSpec { Name = "training_set", Project = project } });
            registry.ValidationReferences.Add(new ValidationReference { Name = "reference", Project = project, ReferenceDatasetName = "training_set" });
            registry.Permissions.Add(new Permission
            {
                Spec = new PermissionSpec { Name = "readers", Project = project, Actions = { PermissionSpec.Types.AuthzedAction.ReadOnline } },
            });
            RegistryStamp.ProjectMetadata(registry).Add(new ProjectMetadata { Project = project, ProjectUuid = $"00000000-0000-4000-8000-00000000000{project.Length}" });
        }
        registry.Infra = new Infra
        {
            InfraObjects =
            {
                SqliteTable("alpha_driver_hourly_stats"),
                SqliteTable("beta_driver_hourly_stats"),
            },
        };
        registry.FeatureViewVersionHistory = new FeatureViewVersionHistory
        {
            Records =
            {
                new FeatureViewVersionRecord
                {
                    FeatureViewName = "driver_hourly_stats",
                    ProjectId = "alpha",
                    VersionNumber = 1,
                    FeatureViewType = "feature_view",
                    FeatureViewProto = registry.FeatureViews[0].ToByteString(),
                    CreatedTimestamp = Timestamp.FromDateTimeOffset(Start),
                    Description = "first",
                    VersionId = "11111111-1111-4111-8111-111111111111",
                },
            },
        };
        return registry;
    }

    public static Entity Entity(string project, string name) =>
        new() { Spec = new EntitySpecV2 { Name = name, Project = project, JoinKey = name + "_id", Description = $"{name} in {project}" } };

    public static InfraObject SqliteTable(string name) => new()
    {
        InfraObjectClassType = "feast.infra.online_stores.sqlite.SqliteTable",
        SqliteTable = new SqliteTable { Path = "/repo/data/online.db", Name = name },
    };

    /// <summary>Removes every object of <paramref name="project"/> from a registry being mutated.</summary>
    public static bool RemoveProject(RegistryProto registry, string project)
    {
        Remove(registry.Projects, p => p.Spec.Name == project);
        Remove(registry.Entities, e => e.Spec.Project == project);
        Remove(registry.DataSources, d => d.Project == project);
        Remove(registry.FeatureViews, v => v.Spec.Project == project);
        Remove(registry.StreamFeatureViews, v => v.Spec.Project == project);
        Remove(registry.OnDemandFeatureViews, v => v.Spec.Project == project);
        Remove(registry.LabelViews, v => v.Spec.Project == project);
        Remove(registry.FeatureServices, s => s.Spec.Project == project);
        Remove(registry.SavedDatasets, d => d.Spec.Project == project);
        Remove(registry.ValidationReferences, v => v.Project == project);
        Remove(registry.Permissions, p => p.Spec.Project == project);
        Remove(RegistryStamp.ProjectMetadata(registry), m => m.Project == project);
        Remove(registry.Infra.InfraObjects, o => o.SqliteTable.Name.StartsWith(project + "_", StringComparison.Ordinal));
        Remove(registry.FeatureViewVersionHistory.Records, r => r.ProjectId == project);
        return true;
    }

    private static void Remove<T>(RepeatedField<T> list, Func<T, bool> match)
    {
        foreach (var item in list.Where(match).ToList())
            list.Remove(item);
    }

    /// <summary>Copies <paramref name="source"/> into a <paramref name="registry"/> being mutated.</summary>
    public static bool ReplaceWith(RegistryData registry, RegistryProto source)
    {
        registry.Proto.MergeFrom(source);
        return true;
    }
}

/// <summary>A temporary directory removed with everything in it.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "feast-registry-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory must not fail a test.
        }
    }
}
