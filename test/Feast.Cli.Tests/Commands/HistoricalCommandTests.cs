using System.Globalization;
using Feast.Cli.Init;
using Parquet;

namespace Feast.Cli.Tests.Commands;

/// <summary><c>feast get-historical-features</c> on the <c>feast init</c> repo, with sample data for a fixed clock.</summary>
public sealed class HistoricalCommandTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 4, 12, 30, 0, TimeSpan.Zero);
    private static readonly DriverStatsRows Rows = DriverStatsData.Generate(Now);
    private InitRepo _repo = null!;

    private static DateTime Start => Rows.EventTimestamps[0];

    private static string Iso(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    public async Task InitializeAsync()
    {
        _repo = await InitRepo.CreateAsync("driver_history");
        var data = Path.Combine(_repo.Repo, "data", "driver_stats.parquet");
        File.Delete(data);
        await DriverStatsData.WriteAsync(data, Now, CancellationToken.None);
        (await _repo.RunAsync("apply")).ExpectOk();
    }

    public Task DisposeAsync()
    {
        _repo.Dispose();
        return Task.CompletedTask;
    }

    private string WriteEntities(string content)
    {
        var path = Path.Combine(_repo.Parent, "entities.csv");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task GetHistoricalFeatures_CsvEntities_PrintsPointInTimeValues()
    {
        // 1001 half an hour after its 6th hourly row; 1002 exactly at its 11th row; 1003 before any data; 9999 unknown.
        var file = WriteEntities($"""
            driver_id,event_timestamp,label
            1001,{Iso(Start.AddHours(5.5))},1
            1002,{Iso(Start.AddHours(10))},0
            1003,{Iso(Start.AddHours(-1))},1
            9999,{Iso(Start.AddHours(10))},0

            """);

        var result = (await _repo.RunAsync("get-historical-features", "--entity-df", file,
            "--features", "driver_hourly_stats:conv_rate,driver_hourly_stats:avg_daily_trips")).ExpectOk();

        var table = result.Table;
        Assert.Equal(["driver_id", "event_timestamp", "label", "conv_rate", "avg_daily_trips"], table.Header);
        Assert.Equal([Float(Rows.ConvRates[5]), Float(Rows.ConvRates[360 + 10]), "null", "null"], table.Column("conv_rate"));
        Assert.Equal([Rows.AvgDailyTrips[5].ToString(CultureInfo.InvariantCulture), Rows.AvgDailyTrips[370].ToString(CultureInfo.InvariantCulture), "null", "null"],
            table.Column("avg_daily_trips"));
        Assert.Contains("4 rows.", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_JsonRowsAndFullNames_NamesColumnsByView()
    {
        var json = $$"""[{"driver_id": 1001, "event_timestamp": "{{Iso(Start.AddHours(3))}}"}]""";

        var result = (await _repo.RunAsync("get-historical-features", "-d", json,
            "--features", "driver_hourly_stats:conv_rate", "--features", "driver_hourly_stats:acc_rate", "--full-feature-names")).ExpectOk();

        Assert.Equal([Float(Rows.ConvRates[3])], result.Table.Column("driver_hourly_stats__conv_rate"));
        Assert.Equal([Float(Rows.AccRates[3])], result.Table.Column("driver_hourly_stats__acc_rate"));
        Assert.EndsWith("\n1 row.", result.Stdout.TrimEnd(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("out.parquet")]
    [InlineData("out.csv")]
    public async Task GetHistoricalFeatures_Output_WritesEveryRow(string name)
    {
        var lines = Enumerable.Range(0, 50).Select(i => $"{1001 + (i % 5)},{Iso(Start.AddHours(i))}");
        var file = WriteEntities("driver_id,event_timestamp\n" + string.Join("\n", lines) + "\n");
        var output = Path.Combine(_repo.Parent, name);

        var result = (await _repo.RunAsync("get-historical-features", "--entity-df", file, "--features", "driver_hourly_stats:conv_rate", "-o", output)).ExpectOk();

        Assert.Contains(output, result.Stdout, StringComparison.Ordinal);
        if (name.EndsWith(".csv", StringComparison.Ordinal))
        {
            var written = File.ReadAllLines(output);
            Assert.Equal("driver_id,event_timestamp,conv_rate", written[0]);
            Assert.Equal(51, written.Length);
        }
        else
        {
            await using var reader = await ParquetReader.CreateAsync(output);
            Assert.Equal(50, Enumerable.Range(0, reader.RowGroupCount).Sum(i => reader.OpenRowGroupReader(i).RowCount));
        }
    }

    [Fact]
    public async Task GetHistoricalFeatures_UnknownFeature_ExitsOneNamingIt()
    {
        var file = WriteEntities($"driver_id,event_timestamp\n1001,{Iso(Start)}\n");
        var result = (await _repo.RunAsync("get-historical-features", "--entity-df", file, "--features", "driver_hourly_stats:nope")).Expect(1);
        Assert.Contains("'nope'", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_MissingEntityFile_ExitsOneNamingThePath()
    {
        var missing = Path.Combine(_repo.Parent, "missing.csv");
        var result = (await _repo.RunAsync("get-historical-features", "--entity-df", missing, "--features", "driver_hourly_stats:conv_rate")).Expect(1);
        Assert.Contains("missing.csv", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_EntitiesWithoutJoinKey_ExitsOneNamingTheColumn()
    {
        var file = WriteEntities($"rider_id,event_timestamp\n1,{Iso(Start)}\n");
        var result = (await _repo.RunAsync("get-historical-features", "--entity-df", file, "--features", "driver_hourly_stats:conv_rate")).Expect(1);
        Assert.Contains("driver_id", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_TimeRangeWithoutEntityRows_EveryDriverHourInTheRange()
    {
        // Feast's own format for the dates: "YYYY-MM-DD HH:MM:SS", naive meaning UTC. Hours 2, 3 and 4, both ends inclusive.
        static string Feast(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var result = (await _repo.RunAsync("get-historical-features", "--start-date", Feast(Start.AddHours(2)), "--end-date", Feast(Start.AddHours(4)),
            "--features", "driver_hourly_stats:conv_rate")).ExpectOk();

        Assert.Equal(["event_timestamp", "driver_id", "conv_rate"], result.Table.Header);
        Assert.Contains("15 rows (first 10 shown", result.Stdout, StringComparison.Ordinal);
        // Ordered by time, then driver: the first five rows are hour 2 of drivers 1001..1005.
        Assert.Equal(["1001", "1002", "1003", "1004", "1005"], result.Table.Column("driver_id").Take(5));
        Assert.Equal(Float(Rows.ConvRates[2]), result.Table.Column("conv_rate")[0]);
    }

    [Theory]
    [InlineData("--start-date", "2026-03-01", "--entity-df", "x.csv")] // a range and entity rows
    [InlineData("--end-date", "2026-03-01", "-d", "[]")] // a range and entity rows
    [InlineData("--start-date", "yesterday")] // not a timestamp
    public async Task GetHistoricalFeatures_BadTimeRange_ExitTwo(params string[] args)
    {
        var result = (await _repo.RunAsync(["get-historical-features", .. args, "--features", "driver_hourly_stats:conv_rate"])).Expect(2);
        Assert.StartsWith("Error: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_StartAfterEnd_ExitsOneSayingSo()
    {
        var result = (await _repo.RunAsync("get-historical-features", "--start-date", "2026-03-02", "--end-date", "2026-03-01",
            "--features", "driver_hourly_stats:conv_rate")).Expect(1);
        Assert.Contains("after it ends", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--features", "driver_hourly_stats:conv_rate")] // no entities
    [InlineData("--entity-df", "x.csv")] // no features
    [InlineData("--entity-df", "x.csv", "-d", "[]", "--features", "driver_hourly_stats:conv_rate")] // both entity inputs
    [InlineData("--entity-df", "x.csv", "--features", "driver_hourly_stats:conv_rate", "-o", "out.txt")] // bad output type
    public async Task GetHistoricalFeatures_BadArguments_ExitTwo(params string[] args)
    {
        var result = (await _repo.RunAsync(["get-historical-features", .. args])).Expect(2);
        Assert.StartsWith("Error: ", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("03/04/2026 06:00", "is not an ISO 8601 timestamp (a date with '/' is ambiguous")]
    [InlineData("4 March 2026", "is not an ISO 8601 timestamp")]
    [InlineData("2026-02-30T00:00:00", "is not a date and time that exists")]
    public async Task GetHistoricalFeatures_JsonTimestampNotIso_ExitsOneNamingColumnRowAndValue(string timestamp, string problem)
    {
        // Before, "03/04/2026 06:00" was read month first (4 March is the other reading) and gave features silently.
        var json = $$"""[{"driver_id": 1001, "event_timestamp": "{{Iso(Start)}}"}, {"driver_id": 1002, "event_timestamp": "{{timestamp}}"}]""";

        var result = (await _repo.RunAsync("get-historical-features", "-d", json, "--features", "driver_hourly_stats:conv_rate")).Expect(1);

        Assert.Contains($"Column 'event_timestamp', row 1: \"{timestamp}\" {problem}", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task GetHistoricalFeatures_JsonEpochNanosecondsAndOffsets_AreTheSameInstantAsIso()
    {
        var at = new DateTimeOffset(DateTime.SpecifyKind(Start.AddHours(3), DateTimeKind.Utc));
        var nanoseconds = at.ToUnixTimeSeconds() * 1_000_000_000L;
        var plusTwo = at.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd HH:mm:sszzz", CultureInfo.InvariantCulture);
        var json = $$"""[{"driver_id": 1001, "event_timestamp": {{nanoseconds}}}, {"driver_id": 1001, "event_timestamp": "{{plusTwo}}"}]""";

        var result = (await _repo.RunAsync("get-historical-features", "-d", json, "--features", "driver_hourly_stats:conv_rate")).ExpectOk();

        Assert.Equal([Float(Rows.ConvRates[3]), Float(Rows.ConvRates[3])], result.Table.Column("conv_rate"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_JsonEpochSeconds_ExitsOneSayingTheUnit()
    {
        var json = $$"""[{"driver_id": 1001, "event_timestamp": {{new DateTimeOffset(DateTime.SpecifyKind(Start, DateTimeKind.Utc)).ToUnixTimeSeconds()}}}]""";

        var result = (await _repo.RunAsync("get-historical-features", "-d", json, "--features", "driver_hourly_stats:conv_rate")).Expect(1);

        Assert.Contains("Column 'event_timestamp', row 0:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("looks like seconds", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_BadJson_ExitsOne()
    {
        var result = (await _repo.RunAsync("get-historical-features", "-d", "{not json", "--features", "driver_hourly_stats:conv_rate")).Expect(1);
        Assert.Contains("--dataframe", result.Stderr, StringComparison.Ordinal);
    }
}
