using Feast.Configuration;
using Feast.Offline;
using Feast.Online;
using Feast.Registry;

namespace Feast;

/// <summary>Builds the stores a configuration names. Backends are chosen by typed options, never by class-name strings.</summary>
internal static class StoreFactory
{
    public static IRegistryStore CreateRegistryStore(RepoConfig config, TimeProvider time,
        IDictionary<string, Func<RepoConfig, IRegistryStore>>? sqlFactories = null) => config.Registry.RegistryType switch
    {
        RegistryType.File => RegistryStoreFactory.Create("file", config.Registry.Path, config.RepoPath, time),
        RegistryType.Sql when SqlScheme(config.Registry.Path) is { } scheme && sqlFactories?.TryGetValue(scheme, out var factory) == true
            => factory(config),
        RegistryType.Sql when SqlScheme(config.Registry.Path) is "postgresql" or "postgres"
            => throw new FeastConfigException(
                $"feature_store.yaml: registry.path '{Redaction.RedactUrl(config.Registry.Path)}' is a PostgreSQL registry; reference the Feast.Postgres package and call options.UsePostgres() on the FeatureStoreOptions."),
        RegistryType.Sql => RegistryStoreFactory.Create("sql", config.Registry.Path, config.RepoPath, time),
        var other => throw new FeastConfigException(
            $"feature_store.yaml: registry_type '{other}' is not supported by Feast.NET yet. Use registry_type: file or sql."),
    };

    public static IOnlineStore? CreateOnlineStore(RepoConfig config, IDictionary<string, Func<RepoConfig, IOnlineStore>>? factories = null) => config.OnlineStore switch
    {
        null => null,
        { Type: var type } when type != "sqlite" && factories?.TryGetValue(type, out var factory) == true => factory(config),
        RedisOnlineStoreOptions or PostgresOnlineStoreOptions => throw new FeastConfigException(
            $"feature_store.yaml: online_store type '{config.OnlineStore.Type}' has no store registered. Reference the "
            + (config.OnlineStore is RedisOnlineStoreOptions ? "Feast.Redis package and call options.UseRedis()" : "Feast.Postgres package and call options.UsePostgres()")
            + " on the FeatureStoreOptions."),
        SqliteOnlineStoreOptions { VectorEnabled: true } or SqliteOnlineStoreOptions { EnableOpenaiCompatibleStore: true } or SqliteOnlineStoreOptions { TextSearchEnabled: true } =>
            throw new FeastConfigException("feature_store.yaml: online_store (sqlite): vector_enabled, text_search_enabled and enable_openai_compatible_store are not supported by Feast.NET yet. Remove them or set them to false."),
        SqliteOnlineStoreOptions sqlite when config.Registry.EnableOnlineFeatureViewVersioning =>
            throw new FeastConfigException($"feature_store.yaml: registry.enable_online_feature_view_versioning is not supported by Feast.NET yet (its versioned table names for {sqlite.Path}). Remove it or set it to false."),
        SqliteOnlineStoreOptions sqlite => new SqliteOnlineStore(config.ResolvePath(sqlite.Path), sqlite.LastWriteWins),
        var other => throw new FeastConfigException(
            $"feature_store.yaml: online_store type '{other.Type}' is not available in this build of Feast.NET yet. Use type: sqlite, or disable the online store with online_store: null."),
    };

    /// <summary>The scheme of a SQLAlchemy URL without its driver: <c>postgresql+psycopg://…</c> → <c>postgresql</c>.</summary>
    internal static string? SqlScheme(string url)
    {
        var end = url.IndexOf("://", StringComparison.Ordinal);
        if (end <= 0) return null;
        var scheme = url[..end];
        var plus = scheme.IndexOf('+', StringComparison.Ordinal);
        return (plus > 0 ? scheme[..plus] : scheme).ToLowerInvariant();
    }

    public static IOfflineStore CreateOfflineStore(RepoConfig config, IDictionary<string, Func<RepoConfig, IOfflineStore>> factories) =>
        factories.TryGetValue(config.OfflineStore.Type, out var factory)
            ? factory(config)
            : throw new FeastConfigException(
                $"feature_store.yaml: offline_store type '{config.OfflineStore.Type}' has no store registered. "
                + (config.OfflineStore.Type == "duckdb"
                    ? "Reference the Feast.DuckDb package and call options.UseDuckDb() on the FeatureStoreOptions."
                    : "Register one in FeatureStoreOptions.OfflineStoreFactories."));
}
