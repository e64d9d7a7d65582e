using System.Globalization;
using Feast.Configuration;
using Feast.Registry;
using Npgsql;

namespace Feast.Postgres.Registry;

/// <summary>
/// A SQLAlchemy PostgreSQL URL as Feast's <c>registry.path</c> holds it —
/// <c>postgresql[+driver]://user:password@host:port/database?sslmode=…</c> — turned into Npgsql settings.
/// </summary>
internal sealed record PostgresRegistryUrl(string ConnectionString, string Schema, string Host, int Port, string Database, string User, string Masked)
{
    private static readonly string[] KnownQueryKeys =
        ["sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name", "options", "target_session_attrs"];

    /// <summary>Parses <paramref name="url"/>.</summary>
    /// <exception cref="RegistryException">The URL is not a PostgreSQL URL Feast.NET can use; the message shows it with the password masked.</exception>
    public static PostgresRegistryUrl Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var masked = Redaction.RedactUrl(url);
        RegistryException Bad(string why) => new(
            $"The sql registry URL '{masked}' {why}. Use postgresql://user:password@host:port/database (optionally postgresql+psycopg://…, ?sslmode=disable).");

        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0) throw Bad("is not a database URL");
        var scheme = url[..schemeEnd].Split('+')[0].ToLowerInvariant();
        if (scheme is not ("postgresql" or "postgres")) throw Bad($"uses '{url[..schemeEnd]}', not postgresql");

        var rest = url[(schemeEnd + 3)..];
        var query = "";
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash >= 0 ? rest[..slash] : rest;
        var database = slash >= 0 ? Uri.UnescapeDataString(rest[(slash + 1)..]) : "";
        if (database.Length == 0 || database.Contains('/', StringComparison.Ordinal)) throw Bad("names no database (the path after the host)");

        string? user = null, password = null;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var credentials = authority[..at];
            authority = authority[(at + 1)..];
            var colon = credentials.IndexOf(':', StringComparison.Ordinal);
            user = Uri.UnescapeDataString(colon >= 0 ? credentials[..colon] : credentials);
            if (colon >= 0) password = Uri.UnescapeDataString(credentials[(colon + 1)..]);
        }

        string host;
        var port = 5432;
        string? portText = null;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) throw Bad("has an unclosed [ in its host");
            host = authority[1..close];
            if (close + 1 < authority.Length)
            {
                if (authority[close + 1] != ':') throw Bad("has text after its host");
                portText = authority[(close + 2)..];
            }
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = colon >= 0 ? authority[..colon] : authority;
            if (colon >= 0) portText = authority[(colon + 1)..];
        }
        if (portText is not null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is <= 0 or > 65535))
            throw Bad($"has port '{portText}', which is not a port number");
        if (host.Length == 0) host = "localhost";

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Database = database,
            SslMode = SslMode.Prefer, // libpq's default when the URL says nothing
            ApplicationName = "feast.net registry",
            MaxPoolSize = 4,
        };
        if (user is { Length: > 0 }) builder.Username = user;
        if (password is not null) builder.Password = password;
        var schema = "";
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString((eq >= 0 ? pair[..eq] : pair).Replace('+', ' ')).Trim();
            var value = eq >= 0 ? Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' ')) : "";
            switch (key.ToLowerInvariant())
            {
                case "sslmode":
                    try
                    {
                        builder.SslMode = PostgresConnections.SslMode(value);
                    }
                    catch (FeastConfigException)
                    {
                        throw Bad($"has sslmode '{value}', which is not a PostgreSQL SSL mode (disable, allow, prefer, require, verify-ca, verify-full)");
                    }
                    break;
                case "sslrootcert": builder.RootCertificate = value; break;
                case "sslcert": builder.SslCertificate = value; break;
                case "sslkey": builder.SslKey = value; break;
                case "connect_timeout":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var timeout))
                        throw Bad($"has connect_timeout '{value}', which is not a whole number of seconds");
                    builder.Timeout = Math.Max(timeout, 1);
                    break;
                case "application_name": builder.ApplicationName = value; break;
                case "options":
                    schema = SearchPathOf(value) ?? schema;
                    builder.Options = value;
                    break;
                case "target_session_attrs": break; // one host: nothing to choose between
                default:
                    throw Bad($"has the query parameter '{key}', which Feast.NET does not know (it knows {string.Join(", ", KnownQueryKeys)})");
            }
        }
        return new PostgresRegistryUrl(builder.ConnectionString, schema, host, port, database, user ?? Environment.UserName, masked);
    }

    /// <summary>The first schema of a <c>-c search_path=…</c> in libpq's <c>options</c>, if any.</summary>
    private static string? SearchPathOf(string options)
    {
        const string Key = "search_path=";
        var index = options.IndexOf(Key, StringComparison.OrdinalIgnoreCase);
        if (index < 0) return null;
        var value = options[(index + Key.Length)..];
        var end = value.IndexOfAny([' ', ',']);
        if (end >= 0) value = value[..end];
        value = value.Trim('"');
        return value.Length == 0 ? null : value;
    }
}
