using Feast.Offline;

namespace Feast.DuckDb;

/// <summary>
/// The SQL of <see cref="IOfflineStore.PullAllAsync"/> and <see cref="IOfflineStore.PullLatestAsync"/>: source rows
/// whose event time is in [start, end] (both inclusive), with columns named as the view names them, and for "latest"
/// one row per join-key tuple: the greatest event time, ties broken by the greatest created time.
/// </summary>
internal static class PullQuery
{
    /// <summary>How many rows <see cref="Build"/> with <c>latest</c> returns: the distinct keys in the window (cheaper than the pull).</summary>
    public static string Count(PullRequest request, SourceRelation source)
    {
        var timestamp = PointInTimeQuery.TimestampColumn(source);
        var time = Sql.AsInstant(Sql.Ident(timestamp.Name), timestamp.Type);
        var keys = request.JoinKeys.Select(k => Sql.Ident(source.Mapped(k, "join key").Name)).ToList();
        var window = $"FROM {source.Scan}\nWHERE {time} BETWEEN {Sql.Timestamp(request.Start)} AND {Sql.Timestamp(request.End)}";
        return keys.Count == 0
            ? $"SELECT least(count(*), 1) {window}"
            : $"SELECT count(*) FROM (SELECT DISTINCT {string.Join(", ", keys)} {window})";
    }

    public static string Build(PullRequest request, SourceRelation source, bool latest)
    {
        if (request.Start > request.End)
            throw new FeastValidationException($"{source.Owner}: the pull window starts ({request.Start:O}) after it ends ({request.End:O}). Give start <= end.");
        var timestamp = PointInTimeQuery.TimestampColumn(source);
        var created = PointInTimeQuery.CreatedColumn(source);
        var time = Sql.AsInstant(Sql.Ident(timestamp.Name), timestamp.Type);
        var createdTime = created is null ? null : Sql.AsInstant(Sql.Ident(created.Name), created.Type);

        var keys = request.JoinKeys.Select(k => (Name: k, Column: source.Mapped(k, "join key"))).ToList();
        var features = request.FeatureColumns.Select(f => (Name: f, Column: source.Mapped(f, "feature"))).ToList();
        var select = keys.Concat(features)
            .Select(c => $"{Sql.Output(Sql.Ident(c.Column.Name), c.Column.Type)} AS {Sql.Ident(c.Name)}")
            .Append($"{time} AS {Sql.Ident(PullRequest.EventTimestampColumn)}");
        if (createdTime is not null)
            select = select.Append($"{createdTime} AS {Sql.Ident(PullRequest.CreatedTimestampColumn)}");

        var sql = $"SELECT {string.Join(", ", select)}\nFROM {source.Scan}\nWHERE {time} BETWEEN {Sql.Timestamp(request.Start)} AND {Sql.Timestamp(request.End)}";
        if (!latest)
            return sql;
        var partition = keys.Count == 0 ? "" : "PARTITION BY " + string.Join(", ", keys.Select(k => Sql.Ident(k.Column.Name))) + " ";
        var order = createdTime is null ? $"{time} DESC" : $"{time} DESC, {createdTime} DESC NULLS LAST";
        return $"{sql}\nQUALIFY row_number() OVER ({partition}ORDER BY {order}) = 1";
    }
}
