using Feast.Offline;
using Feast.Online;
using static Feast.DuckDb.Tests.T;
using static Feast.DuckDb.Tests.Online.OnlineLoop;

namespace Feast.DuckDb.Tests.Online;

public class PushTests
{
    private static FeatureRows Row(long driver, float conv, DateTimeOffset at, object? trips = null) =>
        FeatureRows.FromColumns(new Dictionary<string, IReadOnlyList<object?>>
        {
            ["driver_id"] = [driver],
            ["event_timestamp"] = [at],
            ["created"] = [at],
            ["conv_rate"] = [conv],
            ["acc_rate"] = [0.5f],
            ["avg_daily_trips"] = [trips ?? 7L],
        });

    [Fact]
    public async Task PushOnline_IsReadBack()
    {
        await using var loop = await CreateAsync();

        await loop.Store.PushAsync("driver_stats_push_source", Row(1005, 0.75f, Now));

        var response = await loop.ReadAsync(["driver_hourly_stats_fresh:conv_rate", "driver_hourly_stats_fresh:avg_daily_trips"], 1005);
        Assert.Equal([0.75f], response.ToDictionary()["conv_rate"]);
        Assert.Equal([7L], response.ToDictionary()["avg_daily_trips"]);
        Assert.Equal([Now], response["conv_rate"].EventTimestamps);
    }

    [Fact]
    public async Task PushOffline_AppendsToTheBatchSource_OnlineUntouched()
    {
        await using var loop = await CreateAsync();

        await loop.Store.PushAsync("driver_stats_push_source", Row(1005, 0.75f, Now), PushMode.Offline);

        var rows = Duck.Query($"SELECT conv_rate FROM '{loop.Files.PathOf("data/driver_stats.parquet")}' WHERE driver_id = 1005");
        Assert.Equal(0.75f, Assert.Single(rows)[0]);
        var response = await loop.ReadAsync(["driver_hourly_stats_fresh:conv_rate"], 1005);
        Assert.Equal([FeatureStatus.NotFound], response["conv_rate"].Statuses);
    }

    [Fact]
    public async Task PushOnlineAndOffline_TimestampsAsText_WritesBoth()
    {
        await using var loop = await CreateAsync();
        var rows = FeatureRows.FromRows([new Dictionary<string, object?>
        {
            ["driver_id"] = 1006L, ["event_timestamp"] = "2021-04-12 13:00:00+00:00", ["created"] = "2021-04-12T13:00:00Z",
            ["conv_rate"] = 0.25, ["acc_rate"] = 0.5, ["avg_daily_trips"] = 3,
        }]);

        await loop.Store.PushAsync("driver_stats_push_source", rows, PushMode.OnlineAndOffline);

        var response = await loop.ReadAsync(["driver_hourly_stats_fresh:conv_rate"], 1006);
        Assert.Equal([0.25f], response.ToDictionary()["conv_rate"]);
        Assert.Single(Duck.Query($"SELECT 1 FROM '{loop.Files.PathOf("data/driver_stats.parquet")}' WHERE driver_id = 1006"));
        var job = await loop.Store.GetHistoricalFeaturesAsync(
            EntityData.FromRows([new Dictionary<string, object?> { ["driver_id"] = 1006L, ["event_timestamp"] = Now }]), ["driver_hourly_stats:conv_rate"]);
        var frame = await job.ToDataFrameAsync();
        Assert.Equal(0.25f, frame["conv_rate"][0]);
    }

    [Fact]
    public async Task PushUnknownSource_IsPushSourceNotFound()
    {
        await using var loop = await CreateAsync();

        var error = await Assert.ThrowsAsync<PushSourceNotFoundException>(() => loop.Store.PushAsync("nope", Row(1, 0.1f, Now)));

        Assert.Equal("Unable to find push source 'nope'.", error.Message);
    }

    [Fact]
    public async Task PushMissingColumn_NamesIt_AndWritesNothing()
    {
        await using var loop = await CreateAsync();
        var rows = FeatureRows.FromColumns(new Dictionary<string, IReadOnlyList<object?>>
        {
            ["driver_id"] = [1007L], ["event_timestamp"] = [Now], ["conv_rate"] = [0.1f], ["acc_rate"] = [0.1f],
        });

        var error = await Assert.ThrowsAsync<FeastValidationException>(() => loop.Store.PushAsync("driver_stats_push_source", rows, PushMode.OnlineAndOffline));

        Assert.Contains("'avg_daily_trips'", error.Message, StringComparison.Ordinal);
        Assert.Empty(Duck.Query($"SELECT 1 FROM '{loop.Files.PathOf("data/driver_stats.parquet")}' WHERE driver_id = 1007"));
    }

    [Fact]
    public async Task PushBadValue_NamesColumnAndValue_AndWritesNothing()
    {
        await using var loop = await CreateAsync();

        var error = await Assert.ThrowsAsync<FeastValidationException>(() => loop.Store.PushAsync("driver_stats_push_source", Row(1008, 0.1f, Now, trips: "many")));

        Assert.Contains("avg_daily_trips", error.Message, StringComparison.Ordinal);
        Assert.Contains("many", error.Message, StringComparison.Ordinal);
        var response = await loop.ReadAsync(["driver_hourly_stats_fresh:conv_rate"], 1008);
        Assert.Equal([FeatureStatus.NotFound], response["conv_rate"].Statuses);
    }

