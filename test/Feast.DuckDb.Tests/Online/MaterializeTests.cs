using Feast.Materialization;
using Feast.Online;
using static Feast.DuckDb.Tests.T;
using static Feast.DuckDb.Tests.Online.OnlineLoop;

namespace Feast.DuckDb.Tests.Online;

public class MaterializeTests
{
    private static readonly string[] StatsFeatures = ["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"];

    [Fact]
    public async Task Materialize_Window_LoadsLatestRowPerDriverAndRecordsTheInterval()
    {
        await using var loop = await CreateAsync();

        var results = await loop.Store.MaterializeAsync(T0.AddDays(-3), Now, ["driver_hourly_stats"]);

        var result = Assert.Single(results);
        Assert.Equal(3, result.Rows);
        var response = await loop.ReadAsync(StatsFeatures, 1001, 1002, 1003, 9999);
        Assert.Equal(["driver_id", "conv_rate", "avg_daily_trips"], response.FeatureNames);
        Assert.Equal([1001L, 1002L, 1003L, 9999L], response.ToDictionary()["driver_id"]);
        Assert.Equal([0.2f, 0.4f, 0.9f, null], response.ToDictionary()["conv_rate"]);
        Assert.Equal([20L, 40L, 90L, null], response.ToDictionary()["avg_daily_trips"]);
        Assert.Equal([FeatureStatus.Present, FeatureStatus.Present, FeatureStatus.Present, FeatureStatus.NotFound], response["conv_rate"].Statuses);
        Assert.Equal([T0.AddHours(2), T0.AddHours(1), T0.AddDays(-2), DateTimeOffset.UnixEpoch], response["conv_rate"].EventTimestamps);

        var registry = await loop.Store.GetRegistryAsync(allowCache: false);
        var interval = Assert.Single(registry.FeatureViews["driver_hourly_stats"].MaterializationIntervals);
        Assert.Equal((T0.AddDays(-3), Now), (interval.Start, interval.End));
    }

    [Fact]
    public async Task Materialize_WindowBoundsAreInclusive()
    {
        await using var loop = await CreateAsync();

        await loop.Store.MaterializeAsync(T0, T0.AddHours(1), ["driver_hourly_stats"]);

        var response = await loop.ReadAsync(StatsFeatures, 1001, 1002, 1003);
        // 1001's row at T0 (start) and 1002's at T0+1h (end) are in; 1001's T0+2h and 1003's are out.
        Assert.Equal([0.1f, 0.4f, null], response.ToDictionary()["conv_rate"]);
    }

    [Fact]
    public async Task MaterializeIncremental_FirstRunStartsAtNowMinusTtl_SecondRunAtTheLastEnd()
    {
        await using var loop = await CreateAsync();

        var first = Assert.Single(await loop.Store.MaterializeIncrementalAsync(T0.AddHours(1), ["driver_hourly_stats"]));

        Assert.Equal(Now - TimeSpan.FromDays(1), first.Start);
        Assert.Equal(2, first.Rows); // 1003 is older than now - ttl
        loop.Clock.Advance(TimeSpan.FromHours(1));
        var second = Assert.Single(await loop.Store.MaterializeIncrementalAsync(Now.AddHours(1), ["driver_hourly_stats"]));
        Assert.Equal(T0.AddHours(1), second.Start);
        Assert.Equal(2, second.Rows); // 1002 at the boundary again (inclusive) and 1001 at T0+2h
        var registry = await loop.Store.GetRegistryAsync(allowCache: false);
        Assert.Equal(2, registry.FeatureViews["driver_hourly_stats"].MaterializationIntervals.Count);
        var response = await loop.ReadAsync(StatsFeatures, 1001, 1003);
        Assert.Equal([0.2f, null], response.ToDictionary()["conv_rate"]);
    }

    [Fact]
    public async Task MaterializeIncremental_AllOnlineViews_WhenNoneNamed()
    {
        await using var loop = await CreateAsync();

        var results = await loop.Store.MaterializeIncrementalAsync(Now);

        Assert.Equal(["driver_hourly_stats", "driver_hourly_stats_fresh"], results.Select(r => r.View));
        var response = await loop.ReadAsync(["driver_hourly_stats_fresh:conv_rate"], 1001);
        Assert.Equal([0.2f], response.ToDictionary()["conv_rate"]);
    }

