using Feast.Cli;

namespace Feast.Cli.Tests.Commands;

/// <summary>Ctrl-C during <c>feast materialize</c>: exit 130, and a message saying what was and was not recorded.</summary>
public sealed class MaterializeCancelTests : IAsyncLifetime
{
    private InitRepo _repo = null!;

    public async Task InitializeAsync()
    {
        _repo = await InitRepo.CreateAsync("driver_cancel");
        (await _repo.RunAsync("apply")).ExpectOk();
    }

    public Task DisposeAsync()
    {
        _repo.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Captures output, and cancels when a line containing <paramref name="trigger"/> is written (Ctrl-C at that moment).</summary>
    private sealed class CancellingWriter(string trigger, CancellationTokenSource cancellation) : StringWriter
    {
        public override void Write(string? value)
        {
            base.Write(value);
            if (value is not null && ToString().Contains(trigger, StringComparison.Ordinal)) cancellation.Cancel();
        }

        public override void Write(char value)
        {
            base.Write(value);
            if (value == '\n' && ToString().Contains(trigger, StringComparison.Ordinal)) cancellation.Cancel();
        }
    }

    [Fact]
    public async Task Materialize_CancelledDuringSecondView_Exits130AndRecordsOnlyTheFirst()
    {
        using var cancellation = new CancellationTokenSource();
        using var stdout = new CancellingWriter("driver_hourly_stats_fresh from", cancellation);
        using var stderr = new StringWriter();

        var exitCode = await FeastCli.RunAsync(["-c", _repo.Repo, "materialize", "2000-01-01", "2100-01-01"], stdout, stderr, cancellation.Token);

        var result = new CliResult(exitCode, stdout.ToString(), stderr.ToString());
        result.Expect(ExitCodes.Cancelled);
        Assert.Contains("Materialized and recorded: driver_hourly_stats (5 rows).", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("driver_hourly_stats_fresh was interrupted after 0 rows", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("its interval was not recorded", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("VIEW", result.Stdout, StringComparison.Ordinal);

        var registry = _repo.ReadRegistry();
        Assert.Single(registry.FeatureViews.Single(v => v.Spec.Name == "driver_hourly_stats").Meta.MaterializationIntervals);
        Assert.Empty(registry.FeatureViews.Single(v => v.Spec.Name == "driver_hourly_stats_fresh").Meta?.MaterializationIntervals ?? []);
    }
}

/// <summary><c>feast materialize --disable-event-timestamp</c>: everything up to now, stamped with the current time.</summary>
public sealed class MaterializeDisableEventTimestampTests : IAsyncLifetime
{
    private InitRepo _repo = null!;

    public async Task InitializeAsync()
    {
        _repo = await InitRepo.CreateAsync("driver_stamp");
        (await _repo.RunAsync("apply")).ExpectOk();
    }

    public Task DisposeAsync()
    {
        _repo.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task DisableEventTimestamp_LoadsEverything_StampedNow()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var run = (await _repo.RunAsync("materialize", "--disable-event-timestamp", "-v", "driver_hourly_stats")).ExpectOk();
        var read = (await _repo.RunAsync("get-online-features", "-f", "driver_hourly_stats:conv_rate", "-e", "driver_id=1001")).ExpectOk();

        Assert.Contains("stamped with the current time", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"PRESENT\"", read.Stdout, StringComparison.Ordinal);
        var stamp = System.Text.Json.JsonDocument.Parse(read.Stdout).RootElement.GetProperty("results")[1].GetProperty("event_timestamps")[0].GetString()!;
        Assert.True(DateTimeOffset.Parse(stamp, System.Globalization.CultureInfo.InvariantCulture) >= before, stamp);
    }

    [Theory]
    [InlineData("--disable-event-timestamp", "2024-01-01", "2024-01-02")]
    [InlineData("2024-01-01")]
    public async Task BadTimestampCombinations_SayWhatToGive(params string[] args)
    {
        var result = await _repo.RunAsync(["materialize", .. args]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("START_TS", result.Stderr, StringComparison.Ordinal);
    }
}

/// <summary>
/// <c>feast materialize</c> that stops on an error in its second view, and <c>materialize-incremental</c> to a time the
/// views are already past: what the user is told.
/// </summary>
public sealed class MaterializeOutcomeTests : IAsyncLifetime
{
    private InitRepo _repo = null!;

    public async Task InitializeAsync()
    {
        _repo = await InitRepo.CreateAsync("driver_outcome");
        (await _repo.RunAsync("apply")).ExpectOk();
    }

    public Task DisposeAsync()
    {
        _repo.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Captures output, and runs <paramref name="action"/> once when a line containing <paramref name="trigger"/> is written.</summary>
    private sealed class TriggerWriter(string trigger, Action action) : StringWriter
    {
        private bool _fired;

        public override void Write(char value)
        {
            base.Write(value);
            Fire();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            Fire();
        }

        private void Fire()
        {
            if (_fired || !ToString().Contains(trigger, StringComparison.Ordinal)) return;
            _fired = true;
            action();
        }
    }

    [Fact]
    public async Task Materialize_SecondViewFails_PrintsWhatTheFirstWroteAndRecorded_ThenTheError()
    {
        // Both views read the sample Parquet file; it turns to garbage as the second view starts.
        var data = Path.Combine(_repo.Repo, "data", "driver_stats.parquet");
        using var stdout = new TriggerWriter("driver_hourly_stats_fresh from", () => File.WriteAllText(data, "not parquet"));
        using var stderr = new StringWriter();

        var exitCode = await FeastCli.RunAsync(["-c", _repo.Repo, "materialize", "2000-01-01", "2100-01-01"], stdout, stderr, CancellationToken.None);

        var result = new CliResult(exitCode, stdout.ToString(), stderr.ToString());
        result.Expect(ExitCodes.UserError);
        var table = CliTable.Parse(result.Stdout[result.Stdout.IndexOf("VIEW", StringComparison.Ordinal)..]);
        Assert.Equal(["driver_hourly_stats"], table.Column("VIEW"));
        Assert.Equal(["5"], table.Column("ROWS"));
        Assert.Contains("Materialized 5 rows into 1 feature view.", result.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("Failed. Materialized and recorded: driver_hourly_stats (5 rows). driver_hourly_stats_fresh failed after 0 rows; its interval was not recorded", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("its interval was not recorded", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("\nError: ", result.Stderr, StringComparison.Ordinal);
        var registry = _repo.ReadRegistry();
        Assert.Single(registry.FeatureViews.Single(v => v.Spec.Name == "driver_hourly_stats").Meta.MaterializationIntervals);
        Assert.Empty(registry.FeatureViews.Single(v => v.Spec.Name == "driver_hourly_stats_fresh").Meta?.MaterializationIntervals ?? []);
    }

    [Fact]
    public async Task MaterializeIncremental_BeforeTheLastEnd_SaysThereIsNothingToDoAndWhy()
    {
        (await _repo.RunAsync("materialize", "2000-01-01", "2100-01-01")).ExpectOk();

        var result = (await _repo.RunAsync("materialize-incremental", "2050-01-01")).ExpectOk();

        Assert.Contains("driver_hourly_stats: already materialized up to 2100-01-01 00:00:00+00:00, past 2050-01-01 00:00:00+00:00; nothing to load.", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Nothing to do: all 2 feature views are already materialized past 2050-01-01 00:00:00+00:00.", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Give a later END_TS", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("VIEW", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("rows written", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaterializeIncremental_OneViewPastTheEnd_LoadsTheOtherAndNamesTheSkippedOne()
    {
        (await _repo.RunAsync("materialize", "2000-01-01", "2100-01-01", "-v", "driver_hourly_stats")).ExpectOk();

        var result = (await _repo.RunAsync("materialize-incremental", "2050-01-01")).ExpectOk();

        var table = CliTable.Parse(result.Stdout[result.Stdout.IndexOf("VIEW", StringComparison.Ordinal)..]);
        Assert.Equal(["driver_hourly_stats_fresh"], table.Column("VIEW"));
        Assert.Contains("Already materialized past 2050-01-01 00:00:00+00:00, so not loaded: driver_hourly_stats.", result.Stdout, StringComparison.Ordinal);
    }
}
