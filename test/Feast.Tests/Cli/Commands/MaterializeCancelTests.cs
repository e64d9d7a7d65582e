using Feast.Cli;

namespace Feast.Tests.Cli.Commands;

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
