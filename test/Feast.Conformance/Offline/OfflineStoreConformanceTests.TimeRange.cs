using Feast.Offline;
using Feast.Planning;

namespace Feast.DuckDb.Tests.Conformance;

// Retrieval without entity rows (Feast's get_historical_features(start_date=, end_date=)), through the SDK.
public abstract partial class OfflineStoreConformanceTests
{
    private static readonly Entity RangeDriver = new("driver", ["driver_id"], ValueType.Int64);

    /// <summary>
    /// Three views over Parquet files: driver_stats (TTL 2h, created column), driver_trips (no TTL, its key stored as
    /// "driver" and mapped), and an entity-less global view (TTL 1h); rows every 20-50 minutes over the 10 hours
    /// before <see cref="UniversalDataset.Now"/>.
    /// </summary>
    private async Task<(FeatureStore Store, IReadOnlyDictionary<string, ReferenceView> Views)> RangeRepoAsync(params FeatureView[] extra)
    {
        var repo = NewRepo();
        var now = UniversalDataset.Now;
        var stats = new TestTable(new("driver_id", ColumnType.Int64), new("event_timestamp", ColumnType.Timestamp), new("created", ColumnType.Timestamp), new("conv_rate", ColumnType.Float64));
        var trips = new TestTable(new("driver", ColumnType.Int64), new("ts", ColumnType.Timestamp, Naive: true), new("trips", ColumnType.Int64));
        var global = new TestTable(new("event_timestamp", ColumnType.Timestamp), new("rides", ColumnType.Int64));
        var random = new Random(7);
        for (var driver = 1L; driver <= 3; driver++)
        {
            for (var t = now.AddHours(-10).AddMinutes(random.Next(30)); t < now; t = t.AddMinutes(random.Next(20, 50)))
            {
                stats.Add(driver, t, t.AddMinutes(1), random.Next(1000) / 100.0);
                if (random.Next(3) == 0) stats.Add(driver, t, t.AddMinutes(5), random.Next(1000) / 100.0); // a later correction wins
                if (random.Next(2) == 0) trips.Add(driver, t.AddMinutes(random.Next(1, 10)), (long)random.Next(100));
            }
        }
        for (var t = now.AddHours(-10); t < now; t = t.AddMinutes(45)) global.Add(t, (long)random.Next(1000));
        await ParquetFiles.WriteAsync(stats, Path.Combine(repo, "data", "stats.parquet"));
        await ParquetFiles.WriteAsync(trips, Path.Combine(repo, "data", "trips.parquet"));
        await ParquetFiles.WriteAsync(global, Path.Combine(repo, "data", "global.parquet"));

        FeatureView[] views =
        [
            new("driver_stats", new FileSource("data/stats.parquet", "event_timestamp", "stats_source", "created"), [RangeDriver], TimeSpan.FromHours(2),
                [new("driver_id", FeastType.Int64), new("conv_rate", FeastType.Float64)]),
            new("driver_trips", new FileSource("data/trips.parquet", "ts", "trips_source", fieldMapping: new Dictionary<string, string> { ["driver"] = "driver_id" }),
                [RangeDriver], TimeSpan.Zero, [new("driver_id", FeastType.Int64), new("trips", FeastType.Int64)]),
            new("global", new FileSource("data/global.parquet", "event_timestamp", "global_source"), [], TimeSpan.FromHours(1), [new("rides", FeastType.Int64)]),
        ];
        var store = OpenFeatureStore(repo);
        await store.ApplyAsync(new RepoDefinitions
        {
            Entities = [RangeDriver, .. extra.SelectMany(v => v.Entities.Select(e => new Entity(e, [e + "_id"], ValueType.Int64)))],
            DataSources = [.. views.Concat(extra).Select(v => v.BatchSource)],
            FeatureViews = [.. views, .. extra],
        });
        var tables = new Dictionary<string, TestTable> { ["driver_stats"] = stats, ["driver_trips"] = trips, ["global"] = global };
        return (store, views.ToDictionary(v => v.Name, v => new ReferenceView(new FeatureViewRequest(v, v.Projection, v.Features.Where(f => f.Name != "driver_id").ToList()), tables[v.Name])));
    }

