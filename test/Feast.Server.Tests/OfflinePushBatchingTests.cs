using System.Net;
using DuckDB.NET.Data;
using Feast.Configuration;
using Feast.DuckDb;

namespace Feast.Server.Tests;

/// <summary>
/// Feast's offline push batching: with <c>feature_server.offline_push_batching_enabled</c>, <c>/push</c> answers 202 and the
/// offline rows reach the batch source in one write when the batch is full, when the interval passes, or when the server stops.
/// </summary>
public sealed class OfflinePushBatchingTests
{
    private static string Rows(int first, int count) =>
        "{\"driver_id\": [" + string.Join(", ", Enumerable.Range(first, count)) + "], "
        + "\"event_timestamp\": [" + string.Join(", ", Enumerable.Repeat("\"2021-04-12T13:00:00Z\"", count)) + "], "
        + "\"created\": [" + string.Join(", ", Enumerable.Repeat("\"2021-04-12T13:00:00Z\"", count)) + "], "
        + "\"conv_rate\": [" + string.Join(", ", Enumerable.Repeat("0.5", count)) + "], "
        + "\"acc_rate\": [" + string.Join(", ", Enumerable.Repeat("0.5", count)) + "], "
        + "\"avg_daily_trips\": [" + string.Join(", ", Enumerable.Repeat("1", count)) + "]}";

    private static string Push(string to, int first, int count) =>
        "{\"push_source_name\": \"driver_stats_push_source\", \"to\": \"" + to + "\", \"df\": " + Rows(first, count) + "}";

    private static FeatureStore Batching(ServerRepo repo, int size, int seconds) => new(
        repo.Store.Config with
        {
            FeatureServer = new LocalFeatureServerConfig
            {
                OfflinePushBatchingEnabled = true, OfflinePushBatchingBatchSize = size, OfflinePushBatchingBatchIntervalSeconds = seconds,
            },
        },
        new FeatureStoreOptions().UseDuckDb());

    /// <summary>Rows of the push source's batch source with a driver id at or above <paramref name="from"/>.</summary>
    private static long OfflineRows(ServerRepo repo, long from)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        var path = Path.Combine(repo.Root, "data", "driver_stats.parquet");
        command.CommandText = $"SELECT count(*) FROM read_parquet('{path}') WHERE driver_id >= {from}";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<long> WaitForRowsAsync(ServerRepo repo, long from, long expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        long rows;
        while ((rows = OfflineRows(repo, from)) < expected && DateTime.UtcNow < deadline) await Task.Delay(50);
        return rows;
    }

    [Fact]
    public async Task FullBatch_IsWrittenAtOnce_AsOneAppend()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var store = Batching(repo, size: 4, seconds: 3600);
        await using var host = await TestHost.StartAsync(store);

        var first = await host.PostAsync("/push", Push("offline", 5000, 2));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("", await first.Content.ReadAsStringAsync());
        Assert.Equal(0, OfflineRows(repo, 5000));

        Assert.Equal(HttpStatusCode.Accepted, (await host.PostAsync("/push", Push("offline", 5002, 2))).StatusCode);

        Assert.Equal(4, await WaitForRowsAsync(repo, 5000, 4));
    }

    [Fact]
    public async Task SmallBatch_IsWrittenWhenTheIntervalPasses()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var store = Batching(repo, size: 1000, seconds: 1);
        await using var host = await TestHost.StartAsync(store);

        Assert.Equal(HttpStatusCode.Accepted, (await host.PostAsync("/push", Push("offline", 6000, 1))).StatusCode);

        Assert.Equal(1, await WaitForRowsAsync(repo, 6000, 1));
    }

    [Fact]
    public async Task Stopping_WritesWhatIsBuffered()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var store = Batching(repo, size: 1000, seconds: 3600);
        var host = await TestHost.StartAsync(store);
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostAsync("/push", Push("offline", 7000, 3))).StatusCode);
        Assert.Equal(0, OfflineRows(repo, 7000));

        await host.DisposeAsync();

        Assert.Equal(3, OfflineRows(repo, 7000));
    }

    [Fact]
    public async Task OnlineAndOffline_OnlinePartIsReadableAtOnce()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var store = Batching(repo, size: 1000, seconds: 3600);
        await using var host = await TestHost.StartAsync(store);

        Assert.Equal(HttpStatusCode.Accepted, (await host.PostAsync("/push", Push("online_and_offline", 8000, 1))).StatusCode);

        var read = await store.GetOnlineFeaturesAsync(["driver_hourly_stats_fresh:conv_rate"], [new Dictionary<string, object?> { ["driver_id"] = 8000L }]);
        Assert.Equal(0.5f, read.ToDictionary()["conv_rate"][0]);
        Assert.Equal(0, OfflineRows(repo, 8000));
    }

    [Fact]
    public async Task OnlineOnly_IsNotBatched_UnknownSource_Is422()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var store = Batching(repo, size: 1000, seconds: 3600);
        await using var host = await TestHost.StartAsync(store);

        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync("/push", Push("online", 9000, 1))).StatusCode);
        var unknown = await host.PostAsync("/push", Push("offline", 9001, 1).Replace("driver_stats_push_source", "nope", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
    }
}
