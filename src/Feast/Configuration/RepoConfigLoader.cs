using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Feast.Configuration;

/// <summary>
/// Finds, reads and validates <c>feature_store.yaml</c> the way Feast's <c>load_repo_config</c> does:
/// environment variables are expanded over the whole text, the YAML is parsed, and every section is bound once.
/// </summary>
public static class RepoConfigLoader
{
    /// <summary>The configuration file's name inside a feature repository.</summary>
    public const string FileName = "feature_store.yaml";

    /// <summary>The environment variable that points at the configuration file when no path is passed.</summary>
    public const string PathEnvironmentVariable = "FEAST_FS_YAML_FILE_PATH";

    /// <summary>
    /// The environment variable that holds the whole configuration, base64-encoded (how Feast's operator and Helm chart pass
    /// it to a server). When set and not empty it wins over the file, as in Feast's CLI.
    /// </summary>
    public const string Base64EnvironmentVariable = "FEATURE_STORE_YAML_BASE64";

    /// <summary>Finds and loads a repository's configuration.</summary>
    /// <param name="repoPath">The feature repository directory; relative paths in the file are resolved against it.</param>
    /// <param name="featureStoreYamlPath">
    /// The file to read (the CLI's <c>-f</c>); when null, <c>$FEAST_FS_YAML_FILE_PATH</c>, else
    /// <c>&lt;repoPath&gt;/feature_store.yaml</c>. <c>$FEATURE_STORE_YAML_BASE64</c>, when set, is read instead of any file.
    /// </param>
    /// <returns>The validated configuration.</returns>
    /// <exception cref="FeastConfigException">
    /// The file is missing, unreadable, not valid YAML, or not a valid configuration; or <c>$FEATURE_STORE_YAML_BASE64</c> is
    /// not base64 of UTF-8 text.
    /// </exception>
    /// <remarks>
    /// Without backends, the store sections whose type is not built in are kept as written
    /// (<see cref="UnresolvedOnlineStoreOptions"/>, <see cref="UnresolvedOfflineStoreOptions"/>); a
    /// <see cref="FeatureStore"/> binds them with its backends.
    /// </remarks>
    public static RepoConfig Load(string repoPath, string? featureStoreYamlPath = null) =>
        Load(repoPath, featureStoreYamlPath, Environment.GetEnvironmentVariable);

    /// <summary>Finds and loads a repository's configuration, binding the store sections with <paramref name="backends"/>.</summary>
    /// <param name="repoPath">The feature repository directory; relative paths in the file are resolved against it.</param>
    /// <param name="featureStoreYamlPath">The file to read; see <see cref="Load(string, string?)"/>.</param>
    /// <param name="backends">The backends of this program; a store type none of them registers is an error.</param>
    /// <returns>The validated configuration.</returns>
    /// <exception cref="FeastConfigException">As <see cref="Load(string, string?)"/>, or a store type has no registered backend.</exception>
    public static RepoConfig Load(string repoPath, string? featureStoreYamlPath, FeastBackends backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        return Load(repoPath, featureStoreYamlPath, Environment.GetEnvironmentVariable, backends);
    }

    /// <summary>Parses and validates configuration text.</summary>
    /// <param name="yamlText">The contents of a <c>feature_store.yaml</c>, before environment variable expansion.</param>
    /// <param name="repoPath">The feature repository directory; relative paths in the file are resolved against it.</param>
    /// <param name="sourceName">The name errors use for the text, usually the file's path.</param>
    /// <returns>The validated configuration.</returns>
    /// <exception cref="FeastConfigException">The text is not valid YAML or not a valid configuration.</exception>
    public static RepoConfig Parse(string yamlText, string repoPath, string sourceName = FileName) =>
        Parse(yamlText, repoPath, sourceName, Environment.GetEnvironmentVariable);

    /// <summary>Parses and validates configuration text, binding the store sections with <paramref name="backends"/>.</summary>
    /// <param name="yamlText">The contents of a <c>feature_store.yaml</c>, before environment variable expansion.</param>
    /// <param name="repoPath">The feature repository directory; relative paths in the file are resolved against it.</param>
    /// <param name="sourceName">The name errors use for the text, usually the file's path.</param>
    /// <param name="backends">The backends of this program; a store type none of them registers is an error.</param>
    /// <returns>The validated configuration.</returns>
    /// <exception cref="FeastConfigException">The text is not valid YAML or not a valid configuration.</exception>
    public static RepoConfig Parse(string yamlText, string repoPath, string sourceName, FeastBackends backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        return Parse(yamlText, repoPath, sourceName, Environment.GetEnvironmentVariable, backends);
    }

    /// <summary>Which file <see cref="Load(string, string?)"/> reads, without reading it.</summary>
    /// <param name="repoPath">The feature repository directory.</param>
    /// <param name="featureStoreYamlPath">The file passed with <c>-f</c>, if any.</param>
    /// <returns>The absolute path of the configuration file.</returns>
    public static string GetConfigPath(string repoPath, string? featureStoreYamlPath = null) =>
        GetConfigPath(repoPath, featureStoreYamlPath, Environment.GetEnvironmentVariable).Path;

