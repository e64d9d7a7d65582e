using Feast.Configuration;
using Npgsql;

namespace Feast.Postgres.Tests.Offline;

/// <summary>A throwaway schema on the test server, dropped on dispose, and offline-store options whose db_schema is it.</summary>
internal sealed class PostgresTestSchema : IAsyncDisposable
{
    private PostgresTestSchema(string name) => Name = name;

    public string Name { get; }

    public string Quoted => PostgresConnections.Quote(Name);

    public static async Task<PostgresTestSchema> CreateAsync(string prefix)
    {
        var schema = new PostgresTestSchema($"{prefix}_{Guid.NewGuid():N}"[..Math.Min(60, prefix.Length + 33)]);
        await ExecuteAsync($"CREATE SCHEMA {schema.Quoted}");
        return schema;
    }

    /// <summary>Options for the test server with this schema first on the search path.</summary>
    public PostgresOfflineStoreOptions Options(PostgresEntitySelectMode mode = PostgresEntitySelectMode.TempTable)
    {
        var builder = new NpgsqlConnectionStringBuilder(TestServers.ConnectionString);
        return new PostgresOfflineStoreOptions
        {
            Connection = new PostgresConnectionOptions
            {
                Host = builder.Host!,
                Port = builder.Port,
                Database = builder.Database ?? "postgres",
                User = builder.Username!,
                Password = builder.Password ?? "",
                DbSchema = Name,
                SslMode = "disable",
            },
            EntitySelectMode = mode,
        };
    }

    public static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestServers.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestServers.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ExecuteAsync($"DROP SCHEMA IF EXISTS {Quoted} CASCADE");
        }
        catch (NpgsqlException)
        {
            // A leftover schema on a throwaway server must not fail a test.
        }
    }
}
