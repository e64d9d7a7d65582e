using Feast.Configuration;

namespace Feast.Postgres;

/// <summary>The <c>online_store</c> and <c>offline_store</c> keys of the PostgreSQL stores, as Feast names them.</summary>
internal static class PostgresConfiguration
{
    public static readonly NameMap<PostgresConnectionType> ConnectionTypes = new(
        ("singleton", PostgresConnectionType.Singleton),
        ("pool", PostgresConnectionType.Pool));

    public static readonly NameMap<PostgresEntitySelectMode> EntitySelectModes = new(
        ("temp_table", PostgresEntitySelectMode.TempTable),
        ("embed_query", PostgresEntitySelectMode.EmbedQuery));

    private static readonly PostgresConnectionOptions EmptyConnection =
        new() { Host = "", Database = "", User = "", Password = "" };

    // Feast's PostgreSQLConfig: the keys both stores share.
    private static readonly OptionsSchema<PostgresConnectionOptions> Connection = new(() => EmptyConnection)
    {
        { "host", (c, v) => c with { Host = v.String() }, c => c.Host, true },
        { "port", (c, v) => c with { Port = v.Int32(1, 65535) }, c => c.Port },
        { "database", (c, v) => c with { Database = v.String() }, c => c.Database, true },
        { "db_schema", (c, v) => c with { DbSchema = v.String() }, c => c.DbSchema },
        { "user", (c, v) => c with { User = v.String() }, c => c.User, true },
        { "password", (c, v) => c with { Password = v.String() }, c => c.Password, true },
        // An explicit null turns SSL options off in libpq terms; print it so it survives a round trip.
        { "sslmode", (c, v) => c with { SslMode = v.OptionalString() }, c => c.SslMode ?? OptionsSchema.PrintNull },
        { "sslkey_path", (c, v) => c with { SslKeyPath = v.OptionalString() }, c => c.SslKeyPath },
        { "sslcert_path", (c, v) => c with { SslCertPath = v.OptionalString() }, c => c.SslCertPath },
        { "sslrootcert_path", (c, v) => c with { SslRootCertPath = v.OptionalString() }, c => c.SslRootCertPath },
        { "keepalives_idle", (c, v) => c with { KeepalivesIdle = v.OptionalInt32(min: 0) }, c => c.KeepalivesIdle },
        { "min_conn", (c, v) => c with { MinConn = v.Int32(min: 0) }, c => c.MinConn },
        { "max_conn", (c, v) => c with { MaxConn = v.Int32(min: 1) }, c => c.MaxConn },
        { "conn_type", (c, v) => c with { ConnType = v.Enum(ConnectionTypes) }, c => ConnectionTypes.NameOf(c.ConnType) },
    };

    public static readonly OptionsSchema<PostgresOnlineStoreOptions> OnlineSchema = CreateOnlineSchema();

    public static readonly OptionsSchema<PostgresOfflineStoreOptions> OfflineSchema = CreateOfflineSchema();

    private static OptionsSchema<PostgresOnlineStoreOptions> CreateOnlineSchema()
    {
        var schema = new OptionsSchema<PostgresOnlineStoreOptions>(() => new() { Connection = EmptyConnection })
        {
            { "type", OptionsSchema.Keep, o => o.Type },
        };
        schema.Include(Connection, o => o.Connection, (o, c) => o with { Connection = c });
        schema.Add("vector_enabled", (o, v) => o with { VectorEnabled = v.OptionalBoolean() ?? false }, o => o.VectorEnabled);
        schema.Add("vector_len", (o, v) => o with { VectorLength = v.Int32(min: 1) }, o => o.VectorLength);
        schema.Add("similarity", (o, v) => o with { Similarity = v.String() }, o => o.Similarity);
        schema.Add(
            "enable_openai_compatible_store",
            (o, v) => o with { EnableOpenaiCompatibleStore = v.Boolean() },
            o => o.EnableOpenaiCompatibleStore);
        schema.Add("enforce_ttl", (o, v) => o with { EnforceTtl = v.Boolean() }, o => o.EnforceTtl);
        schema.Add("last_write_wins", (o, v) => o with { LastWriteWins = v.Boolean() }, o => o.LastWriteWins ? true : null);
        return schema;
    }

    private static OptionsSchema<PostgresOfflineStoreOptions> CreateOfflineSchema()
    {
        var schema = new OptionsSchema<PostgresOfflineStoreOptions>(() => new() { Connection = EmptyConnection })
        {
            { "type", OptionsSchema.Keep, o => o.Type },
        };
        schema.Include(Connection, o => o.Connection, (o, c) => o with { Connection = c });
        schema.Add(
            "entity_select_mode",
            (o, v) => o with { EntitySelectMode = v.Enum(EntitySelectModes) },
            o => EntitySelectModes.NameOf(o.EntitySelectMode));
        return schema;
    }
}
