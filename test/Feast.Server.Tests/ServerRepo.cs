using DuckDB.NET.Data;
using Feast.Configuration;
using Feast.DuckDb;
using Microsoft.Extensions.Time.Testing;

namespace Feast.Server.Tests;

/// <summary>
/// A feature repo on disk with Feast's driver example (Parquet source, SQLite online store, file registry), applied
/// from objects: a batch view, a pushable view, an on-demand view with request data, and a feature service. The store's
/// clock is fake, at <see cref="Now"/>; its registry cache never expires, as the server wants.
/// </summary>
internal sealed class ServerRepo : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2021, 4, 12, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The store's "now": one hour after the newest sample row.</summary>
    public static readonly DateTimeOffset Now = T0.AddHours(3);

    public static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);

    public static readonly FileSource Source = new("data/driver_stats.parquet", "event_timestamp", name: "driver_stats_source", createdTimestampColumn: "created");

    public static readonly FeatureView Stats = new("driver_hourly_stats", Source, [Driver], TimeSpan.FromDays(1),
        [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);

    public static readonly PushSource Push = new("driver_stats_push_source", Source);

    public static readonly FeatureView Fresh = new("driver_hourly_stats_fresh", Push, [Driver], TimeSpan.FromDays(1),
        [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);

    public static readonly RequestSource Request = new("vals_to_add", [new Field("val_to_add", FeastType.Int64), new Field("val_to_add_2", FeastType.Int64)]);

    public static readonly OnDemandFeatureView Transformed = new("transformed_conv_rate", [Stats, Request],
        [new Field("conv_rate_plus_val1", FeastType.Float64), new Field("conv_rate_plus_val2", FeastType.Float64)],
        transform: (Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>>)Add);

    public static readonly FeatureService ServiceV1 = new("driver_activity_v1", [Stats.Select("conv_rate"), Transformed]);

    public static FeastObject[] Objects => [new Project("loop"), Driver, Source, Push, Stats, Fresh, Request, Transformed, ServiceV1];

    private ServerRepo(string root, FakeTimeProvider clock, FeatureStore store, ControlledOnlineStore? online)
    {
        Root = root;
        Clock = clock;
        Store = store;
        Online = online;
    }

    /// <summary>The store's online store when created with <c>controlled: true</c>: SQLite with a hook before reads.</summary>
    public ControlledOnlineStore? Online { get; }

    public string Root { get; }

    public FakeTimeProvider Clock { get; }

    /// <summary>The store the server serves (the one that applied the definitions, so it knows the on-demand view's delegate).</summary>
    public FeatureStore Store { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public static IReadOnlyDictionary<string, object?> Add(IReadOnlyDictionary<string, object?> inputs)
    {
        static double? D(object? v) => v is null ? null : Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture);
        return new Dictionary<string, object?>
        {
            ["conv_rate_plus_val1"] = D(inputs["conv_rate"]) + D(inputs["val_to_add"]),
            ["conv_rate_plus_val2"] = D(inputs["conv_rate"]) + D(inputs["val_to_add_2"]),
        };
    }

    /// <summary>
    /// Creates the repo and applies the definitions. Sample rows (driver, hours after T0, conv_rate, acc_rate, trips):
    /// 1001 at 0h (0.1, 0.5, 10) and 2h (0.2, 0.6, 20); 1002 at 1h (0.4, 0.8, 40).
    /// </summary>
    public static async Task<ServerRepo> CreateAsync(bool controlled = false)
    {
        var root = Path.Combine(Path.GetTempPath(), "feast-server-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "data"));
        WriteParquet(Path.Combine(root, "data", "driver_stats.parquet"));
        File.WriteAllText(Path.Combine(root, "feature_store.yaml"), """
            project: loop
            registry: data/registry.db
            provider: local
            online_store:
              type: sqlite
              path: data/online.db
            offline_store:
              type: duckdb
            entity_key_serialization_version: 3
            """);
        var clock = new FakeTimeProvider(Now);
        var online = controlled ? new ControlledOnlineStore(Path.Combine(root, "data", "online.db")) : null;
        var store = Open(root, clock, online);
        await store.ApplyAsync(Objects);
        return new ServerRepo(root, clock, store, online);
    }

    /// <summary>Another store on the same repo, as another process would open it.</summary>
    public FeatureStore OpenAnother() => Open(Root, Clock, null);

    private static FeatureStore Open(string root, TimeProvider clock, ControlledOnlineStore? online)
    {
        var config = RepoConfigLoader.Load(root);
        config = config with { Registry = config.Registry with { CacheTtlSeconds = 0 } };
        return new FeatureStore(config, new FeatureStoreOptions { TimeProvider = clock, OnlineStore = online }.UseDuckDb());
    }

    private static void WriteParquet(string path)
    {
        static string Ts(DateTimeOffset value) =>
            "TIMESTAMPTZ '" + value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + "+00'";
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SET TimeZone = 'UTC';
            COPY (SELECT * FROM (VALUES
              (1001::BIGINT, {Ts(T0)}, 0.1::FLOAT, 0.5::FLOAT, 10::BIGINT, {Ts(T0.AddMinutes(1))}),
              (1001::BIGINT, {Ts(T0.AddHours(2))}, 0.2::FLOAT, 0.6::FLOAT, 20::BIGINT, {Ts(T0.AddHours(2).AddMinutes(1))}),
              (1002::BIGINT, {Ts(T0.AddHours(1))}, 0.4::FLOAT, 0.8::FLOAT, 40::BIGINT, {Ts(T0.AddHours(1).AddMinutes(1))})
            ) t(driver_id, event_timestamp, conv_rate, acc_rate, avg_daily_trips, created)) TO '{path.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet)
            """;
        command.ExecuteNonQuery();
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        TestFiles.DeleteDirectory(Root);
    }
}

/// <summary>Fixture files and throwaway directories.</summary>
internal static class TestFiles
{
    private static string FixturesDir { get; } = Path.Combine(AppContext.BaseDirectory, "testdata");

    public static string FeastRegistryDb => Path.Combine(FixturesDir, "feast_registry", "registry.db");

    public static string FeastOnlineStoreDb => Path.Combine(FixturesDir, "feast_online_sqlite", "online_store.db");

    public static string FeastOnlineFixture => Path.Combine(FixturesDir, "feast_online_sqlite", "get_online_features.json");

    public static string NewDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "feast-server-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A repo holding the registry and online store Python Feast wrote (project my_project).</summary>
    public static string PythonWrittenRepo()
    {
        var dir = NewDirectory();
        File.Copy(FeastRegistryDb, Path.Combine(dir, "registry.db"));
        File.Copy(FeastOnlineStoreDb, Path.Combine(dir, "online_store.db"));
        foreach (var file in Directory.GetFiles(dir)) File.SetAttributes(file, FileAttributes.Normal);
        File.WriteAllText(Path.Combine(dir, "feature_store.yaml"), """
            project: my_project
            registry: registry.db
            provider: local
            online_store:
              type: sqlite
              path: online_store.db
            entity_key_serialization_version: 3
            """);
        return dir;
    }

    public static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a finalizer-bound handle; the OS temp cleaner takes it.
        }
    }
}
