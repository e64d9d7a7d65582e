using Feast.Configuration;
using Feast.Offline;
using Feast.Online;
using Feast.Registry;

namespace Feast;

/// <summary>Builds the stores a configuration names. Backends are chosen by typed options, never by class-name strings.</summary>
internal static class StoreFactory
{
    public static IRegistryStore CreateRegistryStore(RepoConfig config, TimeProvider time) => config.Registry.RegistryType switch
    {
        RegistryType.File => RegistryStoreFactory.Create("file", config.Registry.Path, config.RepoPath, time),
        RegistryType.Sql => RegistryStoreFactory.Create("sql", config.Registry.Path, config.RepoPath, time),
        var other => throw new FeastConfigException(
            $"feature_store.yaml: registry_type '{other}' is not supported by Feast.NET yet. Use registry_type: file or sql."),
    };

    public static IOnlineStore? CreateOnlineStore(RepoConfig config) => config.OnlineStore switch
    {
        null => null,
        SqliteOnlineStoreOptions { VectorEnabled: true } or SqliteOnlineStoreOptions { EnableOpenaiCompatibleStore: true } or SqliteOnlineStoreOptions { TextSearchEnabled: true } =>
            throw new FeastConfigException("feature_store.yaml: online_store (sqlite): vector_enabled, text_search_enabled and enable_openai_compatible_store are not supported by Feast.NET yet. Remove them or set them to false."),
        SqliteOnlineStoreOptions sqlite when config.Registry.EnableOnlineFeatureViewVersioning =>
            throw new FeastConfigException($"feature_store.yaml: registry.enable_online_feature_view_versioning is not supported by Feast.NET yet (its versioned table names for {sqlite.Path}). Remove it or set it to false."),
        SqliteOnlineStoreOptions sqlite => new SqliteOnlineStore(config.ResolvePath(sqlite.Path)),
        var other => throw new FeastConfigException(
            $"feature_store.yaml: online_store type '{other.Type}' is not available in this build of Feast.NET yet. Use type: sqlite, or disable the online store with online_store: null."),
    };

    public static IOfflineStore CreateOfflineStore(RepoConfig config, IDictionary<string, Func<RepoConfig, IOfflineStore>> factories) =>
        factories.TryGetValue(config.OfflineStore.Type, out var factory)
            ? factory(config)
            : throw new FeastConfigException(
                $"feature_store.yaml: offline_store type '{config.OfflineStore.Type}' has no store registered. "
                + (config.OfflineStore.Type == "duckdb"
                    ? "Reference the Feast.DuckDb package and call options.UseDuckDb() on the FeatureStoreOptions."
                    : "Register one in FeatureStoreOptions.OfflineStoreFactories."));
}
