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
        // Everything but the keys, as (expression, output name).
        var values = new List<(string Expression, string Name)>();
        foreach (var feature in request.FeatureColumns)
        {
            var column = source.Mapped(feature, "feature");
            values.Add((Sql.Output(Sql.Ident(column.Name), column.Type), feature));
        }
        values.Add((time, PullRequest.EventTimestampColumn));
        if (createdTime is not null)
            values.Add((createdTime, PullRequest.CreatedTimestampColumn));

        var window = $"FROM {source.Scan}\nWHERE {time} BETWEEN {Sql.Timestamp(request.Start)} AND {Sql.Timestamp(request.End)}";
        var keyOutputs = keys.Select(k => $"{Sql.Output(Sql.Ident(k.Column.Name), k.Column.Type)} AS {Sql.Ident(k.Name)}");
        var valueOutputs = values.Select(v => $"{v.Expression} AS {Sql.Ident(v.Name)}");
        if (!latest)
            return $"SELECT {string.Join(", ", keyOutputs.Concat(valueOutputs))}\n{window}";

        // One order key sorts by event time, then created time (a missing created time loses ties).
        var order = createdTime is null ? $"epoch_us({time})" : Sql.OrderKey(time, createdTime);
        if (keys.Count == 0)
            return $"SELECT {string.Join(", ", valueOutputs)}\n{window}\nORDER BY {order} DESC\nLIMIT 1";

        // Latest per key: a grouped arg_max of a struct of the other columns. (QUALIFY row_number() OVER (...) = 1 said
        // the same, but DuckDB's TopN-window rewrite of it fails on some sources, e.g. a CSV with naive timestamps and
        // no created column: "INTERNAL Error: Failed to cast expression to type - expression type mismatch".)
        var picked = Sql.Ident(Sql.HelperPrefix + "picked");
        var fields = values.Select((v, i) => $"{Sql.Ident(Field(i))} := {v.Expression}");
        var grouped = keys.Select((k, i) => $"{Sql.Ident(k.Column.Name)} AS {Sql.Ident(Key(i))}")
            .Append($"arg_max(struct_pack({string.Join(", ", fields)}), {order}) AS {picked}");
        var outputs = keys.Select((k, i) => $"{Sql.Output(Sql.Ident(Key(i)), k.Column.Type)} AS {Sql.Ident(k.Name)}")
            .Concat(values.Select((v, i) => $"{picked}.{Sql.Ident(Field(i))} AS {Sql.Ident(v.Name)}"));
        return $"SELECT {string.Join(", ", outputs)}\nFROM (\n  SELECT {string.Join(", ", grouped)}\n  "
            + $"{window.Replace("\n", "\n  ", StringComparison.Ordinal)}\n  GROUP BY ALL\n)";
    }

    private static string Key(int i) => Sql.HelperPrefix + "key_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Field(int i) => Sql.HelperPrefix + "f_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
