using System.Text.RegularExpressions;

namespace Feast.Cli.Init;

/// <summary>
/// Feast's rules for the project name <c>feast init</c> takes from the directory name, checked before anything is
/// written so a bad name leaves no half-made repo behind.
/// </summary>
internal static partial class ProjectName
{
    /// <summary>
    /// Throws a <see cref="FeastException"/> unless <paramref name="name"/> is a project name the local template can use:
    /// Feast's <c>is_valid_name</c> (word characters and '-', not starting with '_' or '-') plus its SQLite rule (no '-').
    /// </summary>
    public static void Validate(string name)
    {
        if (string.IsNullOrEmpty(name))
            throw new FeastException("The project directory has no name to use as the project name. Pass a directory such as my_project.");
        if (name[0] is '_' or '-' || !WordsAndHyphens().IsMatch(name))
            throw new FeastException(
                $"'{name}' is not a valid project name: Feast project names contain only letters, digits, underscores and hyphens, "
                + $"and do not start with an underscore or a hyphen. The project name is the directory's name; try '{Suggest(name)}'.");
        if (name.Contains('-', StringComparison.Ordinal))
            throw new FeastException(
                $"'{name}' cannot be the project name: the local template uses the SQLite online store, and project names for SQLite "
                + $"online stores cannot contain hyphens because they are used in table names. Use '{Suggest(name)}' instead.");
    }

    /// <summary>A valid name close to <paramref name="name"/>: other characters become '_', leading '_' are dropped.</summary>
    public static string Suggest(string name)
    {
        var suggestion = NotWord().Replace(name ?? "", "_").TrimStart('_');
        return suggestion.Length > 0 ? suggestion : "my_project";
    }

    /// <summary>
    /// The name as a YAML scalar: plain, as Feast's template writes it, unless YAML would read it as something other than a
    /// string (<c>2024</c>, <c>1e3</c>, <c>true</c>, <c>null</c>, ...) — Feast requires a string project.
    /// </summary>
    public static string ToYamlScalar(string name) => NotAString().IsMatch(name) ? $"\"{name}\"" : name;

    // Python's \w in a str pattern and .NET's \w both mean Unicode letters, digits and underscore.
    [GeneratedRegex(@"^[\w-]+$")]
    private static partial Regex WordsAndHyphens();

    [GeneratedRegex(@"\W")]
    private static partial Regex NotWord();

    // YAML 1.1 and 1.2 core-schema ints, floats, booleans and nulls that a name made of word characters can spell.
    [GeneratedRegex(@"^(?:[0-9][0-9_]*(?:e[0-9]+)?|0x[0-9a-f_]+|0o[0-7_]+|0b[01_]+|true|false|yes|no|on|off|y|n|null|nan|inf)$", RegexOptions.IgnoreCase)]
    private static partial Regex NotAString();
}
