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
