namespace Feast.Configuration;

/// <summary>
/// A feature repository's configuration, read from <c>feature_store.yaml</c> by <see cref="RepoConfigLoader"/>.
/// Immutable; every section is bound and validated once, with Feast's defaults filled in.
/// </summary>
public sealed record RepoConfig
{
    /// <summary>The providers Feast accepts in <c>provider:</c>.</summary>
    public static IReadOnlyList<string> KnownProviders { get; } = ["local", "gcp", "aws", "azure", "unity_catalog"];

    /// <summary>The project name (yaml <c>project</c>, required): word characters and '-', not starting with '_' or '-'.</summary>
    public required string Project { get; init; }

    /// <summary>A description of the project (yaml <c>project_description</c>).</summary>
    public string? ProjectDescription { get; init; }

    /// <summary>The provider (yaml <c>provider</c>): <c>local</c> (default), <c>gcp</c>, <c>aws</c>, <c>azure</c> or <c>unity_catalog</c>.</summary>
    public string Provider { get; init; } = "local";

    /// <summary>The registry (yaml <c>registry</c>, required in the yaml).</summary>
    public RegistryConfig Registry { get; init; } = new();

    /// <summary>The online store (yaml <c>online_store</c>, SQLite by default); null when disabled with <c>null</c> or <c>"none"</c>.</summary>
    public OnlineStoreOptions? OnlineStore { get; init; } = new SqliteOnlineStoreOptions();

    /// <summary>The offline store (yaml <c>offline_store</c>; Feast's default type, <c>dask</c>, when absent).</summary>
    public OfflineStoreOptions OfflineStore { get; init; } = UnresolvedOfflineStoreOptions.FeastDefault;

    /// <summary>The materialization engine (yaml <c>batch_engine</c> or <c>batch_engine_config</c>).</summary>
    public BatchEngineConfig BatchEngine { get; init; } = new();

    /// <summary>
    /// The entity key serialization version (yaml <c>entity_key_serialization_version</c>, 3); 1 to 3 are accepted.
    /// </summary>
    public int EntityKeySerializationVersion { get; init; } = 3;

    /// <summary>
    /// True when <see cref="EntityKeySerializationVersion"/> is below 3, which Feast deprecates; callers should warn.
    /// </summary>
    public bool IsEntityKeySerializationVersionDeprecated => EntityKeySerializationVersion < 3;

    /// <summary>Make entity dataframe timestamps timezone-aware UTC (yaml <c>coerce_tz_aware</c>, true).</summary>
    public bool CoerceTzAware { get; init; } = true;

    /// <summary>Materialization behaviour (yaml <c>materialization</c>).</summary>
    public MaterializationConfig Materialization { get; init; } = new();

    /// <summary>Authentication (yaml <c>auth</c>, <c>no_auth</c> by default).</summary>
    public AuthConfig Auth { get; init; } = new NoAuthConfig();

    /// <summary>The feature server (yaml <c>feature_server</c>, <c>local</c> by default).</summary>
    public FeatureServerConfig FeatureServer { get; init; } = new LocalFeatureServerConfig();

    /// <summary>
    /// The absolute path of the repo directory. Set by the loader; relative paths in the configuration are resolved
    /// against it by <see cref="ResolvePath(string)"/>.
    /// </summary>
    public string RepoPath { get; init; } = "";

    /// <summary>
    /// Top-level keys Feast.NET does not model (Feast allows unknown top-level keys), kept as written: scalars as
    /// <see cref="string"/>, <see cref="long"/>, <see cref="double"/>, <see cref="bool"/> or null, as PyYAML reads
    /// them; mappings as read-only dictionaries; sequences as read-only lists.
    /// </summary>
    public IReadOnlyDictionary<string, object?> ExtraKeys { get; init; } = RegistryConfig.EmptyOptions;

    /// <summary>
    /// Things in the file that are accepted but are likely mistakes, one message each with the file, line and column:
    /// a top-level key that is neither a Feast setting nor close to one is ignored, as Feast ignores it, and a key close
    /// to a setting's name (<c>onlin_store</c>) gets a did-you-mean. <see cref="FeatureStore"/> logs them as warnings.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// Resolves a path from the configuration the way Feast does: absolute paths and URIs (<c>s3://…</c>,
    /// <c>gs://…</c>) are returned unchanged; relative paths are taken relative to <see cref="RepoPath"/>.
    /// </summary>
    /// <param name="path">A path as written in the configuration, such as <see cref="RegistryConfig.Path"/>.</param>
    /// <returns>The absolute path, or the URI unchanged.</returns>
    public string ResolvePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Contains("://", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(path))
        {
            return path;
        }

        var baseDirectory = RepoPath.Length == 0 ? Directory.GetCurrentDirectory() : RepoPath;
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, path));
    }

    /// <summary>
    /// Prints the effective configuration as YAML with Feast's snake_case keys and every default filled in, as
    /// <c>feast configuration</c> shows it. Unset optional values are left out. Secrets are masked as <c>***</c> (every
    /// <c>password</c>, <c>client_secret</c> and <c>token</c>, a connection string's <c>password=</c>, a URL's password)
    /// unless <paramref name="includeSecrets"/> is set.
    /// </summary>
    /// <param name="includeSecrets">Print secrets as written (for a file to be read back), not masked.</param>
    /// <returns>A YAML document that <see cref="RepoConfigLoader.Parse(string, string, string)"/> reads back to the same settings (with <paramref name="includeSecrets"/>).</returns>
    public string ToYaml(bool includeSecrets = false) => RepoConfigYamlWriter.Write(this, redact: !includeSecrets);
}
