using Feast.Offline;

namespace Feast.DuckDb.Tests.Conformance;

// Feast's own historical-retrieval scenarios (FEAST-FORMATS.md §7.6, test_universal_historical_retrieval.py), through the
// FeatureStore facade: registry round trip, feature-reference resolution, then the store.
public abstract partial class OfflineStoreConformanceTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetHistoricalFeaturesAsync_UniversalFeatureRefs_MatchesReference(bool fullFeatureNames)
    {
        await using var universal = await UniversalAsync();
        var (data, store) = (universal.Data, universal.Store);

        var job = await store.GetHistoricalFeaturesAsync(ArrowTables.ToRows(data.EntityRows), UniversalDataset.MainFeatureRefs, fullFeatureNames);
        var actual = await ArrowTables.ReadAsync(job);

        var expected = ReferencePointInTimeJoin.Join(data.EntityRows, data.Reference(UniversalDataset.MainFeatureRefs), fullFeatureNames);
        string[] features = fullFeatureNames
            ? ["driver_stats__conv_rate", "driver_stats__avg_daily_trips", "customer_profile__current_balance", "customer_profile__avg_passenger_count",
               "customer_profile__lifetime_trip_count", "order__order_is_success", "global_stats__num_rides", "global_stats__avg_ride_length",
               "field_mapping__feature_name"]
            : ["conv_rate", "avg_daily_trips", "current_balance", "avg_passenger_count", "lifetime_trip_count", "order_is_success",
               "num_rides", "avg_ride_length", "feature_name"];
        Assert.Equal([.. data.EntityRows.ColumnNames, .. features], expected.ColumnNames);
        TableAssert.Equal(expected, actual, $"Universal feature refs, fullFeatureNames={fullFeatureNames}");
    }

    [Fact]
    public async Task GetHistoricalFeaturesAsync_LocationServiceWithFullNames_JoinsOriginAndDestinationSeparately()
    {
        await using var universal = await UniversalAsync();
        var (data, store) = (universal.Data, universal.Store);

        var job = await store.GetHistoricalFeaturesAsync(ArrowTables.ToRows(data.EntityRows), data.LocationService, fullFeatureNames: true);
        var actual = await ArrowTables.ReadAsync(job);

        var expected = ReferencePointInTimeJoin.Join(data.EntityRows,
            [data.Reference(data.LocationStats, data.Origin.Projection, ["temperature"]),
             data.Reference(data.LocationStats, data.Destination.Projection, ["temperature"])], fullFeatureNames: true);
        Assert.Equal(["origin__temperature", "destination__temperature"], expected.ColumnNames.TakeLast(2));
        TableAssert.Equal(expected, actual, "location_service (origin/destination projections of location_stats)");
    }

    [Fact]
    public async Task GetHistoricalFeaturesAsync_LocationServiceWithoutFullNames_ThrowsFeatureNameCollision()
    {
        await using var universal = await UniversalAsync();
        var (data, store) = (universal.Data, universal.Store);

        var error = await Assert.ThrowsAsync<FeatureNameCollisionException>(() =>
            store.GetHistoricalFeaturesAsync(ArrowTables.ToRows(data.EntityRows), data.LocationService, fullFeatureNames: false));

        TableAssert.Mentions(error.Message, "temperature");
    }

    [Fact]
    public async Task GetHistoricalFeaturesAsync_FeatureServiceByName_MatchesReference()
    {
        await using var universal = await UniversalAsync();
        var (data, store) = (universal.Data, universal.Store);

        var job = await store.GetHistoricalFeaturesAsync(ArrowTables.ToRows(data.EntityRows), "driver_service");
        var actual = await ArrowTables.ReadAsync(job);

        var expected = ReferencePointInTimeJoin.Join(data.EntityRows,
            [data.Reference(data.DriverStats, data.DriverStats.Projection, ["conv_rate"]),
             data.Reference(data.CustomerProfile, data.CustomerProfile.Projection, ["current_balance", "avg_passenger_count", "lifetime_trip_count"])],
            fullFeatureNames: false);
        TableAssert.Equal(expected, actual, "driver_service by name");
    }

    [Fact]
    public async Task GetHistoricalFeaturesAsync_NoTtl_FindsRowsOlderThanAnyWindow()
    {
        await using var universal = await UniversalAsync(noTtl: true);
        var (data, store) = (universal.Data, universal.Store);

        var job = await store.GetHistoricalFeaturesAsync(ArrowTables.ToRows(data.EntityRows), UniversalDataset.MainFeatureRefs, fullFeatureNames: true);
        var actual = await ArrowTables.ReadAsync(job);

        var expected = ReferencePointInTimeJoin.Join(data.EntityRows, data.Reference(UniversalDataset.MainFeatureRefs), fullFeatureNames: true);
        TableAssert.Equal(expected, actual, "ttl 0 on customer_profile, order, global_stats and field_mapping");
        // Customers 1017..1019 have only a month-old profile: found because a TTL of zero means no limit.
        var old = Enumerable.Range(0, actual.Count).Where(r => (long)data.EntityRows.Get(r, "customer_id")! >= 1017).ToList();
        Assert.NotEmpty(old);
        Assert.All(old, r => Assert.NotNull(actual.Get(r, "customer_profile__current_balance")));
    }

    [Fact]
    public async Task GetHistoricalFeaturesAsync_ContainingBackfills_LaterCreatedThenLaterEventWins()
    {
        var repo = NewRepo();
        var now = UniversalDataset.Now;
        // Driver 1001: two rows at one event time, the later-created one wins (20). Driver 1002: the later event wins
        // (40) even though the other row was created later.
        var source = new TestTable(new TestColumn("driver_id", ColumnType.Int64), new TestColumn("avg_daily_trips", ColumnType.Int64),
                new TestColumn("event_timestamp", ColumnType.Timestamp), new TestColumn("created", ColumnType.Timestamp))
            .Add(1001L, 10L, now, now)
            .Add(1001L, 20L, now, now.AddDays(1))
            .Add(1002L, 30L, now, now.AddDays(1))
            .Add(1002L, 40L, now.AddDays(1), now);
        await ParquetFiles.WriteAsync(source, Path.Combine(repo, "data", "backfills.parquet"));
        var view = new FeatureView("driver_stats", new FileSource("data/backfills.parquet", "event_timestamp", name: "backfills", createdTimestampColumn: "created"),
            [UniversalDataset.Driver], TimeSpan.FromDays(3), [new Field("avg_daily_trips", FeastType.Int64)]);
        await using var store = OpenFeatureStore(repo);
        await store.ApplyAsync([UniversalDataset.Driver, view.BatchSource, view]);
        var entities = new TestTable(new TestColumn("driver_id", ColumnType.Int64), new TestColumn("event_timestamp", ColumnType.Timestamp))
            .Add(1001L, now.AddDays(2))
            .Add(1002L, now.AddDays(2));

        var actual = await ArrowTables.ReadAsync(await store.GetHistoricalFeaturesAsync(ArrowTables.ToRows(entities), ["driver_stats:avg_daily_trips"]));

        Assert.Equal(["driver_id", "event_timestamp", "avg_daily_trips"], actual.Columns);
        Assert.Equal([20L, 40L], actual.Rows.Select(r => Convert.ToInt64(r[2], System.Globalization.CultureInfo.InvariantCulture)));
        TableAssert.Equal(ReferencePointInTimeJoin.Join(entities, [new ReferenceView(new FeatureViewRequest(view, view.Projection, view.Features), source)], false), actual);
    }

    [Fact]
    public async Task GetHistoricalFeaturesAsync_FieldMappingOnJoinKey_ReadsMappedColumn()
    {
        var repo = NewRepo();
        var now = UniversalDataset.Now;
        // The source calls the driver "id"; the field mapping renames it to the join key driver_id.
        var source = new TestTable(new TestColumn("id", ColumnType.Int64), new TestColumn("avg_daily_trips", ColumnType.Int64),
                new TestColumn("event_timestamp", ColumnType.Timestamp), new TestColumn("created", ColumnType.Timestamp))
            .Add(1001L, 10L, now, now)
            .Add(1001L, 20L, now, now.AddDays(1))
            .Add(1002L, 30L, now, now.AddDays(1))
            .Add(1002L, 40L, now.AddDays(1), now);
        await ParquetFiles.WriteAsync(source, Path.Combine(repo, "data", "mapped.parquet"));
        var file = new FileSource("data/mapped.parquet", "event_timestamp", name: "mapped", createdTimestampColumn: "created",
            fieldMapping: new Dictionary<string, string> { ["id"] = "driver_id" });
        var view = new FeatureView("driver_stats", file, [UniversalDataset.Driver], TimeSpan.FromDays(3), [new Field("avg_daily_trips", FeastType.Int64)]);
        await using var store = OpenFeatureStore(repo);
        await store.ApplyAsync([UniversalDataset.Driver, file, view]);
        var entities = new TestTable(new TestColumn("driver_id", ColumnType.Int64), new TestColumn("event_timestamp", ColumnType.Timestamp))
            .Add(1001L, now.AddDays(2))
            .Add(1002L, now.AddDays(2));

        var actual = await ArrowTables.ReadAsync(await store.GetHistoricalFeaturesAsync(ArrowTables.ToRows(entities), ["driver_stats:avg_daily_trips"]));

        Assert.Equal(["driver_id", "event_timestamp", "avg_daily_trips"], actual.Columns);
        Assert.Equal([20L, 40L], actual.Rows.Select(r => Convert.ToInt64(r[2], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task GetHistoricalFeaturesAsync_FeatureNotInView_ThrowsNamingTheFeature()
    {
        await using var universal = await UniversalAsync();
        var (data, store) = (universal.Data, universal.Store);

        var error = await Assert.ThrowsAnyAsync<FeastException>(() =>
            store.GetHistoricalFeaturesAsync(ArrowTables.ToRows(data.EntityRows), ["driver_stats:conv_rate", "driver_stats:no_such_feature"]));

        TableAssert.Mentions(error.Message, "no_such_feature");
    }

    [Fact]
    public async Task GetHistoricalFeaturesAsync_SharedBatchSource_EachViewReadsOnlyItsFeatures()
    {
        await using var universal = await UniversalAsync();
        var (data, store) = (universal.Data, universal.Store);
        // Two more views over driver_stats' own file, each exposing one of its columns.
        var conv = new FeatureView("driver_conv", data.DriverStatsSource, [UniversalDataset.Driver], TimeSpan.FromHours(2), [new Field("conv_rate", FeastType.Float32)]);
        var acc = new FeatureView("driver_acc", data.DriverStatsSource, [UniversalDataset.Driver], TimeSpan.FromDays(1), [new Field("acc_rate", FeastType.Float32)]);
        await store.ApplyAsync([.. data.Objects, conv, acc]);

        var job = await store.GetHistoricalFeaturesAsync(ArrowTables.ToRows(data.EntityRows), ["driver_conv:conv_rate", "driver_acc:acc_rate"], fullFeatureNames: true);
        var actual = await ArrowTables.ReadAsync(job);

        var expected = ReferencePointInTimeJoin.Join(data.EntityRows,
            [new ReferenceView(new FeatureViewRequest(conv, conv.Projection, conv.Features), data.DriverStatsTable),
             new ReferenceView(new FeatureViewRequest(acc, acc.Projection, acc.Features), data.DriverStatsTable)], fullFeatureNames: true);
        TableAssert.Equal(expected, actual, "two views sharing one batch source");
        // acc_rate is a column of the shared file but not a feature of driver_conv.
        var error = await Assert.ThrowsAnyAsync<FeastException>(() =>
            store.GetHistoricalFeaturesAsync(ArrowTables.ToRows(data.EntityRows), ["driver_conv:conv_rate", "driver_conv:acc_rate"]));
        TableAssert.Mentions(error.Message, "acc_rate");
    }
}
