using Feast.Offline;
using static Feast.DuckDb.Tests.T;

namespace Feast.DuckDb.Tests;

public class PullTests
{
    private static readonly TimeSpan OneMicrosecond = TimeSpan.FromTicks(10);

    private static string Window(StoreFixture f) => f.Write("driver.parquet", $"""
        SELECT * FROM (VALUES
          (1::BIGINT, {Ts(T0 - OneMicrosecond)}, {Ts(T0)}, 0.0::FLOAT),
          (1::BIGINT, {Ts(T0)}, {Ts(T0)}, 1.0::FLOAT),
          (1::BIGINT, {Ts(T0.AddHours(1))}, {Ts(T0)}, 2.0::FLOAT),
          (1::BIGINT, {Ts(T0.AddHours(1))}, {Ts(T0.AddDays(1))}, 3.0::FLOAT),
          (2::BIGINT, {Ts(T0.AddHours(2))}, {Ts(T0)}, 4.0::FLOAT),
          (2::BIGINT, {Ts(T0.AddHours(2) + OneMicrosecond)}, {Ts(T0)}, 5.0::FLOAT),
          (3::BIGINT, {Ts(T0.AddDays(-1))}, {Ts(T0)}, 6.0::FLOAT)
        ) t(id, ts, created, rate)
        """);

    private static FileSource Source => new("driver.parquet", "ts", createdTimestampColumn: "created",
        fieldMapping: new Dictionary<string, string> { ["id"] = "driver_id", ["rate"] = "conv_rate" });

    [Fact]
    public async Task PullAllAsync_InclusiveWindow_RowsInsideOnlyNamedAsTheView()
    {
        await using var f = new StoreFixture();
        Window(f);

        var result = await CollectAsync(f.Store.PullAllAsync(new PullRequest(Source, ["driver_id"], ["conv_rate"], T0, T0.AddHours(2))));

        Assert.Equal(["driver_id", "conv_rate", "event_timestamp", "created_timestamp"], result.Columns);
        Assert.Equal([1.0f, 2.0f, 3.0f, 4.0f], result.Column("conv_rate").Order());
    }

    [Fact]
    public async Task PullLatestAsync_PerKey_LatestEventThenLatestCreatedWithinWindow()
    {
        await using var f = new StoreFixture();
        Window(f);

        var result = await CollectAsync(f.Store.PullLatestAsync(new PullRequest(Source, ["driver_id"], ["conv_rate"], T0, T0.AddHours(2))));

        var rows = result.Rows.OrderBy(r => (long)r[0]!).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal([1L, 3.0f, T0.AddHours(1), T0.AddDays(1)], rows[0]);
        // Driver 2's later row is 1 µs past the end; driver 3's only row is before the start.
        Assert.Equal([2L, 4.0f, T0.AddHours(2), T0], rows[1]);
    }

    [Fact]
    public async Task PullLatestAsync_NoCreatedColumnNoKeys_OneLatestRowWithoutCreatedColumn()
    {
        await using var f = new StoreFixture();
        f.Write("global.parquet", $"SELECT * FROM (VALUES ({Ts(T0)}, 1::INTEGER), ({Ts(T0.AddHours(1))}, 2::INTEGER)) t(event_timestamp, num_rides)");
        var source = new FileSource("global.parquet", "event_timestamp");

        var result = await CollectAsync(f.Store.PullLatestAsync(new PullRequest(source, [], ["num_rides"], T0.AddDays(-1), T0.AddDays(1))));

        Assert.Equal(["num_rides", "event_timestamp"], result.Columns);
        Assert.Equal([[2, T0.AddHours(1)]], result.Rows);
    }

    [Fact]
    public async Task PullLatestAsync_Shards_PartitionTheKeysExactly()
    {
        await using var f = new StoreFixture();
        // Two join keys (one text, some nulls) and two rows per key tuple.
        f.Write("many.parquet", $"""
            SELECT k::BIGINT AS id, CASE WHEN k % 7 = 0 THEN NULL ELSE 'c' || (k % 5) END AS city, v::FLOAT AS rate,
                   {Ts(T0)} + v * INTERVAL 1 HOUR AS ts
            FROM range(1, 2001) a(k), range(0, 2) b(v)
            """);
        var source = new FileSource("many.parquet", "ts", fieldMapping: new Dictionary<string, string> { ["id"] = "driver_id", ["rate"] = "conv_rate" });
        var request = new PullRequest(source, ["driver_id", "city"], ["conv_rate"], T0.AddDays(-1), T0.AddDays(1));
        var all = Keys(await CollectAsync(f.Store.PullLatestAsync(request)));
        Assert.Equal(2000, all.Count);

        foreach (var count in new[] { 1, 3, 4 })
        {
            var shards = new List<List<string>>();
            for (var index = 0; index < count; index++)
            {
                var shard = request with { Shard = new PullShard(index, count) };
                var keys = Keys(await CollectAsync(f.Store.PullLatestAsync(shard)));
                Assert.Equal(keys.Count, await f.Store.CountLatestAsync(shard));
                shards.Add(keys);
            }
            Assert.Equal(all.Order(StringComparer.Ordinal), shards.SelectMany(k => k).Order(StringComparer.Ordinal));
            if (count > 1) Assert.All(shards, keys => Assert.NotEmpty(keys));
        }

        // Several shards in one pull (what a worker holding them runs): exactly the union of their single pulls.
        var one = new List<string>();
        foreach (var index in new[] { 0, 2 }) one.AddRange(Keys(await CollectAsync(f.Store.PullLatestAsync(request with { Shard = new PullShard(index, 4) }))));
        var group = request with { Shard = new PullShard([2, 0], 4) };
        Assert.Equal("1,3/4", group.Shard!.ToString());
        Assert.Equal(one.Order(StringComparer.Ordinal), Keys(await CollectAsync(f.Store.PullLatestAsync(group))).Order(StringComparer.Ordinal));
        Assert.Equal(one.Count, await f.Store.CountLatestAsync(group));
        // Every shard at once (one worker holding them all) is every key.
        Assert.Equal(all.Order(StringComparer.Ordinal), (Keys(await CollectAsync(f.Store.PullLatestAsync(request with { Shard = new PullShard([0, 1, 2, 3], 4) })))).Order(StringComparer.Ordinal));

        static List<string> Keys(Result result) => [.. result.Rows.Select(r => $"{r[0]}/{r[1] ?? "<null>"}")];
    }

