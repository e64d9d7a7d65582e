namespace Feast.Repo;

/// <summary>
/// The patterns of a repo's <c>.feastignore</c>, matched the way Feast matches them with <c>pathlib.Path.glob</c>:
/// patterns are relative to the repo root, <c>*</c>, <c>?</c> and <c>[...]</c> match within one path segment,
/// a <c>**</c> segment matches any number of directories, and a pattern that names a directory ignores everything under it.
/// </summary>
internal sealed class FeastIgnore
{
    /// <summary>The file name Feast reads in the repo root.</summary>
    public const string FileName = ".feastignore";

    private static readonly StringComparison SegmentComparison =
        OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private readonly List<string[]> _patterns;

    private FeastIgnore(List<string[]> patterns) => _patterns = patterns;

    /// <summary>Ignores nothing.</summary>
    public static FeastIgnore Empty { get; } = new([]);

    /// <summary>The patterns, split into segments.</summary>
    public IReadOnlyList<string[]> Patterns => _patterns;

    /// <summary>Parses the text of a <c>.feastignore</c> file: one pattern a line; <c>#</c> starts a comment; blank lines are skipped.</summary>
    public static FeastIgnore Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var patterns = new List<string[]>();
        foreach (var rawLine in text.Split('\n'))
        {
            // Feast cuts each line at its first '#', then trims it.
            var hash = rawLine.IndexOf('#', StringComparison.Ordinal);
            var line = (hash >= 0 ? rawLine[..hash] : rawLine).Trim();
            var segments = line.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries)
                .Where(s => s != ".")
                .ToArray();
            if (segments.Length > 0)
                patterns.Add(segments);
        }
        return new FeastIgnore(patterns);
    }

    /// <summary>Reads <c>.feastignore</c> from the repo root, or returns <see cref="Empty"/> when there is none.</summary>
    public static async Task<FeastIgnore> ReadAsync(string repoRoot, CancellationToken cancellationToken)
    {
        var path = Path.Combine(repoRoot, FileName);
        if (!File.Exists(path))
            return Empty;
        var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(text);
    }

    /// <summary>
    /// Whether the file or directory at <paramref name="relativePath"/> (relative to the repo root, <c>/</c>-separated) is
    /// ignored: a pattern matches the path itself or one of the directories it lies in.
    /// </summary>
    public bool IsIgnored(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        if (_patterns.Count == 0)
            return false;
        var segments = relativePath.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        foreach (var pattern in _patterns)
        {
            for (var length = 0; length <= segments.Length; length++)
            {
                if (MatchSegments(pattern, 0, segments, 0, length))
                    return true;
            }
        }
        return false;
    }

    private static bool MatchSegments(string[] pattern, int p, string[] path, int s, int end)
    {
        while (p < pattern.Length)
        {
            if (pattern[p] == "**")
            {
                // '**' matches zero or more whole directories.
                for (var skip = s; skip <= end; skip++)
                {
                    if (MatchSegments(pattern, p + 1, path, skip, end))
                        return true;
                }
                return false;
            }
            if (s >= end || !MatchSegment(pattern[p], path[s]))
                return false;
            p++;
            s++;
        }
        return s == end;
    }

    /// <summary>Matches one path segment against a glob segment with <c>*</c>, <c>?</c> and <c>[...]</c>/<c>[!...]</c>.</summary>
    internal static bool MatchSegment(string glob, string name)
    {
        // '**' inside a segment (e.g. "a**b") behaves like '*', as in pathlib.
        int g = 0, n = 0, starG = -1, starN = 0;
        while (n < name.Length)
        {
            if (g < glob.Length && glob[g] == '*')
            {
                starG = g++;
                starN = n;
                continue;
            }
            if (g < glob.Length && MatchOne(glob, ref g, name[n]))
            {
                n++;
                continue;
            }
            if (starG < 0)
                return false;
            // Backtrack: let the last '*' swallow one more character.
            g = starG + 1;
            n = ++starN;
        }
        while (g < glob.Length && glob[g] == '*')
            g++;
        return g == glob.Length;
    }

    /// <summary>Matches one character at <paramref name="g"/>; advances <paramref name="g"/> past the token when it matches.</summary>
    private static bool MatchOne(string glob, ref int g, char c)
    {
        var token = glob[g];
        if (token == '?')
        {
            g++;
            return true;
        }
        if (token == '[')
        {
            var close = glob.IndexOf(']', g + 2 <= glob.Length ? g + 2 : glob.Length);
            if (close > g)
            {
                var negate = glob[g + 1] is '!' or '^';
                var start = negate ? g + 2 : g + 1;
                if (negate && close == start)
                    close = glob.IndexOf(']', start + 1);
                if (close > start)
                {
                    var matched = false;
                    for (var i = start; i < close; i++)
                    {
                        if (i + 2 < close && glob[i + 1] == '-')
                        {
                            matched |= c >= glob[i] && c <= glob[i + 2];
                            i += 2;
                        }
                        else
                        {
                            matched |= EqualChars(glob[i], c);
                        }
                    }
                    if (matched == negate)
                        return false;
                    g = close + 1;
                    return true;
                }
            }
            // An unclosed '[' is a literal, as in fnmatch.
        }
        if (!EqualChars(token, c))
            return false;
        g++;
        return true;
    }

    private static bool EqualChars(char a, char b) =>
        a == b || (SegmentComparison == StringComparison.OrdinalIgnoreCase && char.ToUpperInvariant(a) == char.ToUpperInvariant(b));
}
