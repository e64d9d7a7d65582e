using Feast.Configuration;
using Npgsql;

namespace Feast.Postgres;

/// <summary>Npgsql data sources from Feast's <c>PostgreSQLConfig</c> keys, shared by the online and offline stores.</summary>
internal static class PostgresConnections
{
    /// <summary>
    /// The Npgsql connection string for <paramref name="options"/>: libpq's <c>sslmode</c> names, the pool bounds of
    /// <c>min_conn</c>/<c>max_conn</c> (one connection for <c>conn_type: singleton</c>), TCP keepalives, and
    /// <c>search_path</c> set to <c>db_schema, public</c> as Feast's connections do.
    /// </summary>
    public static string ConnectionString(PostgresConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = options.Host,
            Port = options.Port,
            Database = options.Database,
            Username = options.User,
            Password = options.Password,
            SslMode = SslMode(options.SslMode),
            SearchPath = string.IsNullOrEmpty(options.DbSchema) || options.DbSchema == "public" ? "public" : $"{options.DbSchema},public",
            MinPoolSize = options.ConnType == PostgresConnectionType.Singleton ? 0 : Math.Max(0, options.MinConn),
            MaxPoolSize = Math.Max(1, options.MaxConn),
            ApplicationName = "feast.net",
        };
        if (options.SslRootCertPath is { Length: > 0 } root) builder.RootCertificate = root;
        if (options.SslCertPath is { Length: > 0 } cert) builder.SslCertificate = cert;
        if (options.SslKeyPath is { Length: > 0 } key) builder.SslKey = key;
        if (options.KeepalivesIdle is { } idle) builder.TcpKeepAliveTime = idle;
        return builder.ConnectionString;
    }

    /// <summary>A pooled data source for <paramref name="options"/>; dispose it with the store.</summary>
    public static NpgsqlDataSource CreateDataSource(PostgresConnectionOptions options) =>
        new NpgsqlDataSourceBuilder(ConnectionString(options)).Build();

    /// <summary>Maps libpq's <c>sslmode</c> names onto Npgsql's.</summary>
    /// <exception cref="FeastConfigException">The mode is not one libpq knows.</exception>
    public static SslMode SslMode(string? mode) => mode?.Trim().ToLowerInvariant() switch
    {
        null or "" or "prefer" => Npgsql.SslMode.Prefer,
        "disable" => Npgsql.SslMode.Disable,
        "allow" => Npgsql.SslMode.Allow,
        "require" => Npgsql.SslMode.Require,
        "verify-ca" => Npgsql.SslMode.VerifyCA,
        "verify-full" => Npgsql.SslMode.VerifyFull,
        _ => throw new FeastConfigException(
            $"feature_store.yaml: sslmode '{mode}' is not a PostgreSQL SSL mode. Use disable, allow, prefer, require, verify-ca or verify-full."),
    };

    /// <summary>Quotes an identifier for SQL: <c>a"b</c> → <c>"a""b"</c>.</summary>
    public static string Quote(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
