using Feast.Offline;
using Feast.Offline.Sql;

namespace Feast.DuckDb.Tests;

/// <summary>The DuckDB statements the shared pull builder writes with <see cref="DuckDbDialect"/>.</summary>
public class DuckDbDialectTests
{
    private static readonly DateTimeOffset T0 = new(2021, 4, 12, 10, 0, 0, TimeSpan.Zero);
    private static readonly FileSource Source = new("/data/stats.parquet", "ts", name: "stats", createdTimestampColumn: "created");

    private static SqlSourceRelation Relation() => new(DuckDbDialect.Instance, Source, "Source 'stats'", "'/data/stats.parquet'", "read_parquet('/data/stats.parquet')",
        [new("driver_id", "BIGINT"), new("ts", "TIMESTAMP"), new("created", "TIMESTAMP WITH TIME ZONE"), new("rate", "DOUBLE")]);

    private const string Time = "make_timestamptz(epoch_us(\"ts\"))";
    private const string From = $"FROM read_parquet('/data/stats.parquet')\nWHERE {Time} BETWEEN TIMESTAMPTZ '2021-04-12 10:00:00.000000+00' AND TIMESTAMPTZ '2021-04-12 11:00:00.000000+00'";
    private const string Order = $"(epoch_us({Time})::HUGEINT * 18446744073709551616 + (coalesce(epoch_us(\"created\"), -9223372036854775808)::HUGEINT + 9223372036854775808))";

    [Fact]
    public void PullLatest_GroupedArgMaxOfTheOtherColumns()
    {
        var sql = SqlPullQuery.Build(new PullRequest(Source, ["driver_id"], ["rate"], T0, T0.AddHours(1)), Relation(), latest: true);

        Assert.Equal(
            "SELECT \"__feast_key_0\" AS \"driver_id\", \"__feast_picked\".\"__feast_f_0\" AS \"rate\", \"__feast_picked\".\"__feast_f_1\" AS \"event_timestamp\", "
            + "\"__feast_picked\".\"__feast_f_2\" AS \"created_timestamp\"\nFROM (\n"
            + $"  SELECT \"driver_id\" AS \"__feast_key_0\", arg_max(struct_pack(\"__feast_f_0\" := \"rate\", \"__feast_f_1\" := {Time}, \"__feast_f_2\" := \"created\"), {Order}) AS \"__feast_picked\"\n"
            + $"  {From.Replace("\n", "\n  ", StringComparison.Ordinal)}\n  GROUP BY ALL\n)", sql);
    }

    [Fact]
    public void PullLatest_NoKeys_OrderKeyDescendingLimitOne()
    {
        var sql = SqlPullQuery.Build(new PullRequest(Source, [], ["rate"], T0, T0.AddHours(1)), Relation(), latest: true);

        Assert.Equal($"SELECT \"rate\" AS \"rate\", {Time} AS \"event_timestamp\", \"created\" AS \"created_timestamp\"\n{From}\nORDER BY {Order} DESC\nLIMIT 1", sql);
    }
}
