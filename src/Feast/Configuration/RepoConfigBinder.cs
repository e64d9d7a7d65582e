// RepoConfigBinder: the top-level feature_store.yaml table, Bind and Print; each section's tables are in RepoConfigBinder.*.cs.
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Feast.Configuration;

/// <summary>
/// Binds the parsed <c>feature_store.yaml</c> into a <see cref="RepoConfig"/>, and prints one back. Each section
/// is one <see cref="OptionsSchema{T}"/> table; Feast's rules are in comments where they are not obvious.
/// </summary>
internal static partial class RepoConfigBinder
{
    // ---- top level -----------------------------------------------------------------------------------------

    private static readonly OptionsSchema<MaterializationConfig> Materialization = new(() => new())
    {
        { "pull_latest_features", (o, v) => o with { PullLatestFeatures = v.Boolean() }, o => o.PullLatestFeatures },
        { "online_write_batch_size", (o, v) => o with { OnlineWriteBatchSize = v.OptionalInt32(min: 1) }, o => o.OnlineWriteBatchSize },
    };

    private static readonly OptionsSchema<RepoConfig> TopLevel = CreateTopLevel();

    private static OptionsSchema<RepoConfig> CreateTopLevel()
    {
        var schema = new OptionsSchema<RepoConfig>(() => new RepoConfig { Project = "" })
        {
            { "project", (c, v) => c with { Project = ProjectName(v) }, c => c.Project, true },
            { "project_description", (c, v) => c with { ProjectDescription = v.OptionalString() }, c => c.ProjectDescription },
            { "provider", (c, v) => c with { Provider = v.Choice(RepoConfig.KnownProviders)! }, c => c.Provider },
            { "registry", (c, v) => c with { Registry = BindRegistry(v) }, c => Registries.Print(c.Registry), true },
            // The store sections are kept as written here and bound by the registered backends (FeastBackends.Resolve).
            { "online_store", (c, v) => c with { OnlineStore = ReadOnlyStore(v) }, c => c.OnlineStore is null ? YamlScalars.Null : c.OnlineStore.YamlKeys().PrintObject(c.OnlineStore) },
            { "offline_store", (c, v) => c with { OfflineStore = v.IsNull ? UnresolvedOfflineStoreOptions.FeastDefault : new UnresolvedOfflineStoreOptions("", v) }, c => c.OfflineStore.YamlKeys().PrintObject(c.OfflineStore) },
            // Feast reads `batch_engine` first and falls back to `batch_engine_config`; binding the alias first
            // lets `batch_engine` win when both are present.
            // An engine type a package serves (orleans) is kept as written and bound by the registered backends.
            { "batch_engine_config", (c, v) => c with { BatchEngine = ReadBatchEngine(v) }, null },
            { "batch_engine", (c, v) => c with { BatchEngine = ReadBatchEngine(v) }, c => c.BatchEngine.YamlKeys().PrintObject(c.BatchEngine) },
            { "auth", (c, v) => c with { Auth = v.IsNull ? new NoAuthConfig() : Auths.Bind(v) }, c => Auths.Print(c.Auth) },
            { "feature_server", (c, v) => c with { FeatureServer = v.IsNull ? new LocalFeatureServerConfig() : FeatureServers.Bind(v) }, c => FeatureServers.Print(c.FeatureServer) },
            { "entity_key_serialization_version", (c, v) => c with { EntityKeySerializationVersion = v.Int32(1, 3) }, c => c.EntityKeySerializationVersion },
            { "coerce_tz_aware", (c, v) => c with { CoerceTzAware = v.Boolean() }, c => c.CoerceTzAware },
            { "materialization", (c, v) => c with { Materialization = Materialization.Bind(v.OptionalMapping(), v.AsSection(), v.Node) }, c => Materialization.Print(c.Materialization) },
            // Set by the loader from the repo directory, as Feast does; a value in the file is ignored.
            { "repo_path", Keep, null },
        };

        // Feast's RepoConfig has extra="allow": unknown top-level keys are kept, not rejected.
        schema.AllowAdditional((c, extra) => c with { ExtraKeys = extra }, c => c.ExtraKeys);
        return schema;
    }

