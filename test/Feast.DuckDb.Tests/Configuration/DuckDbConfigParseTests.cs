using Feast.Configuration;

namespace Feast.DuckDb.Tests.Configuration;

/// <summary>The DuckDB offline store yaml keys, bound through the schema <c>UseDuckDb()</c> registers (moved from Feast.Tests' RepoConfigParseTests).</summary>
public class DuckDbConfigParseTests
{
    private const string Minimal = "project: my_project\nregistry: data/registry.db\n";

    private static RepoConfig ParseWith(string extraYaml) =>
        RepoConfigLoader.Parse(Minimal + extraYaml, Path.GetTempPath(), "feature_store.yaml", new FeastBackends().UseDuckDb());

    [Theory]
    [InlineData("offline_store: duckdb\n")]
    [InlineData("offline_store: file\n")]
    [InlineData("offline_store: dask\n")]
    [InlineData("offline_store:\n  type: file\n")]
    [InlineData("offline_store: {}\n")]
    [InlineData("offline_store:\n")]
    public void Parse_OfflineStoreDuckDbFileOrDask_BindsDuckDb(string yaml)
    {
        var config = ParseWith(yaml);

        Assert.Equal(new DuckDbOfflineStoreOptions(), config.OfflineStore);
        Assert.Equal("duckdb", config.OfflineStore.Type);
    }

    [Fact]
    public void Parse_DuckDbStaging_BindsBothKeys()
    {
        var config = ParseWith("""
            offline_store:
              type: duckdb
              staging_location: s3://bucket/staging
              staging_location_endpoint_override: http://minio:9000
            """);

        var duckdb = Assert.IsType<DuckDbOfflineStoreOptions>(config.OfflineStore);
        Assert.Equal("s3://bucket/staging", duckdb.StagingLocation);
        Assert.Equal("http://minio:9000", duckdb.StagingLocationEndpointOverride);
    }
}
