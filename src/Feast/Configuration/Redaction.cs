using System.Text.RegularExpressions;

namespace Feast.Configuration;

/// <summary>Keeps secrets out of <c>ToString()</c> output, which tends to end up in logs.</summary>
internal static partial class Redaction
{
    public const string Mask = "***";

    /// <summary>Masks <c>password=…</c> in a Feast Redis connection string (<c>host:port,key=value,…</c>).</summary>
    public static string RedactConnectionString(string connectionString) =>
        PasswordOption().Replace(connectionString, "$1" + Mask);

    [GeneratedRegex(@"((?:^|,)\s*password\s*=)[^,]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordOption();
}
