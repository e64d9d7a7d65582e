namespace Feast.Cli.Tests.Commands;

/// <summary><c>feast delete NAME</c> over the driver example, on the file registry and the SQL registry.</summary>
public sealed class DeleteCommandTests
{
    [Fact]
    public async Task Delete_ViewAfterItsUsers_RemovesEachObjectAndDropsTheViewsOnlineTable()
    {
        using var repo = await InitRepo.CreateAsync("driver_delete");
        (await repo.RunAsync("apply")).ExpectOk();
        Assert.Contains("driver_delete_driver_hourly_stats_fresh", ApplyCommandTests.OnlineTables(repo.OnlineStorePath).Keys);

        var service = (await repo.RunAsync("delete", "driver_activity_v3")).ExpectOk();
        var onDemand = (await repo.RunAsync("delete", "transformed_conv_rate_fresh")).ExpectOk();
        var view = (await repo.RunAsync("delete", "driver_hourly_stats_fresh")).ExpectOk();

        Assert.Equal("Deleted FeatureService driver_activity_v3 from driver_delete.\n", service.Stdout.ReplaceLineEndings("\n"));
        Assert.Equal("Deleted OnDemandFeatureView transformed_conv_rate_fresh from driver_delete.\n", onDemand.Stdout.ReplaceLineEndings("\n"));
        Assert.Equal(
            "Deleted FeatureView driver_hourly_stats_fresh from driver_delete.\nRemoved SQLite table driver_delete_driver_hourly_stats_fresh\n",
            view.Stdout.ReplaceLineEndings("\n"));
        var registry = repo.ReadRegistry();
        Assert.DoesNotContain(registry.FeatureServices, s => s.Spec.Name == "driver_activity_v3");
        Assert.DoesNotContain(registry.OnDemandFeatureViews, v => v.Spec.Name == "transformed_conv_rate_fresh");
        Assert.DoesNotContain(registry.FeatureViews, v => v.Spec.Name == "driver_hourly_stats_fresh");
        Assert.Contains(registry.FeatureViews, v => v.Spec.Name == "driver_hourly_stats");
        var tables = ApplyCommandTests.OnlineTables(repo.OnlineStorePath).Keys;
        Assert.DoesNotContain("driver_delete_driver_hourly_stats_fresh", tables);
        Assert.Contains("driver_delete_driver_hourly_stats", tables);

        // The push source fed only the deleted view; now it can go too.
        (await repo.RunAsync("delete", "driver_stats_push_source")).ExpectOk();
        Assert.DoesNotContain(repo.ReadRegistry().DataSources, d => d.Name == "driver_stats_push_source");
        // The repo still defines them: plan shows apply would bring them back.
        Assert.Contains("driver_hourly_stats_fresh", (await repo.RunAsync("plan")).ExpectOk().Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("driver_hourly_stats", "FeatureView", "FeatureService driver_activity_v1, FeatureService driver_activity_v2, OnDemandFeatureView transformed_conv_rate")]
    [InlineData("driver", "Entity", "FeatureView driver_hourly_stats, FeatureView driver_hourly_stats_fresh")]
    [InlineData("driver_hourly_stats_source", "DataSource", "FeatureView driver_hourly_stats, FeatureView driver_hourly_stats_fresh, PushSource driver_stats_push_source")]
    [InlineData("vals_to_add", "DataSource", "OnDemandFeatureView transformed_conv_rate, OnDemandFeatureView transformed_conv_rate_fresh")]
    public async Task Delete_ObjectOthersUse_FailsNamingThemAndWritesNothing(string name, string kind, string users)
    {
        using var repo = await InitRepo.CreateAsync("driver_in_use");
        (await repo.RunAsync("apply")).ExpectOk();
        var before = await File.ReadAllBytesAsync(repo.RegistryPath);

        var result = (await repo.RunAsync("delete", name)).Expect(1);

        Assert.Equal(
            $"Error: Cannot delete {kind} {name} from project driver_in_use: it is used by {users}. Delete those first (or remove the references from the repo and run 'feast apply').\n",
            result.Stderr.ReplaceLineEndings("\n"));
        Assert.Equal("", result.Stdout);
        Assert.Equal(before, await File.ReadAllBytesAsync(repo.RegistryPath));
        Assert.Contains("driver_in_use_driver_hourly_stats", ApplyCommandTests.OnlineTables(repo.OnlineStorePath).Keys);
    }

    [Fact]
    public async Task Delete_BadNames_FailWithAClearLine()
    {
        using var repo = await InitRepo.CreateAsync("driver_bad_delete");
        (await repo.RunAsync("apply")).ExpectOk();
        var before = await File.ReadAllBytesAsync(repo.RegistryPath);

        var typo = (await repo.RunAsync("delete", "driver_activty_v1")).Expect(1);
        var unknown = (await repo.RunAsync("delete", "no_such_thing_at_all")).Expect(1);
        var dummy = (await repo.RunAsync("delete", "__dummy")).Expect(1);
        var empty = (await repo.RunAsync("delete", "")).Expect(2);
        var missing = (await repo.RunAsync("delete")).Expect(2);

        Assert.StartsWith("Error: No object named 'driver_activty_v1' in project driver_bad_delete. Did you mean 'driver_activity_v1'?", typo.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("Error: No object named 'no_such_thing_at_all' in project driver_bad_delete. List the objects", unknown.Stderr, StringComparison.Ordinal);
        Assert.Contains("__dummy is the entity Feast gives every project", dummy.Stderr, StringComparison.Ordinal);
        Assert.Contains("OBJECT_ID is empty", empty.Stderr, StringComparison.Ordinal);
        Assert.Contains("Required argument missing", missing.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(repo.RegistryPath));
    }

    [Fact]
    public async Task Delete_SqlRegistry_RemovesTheRowAndRefusesObjectsInUse()
    {
        using var repo = await InitRepo.CreateAsync("driver_sql_delete");
        var yaml = Path.Combine(repo.Repo, "feature_store.yaml");
        await File.WriteAllTextAsync(yaml, (await File.ReadAllTextAsync(yaml)).Replace(
            "registry: data/registry.db",
            "registry:\n    registry_type: sql\n    path: sqlite:///data/registry.sqlite",
            StringComparison.Ordinal));
        (await repo.RunAsync("apply")).ExpectOk();

        (await repo.RunAsync("delete", "driver_hourly_stats")).Expect(1);
        (await repo.RunAsync("delete", "driver_activity_v1")).ExpectOk();

        var services = (await repo.RunAsync("feature-services", "list")).ExpectOk().Table.Column("NAME");
        Assert.Equal(["driver_activity_v2", "driver_activity_v3"], services);
        Assert.Contains("driver_hourly_stats", (await repo.RunAsync("feature-views", "list")).ExpectOk().Table.Column("NAME"));
        (await repo.RunAsync("delete", "driver_activity_v1")).Expect(1);
    }

    [Fact]
    public async Task Delete_Permission_RemovesIt()
    {
        using var repo = await InitRepo.CreateAsync("driver_perm_delete");
        repo.Write("perms.cs", """
            public static class Perms
            {
                public static readonly Permission Readers = new(name: "readers", types: [PermissionResourceType.FeatureView],
                    actions: AuthzedActions.Read, policy: new RoleBasedPolicy(["reader"]));
            }
            """);
        (await repo.RunAsync("apply")).ExpectOk();

        var result = (await repo.RunAsync("delete", "readers")).ExpectOk();

        Assert.Contains("Deleted Permission readers from driver_perm_delete.", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(repo.ReadRegistry().Permissions);
    }
}
