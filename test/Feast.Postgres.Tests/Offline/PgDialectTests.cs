using Feast.Offline;
using Feast.Offline.Sql;
using Feast.Postgres.Offline;

namespace Feast.Postgres.Tests.Offline;

/// <summary>The PostgreSQL statements the shared pull and time-range builders write with <see cref="PgDialect"/>.</summary>
public class PgDialectTests
{
    private static readonly DateTimeOffset T0 = new(2021, 4, 12, 10, 0, 0, TimeSpan.Zero);
    private static readonly PostgreSQLSource Source = new("stats", table: "public.stats", timestampField: "ts", createdTimestampColumn: "created");

    private static SqlSourceRelation Relation() => new(PgDialect.Instance, Source, "Source 'stats'", PgSourceRelation.LabelOf(Source), PgSourceRelation.ScanOf(Source),
        [new("driver_id", "bigint"), new("ts", "timestamp without time zone"), new("created", "timestamp with time zone"), new("rate", "double precision")]);

    private const string Select = "\"driver_id\" AS \"driver_id\", \"rate\" AS \"rate\", CAST(\"ts\" AS timestamptz) AS \"event_timestamp\", \"created\" AS \"created_timestamp\"";
    private const string From = "FROM public.stats AS s\nWHERE CAST(\"ts\" AS timestamptz) BETWEEN $1 AND $2";

    [Fact]
    public void PullLatest_DistinctOnTheKeysLatestFirst()
    {
        var sql = SqlPullQuery.Build(new PullRequest(Source, ["driver_id"], ["rate"], T0, T0.AddHours(1)), Relation(), latest: true);

        Assert.Equal($"SELECT DISTINCT ON (\"driver_id\") {Select}\n{From}\nORDER BY \"driver_id\", CAST(\"ts\" AS timestamptz) DESC, \"created\" DESC NULLS LAST", sql);
    }

    [Fact]
    public void PullAll_AndCount_BindTheWindowAsParameters()
    {
        var request = new PullRequest(Source, ["driver_id"], ["rate"], T0, T0.AddHours(1));

        Assert.Equal($"SELECT {Select}\n{From}", SqlPullQuery.Build(request, Relation(), latest: false));
        Assert.Equal($"SELECT count(*) FROM (SELECT DISTINCT \"driver_id\" {From}) AS d", SqlPullQuery.Count(request, Relation()));
    }
}
