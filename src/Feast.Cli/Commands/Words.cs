namespace Feast.Cli.Commands;

/// <summary>English for counts in command output: "1 row", "2 rows".</summary>
internal static class Words
{
    /// <summary><paramref name="singular"/> when <paramref name="count"/> is 1, else <paramref name="plural"/> (default: singular + "s").</summary>
    public static string Plural(long count, string singular, string? plural = null) => count == 1 ? singular : plural ?? singular + "s";
}