    internal static RepoConfig Load(string repoPath, string? featureStoreYamlPath, Func<string, string?> environment,
        FeastBackends? backends = null)
    {
        ArgumentNullException.ThrowIfNull(repoPath);
        // Feast's CLI reads the base64 configuration before any path, even one passed with -f.
        var base64 = environment(Base64EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(base64))
            return Parse(DecodeBase64(base64), repoPath, "$" + Base64EnvironmentVariable, environment, backends);

        var (path, origin) = GetConfigPath(repoPath, featureStoreYamlPath, environment);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            var hint = origin switch
            {
                ConfigOrigin.Argument => "Check the path passed with -f/--feature-store-yaml.",
                ConfigOrigin.Environment => $"Check ${PathEnvironmentVariable}, or unset it to use {FileName} in the repo directory.",
                _ => $"Run `feast init` to create a feature repository, run the command from a repo directory, or pass -f with the path to {FileName}.",
            };
            throw new FeastConfigException(
                $"{path}: no {FileName} found{OriginText(origin)}. {hint}", path, null, null, null, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FeastConfigException($"{path}: cannot read the file: {e.Message}", path, null, null, null, e);
        }

        return Parse(text, repoPath, path, environment, backends);
    }

    internal static RepoConfig Parse(string yamlText, string repoPath, string sourceName, Func<string, string?> environment,
        FeastBackends? backends = null)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        ArgumentNullException.ThrowIfNull(repoPath);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(environment);

        var text = EnvironmentVariableExpander.Expand(yamlText, environment);
        var stream = new YamlStream();
        var tracker = new PositionTrackingParser(new Parser(new StringReader(text)));
        try
        {
            // MergingParser resolves `<<: *anchor` merge keys, which PyYAML's safe_load supports.
            stream.Load(new MergingParser(tracker));
        }
        catch (YamlException e)
        {
            throw InvalidYaml(sourceName, e.Start, e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner fails this way on some broken input (an unclosed '{' followed by a plain
            // scalar), without a position; the end of the last good event is the best position there is.
            throw InvalidYaml(
                sourceName,
                tracker.LastGoodEnd,
                "the YAML reader stopped after this point; look for an unclosed '{', '[' or quote.",
                e);
        }

        if (stream.Documents.Count == 0 ||
            (stream.Documents[0].RootNode is YamlScalarNode root && new YamlValue(root, "", sourceName).IsNull))
        {
            throw new FeastConfigException(
                $"{sourceName}: the file is empty. It needs at least 'project' and 'registry'; run `feast init` for a template.",
                sourceName, null, null, null);
        }

        if (stream.Documents.Count > 1)
        {
            throw ConfigErrors.At(
                sourceName,
                stream.Documents[1].RootNode,
                null,
                $"the file holds {stream.Documents.Count} YAML documents ('---'); it must hold one.");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode mapping)
        {
            var node = stream.Documents[0].RootNode;
            throw ConfigErrors.At(
                sourceName, node, null, $"the top level must be a mapping of settings (key: value), got {ConfigErrors.Describe(node)}.");
        }

        return RepoConfigBinder.Bind(mapping, sourceName, Path.GetFullPath(repoPath), backends);
    }

    /// <summary>The text of <c>$FEATURE_STORE_YAML_BASE64</c>: standard base64 (line breaks allowed) of UTF-8 text.</summary>
    private static string DecodeBase64(string value)
    {
        const string Source = "$" + Base64EnvironmentVariable;
        const string Fix = "Set it to the output of `base64 -w0 feature_store.yaml`, or unset it to read feature_store.yaml from the repo.";
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value.Trim());
        }
        catch (FormatException)
        {
            throw new FeastConfigException($"{Source}: the value is not valid base64 ({value.Length} characters). {Fix}", Source, null, null, null);
        }
        try
        {
            var text = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
            return text.TrimStart('\uFEFF');
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new FeastConfigException(
                $"{Source}: the decoded value is not UTF-8 text (invalid byte at offset {e.Index}); it must be base64 of feature_store.yaml. {Fix}", Source, null, null, null, e);
        }
    }

    private static FeastConfigException InvalidYaml(string sourceName, Mark mark, string detail, Exception cause)
    {
        var line = mark.Line > 0 ? (int)mark.Line : (int?)null;
        var column = line is null ? null : (int?)mark.Column;
        var position = line is null ? "" : $":{line}:{column}";
        return new FeastConfigException(
            $"{sourceName}{position}: invalid YAML: {detail}", sourceName, null, line, column, cause);
    }

    private static (string Path, ConfigOrigin Origin) GetConfigPath(
        string repoPath, string? featureStoreYamlPath, Func<string, string?> environment)
    {
        if (!string.IsNullOrEmpty(featureStoreYamlPath))
        {
            return (Path.GetFullPath(featureStoreYamlPath), ConfigOrigin.Argument);
        }

        var fromEnvironment = environment(PathEnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return (Path.GetFullPath(fromEnvironment), ConfigOrigin.Environment);
        }

        return (Path.GetFullPath(Path.Combine(repoPath, FileName)), ConfigOrigin.RepoDirectory);
    }

    private static string OriginText(ConfigOrigin origin) => origin switch
    {
        ConfigOrigin.Argument => " at the path passed with -f",
        ConfigOrigin.Environment => $" at the path in ${PathEnvironmentVariable}",
        _ => " in the repo directory",
    };

    /// <summary>Remembers where the last successfully parsed event ended, for errors that carry no position.</summary>
    private sealed class PositionTrackingParser(IParser inner) : IParser
    {
        public Mark LastGoodEnd { get; private set; } = Mark.Empty;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (inner.Current is { } current)
            {
                LastGoodEnd = current.End;
            }

            return inner.MoveNext();
        }
    }

    private enum ConfigOrigin
    {
        Argument,
        Environment,
        RepoDirectory,
    }
}
