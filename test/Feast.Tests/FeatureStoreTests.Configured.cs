namespace Feast.Tests;

/// <summary>FeatureStore opened from a given feature_store.yaml: registry locations, unsupported options, failed applies.</summary>
public partial class FeatureStoreTests
{
    private static FeatureStore OpenWith(TempDir dir, string yaml)
    {
        File.WriteAllText(dir.File("feature_store.yaml"), yaml);
        return FeatureStore.Open(dir.Path);
    }

    [Fact]
    public void Open_RemoteRegistryUri_ThrowsAndCreatesNoLocalFolder()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<RegistryException>(() => OpenWith(dir, "project: p\nregistry: s3://bucket/registry.db\nonline_store: null\n"));
        Assert.Contains("s3://", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("s3:")));
    }

    [Fact]
    public async Task Open_FileUriRegistry_WritesTheLocalFile()
    {
        using var dir = new TempDir();
        await using var store = OpenWith(dir, $"project: p\nregistry: file://{dir.File("reg.db")}\nonline_store: null\n");
        await store.ApplyAsync([Driver]);
        Assert.True(File.Exists(dir.File("reg.db")));
    }

    [Theory]
    [InlineData("online_store:\n  type: sqlite\n  enable_openai_compatible_store: true\n")]
    public void Open_UnsupportedSqliteOption_ThrowsNotSupported(string onlineStore)
    {
        using var dir = new TempDir();
        var e = Assert.Throws<Feast.Configuration.FeastConfigException>(() => OpenWith(dir, "project: p\nregistry: data/registry.db\n" + onlineStore));
        Assert.Contains("not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TeardownAsync_NeverAppliedSqlRegistry_ChangesAndCreatesNothing()
    {
        using var dir = new TempDir();
        await using var store = OpenWith(dir, "project: p\nregistry:\n  registry_type: sql\n  path: sqlite:///data/registry.sqlite\nonline_store: null\n");

        var plan = await store.TeardownAsync();

        Assert.False(plan.HasChanges);
        Assert.False(File.Exists(dir.File("data/registry.sqlite")));
    }

    [Fact]
    public async Task GetRegistryAsync_AfterApply_ReturnsTheNewSnapshotNotTheCachedOne()
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
    public async Task ApplyAsync_OnlineStoreUnwritable_ThrowsNamingItAndWritesNoRegistry()
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
