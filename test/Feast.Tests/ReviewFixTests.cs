using Feast.Model.Proto;
using Feast.Planning;
using Feast.Registry;
using P = Feast.Protos.Core;

namespace Feast.Tests;

/// <summary>Regression tests for defects found in code review.</summary>
public class ReviewFixTests
{
    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);

    private static FeatureStore OpenWith(TempDir dir, string yaml)
    {
        File.WriteAllText(dir.File("feature_store.yaml"), yaml);
        return FeatureStore.Open(dir.Path);
    }

    [Fact]
    public void Open_RemoteRegistryUri_IsRejectedInsteadOfWrittenToALocalFolder()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<RegistryException>(() => OpenWith(dir, "project: p\nregistry: s3://bucket/registry.db\nonline_store: null\n"));
        Assert.Contains("s3://", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("s3:")));
    }

    [Fact]
    public async Task Open_FileUriRegistry_IsALocalFile()
    {
        using var dir = new TempDir();
        await using var store = OpenWith(dir, $"project: p\nregistry: file://{dir.File("reg.db")}\nonline_store: null\n");
        await store.ApplyAsync([Driver]);
        Assert.True(File.Exists(dir.File("reg.db")));
    }

    [Fact]
    public async Task DeleteIfEmptyAsync_RegistryWithObjects_KeepsIt()
    {
        using var dir = new TempDir();
        await using var store = new FileRegistryStore(dir.File("registry.db"));
        await store.UpdateAsync(r =>
        {
            r.Entities.Add(ProtoConverter.ToProto(Driver, "other"));
            r.Projects.Add(new Feast.Protos.Core.Project { Spec = new Feast.Protos.Core.ProjectSpec { Name = "other" } });
            return true;
        });

        Assert.False(await store.DeleteIfEmptyAsync());
        Assert.True(File.Exists(dir.File("registry.db")));

        await store.UpdateAsync(r =>
        {
            r.Entities.Clear();
            r.Projects.Clear();
            return true;
        });
        Assert.True(await store.DeleteIfEmptyAsync());
        Assert.False(File.Exists(dir.File("registry.db")));
    }

    [Fact]
    public async Task TeardownAsync_NeverAppliedSqlRegistry_CreatesNothing()
    {
        using var dir = new TempDir();
        await using var store = OpenWith(dir, "project: p\nregistry:\n  registry_type: sql\n  path: sqlite:///data/registry.sqlite\nonline_store: null\n");

        var plan = await store.TeardownAsync();

        Assert.False(plan.HasChanges);
        Assert.False(File.Exists(dir.File("data/registry.sqlite")));
    }

    [Fact]
    public void FileSource_CsvFormatWithoutCsvExtension_IsRejected()
    {
        var e = Assert.Throws<FeastValidationException>(() => new FileSource("data/stats", "ts", fileFormat: FileFormat.Csv));
        Assert.Contains(".csv", e.Message, StringComparison.Ordinal);
        Assert.Equal(FileFormat.Csv, new FileSource("data/stats/*.csv", "ts").FileFormat);
    }

    [Fact]
    public void Definitions_EqualContent_AreEqualEvenWithTagsAndMappings()
    {
        FileSource Make() => new("data/x.parquet", "ts", name: "src", fieldMapping: new Dictionary<string, string> { ["id"] = "driver_id" },
            tags: new Dictionary<string, string> { ["team"] = "a" });

        Assert.Equal(Make(), Make());
        var defs = RepoDefinitions.From([Make(), Make()]);
        Assert.Single(defs.DataSources);
        RepoValidator.Prepare(defs with { DataSources = [Make(), Make()] }, "p");
    }

    [Fact]
    public void StreamFeatureView_KafkaWithoutBatchSourceInRegistry_LoadsAndRoundTrips()
    {
        var batch = new FileSource("data/x.parquet", "ts", name: "batch");
        var kafka = new KafkaSource("k", "ts", "localhost:9092", "t", StreamFormat.Json("x"), batchSource: batch);
        var view = new StreamFeatureView("s", kafka, [Driver], schema: [new Field("x", FeastType.Int64)]);
        var proto = ProtoConverter.ToProto(view, "p");
        proto.Spec.StreamSource.BatchSource = null; // as a Python registry may store it

        var loaded = ProtoConverter.FromProto(proto);

        Assert.Equal("batch", loaded.BatchSource.Name);
        Assert.Null(((KafkaSource)loaded.StreamSource!).BatchSource);
        Assert.Equal(proto, ProtoConverter.ToProto(loaded, "p"));

        proto.Spec.BatchSource = null;
        var e = Assert.Throws<RegistryException>(() => ProtoConverter.FromProto(proto));
        Assert.Contains("'s'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("online_store:\n  type: sqlite\n  vector_enabled: true\n")]
    [InlineData("online_store:\n  type: sqlite\n  enable_openai_compatible_store: true\n")]
    public void Open_UnsupportedSqliteOptions_AreRejected(string onlineStore)
    {
        using var dir = new TempDir();
        var e = Assert.Throws<Feast.Configuration.FeastConfigException>(() => OpenWith(dir, "project: p\nregistry: data/registry.db\n" + onlineStore));
        Assert.Contains("not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetRegistryAsync_AfterApply_NeverGoesBackToAnOlderSnapshot()
    {
        using var dir = new TempDir();
        await using var store = OpenWith(dir, "project: p\nregistry: data/registry.db\nonline_store: null\n");
        var before = await store.GetRegistryAsync();

        await store.ApplyAsync([Driver]);

        var after = await store.GetRegistryAsync();
        Assert.NotEqual(before.VersionId, after.VersionId);
        Assert.True(after.Entities.ContainsKey("driver"));
    }

    [Fact]
    public async Task ApplyAsync_OnlineStoreUnwritable_FailsClearlyAndWritesNoRegistry()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("data/online_store.db")); // a folder where the database file should be
        await using var store = OpenWith(dir, "project: p\nregistry: data/registry.db\nonline_store:\n  type: sqlite\n  path: data/online_store.db\n");
        var view = new FeatureView("v", new FileSource("data/x.parquet", "ts"), [Driver], schema: [new Field("x", FeastType.Int64)]);

        var e = await Assert.ThrowsAsync<FeastException>(() => store.ApplyAsync([Driver, view]));

        Assert.Contains("online_store.db", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("data/registry.db")));
    }
}
