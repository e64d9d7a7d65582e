using Apache.Arrow;
using Apache.Arrow.Types;
using Feast.Offline;
using static Feast.DuckDb.Tests.T;

namespace Feast.DuckDb.Tests;

/// <summary>Every bad input fails with a message that names the thing at fault and how to fix it.</summary>
public class BadInputTests
{
    private static async Task<TException> FailsAsync<TException>(DuckDbOfflineStore store, EntityData entities, params FeatureViewRequest[] views)
        where TException : Exception =>
        await Assert.ThrowsAsync<TException>(() => RunAsync(store, entities, views));

    [Fact]
    public async Task GetHistoricalFeatures_EntityDataLacksJoinKey_NamesViewKeyAndColumnsPresent()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");

        var error = await FailsAsync<FeastValidationException>(f.Store,
            Rows([("customer_id", 1L), ("event_timestamp", T0)]), Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.Contains("'driver_stats'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'driver_id'", error.Message, StringComparison.Ordinal);
        Assert.Contains("customer_id, event_timestamp", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_JoinKeyMapTargetMissing_NamesMappedColumn()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var view = DriverView("driver.parquet", TimeSpan.Zero).WithName("other").WithJoinKeyMap(new Dictionary<string, string> { ["driver_id"] = "other_driver" });

        var error = await FailsAsync<FeastValidationException>(f.Store, Rows([("driver_id", 1L), ("event_timestamp", T0)]), Request(view));

        Assert.Contains("'other_driver'", error.Message, StringComparison.Ordinal);
        Assert.Contains("join_key_map", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_NoTimestampColumn_SaysSoAndListsColumns()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");

        var error = await FailsAsync<FeastValidationException>(f.Store,
            Rows([("driver_id", 1L), ("when", "2021-04-12")]), Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.Contains("has no event_timestamp column and 0 timestamp columns", error.Message, StringComparison.Ordinal);
        Assert.Contains("driver_id (BIGINT), when (VARCHAR)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_TwoTimestampColumnsNoneNamedEventTimestamp_Ambiguous()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");

        var error = await FailsAsync<FeastValidationException>(f.Store,
            Rows([("driver_id", 1L), ("ordered", T0), ("delivered", T0)]), Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.Contains("has no event_timestamp column and 2 timestamp columns (ordered, delivered)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_SingleTimestampColumnWithOtherName_UsedAsEventTime()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");

        var result = await RunAsync(f.Store, Rows([("driver_id", 1L), ("ordered_at", T0)]), Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.Equal(["driver_id", "ordered_at", "conv_rate"], result.Columns);
        Assert.Equal([1.0f], result.Column("conv_rate"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_UnparseableTimestampString_NamesColumnAndValue()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var entities = f.WriteText("entities.csv", "driver_id,event_timestamp\n1,2021-04-12 10:00:00\n1,yesterday\n");

        var error = await FailsAsync<FeastValidationException>(f.Store, EntityData.FromFile(entities), Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.Contains("'event_timestamp'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'yesterday'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_NumericEventTimestamp_RejectedWithType()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");

        var error = await FailsAsync<FeastValidationException>(f.Store, Rows([("driver_id", 1L), ("event_timestamp", 1618221600L)]), Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.Contains("'event_timestamp' has type BIGINT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_SourceFileMissing_NamesResolvedPathAndView()
    {
        await using var f = new StoreFixture();

        var error = await FailsAsync<FeastException>(f.Store, Rows([("driver_id", 1L), ("event_timestamp", T0)]), Request(DriverView("data/missing.parquet", TimeSpan.Zero)));

        Assert.Contains($"'{f.PathOf("data/missing.parquet")}' does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("Feature view 'driver_stats'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_SourceLacksDeclaredFeature_NamesFileAndColumn()
    {
        await using var f = new StoreFixture();
        var path = f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var view = DriverView("driver.parquet", TimeSpan.Zero, "", new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32));

        var error = await FailsAsync<FeastValidationException>(f.Store, Rows([("driver_id", 1L), ("event_timestamp", T0)]), Request(view, "acc_rate"));

        Assert.Contains($"source '{path}' has no column 'acc_rate'", error.Message, StringComparison.Ordinal);
        Assert.Contains("driver_id, event_timestamp, conv_rate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_SourceLacksTimestampField_NamesIt()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} ts, 1.0::FLOAT conv_rate");

        var error = await FailsAsync<FeastValidationException>(f.Store, Rows([("driver_id", 1L), ("event_timestamp", T0)]), Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.Contains("no column 'event_timestamp', which holds its event timestamp", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_FeatureNameAlsoAnEntityColumn_Collision()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");

        var error = await FailsAsync<FeatureNameCollisionException>(f.Store,
            Rows([("driver_id", 1L), ("event_timestamp", T0), ("conv_rate", 0.5)]), Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.Contains("'conv_rate'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("entities.csv", "")]
    [InlineData("entities.csv", " \n\n")]
    [InlineData("entities.parquet", "")]
    public async Task GetHistoricalFeatures_EmptyEntityFile_SaysTheFileIsEmpty(string name, string content)
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var entities = f.WriteText(name, content);

        var error = await FailsAsync<FeastValidationException>(f.Store, EntityData.FromFile(entities), Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.StartsWith($"The entity data file '{entities}' is empty.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("column0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_HeaderOnlyCsvEntityFile_EmptyResult()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var entities = f.WriteText("entities.csv", "driver_id,event_timestamp\n");

        var result = await RunAsync(f.Store, EntityData.FromFile(entities), Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.Empty(result.Rows);
        Assert.Equal(["driver_id", "event_timestamp", "conv_rate"], result.Columns);
    }

    [Fact]
    public async Task GetHistoricalFeatures_ReservedEntityColumnName_Rejected()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");

        var error = await FailsAsync<FeastValidationException>(f.Store,
            Rows([("driver_id", 1L), ("event_timestamp", T0), ("__feast_row", 1L)]), Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.Contains("'__feast_row'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_UnloadableArrowType_NamesColumn()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var type = new TimestampType(TimeUnit.Microsecond, "UTC");
        var listType = new ListType(Int64Type.Default);
        var list = new ListArray.Builder(Int64Type.Default);
        list.Append();
        ((Int64Array.Builder)list.ValueBuilder).Append(1);
        var batch = new RecordBatch(new Schema([new Apache.Arrow.Field("driver_id", Int64Type.Default, true), new Apache.Arrow.Field("event_timestamp", type, true), new Apache.Arrow.Field("tags", listType, true)], null),
            [new Int64Array.Builder().Append(1).Build(), new TimestampArray.Builder(type).Append(T0).Build(), list.Build()], 1);

        var error = await FailsAsync<FeastValidationException>(f.Store, EntityData.FromArrow(batch), Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.Contains("column 'tags'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_MissingEntityFile_NamesPath()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var path = f.PathOf("nope.parquet");

        var error = await FailsAsync<FeastException>(f.Store, EntityData.FromFile(path), Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.Contains($"'{path}' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_IncompatibleJoinKeyValues_FeastExceptionFromDuckDb()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");

        var error = await FailsAsync<FeastException>(f.Store, Rows([("driver_id", "abc"), ("event_timestamp", T0)]), Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.Contains("point-in-time join", error.Message, StringComparison.Ordinal);
        Assert.Contains("abc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToParquetAsync_OutputFolderCannotBeCreated_ThrowsFeastExceptionNamingIt()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        // A file where the output folder should be: the folder cannot be created (this works as root, unlike permissions).
        var blocker = f.WriteText("blocker", "not a folder");
        var target = Path.Combine(blocker, "out", "training.parquet");
        var job = f.Store.GetHistoricalFeatures(new HistoricalRetrievalRequest(
            Rows([("driver_id", 1L), ("event_timestamp", T0)]), [Request(DriverView("driver.parquet", TimeSpan.Zero))], false));

        var error = await Assert.ThrowsAsync<FeastException>(() => job.ToParquetAsync(target));

        Assert.Contains($"'{target}'", error.Message, StringComparison.Ordinal);
        Assert.IsNotType<FeastException>(error.InnerException, exactMatch: false);
    }

    [Fact]
    public async Task GetHistoricalFeatures_EntityQueryFailsWhenRun_ThrowsFeastException()
    {
        await using var f = new StoreFixture();
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        // Describes fine, fails only when its rows are read (the event-timestamp check is the first to read them).
        var entities = EntityData.FromSql("SELECT 1::BIGINT AS driver_id, CAST(error('entity rows exploded') AS VARCHAR) AS event_timestamp");

        var error = await FailsAsync<FeastException>(f.Store, entities, Request(DriverView("driver.parquet", TimeSpan.Zero)));

        Assert.Contains("entity rows exploded", error.Message, StringComparison.Ordinal);
    }
}

public class EngineErrorTests
{
    // A value that fails only when the engine reads it (DuckDB's error() at run time), so no validation catches it first.
    private static DuckDbSource FailingSource => new("stats", query: """
        SELECT * FROM (VALUES (1::BIGINT, TIMESTAMP '2021-04-12 10:00:00', 1.0), (2::BIGINT, TIMESTAMP '2021-04-12 11:00:00', 2.0)) t(driver_id, ts, v)
        WHERE CASE WHEN driver_id = 2 THEN error('bad row 2') ELSE true END
        """, timestampField: "ts");

    private static void AssertOneLine(FeastException e, string step)
    {
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("'stats'", e.Message, StringComparison.Ordinal);
        Assert.Contains(step, e.Message, StringComparison.Ordinal);
        Assert.Contains("bad row 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("cast the columns in a DuckDbSource query", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Pull_EngineFailsAtRunTime_OneLineNamingSourceStepAndHint(bool latest)
    {
        await using var f = new StoreFixture();
        var request = new PullRequest(FailingSource, ["driver_id"], ["v"], T.T0.AddDays(-1), T.T0.AddDays(1));

        var e = await Assert.ThrowsAsync<FeastException>(() => T.CollectAsync(latest ? f.Store.PullLatestAsync(request) : f.Store.PullAllAsync(request)));

        AssertOneLine(e, "pulling rows");
    }

    [Fact]
    public async Task CountLatest_EngineFailsAtRunTime_OneLineNamingSourceStepAndHint()
    {
        await using var f = new StoreFixture();

        var e = await Assert.ThrowsAsync<FeastException>(() => f.Store.CountLatestAsync(new PullRequest(FailingSource, ["driver_id"], ["v"], T.T0.AddDays(-1), T.T0.AddDays(1))));

        AssertOneLine(e, "counting the rows");
    }

    [Fact]
    public async Task HistoricalJoin_EngineFailsAtRunTime_OneLineNamingViewsStepAndHint()
    {
        await using var f = new StoreFixture();
        var view = T.View("stats_view", FailingSource, TimeSpan.Zero, [T.Driver], new Field("v", FeastType.Float64));
        var entities = T.Rows(new (string, object?)[] { ("driver_id", 1L), ("event_timestamp", T.T0.AddDays(1)) });

        var e = await Assert.ThrowsAsync<FeastException>(() => T.RunAsync(f.Store, entities, T.Request(view, "v")));

        AssertOneLine(e, "the point-in-time join");
        Assert.Contains("feature view 'stats_view'", e.Message, StringComparison.Ordinal);
    }
}
