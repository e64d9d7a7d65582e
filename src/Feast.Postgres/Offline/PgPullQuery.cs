using Feast.Offline;
using Npgsql;
using NpgsqlTypes;

namespace Feast.Postgres.Offline;

/// <summary>
/// The SQL of <see cref="IOfflineStore.PullAllAsync"/> and <see cref="IOfflineStore.PullLatestAsync"/>: source rows whose
/// event time is in [start, end] (both inclusive), columns named as the view names them, and for "latest" one row per
/// join-key tuple (<c>DISTINCT ON</c>): the greatest event time, ties broken by the greatest created time.
/// </summary>
internal static class PgPullQuery
{
    private static string Q(string name) => PostgresConnections.Quote(name);

    /// <summary>How many rows the "latest" pull returns: the distinct keys in the window.</summary>
    public static NpgsqlCommand Count(NpgsqlConnection connection, PullRequest request, PgSourceRelation source)
    {
        var (time, window) = Window(request, source);
        var keys = request.JoinKeys.Select(k => Q(source.Mapped(k, "join key").Name)).ToList();
        var from = $"FROM {source.Scan} AS s\nWHERE {window}";
        var sql = keys.Count == 0
            ? $"SELECT least(count(*), 1) {from}"
            : $"SELECT count(*) FROM (SELECT DISTINCT {string.Join(", ", keys)} {from}) AS d";
        _ = time;
        return Command(connection, sql, request);
    }

    public static NpgsqlCommand Build(NpgsqlConnection connection, PullRequest request, PgSourceRelation source, bool latest) =>
        Command(connection, Sql(request, source, latest), request);

    /// <summary>The statement text (with <c>$1</c>/<c>$2</c> for the window bounds).</summary>
    public static string Sql(PullRequest request, PgSourceRelation source, bool latest)
    {
        if (request.Start > request.End)
            throw new FeastValidationException($"{source.Owner}: the pull window starts ({request.Start:O}) after it ends ({request.End:O}). Give start <= end.");
        var (time, window) = Window(request, source);
        var created = source.CreatedColumn();
        var createdTime = created is null ? null : PgTypes.AsInstant(Q(created.Name), created.Type);
        var keys = request.JoinKeys.Select(k => (Name: k, Column: source.Mapped(k, "join key"))).ToList();
        var features = request.FeatureColumns.Select(f => (Name: f, Column: source.Mapped(f, "feature"))).ToList();
        var select = keys.Concat(features)
            .Select(c => $"{PgTypes.Output(Q(c.Column.Name), c.Column.Type)} AS {Q(c.Name)}")
            .Append($"{time} AS {Q(PullRequest.EventTimestampColumn)}");
        if (createdTime is not null)
            select = select.Append($"{createdTime} AS {Q(PullRequest.CreatedTimestampColumn)}");
        var body = $"{string.Join(", ", select)}\nFROM {source.Scan} AS s\nWHERE {window}";
        if (!latest)
            return "SELECT " + body;
        var order = createdTime is null ? $"{time} DESC" : $"{time} DESC, {createdTime} DESC NULLS LAST";
        if (keys.Count == 0)
            return $"SELECT {body}\nORDER BY {order}\nLIMIT 1";
        var keyList = string.Join(", ", keys.Select(k => Q(k.Column.Name)));
        return $"SELECT DISTINCT ON ({keyList}) {body}\nORDER BY {keyList}, {order}";
    }

    private static (string Time, string Window) Window(PullRequest request, PgSourceRelation source)
    {
        var timestamp = source.TimestampColumn();
        var time = PgTypes.AsInstant(Q(timestamp.Name), timestamp.Type);
        return (time, $"{time} BETWEEN $1 AND $2");
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, PullRequest request)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = request.Start.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = request.End.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return command;
    }
}