    private static TestTable RangeExpected(IReadOnlyDictionary<string, ReferenceView> views, string[] names, DateTimeOffset start, DateTimeOffset end, bool full = false)
    {
        var selected = names.Select(n => views[n]).ToList();
        return ReferencePointInTimeJoin.Join(ReferencePointInTimeJoin.RangeEntities(selected, start, end), selected, full);
    }

    [Fact]
    public async Task GetHistoricalFeatures_TimeRangeOverThreeViews_EveryKeyAndTimeInRangeJoinedPointInTime()
    {
        var (store, views) = await RangeRepoAsync();
        await using var _ = store;
        var (start, end) = (UniversalDataset.Now.AddHours(-6), UniversalDataset.Now.AddHours(-2));

        var job = await store.GetHistoricalFeaturesAsync(["driver_stats:conv_rate", "driver_trips:trips", "global:rides"], start, end, fullFeatureNames: true);

        var expected = RangeExpected(views, ["driver_stats", "driver_trips", "global"], start, end, full: true);
        Assert.True(expected.Count > 20, "The range should hold many rows.");
        TableAssert.Equal(expected, await ArrowTables.ReadAsync(job));
    }

    [Fact]
    public async Task GetHistoricalFeatures_TimeRangeOnlyEntitylessView_OneRowPerTime()
    {
        var (store, views) = await RangeRepoAsync();
        await using var _ = store;
        var (start, end) = (UniversalDataset.Now.AddHours(-5), UniversalDataset.Now);

        var job = await store.GetHistoricalFeaturesAsync(["global:rides"], start, end);

        TableAssert.Equal(RangeExpected(views, ["global"], start, end), await ArrowTables.ReadAsync(job));
    }

    [Fact]
    public async Task GetHistoricalFeatures_NoDates_EndsNowAndStartsTheLongestTtlBefore()
    {
        var (store, views) = await RangeRepoAsync();
        await using var _ = store;

        var job = await store.GetHistoricalFeaturesAsync(["driver_stats:conv_rate", "global:rides"], startDate: null, endDate: null);

        // The clock is UniversalDataset.Now; the longest TTL of the two views is driver_stats' 2 hours.
        TableAssert.Equal(RangeExpected(views, ["driver_stats", "global"], UniversalDataset.Now.AddHours(-2), UniversalDataset.Now), await ArrowTables.ReadAsync(job));
    }

    [Fact]
    public async Task GetHistoricalFeatures_TimeRangeStartAfterEnd_Rejected()
    {
        var (store, _) = await RangeRepoAsync();
        await using var _store = store;

        var e = await Assert.ThrowsAsync<FeastValidationException>(() =>
            store.GetHistoricalFeaturesAsync(["driver_stats:conv_rate"], UniversalDataset.Now, UniversalDataset.Now.AddHours(-1)));

        Assert.Contains("starts", e.Message, StringComparison.Ordinal);
        Assert.Contains("after it ends", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_TimeRangeViewsWithDifferentKeys_RejectedNamingBoth()
    {
        var customer = new FeatureView("customer_stats", new FileSource("data/stats.parquet", "event_timestamp", "customer_source",
                fieldMapping: new Dictionary<string, string> { ["driver_id"] = "customer_id" }),
            [new Entity("customer", ["customer_id"], ValueType.Int64)], TimeSpan.Zero, [new("customer_id", FeastType.Int64), new("conv_rate", FeastType.Float64)]);
        var (store, _) = await RangeRepoAsync(customer);
        await using var _store = store;

        var e = await Assert.ThrowsAsync<FeastValidationException>(() =>
            store.GetHistoricalFeaturesAsync(["driver_stats:conv_rate", "customer_stats:conv_rate"], UniversalDataset.Now.AddHours(-1), UniversalDataset.Now, fullFeatureNames: true));

        TableAssert.Mentions(e.Message, "driver_stats");
        TableAssert.Mentions(e.Message, "customer_stats");
    }
}
