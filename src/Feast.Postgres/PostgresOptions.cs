using System.Text;
using Feast.Configuration;

namespace Feast.Postgres;

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

/// <summary>The PostgreSQL online store (<c>type: postgres</c>): one table per feature view.</summary>
public sealed record PostgresOnlineStoreOptions : OnlineStoreOptions
{
    /// <inheritdoc/>
    public override string Type => "postgres";

    /// <inheritdoc/>
    public override OptionsSchema YamlKeys() => PostgresConfiguration.OnlineSchema;

    /// <summary>The connection settings shared with the Postgres offline store.</summary>
    public required PostgresConnectionOptions Connection { get; init; }

    /// <summary>The server host (yaml <c>host</c>).</summary>
    public string Host => Connection.Host;

    /// <summary>The server port (yaml <c>port</c>).</summary>
    public int Port => Connection.Port;

    /// <summary>The database name (yaml <c>database</c>).</summary>
    public string Database => Connection.Database;

    /// <summary>The schema holding the tables (yaml <c>db_schema</c>).</summary>
    public string DbSchema => Connection.DbSchema;

    /// <summary>The user name (yaml <c>user</c>).</summary>
    public string User => Connection.User;

    /// <summary>The password (yaml <c>password</c>).</summary>
    public string Password => Connection.Password;

    /// <summary>The libpq SSL mode (yaml <c>sslmode</c>).</summary>
    public string? SslMode => Connection.SslMode;

    /// <summary>The client key file (yaml <c>sslkey_path</c>).</summary>
    public string? SslKeyPath => Connection.SslKeyPath;

    /// <summary>The client certificate file (yaml <c>sslcert_path</c>).</summary>
    public string? SslCertPath => Connection.SslCertPath;

    /// <summary>The root certificate file (yaml <c>sslrootcert_path</c>).</summary>
    public string? SslRootCertPath => Connection.SslRootCertPath;

    /// <summary>Seconds of idle before TCP keepalives are sent (yaml <c>keepalives_idle</c>).</summary>
    public int? KeepalivesIdle => Connection.KeepalivesIdle;

    /// <summary>The smallest pool size (yaml <c>min_conn</c>).</summary>
    public int MinConn => Connection.MinConn;

    /// <summary>The largest pool size (yaml <c>max_conn</c>).</summary>
    public int MaxConn => Connection.MaxConn;

    /// <summary>One connection or a pool (yaml <c>conn_type</c>).</summary>
    public PostgresConnectionType ConnType => Connection.ConnType;

    /// <summary>Store vectors with pgvector (yaml <c>vector_enabled</c>).</summary>
    public bool VectorEnabled { get; init; }

    /// <inheritdoc cref="SqliteOnlineStoreOptions.LastWriteWins"/>
    public bool LastWriteWins { get; init; }

    /// <summary>The length of vector features (yaml <c>vector_len</c>, 512).</summary>
    public int VectorLength { get; init; } = 512;

    /// <summary>The vector similarity metric (yaml <c>similarity</c>, <c>cosine</c>).</summary>
    public string Similarity { get; init; } = "cosine";

    /// <summary>Keep the <c>value_num</c> column for the OpenAI-compatible vector store API (yaml <c>enable_openai_compatible_store</c>).</summary>
    public bool EnableOpenaiCompatibleStore { get; init; }

    /// <inheritdoc/>
    protected override bool PrintMembers(StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (base.PrintMembers(builder))
        {
            builder.Append(", ");
        }

        builder.Append("Connection = ").Append(Connection)
            .Append(", VectorEnabled = ").Append(VectorEnabled)
            .Append(", VectorLength = ").Append(VectorLength)
            .Append(", Similarity = ").Append(Similarity)
            .Append(", EnableOpenaiCompatibleStore = ").Append(EnableOpenaiCompatibleStore);
        return true;
    }
}

/// <summary>How the Postgres offline store passes an entity dataframe to its queries.</summary>
public enum PostgresEntitySelectMode
{
    /// <summary>Upload the rows to a temporary table (yaml <c>temp_table</c>).</summary>
    TempTable,

    /// <summary>Embed the entity query as a sub-select (yaml <c>embed_query</c>).</summary>
    EmbedQuery,
}

/// <summary>The PostgreSQL offline store (<c>type: postgres</c>).</summary>
public sealed record PostgresOfflineStoreOptions : OfflineStoreOptions
{
    /// <inheritdoc/>
    public override string Type => "postgres";

    /// <inheritdoc/>
    public override OptionsSchema YamlKeys() => PostgresConfiguration.OfflineSchema;

    /// <summary>The connection settings shared with the Postgres online store.</summary>
    public required PostgresConnectionOptions Connection { get; init; }

    /// <summary>How entity rows reach the query (yaml <c>entity_select_mode</c>, <c>temp_table</c>).</summary>
    public PostgresEntitySelectMode EntitySelectMode { get; init; } = PostgresEntitySelectMode.TempTable;

    /// <inheritdoc/>
    protected override bool PrintMembers(StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (base.PrintMembers(builder))
        {
            builder.Append(", ");
        }

        builder.Append("Connection = ").Append(Connection)
            .Append(", EntitySelectMode = ").Append(EntitySelectMode);
        return true;
    }
}
