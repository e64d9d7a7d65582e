using System.Net;
using System.Text;

namespace Feast.Server.Tests;

/// <summary>The server on real sockets: HTTP/1.1 requests, limits enforced by Kestrel, registry refreshes under load, and shutdown.</summary>
public sealed class KestrelTests
{
    private const string ReadBody = """{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001, 1002]}}""";

    [Fact]
    public async Task Http_ReadPushRead_OverASocket()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var host = await TestHost.StartAsync(repo.Store, kestrel: true);

        var push = await host.PostAsync("/push", """
            {"push_source_name": "driver_stats_push_source",
             "df": {"driver_id": [1001], "event_timestamp": ["2021-04-12T13:00:00Z"], "conv_rate": [0.5], "acc_rate": [0.5], "avg_daily_trips": [5]}}
            """);
        var read = await host.PostAsync("/get-online-features", """{"features": ["driver_hourly_stats_fresh:conv_rate"], "entities": {"driver_id": [1001]}}""");

        Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        Assert.Equal(0.5, (await Answers.ColumnsAsync(read))["conv_rate"][0].GetDouble());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Http_BodyOverTheLimit_Is413(bool declaredLength)
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var host = await TestHost.StartAsync(repo.Store, kestrel: true, configure: o => o.MaxRequestBodyBytes = 1024);
        var ids = string.Join(", ", Enumerable.Range(1, 2000));
        var bytes = Encoding.UTF8.GetBytes($$$"""{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [{{{ids}}}]}}""");
        HttpContent content = declaredLength ? new ByteArrayContent(bytes) : new StreamContent(new MemoryStream(bytes));
        if (!declaredLength) content.Headers.ContentLength = null;

        var response = await host.Http.PostAsync("/get-online-features", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = await Answers.ErrorAsync(response);
        Assert.Equal("RequestBodyTooLargeException", error.Class);
        Assert.Contains("--max-request-bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegistryChangedByAnotherProcess_IsPickedUp_WithoutFailedRequests()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await repo.Store.MaterializeAsync(ServerRepo.T0.AddDays(-1), ServerRepo.Now);
        await using var host = await TestHost.StartAsync(repo.Store, kestrel: true, configure: o => o.RegistryRefreshInterval = TimeSpan.FromMilliseconds(100));
        using var stop = new CancellationTokenSource();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var served = 0;
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var response = await host.PostAsync("/get-online-features", ReadBody);
                if (response.StatusCode != HttpStatusCode.OK) failures.Enqueue(await response.Content.ReadAsStringAsync());
                Interlocked.Increment(ref served);
            }
        })).ToList();

        // Another process adds a view.
        var daily = new FeatureView("driver_daily_stats", ServerRepo.Source, [ServerRepo.Driver], TimeSpan.FromDays(1),
            [new Field("conv_rate", FeastType.Float32)]);
        await using (var other = repo.OpenAnother())
        {
            await other.ApplyAsync([.. ServerRepo.Objects, daily]);
            await other.MaterializeAsync(ServerRepo.T0.AddDays(-1), ServerRepo.Now, ["driver_daily_stats"]);
        }

        HttpResponseMessage? seen = null;
        for (var attempt = 0; attempt < 100 && seen?.StatusCode != HttpStatusCode.OK; attempt++)
        {
            await Task.Delay(50);
            seen = await host.PostAsync("/get-online-features", """{"features": ["driver_daily_stats:conv_rate"], "entities": {"driver_id": [1001]}}""");
        }
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(HttpStatusCode.OK, seen!.StatusCode);
        Assert.Equal(0.2, (await Answers.ColumnsAsync(seen))["conv_rate"][0].GetDouble(), 5);
        Assert.Empty(failures);
        Assert.True(served > 0);
    }

    [Fact]
    public async Task Shutdown_DrainsTheRequestInFlight()
    {
        await using var repo = await ServerRepo.CreateAsync(controlled: true);
        await repo.Store.MaterializeAsync(ServerRepo.T0.AddDays(-1), ServerRepo.Now);
        var host = await TestHost.StartAsync(repo.Store, kestrel: true);
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        repo.Online!.BeforeRead = async _ =>
        {
            reading.TrySetResult();
            await release.Task;
        };

        var stopBegun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStopping = host.App.Lifetime.ApplicationStopping.Register(() => stopBegun.TrySetResult());

        var inFlight = host.PostAsync("/get-online-features", ReadBody);
        await reading.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stopping = host.App.StopAsync();
        await stopBegun.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // The request is held by the hook, so neither can have finished yet; it is released only once stopping has begun,
        // so the 200 below proves the server answered a request that was in flight when it was told to stop.
        Assert.False(inFlight.IsCompleted);
        Assert.False(stopping.IsCompleted, "the server stopped before its request was answered");
        release.SetResult();

        var response = await inFlight.WaitAsync(TimeSpan.FromSeconds(10));
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0.2, (await Answers.ColumnsAsync(response))["conv_rate"][0].GetDouble(), 5);
        await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient().GetAsync(new Uri(host.HttpAddress, "/health")));
        await host.DisposeAsync();
    }
}
