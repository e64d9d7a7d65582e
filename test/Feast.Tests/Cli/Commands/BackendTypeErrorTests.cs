namespace Feast.Tests.Cli.Commands;

/// <summary>The <c>feast</c> CLI binds feature_store.yaml with the backends it registers, and says which they are.</summary>
public sealed class BackendTypeErrorTests
{
    [Fact]
    public async Task Configuration_UnknownOnlineStoreType_ListsTheTypesTheCliRegisters()
    {
        using var repo = new TempDir();
        File.WriteAllText(repo.File("feature_store.yaml"), "project: p\nregistry: data/registry.db\nonline_store:\n  type: nosuch\n");

        var result = (await FeastCommand.InAsync(repo.Path, "configuration")).Expect(1);

        Assert.Contains("unknown online store type 'nosuch'. Valid types: sqlite, remote, redis, postgres", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configuration_UnknownOfflineStoreType_ListsTheTypesTheCliRegisters()
    {
        using var repo = new TempDir();
        File.WriteAllText(repo.File("feature_store.yaml"), "project: p\nregistry: data/registry.db\noffline_store: nosuch\n");

        var result = (await FeastCommand.InAsync(repo.Path, "configuration")).Expect(1);

        Assert.Contains("unknown offline store type 'nosuch'. Valid types: duckdb, dask, file, postgres", result.Stderr, StringComparison.Ordinal);
    }
}
