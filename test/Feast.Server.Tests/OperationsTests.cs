using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Tests;

/// <summary>Health endpoints, metrics, the access log, and errors that are nobody's fault but the server's.</summary>
public sealed class OperationsTests
{
    private const string ReadBody = """{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001]}}""";

    [Fact]
    public async Task Health_RegistryLoadedAndStoreAnswering_Is200()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var host = await TestHost.StartAsync(repo.Store);

        var health = await host.Http.GetAsync("/health");
        var live = await host.Http.GetAsync("/healthz/live");
        var ready = await host.Http.GetAsync("/healthz/ready");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("\"status\":\"Healthy\"", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_OnlineStoreFailing_Is503_LiveStill200()
    {
        await using var repo = await ServerRepo.CreateAsync(controlled: true);
        await using var host = await TestHost.StartAsync(repo.Store);
        repo.Online!.BeforeRead = _ => throw new IOException("disk gone");

        var health = await host.Http.GetAsync("/health");
        var ready = await host.Http.GetAsync("/healthz/ready");
        var live = await host.Http.GetAsync("/healthz/live");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        // The reason may name a path or a host: it is logged, and the answer only says what failed.
        Assert.Contains("online store did not answer", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("disk gone", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Startup_RegistryNotARegistry_RefusesToStart_NamingIt()
    {
        var dir = TestFiles.PythonWrittenRepo();
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "registry.db"), "not a registry");

            var error = await Assert.ThrowsAsync<RegistryException>(async () => await (await TestHost.StartAsync(o => o.RepoPath = dir)).DisposeAsync());

            Assert.Contains(Path.Combine(dir, "registry.db"), error.Message, StringComparison.Ordinal);
        }
        finally
        {
            TestFiles.DeleteDirectory(dir);
        }
    }

    [Fact]
    public async Task UnexpectedError_Is500WithTheMessageOnly_NoStackTrace()
    {
        await using var repo = await ServerRepo.CreateAsync(controlled: true);
        var logs = new ListLoggerProvider();
        await using var host = await TestHost.StartAsync(repo.Store, logs: logs);
        repo.Online!.BeforeRead = _ => throw new InvalidOperationException("the store broke");

        var response = await host.PostAsync("/get-online-features", ReadBody);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal("\"Internal server error (InvalidOperationException): the store broke\"", body);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        // The stack trace goes to the server's log instead.
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Error && e.Exception is InvalidOperationException);
    }

