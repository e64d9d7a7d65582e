using Feast.Configuration;

namespace Feast.Registry;

/// <summary>For registry stores whose <c>registry.path</c> is a database URL (<c>registry_type: sql</c>).</summary>
public static class RegistryUrl
{
    /// <summary>
    /// The URL with its password masked — <c>postgresql://user:secret@host/db</c> becomes
    /// <c>postgresql://user:***@host/db</c> — for <see cref="IRegistryStore.Description"/> and error messages, the way
    /// Feast.NET masks secrets everywhere else.
    /// </summary>
    /// <param name="url">A URL, with or without a password.</param>
    public static string Redact(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return Redaction.RedactUrl(url);
    }
}
