using Npgsql;

namespace Feast.Postgres.Tests;

public sealed class ServerTests
{
    [Fact]
    public async Task TheTestServerAnswers()
    {
        await using var connection = new NpgsqlConnection(TestServers.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_setting('server_version_num')::int", connection);
        Assert.True((int)(await command.ExecuteScalarAsync())! >= 150000);
    }
}