    [Fact]
    public async Task AccessLog_OneLinePerRequest_OffWhenDisabled()
    {
        await using var repo = await ServerRepo.CreateAsync();
        var on = new ListLoggerProvider();
        var off = new ListLoggerProvider();
        await using (var host = await TestHost.StartAsync(repo.Store, logs: on))
        {
            await host.PostAsync("/get-online-features", ReadBody);
        }
        await using (var host = await TestHost.StartAsync(repo.Store, configure: o => o.AccessLog = false, logs: off))
        {
            await host.PostAsync("/get-online-features", ReadBody);
        }

        var line = Assert.Single(on.Entries, e => e.Category == "Feast.Server.AccessLog");
        Assert.Contains("\"POST /get-online-features HTTP/1.1\" 200", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(off.Entries, e => e.Category == "Feast.Server.AccessLog");
    }

    [Fact]
    public async Task Metrics_FeastNames_CountRequestsAndRows()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await repo.Store.MaterializeAsync(ServerRepo.T0.AddDays(-1), ServerRepo.Now);
        await using var host = await TestHost.StartAsync(repo.Store, configure: o => o.Metrics = true);
        await host.PostAsync("/get-online-features", """{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001, 1002]}}""");
        await host.PostAsync("/get-online-features", """{"features": ["nope:conv_rate"], "entities": {"driver_id": [1001]}}""");
        await host.PostAsync("/push", """{"push_source_name": "driver_stats_push_source", "df": {"driver_id": [1], "event_timestamp": ["2021-04-12T13:00:00Z"], "conv_rate": [1.0], "acc_rate": [1.0], "avg_daily_trips": [1]}}""");

        var response = await host.Http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains("feast_feature_server_request_total{endpoint=\"/get-online-features\",status=\"success\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("feast_feature_server_request_total{endpoint=\"/get-online-features\",status=\"error\"} 1\n", text, StringComparison.Ordinal);
        // Python Feast's labels: the served shape, empty when the request failed before it was known.
        Assert.Contains("feast_feature_server_request_latency_seconds_count{endpoint=\"/get-online-features\",feature_count=\"1\",feature_view_count=\"1\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("feast_feature_server_request_latency_seconds_count{endpoint=\"/get-online-features\",feature_count=\"\",feature_view_count=\"\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("feast_feature_server_online_store_read_duration_seconds_count ", text, StringComparison.Ordinal);
        Assert.Contains("feast_online_features_request_total 1\n", text, StringComparison.Ordinal);
        Assert.Contains("feast_online_features_entity_count_bucket{le=\"1\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("feast_online_features_entity_count_bucket{le=\"5\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("feast_push_request_total{push_source=\"driver_stats_push_source\",mode=\"online\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("feast_feature_freshness_seconds{feature_view=\"driver_hourly_stats\",project=\"loop\"} ", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE feast_feature_server_cpu_usage gauge", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_StoreInstruments_StatusesAndTransformations()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await repo.Store.MaterializeAsync(ServerRepo.T0.AddDays(-1), ServerRepo.Now);
        await using var host = await TestHost.StartAsync(repo.Store, configure: o => o.Metrics = true);
        // The server's warm-up read is a real read and is counted too: measure what the request adds.
        var before = await host.Http.GetStringAsync("/metrics");
        // 1001 is in the store, 9 is not: one present and one not-found value per feature.
        var ok = await host.PostAsync("/get-online-features", """
            {"features": ["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate", "transformed_conv_rate:conv_rate_plus_val1"],
             "entities": {"driver_id": [1001, 9], "val_to_add": [1, 2], "val_to_add_2": [10, 20]}}
            """);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        // Another store in the same process must not leak into this server's metrics.
        await using var other = await ServerRepo.CreateAsync();
        await other.Store.GetOnlineFeaturesAsync(["driver_hourly_stats:conv_rate"], [new Dictionary<string, object?> { ["driver_id"] = 1001L }]);

        var after = await host.Http.GetStringAsync("/metrics");

        long Added(string series) => Sample(after, series) - Sample(before, series);
        Assert.Equal(2, Added("feast_online_features_status_total{feature_view=\"driver_hourly_stats\",status=\"present\"}"));
        Assert.Equal(2, Added("feast_online_features_status_total{feature_view=\"driver_hourly_stats\",status=\"not_found\"}"));
        Assert.Equal(1, Added("feast_feature_server_online_store_read_duration_seconds_count"));
        Assert.Equal(1, Added("feast_feature_server_transformation_duration_seconds_count{odfv_name=\"transformed_conv_rate\",mode=\"csharp\"}"));
        Assert.Equal(1, Added("feast_feature_server_request_latency_seconds_count{endpoint=\"/get-online-features\",feature_count=\"3\",feature_view_count=\"2\"}"));
    }

    /// <summary>The value of one series in Prometheus text, 0 when absent.</summary>
    private static long Sample(string text, string series)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return long.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }

    [Fact]
    public async Task Metrics_OffByDefault_Is404()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var host = await TestHost.StartAsync(repo.Store);

        Assert.Equal(HttpStatusCode.NotFound, (await host.Http.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task AddFeast_NeitherRepoNorStore_FailsAtStartupSayingWhat()
    {
        var error = await Assert.ThrowsAsync<Configuration.FeastConfigException>(() => TestHost.StartAsync(_ => { }));

        Assert.Contains("RepoPath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Traces_OneSpanPerRequest_WithTheErrorClass()
    {
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == ServerTelemetry.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using var repo = await ServerRepo.CreateAsync();
        await using var host = await TestHost.StartAsync(repo.Store);

        await host.PostAsync("/get-online-features", """{"features": ["trace_me:conv_rate"], "entities": {"driver_id": [1001]}}""");

        var span = Assert.Single(spans, s => s.Status == System.Diagnostics.ActivityStatusCode.Error && (s.StatusDescription ?? "").Contains("trace_me", StringComparison.Ordinal));
        Assert.Equal("feast /get-online-features", span.DisplayName);
        Assert.Equal("FeatureViewNotFoundException", span.GetTagItem("feast.error_class"));
        Assert.Equal("loop", span.GetTagItem("feast.project"));
    }
}

/// <summary>Collects log entries in memory.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    public System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Entries.Enqueue((category, logLevel, formatter(state, exception), exception));
    }
}
