using Feast.DuckDb;

namespace Feast.Benchmarks.Harness;

/// <summary>A feature repo on disk as a user would have it: SQLite online store, DuckDB offline store, file registry.</summary>
internal static class BenchRepo
{
    /// <summary>The online database, relative to the repo.</summary>
    public const string OnlineDb = "data/online.db";

    /// <summary>Writes <c>feature_store.yaml</c> into <paramref name="directory"/> (created if missing).</summary>
    public static void Create(string directory, string project)
    {
        Directory.CreateDirectory(Path.Combine(directory, "data"));
        File.WriteAllText(Path.Combine(directory, "feature_store.yaml"), $"""
            project: {project}
            registry: data/registry.db
            provider: local
            online_store:
              type: sqlite
              path: {OnlineDb}
            offline_store:
              type: duckdb
            entity_key_serialization_version: 3
            """);
    }

    /// <summary>Opens the repo's feature store the way an application does.</summary>
    public static FeatureStore Open(string directory) => FeatureStore.Open(directory, options: new FeatureStoreOptions().UseDuckDb());
}
