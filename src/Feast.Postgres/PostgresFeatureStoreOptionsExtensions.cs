using Feast.Configuration;
using Feast.Postgres.Online;
using Feast.Postgres.Registry;

namespace Feast.Postgres;

/// <summary>Registers the PostgreSQL stores with a <see cref="FeatureStore"/>.</summary>
public static class PostgresFeatureStoreOptionsExtensions
{
    /// <summary>
    /// Serves <c>online_store.type: postgres</c>, <c>offline_store.type: postgres</c>, a SQL registry at a
    /// <c>postgresql://</c> path, and <see cref="PostgreSQLSource"/> in the registry.
    /// </summary>
    /// <param name="backends">The backends to register them in.</param>
    /// <returns><paramref name="backends"/>, for chaining.</returns>
    public static FeastBackends UsePostgres(this FeastBackends backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        backends.AddOnlineStore(
            "postgres",
            PostgresConfiguration.OnlineSchema,
            (postgres, context) => context.Config.Registry.EnableOnlineFeatureViewVersioning
                ? throw new FeastConfigException(
                    "feature_store.yaml: registry.enable_online_feature_view_versioning is not supported by Feast.NET yet (its versioned table names). Remove it or set it to false.")
                : new PostgresOnlineStore(postgres),
            "feast.infra.online_stores.postgres_online_store.postgres.PostgreSQLOnlineStore",
            "feast.infra.online_stores.postgres_online_store.PostgreSQLOnlineStore",
            "feast.infra.online_stores.contrib.postgres.PostgreSQLOnlineStore");
        backends.AddOfflineStore(
            "postgres",
            PostgresConfiguration.OfflineSchema,
            (postgres, _) => new Offline.PostgresOfflineStore(postgres),
            "feast.infra.offline_stores.contrib.postgres_offline_store.postgres.PostgreSQLOfflineStore");
        // registry.path is a SQLAlchemy URL; the scheme is matched without the driver (postgresql+psycopg → postgresql).
        backends.AddSqlRegistry("postgresql", context => new PostgresRegistryStore(context.Config.Registry.Path, context.TimeProvider));
        backends.AddSqlRegistry("postgres", context => new PostgresRegistryStore(context.Config.Registry.Path, context.TimeProvider));
        backends.AddDataSource(PostgreSQLSource.FeastClassType, PostgreSQLSource.FromRegistry);
        return backends;
    }

    /// <summary>Registers PostgreSQL in <paramref name="options"/>' backends; see <see cref="UsePostgres(FeastBackends)"/>.</summary>
    /// <param name="options">The feature store options to register the backends in.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static FeatureStoreOptions UsePostgres(this FeatureStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Backends.UsePostgres();
        return options;
    }
}
