using Feast.Cli.Commands;

namespace Feast.Cli.Tests.Commands;

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

    [Fact]
    public async Task Apply_RepoUsingABackendsSourceKind_CompilesWithoutAUsingAndStoresIt()
    {
        using var repo = new TempDir();
        File.WriteAllText(repo.File("feature_store.yaml"), "project: p\nregistry: data/registry.db\nonline_store: null\n");
        File.WriteAllText(repo.File("definitions.cs"), """
            public static class Definitions
            {
                public static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);
                public static readonly DuckDbSource Stats = new("stats", query: "SELECT 1::BIGINT AS driver_id", timestampField: "event_timestamp");
                public static readonly FeatureView View = new("stats_view", Stats, [Driver], TimeSpan.FromDays(1),
                    [new Field("driver_id", FeastType.Int64), new Field("conv_rate", FeastType.Float32)]);
            }
            """);

        (await FeastCommand.InAsync(repo.Path, "apply", "--skip-source-validation")).ExpectOk();

        await using var store = FeatureStore.Open(repo.Path, options: new FeatureStoreOptions { Backends = global::Feast.Cli.CliContext.Backends() });
        var registry = await store.GetRegistryAsync(allowCache: false);
        Assert.Equal("SELECT 1::BIGINT AS driver_id", Assert.IsType<global::Feast.DuckDb.DuckDbSource>(registry.DataSources["stats"]).Query);
    }
}
