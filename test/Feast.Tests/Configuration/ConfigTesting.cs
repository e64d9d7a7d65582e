using Feast.Configuration;

namespace Feast.Tests.Configuration;

/// <summary>Parses yaml with a private environment, so tests never touch (or race on) process variables.</summary>
internal static class ConfigTesting
{
    public static readonly string RepoDir = Path.Combine(Path.GetTempPath(), "feast-config-tests", "repo");

    public const string Minimal = "project: my_project\nregistry: data/registry.db\n";

    public static RepoConfig Parse(string yaml, IReadOnlyDictionary<string, string>? environment = null) =>
        RepoConfigLoader.Parse(yaml, RepoDir, "feature_store.yaml", Lookup(environment));

    public static RepoConfig ParseWith(string extraYaml) => Parse(Minimal + extraYaml);

    public static FeastConfigException ParseError(string yaml) =>
        Assert.Throws<FeastConfigException>(() => Parse(yaml));

    public static FeastConfigException ParseErrorWith(string extraYaml) => ParseError(Minimal + extraYaml);

    public static Func<string, string?> Lookup(IReadOnlyDictionary<string, string>? environment) =>
        name => environment is not null && environment.TryGetValue(name, out var value) ? value : null;
}
