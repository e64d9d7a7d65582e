using System.Globalization;
using System.Text;
using System.Text.Json;
using Feast.DuckDb;
using Feast.Online;
using Feast.Protos.Serving;
using Feast.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Feast.Redis.Tests;

/// <summary>
/// A repo with <c>online_store: {type: redis}</c> (single and cluster): apply, materialize from Parquet with DuckDB,
/// read online, push, read back, serve over HTTP, tear down.
/// </summary>
public sealed class EndToEndTests
{
    private static readonly DateTimeOffset T0 = new(2021, 4, 12, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = T0.AddHours(3);
    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);
    private static readonly FileSource Source = new("data/driver_stats.parquet", "event_timestamp", name: "driver_stats_source", createdTimestampColumn: "created");
    private static readonly FeatureView Stats = new("driver_hourly_stats", Source, [Driver], TimeSpan.FromDays(1),
        [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);
    private static readonly PushSource Push = new("driver_stats_push_source", Source);
    private static readonly FeatureView Fresh = new("driver_hourly_stats_fresh", Push, [Driver], TimeSpan.FromDays(1),
        [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);
    private static readonly string[] StatsFeatures = ["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"];

    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task ApplyMaterializePushRead_AgainstRealRedis(Shape shape)
    {
        await using var repo = await Repo.CreateAsync(shape);
        var store = repo.Store;

        var materialized = Assert.Single(await store.MaterializeAsync(T0.AddDays(-3), Now, ["driver_hourly_stats"]));
        Assert.Equal(3, materialized.Rows);

        var response = await repo.ReadAsync(StatsFeatures, 1001, 1002, 1003, 9999);
        Assert.Equal([0.2f, 0.4f, 0.9f, null], response.ToDictionary()["conv_rate"]);
        Assert.Equal([20L, 40L, 90L, null], response.ToDictionary()["avg_daily_trips"]);
        // 1003 is older than the view's ttl but still stored: PRESENT unless enforce_ttl; 9999 was never written.
        Assert.Equal([FeatureStatus.Present, FeatureStatus.Present, FeatureStatus.Present, FeatureStatus.NotFound], response["conv_rate"].Statuses);
        Assert.Equal([T0.AddHours(2), T0.AddHours(1), T0.AddDays(-2), DateTimeOffset.UnixEpoch], response["conv_rate"].EventTimestamps);

        await store.PushAsync("driver_stats_push_source", Row(1005, 0.75f, Now));
        await store.PushAsync("driver_stats_push_source", Row(1005, 0.5f, Now.AddHours(-1))); // older: Feast's Redis skips it
        var pushed = await repo.ReadAsync(["driver_hourly_stats_fresh:conv_rate", "driver_hourly_stats_fresh:avg_daily_trips"], 1005, 1001);
        Assert.Equal([0.75f, null], pushed.ToDictionary()["conv_rate"]);
        Assert.Equal([7L, null], pushed.ToDictionary()["avg_daily_trips"]);
        Assert.Equal(Now, pushed["conv_rate"].EventTimestamps[0]);

        // Both views of driver 1001/1005 in one request: one HMGET per driver, each view with its own values and statuses.
        var both = await store.GetOnlineFeaturesAsync(["driver_hourly_stats:conv_rate", "driver_hourly_stats_fresh:conv_rate"],
            new long[] { 1001, 1005 }.Select(d => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = d }), fullFeatureNames: true);
        Assert.Equal([0.2f, null], both.ToDictionary()["driver_hourly_stats__conv_rate"]);
        Assert.Equal([null, 0.75f], both.ToDictionary()["driver_hourly_stats_fresh__conv_rate"]);
        Assert.Equal([FeatureStatus.Present, FeatureStatus.NotFound], both["driver_hourly_stats__conv_rate"].Statuses);
        Assert.Equal([FeatureStatus.NotFound, FeatureStatus.Present], both["driver_hourly_stats_fresh__conv_rate"].Statuses);

        // Both views share driver 1001's hash; re-materializing is idempotent.
        await store.MaterializeAsync(T0.AddDays(-3), Now, ["driver_hourly_stats"]);
        Assert.Equal([0.2f], (await repo.ReadAsync(StatsFeatures, 1001)).ToDictionary()["conv_rate"]);

        await store.TeardownAsync();
        await using var check = Store(shape);
        var gone = await check.ReadAsync(repo.Project, Stats, [R.DriverKey(1001), R.DriverKey(1002)], ["conv_rate"]);
        Assert.False(gone.Found(0));
        Assert.False(gone.Found(1));
    }

    [Fact]
    public async Task FeatureServer_ServesAndAcceptsPushesOverHttp()
    {
        await using var repo = await Repo.CreateAsync(Shape.Cluster);
        await repo.Store.MaterializeAsync(T0.AddDays(-3), Now, ["driver_hourly_stats"]);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddFeast(o => o.Store = repo.Store);
        builder.WebHost.UseTestServer();
        await using var app = builder.Build();
        app.MapFeast();
        await app.StartAsync();
        using var http = app.GetTestServer().CreateClient();

        using var push = await http.PostAsync("/push", Json("""
            {"push_source_name": "driver_stats_push_source", "df": {"driver_id": [1007], "event_timestamp": ["2021-04-12T13:00:00Z"],
             "created": ["2021-04-12T13:00:00Z"], "conv_rate": [0.25], "acc_rate": [0.5], "avg_daily_trips": [3]}}
            """));
        Assert.True(push.IsSuccessStatusCode, await push.Content.ReadAsStringAsync());
        using var read = await http.PostAsync("/get-online-features", Json("""
            {"features": ["driver_hourly_stats:conv_rate", "driver_hourly_stats_fresh:avg_daily_trips"], "entities": {"driver_id": [1001, 1007, 9999]}}
            """));
        var body = await read.Content.ReadAsStringAsync();
        Assert.True(read.IsSuccessStatusCode, body);

        using var document = JsonDocument.Parse(body);
        var results = document.RootElement.GetProperty("results");
        Assert.Equal("[1001,1007,9999]", Compact(results[0].GetProperty("values")));
        Assert.Equal(0.2, results[1].GetProperty("values")[0].GetDouble(), 6);
        Assert.Equal(JsonValueKind.Null, results[1].GetProperty("values")[1].ValueKind);
        Assert.Equal("""["PRESENT","NOT_FOUND","NOT_FOUND"]""", Compact(results[1].GetProperty("statuses")));
        Assert.Equal("[null,3,null]", Compact(results[2].GetProperty("values")));
        Assert.Equal("""["NOT_FOUND","PRESENT","NOT_FOUND"]""", Compact(results[2].GetProperty("statuses")));
        await app.StopAsync();
        await repo.Store.TeardownAsync();
    }

    [Fact]
    public async Task RedisTypeWithoutUseRedis_IsAClearConfigError()
    {
        await using var repo = await Repo.CreateAsync(Shape.Single, apply: false);
        var error = Assert.ThrowsAny<FeastException>(() => FeatureStore.Open(repo.Root, options: new FeatureStoreOptions().UseDuckDb()));
        Assert.Contains("online store type 'redis' has no backend registered in this program", error.Message, StringComparison.Ordinal);
        Assert.Contains("Registered online store types: sqlite, remote.", error.Message, StringComparison.Ordinal);

        // A configuration loaded before any backend was known fails the same way when the store opens without Redis.
        var early = Feast.Configuration.RepoConfigLoader.Load(repo.Root);
        var late = Assert.ThrowsAny<FeastException>(() => { _ = new FeatureStore(early, new FeatureStoreOptions().UseDuckDb()); });
        Assert.Contains("online store type 'redis' has no backend registered in this program", late.Message, StringComparison.Ordinal);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Compact(JsonElement element) => JsonSerializer.Serialize(element);

    private static RedisOnlineStore Store(Shape shape) => R.Store(shape);

    private static FeatureRows Row(long driver, float conv, DateTimeOffset at) =>
        FeatureRows.FromColumns(new Dictionary<string, IReadOnlyList<object?>>
        {
            ["driver_id"] = [driver],
            ["event_timestamp"] = [at],
            ["created"] = [at],
            ["conv_rate"] = [conv],
            ["acc_rate"] = [0.5f],
            ["avg_daily_trips"] = [7L],
        });

    private static string Ts(DateTimeOffset value) =>
        "TIMESTAMPTZ '" + value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "+00'";

    /// <summary>A repo in a temporary directory with Feast's driver example and a Redis online store.</summary>
    private sealed class Repo : IAsyncDisposable
    {
        private Repo(string root, string project, FeatureStore? store)
        {
            Root = root;
            Project = project;
            _store = store;
        }

        private readonly FeatureStore? _store;

        public string Root { get; }

        public string Project { get; }

        public FeatureStore Store => _store ?? throw new InvalidOperationException("not opened");

        public static async Task<Repo> CreateAsync(Shape shape, bool apply = true)
        {
            var project = R.UniqueProject("e2e");
            var root = R.CreateRepo(project, shape, root => $"""
                SET TimeZone = 'UTC';
                COPY (SELECT * FROM (VALUES
                  (1001::BIGINT, {Ts(T0)}, 0.1::FLOAT, 0.5::FLOAT, 10::BIGINT, {Ts(T0.AddMinutes(1))}),
                  (1001::BIGINT, {Ts(T0.AddHours(2))}, 0.2::FLOAT, 0.6::FLOAT, 20::BIGINT, {Ts(T0.AddHours(2).AddMinutes(1))}),
                  (1002::BIGINT, {Ts(T0.AddHours(1))}, 0.3::FLOAT, 0.7::FLOAT, 30::BIGINT, {Ts(T0.AddHours(1).AddMinutes(1))}),
                  (1002::BIGINT, {Ts(T0.AddHours(1))}, 0.4::FLOAT, 0.8::FLOAT, 40::BIGINT, {Ts(T0.AddHours(1).AddMinutes(2))}),
                  (1003::BIGINT, {Ts(T0.AddDays(-2))}, 0.9::FLOAT, 0.9::FLOAT, 90::BIGINT, {Ts(T0.AddDays(-2))})
                ) t(driver_id, event_timestamp, conv_rate, acc_rate, avg_daily_trips, created))
                TO '{Path.Combine(root, "data", "driver_stats.parquet")}' (FORMAT parquet)
                """);
            if (!apply) return new Repo(root, project, null);
            var store = FeatureStore.Open(root, options: new FeatureStoreOptions { TimeProvider = new FakeTimeProvider(Now) }.UseDuckDb().UseRedis());
            await store.ApplyAsync([new Project(project), Driver, Source, Push, Stats, Fresh]);
            return new Repo(root, project, store);
        }

        public Task<OnlineFeaturesResponse> ReadAsync(IEnumerable<string> features, params long[] drivers) =>
            Store.GetOnlineFeaturesAsync(features, drivers.Select(d => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = d }));

        public async ValueTask DisposeAsync()
        {
            if (_store is not null) await _store.DisposeAsync();
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS temp cleaner.
            }
        }
    }
}
