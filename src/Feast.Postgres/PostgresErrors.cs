using System.Net.Sockets;
using Npgsql;

namespace Feast.Postgres;

/// <summary>Messages a user can act on for the ways opening a PostgreSQL connection fails.</summary>
internal static class PostgresErrors
{
    /// <summary>
    /// Why <paramref name="what"/> (e.g. "the PostgreSQL online store") could not be reached at
    /// <paramref name="host"/>:<paramref name="port"/> as <paramref name="user"/>, with a hint at the fix. Never contains the password.
    /// </summary>
    public static string ConnectFailed(string what, string host, int port, string database, string user, NpgsqlException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var where = $"{host}:{port}";
        return e switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } pg =>
                $"Cannot connect to {what} at {where} as user '{user}': {pg.MessageText}. Check user and password in feature_store.yaml.",
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } =>
                $"Cannot connect to {what} at {where}: database '{database}' does not exist. Create it or fix database in feature_store.yaml.",
            PostgresException pg =>
                $"Cannot connect to {what} at {where} as user '{user}': {pg.MessageText} (SQLSTATE {pg.SqlState}).",
            _ when e.Message.Contains("SSL", StringComparison.OrdinalIgnoreCase) || e.InnerException?.Message.Contains("SSL", StringComparison.OrdinalIgnoreCase) == true =>
                $"Cannot connect to {what} at {where} as user '{user}': {Innermost(e)}. Feast's default sslmode is require; set sslmode: disable (or prefer) for a server without SSL.",
            { InnerException: SocketException or TimeoutException or IOException } or { IsTransient: true } =>
                $"Cannot connect to {what} at {where} as user '{user}': {Innermost(e)}. Is the server running and reachable from here?",
            _ => $"Cannot connect to {what} at {where} as user '{user}': {e.Message}",
        };
    }

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message.TrimEnd('.');
    }
}
