using System.Text.RegularExpressions;

namespace Feast.Configuration;

/// <summary>
/// Python's <c>os.path.expandvars</c> on POSIX, which Feast applies to the whole of <c>feature_store.yaml</c> before
/// parsing: <c>$NAME</c> and <c>${NAME}</c> are replaced when the variable is set and left as written when it is not.
/// There is no escape and no <c>${NAME:-default}</c>.
/// </summary>
internal static partial class EnvironmentVariableExpander
{
    public static string Expand(string text, Func<string, string?> lookup)
    {
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }

        return Reference().Replace(text, match =>
        {
            var name = match.Groups[1].Value;
            if (name.StartsWith('{'))
            {
                name = name[1..^1];
            }

            return name.Length > 0 && lookup(name) is { } value ? value : match.Value;
        });
    }

    // posixpath._varprog: r'\$(\w+|\{[^}]*\})' compiled with re.ASCII.
    [GeneratedRegex(@"\$([A-Za-z0-9_]+|\{[^}]*\})")]
    private static partial Regex Reference();
}