    [Fact]
    public async Task PushBadTimestamp_NamesTheColumn()
    {
        await using var loop = await CreateAsync();
        var rows = FeatureRows.FromColumns(new Dictionary<string, IReadOnlyList<object?>>
        {
            ["driver_id"] = [1L], ["event_timestamp"] = ["yesterday"], ["conv_rate"] = [0.1f], ["acc_rate"] = [0.1f], ["avg_daily_trips"] = [1L],
        });

        var error = await Assert.ThrowsAsync<FeastValidationException>(() => loop.Store.PushAsync("driver_stats_push_source", rows));

        Assert.Contains("event_timestamp", error.Message, StringComparison.Ordinal);
        Assert.Contains("yesterday", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PushMode.Online)]
    [InlineData(PushMode.OnlineAndOffline)]
    [InlineData(PushMode.Offline)]
    public async Task PushFromRows_MonthFirstTimestamp_NamesColumnRowAndValue_AndKeepsTheNewerValue(PushMode mode)
    {
        await using var loop = await CreateAsync();
        await loop.Store.PushAsync("driver_stats_push_source", Row(1009, 0.75f, Now));
        // Month first (as DateTimeOffset.Parse reads it) this is 2 January 2099: newer than the stored row, so it overwrote it.
        var rows = FeatureRows.FromRows([
            new Dictionary<string, object?> { ["driver_id"] = 1010L, ["event_timestamp"] = "2021-04-12T13:00:00Z", ["created"] = null, ["conv_rate"] = 0.5, ["acc_rate"] = 0.5, ["avg_daily_trips"] = 1 },
            new Dictionary<string, object?> { ["driver_id"] = 1009L, ["event_timestamp"] = "01/02/2099 06:00", ["created"] = null, ["conv_rate"] = 0.0, ["acc_rate"] = 0.0, ["avg_daily_trips"] = 0 },
        ]);

        var error = await Assert.ThrowsAsync<FeastValidationException>(() => loop.Store.PushAsync("driver_stats_push_source", rows, mode));

        Assert.StartsWith("Column 'event_timestamp', row 1: \"01/02/2099 06:00\" is not an ISO 8601 timestamp", error.Message, StringComparison.Ordinal);
        var response = await loop.ReadAsync(["driver_hourly_stats_fresh:conv_rate"], 1009);
        Assert.Equal([0.75f], response.ToDictionary()["conv_rate"]);
        Assert.Empty(Duck.Query($"SELECT 1 FROM '{loop.Files.PathOf("data/driver_stats.parquet")}' WHERE driver_id IN (1009, 1010)"));
    }

    [Fact]
    public async Task WriteToOnlineStore_OlderRowDoesNotReplaceANewerOne_AllNullRowsSkipped()
    {
        await using var loop = await CreateAsync();

        await loop.Store.WriteToOnlineStoreAsync("driver_hourly_stats", Row(1001, 0.5f, Now.AddHours(-5)));
        await loop.Store.WriteToOnlineStoreAsync("driver_hourly_stats", Row(1001, 0.6f, Now));
        // Older than what is stored: not written (the online stores keep the newer row unless last_write_wins).
        await loop.Store.WriteToOnlineStoreAsync("driver_hourly_stats", Row(1001, 0.7f, Now.AddHours(-1)));
        await loop.Store.WriteToOnlineStoreAsync("driver_hourly_stats", FeatureRows.FromColumns(new Dictionary<string, IReadOnlyList<object?>>
        {
            ["driver_id"] = [1001L], ["event_timestamp"] = [Now], ["conv_rate"] = [null], ["acc_rate"] = [null], ["avg_daily_trips"] = [null],
        }));

        var response = await loop.ReadAsync(["driver_hourly_stats:conv_rate"], 1001);
        Assert.Equal([0.6f], response.ToDictionary()["conv_rate"]);
    }

    [Fact]
    public async Task WriteToOnlineStore_FromArrowAndRecords()
    {
        await using var loop = await CreateAsync();
        var batch = EntityRowsFor(1010, 0.3f);

        await loop.Store.WriteToOnlineStoreAsync("driver_hourly_stats", FeatureRows.FromArrow(batch));
        await loop.Store.WriteToOnlineStoreAsync("driver_hourly_stats", FeatureRows.FromRecords([new Rec(1011, Now, 0.4f, 0.1f, 2)]));

        var response = await loop.ReadAsync(["driver_hourly_stats:conv_rate"], 1010, 1011);
        Assert.Equal([0.3f, 0.4f], response.ToDictionary()["conv_rate"]);
    }

    [Fact]
    public async Task WriteToOnlineStore_UnknownView_IsNotFound()
    {
        await using var loop = await CreateAsync();

        await Assert.ThrowsAsync<FeatureViewNotFoundException>(() => loop.Store.WriteToOnlineStoreAsync("nope", Row(1, 0.1f, Now)));
    }

