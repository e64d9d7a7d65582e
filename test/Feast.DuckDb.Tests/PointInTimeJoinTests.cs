using Apache.Arrow;
using Apache.Arrow.Types;
using Feast.Offline;
using static Feast.DuckDb.Tests.T;

namespace Feast.DuckDb.Tests;

public class PointInTimeJoinTests
{
    private static readonly TimeSpan TwoHours = TimeSpan.FromHours(2);
    private static readonly TimeSpan OneMicrosecond = TimeSpan.FromTicks(10);

    [Fact]
    public async Task GetHistoricalFeatures_TtlEdges_BothBoundsInclusiveAndFutureRowsExcluded()
    {
        await using var f = new StoreFixture();
        // One source row per driver, at the edge being tested.
        f.Write("driver.parquet", $"""
            SELECT * FROM (VALUES
              (1::BIGINT, {Ts(T0 - TwoHours)}, 1.0::FLOAT),
              (2::BIGINT, {Ts(T0 - TwoHours - OneMicrosecond)}, 2.0::FLOAT),
              (3::BIGINT, {Ts(T0)}, 3.0::FLOAT),
              (4::BIGINT, {Ts(T0 + OneMicrosecond)}, 4.0::FLOAT)
            ) t(driver_id, event_timestamp, conv_rate)
            """);
        var view = DriverView("driver.parquet", TwoHours);
        var entities = Rows(
            [("driver_id", 1L), ("event_timestamp", T0)],
            [("driver_id", 2L), ("event_timestamp", T0)],
            [("driver_id", 3L), ("event_timestamp", T0)],
            [("driver_id", 4L), ("event_timestamp", T0)]);

        var result = await RunAsync(f.Store, entities, Request(view));

        Assert.Equal([1.0f, null, 3.0f, null], result.Column("conv_rate"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_SeveralCandidates_LatestAtOrBeforeEntityTimeWins()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"""
            SELECT * FROM (VALUES
              (1::BIGINT, {Ts(T0.AddHours(-3))}, 1.0::FLOAT),
              (1::BIGINT, {Ts(T0.AddHours(-1))}, 2.0::FLOAT),
              (1::BIGINT, {Ts(T0.AddHours(1))}, 3.0::FLOAT),
              (2::BIGINT, {Ts(T0.AddHours(-1))}, 20.0::FLOAT)
            ) t(driver_id, event_timestamp, conv_rate)
            """);
        var view = DriverView("driver.parquet", TimeSpan.Zero);
        var entities = Rows(
            [("driver_id", 1L), ("event_timestamp", T0)],
            [("driver_id", 1L), ("event_timestamp", T0.AddHours(-2))],
            [("driver_id", 1L), ("event_timestamp", T0.AddHours(2))],
            [("driver_id", 2L), ("event_timestamp", T0)]);

        var result = await RunAsync(f.Store, entities, Request(view));

        Assert.Equal([2.0f, 1.0f, 3.0f, 20.0f], result.Column("conv_rate"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_ZeroTtl_NoLowerBound()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0.AddYears(-5))} event_timestamp, 7.0::FLOAT conv_rate");
        var view = DriverView("driver.parquet", TimeSpan.Zero);

        var result = await RunAsync(f.Store, Rows([("driver_id", 1L), ("event_timestamp", T0)]), Request(view));

        Assert.Equal([7.0f], result.Column("conv_rate"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_EqualEventTimes_GreatestCreatedWinsAndLaterEventBeatsLaterCreated()
    {
        await using var f = new StoreFixture();
        // Feast's backfill scenario: driver 1 has two rows at one event time (created now, now+1d): the later created
        // wins (20). Driver 2 has (ts now, created now+1d, 30) and (ts now+1d, created now, 40): the later event wins (40).
        var now = T0;
        f.Write("driver.parquet", $"""
            SELECT * FROM (VALUES
              (1::BIGINT, {Ts(now)}, {Ts(now)}, 10::BIGINT),
              (1::BIGINT, {Ts(now)}, {Ts(now.AddDays(1))}, 20::BIGINT),
              (1::BIGINT, {Ts(now)}, NULL, 15::BIGINT),
              (2::BIGINT, {Ts(now)}, {Ts(now.AddDays(1))}, 30::BIGINT),
              (2::BIGINT, {Ts(now.AddDays(1))}, {Ts(now)}, 40::BIGINT)
            ) t(driver_id, event_timestamp, created, value)
            """);
        var view = DriverView("driver.parquet", TimeSpan.FromDays(10), "created", new Field("value", FeastType.Int64));
        var entities = Rows(
            [("driver_id", 1L), ("event_timestamp", now.AddDays(2))],
            [("driver_id", 2L), ("event_timestamp", now.AddDays(2))]);

        var result = await RunAsync(f.Store, entities, Request(view));

        Assert.Equal([20L, 40L], result.Column("value"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_CreatedTieBreakBefore1970_StillOrdersByEventThenCreated()
    {
        await using var f = new StoreFixture();
        var old = new DateTimeOffset(1960, 1, 1, 0, 0, 0, TimeSpan.Zero);
        f.Write("driver.parquet", $"""
            SELECT * FROM (VALUES
              (1::BIGINT, {Ts(old)}, {Ts(old.AddDays(2))}, 1::BIGINT),
              (1::BIGINT, {Ts(old)}, {Ts(old.AddDays(1))}, 2::BIGINT),
              (1::BIGINT, {Ts(old.AddSeconds(-1))}, {Ts(old.AddDays(9))}, 3::BIGINT),
              (1::BIGINT, NULL, {Ts(old.AddDays(9))}, 4::BIGINT)
            ) t(driver_id, event_timestamp, created, value)
            """);
        var view = DriverView("driver.parquet", TimeSpan.Zero, "created", new Field("value", FeastType.Int64));
        var entities = Rows(
            [("driver_id", 1L), ("event_timestamp", old)],
            [("driver_id", 1L), ("event_timestamp", old.AddTicks(-10))]);

        var result = await RunAsync(f.Store, entities, Request(view));

        Assert.Equal([1L, 3L], result.Column("value"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_NoCandidate_FeaturesNullAndEntityRowKept()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate, 5::BIGINT trips");
        var view = DriverView("driver.parquet", TwoHours, "", new Field("conv_rate", FeastType.Float32), new Field("trips", FeastType.Int64));
        var entities = Rows(
            [("driver_id", 99L), ("event_timestamp", T0)],
            [("driver_id", 1L), ("event_timestamp", T0.AddSeconds(-1))],
            [("driver_id", 1L), ("event_timestamp", T0)]);

        var result = await RunAsync(f.Store, entities, Request(view));

        Assert.Equal(3, result.Rows.Count);
        Assert.Equal([99L, 1L, 1L], result.Column("driver_id"));
        Assert.Equal([null, null, 1.0f], result.Column("conv_rate"));
        Assert.Equal([null, null, 5L], result.Column("trips"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_EntitylessView_JoinsEveryEntityRowByTimeOnly()
    {
        await using var f = new StoreFixture();
        f.Write("global.parquet", $"""
            SELECT * FROM (VALUES
              ({Ts(T0.AddDays(-1))}, 100::INTEGER),
              ({Ts(T0)}, 200::INTEGER)
            ) t(event_timestamp, num_rides)
            """);
        var view = View("global_stats", new FileSource("global.parquet", "event_timestamp"), TimeSpan.FromDays(2), [],
            new Field("num_rides", FeastType.Int32));
        var entities = Rows(
            [("driver_id", 1L), ("event_timestamp", T0.AddHours(-1))],
            [("driver_id", 2L), ("event_timestamp", T0)],
            [("driver_id", 3L), ("event_timestamp", T0.AddDays(-3))]);

        var result = await RunAsync(f.Store, entities, Request(view));

        Assert.Equal([100, 200, null], result.Column("num_rides"));
        Assert.IsType<Int32Type>(result.TypeOf("num_rides"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_FieldMapping_SourceColumnsRenamedToKeysAndFeatures()
    {
        await using var f = new StoreFixture();
        f.Write("mapped.parquet", $"SELECT 1::BIGINT id, {Ts(T0)} ts, 'x'::VARCHAR column_name");
        var source = new FileSource("mapped.parquet", "ts", fieldMapping: new Dictionary<string, string> { ["id"] = "driver_id", ["column_name"] = "feature_name" });
        var view = View("field_mapping", source, TimeSpan.Zero, [Driver], new Field("driver_id", FeastType.Int64), new Field("feature_name", FeastType.String));

        var result = await RunAsync(f.Store, Rows([("driver_id", 1L), ("event_timestamp", T0)]), true, Request(view));

        Assert.Equal(["driver_id", "event_timestamp", "field_mapping__feature_name"], result.Columns);
        Assert.Equal(["x"], result.Column("field_mapping__feature_name"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_OneViewTwiceWithJoinKeyMaps_EachAliasJoinsItsOwnColumn()
    {
        await using var f = new StoreFixture();
        f.Write("location.parquet", $"""
            SELECT * FROM (VALUES (1::BIGINT, {Ts(T0)}, 10.5::DOUBLE), (2::BIGINT, {Ts(T0)}, 20.5::DOUBLE)) t(location_id, event_timestamp, temperature)
            """);
        var location = new Entity("location", ["location_id"], ValueType.Int64);
        var view = View("location_stats", new FileSource("location.parquet", "event_timestamp"), TimeSpan.FromDays(2), [location],
            new Field("location_id", FeastType.Int64), new Field("temperature", FeastType.Float64));
        var origin = view.WithName("origin").WithJoinKeyMap(new Dictionary<string, string> { ["location_id"] = "origin_id" });
        var destination = view.WithName("destination").WithJoinKeyMap(new Dictionary<string, string> { ["location_id"] = "destination_id" });
        var entities = Rows(
            [("origin_id", 1L), ("destination_id", 2L), ("event_timestamp", T0)],
            [("origin_id", 2L), ("destination_id", 3L), ("event_timestamp", T0)]);

        var result = await RunAsync(f.Store, entities, true, Request(origin), Request(destination));

        Assert.Equal(["origin_id", "destination_id", "event_timestamp", "origin__temperature", "destination__temperature"], result.Columns);
        Assert.Equal([10.5, 20.5], result.Column("origin__temperature"));
        Assert.Equal([20.5, null], result.Column("destination__temperature"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_SeveralViews_ColumnsInRequestOrderWithFullNames()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 0.5::FLOAT conv_rate, 0.25::FLOAT acc_rate");
        f.Write("customer.parquet", $"SELECT 7::BIGINT customer_id, {Ts(T0.AddDays(-1))} event_timestamp, 99.5::DOUBLE current_balance");
        var driver = DriverView("driver.parquet", TwoHours, "", new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32));
        var customer = View("customer_profile", new FileSource("customer.parquet", "event_timestamp"), TimeSpan.FromDays(2),
            [new Entity("customer", ["customer_id"], ValueType.Int64)], new Field("customer_id", FeastType.Int64), new Field("current_balance", FeastType.Float64));
        var entities = Rows([("customer_id", 7L), ("driver_id", 1L), ("event_timestamp", T0), ("order_id", "o-1")]);

        var result = await RunAsync(f.Store, entities, true, Request(driver, "acc_rate", "conv_rate"), Request(customer));

        Assert.Equal(["customer_id", "driver_id", "event_timestamp", "order_id", "driver_stats__acc_rate", "driver_stats__conv_rate", "customer_profile__current_balance"], result.Columns);
        Assert.Equal([7L, 1L, T0, "o-1", 0.25f, 0.5f, 99.5], result.Rows[0]);
    }

    [Fact]
    public async Task GetHistoricalFeatures_MixedTimeZonesInArrow_NormalisedToUtc()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"""
            SELECT * FROM (VALUES (1::BIGINT, {Ts(T0)}, 1.0::FLOAT), (1::BIGINT, {Ts(T0.AddHours(1))}, 2.0::FLOAT)) t(driver_id, event_timestamp, conv_rate)
            """);
        var view = DriverView("driver.parquet", TimeSpan.Zero);
        // A naive timestamp means UTC; a Paris-zoned column holds UTC instants like any Arrow timestamp.
        var naive = new TimestampType(TimeUnit.Microsecond, (string?)null);
        var batch = new RecordBatch(new Schema([new Apache.Arrow.Field("driver_id", Int64Type.Default, true), new Apache.Arrow.Field("event_timestamp", naive, true)], null),
            [new Int64Array.Builder().Append(1).Append(1).Build(),
             new TimestampArray.Builder(naive).Append(T0.AddMinutes(59)).Append(T0.AddHours(1)).Build()], 2);
        var paris = new TimestampType(TimeUnit.Nanosecond, "Europe/Paris");
        var zoned = new RecordBatch(new Schema([new Apache.Arrow.Field("driver_id", Int64Type.Default, true), new Apache.Arrow.Field("ts", paris, true)], null),
            [new Int64Array.Builder().Append(1).Build(), new TimestampArray.Builder(paris).Append(T0.AddHours(1).ToOffset(TimeSpan.FromHours(2))).Build()], 1);

        var fromNaive = await RunAsync(f.Store, EntityData.FromArrow(batch), Request(view));
        var fromZoned = await RunAsync(f.Store, EntityData.FromArrow(zoned), Request(view));

        Assert.Equal([1.0f, 2.0f], fromNaive.Column("conv_rate"));
        Assert.Equal([T0.AddMinutes(59), T0.AddHours(1)], fromNaive.Column("event_timestamp"));
        Assert.Equal("UTC", ((TimestampType)fromNaive.TypeOf("event_timestamp")).Timezone);
        Assert.Equal(["driver_id", "ts", "conv_rate"], fromZoned.Columns);
        Assert.Equal([2.0f], fromZoned.Column("conv_rate"));
        Assert.Equal([T0.AddHours(1)], fromZoned.Column("ts"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_CsvEntitiesWithMixedOffsetsAndCsvSource_ParsedAsUtcInstants()
    {
        await using var f = new StoreFixture();
        f.WriteText("driver.csv", "driver_id,event_timestamp,conv_rate\n1,2021-04-12 09:00:00,0.5\n1,2021-04-12 10:00:00,0.75\n2,2021-04-12 08:00:00+00:00,2.5\n");
        var view = DriverView("driver.csv", TimeSpan.FromHours(3), "", new Field("conv_rate", FeastType.Float64));
        // 09:30 naive (UTC), 10:30+01:00 (09:30Z), 03:00-07:00 (10:00Z), 10:00Z.
        var entities = f.WriteText("entities.csv",
            "driver_id,event_timestamp\n1,2021-04-12 09:30:00\n1,2021-04-12T10:30:00+01:00\n1,2021-04-12 03:00:00-07:00\n2,2021-04-12T10:00:00Z\n");

        var result = await RunAsync(f.Store, EntityData.FromFile(entities), Request(view));

        Assert.Equal([0.5, 0.5, 0.75, 2.5], result.Column("conv_rate"));
        Assert.Equal([T0.AddMinutes(-30), T0.AddMinutes(-30), T0, T0], result.Column("event_timestamp"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_SqlEntityData_RunsTheQueryAsEntityRows()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.5::FLOAT conv_rate");
        var orders = f.Write("orders.parquet", $"SELECT * FROM (VALUES (1::BIGINT, {Ts(T0)}, 'a'), (1::BIGINT, {Ts(T0.AddDays(-1))}, 'b')) t(driver_id, event_timestamp, order_id)");
        var view = DriverView("driver.parquet", TimeSpan.Zero);

        var result = await RunAsync(f.Store, EntityData.FromSql($"SELECT * FROM read_parquet('{orders}') ORDER BY order_id DESC;"), Request(view));

        Assert.Equal(["b", "a"], result.Column("order_id"));
        Assert.Equal([null, 1.5f], result.Column("conv_rate"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_UnsortedAndDuplicateEntityRows_OneOutputRowPerInputRowInInputOrder()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"""
            SELECT * FROM (VALUES (1::BIGINT, {Ts(T0.AddHours(-1))}, 1.0::FLOAT), (2::BIGINT, {Ts(T0.AddHours(-1))}, 2.0::FLOAT), (3::BIGINT, {Ts(T0.AddHours(-1))}, 3.0::FLOAT)) t(driver_id, event_timestamp, conv_rate)
            """);
        var view = DriverView("driver.parquet", TimeSpan.Zero);
        long[] drivers = [3, 1, 2, 1, 3, 3, 2, 1];
        var entities = EntityData.FromRows(drivers.Select((d, i) => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["row"] = (long)i,
            ["driver_id"] = d,
            ["event_timestamp"] = T0.AddMinutes(-(i % 3)),
        }));

        var result = await RunAsync(f.Store, entities, Request(view));

        Assert.Equal([.. Enumerable.Range(0, drivers.Length).Select(i => (object?)(long)i)], result.Column("row"));
        Assert.Equal([.. drivers.Select(d => (object?)(float)d)], result.Column("conv_rate"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_SeveralArrowBatches_RowsNumberedAcrossBatches()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT d::BIGINT driver_id, {Ts(T0)} event_timestamp, d::FLOAT conv_rate FROM range(10) t(d)");
        var view = DriverView("driver.parquet", TimeSpan.Zero);
        var batches = new[] { new long[] { 5, 3 }, [], [9, 1, 5] }.Select(ids => ((ArrowEntityData)EntityData.FromRows(
            ids.Select(id => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = id, ["event_timestamp"] = T0 }))).Batches[0]);

        var result = await RunAsync(f.Store, EntityData.FromArrow(batches.Where(b => b.Length > 0)), Request(view));

        Assert.Equal([5L, 3L, 9L, 1L, 5L], result.Column("driver_id"));
        Assert.Equal([5f, 3f, 9f, 1f, 5f], result.Column("conv_rate"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_SourceTypesFromParquetNet_KeptInOutput()
    {
        await using var f = new StoreFixture();
        await ParquetFiles.WriteTypedDriverFileAsync(f.PathOf("typed.parquet"), T0);
        var view = DriverView("typed.parquet", TimeSpan.Zero, "",
            new Field("f32", FeastType.Float32), new Field("f64", FeastType.Float64), new Field("i32", FeastType.Int32),
            new Field("i64", FeastType.Int64), new Field("s", FeastType.String), new Field("b", FeastType.Bool),
            new Field("when", FeastType.UnixTimestamp), new Field("list", FeastType.Array(FeastType.Int64)));
        var entities = Rows([("driver_id", 1L), ("event_timestamp", T0), ("label", true), ("weight", 0.5)]);

        var result = await RunAsync(f.Store, entities, Request(view));

        Assert.IsType<Int64Type>(result.TypeOf("driver_id"));
        Assert.IsType<BooleanType>(result.TypeOf("label"));
        Assert.IsType<DoubleType>(result.TypeOf("weight"));
        Assert.IsType<FloatType>(result.TypeOf("f32"));
        Assert.IsType<DoubleType>(result.TypeOf("f64"));
        Assert.IsType<Int32Type>(result.TypeOf("i32"));
        Assert.IsType<Int64Type>(result.TypeOf("i64"));
        Assert.IsType<StringType>(result.TypeOf("s"));
        Assert.IsType<BooleanType>(result.TypeOf("b"));
        var when = Assert.IsType<TimestampType>(result.TypeOf("when"));
        Assert.Equal(("UTC", TimeUnit.Microsecond), (when.Timezone, when.Unit));
        Assert.IsType<ListType>(result.TypeOf("list"));
        Assert.Equal([1L, T0, true, 0.5, 1.5f, 2.5, 3, 4L, "four", true, T0.AddDays(-1), new List<object?> { 1L, 2L }], result.Rows[0]);
    }

    [Fact]
    public async Task GetHistoricalFeatures_EmptyEntityData_EmptyResultWithAllColumns()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var view = DriverView("driver.parquet", TimeSpan.Zero);
        var type = new TimestampType(TimeUnit.Microsecond, "UTC");
        var empty = new RecordBatch(new Schema([new Apache.Arrow.Field("driver_id", Int64Type.Default, true), new Apache.Arrow.Field("event_timestamp", type, true)], null),
            [new Int64Array.Builder().Build(), new TimestampArray.Builder(type).Build()], 0);

        var result = await RunAsync(f.Store, EntityData.FromArrow(empty), true, Request(view));

        Assert.Empty(result.Rows);
        Assert.Equal(["driver_id", "event_timestamp", "driver_stats__conv_rate"], result.Columns);
        Assert.IsType<FloatType>(result.TypeOf("driver_stats__conv_rate"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_QuotesAndSpacesInNamesAndPaths_Escaped()
    {
        await using var f = new StoreFixture("it's a \"repo\"");
        f.Write("data dir/driver's.parquet", $"SELECT 1::BIGINT \"driver id\", {Ts(T0)} \"event time\", 2.0::FLOAT \"conv \"\"rate\"\"\"");
        var entity = new Entity("driver", ["driver id"], ValueType.Int64);
        var view = View("driver stats", new FileSource("data dir/driver's.parquet", "event time"), TimeSpan.Zero, [entity],
            new Field("driver id", FeastType.Int64), new Field("conv \"rate\"", FeastType.Float32));
        var entities = Rows([("driver id", 1L), ("order's time", T0)]);

        var result = await RunAsync(f.Store, entities, true, Request(view));

        Assert.Equal(["driver id", "order's time", "driver stats__conv \"rate\""], result.Columns);
        Assert.Equal([2.0f], result.Column("driver stats__conv \"rate\""));
    }

    [Fact]
    public async Task GetHistoricalFeatures_FolderAndGlobSources_ReadEveryPartFile()
    {
        await using var f = new StoreFixture();
        f.Write("parts/a.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        f.Write("parts/nested/b.parquet", $"SELECT 2::BIGINT driver_id, {Ts(T0)} event_timestamp, 2.0::FLOAT conv_rate");
        var entities = Rows([("driver_id", 1L), ("event_timestamp", T0)], [("driver_id", 2L), ("event_timestamp", T0)]);

        var folder = await RunAsync(f.Store, entities, Request(DriverView("parts", TimeSpan.Zero)));
        var glob = await RunAsync(f.Store, entities, Request(DriverView(f.PathOf("parts/*.parquet"), TimeSpan.Zero)));

        Assert.Equal([1.0f, 2.0f], folder.Column("conv_rate"));
        Assert.Equal([1.0f, null], glob.Column("conv_rate"));
    }

    [Fact]
    public async Task ToArrowAsync_MoreThan200kRows_StreamsSeveralBatchesInInputOrder()
    {
        await using var f = new StoreFixture();
        const int Rows = 250_000;
        // 1,000 drivers with an hourly value each over 100 hours; entity rows are in random order.
        f.Write("driver.parquet", $"SELECT d::BIGINT driver_id, {Ts(T0)} + to_hours(h) event_timestamp, (d * 1000 + h)::BIGINT AS value FROM range(1000) a(d), range(100) b(h)");
        var entityFile = f.Write("entities.parquet", $"SELECT i::BIGINT row_id, (hash(i) % 1000)::BIGINT driver_id, {Ts(T0)} + to_minutes((hash(i * 7) % 6000)::BIGINT) event_timestamp FROM range({Rows}) t(i)");
        var view = DriverView("driver.parquet", TimeSpan.FromHours(1), "", new Field("value", FeastType.Int64));

        var result = await RunAsync(f.Store, EntityData.FromFile(entityFile), Request(view));

        Assert.True(result.Batches.Count >= 3, $"{result.Batches.Count} batches");
        Assert.All(result.Batches, b => Assert.InRange(b.Length, 1, 70_000));
        Assert.Equal(Rows, result.Rows.Count);
        for (var i = 0; i < Rows; i++)
        {
            var row = result.Rows[i];
            Assert.Equal((long)i, row[0]);
            // Hourly rows: the latest at or before T0 + m minutes is hour m / 60, always within the 1 h TTL.
            var minutes = (long)((DateTimeOffset)row[2]! - T0).TotalMinutes;
            Assert.Equal((long)row[1]! * 1000 + minutes / 60, row[3]);
        }
    }

    [Fact]
    public async Task ToParquetAsyncAndToCsvAsync_WriteTheSameRowsAsToArrow()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT * FROM (VALUES (1::BIGINT, {Ts(T0)}, 1.5::FLOAT), (2::BIGINT, {Ts(T0)}, 2.5::FLOAT)) t(driver_id, event_timestamp, conv_rate)");
        var view = DriverView("driver.parquet", TimeSpan.Zero);
        var job = f.Store.GetHistoricalFeatures(new HistoricalRetrievalRequest(
            Rows([("driver_id", 2L), ("event_timestamp", T0)], [("driver_id", 3L), ("event_timestamp", T0)], [("driver_id", 1L), ("event_timestamp", T0)]),
            [Request(view)], false));
        var parquet = f.PathOf("out/training.parquet");
        var csv = f.PathOf("out/training.csv");
        File.WriteAllText(f.PathOf("training-old.txt"), "old");

        await job.ToParquetAsync(parquet);
        await job.ToParquetAsync(parquet); // replaces the file
        await job.ToCsvAsync(csv);

        var fromParquet = Duck.Query($"SELECT driver_id, event_timestamp, conv_rate FROM read_parquet('{parquet}')");
        Assert.Equal([2L, 3L, 1L], fromParquet.Select(r => r[0]));
        Assert.Equal([2.5f, null, 1.5f], fromParquet.Select(r => r[2]));
        Assert.Equal(3, Duck.Query($"SELECT * FROM read_csv('{csv}', header = true)").Count);
        var lines = File.ReadAllLines(csv);
        Assert.Equal("driver_id,event_timestamp,conv_rate", lines[0]);
        Assert.StartsWith("2,2021-04-12 10:00:00", lines[1], StringComparison.Ordinal);
        Assert.Equal(["training.csv", "training.parquet"], Directory.GetFiles(f.PathOf("out")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task ToDataFrameAsync_JoinResult_Converts()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.5::FLOAT conv_rate");
        var job = f.Store.GetHistoricalFeatures(new HistoricalRetrievalRequest(
            Rows([("driver_id", 1L), ("event_timestamp", T0)], [("driver_id", 2L), ("event_timestamp", T0)]), [Request(DriverView("driver.parquet", TimeSpan.Zero))], false));

        var frame = await job.ToDataFrameAsync();

        Assert.Equal(2, frame.Rows.Count);
        Assert.Equal(1.5f, frame["conv_rate"][0]);
        Assert.Null(frame["conv_rate"][1]);
    }

    [Fact]
    public async Task GetHistoricalFeatures_DataFrameEntities_JoinsLikeArrow()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.5::FLOAT conv_rate");
        var frame = new Microsoft.Data.Analysis.DataFrame(
            new Microsoft.Data.Analysis.Int64DataFrameColumn("driver_id", [1L, 2L, 1L]),
            new Microsoft.Data.Analysis.PrimitiveDataFrameColumn<DateTime>("event_timestamp", [T0.UtcDateTime, T0.UtcDateTime, T0.UtcDateTime.AddHours(-1)]));

        var entities = EntityData.FromDataFrame(frame);
        var job = f.Store.GetHistoricalFeatures(new HistoricalRetrievalRequest(
            entities, [Request(DriverView("driver.parquet", TimeSpan.Zero))], false));
        var result = await job.ToDataFrameAsync();

        Assert.Equal(3, result.Rows.Count);
        Assert.Equal([1.5f, null, null], result["conv_rate"].Cast<object?>());
        Assert.Equal([1L, 2L, 1L], result["driver_id"].Cast<object?>());
        Assert.Equal(T0.UtcDateTime, Assert.IsType<DateTime>(result["event_timestamp"][0]));
    }

    [Theory]
    [InlineData("TIMESTAMP_NS")]
    [InlineData("TIMESTAMP_MS")]
    [InlineData("TIMESTAMP_S")]
    [InlineData("TIMESTAMP")]
    public async Task GetHistoricalFeatures_SourceTimestampPrecisions_AreNaiveUtc(string type)
    {
        await using var f = new StoreFixture();
        // pandas writes nanosecond timestamps; other writers use other units. All are naive, meaning UTC.
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, CAST({Ts(T0)} AS {type}) event_timestamp, 1.5::FLOAT conv_rate");

        var job = f.Store.GetHistoricalFeatures(new HistoricalRetrievalRequest(
            Rows([("driver_id", 1L), ("event_timestamp", T0)], [("driver_id", 1L), ("event_timestamp", T0.AddTicks(-10))]),
            [Request(DriverView("driver.parquet", TimeSpan.FromHours(1)))], false));
        var frame = await job.ToDataFrameAsync();

        Assert.Equal([1.5f, null], frame["conv_rate"].Cast<object?>());
    }

    private sealed record DriverRow(long driver_id, DateTime event_timestamp, string label);

    [Fact]
    public async Task GetHistoricalFeatures_TypedRecords_UsePropertiesAsColumns()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.5::FLOAT conv_rate");
        DriverRow[] rows = [new(1, T0.UtcDateTime, "a"), new(2, T0.UtcDateTime, "b")];

        var job = f.Store.GetHistoricalFeatures(new HistoricalRetrievalRequest(
            EntityData.FromRecords(rows), [Request(DriverView("driver.parquet", TimeSpan.Zero))], false));
        var table = await job.ToDataFrameAsync();

        Assert.Equal(["driver_id", "event_timestamp", "label", "conv_rate"], table.Columns.Select(c => c.Name));
        Assert.Equal([1.5f, null], table["conv_rate"].Cast<object?>());
    }

    [Fact]
    public async Task GetHistoricalFeatures_NoTypedRecords_GivesAnEmptyResultWithColumns()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.5::FLOAT conv_rate");

        var job = f.Store.GetHistoricalFeatures(new HistoricalRetrievalRequest(
            EntityData.FromRecords(System.Array.Empty<DriverRow>()), [Request(DriverView("driver.parquet", TimeSpan.Zero))], false));
        var batches = new List<Apache.Arrow.RecordBatch>();
        await foreach (var batch in job.ToArrowAsync()) batches.Add(batch);

        Assert.Equal(0, batches.Sum(b => b.Length));
        Assert.Equal(["driver_id", "event_timestamp", "label", "conv_rate"], batches[0].Schema.FieldsList.Select(x => x.Name));
    }

    [Fact]
    public async Task ToSql_ReturnsTheAsofJoinWithoutRunningIt()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, {Ts(T0)} created, 1.5::FLOAT conv_rate");
        var view = DriverView("driver.parquet", TwoHours, "created");
        var job = f.Store.GetHistoricalFeatures(new HistoricalRetrievalRequest(Rows([("driver_id", 1L), ("event_timestamp", T0)]), [Request(view)], true));

        var sql = job.ToSql();

        Assert.Contains("ASOF LEFT JOIN", sql, StringComparison.Ordinal);
        Assert.Contains("HUGEINT", sql, StringComparison.Ordinal);
        Assert.Contains("7200000000", sql, StringComparison.Ordinal);
        Assert.Contains("AS \"driver_stats__conv_rate\"", sql, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToArrowAsync_ConcurrentJobsOnOneStore_EachGetsItsOwnRows()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT d::BIGINT driver_id, {Ts(T0)} event_timestamp, d::FLOAT conv_rate FROM range(100) t(d)");
        var view = DriverView("driver.parquet", TimeSpan.Zero);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            RunAsync(f.Store, Rows([("driver_id", (long)i), ("event_timestamp", T0)]), Request(view)))));

        Assert.Equal([.. Enumerable.Range(0, 8).Select(i => (object?)(float)i)], results.Select(r => r.Rows[0][2]));
    }

    [Fact]
    public async Task ToArrowAsync_CancelledToken_Throws()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var job = f.Store.GetHistoricalFeatures(new HistoricalRetrievalRequest(
            Rows([("driver_id", 1L), ("event_timestamp", T0)]), [Request(DriverView("driver.parquet", TimeSpan.Zero))], false));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in job.ToArrowAsync(cancelled.Token))
            {
            }
        });
    }

    [Fact]
    public async Task ToParquetAsync_CancelledToken_ThrowsAndWritesNothing()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var job = f.Store.GetHistoricalFeatures(new HistoricalRetrievalRequest(
            Rows([("driver_id", 1L), ("event_timestamp", T0)]), [Request(DriverView("driver.parquet", TimeSpan.Zero))], false));
        var target = f.PathOf("out/training.parquet");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.ToParquetAsync(target, cancelled.Token));
        Assert.False(File.Exists(target));

        await job.ToParquetAsync(target);
        Assert.Single(Duck.Query($"SELECT * FROM read_parquet('{target}')"));
    }
}
