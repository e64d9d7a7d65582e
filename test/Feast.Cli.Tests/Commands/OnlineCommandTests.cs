using System.Globalization;
using System.Text.Json.Nodes;
using Feast.Cli;
using Feast.Cli.Init;

namespace Feast.Cli.Tests.Commands;

/// <summary>
/// The <c>feast init</c> repo applied and materialized once (<c>materialize-incremental</c> to now), shared by the online
/// command tests. Its sample data is written for the real clock, because the first incremental run starts at the wall
/// clock minus the view's ttl.
/// </summary>
public sealed class MaterializedRepoFixture : IAsyncLifetime
{
    private InitRepo? _repo;

    public InitRepo Repo => _repo ?? throw new InvalidOperationException("not initialized");

    /// <summary>When the sample data was generated (and materialized up to).</summary>
    public DateTimeOffset Now { get; private set; }

    internal DriverStatsRows Rows { get; private set; } = null!;

    /// <summary>What the fixture's <c>materialize-incremental</c> printed (rethrows what it threw, in the tests that need it).</summary>
    public CliResult Materialized => _materialized ?? throw new InvalidOperationException("materialize-incremental failed in the fixture", _materializeError);

    private CliResult? _materialized;
    private Exception? _materializeError;

    public static string Arg(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    public async Task InitializeAsync()
    {
        _repo = await InitRepo.CreateAsync("driver_online");
        Now = TimeProvider.System.GetUtcNow();
        Now = Now.AddTicks(-(Now.Ticks % TimeSpan.TicksPerSecond));
        Rows = DriverStatsData.Generate(Now);
        var data = Path.Combine(_repo.Repo, "data", "driver_stats.parquet");
        File.Delete(data);
        await DriverStatsData.WriteAsync(data, Now, CancellationToken.None);
        (await _repo.RunAsync("apply")).ExpectOk();
        try
        {
            _materialized = await _repo.RunAsync("materialize-incremental", Arg(Now));
        }
        catch (Exception e)
        {
            // Only the tests that read materialized data fail; usage and error tests still run.
            _materializeError = e;
        }
    }

    /// <summary>The latest sample row of <paramref name="driver"/>: the last of its hourly rows.</summary>
    public static int LatestRow(long driver) => (DriverStatsData.DriverIds.ToList().IndexOf(driver) * DriverStatsData.Days * 24) + (DriverStatsData.Days * 24) - 1;

    public Task DisposeAsync()
    {
        _repo?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary><c>feast materialize</c>, <c>materialize-incremental</c>, <c>get-online-features</c> and <c>push</c> on the init repo.</summary>
public sealed class OnlineCommandTests(MaterializedRepoFixture fixture) : IClassFixture<MaterializedRepoFixture>
{
    private InitRepo Repo => fixture.Repo;

    private static string Iso(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static JsonNode Json(CliResult result) => JsonNode.Parse(result.Stdout) ?? throw new InvalidOperationException("null JSON");

    private static JsonArray Values(JsonNode response, int column) => response["results"]![column]!["values"]!.AsArray();

    private static string[] Statuses(JsonNode response, int column) =>
        [.. response["results"]![column]!["statuses"]!.AsArray().Select(s => s!.GetValue<string>())];

    private static string[] FeatureNames(JsonNode response) =>
        [.. response["metadata"]!["feature_names"]!.AsArray().Select(s => s!.GetValue<string>())];

    [Fact]
    public void MaterializeIncremental_FirstRun_PrintsEveryOnlineViewAndSummary()
    {
        var result = fixture.Materialized.ExpectOk();
        var end = fixture.Now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);

        Assert.StartsWith($"Materializing 2 feature views to {end} into the sqlite online store.", result.Stdout, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^driver_hourly_stats from \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00 to {Regex(end)}:$", result.Stdout);
        Assert.Matches($@"(?m)^driver_hourly_stats_fresh from .* to {Regex(end)}:$", result.Stdout);
        Assert.Matches(@"(?m)^  5 rows written in \d+\.\d\d s \(.* rows/s\)\.$", result.Stdout);
        // No live bars or escape codes when the output is not a terminal.
        Assert.DoesNotContain("\u001b[", result.Stdout, StringComparison.Ordinal);

        var table = CliTable.Parse(result.Stdout[result.Stdout.IndexOf("VIEW", StringComparison.Ordinal)..]);
        Assert.Equal(["VIEW", "START", "END", "ROWS", "SECONDS", "ROWS/S"], table.Header);
        Assert.Equal(["driver_hourly_stats", "driver_hourly_stats_fresh"], table.Column("VIEW"));
        Assert.Equal(["5", "5"], table.Column("ROWS"));
        Assert.Equal([Iso(fixture.Now.UtcDateTime), Iso(fixture.Now.UtcDateTime)], table.Column("END"));
        Assert.Contains("Materialized 10 rows into 2 feature views.", result.Stdout, StringComparison.Ordinal);
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    [Fact]
    public async Task Materialize_OneViewWindow_PrintsItsWindowAndRows()
    {
        var start = fixture.Now.AddDays(-2);

        var result = (await Repo.RunAsync("materialize", MaterializedRepoFixture.Arg(start), MaterializedRepoFixture.Arg(fixture.Now), "-v", "driver_hourly_stats")).ExpectOk();

        var from = start.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);
        var to = fixture.Now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);
        Assert.StartsWith($"Materializing 1 feature view from {from} to {to} into the sqlite online store.", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"driver_hourly_stats from {from} to {to}:", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("driver_hourly_stats_fresh", result.Stdout, StringComparison.Ordinal);
        var table = CliTable.Parse(result.Stdout[result.Stdout.IndexOf("VIEW", StringComparison.Ordinal)..]);
        Assert.Equal(["driver_hourly_stats"], table.Column("VIEW"));
        Assert.Equal([Iso(start.UtcDateTime)], table.Column("START"));
        Assert.Equal(["5"], table.Column("ROWS"));
        Assert.Contains("Materialized 5 rows into 1 feature view.", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("yesterday", "2024-01-02", "START_TS 'yesterday' is not an ISO-8601 timestamp")]
    [InlineData("2024-01-01", "01/02/2024", "END_TS '01/02/2024' is not an ISO-8601 timestamp")]
    [InlineData("2024-13-01", "2024-12-02", "START_TS '2024-13-01'")]
    public async Task Materialize_BadTimestamp_IsAUsageError(string start, string end, string message)
    {
        var result = (await Repo.RunAsync("materialize", start, end)).Expect(ExitCodes.Usage);

        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaterializeIncremental_BadTimestamp_IsAUsageError()
    {
        var result = (await Repo.RunAsync("materialize-incremental", "now")).Expect(ExitCodes.Usage);

        Assert.Contains("END_TS 'now' is not an ISO-8601 timestamp", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Materialize_StartAfterEnd_FailsSayingSo()
    {
        var result = (await Repo.RunAsync("materialize", "2024-01-02", "2024-01-01T00:00:00")).Expect(ExitCodes.UserError);

        Assert.Equal("Error: START_TS 2024-01-02T00:00:00Z is after END_TS 2024-01-01T00:00:00Z; give the earlier time first.", result.Stderr.Trim());
        Assert.Empty(result.Stdout);
    }

    [Theory]
    [InlineData("materialize", "2024-01-01", "2024-01-02")]
    [InlineData("materialize-incremental", "2024-01-02")]
    public async Task Materialize_UnknownView_NamesIt(params string[] args)
    {
        var result = (await Repo.RunAsync([.. args, "-v", "driver_hourly_stats", "-v", "no_such_view"])).Expect(ExitCodes.UserError);

        Assert.Contains("no_such_view", result.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("Error: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Materialize_OnDemandView_SaysItIsComputedAtRequestTime()
    {
        var result = (await Repo.RunAsync("materialize", "2024-01-01", "2024-01-02", "-v", "transformed_conv_rate")).Expect(ExitCodes.UserError);

        Assert.Contains("'transformed_conv_rate' is an on demand feature view", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task GetOnlineFeatures_AfterMaterialize_PrintsFeastJsonWithNotFoundForUnknownDriver()
    {
        fixture.Materialized.ExpectOk();
        var result = (await Repo.RunAsync("get-online-features",
            "-f", "driver_hourly_stats:conv_rate", "-f", "driver_hourly_stats:avg_daily_trips", "-e", "driver_id=1001", "-e", "driver_id=9999")).ExpectOk();

        var json = Json(result);
        Assert.Equal(["results", "metadata"], json.AsObject().Select(p => p.Key));
        Assert.Equal(["driver_id", "conv_rate", "avg_daily_trips"], FeatureNames(json));
        Assert.Equal([1001L, 9999L], Values(json, 0).Select(v => v!.GetValue<long>()));
        Assert.Equal(["PRESENT", "PRESENT"], Statuses(json, 0));
        var row = MaterializedRepoFixture.LatestRow(1001);
        Assert.Equal((double)fixture.Rows.ConvRates[row], Values(json, 1)[0]!.GetValue<double>());
        Assert.Null(Values(json, 1)[1]);
        Assert.Equal(["PRESENT", "NOT_FOUND"], Statuses(json, 1));
        Assert.Equal(fixture.Rows.AvgDailyTrips[row], Values(json, 2)[0]!.GetValue<long>());
        Assert.Equal(["PRESENT", "NOT_FOUND"], Statuses(json, 2));
        Assert.Equal([Iso(fixture.Rows.EventTimestamps[row]), "1970-01-01T00:00:00Z"],
            json["results"]![1]!["event_timestamps"]!.AsArray().Select(t => t!.GetValue<string>()));
        // Indented for people, as Feast's CLI prints it.
        Assert.Contains("\n  \"results\": [", result.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOnlineFeatures_SeveralRowsCommasAndFullNames_OneValuePerRow()
    {
        fixture.Materialized.ExpectOk();
        var result = (await Repo.RunAsync("get-online-features", "--full-feature-names",
            "--features", "driver_hourly_stats:conv_rate,driver_hourly_stats:acc_rate",
            "-e", "driver_id=1003", "-e", "driver_id=1001", "-e", "driver_id=\"1002\"")).ExpectOk();

        var json = Json(result);
        Assert.Equal(["driver_id", "driver_hourly_stats__conv_rate", "driver_hourly_stats__acc_rate"], FeatureNames(json));
        Assert.Equal([1003L, 1001L, 1002L], Values(json, 0).Select(v => v!.GetValue<long>()));
        Assert.Equal(new[] { 1003L, 1001L, 1002L }.Select(d => (double)fixture.Rows.AccRates[MaterializedRepoFixture.LatestRow(d)]),
            Values(json, 2).Select(v => v!.GetValue<double>()));
    }

    [Fact]
    public async Task GetOnlineFeatures_OnDemandViewWithRequestData_AddsTheRequestValues()
    {
        fixture.Materialized.ExpectOk();
        var result = (await Repo.RunAsync("get-online-features", "-f", "transformed_conv_rate:conv_rate_plus_val1",
            "-e", "driver_id=1001", "-e", "driver_id=1002",
            "-e", "val_to_add=1000", "-e", "val_to_add=1000", "-e", "val_to_add_2=2000", "-e", "val_to_add_2=2000")).ExpectOk();

        var json = Json(result);
        Assert.Equal(["driver_id", "conv_rate_plus_val1"], FeatureNames(json));
        Assert.Equal(new[] { 1001L, 1002L }.Select(d => fixture.Rows.ConvRates[MaterializedRepoFixture.LatestRow(d)] + 1000.0),
            Values(json, 1).Select(v => v!.GetValue<double>()));
    }

    [Fact]
    public async Task GetOnlineFeatures_FeatureService_ReadsItsFeatures()
    {
        fixture.Materialized.ExpectOk();
        var result = (await Repo.RunAsync("get-online-features", "--feature-service", "driver_activity_v1",
            "-e", "driver_id=1004", "-e", "val_to_add=1", "-e", "val_to_add_2=2")).ExpectOk();

        var names = FeatureNames(Json(result));
        Assert.Equal("driver_id", names[0]);
        Assert.Contains("conv_rate", names);
        Assert.Contains("conv_rate_plus_val1", names);
        Assert.Contains("conv_rate_plus_val2", names);
    }

    [Fact]
    public async Task GetOnlineFeatures_GlobalDashFBeforeTheCommand_IsTheYamlPath()
    {
        fixture.Materialized.ExpectOk();
        var yaml = Path.Combine(Repo.Repo, "feature_store.yaml");

        var result = (await FeastCommand.RunAsync("-c", Repo.Repo, "-f", yaml, "get-online-features",
            "-f", "driver_hourly_stats:conv_rate", "-e", "driver_id=1001")).ExpectOk();

        Assert.Equal(["driver_id", "conv_rate"], FeatureNames(Json(result)));
    }

    [Theory]
    [InlineData("driver_id", "--entity 'driver_id' is not KEY=VALUE; write e.g. -e driver_id=1001.")]
    [InlineData("=1001", "--entity '=1001' is not KEY=VALUE")]
    public async Task GetOnlineFeatures_BadEntitySyntax_IsAUsageError(string entity, string message)
    {
        var result = (await Repo.RunAsync("get-online-features", "-f", "driver_hourly_stats:conv_rate", "-e", entity)).Expect(ExitCodes.Usage);

        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOnlineFeatures_KeysWithDifferentRowCounts_SaysHowToFix()
    {
        var result = (await Repo.RunAsync("get-online-features", "-f", "transformed_conv_rate:conv_rate_plus_val1",
            "-e", "driver_id=1001", "-e", "driver_id=1002", "-e", "val_to_add=1", "-e", "val_to_add_2=2")).Expect(ExitCodes.Usage);

        Assert.Contains("--entity driver_id is given 2 times but val_to_add 1 times", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "-e", "driver_id=1001" }, "Give the features with --features")]
    [InlineData(new[] { "-f", "driver_hourly_stats:conv_rate" }, "Give at least one entity row")]
    [InlineData(new[] { "-f", "driver_hourly_stats:conv_rate", "--feature-service", "driver_activity_v1", "-e", "driver_id=1" }, "not both")]
    public async Task GetOnlineFeatures_MissingArguments_IsAUsageError(string[] args, string message)
    {
        var result = (await Repo.RunAsync(["get-online-features", .. args])).Expect(ExitCodes.Usage);

        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOnlineFeatures_UnknownView_FailsNamingIt()
    {
        var result = (await Repo.RunAsync("get-online-features", "-f", "no_such_view:conv_rate", "-e", "driver_id=1001")).Expect(ExitCodes.UserError);

        Assert.StartsWith("Error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("no_such_view", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_ThenGetOnlineFeatures_ReadsThePushedValueBack()
    {
        var at = Iso(fixture.Now.UtcDateTime);
        var data = $$"""
            {"driver_id": [1005], "event_timestamp": ["{{at}}"], "created": ["{{at}}"],
             "conv_rate": [0.25], "acc_rate": [0.5], "avg_daily_trips": [4242]}
            """;

        var pushed = (await Repo.RunAsync("push", "driver_stats_push_source", "--data", data)).ExpectOk();
        var read = (await Repo.RunAsync("get-online-features",
            "-f", "driver_hourly_stats_fresh:conv_rate", "-f", "driver_hourly_stats_fresh:avg_daily_trips", "-e", "driver_id=1005")).ExpectOk();

        Assert.Equal("Pushed 1 row through push source driver_stats_push_source (online).", pushed.Stdout.Trim());
        var json = Json(read);
        Assert.Equal(0.25, Values(json, 1)[0]!.GetValue<double>());
        Assert.Equal(4242L, Values(json, 2)[0]!.GetValue<long>());
        Assert.Equal([at], json["results"]![1]!["event_timestamps"]!.AsArray().Select(t => t!.GetValue<string>()));
    }

    [Fact]
    public async Task Push_RowObjectsFromAFile_AreAccepted()
    {
        var at = Iso(fixture.Now.UtcDateTime);
        var file = Path.Combine(Repo.Parent, "push.json");
        await File.WriteAllTextAsync(file, $$"""
            [{"driver_id": 1004, "event_timestamp": "{{at}}", "created": "{{at}}", "conv_rate": 0.125, "acc_rate": 0.5, "avg_daily_trips": 7}]
            """);

        (await Repo.RunAsync("push", "driver_stats_push_source", "--data", "@" + file, "--to", "online")).ExpectOk();
        var read = (await Repo.RunAsync("get-online-features", "-f", "driver_hourly_stats_fresh:conv_rate", "-e", "driver_id=1004")).ExpectOk();

        Assert.Equal(0.125, Values(Json(read), 1)[0]!.GetValue<double>());
    }

    [Theory]
    [InlineData("{\"driver_id\": 1001}", "--data column 'driver_id' must be a list")]
    [InlineData("[1, 2]", "--data must be a JSON object of columns")]
    [InlineData("{not json", "--data is not valid JSON")]
    [InlineData("{\"driver_id\": [1], \"event_timestamp\": [\"soon\"]}", "Column 'event_timestamp', row 0: \"soon\" is not an ISO 8601 timestamp")]
    [InlineData("[{\"driver_id\": 1, \"event_timestamp\": \"2026-01-01\"}, {\"driver_id\": 2, \"event_timestamp\": \"12/07/2026 06:00\"}]", "Column 'event_timestamp', row 1: \"12/07/2026 06:00\" is not an ISO 8601 timestamp")]
    [InlineData("{\"driver_id\": [1], \"event_timestamp\": [1700000000]}", "looks like seconds")]
    public async Task Push_BadData_SaysWhatIsWrong(string data, string message)
    {
        var result = (await Repo.RunAsync("push", "driver_stats_push_source", "--data", data)).Expect(ExitCodes.UserError);

        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_MonthFirstTimestamp_IsRejected_AndTheNewerOnlineValueStays()
    {
        var at = Iso(fixture.Now.UtcDateTime);
        var fresh = $$"""{"driver_id": [1003], "event_timestamp": ["{{at}}"], "created": ["{{at}}"], "conv_rate": [0.75], "acc_rate": [0.5], "avg_daily_trips": [1]}""";
        (await Repo.RunAsync("push", "driver_stats_push_source", "--data", fresh)).ExpectOk();

        // Read month first (as DateTimeOffset.Parse and pandas do) this is 2 January 2099, newer than the stored row.
        var ambiguous = """{"driver_id": [1003], "event_timestamp": ["01/02/2099 06:00"], "created": [null], "conv_rate": [0.0], "acc_rate": [0.0], "avg_daily_trips": [0]}""";
        var result = (await Repo.RunAsync("push", "driver_stats_push_source", "--data", ambiguous)).Expect(ExitCodes.UserError);
        var read = (await Repo.RunAsync("get-online-features", "-f", "driver_hourly_stats_fresh:conv_rate", "-e", "driver_id=1003")).ExpectOk();

        Assert.Contains("Column 'event_timestamp', row 0: \"01/02/2099 06:00\" is not an ISO 8601 timestamp", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(0.75, Values(Json(read), 1)[0]!.GetValue<double>());
    }

    [Fact]
    public async Task Push_EpochNanoseconds_AreTheEventTimestamp()
    {
        var at = fixture.Now.UtcDateTime;
        var nanoseconds = new DateTimeOffset(at).ToUnixTimeSeconds() * 1_000_000_000L;
        var data = $$"""{"driver_id": [1002], "event_timestamp": [{{nanoseconds}}], "created": [null], "conv_rate": [0.375], "acc_rate": [0.5], "avg_daily_trips": [2]}""";

        (await Repo.RunAsync("push", "driver_stats_push_source", "--data", data)).ExpectOk();
        var read = (await Repo.RunAsync("get-online-features", "-f", "driver_hourly_stats_fresh:conv_rate", "-e", "driver_id=1002")).ExpectOk();

        Assert.Equal(0.375, Values(Json(read), 1)[0]!.GetValue<double>());
        Assert.Equal([Iso(at)], Json(read)["results"]![1]!["event_timestamps"]!.AsArray().Select(t => t!.GetValue<string>()));
    }

    [Fact]
    public async Task Push_BadMode_IsAUsageError()
    {
        var result = (await Repo.RunAsync("push", "driver_stats_push_source", "--data", "{}", "--to", "somewhere")).Expect(ExitCodes.Usage);

        Assert.Contains("somewhere", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("materialize", "START_TS", "--views", "Example: feast materialize")]
    [InlineData("materialize-incremental", "END_TS", "--views", "Example: feast materialize-incremental")]
    [InlineData("get-online-features", "--entity", "--full-feature-names", "Example: feast get-online-features")]
    [InlineData("push", "PUSH_SOURCE", "online_and_offline", "a Feast.NET addition")]
    public async Task Help_ExplainsTheOptionsWithAnExample(string command, string first, string second, string example)
    {
        var result = (await FeastCommand.RunAsync(command, "--help")).ExpectOk();

        Assert.Contains(first, result.Stdout, StringComparison.Ordinal);
        Assert.Contains(second, result.Stdout, StringComparison.Ordinal);
        Assert.Contains(example, result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsTheNewCommands()
    {
        var result = (await FeastCommand.RunAsync("--help")).ExpectOk();

        foreach (var command in new[] { "materialize", "materialize-incremental", "get-online-features", "push" })
            Assert.Matches($@"(?m)^\s+{command}\s", result.Stdout);
    }
}
