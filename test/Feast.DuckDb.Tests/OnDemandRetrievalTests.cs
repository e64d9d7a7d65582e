using Apache.Arrow;
using Apache.Arrow.Types;
using Feast.Configuration;
using Feast.Offline;
using static Feast.DuckDb.Tests.T;

namespace Feast.DuckDb.Tests;

/// <summary>
/// A feature store over DuckDB with the template's driver views applied: driver_hourly_stats, the request source
/// vals_to_add and the on-demand view transformed_conv_rate, whose transformation is the template's method text.
/// </summary>
internal sealed class OnDemandStore : IAsyncDisposable
{
    /// <summary>The template's TransformedConvRate, as feast apply stores it.</summary>
    public const string TemplateTransform = """
        public static IReadOnlyDictionary<string, object?> TransformedConvRate(IReadOnlyDictionary<string, object?> inputs)
        {
            // Values arrive boxed (conv_rate as a float, the request values as longs) and may be null
            // when a value is missing; a missing input gives a missing output.
            static double? ToDouble(object? value) =>
                value is null ? null : Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);

            var convRate = ToDouble(inputs["conv_rate"]);
            return new Dictionary<string, object?>
            {
                ["conv_rate_plus_val1"] = convRate + ToDouble(inputs["val_to_add"]),
                ["conv_rate_plus_val2"] = convRate + ToDouble(inputs["val_to_add_2"]),
            };
        }
        """;

    public static readonly FileSource Source = new("data/driver_stats.parquet", "event_timestamp", name: "driver_hourly_stats_source", createdTimestampColumn: "created");

    public static readonly FeatureView Stats = new("driver_hourly_stats", Source, [Driver], TimeSpan.FromDays(1),
        [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);

    public static readonly RequestSource Request = new("vals_to_add", [new Field("val_to_add", FeastType.Int64), new Field("val_to_add_2", FeastType.Int64)]);

    public static readonly Field[] Outputs = [new Field("conv_rate_plus_val1", FeastType.Float64), new Field("conv_rate_plus_val2", FeastType.Float64)];

    public static readonly OnDemandFeatureView Transformed = new("transformed_conv_rate", [Stats, Request], Outputs,
        udf: new UserDefinedFunction("TransformedConvRate", TemplateTransform, []));

    private OnDemandStore(StoreFixture fixture, FeatureStore store)
    {
        Fixture = fixture;
        Store = store;
    }

    public StoreFixture Fixture { get; }

    public FeatureStore Store { get; }

    /// <summary>Driver 1001: 0.5 at T0-1h (and an older 0.1); driver 1002: 0.25 at T0-1h; 1003 has no rows.</summary>
    public static async Task<OnDemandStore> CreateAsync(params FeastObject[] extra)
    {
        var fixture = new StoreFixture();
        fixture.Write("data/driver_stats.parquet", $"""
            SELECT * FROM (VALUES
              (1001::BIGINT, {Ts(T0.AddHours(-3))}, 0.1::FLOAT, 0.9::FLOAT, 10::BIGINT, {Ts(T0.AddHours(-3))}),
              (1001::BIGINT, {Ts(T0.AddHours(-1))}, 0.5::FLOAT, 0.8::FLOAT, 11::BIGINT, {Ts(T0.AddHours(-1))}),
              (1002::BIGINT, {Ts(T0.AddHours(-1))}, 0.25::FLOAT, 0.7::FLOAT, 12::BIGINT, {Ts(T0.AddHours(-1))})
            ) t(driver_id, event_timestamp, conv_rate, acc_rate, avg_daily_trips, created)
            """);
        var config = RepoConfigLoader.Parse("""
            project: odfv
            registry: data/registry.db
            provider: local
            online_store:
              type: sqlite
              path: data/online_store.db
            offline_store:
              type: duckdb
            entity_key_serialization_version: 3
            """, fixture.Root);
        var store = new FeatureStore(config, new FeatureStoreOptions().UseDuckDb());
        await store.ApplyAsync([Driver, Source, Stats, Request, Transformed, .. extra]);
        return new OnDemandStore(fixture, store);
    }

    /// <summary>Entity rows for drivers 1001, 1002 and 1003 at T0 with request values (1, 10), (2, 20), (3, 30).</summary>
    public static EntityData Entities(bool withRequestData = true) => withRequestData
        ? Rows(
            [("driver_id", 1001L), ("event_timestamp", T0), ("val_to_add", 1L), ("val_to_add_2", 10L)],
            [("driver_id", 1002L), ("event_timestamp", T0), ("val_to_add", 2L), ("val_to_add_2", 20L)],
            [("driver_id", 1003L), ("event_timestamp", T0), ("val_to_add", 3L), ("val_to_add_2", 30L)])
        : Rows(
            [("driver_id", 1001L), ("event_timestamp", T0), ("val_to_add", 1L)],
            [("driver_id", 1002L), ("event_timestamp", T0), ("val_to_add", 2L)]);

    public static async Task<Result> RunAsync(RetrievalJob job) => await CollectAsync(job.ToArrowAsync());

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await Fixture.DisposeAsync();
    }
}

