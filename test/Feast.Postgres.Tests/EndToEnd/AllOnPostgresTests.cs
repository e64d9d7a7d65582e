using Feast.Offline;
using Feast.Postgres.Offline;
using Feast.Postgres.Online;
using Feast.Postgres.Registry;
using Feast.Online;
using Feast.Protos.Serving;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Feast.Postgres.Tests.EndToEnd;

/// <summary>
/// A team's whole feature store on one PostgreSQL: the SQL registry, the offline data (a <see cref="PostgreSQLSource"/>
/// table) and the online store, through the public SDK only: apply → historical features → materialize → online read
/// → push online and offline → both paths see the push → teardown.
/// </summary>
public sealed class AllOnPostgresTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2021, 4, 12, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = T0.AddHours(3);

    private readonly string _project = PgTest.UniqueName("allpg");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "feast-pg-tests", Guid.NewGuid().ToString("N"));

    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);

    private static readonly PostgreSQLSource Source = new("driver_stats_source", table: "driver_stats", timestampField: "event_timestamp", createdTimestampColumn: "created");

    private static readonly FeatureView Stats = new("driver_hourly_stats", Source, [Driver], TimeSpan.FromDays(1),
        [new Field("conv_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);

    private static readonly PushSource Push = new("driver_stats_push_source", Source);

    private static readonly FeatureView Fresh = new("driver_hourly_stats_fresh", Push, [Driver], TimeSpan.FromDays(1),
        [new Field("conv_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        await PgTest.ExecuteAsync($"""
            CREATE SCHEMA "{_project}";
            CREATE TABLE "{_project}".driver_stats (driver_id BIGINT, event_timestamp TIMESTAMPTZ, created TIMESTAMPTZ, conv_rate REAL, avg_daily_trips BIGINT);
            INSERT INTO "{_project}".driver_stats VALUES
              (1001, '2021-04-12 10:00:00+00', '2021-04-12 10:01:00+00', 0.1, 10),
              (1001, '2021-04-12 12:00:00+00', '2021-04-12 12:01:00+00', 0.2, 20),
              (1002, '2021-04-12 11:00:00+00', '2021-04-12 11:01:00+00', 0.3, 30),
              (1002, '2021-04-12 11:00:00+00', '2021-04-12 11:02:00+00', 0.4, 40);
            """);
        var server = new NpgsqlConnectionStringBuilder(TestServers.ConnectionString);
        var connection = $"""
              host: {server.Host}
              port: {server.Port}
              database: {server.Database}
              db_schema: {_project}
              user: {server.Username}
              password: "{server.Password}"
              sslmode: disable
            """;
        File.WriteAllText(Path.Combine(_root, "feature_store.yaml"), $"""
            project: {_project}
            registry:
              registry_type: sql
              path: {PgTest.RegistryUrl(_project)}
            provider: local
            online_store:
              type: postgres
            {connection}
            offline_store:
              type: postgres
            {connection}
            entity_key_serialization_version: 3
            """);
    }

    public async Task DisposeAsync()
    {
        await PgTest.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{_project}\" CASCADE");
        Directory.Delete(_root, recursive: true);
    }

    private FeatureStore Open() =>
        FeatureStore.Open(_root, options: new FeatureStoreOptions { TimeProvider = new FakeTimeProvider(Now) }.UsePostgres());

    private static EntityData Entities(params (long Driver, DateTimeOffset At)[] rows) =>
        EntityData.FromRows(rows.Select(r => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = r.Driver, ["event_timestamp"] = r.At }));

    [Fact]
    public async Task RegistryOfflineAndOnline_AllOnOneServer()
    {
        await using (var store = Open())
        {
            Assert.IsType<PostgresRegistryStore>(store.RegistryStore);
            Assert.IsType<PostgresOnlineStore>(store.OnlineStore);
            Assert.IsType<PostgresOfflineStore>(store.OfflineStore);
            await store.ApplyAsync([new Project(_project), Driver, Source, Push, Stats, Fresh]);

            // Training data: the point-in-time join runs in PostgreSQL (1002 at 11:00 takes the later-created row).
            var job = await store.GetHistoricalFeaturesAsync(Entities((1001, T0.AddHours(1)), (1002, T0.AddHours(1)), (1001, T0.AddMinutes(-1))),
                ["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"]);
            var table = (await job.ToDataFrameAsync()).Rows.Select(r => (r["driver_id"], r["conv_rate"], r["avg_daily_trips"])).ToList();
            Assert.Equal([(1001L, 0.1f, 10L), (1002L, 0.4f, 40L), (1001L, null, null)], table.Select(t => ((long)t.Item1!, (float?)t.Item2, (long?)t.Item3)).ToList());

            var done = await store.MaterializeAsync(T0.AddDays(-1), Now, ["driver_hourly_stats"]);
            Assert.Equal(2, Assert.Single(done).Rows);
        }

        // Another process: the registry, the online values and the offline rows all come from PostgreSQL.
        await using (var store = Open())
        {
            var online = await store.GetOnlineFeaturesAsync(["driver_hourly_stats:conv_rate"],
                [new Dictionary<string, object?> { ["driver_id"] = 1001L }, new Dictionary<string, object?> { ["driver_id"] = 1002L }]);
            Assert.Equal([0.2f, 0.4f], online.ToDictionary()["conv_rate"]);
            Assert.Equal([FeatureStatus.Present, FeatureStatus.Present], online["conv_rate"].Statuses);

            await store.PushAsync("driver_stats_push_source", FeatureRows.FromColumns(new Dictionary<string, IReadOnlyList<object?>>
            {
                ["driver_id"] = [1003L], ["event_timestamp"] = [Now], ["created"] = [Now], ["conv_rate"] = [0.93f], ["avg_daily_trips"] = [9L],
            }), PushMode.OnlineAndOffline);

            var pushed = await store.GetOnlineFeaturesAsync(["driver_hourly_stats_fresh:conv_rate"], [new Dictionary<string, object?> { ["driver_id"] = 1003L }]);
            Assert.Equal([0.93f], pushed.ToDictionary()["conv_rate"]);
            var history = await store.GetHistoricalFeaturesAsync(Entities((1003, Now)), ["driver_hourly_stats:conv_rate"]);
            Assert.Equal(0.93f, (float?)(await history.ToDataFrameAsync()).Rows[0]["conv_rate"]);
            Assert.Equal(5L, await PgTest.ScalarAsync<long>($"SELECT count(*) FROM \"{_project}\".driver_stats"));

            await store.TeardownAsync();
        }
        Assert.Equal(0L, await PgTest.ScalarAsync<long>($"SELECT count(*) FROM \"{_project}\".feature_views"));
    }
}
