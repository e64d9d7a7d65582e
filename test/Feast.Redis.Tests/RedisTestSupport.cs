using Feast.Configuration;
using Feast.Online;
using Feast.Protos.Types;
using Feast.Values;
using StackExchange.Redis;
using RedisType = Feast.Redis.RedisType;

namespace Feast.Redis.Tests;

/// <summary>The two deployment shapes every store-level test runs against.</summary>
public enum Shape
{
    Single,
    Cluster,
}

/// <summary>Stores, raw connections and data for the tests.</summary>
internal static class R
{
    public static readonly DateTimeOffset T0 = new(2025, 11, 24, 16, 0, 0, TimeSpan.Zero);

    public static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);

    public static readonly FileSource Source = new("data/driver_stats.parquet", "event_timestamp", name: "driver_stats_source");

    public static string UniqueProject(string prefix = "t") => prefix + "_" + Guid.NewGuid().ToString("N")[..12];

    public static string Connection(Shape shape) => shape == Shape.Single ? TestServers.Single : TestServers.Cluster;

    public static RedisOnlineStoreOptions Options(Shape shape) => new()
    {
        ConnectionString = Connection(shape),
        RedisType = shape == Shape.Single ? RedisType.Redis : RedisType.RedisCluster,
    };

    public static RedisOnlineStore Store(Shape shape, Func<RedisOnlineStoreOptions, RedisOnlineStoreOptions>? configure = null) =>
        new(configure is null ? Options(shape) : configure(Options(shape)));

    public static Task<ConnectionMultiplexer> RawAsync(Shape shape) => ConnectionMultiplexer.ConnectAsync(Connection(shape));

    public static FeatureView View(string name, params string[] features) =>
        new(name, Source, [Driver], schema: [.. features.Select(f => new Field(f, FeastType.Int64))]);

    public static byte[] DriverKey(long id) => EntityKeySerializer.Serialize("driver_id", new Value { Int64Val = id });

    public static byte[] RedisKey(long id, string project) => RedisLayout.Key(DriverKey(id), project);

    /// <summary>A batch of int64 features, value = id * 10 + feature index, for each id at <paramref name="at"/>.</summary>
    public static OnlineWriteBatch Batch(FeatureView view, DateTimeOffset at, params long[] ids)
    {
        var names = view.Features.Select(f => f.Name).ToArray();
        var batch = new OnlineWriteBatch(names);
        var values = new Value?[names.Length];
        foreach (var id in ids)
        {
            for (var f = 0; f < names.Length; f++) values[f] = new Value { Int64Val = id * 10 + f };
            batch.Add(DriverKey(id), values, at);
        }
        return batch;
    }

    /// <summary>
    /// A temporary repo directory (with <c>data/</c>) whose feature_store.yaml has a file registry, the DuckDB offline
    /// store and the Redis online store of <paramref name="shape"/>; <paramref name="writeData"/> writes its Parquet
    /// files (given the repo root) through an in-memory DuckDB connection.
    /// </summary>
    public static string CreateRepo(string project, Shape shape, Func<string, string> writeData)
    {
        var root = Path.Combine(Path.GetTempPath(), "feast-redis-tests", project);
        Directory.CreateDirectory(Path.Combine(root, "data"));
        using (var duck = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:"))
        {
            duck.Open();
            using var command = duck.CreateCommand();
            command.CommandText = writeData(root);
            command.ExecuteNonQuery();
        }
        var redisType = shape == Shape.Cluster ? "\n  redis_type: redis_cluster" : "";
        File.WriteAllText(Path.Combine(root, "feature_store.yaml"), $"""
            project: {project}
            registry: data/registry.db
            provider: local
            online_store:
              type: redis{redisType}
              connection_string: "{Connection(shape)}"
            offline_store:
              type: duckdb
            entity_key_serialization_version: 3
            """);
        return root;
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
}
