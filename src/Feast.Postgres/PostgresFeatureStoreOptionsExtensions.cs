namespace Feast.Postgres;

/// <summary>Registers the PostgreSQL stores with a <see cref="FeatureStore"/>.</summary>
public static class PostgresFeatureStoreOptionsExtensions
{
    /// <summary>Serves <c>online_store.type: postgres</c>, <c>offline_store.type: postgres</c> and a SQL registry at a <c>postgresql://</c> path.</summary>
    /// <param name="options">The feature store options to register the factories in.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static FeatureStoreOptions UsePostgres(this FeatureStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.OfflineStoreFactories["postgres"] = config => new Offline.PostgresOfflineStore((Configuration.PostgresOfflineStoreOptions)config.OfflineStore);
        return options;
    }
}
