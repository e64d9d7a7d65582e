using Feast.DuckDb;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Feast.Redis.Tests;

/// <summary>
/// Materialization of many batches from Parquet (DuckDB) into Redis: the values written straight from Arrow columns,
/// two writes in flight, and a failing write stopping the run without recording the interval.
/// </summary>
public sealed class MaterializationTests
{
    private const int Drivers = 40_000; // several 8,192-row batches
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);
    private static readonly FileSource Source = new("data/stats.parquet", "event_timestamp", name: "stats_source");
    private static readonly FeatureView Stats = new("stats", Source, [Driver], TimeSpan.FromDays(1),
        [new Field("trips", FeastType.Int64), new Field("rate", FeastType.Float32), new Field("name", FeastType.String), new Field("score", FeastType.Float64)]);

    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task ManyBatches_EveryRowLandsWithItsTypedValues(Shape shape)
    {
        var (root, project, store) = await OpenAsync(shape);
        try
        {
            var result = Assert.Single(await store.MaterializeAsync(T0.AddDays(-1), T0.AddDays(1), ["stats"]));
            Assert.Equal(Drivers, result.Rows);

            var response = await store.GetOnlineFeaturesAsync(["stats:trips", "stats:rate", "stats:name", "stats:score"],
                new long[] { 0, 1, 12_344, Drivers - 2 }.Select(d => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = d }));
            var columns = response.ToDictionary();
            Assert.Equal([0L, 3L, 37_032L, (Drivers - 2) * 3L], columns["trips"]);
            Assert.Equal([0f, 0.5f, 0.5f, 0.5f], columns["rate"]);
            Assert.Equal(["d0", null, "d12344", "d39998"], columns["name"]); // odd drivers have no name: stored as Feast's null
            Assert.Equal([null, 1.25, 1.25, 1.25], columns["score"]);
            Assert.Equal(T0.AddSeconds(12_344 % 3_600), response["trips"].EventTimestamps[2]);
        }
        finally
        {
            await store.TeardownAsync();
            await store.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task AWriteFailing_StopsTheRun_RecordsNoInterval_AndTheRerunCompletes(Shape shape)
    {
        var (root, project, store) = await OpenAsync(shape);
        await using var raw = await R.RawAsync(shape);
        var blocker = R.RedisKey(30_000, project);
        try
        {
            await raw.GetDatabase().StringSetAsync(blocker, "not a hash");

            var error = await Assert.ThrowsAsync<RedisOnlineStoreException>(() => store.MaterializeAsync(T0.AddDays(-1), T0.AddDays(1), ["stats"]));

            Assert.Contains("WRONGTYPE", error.Message, StringComparison.Ordinal);
            var registry = await store.GetRegistryAsync();
            Assert.Empty(registry.FeatureViews["stats"].MaterializationIntervals);

            await raw.GetDatabase().KeyDeleteAsync(blocker);
            Assert.Equal(Drivers, Assert.Single(await store.MaterializeAsync(T0.AddDays(-1), T0.AddDays(1), ["stats"])).Rows);
            long keys = 0;
            foreach (var server in raw.GetServers().Where(s => !s.IsReplica))
            {
                await foreach (var _ in server.KeysAsync(pattern: "*" + project, pageSize: 5_000)) keys++;
            }
            Assert.Equal(Drivers, keys);
        }
        finally
        {
            await raw.GetDatabase().KeyDeleteAsync(blocker);
            await store.TeardownAsync();
            await store.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<(string Root, string Project, FeatureStore Store)> OpenAsync(Shape shape)
    {
        var project = R.UniqueProject("mat");
        var root = R.CreateRepo(project, shape, root => $"""
            SET TimeZone = 'UTC';
            COPY (SELECT range AS driver_id,
                         TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(range % 3600) AS event_timestamp,
                         range * 3 AS trips,
                         CASE WHEN range = 0 THEN 0.0 ELSE 0.5 END::FLOAT AS rate,
                         CASE WHEN range % 2 = 0 THEN 'd' || range END AS name,
                         CASE WHEN range > 0 THEN 1.25 END::DOUBLE AS score
                  FROM range({Drivers}))
            TO '{Path.Combine(root, "data", "stats.parquet")}' (FORMAT parquet)
            """);
        var store = FeatureStore.Open(root, options: new FeatureStoreOptions { TimeProvider = new FakeTimeProvider(T0.AddDays(1)) }.UseDuckDb().UseRedis());
        await store.ApplyAsync([new Project(project), Driver, Source, Stats]);
        return (root, project, store);
    }
}