    [Fact]
    public async Task WriteToOfflineStore_WrongColumnSet_IsRejected()
    {
        await using var loop = await CreateAsync();
        var rows = FeatureRows.FromColumns(new Dictionary<string, IReadOnlyList<object?>>
        {
            ["driver_id"] = [1L], ["event_timestamp"] = [Now], ["conv_rate"] = [0.1f],
        });

        await Assert.ThrowsAnyAsync<FeastException>(() => loop.Store.WriteToOfflineStoreAsync("driver_hourly_stats", rows));
    }

    private static readonly OnDemandFeatureView Doubled = new("fresh_doubled", [Fresh], [new Field("conv_rate_doubled", FeastType.Float64)],
        transform: (Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>>)(inputs =>
            new Dictionary<string, object?> { ["conv_rate_doubled"] = inputs["conv_rate"] is float f ? f * 2.0 : null }),
        writeToOnlineStore: true, entities: [DriverEntity]);

    [Fact]
    public async Task Push_ComputesAndStoresWriteTimeOnDemandViews()
    {
        await using var loop = await CreateAsync("", Doubled);

        await loop.Store.PushAsync("driver_stats_push_source", Row(1005, 0.25f, Now));

        var response = await loop.ReadAsync(["fresh_doubled:conv_rate_doubled"], 1005, 1006);
        Assert.Equal([0.5, null], response.ToDictionary()["conv_rate_doubled"]);
        Assert.Equal([FeatureStatus.Present, FeatureStatus.NotFound], response["conv_rate_doubled"].Statuses);
        Assert.Equal(Now, response["conv_rate_doubled"].EventTimestamps[0]);
    }

    [Fact]
    public async Task WriteToOnlineStore_OnDemandView_TransformsOnWrite()
    {
        await using var loop = await CreateAsync("", Doubled);

        await loop.Store.WriteToOnlineStoreAsync("fresh_doubled", Row(1009, 1.5f, Now));

        var response = await loop.ReadAsync(["fresh_doubled:conv_rate_doubled"], 1009);
        Assert.Equal([3.0], response.ToDictionary()["conv_rate_doubled"]);
    }

    [Fact]
    public async Task TransformOnWriteFalse_StoresTheGivenOutputs_AndPushSkipsTheOnDemandView()
    {
        await using var loop = await CreateAsync("", Doubled);
        var given = FeatureRows.FromColumns(new Dictionary<string, IReadOnlyList<object?>>
        {
            ["driver_id"] = [1011L], ["event_timestamp"] = [Now], ["conv_rate_doubled"] = [7.0],
        });

        await loop.Store.WriteToOnlineStoreAsync("fresh_doubled", given, transformOnWrite: false);
        await loop.Store.PushAsync("driver_stats_push_source", Row(1012, 0.25f, Now), transformOnWrite: false);

        var response = await loop.ReadAsync(["fresh_doubled:conv_rate_doubled", "driver_hourly_stats_fresh:conv_rate"], 1011, 1012);
        Assert.Equal([7.0, null], response.ToDictionary()["conv_rate_doubled"]);
        Assert.Equal([null, 0.25f], response.ToDictionary()["conv_rate"]);
    }

    [Fact]
    public async Task TransformOnWriteFalse_WithoutTheOutputs_NamesThemAndWritesNothing()
    {
        await using var loop = await CreateAsync("", Doubled);

        var error = await Assert.ThrowsAsync<FeastValidationException>(() =>
            loop.Store.WriteToOnlineStoreAsync("fresh_doubled", Row(1013, 1.5f, Now), transformOnWrite: false));

        Assert.Contains("'conv_rate_doubled' is missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("transform_on_write", error.Message, StringComparison.Ordinal);
        var response = await loop.ReadAsync(["fresh_doubled:conv_rate_doubled"], 1013);
        Assert.Equal(FeatureStatus.NotFound, response["conv_rate_doubled"].Statuses[0]);
    }

    [Fact]
    public async Task WriteToOnlineStore_ReadTimeOnDemandView_IsRejected()
    {
        await using var loop = await CreateAsync();

        var error = await Assert.ThrowsAsync<FeastValidationException>(() => loop.Store.WriteToOnlineStoreAsync("transformed_conv_rate", Row(1, 0.1f, Now)));

        Assert.Contains("write_to_online_store is false", error.Message, StringComparison.Ordinal);
    }

    private sealed record Rec(long driver_id, DateTimeOffset event_timestamp, float conv_rate, float acc_rate, long avg_daily_trips);

    private static Apache.Arrow.RecordBatch EntityRowsFor(long driver, float conv) =>
        ((ArrowEntityData)EntityData.FromRows([new Dictionary<string, object?>
        {
            ["driver_id"] = driver, ["event_timestamp"] = Now, ["conv_rate"] = conv, ["acc_rate"] = 0.1f, ["avg_daily_trips"] = 1L,
        }])).Batches[0];
}
