using Feast.Configuration;
using Feast.Offline;
using static Feast.DuckDb.Tests.T;

namespace Feast.DuckDb.Tests;

public class RegistrationTests
{
    [Fact]
    public async Task UseDuckDb_DuckDbType_CreatesStoreResolvingSourcesAgainstRepoPath()
    {
        await using var f = new StoreFixture();
        f.Write("data/driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var options = new FeatureStoreOptions().UseDuckDb();
        var config = new RepoConfig { Project = "p", RepoPath = f.Root, OfflineStore = new DuckDbOfflineStoreOptions(), OnlineStore = null };
        await using var feature = new FeatureStore(config, options);

        var duck = Assert.IsType<DuckDbOfflineStore>(feature.OfflineStore);
        Assert.Equal(f.Root, duck.RepoPath);
        var result = await RunAsync(duck, Rows([("driver_id", 1L), ("event_timestamp", T0)]), Request(DriverView("data/driver.parquet", TimeSpan.Zero)));
        Assert.Equal([1.0f], result.Column("conv_rate"));
    }

    [Fact]
    public async Task UseDuckDb_FileTypeInYaml_LoadsAsDuckDbAndIsServed()
    {
        await using var f = new StoreFixture();
        var config = RepoConfigLoader.Parse("project: p\nregistry: data/registry.db\nprovider: local\nonline_store: null\noffline_store:\n  type: file\n", f.Root);
        var options = new FeatureStoreOptions().UseDuckDb();

        await using var feature = new FeatureStore(config, options);

        Assert.IsType<DuckDbOfflineStore>(feature.OfflineStore);
        Assert.Equal("duckdb", feature.Config.OfflineStore.Type);
    }

    [Fact]
    public async Task GetHistoricalFeatures_AfterDispose_Throws()
    {
        var f = new StoreFixture();
        await f.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => f.Store.GetHistoricalFeatures(
            new HistoricalRetrievalRequest(Rows([("driver_id", 1L), ("event_timestamp", T0)]), [], false)));
    }
}