public class OnDemandRetrievalTests
{
    private static readonly string[] TemplateFeatures =
        ["driver_hourly_stats:conv_rate", "transformed_conv_rate:conv_rate_plus_val1", "transformed_conv_rate:conv_rate_plus_val2"];

    [Fact]
    public async Task GetHistoricalFeatures_TemplateTransformWithItsSourceFeature_AddsRequestValuesToConvRate()
    {
        await using var s = await OnDemandStore.CreateAsync();

        var result = await OnDemandStore.RunAsync(await s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(), TemplateFeatures));

        Assert.Equal(["driver_id", "event_timestamp", "val_to_add", "val_to_add_2", "conv_rate", "conv_rate_plus_val1", "conv_rate_plus_val2"], result.Columns);
        Assert.Equal([0.5f, 0.25f, null], result.Column("conv_rate"));
        Assert.Equal([1.5, 2.25, null], result.Column("conv_rate_plus_val1"));
        Assert.Equal([10.5, 20.25, null], result.Column("conv_rate_plus_val2"));
        Assert.IsType<DoubleType>(result.TypeOf("conv_rate_plus_val1"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_OnlyTheOnDemandFeature_DropsTheImplicitInputColumns()
    {
        await using var s = await OnDemandStore.CreateAsync();

        var result = await OnDemandStore.RunAsync(await s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(), ["transformed_conv_rate:conv_rate_plus_val2"]));

        Assert.Equal(["driver_id", "event_timestamp", "val_to_add", "val_to_add_2", "conv_rate_plus_val2"], result.Columns);
        Assert.Equal([10.5, 20.25, null], result.Column("conv_rate_plus_val2"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_FullFeatureNames_NamesOutputsAfterTheOnDemandView()
    {
        await using var s = await OnDemandStore.CreateAsync();

        var result = await OnDemandStore.RunAsync(await s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(),
            ["driver_hourly_stats:acc_rate", "transformed_conv_rate:conv_rate_plus_val1"], fullFeatureNames: true));

        Assert.Equal(["driver_id", "event_timestamp", "val_to_add", "val_to_add_2", "driver_hourly_stats__acc_rate", "transformed_conv_rate__conv_rate_plus_val1"], result.Columns);
        Assert.Equal([1.5, 2.25, null], result.Column("transformed_conv_rate__conv_rate_plus_val1"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_FullFeatureNamesWithTheSourceFeatureRequested_ReadsItOnce()
    {
        await using var s = await OnDemandStore.CreateAsync();

        var result = await OnDemandStore.RunAsync(await s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(), TemplateFeatures, fullFeatureNames: true));

        Assert.Equal(["driver_id", "event_timestamp", "val_to_add", "val_to_add_2", "driver_hourly_stats__conv_rate",
            "transformed_conv_rate__conv_rate_plus_val1", "transformed_conv_rate__conv_rate_plus_val2"], result.Columns);
        Assert.Equal([0.5f, 0.25f, null], result.Column("driver_hourly_stats__conv_rate"));
        Assert.Equal([10.5, 20.25, null], result.Column("transformed_conv_rate__conv_rate_plus_val2"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_OnDemandViewOverAnAliasedProjection_GetsInputsUnderTheAlias()
    {
        var aliased = new OnDemandFeatureView("aliased_rate", [OnDemandStore.Stats.WithName("stats").Select("conv_rate", "avg_daily_trips"), OnDemandStore.Request],
            [new Field("trips_plus", FeastType.Int64), new Field("rate_times_two", FeastType.Float32)],
            udf: new UserDefinedFunction("<lambda>", """
                inputs => new Dictionary<string, object?>
                {
                    ["trips_plus"] = inputs["stats__avg_daily_trips"] is long trips ? trips + (long)inputs["val_to_add"]! : null,
                    ["rate_times_two"] = inputs["conv_rate"] is float rate ? rate * 2 : null,
                }
                """, []));
        await using var s = await OnDemandStore.CreateAsync(aliased);

        var result = await OnDemandStore.RunAsync(await s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(),
            ["driver_hourly_stats:conv_rate", "aliased_rate:trips_plus", "aliased_rate:rate_times_two"]));

        Assert.Equal(["driver_id", "event_timestamp", "val_to_add", "val_to_add_2", "conv_rate", "trips_plus", "rate_times_two"], result.Columns);
        Assert.Equal([12L, 14L, null], result.Column("trips_plus"));
        Assert.Equal([1.0f, 0.5f, null], result.Column("rate_times_two"));
        Assert.IsType<Int64Type>(result.TypeOf("trips_plus"));
        Assert.IsType<FloatType>(result.TypeOf("rate_times_two"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_FeatureServiceWithAnOnDemandView_ComputesIt()
    {
        var service = new FeatureService("driver_activity_v1", [OnDemandStore.Stats.Select("conv_rate"), OnDemandStore.Transformed]);
        await using var s = await OnDemandStore.CreateAsync(service);

        var result = await OnDemandStore.RunAsync(await s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(), "driver_activity_v1"));

        Assert.Equal(["driver_id", "event_timestamp", "val_to_add", "val_to_add_2", "conv_rate", "conv_rate_plus_val1", "conv_rate_plus_val2"], result.Columns);
        Assert.Equal([1.5, 2.25, null], result.Column("conv_rate_plus_val1"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_RequestColumnMissingFromEntityRows_ThrowsNamingViewAndColumn()
    {
        await using var s = await OnDemandStore.CreateAsync();

        var e = await Assert.ThrowsAsync<RequestDataNotFoundInEntityDfException>(() =>
            s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(withRequestData: false), TemplateFeatures));

        Assert.Equal("transformed_conv_rate", e.FeatureViewName);
        Assert.Equal(["val_to_add_2"], e.Columns);
        Assert.Contains("transformed_conv_rate requires the request data column val_to_add_2", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<FeastObjectNotFoundException>(e);
    }

    [Fact]
    public async Task GetHistoricalFeatures_RequestColumnMissingFromEntityFile_ThrowsWhenRead()
    {
        await using var s = await OnDemandStore.CreateAsync();
        var path = s.Fixture.Write("entities.parquet", $"SELECT 1001::BIGINT driver_id, {Ts(T0)} event_timestamp, 1::BIGINT val_to_add");

        var job = await s.Store.GetHistoricalFeaturesAsync(EntityData.FromFile(path), TemplateFeatures);
        var e = await Assert.ThrowsAsync<RequestDataNotFoundInEntityDfException>(() => job.ToTableAsync());

        Assert.Equal(["val_to_add_2"], e.Columns);
    }

    [Fact]
    public async Task GetHistoricalFeatures_EntityRowsFromSql_ComputeTheOnDemandView()
    {
        await using var s = await OnDemandStore.CreateAsync();
        var path = s.Fixture.Write("entities.parquet", $"SELECT 1002::BIGINT driver_id, {Ts(T0)} event_timestamp, 5::INTEGER val_to_add, 7::BIGINT val_to_add_2");

        var job = await s.Store.GetHistoricalFeaturesAsync(EntityData.FromSql($"SELECT * FROM '{path}'"), ["transformed_conv_rate:conv_rate_plus_val1"]);
        var result = await OnDemandStore.RunAsync(job);

        Assert.Equal([5.25], result.Column("conv_rate_plus_val1")); // an INTEGER request column is given to the transformation as a long
    }

    [Fact]
    public async Task GetHistoricalFeatures_ViewAppliedFromCode_RunsTheStoredTextNotTheDelegate()
    {
        Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> delegateThatThrows =
            _ => throw new InvalidOperationException("the delegate must not run");
        var view = OnDemandStore.Transformed with { Transform = delegateThatThrows };
        await using var s = await OnDemandStore.CreateAsync();
        await s.Store.ApplyAsync([Driver, OnDemandStore.Source, OnDemandStore.Stats, OnDemandStore.Request, view]);

        var registry = await s.Store.GetRegistryAsync(allowCache: false);
        var result = await OnDemandStore.RunAsync(await s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(), TemplateFeatures));

        Assert.Null(registry.OnDemandFeatureViews["transformed_conv_rate"].Transform);
        Assert.Equal(OnDemandStore.TemplateTransform, registry.OnDemandFeatureViews["transformed_conv_rate"].Udf!.BodyText);
        Assert.Equal([1.5, 2.25, null], result.Column("conv_rate_plus_val1"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_RequestOnlyOnDemandView_NeedsNoFeatureView()
    {
        var doubled = new OnDemandFeatureView("doubled", [OnDemandStore.Request], [new Field("val_times_two", FeastType.Int64)],
            udf: new UserDefinedFunction("<lambda>", "inputs => new Dictionary<string, object?> { [\"val_times_two\"] = (long)inputs[\"val_to_add\"]! * 2 }", []));
        await using var s = await OnDemandStore.CreateAsync(doubled);

        var result = await OnDemandStore.RunAsync(await s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(), ["doubled:val_times_two"]));

        Assert.Equal(["driver_id", "event_timestamp", "val_to_add", "val_to_add_2", "val_times_two"], result.Columns);
        Assert.Equal([2L, 4L, 6L], result.Column("val_times_two"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_TransformationThrows_FailsNamingTheView()
    {
        var failing = new OnDemandFeatureView("failing", [OnDemandStore.Stats, OnDemandStore.Request], [new Field("x", FeastType.Float64)],
            udf: new UserDefinedFunction("<lambda>", "inputs => throw new InvalidOperationException(\"no \" + inputs[\"val_to_add\"])", []));
        await using var s = await OnDemandStore.CreateAsync(failing);

        var job = await s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(), ["failing:x"]);
        var e = await Assert.ThrowsAsync<OnDemandTransformationException>(() => job.ToTableAsync());

        Assert.Equal("failing", e.FeatureViewName);
        Assert.Contains("threw InvalidOperationException: no 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_PythonOnDemandView_ThrowsBeforeRunning()
    {
        var python = new OnDemandFeatureView("python_view", [OnDemandStore.Stats, OnDemandStore.Request], [new Field("x", FeastType.Float64)],
            udf: new UserDefinedFunction("python_view", "def python_view(inputs): ...", [0x80, 0x05]), mode: "python");
        await using var s = await OnDemandStore.CreateAsync(python);

        var e = await Assert.ThrowsAsync<FeastException>(() => s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(), ["python_view:x"]));

        Assert.Contains("Python (python) function pickled by Feast", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_OutputOfAMapType_ThrowsBeforeRunning()
    {
        var mapped = new OnDemandFeatureView("mapped", [OnDemandStore.Request], [new Field("m", FeastType.Map)],
            udf: new UserDefinedFunction("<lambda>", "inputs => new Dictionary<string, object?> { [\"m\"] = null }", []));
        await using var s = await OnDemandStore.CreateAsync(mapped);

        var e = await Assert.ThrowsAsync<FeastValidationException>(() => s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(), ["mapped:m"]));

        Assert.Contains("type Map cannot be computed in historical retrieval", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToSql_WithOnDemandView_IsTheJoinOfItsInputs()
    {
        await using var s = await OnDemandStore.CreateAsync();

        var job = await s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(), ["transformed_conv_rate:conv_rate_plus_val1"]);

        Assert.Contains("driver_hourly_stats__conv_rate", job.ToSql(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToParquetAsync_WithOnDemandView_WritesEveryColumn()
    {
        await using var s = await OnDemandStore.CreateAsync();
        var job = await s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(), TemplateFeatures);
        var path = s.Fixture.PathOf("out/training.parquet");

        await job.ToParquetAsync(path);

        var rows = Duck.Query($"SELECT driver_id, event_timestamp, val_to_add, conv_rate, conv_rate_plus_val1, conv_rate_plus_val2, typeof(event_timestamp), typeof(conv_rate), typeof(conv_rate_plus_val1) FROM '{path}' ORDER BY driver_id");
        Assert.Equal(3, rows.Count);
        Assert.Equal([1001L, T0.UtcDateTime, 1L, 0.5f, 1.5, 10.5, "TIMESTAMP WITH TIME ZONE", "FLOAT", "DOUBLE"], rows[0]);
        Assert.Equal([1003L, T0.UtcDateTime, 3L, null, null, null, "TIMESTAMP WITH TIME ZONE", "FLOAT", "DOUBLE"], rows[2]);
        var columns = Duck.Query($"SELECT column_name FROM (DESCRIBE SELECT * FROM '{path}')").Select(r => r[0]);
        Assert.Equal(["driver_id", "event_timestamp", "val_to_add", "val_to_add_2", "conv_rate", "conv_rate_plus_val1", "conv_rate_plus_val2"], columns);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public async Task ToCsvAsync_WithOnDemandView_WritesHeaderAndRows()
    {
        await using var s = await OnDemandStore.CreateAsync();
        var job = await s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(), TemplateFeatures);
        var path = s.Fixture.PathOf("out/training.csv");

        await job.ToCsvAsync(path);

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal("driver_id,event_timestamp,val_to_add,val_to_add_2,conv_rate,conv_rate_plus_val1,conv_rate_plus_val2", lines[0]);
        Assert.Equal("1001,2021-04-12 10:00:00+00,1,10,0.5,1.5,10.5", lines[1]);
        Assert.Equal("1003,2021-04-12 10:00:00+00,3,30,,,", lines[3]);
        // The file reads back as entity data.
        var rows = Duck.Query($"SELECT driver_id, event_timestamp, conv_rate_plus_val2 FROM read_csv('{path}') ORDER BY driver_id");
        Assert.Equal(20.25, rows[1][2]);
    }

    [Fact]
    public async Task ToDataFrameAsync_WithOnDemandView_HasTheOutputColumns()
    {
        await using var s = await OnDemandStore.CreateAsync();
        var job = await s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(), TemplateFeatures);

        var frame = await job.ToDataFrameAsync();
        // The Arrow batches behind the result are gone; the frame must not read their (native) memory.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Equal(3, frame.Rows.Count);
        Assert.Equal(1.5, frame["conv_rate_plus_val1"][0]);
        Assert.Null(frame["conv_rate_plus_val2"][2]);
    }

    [Fact]
    public async Task GetHistoricalFeatures_NoEntityRows_ReturnsNoRowsWithTheOutputColumns()
    {
        await using var s = await OnDemandStore.CreateAsync();
        var timestamp = new TimestampType(TimeUnit.Microsecond, "UTC");
        var empty = new RecordBatch(
            new Schema([new Apache.Arrow.Field("driver_id", Int64Type.Default, true), new Apache.Arrow.Field("event_timestamp", timestamp, true),
                new Apache.Arrow.Field("val_to_add", Int64Type.Default, true), new Apache.Arrow.Field("val_to_add_2", Int64Type.Default, true)], null),
            [new Int64Array.Builder().Build(), new TimestampArray.Builder(timestamp).Build(), new Int64Array.Builder().Build(), new Int64Array.Builder().Build()], 0);
        var job = await s.Store.GetHistoricalFeaturesAsync(EntityData.FromArrow(empty), ["transformed_conv_rate:conv_rate_plus_val1"]);
        var path = s.Fixture.PathOf("empty.parquet");

        var result = await OnDemandStore.RunAsync(job);
        await job.ToParquetAsync(path);

        Assert.Empty(result.Rows);
        Assert.Equal(["driver_id", "event_timestamp", "val_to_add", "val_to_add_2", "conv_rate_plus_val1"], result.Columns);
        Assert.Equal(0L, Duck.Query($"SELECT count(*) FROM '{path}'")[0][0]);
        Assert.Equal(["driver_id", "event_timestamp", "val_to_add", "val_to_add_2", "conv_rate_plus_val1"],
            Duck.Query($"SELECT column_name FROM (DESCRIBE SELECT * FROM '{path}')").Select(r => r[0]));
    }

    [Fact]
    public async Task ToParquetAsync_ListAndTimestampOutputs_RoundTripThroughDuckDb()
    {
        var lists = new OnDemandFeatureView("lists", [OnDemandStore.Stats, OnDemandStore.Request],
        [
            new Field("ids", FeastType.Array(FeastType.Int64)), new Field("names", FeastType.Array(FeastType.String)),
            new Field("seen", FeastType.UnixTimestamp), new Field("label", FeastType.String), new Field("big", FeastType.Bool),
        ],
            udf: new UserDefinedFunction("Lists", """
                public static IReadOnlyDictionary<string, object?> Lists(IReadOnlyDictionary<string, object?> inputs)
                {
                    var n = (long)inputs["val_to_add"]!;
                    return new Dictionary<string, object?>
                    {
                        ["ids"] = n == 3 ? null : Enumerable.Range(0, (int)n - 1).Select(i => (long)i).ToArray(),
                        ["names"] = new[] { "a,b", "c\"d" }.Take((int)n).ToList(),
                        ["seen"] = new DateTime(2021, 4, 12, 10, 0, 0, DateTimeKind.Utc).AddTicks(n * 10),
                        ["label"] = inputs["conv_rate"] is null ? null : $"rate {inputs["conv_rate"]}",
                        ["big"] = inputs["conv_rate"] is float rate ? rate > 0.3f : null,
                    };
                }
                """, []));
        await using var s = await OnDemandStore.CreateAsync(lists);
        var job = await s.Store.GetHistoricalFeaturesAsync(OnDemandStore.Entities(), ["lists:ids", "lists:names", "lists:seen", "lists:label", "lists:big"]);
        var arrow = await OnDemandStore.RunAsync(job);
        var path = s.Fixture.PathOf("lists.parquet");
        var csv = s.Fixture.PathOf("lists.csv");

        await job.ToParquetAsync(path);
        await job.ToCsvAsync(csv);

        Assert.IsType<ListType>(arrow.TypeOf("ids"));
        Assert.Equal(new TimestampType(TimeUnit.Microsecond, "UTC").ToString(), arrow.TypeOf("seen").ToString());
        var rows = Duck.Query($"SELECT to_json(ids)::VARCHAR, to_json(names)::VARCHAR, seen, label, big, typeof(ids) FROM '{path}' ORDER BY driver_id");
        Assert.Equal(["[]", "[\"a,b\"]", T0.UtcDateTime.AddTicks(10), "rate 0.5", true, "BIGINT[]"], rows[0]);
        Assert.Equal(["[0]", "[\"a,b\",\"c\\\"d\"]", T0.UtcDateTime.AddTicks(20), "rate 0.25", false, "BIGINT[]"], rows[1]);
        Assert.Equal([null, "[\"a,b\",\"c\\\"d\"]", T0.UtcDateTime.AddTicks(30), null, null, "BIGINT[]"], rows[2]);
        var lines = await File.ReadAllLinesAsync(csv);
        Assert.Equal("1002,2021-04-12 10:00:00+00,2,20,[0],\"[a,b, c\"\"d]\",2021-04-12 10:00:00.000002+00,rate 0.25,false", lines[2]);
    }
}
