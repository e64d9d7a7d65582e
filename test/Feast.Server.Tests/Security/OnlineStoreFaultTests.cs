using System.Net;
using Feast.Protos.Serving;
using Grpc.Core;

namespace Feast.Server.Tests.Security;

/// <summary>
/// Faults of the online store under a running server, over real sockets: its file deleted or replaced, an older row
/// arriving after a newer one, and requests larger than the server serves.
/// </summary>
public sealed class OnlineStoreFaultTests
{
    private const string ReadBody = """{"features": ["driver_hourly_stats:avg_daily_trips"], "entities": {"driver_id": [1001]}}""";

    private const string PushBody = """
        {"push_source_name": "driver_stats_push_source", "df": {"driver_id": [1001], "event_timestamp": ["2021-04-12T12:30:00Z"],
         "created": ["2021-04-12T12:30:00Z"], "conv_rate": [0.75], "acc_rate": [0.5], "avg_daily_trips": [7]}}
        """;

    private static void DeleteStoreFiles(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" }) File.Delete(file);
    }

    [Fact]
    public async Task StoreFileDeletedWhileServing_HealthSaysSo_AndPushCreatesNoEmptyFile()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await repo.Store.MaterializeAsync(ServerRepo.T0.AddDays(-1), ServerRepo.Now);
        await using var host = await TestHost.StartAsync(repo.Store, kestrel: true);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync("/get-online-features", ReadBody)).StatusCode);
        var path = repo.PathOf("data/online.db");

        DeleteStoreFiles(path);
        var health = await host.Http.GetAsync("/health");
        var ready = await host.Http.GetAsync("/healthz/ready");
        var push = await host.PostAsync("/push", PushBody);
        var read = await host.PostAsync("/get-online-features", ReadBody);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        // Readiness names the failing part to anyone, the reason (which holds the path) only to authenticated callers.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("online store", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.InternalServerError, push.StatusCode);
        Assert.Contains("was deleted while in use", (await Answers.ErrorAsync(push)).Message, StringComparison.Ordinal);
        // Reads no longer answer from the deleted copy either, and no empty file took its place.
        Assert.Equal(HttpStatusCode.InternalServerError, read.StatusCode);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task StoreFileReplacedWhileServing_HealthSaysSoOnce_ThenServesTheNewFile()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await repo.Store.MaterializeAsync(ServerRepo.T0.AddDays(-1), ServerRepo.Now);
        await using var host = await TestHost.StartAsync(repo.Store, kestrel: true);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync("/get-online-features", ReadBody)).StatusCode);
        var path = repo.PathOf("data/online.db");
        var copy = repo.PathOf("data/online-copy.db");
        await using (var other = new Online.SqliteOnlineStore(copy))
        {
            await other.UpdateAsync("loop", [ServerRepo.Stats, ServerRepo.Fresh], []);
            var row = new Online.OnlineWriteBatch(["avg_daily_trips"]);
            row.Add(Values.EntityKeySerializer.Serialize("driver_id", FeatureValue.FromInt64(1001)), [FeatureValue.FromInt64(777)], ServerRepo.T0);
            await other.WriteBatchAsync("loop", ServerRepo.Stats, row);
        }

        // A restored backup: the database file replaced by rename, the old one's WAL files removed.
        File.Move(copy, path, overwrite: true);
        foreach (var file in new[] { path + "-wal", path + "-shm" }) File.Delete(file);
        var first = await host.Http.GetAsync("/healthz/ready");
        var second = await host.Http.GetAsync("/healthz/ready");
        var read = await Answers.ColumnsAsync(await host.PostAsync("/get-online-features", ReadBody));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Contains("online store", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        // Read from the new file, not from the replaced one (which holds 20).
        Assert.Equal("777", read["avg_daily_trips"][0].GetRawText());
    }

    [Fact]
    public async Task MaterializingOlderRowsAfterAWrite_KeepsTheNewerValue()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var host = await TestHost.StartAsync(repo.Store, kestrel: true);
        var write = await host.PostAsync("/write-to-online-store", """
            {"feature_view_name": "driver_hourly_stats",
             "df": {"driver_id": [1001], "conv_rate": [0.9], "acc_rate": [0.9], "avg_daily_trips": [99],
                    "event_timestamp": ["2021-04-12 12:30:00"], "created": ["2021-04-12 12:30:00"]}}
            """);
        Assert.Equal(HttpStatusCode.OK, write.StatusCode);

        // The source's newest row for 1001 is 12:00 (20 trips): older than what was written.
        var materialize = await host.PostAsync("/materialize", """{"start_ts": "2021-04-11", "end_ts": "2021-04-12 13:00:00"}""");
        var read = await Answers.ColumnsAsync(await host.PostAsync("/get-online-features", ReadBody));

        Assert.Equal(HttpStatusCode.OK, materialize.StatusCode);
        Assert.Equal("99", read["avg_daily_trips"][0].GetRawText());
    }

    [Theory]
    [InlineData("""{"features": ["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate", "driver_hourly_stats:avg_daily_trips"], "entities": {"driver_id": [1001]}}""", "3 features, more than the 2")]
    [InlineData("""{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1, 2, 3, 4]}}""", "4 entity rows, more than the 3")]
    public async Task ReadLargerThanTheLimits_Is413_OverHttpAndGrpc(string body, string says)
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var host = await TestHost.StartAsync(repo.Store, kestrel: true, configure: o =>
        {
            o.MaxFeaturesPerRequest = 2;
            o.MaxEntityRowsPerRequest = 3;
        });
        var request = new GetOnlineFeaturesRequest { Features = new FeatureList() };
        var json = System.Text.Json.JsonDocument.Parse(body).RootElement;
        request.Features.Val.AddRange(json.GetProperty("features").EnumerateArray().Select(f => f.GetString()!));
        request.Entities["driver_id"] = new Protos.Types.RepeatedValue();
        request.Entities["driver_id"].Val.AddRange(json.GetProperty("entities").GetProperty("driver_id").EnumerateArray().Select(v => new Protos.Types.Value { Int64Val = v.GetInt64() }));

        var http = await host.PostAsync("/get-online-features", body);
        var grpc = await Assert.ThrowsAsync<RpcException>(() => host.Grpc.CreateCallInvoker().AsyncUnaryCall(PermissionServer.ReadMethod, null, new CallOptions(), request).ResponseAsync);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, http.StatusCode);
        Assert.Contains(says, (await Answers.ErrorAsync(http)).Message, StringComparison.Ordinal);
        Assert.Equal(StatusCode.ResourceExhausted, grpc.StatusCode);
        Assert.Contains(says, grpc.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultLimit_TenThousandAndOneFeatures_Is413()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var host = await TestHost.StartAsync(repo.Store, kestrel: true);
        var features = string.Join(", ", Enumerable.Range(0, 10_001).Select(i => $"\"driver_hourly_stats:f{i}\""));

        var response = await host.PostAsync("/get-online-features", $$$"""{"features": [{{{features}}}], "entities": {"driver_id": [1001]}}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("--max-features", (await Answers.ErrorAsync(response)).Message, StringComparison.Ordinal);
    }
}
