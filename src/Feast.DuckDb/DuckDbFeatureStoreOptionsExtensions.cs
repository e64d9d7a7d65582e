using Feast.Configuration;

namespace Feast.DuckDb;

/// <summary>Registers the DuckDB offline store with a <see cref="FeatureStore"/>.</summary>
public static class DuckDbFeatureStoreOptionsExtensions
{
    /// <summary>
    /// Serves <c>offline_store.type: duckdb</c> (Feast.NET's default; <c>file</c> and <c>dask</c> load as
    /// <c>duckdb</c>) with a <see cref="DuckDbOfflineStore"/> over the repo's directory.
    /// </summary>
    /// <param name="options">The feature store options to register the factory in.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static FeatureStoreOptions UseDuckDb(this FeatureStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.OfflineStoreFactories["duckdb"] = config =>
            new DuckDbOfflineStore(config.RepoPath, (DuckDbOfflineStoreOptions)config.OfflineStore, options.LoggerFactory);
        return options;
    }
}
