using Feast.Offline;
using Feast.Offline.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Feast.Postgres.Offline;

/// <summary>
/// The commands of <see cref="IOfflineStore.PullAllAsync"/>, <see cref="IOfflineStore.PullLatestAsync"/> and
/// <see cref="IOfflineStore.CountLatestAsync"/>: the shared statements (<see cref="SqlPullQuery"/>) with the window
/// bounds bound as the <c>timestamptz</c> parameters <c>$1</c> and <c>$2</c>.
/// </summary>
internal static class PgPullQuery
{
    /// <summary>How many rows the "latest" pull returns: the distinct keys in the window.</summary>
    public static NpgsqlCommand Count(NpgsqlConnection connection, PullRequest request, SqlSourceRelation source) =>
        Command(connection, SqlPullQuery.Count(request, source), request);

    /// <summary>The pull.</summary>
    public static NpgsqlCommand Build(NpgsqlConnection connection, PullRequest request, SqlSourceRelation source, bool latest) =>
        Command(connection, SqlPullQuery.Build(request, source, latest), request);

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, PullRequest request)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = request.Start.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = request.End.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return command;
    }
}