    [Fact]
    public async Task PullLatestAsync_ShardWithoutJoinKeys_TheOneRowIsShardZeros()
    {
        await using var f = new StoreFixture();
        f.Write("global.parquet", $"SELECT * FROM (VALUES ({Ts(T0)}, 1::INTEGER), ({Ts(T0.AddHours(1))}, 2::INTEGER)) t(event_timestamp, num_rides)");
        var request = new PullRequest(new FileSource("global.parquet", "event_timestamp"), [], ["num_rides"], T0.AddDays(-1), T0.AddDays(1));

        Assert.Single((await CollectAsync(f.Store.PullLatestAsync(request with { Shard = new PullShard(0, 3) }))).Rows);
        Assert.Empty((await CollectAsync(f.Store.PullLatestAsync(request with { Shard = new PullShard(2, 3) }))).Rows);
    }

    [Fact]
    public async Task PullAllAsync_EmptyWindow_OneEmptyBatchWithSchema()
    {
        await using var f = new StoreFixture();
        Window(f);

        var result = await CollectAsync(f.Store.PullAllAsync(new PullRequest(Source, ["driver_id"], ["conv_rate"], T0.AddYears(1), T0.AddYears(2))));

        Assert.Single(result.Batches);
        Assert.Empty(result.Rows);
        Assert.Equal(["driver_id", "conv_rate", "event_timestamp", "created_timestamp"], result.Columns);
    }

    [Fact]
    public async Task PullAllAsync_StartAfterEnd_Rejected()
    {
        await using var f = new StoreFixture();
        Window(f);

        await Assert.ThrowsAsync<FeastValidationException>(() =>
            CollectAsync(f.Store.PullAllAsync(new PullRequest(Source, ["driver_id"], ["conv_rate"], T0, T0.AddHours(-1)))));
    }

    [Fact]
    public async Task PullAllAsync_PushSource_ReadsItsBatchSource()
    {
        await using var f = new StoreFixture();
        Window(f);

        var result = await CollectAsync(f.Store.PullAllAsync(new PullRequest(new PushSource("push", Source), ["driver_id"], ["conv_rate"], T0, T0)));

        Assert.Equal([1.0f], result.Column("conv_rate"));
    }
}

public class CsvPullTests
{
    // A CSV source with naive ISO timestamps and no created column: DuckDB's TopN-window optimizer failed on the
    // QUALIFY row_number() pull with "INTERNAL Error: Failed to cast expression to type - expression type mismatch".
    [Fact]
    public async Task PullLatestAsync_CsvNaiveTimestampsNoCreatedColumn_LatestRowPerKey()
    {
        await using var f = new StoreFixture();
        f.WriteText("driver.csv", """
            driver_id,event_timestamp,conv_rate
            1001,2021-04-12 10:59:42,0.1
            1001,2021-04-12 11:59:42,0.2
            1002,2021-04-12 08:12:10,0.3
            """);
        var source = new FileSource("driver.csv", "event_timestamp", fileFormat: FileFormat.Csv);

        var result = await CollectAsync(f.Store.PullLatestAsync(new PullRequest(source, ["driver_id"], ["conv_rate"], T0.AddDays(-1), T0.AddDays(1))));

        var rows = result.Rows.OrderBy(r => (long)r[0]!).ToList();
        Assert.Equal(["driver_id", "conv_rate", "event_timestamp"], result.Columns);
        Assert.Equal([[1001L, 0.2, new DateTimeOffset(2021, 4, 12, 11, 59, 42, TimeSpan.Zero)], [1002L, 0.3, new DateTimeOffset(2021, 4, 12, 8, 12, 10, TimeSpan.Zero)]], rows);
    }
}
