using System.Globalization;
using DuckDB.NET.Data;
using Feast.Configuration;
using Feast.Planning;
using Feast.DuckDb;
using Feast.Postgres;
using Feast.Redis;
using Npgsql;
using StackExchange.Redis;

namespace Feast.Orleans.Tests;

/// <summary>
/// A feature repo of its own project: two views over Parquet files written by DuckDB (DuckDB offline store), a Redis
/// (or Redis Cluster) online store, and <c>batch_engine: orleans</c> with Redis clustering under a cluster id of its
/// own, so tests never see each other's workers.
/// </summary>
internal sealed class TestRepo : IDisposable
{
    public const int Drivers = 20_000;
    public const int Customers = 5_000;
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset End = new(2026, 1, 3, 0, 0, 0, TimeSpan.Zero);

    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);
    private static readonly Entity Customer = new("customer", ["customer_id"], ValueType.String);

    private TestRepo(string path, string project, FeatureView stats, FeatureView profile)
    {
        Path = path;
        Project = project;
        Stats = stats;
        Profile = profile;
    }

    public FeatureView Stats { get; }

    public FeatureView Profile { get; }

    public string Path { get; }

    public string Project { get; }

    public static string RedisOnline => Environment.GetEnvironmentVariable("FEAST_TEST_REDIS_CLUSTER") is { Length: > 0 } cluster
        ? $"type: redis\n    redis_type: redis_cluster\n    connection_string: \"{cluster}\""
        : $"type: redis\n    connection_string: \"{RedisServer}\"";

    public static string RedisServer => Environment.GetEnvironmentVariable("FEAST_TEST_REDIS") is { Length: > 0 } redis
        ? redis
        : throw new InvalidOperationException("FEAST_TEST_REDIS is not set: run the tests with eng/test.sh, or `source eng/services.sh && start_test_services` first.");

    private static string OnlineConnection => Environment.GetEnvironmentVariable("FEAST_TEST_REDIS_CLUSTER") is { Length: > 0 } cluster ? cluster : RedisServer;

    /// <param name="postgres">Read the same kind of rows from PostgreSQL tables (FEAST_TEST_POSTGRES) instead of Parquet files.</param>
    public static async Task<TestRepo> CreateAsync(int shards = 6, int maxAttempts = 3, int taskTimeoutSeconds = 120, bool postgres = false)
    {
        var project = "orl" + Guid.NewGuid().ToString("N")[..10];
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "feast-orleans-tests", project);
        Directory.CreateDirectory(System.IO.Path.Combine(path, "data"));
        var repo = postgres
            ? new TestRepo(path, project, View(StatsView, new PostgreSQLSource("stats_source", table: "stats", timestampField: "ts", createdTimestampColumn: "created")),
                View(ProfileView, new PostgreSQLSource("profile_source", table: "profile", timestampField: "ts")))
            : new TestRepo(path, project, StatsView, ProfileView);
        repo.WriteYaml(shards, maxAttempts, taskTimeoutSeconds, postgres ? await PostgresTablesAsync(project) : "type: duckdb");
        if (!postgres) WriteParquet(path);
        await using var store = repo.Open();
        await store.ApplyAsync(new RepoDefinitions
        {
            Entities = [Driver, Customer],
            DataSources = [repo.Stats.BatchSource, repo.Profile.BatchSource],
            FeatureViews = [repo.Stats, repo.Profile],
        });
        return repo;
    }

    private static FeatureView View(FeatureView view, DataSource source) =>
        new(view.Name, source, [.. view.Entities.Select(e => e == "driver" ? Driver : Customer)], view.Ttl, [.. view.EntityColumns, .. view.Features]);

    /// <summary>The Parquet files' rows as PostgreSQL tables in a schema named after the project; the offline_store section.</summary>
    private static async Task<string> PostgresTablesAsync(string schema)
    {
        var connectionString = Environment.GetEnvironmentVariable("FEAST_TEST_POSTGRES") is { Length: > 0 } pg
            ? pg
            : throw new InvalidOperationException("FEAST_TEST_POSTGRES is not set: run the tests with eng/test.sh, or `source eng/services.sh && start_test_services` first.");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
                CREATE SCHEMA {schema};
                CREATE TABLE {schema}.stats AS
                  SELECT d::bigint AS driver_id, ((d * 7 + v) % 1000) / 10.0::double precision AS conv_rate, (d * 13 + v)::bigint AS trips, 'd' || d || 'v' || v AS label,
                         TIMESTAMPTZ '2026-01-01 00:00:00+00' + ((d % 1440) + CASE WHEN v = 2 THEN 0 ELSE v * 600 END) * INTERVAL '1 minute' AS ts,
                         TIMESTAMPTZ '2026-01-05 00:00:00+00' + v * INTERVAL '1 second' AS created
                  FROM generate_series(1, {Drivers}) d, generate_series(0, 2) v;
                CREATE TABLE {schema}.profile AS
                  SELECT 'c' || c AS customer_id, (c % 97 + v)::real AS score, TIMESTAMPTZ '2026-01-01 06:00:00+00' + (c % 600 + v * 120) * INTERVAL '1 minute' AS ts
                  FROM generate_series(1, {Customers}) c, generate_series(0, 1) v WHERE v <= c % 2;
                """);
            await command.ExecuteNonQueryAsync();
        }
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"type: postgres\n    host: {b.Host}\n    port: {b.Port}\n    database: {b.Database}\n    db_schema: {schema}\n    user: {b.Username}\n    password: \"{b.Password}\"\n    sslmode: disable";
    }

    private static FeatureView StatsView { get; } = new("driver_stats", new FileSource("data/stats.parquet", "ts", "stats_source", "created"), [Driver],
        TimeSpan.FromDays(3), [new("driver_id", FeastType.Int64), new("conv_rate", FeastType.Float64), new("trips", FeastType.Int64), new("label", FeastType.String)]);

    private static FeatureView ProfileView { get; } = new("customer_profile", new FileSource("data/profile.parquet", "ts", "profile_source"), [Customer],
        TimeSpan.FromDays(3), [new("customer_id", FeastType.String), new("score", FeastType.Float32)]);

    private void WriteYaml(int shards, int maxAttempts, int taskTimeoutSeconds, string offline) => File.WriteAllText(System.IO.Path.Combine(Path, "feature_store.yaml"), $"""
        project: {Project}
        registry: data/registry.db
        provider: local
        online_store:
            {RedisOnline}
        offline_store:
            {offline}
        entity_key_serialization_version: 3
        batch_engine:
            type: orleans
            clustering:
                type: redis
                connection_string: "{RedisServer}"
            cluster_id: {Project}
            shards: {shards}
            max_attempts: {maxAttempts}
            task_timeout_seconds: {taskTimeoutSeconds}
            connect_timeout_seconds: 5
        """);

    /// <summary>Two rows per driver (the later one wins, some ties told apart by created), one or two per customer.</summary>
    private static void WriteParquet(string repo)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        var data = System.IO.Path.Combine(repo, "data");
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
            COPY (
              SELECT d::BIGINT AS driver_id, (d * 7 + v) % 1000 / 10.0 AS conv_rate, (d * 13 + v)::BIGINT AS trips, 'd' || d || 'v' || v AS label,
                     TIMESTAMPTZ '2026-01-01 00:00:00+00' + INTERVAL (d % 1440 + CASE WHEN v = 2 THEN 0 ELSE v * 600 END) MINUTE AS ts,
                     TIMESTAMPTZ '2026-01-05 00:00:00+00' + INTERVAL (v) SECOND AS created
              FROM range(1, {Drivers + 1}) a(d), range(0, 3) b(v)
            ) TO '{data}/stats.parquet' (FORMAT parquet);
            COPY (
              SELECT 'c' || c AS customer_id, (c % 97 + v)::FLOAT AS score,
                     TIMESTAMPTZ '2026-01-01 06:00:00+00' + INTERVAL (c % 600 + v * 120) MINUTE AS ts
              FROM range(1, {Customers + 1}) a(c), range(0, 1 + (c % 2)::BIGINT) b(v)
            ) TO '{data}/profile.parquet' (FORMAT parquet);
            """);
        command.ExecuteNonQuery();
    }

    public FeatureStore Open(bool local = false)
    {
        var options = new FeatureStoreOptions { Backends = new FeastBackends().UseDuckDb().UseRedis().UsePostgres().UseOrleans() };
        var config = RepoConfigLoader.Load(Path, null, options.Backends);
        return new FeatureStore(local ? config with { BatchEngine = new BatchEngineConfig() } : config, options);
    }

    /// <summary>The local engine's online content for this repo (then cleared, for the engine under test).</summary>
    public async Task<IReadOnlyList<string>> LocalBaselineAsync()
    {
        await using (var store = Open(local: true))
            await store.MaterializeAsync(Start, End);
        var baseline = await DumpOnlineAsync();
        await ClearOnlineAsync();
        await ClearIntervalsAsync();
        return baseline;
    }

    /// <summary>Every Redis key of this project with every field and value, as sorted hex lines.</summary>
    public async Task<IReadOnlyList<string>> DumpOnlineAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(OnlineConnection);
        var lines = new List<string>();
        foreach (var key in await KeysAsync(redis))
        {
            var fields = await redis.GetDatabase().HashGetAllAsync(key);
            foreach (var field in fields)
                lines.Add($"{Convert.ToHexString((byte[])key!)} {Convert.ToHexString((byte[])field.Name!)} {Convert.ToHexString((byte[])field.Value!)}");
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    public async Task ClearOnlineAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(OnlineConnection);
        foreach (var key in await KeysAsync(redis)) await redis.GetDatabase().KeyDeleteAsync(key);
    }

    private async Task<List<RedisKey>> KeysAsync(ConnectionMultiplexer redis)
    {
        var keys = new List<RedisKey>();
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            if (server.IsReplica) continue;
            await foreach (var key in server.KeysAsync(pattern: "*" + Project)) keys.Add(key);
        }
        return keys;
    }

    /// <summary>The recorded intervals per view.</summary>
    public async Task<IReadOnlyDictionary<string, int>> IntervalsAsync()
    {
        await using var store = Open(local: true);
        var registry = await store.GetRegistryAsync(allowCache: false);
        return registry.FeatureViews.Values.ToDictionary(v => v.Name, v => v.MaterializationIntervals.Count);
    }

    private async Task ClearIntervalsAsync()
    {
        // A fresh registry: apply the same definitions again to a new file.
        File.Delete(System.IO.Path.Combine(Path, "data", "registry.db"));
        await using var store = Open(local: true);
        await store.ApplyAsync(new RepoDefinitions { Entities = [Driver, Customer], DataSources = [this.Stats.BatchSource, this.Profile.BatchSource], FeatureViews = [this.Stats, this.Profile] });
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
