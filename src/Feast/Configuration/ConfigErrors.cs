using YamlDotNet.RepresentationModel;

namespace Feast.Configuration;

/// <summary>
/// The one place configuration errors are built, so every message has the same shape:
/// <c>file[:line:column]: what is wrong. Valid choices.</c>
/// </summary>
internal static class ConfigErrors
{
    public static FeastConfigException At(
        string source, YamlNode? node, string? keyPath, string message, Exception? innerException = null)
    {
        int? line = node is null || node.Start.Line <= 0 ? null : (int)node.Start.Line;
        int? column = line is null ? null : (int)node!.Start.Column;
        var prefix = line is null ? $"{source}: " : $"{source}:{line}:{column}: ";
        return new FeastConfigException(prefix + message, source, keyPath, line, column, innerException);
    }

    public static FeastConfigException UnknownKey(
        in SectionContext section, YamlNode keyNode, string key, IEnumerable<string> validKeys)
    {
        var valid = validKeys.ToList();
        var message = $"unknown key '{key}' in {section.Label}. Valid keys: {string.Join(", ", valid)}.";
        var suggestion = Suggest(key, valid);
        if (suggestion is not null)
        {
            message += $" Did you mean '{suggestion}'?";
        }

        return At(section.Source, keyNode, section.Child(key), message);
    }

    public static FeastConfigException MissingKey(
        in SectionContext section, YamlNode? sectionNode, string key, IEnumerable<string> requiredKeys)
    {
        var message =
            $"missing required key '{key}' in {section.Label}. Required keys: {string.Join(", ", requiredKeys)}.";
        return At(section.Source, sectionNode, section.Child(key), message);
    }

    public static FeastConfigException WrongType(in YamlValue value, string expected) =>
        At(value.Source, value.Node, value.Path, $"{value.Path} must be {expected}, got {Describe(value.Node)}.");

    public static FeastConfigException InvalidChoice(in YamlValue value, string what, IEnumerable<string> choices)
    {
        var message =
            $"{value.Path}: invalid {what} {Describe(value.Node)}. Valid {what}s: {string.Join(", ", choices)}.";
        return At(value.Source, value.Node, value.Path, message);
    }

    public static FeastConfigException Invalid(in YamlValue value, string message) =>
        At(value.Source, value.Node, value.Path, $"{value.Path}: {message}");

    /// <summary>How a node is shown in a message: its text in quotes, or its kind.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode scalar when YamlScalars.Resolve(scalar) is null => "null",
        YamlScalarNode scalar => $"'{scalar.Value}'",
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "an alias",
    };

    /// <summary>The valid key closest to a misspelt one, if it is close enough to be a likely typo.</summary>
    public static string? Suggest(string key, IEnumerable<string> candidates) => DidYouMean.Suggest(key, candidates);
}

/// <summary>Where a section sits in the file, for error messages: <c>online_store (type redis)</c>.</summary>
internal readonly record struct SectionContext(string Source, string Path, string Label)
{
    public static SectionContext Root(string source) => new(source, "", "the top level");

    public string Child(string key) => Path.Length == 0 ? key : $"{Path}.{key}";
}
