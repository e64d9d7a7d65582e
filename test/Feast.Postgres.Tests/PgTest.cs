using Feast.Configuration;
using Npgsql;

namespace Feast.Postgres.Tests;

/// <summary>Settings for the test server in the shapes Feast's configuration takes, and a fresh schema per test.</summary>
internal static class PgTest
{
    private static NpgsqlConnectionStringBuilder Server => new(TestServers.ConnectionString);

    /// <summary>A schema (or project) name unique to one test.</summary>
    public static string UniqueName(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Feast's <c>PostgreSQLConfig</c> for the test server (no SSL there, so <c>sslmode: disable</c>).</summary>
    public static PostgresConnectionOptions Connection(string schema, string? password = null, string? sslMode = "disable")
    {
        var server = Server;
        return new PostgresConnectionOptions
        {
            Host = server.Host!,
            Port = server.Port,
            Database = server.Database!,
            User = server.Username!,
            Password = password ?? server.Password ?? "",
            DbSchema = schema,
            SslMode = sslMode,
            ConnType = PostgresConnectionType.Pool,
        };
    }

    public static PostgresOnlineStoreOptions OnlineOptions(string schema) => new() { Connection = Connection(schema) };

    /// <summary>
    /// A SQLAlchemy URL for the registry on the test server, its tables in <paramref name="schema"/>
    /// (libpq's <c>options=-c search_path=…</c>).
    /// </summary>
    public static string RegistryUrl(string? schema, string driver = "", string? password = null)
    {
        var server = Server;
        var credentials = Uri.EscapeDataString(server.Username!) + (password ?? server.Password) switch
        {
            null or "" => "",
            var p => ":" + Uri.EscapeDataString(p),
        };
        var url = $"postgresql{driver}://{credentials}@{server.Host}:{server.Port}/{Uri.EscapeDataString(server.Database!)}?sslmode=disable";
        return schema is null ? url : url + "&options=-csearch_path%3D" + schema;
    }

    public static async Task<T?> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(TestServers.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    public static async Task<List<object?[]>> QueryAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(TestServers.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestServers.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
