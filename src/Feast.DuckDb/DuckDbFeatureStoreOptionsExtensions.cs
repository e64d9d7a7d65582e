namespace Feast.DuckDb;

/// <summary>Registers the DuckDB offline store with a <see cref="FeatureStore"/>.</summary>
public static class DuckDbFeatureStoreOptionsExtensions
{
    /// <summary>
    /// Serves <c>offline_store.type: duckdb</c> (Feast.NET's default: Feast's <c>file</c> and <c>dask</c> bind as
    /// <c>duckdb</c>) with a <see cref="DuckDbOfflineStore"/> over the repo's directory, and <see cref="DuckDbSource"/>
    /// in the registry.
    /// </summary>
    /// <param name="backends">The backends to register it in.</param>
    /// <returns><paramref name="backends"/>, for chaining.</returns>
    public static FeastBackends UseDuckDb(this FeastBackends backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        return backends
            .AddOfflineStore(
                "duckdb",
                DuckDbConfiguration.Schema,
                (duckdb, context) => new DuckDbOfflineStore(context.Config.RepoPath, duckdb, context.LoggerFactory),
                "feast.infra.offline_stores.duckdb.DuckDBOfflineStore")
            .AddOfflineStoreAlias("dask", DuckDbConfiguration.FileSchema)
            .AddOfflineStoreAlias("file", DuckDbConfiguration.FileSchema)
            .AddDataSource(DuckDbSource.FeastClassType, DuckDbSource.FromRegistry);
    }

    /// <summary>Registers DuckDB in <paramref name="options"/>' backends; see <see cref="UseDuckDb(FeastBackends)"/>.</summary>
    /// <param name="options">The feature store options to register the backend in.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static FeatureStoreOptions UseDuckDb(this FeatureStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Backends.UseDuckDb();
        return options;
    }
}
