using System.Net.Sockets;
using Feast.Offline;
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

    /// <summary>
    /// An offline-store error as a one-line <see cref="FeastException"/>: the step, the subject
    /// ("Source 'driver_stats' (table public.driver_stats)"), PostgreSQL's message and SQLSTATE, and a hint by error class.
    /// </summary>
    public static FeastException In(NpgsqlException e, OfflineStep step, string subject)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e is not PostgresException pg)
            return new FeastException(EngineErrors.Message("PostgreSQL", step, subject, Innermost(e),
                "The connection to the offline store failed during the statement; check that the server is up and reachable, then retry."), e);
        var reason = $"{pg.MessageText}{(pg.Detail is { Length: > 0 } detail ? " (" + detail + ")" : "")} (SQLSTATE {pg.SqlState})";
        return new FeastException(EngineErrors.Message("PostgreSQL", step, subject, reason, HintFor(pg.SqlState)), e);
    }

    internal static string HintFor(string sqlState) => sqlState switch
    {
        _ when sqlState.StartsWith("22", StringComparison.Ordinal) =>
            "A value in the source does not fit an operation or type: check the source's column types and values, or cast them in a PostgreSQLSource query.",
        _ when sqlState.StartsWith("42", StringComparison.Ordinal) =>
            "Check the source's table or query, its column names and types, and its field_mapping.",
        _ when sqlState.StartsWith("53", StringComparison.Ordinal) =>
            "The server ran out of resources: narrow the time window or the entity rows, or read fewer features at once.",
        _ when sqlState.StartsWith("XX", StringComparison.Ordinal) =>
            "This is a fault inside PostgreSQL rather than in your data; check the server's log.",
        _ => "Check the source's definition (timestamp_field, created_timestamp_column, field_mapping, query) against its data.",
    };

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message.TrimEnd('.');
    }
}
