using Npgsql;

namespace Feast.Postgres.Tests.Registry;

/// <summary><see cref="FeatureStore.DeleteObjectAsync(string, CancellationToken)"/> (<c>feast delete</c>) on the PostgreSQL registry and online store.</summary>
public sealed class PostgresDeleteTests : IAsyncLifetime
{
    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);
    private static readonly FileSource Source = new("data/driver_stats.parquet", "event_timestamp", name: "driver_stats_source");
    private static readonly FeatureView Stats = new("driver_hourly_stats", Source, [Driver], TimeSpan.FromDays(1), [new Field("conv_rate", FeastType.Float32)]);
    private static readonly FeatureService Service = new("driver_activity", [Stats.Select("conv_rate")]);

    private readonly string _project = PgTest.UniqueName("del");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "feast-pg-tests", Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        await PgTest.ExecuteAsync($"CREATE SCHEMA \"{_project}\"");
        var server = new NpgsqlConnectionStringBuilder(TestServers.ConnectionString);
        File.WriteAllText(Path.Combine(_root, "feature_store.yaml"), $"""
            project: {_project}
            registry:
              registry_type: sql
              path: {PgTest.RegistryUrl(_project, driver: "+psycopg")}
            provider: local
            online_store:
              type: postgres
              host: {server.Host}
              port: {server.Port}
              database: {server.Database}
              db_schema: {_project}
              user: {server.Username}
              password: "{server.Password}"
              sslmode: disable
            entity_key_serialization_version: 3
            """);
    }

    public async Task DisposeAsync()
    {
        await PgTest.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{_project}\" CASCADE");
        Directory.Delete(_root, recursive: true);
    }

    private FeatureStore Open() => FeatureStore.Open(_root, options: new FeatureStoreOptions().UsePostgres());

    private Task<long> OnlineTablesAsync() => PgTest.ScalarAsync<long>(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = @schema AND table_name LIKE '%driver_hourly_stats%'", ("schema", _project));

    [Fact]
    public async Task DeleteObjectAsync_PostgresRegistry_RefusesObjectsInUseThenDeletesTheViewAndItsOnlineTable()
    {
        await using (var store = Open())
            await store.ApplyAsync([Driver, Source, Stats, Service]);
        Assert.Equal(1L, await OnlineTablesAsync());

        await using (var store = Open())
        {
            var inUse = await Assert.ThrowsAsync<ObjectInUseException>(() => store.DeleteObjectAsync("driver_hourly_stats"));
            Assert.Equal(["FeatureService driver_activity"], inUse.Users);
            Assert.Equal(1L, await PgTest.ScalarAsync<long>($"SELECT count(*) FROM \"{_project}\".feature_views"));

            Assert.Equal("FeatureService", (await store.DeleteObjectAsync("driver_activity")).Kind);
            var view = await store.DeleteObjectAsync("driver_hourly_stats");
            Assert.Equal("FeatureView", view.Kind);
            Assert.Equal(["driver_hourly_stats"], view.OnlineViews.Select(v => v.Name));
        }

        Assert.Equal(0L, await PgTest.ScalarAsync<long>($"SELECT count(*) FROM \"{_project}\".feature_views"));
        Assert.Equal(0L, await PgTest.ScalarAsync<long>($"SELECT count(*) FROM \"{_project}\".feature_services"));
        Assert.Equal(0L, await OnlineTablesAsync());
        await using (var store = Open())
        {
            var missing = await Assert.ThrowsAsync<ObjectNameNotFoundException>(() => store.DeleteObjectAsync("driver_hourly_stat"));
            Assert.Null(missing.Suggestion); // the view is gone; nothing of a close name is left
            Assert.Equal(["driver"], (await store.GetRegistryAsync(allowCache: false)).Entities.Keys.Where(k => k != Entity.DummyName));
        }
    }
}