    [Fact]
    public async Task Materialize_ReportsProgressFromZeroToCompleted()
    {
        await using var loop = await CreateAsync();
        var reports = new List<MaterializationProgress>();

        await loop.Store.MaterializeAsync(T0.AddDays(-3), Now, ["driver_hourly_stats"], new SyncProgress(reports.Add));

        Assert.Equal(0, reports[0].RowsWritten);
        Assert.Equal(3, reports[0].TotalRows);
        Assert.False(reports[0].Completed);
        Assert.True(reports[^1].Completed);
        Assert.Equal(3, reports[^1].RowsWritten);
    }

    [Fact]
    public async Task Materialize_Cancelled_RecordsNothing()
    {
        await using var loop = await CreateAsync();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop.Store.MaterializeAsync(T0.AddDays(-3), Now, ["driver_hourly_stats"], cancellationToken: cts.Token));

        var registry = await loop.Store.GetRegistryAsync(allowCache: false);
        Assert.Empty(registry.FeatureViews["driver_hourly_stats"].MaterializationIntervals);
    }

    [Fact]
    public async Task Materialize_StartAfterEnd_IsAnError()
    {
        await using var loop = await CreateAsync();

        var error = await Assert.ThrowsAsync<FeastValidationException>(() => loop.Store.MaterializeAsync(Now, T0));

        Assert.Contains("is after the end date", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Materialize_UnknownView_NamesIt()
    {
        await using var loop = await CreateAsync();

        var error = await Assert.ThrowsAsync<FeatureViewNotFoundException>(() => loop.Store.MaterializeAsync(T0, Now, ["nope"]));

        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Materialize_OnDemandView_IsRejectedWithAReason()
    {
        await using var loop = await CreateAsync();

        var error = await Assert.ThrowsAsync<FeastValidationException>(() => loop.Store.MaterializeAsync(T0, Now, ["transformed_conv_rate"]));

        Assert.Contains("on demand feature view", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Materialize_OfflineOnlyView_IsRejected()
    {
        var offline = new FeatureView("offline_only", Source, [DriverEntity], TimeSpan.FromDays(1), [new Field("conv_rate", FeastType.Float32)], online: false);
        await using var loop = await CreateAsync("", offline);

        var error = await Assert.ThrowsAsync<FeastValidationException>(() => loop.Store.MaterializeAsync(T0, Now, ["offline_only"]));

        Assert.Contains("not configured to be served online", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Materialize_MissingSourceFile_FailsWithoutRecording()
    {
        await using var loop = await CreateAsync();
        File.Delete(loop.Files.PathOf("data/driver_stats.parquet"));

        await Assert.ThrowsAnyAsync<FeastException>(() => loop.Store.MaterializeAsync(T0, Now, ["driver_hourly_stats"]));

        var registry = await loop.Store.GetRegistryAsync(allowCache: false);
        Assert.Empty(registry.FeatureViews["driver_hourly_stats"].MaterializationIntervals);
    }

    [Fact]
    public async Task Materialize_ManyRows_AllArrive()
    {
        await using var loop = await CreateAsync();
        loop.Files.Write("data/driver_stats.parquet", $"""
            SELECT i::BIGINT driver_id, {Ts(T0)} + (i % 7) * INTERVAL 1 MINUTE event_timestamp, (i / 1000.0)::FLOAT conv_rate,
                   0.5::FLOAT acc_rate, i::BIGINT avg_daily_trips, {Ts(T0)} created
            FROM range(200000) r(i)
            """);

        var result = Assert.Single(await loop.Store.MaterializeAsync(T0.AddDays(-1), Now, ["driver_hourly_stats"]));

        Assert.Equal(200_000, result.Rows);
        var response = await loop.ReadAsync(StatsFeatures, 0, 123_456, 199_999);
        Assert.Equal([0L, 123_456L, 199_999L], response.ToDictionary()["avg_daily_trips"]);
    }

    private sealed class SyncProgress(Action<MaterializationProgress> report) : IProgress<MaterializationProgress>
    {
        public void Report(MaterializationProgress value) => report(value);
    }
}
