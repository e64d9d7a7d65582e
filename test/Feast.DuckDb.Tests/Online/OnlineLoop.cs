using Feast.Configuration;
using Microsoft.Extensions.Time.Testing;
using static Feast.DuckDb.Tests.T;

namespace Feast.DuckDb.Tests.Online;

/// <summary>
/// A repo on disk with Feast's driver example (Parquet source, SQLite online store, file registry), applied from
/// objects, with a fake clock at <see cref="Now"/>.
/// </summary>
internal sealed class OnlineLoop : IAsyncDisposable
{
    /// <summary>The fake "now": one hour after the newest sample row.</summary>
    public static readonly DateTimeOffset Now = T0.AddHours(3);

    public static readonly Entity DriverEntity = new("driver", ["driver_id"], ValueType.Int64);

    public static readonly FileSource Source = new("data/driver_stats.parquet", "event_timestamp", name: "driver_stats_source", createdTimestampColumn: "created");

    public static readonly FeatureView Stats = new("driver_hourly_stats", Source, [DriverEntity], TimeSpan.FromDays(1),
        [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);

    public static readonly PushSource Push = new("driver_stats_push_source", Source);

    public static readonly FeatureView Fresh = new("driver_hourly_stats_fresh", Push, [DriverEntity], TimeSpan.FromDays(1),
        [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);

    public static readonly RequestSource Request = new("vals_to_add", [new Field("val_to_add", FeastType.Int64), new Field("val_to_add_2", FeastType.Int64)]);

    public static readonly OnDemandFeatureView Transformed = new("transformed_conv_rate", [Stats, Request],
        [new Field("conv_rate_plus_val1", FeastType.Float64), new Field("conv_rate_plus_val2", FeastType.Float64)],
        transform: (Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>>)Add);

    public static readonly FeatureService ServiceV1 = new("driver_activity_v1", [Stats.Select("conv_rate"), Transformed]);

    private OnlineLoop(StoreFixture files, FakeTimeProvider clock, FeatureStore store)
    {
        Files = files;
        Clock = clock;
        Store = store;
    }

    public StoreFixture Files { get; }

    public FakeTimeProvider Clock { get; }

    public FeatureStore Store { get; }

    public string OnlinePath => Files.PathOf("data/online.db");

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
    /// Creates the repo. Sample rows (driver, hours after T0, conv_rate, acc_rate, trips, created minutes after the event):
    /// 1001 at 0h and 2h; 1002 at 1h (twice, the later-created row wins); 1003 at −2 days (outside the 1-day ttl).
    /// </summary>
    public static async Task<OnlineLoop> CreateAsync(string extraOnlineYaml = "", params FeastObject[] extra)
    {
        var files = new StoreFixture();
        files.Write("data/driver_stats.parquet", $"""
            SELECT * FROM (VALUES
              (1001::BIGINT, {Ts(T0)}, 0.1::FLOAT, 0.5::FLOAT, 10::BIGINT, {Ts(T0.AddMinutes(1))}),
              (1001::BIGINT, {Ts(T0.AddHours(2))}, 0.2::FLOAT, 0.6::FLOAT, 20::BIGINT, {Ts(T0.AddHours(2).AddMinutes(1))}),
              (1002::BIGINT, {Ts(T0.AddHours(1))}, 0.3::FLOAT, 0.7::FLOAT, 30::BIGINT, {Ts(T0.AddHours(1).AddMinutes(1))}),
              (1002::BIGINT, {Ts(T0.AddHours(1))}, 0.4::FLOAT, 0.8::FLOAT, 40::BIGINT, {Ts(T0.AddHours(1).AddMinutes(2))}),
              (1003::BIGINT, {Ts(T0.AddDays(-2))}, 0.9::FLOAT, 0.9::FLOAT, 90::BIGINT, {Ts(T0.AddDays(-2))})
            ) t(driver_id, event_timestamp, conv_rate, acc_rate, avg_daily_trips, created)
            """);
        File.WriteAllText(files.PathOf("feature_store.yaml"), $"""
            project: loop
            registry: data/registry.db
            provider: local
            online_store:
              type: sqlite
              path: data/online.db
            {extraOnlineYaml}
            offline_store:
              type: duckdb
            entity_key_serialization_version: 3
            """);
        var clock = new FakeTimeProvider(Now);
        var store = FeatureStore.Open(files.Root, options: new FeatureStoreOptions { TimeProvider = clock }.UseDuckDb());
        await store.ApplyAsync([new Project("loop"), DriverEntity, Source, Push, Stats, Fresh, Request, Transformed, ServiceV1, .. extra]);
        return new OnlineLoop(files, clock, store);
    }

    public Task<Feast.Online.OnlineFeaturesResponse> ReadAsync(IEnumerable<string> features, params long[] drivers) =>
        Store.GetOnlineFeaturesAsync(features, drivers.Select(d => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = d }));

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await Files.DisposeAsync();
    }
}
