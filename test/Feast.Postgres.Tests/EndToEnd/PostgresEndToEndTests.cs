using DuckDB.NET.Data;
using Feast.DuckDb;
using Feast.Postgres.Online;
using Feast.Postgres.Registry;
using Feast.Online;
using Feast.Protos.Serving;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Feast.Postgres.Tests.EndToEnd;

/// <summary>
/// A feature repo with its registry (registry_type: sql, postgresql://…) and online store on PostgreSQL and its offline
/// data in Parquet (DuckDB): apply → materialize → read online → push → read back → teardown.
/// </summary>
public sealed class PostgresEndToEndTests : IAsyncLifetime
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

    private readonly string _project = PgTest.UniqueName("e2e");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "feast-pg-tests", Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_root, "data"));
        static string Ts(DateTimeOffset t) => $"TIMESTAMPTZ '{t.UtcDateTime:yyyy-MM-dd HH:mm:ss}+00'";
        using var duck = new DuckDBConnection("DataSource=:memory:");
        duck.Open();
        using var command = duck.CreateCommand();
        command.CommandText = $"""
            SET TimeZone = 'UTC';
            COPY (SELECT * FROM (VALUES
              (1001::BIGINT, {Ts(T0)}, 0.1::FLOAT, 0.5::FLOAT, 10::BIGINT, {Ts(T0.AddMinutes(1))}),
              (1001::BIGINT, {Ts(T0.AddHours(2))}, 0.2::FLOAT, 0.6::FLOAT, 20::BIGINT, {Ts(T0.AddHours(2).AddMinutes(1))}),
              (1002::BIGINT, {Ts(T0.AddHours(1))}, 0.3::FLOAT, 0.7::FLOAT, 30::BIGINT, {Ts(T0.AddHours(1).AddMinutes(1))}),
              (1002::BIGINT, {Ts(T0.AddHours(1))}, 0.4::FLOAT, 0.8::FLOAT, 40::BIGINT, {Ts(T0.AddHours(1).AddMinutes(2))})
            ) t(driver_id, event_timestamp, conv_rate, acc_rate, avg_daily_trips, created)) TO '{Path.Combine(_root, "data", "driver_stats.parquet")}' (FORMAT parquet)
            """;
        command.ExecuteNonQuery();
        var server = new NpgsqlConnectionStringBuilder(TestServers.ConnectionString);
        const string passwordReference = "${E2E_PG_PASSWORD}"; // expanded from the environment when the yaml is loaded
        File.WriteAllText(Path.Combine(_root, "feature_store.yaml"), $"""
            project: {_project}
            registry:
              registry_type: sql
              path: {PgTest.RegistryUrl(_project)}
            provider: local
            online_store:
              type: postgres
              host: {server.Host}
              port: {server.Port}
              database: {server.Database}
              db_schema: {_project}
              user: {server.Username}
              password: {passwordReference}
              sslmode: disable
            offline_store:
              type: duckdb
            entity_key_serialization_version: 3
            """);
        Environment.SetEnvironmentVariable("E2E_PG_PASSWORD", server.Password ?? "");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await PgTest.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{_project}\" CASCADE");
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private FeatureStore Open(FakeTimeProvider clock) =>
        FeatureStore.Open(_root, options: new FeatureStoreOptions { TimeProvider = clock }.UseDuckDb().UsePostgres());

    private static Task<Feast.Online.OnlineFeaturesResponse> ReadAsync(FeatureStore store, IEnumerable<string> features, params long[] drivers) =>
        store.GetOnlineFeaturesAsync(features, drivers.Select(d => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = d }));

    [Fact]
    public async Task ApplyMaterializeReadPushReadTeardown_AllOnPostgres()
    {
        var clock = new FakeTimeProvider(Now);
        await using (var store = Open(clock))
        {
            Assert.IsType<PostgresRegistryStore>(store.RegistryStore);
            Assert.IsType<PostgresOnlineStore>(store.OnlineStore);

            await store.ApplyAsync([new Project(_project), Driver, Source, Push, Stats, Fresh]);
            var tables = await PgTest.QueryAsync("SELECT table_name::text FROM information_schema.tables WHERE table_schema = @s ORDER BY 1", ("s", _project));
            Assert.Contains([$"{_project}_driver_hourly_stats"], tables);
            Assert.Contains([$"{_project}_driver_hourly_stats_fresh"], tables);
            Assert.Contains(["feature_views"], tables);

            var results = await store.MaterializeAsync(T0.AddDays(-1), Now, ["driver_hourly_stats"]);
            Assert.Equal(2, Assert.Single(results).Rows);
        }

        // A second process: everything comes from PostgreSQL.
        await using (var store = Open(clock))
        {
            var response = await ReadAsync(store, ["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"], 1001, 1002, 9999);
            Assert.Equal([0.2f, 0.4f, null], response.ToDictionary()["conv_rate"]);
            Assert.Equal([20L, 40L, null], response.ToDictionary()["avg_daily_trips"]);
            Assert.Equal([FeatureStatus.Present, FeatureStatus.Present, FeatureStatus.NotFound], response["conv_rate"].Statuses);
            Assert.Equal([T0.AddHours(2), T0.AddHours(1), DateTimeOffset.UnixEpoch], response["conv_rate"].EventTimestamps);
            var interval = Assert.Single((await store.GetRegistryAsync(allowCache: false)).FeatureViews["driver_hourly_stats"].MaterializationIntervals);
            Assert.Equal((T0.AddDays(-1), Now), (interval.Start, interval.End));

            await store.PushAsync("driver_stats_push_source", FeatureRows.FromColumns(new Dictionary<string, IReadOnlyList<object?>>
            {
                ["driver_id"] = [1001L, 1003L],
                ["event_timestamp"] = [Now, Now],
                ["conv_rate"] = [0.91f, 0.93f],
                ["acc_rate"] = [0.5f, 0.6f],
                ["avg_daily_trips"] = [7L, 9L],
            }), PushMode.Online);

            var pushed = await ReadAsync(store, ["driver_hourly_stats_fresh:conv_rate", "driver_hourly_stats_fresh:avg_daily_trips"], 1001, 1003, 1002);
            Assert.Equal([0.91f, 0.93f, null], pushed.ToDictionary()["conv_rate"]);
            Assert.Equal([7L, 9L, null], pushed.ToDictionary()["avg_daily_trips"]);

            await store.TeardownAsync();
        }

        var left = await PgTest.QueryAsync("SELECT table_name::text FROM information_schema.tables WHERE table_schema = @s AND table_name LIKE @p", ("s", _project), ("p", _project + "%"));
        Assert.Empty(left);
        Assert.Equal(0L, await PgTest.ScalarAsync<long>($"SELECT count(*) FROM \"{_project}\".feature_views"));
    }
}
