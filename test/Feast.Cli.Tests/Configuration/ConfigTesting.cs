using Feast.Configuration;

namespace Feast.Tests.Configuration;

/// <summary>Parses yaml with a private environment, so tests never touch (or race on) process variables.</summary>
internal static class ConfigTesting
{
    public static readonly string RepoDir = Path.Combine(Path.GetTempPath(), "feast-config-tests", "repo");

    public const string Minimal = "project: my_project\nregistry: data/registry.db\n";

    // The backends the feast CLI registers (DuckDB, Redis, PostgreSQL), so the yaml binds as the CLI binds it; each
    // backend's own keys are tested in its test project.
    public static RepoConfig Parse(string yaml, IReadOnlyDictionary<string, string>? environment = null) =>
        RepoConfigLoader.Parse(yaml, RepoDir, "feature_store.yaml", Lookup(environment), Feast.Cli.CliContext.Backends());

    public static RepoConfig ParseWith(string extraYaml) => Parse(Minimal + extraYaml);

    public static FeastConfigException ParseError(string yaml) =>
        Assert.Throws<FeastConfigException>(() => Parse(yaml));

    public static FeastConfigException ParseErrorWith(string extraYaml) => ParseError(Minimal + extraYaml);

    public static Func<string, string?> Lookup(IReadOnlyDictionary<string, string>? environment) =>
        name => environment is not null && environment.TryGetValue(name, out var value) ? value : null;
}

/// <summary>Compares configuration objects by value, including the dictionaries records compare by reference.</summary>
internal static class ConfigAssert
{
    public static void Equivalent(object? expected, object? actual, string path = "config")
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, got {actual}");
                return;
            // System.ValueType spelled out: main's Feast.ValueType (the feature value enum) would otherwise win.
            case string or System.ValueType:
                Assert.True(Equals(expected, actual), $"{path}: expected {expected}, got {actual}");
                return;
            case System.Collections.IDictionary or IReadOnlyDictionary<string, object?> or IReadOnlyDictionary<string, string>:
                var expectedPairs = ToPairs(expected);
                var actualPairs = ToPairs(actual!);
                Assert.True(expectedPairs.Keys.SequenceEqual(actualPairs.Keys), $"{path}: keys differ");
                foreach (var (key, value) in expectedPairs)
                {
                    Equivalent(value, actualPairs[key], $"{path}.{key}");
                }

                return;
            case System.Collections.IEnumerable sequence:
                var expectedItems = sequence.Cast<object?>().ToList();
                var actualItems = ((System.Collections.IEnumerable)actual!).Cast<object?>().ToList();
                Assert.True(expectedItems.Count == actualItems.Count, $"{path}: lengths differ");
                for (var i = 0; i < expectedItems.Count; i++)
                {
                    Equivalent(expectedItems[i], actualItems[i], $"{path}[{i}]");
                }

                return;
            default:
                Assert.True(actual is not null && expected.GetType() == actual.GetType(), $"{path}: expected a {expected.GetType().Name}, got {actual}");
                // Warnings are about where things are in the text (line numbers), not settings.
                foreach (var property in expected.GetType().GetProperties().Where(p => p.GetIndexParameters().Length == 0 && p.Name != nameof(RepoConfig.Warnings)))
                {
                    Equivalent(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
                }

                return;
        }
    }

    private static Dictionary<string, object?> ToPairs(object dictionary) =>
        ((System.Collections.IEnumerable)dictionary).Cast<object>().ToDictionary(
            pair => (string)pair.GetType().GetProperty("Key")!.GetValue(pair)!,
            pair => pair.GetType().GetProperty("Value")!.GetValue(pair));
}
