using System.Text;

namespace Feast.Configuration;

/// <summary>Whether a Postgres store holds one connection or a pool.</summary>
public enum PostgresConnectionType
{
    /// <summary>One connection (yaml <c>singleton</c>).</summary>
    Singleton,

    /// <summary>A pool of <see cref="PostgresConnectionOptions.MinConn"/> to <see cref="PostgresConnectionOptions.MaxConn"/> connections (yaml <c>pool</c>).</summary>
    Pool,
}

/// <summary>
/// Feast's <c>PostgreSQLConfig</c>: the connection keys shared by the Postgres online and offline stores.
/// <c>host</c>, <c>database</c>, <c>user</c> and <c>password</c> are required in the yaml.
/// </summary>
public sealed record PostgresConnectionOptions
{
    /// <summary>The server host (yaml <c>host</c>, required).</summary>
    public required string Host { get; init; }

    /// <summary>The server port (yaml <c>port</c>, 5432).</summary>
    public int Port { get; init; } = 5432;

    /// <summary>The database name (yaml <c>database</c>, required).</summary>
    public required string Database { get; init; }

    /// <summary>The schema holding Feast's tables (yaml <c>db_schema</c>, <c>public</c>).</summary>
    public string DbSchema { get; init; } = "public";

    /// <summary>The user name (yaml <c>user</c>, required).</summary>
    public required string User { get; init; }

    /// <summary>The password (yaml <c>password</c>, required). Left out of <see cref="ToString"/>.</summary>
    public required string Password { get; init; }

    /// <summary>The libpq SSL mode (yaml <c>sslmode</c>, <c>require</c>).</summary>
    public string? SslMode { get; init; } = "require";

    /// <summary>The client key file (yaml <c>sslkey_path</c>).</summary>
    public string? SslKeyPath { get; init; }

    /// <summary>The client certificate file (yaml <c>sslcert_path</c>).</summary>
    public string? SslCertPath { get; init; }

    /// <summary>The root certificate file (yaml <c>sslrootcert_path</c>).</summary>
    public string? SslRootCertPath { get; init; }

    /// <summary>Seconds of idle before TCP keepalives are sent (yaml <c>keepalives_idle</c>).</summary>
    public int? KeepalivesIdle { get; init; }

    /// <summary>The smallest pool size (yaml <c>min_conn</c>, 1).</summary>
    public int MinConn { get; init; } = 1;

    /// <summary>The largest pool size (yaml <c>max_conn</c>, 10).</summary>
    public int MaxConn { get; init; } = 10;

    /// <summary>One connection or a pool (yaml <c>conn_type</c>, <c>singleton</c>).</summary>
    public PostgresConnectionType ConnType { get; init; } = PostgresConnectionType.Singleton;

    // Records print every property; a password must not reach logs through ToString().
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Host = ").Append(Host)
            .Append(", Port = ").Append(Port)
            .Append(", Database = ").Append(Database)
            .Append(", DbSchema = ").Append(DbSchema)
            .Append(", User = ").Append(User)
            .Append(", Password = ").Append(Redaction.Mask)
            .Append(", SslMode = ").Append(SslMode)
            .Append(", SslKeyPath = ").Append(SslKeyPath)
            .Append(", SslCertPath = ").Append(SslCertPath)
            .Append(", SslRootCertPath = ").Append(SslRootCertPath)
            .Append(", KeepalivesIdle = ").Append(KeepalivesIdle)
            .Append(", MinConn = ").Append(MinConn)
            .Append(", MaxConn = ").Append(MaxConn)
            .Append(", ConnType = ").Append(ConnType);
        return true;
    }
}
