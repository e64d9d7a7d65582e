namespace Feast.Cli.Tests.Commands;

/// <summary>What <c>feast apply</c> says about online storage: tables created for online views, removed only where one existed.</summary>
public sealed class ApplyOnlineStorageTests
{
    [Fact]
    public async Task Apply_FirstTime_CreatesTablesAndRemovesNothing()
    {
        using var repo = await InitRepo.CreateAsync("driver_storage");

        var result = (await repo.RunAsync("apply")).ExpectOk();

        Assert.Contains("Created SQLite table driver_storage_driver_hourly_stats\n", result.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("Created SQLite table driver_storage_driver_hourly_stats_fresh\n", result.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        // The on-demand views do not write to the online store, so they never had a table.
        Assert.DoesNotContain("Removed", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_ViewSwitchedOffline_RemovesItsTable()
    {
        using var repo = await InitRepo.CreateAsync("driver_offline");
        (await repo.RunAsync("apply")).ExpectOk();
        repo.Edit("""
                        new Field("avg_daily_trips", FeastType.Int64),
                    ],
                    online: true,
            """, """
                        new Field("avg_daily_trips", FeastType.Int64),
                    ],
                    online: false,
            """);

        var plan = (await repo.RunAsync("plan")).ExpectOk();
        var apply = (await repo.RunAsync("apply")).ExpectOk();

        Assert.Contains("Will remove SQLite table driver_offline_driver_hourly_stats_fresh", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("Removed SQLite table driver_offline_driver_hourly_stats_fresh", apply.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("transformed_conv_rate", apply.Stdout.Split("Applied:")[1], StringComparison.Ordinal);
    }
}