    /// <summary>Binds the root mapping of <c>feature_store.yaml</c>.</summary>
    /// <param name="root">The root mapping.</param>
    /// <param name="source">The file name, for messages.</param>
    /// <param name="repoPath">The repo directory.</param>
    /// <param name="backends">
    /// The backends that bind the store sections; a type none of them registers is an error. Null binds with the
    /// built-in stores only and keeps other types as written (<see cref="UnresolvedOnlineStoreOptions"/>), for a
    /// <see cref="FeatureStore"/> to bind with its backends.
    /// </param>
    public static RepoConfig Bind(YamlMappingNode root, string source, string repoPath, FeastBackends? backends = null)
    {
        var rootValue = new YamlValue(root, "", source);
        YamlNode? Find(string key) =>
            root.Children.FirstOrDefault(c => rootValue.KeyText(c.Key) == key).Value;

        if (Find("project") is null)
        {
            throw ConfigErrors.At(
                source, null, "project", "missing required key 'project'. Add a line such as 'project: my_project'.");
        }

        if (Find("registry") is null)
        {
            throw ConfigErrors.At(
                source,
                null,
                "registry",
                "missing required key 'registry'. Add a line such as 'registry: data/registry.db' (a file registry), " +
                "or a mapping with 'registry_type' and 'path'.");
        }

        var config = TopLevel.Bind(root, SectionContext.Root(source)) with { RepoPath = repoPath, Warnings = UnknownKeyWarnings(rootValue, source) };
        config = (backends ?? new FeastBackends()).Resolve(config, strict: backends is not null);

        // Feast names SQLite tables {project}_{feature_view}, so it rejects '-' in the project for that store.
        if (config.OnlineStore is SqliteOnlineStoreOptions && config.Project.Contains('-', StringComparison.Ordinal))
        {
            throw ConfigErrors.At(
                source,
                Find("project"),
                "project",
                $"project name '{config.Project}' contains '-', which the sqlite online store does not allow because " +
                "project names become part of its table names ({project}_{feature_view}). Use '_' instead, or " +
                "configure another online_store.");
        }

        return config;
    }

    // Settings of Feast's RepoConfig that Feast.NET does not use (by alias and by field name): known, so not typos.
    private static readonly string[] FeastOnlyKeys =
    [
        "flags", "embedding_model", "openlineage", "mlflow", "data_quality_monitoring",
        "registry_config", "online_config", "offline_config", "batch_engine_config", "materialization_config",
        "openlineage_config", "mlflow_config", "data_quality_monitoring_config",
    ];

    /// <summary>
    /// A warning per top-level key that is no Feast setting. Feast keeps unknown keys (extra="allow"), so they are not
    /// errors, but a misspelt <c>onlin_store:</c> would otherwise leave the default online store in silence.
    /// </summary>
    private static string[] UnknownKeyWarnings(YamlValue root, string source)
    {
        var known = TopLevel.KeyNames.ToList();
        var warnings = new List<string>();
        foreach (var key in ((YamlMappingNode)root.Node).Children.Keys)
        {
            var name = root.KeyText(key);
            if (known.Contains(name) || FeastOnlyKeys.Contains(name)) continue;
            var message = $"top-level key '{name}' is not a Feast setting, so it is ignored.";
            if (ConfigErrors.Suggest(name, known) is { } suggestion)
                message += $" Did you mean '{suggestion}'?";
            warnings.Add(ConfigErrors.At(source, key, name, message).Message);
        }
        return [.. warnings];
    }

    /// <summary>The configuration as ordered key/value pairs for <see cref="RepoConfigYamlWriter"/>.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Print(RepoConfig config) => TopLevel.Print(config);

    private static string ProjectName(YamlValue value)
    {
        var name = value.String();
        return ProjectNamePattern().IsMatch(name)
            ? name
            : throw ConfigErrors.Invalid(
                value,
                $"invalid project name '{name}'. A project name may contain only letters, digits, '_' and '-', " +
                "and must not start with '_' or '-'.");
    }

    private static T Keep<T>(T options, YamlValue value) => options;

    private static System.Collections.ObjectModel.ReadOnlyDictionary<string, object?>? ToObjects(IReadOnlyDictionary<string, string>? map) =>
        map?.ToDictionary(pair => pair.Key, pair => (object?)pair.Value, StringComparer.Ordinal).AsReadOnly();

    // Feast's repo_operations.is_valid_name: word characters and '-', not starting with '_' or '-'.
    [GeneratedRegex(@"^(?![_-])[\w-]+\z")]
    private static partial Regex ProjectNamePattern();
}
