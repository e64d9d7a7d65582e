using System.Text.RegularExpressions;

namespace Feast.Configuration;

/// <summary>Keeps secrets out of <c>ToString()</c> output and messages, which tend to end up in logs; backends use it for their connection settings.</summary>
public static partial class Redaction
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "***";

    /// <summary>Masks <c>password=…</c> in a Feast Redis connection string (<c>host:port,key=value,…</c>).</summary>
    public static string RedactConnectionString(string connectionString) =>
        PasswordOption().Replace(connectionString, "$1" + Mask);

    /// <summary>Masks the password of a URL: <c>postgresql://user:secret@host/db</c> → <c>postgresql://user:***@host/db</c>.</summary>
    public static string RedactUrl(string url) => UrlPassword().Replace(url, "$1" + Mask + "@");

    [GeneratedRegex(@"^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*:)[^@]*@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlPassword();

    [GeneratedRegex(@"((?:^|,)\s*password\s*=)[^,]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordOption();
}
