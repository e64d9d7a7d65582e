using Feast.Configuration;
using Feast.Postgres.Online;
using Feast.Postgres.Registry;

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
        options.OnlineStoreFactories["postgres"] = config => config switch
        {
            { Registry.EnableOnlineFeatureViewVersioning: true } => throw new FeastConfigException(
                "feature_store.yaml: registry.enable_online_feature_view_versioning is not supported by Feast.NET yet (its versioned table names). Remove it or set it to false."),
            { OnlineStore: PostgresOnlineStoreOptions postgres } => new PostgresOnlineStore(postgres),
            _ => throw new FeastConfigException($"feature_store.yaml: online_store type '{config.OnlineStore?.Type}' is not postgres."),
        };
        // registry.path is a SQLAlchemy URL; the factory key is its scheme without the driver (postgresql+psycopg → postgresql).
        // The clock is read when the store is built, so options given after UsePostgres() still count.
        options.SqlRegistryFactories["postgresql"] = config => new PostgresRegistryStore(config.Registry.Path, options.TimeProvider);
        options.SqlRegistryFactories["postgres"] = config => new PostgresRegistryStore(config.Registry.Path, options.TimeProvider);
        options.OfflineStoreFactories["postgres"] = config => new Offline.PostgresOfflineStore((Configuration.PostgresOfflineStoreOptions)config.OfflineStore);
        return options;
    }
}
