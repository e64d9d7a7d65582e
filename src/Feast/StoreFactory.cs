using Feast.Configuration;
using Feast.Offline;
using Feast.Online;
using Feast.Registry;

namespace Feast;

/// <summary>Builds the stores a configuration names through the registered <see cref="FeastBackends"/>; never by class-name strings.</summary>
internal static class StoreFactory
{
    public static IRegistryStore CreateRegistryStore(BackendContext context, FeastBackends backends) => context.Config.Registry.RegistryType switch
    {
        RegistryType.File => RegistryStoreFactory.Create("file", context.Config.Registry.Path, context.Config.RepoPath, context.TimeProvider),
        RegistryType.Sql => backends.CreateSqlRegistryStore(context),
        RegistryType.Remote => backends.CreateRegisteredRegistryStore(context) ?? throw new FeastConfigException(
            "feature_store.yaml: registry_type 'remote' (a Feast registry server) needs the Feast.Remote package: reference it and call " +
            "UseRemoteRegistry() on FeatureStoreOptions (or FeastBackends); the feast command has it built in."),
        var other => backends.CreateRegisteredRegistryStore(context) ?? throw new FeastConfigException(
            $"feature_store.yaml: registry_type '{other}' is not supported by Feast.NET yet. Use registry_type: file or sql."),
    };

    /// <summary>The built-in SQLite online store, after refusing the options Feast.NET does not implement.</summary>
    public static SqliteOnlineStore CreateSqliteOnlineStore(SqliteOnlineStoreOptions sqlite, RepoConfig config) => sqlite switch
    {
        { EnableOpenaiCompatibleStore: true } =>
            throw new FeastConfigException("feature_store.yaml: online_store (sqlite): enable_openai_compatible_store (the value_num column) is not supported by Feast.NET yet. Remove it or set it to false; vector_enabled and text_search_enabled work without it."),
        _ when config.Registry.EnableOnlineFeatureViewVersioning =>
            throw new FeastConfigException($"feature_store.yaml: registry.enable_online_feature_view_versioning is not supported by Feast.NET yet (its versioned table names for {sqlite.Path}). Remove it or set it to false."),
        _ => new SqliteOnlineStore(config.ResolvePath(sqlite.Path), sqlite.LastWriteWins)
        {
            VectorEnabled = sqlite.VectorEnabled,
            TextSearchEnabled = sqlite.TextSearchEnabled,
        },
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
}
