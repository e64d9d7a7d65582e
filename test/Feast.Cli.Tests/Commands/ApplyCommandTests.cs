using Microsoft.Data.Sqlite;

namespace Feast.Cli.Tests.Commands;

/// <summary><c>feast init</c> → <c>apply</c> → <c>plan</c> end to end, over the driver example, with a file registry and the SQLite online store.</summary>
public class ApplyCommandTests
{
    private static readonly string[] FeastOnlineColumns = ["entity_key", "feature_name", "value", "value_text", "vector_value", "event_ts", "created_ts"];

    [Theory]
    [InlineData("plan")]
    [InlineData("apply")]
    public async Task PlanAndApply_PythonDefinitionsInTheRepo_WarnThatTheyAreNotRead(string command)
    {
        using var repo = await InitRepo.CreateAsync("driver_python");
        await File.WriteAllTextAsync(Path.Combine(repo.Repo, "example_repo.py"), "from feast import Entity\n");

        var result = (await repo.RunAsync(command)).ExpectOk();

        Assert.StartsWith("Warning: example_repo.py is not read: Feast.NET does not read Python definitions. Definitions are C#: *.cs files", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Create", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_NewRepo_RegistersTheDriverExampleAndCreatesOnlineTables()
    {
        using var repo = await InitRepo.CreateAsync("driver_apply");

        var apply = (await repo.RunAsync("apply")).ExpectOk();

        var table = apply.Table;
        Assert.Equal(["CHANGE", "KIND", "NAME", "FIELDS"], table.Header);
        Assert.All(table.Rows, r => Assert.Equal("Created", r[0]));
        var created = table.Rows.Select(r => (r[1], CliTable.Unwrap(r[2]))).ToHashSet();
        (string, string)[] expected =
        [
            ("Project", "driver_apply"), ("Entity", "driver"),
            ("DataSource", "driver_hourly_stats_source"), ("DataSource", "driver_stats_push_source"), ("DataSource", "vals_to_add"),
            ("FeatureView", "driver_hourly_stats"), ("FeatureView", "driver_hourly_stats_fresh"),
            ("OnDemandFeatureView", "transformed_conv_rate"), ("OnDemandFeatureView", "transformed_conv_rate_fresh"),
            ("FeatureService", "driver_activity_v1"), ("FeatureService", "driver_activity_v2"), ("FeatureService", "driver_activity_v3"),
        ];
        Assert.All(expected, e => Assert.Contains(e, created));
        Assert.Contains("Applied: ", apply.Stdout, StringComparison.Ordinal);
        Assert.Equal("", apply.Stderr);

        // The registry file holds every object, each in the repo's project.
        Assert.True(File.Exists(repo.RegistryPath));
        var registry = repo.ReadRegistry();
        Assert.Equal(["driver_apply"], registry.Projects.Select(p => p.Spec.Name));
        Assert.Equal(["__dummy", "driver"], registry.Entities.Select(e => e.Spec.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["driver_hourly_stats", "driver_hourly_stats_fresh"], registry.FeatureViews.Select(v => v.Spec.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["transformed_conv_rate", "transformed_conv_rate_fresh"], registry.OnDemandFeatureViews.Select(v => v.Spec.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["driver_activity_v1", "driver_activity_v2", "driver_activity_v3"], registry.FeatureServices.Select(s => s.Spec.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["driver_hourly_stats_source", "driver_stats_push_source", "vals_to_add"], registry.DataSources.Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.All(registry.Entities, e => Assert.Equal("driver_apply", e.Spec.Project));
        Assert.All(registry.FeatureViews, v => Assert.Equal("driver_apply", v.Spec.Project));
        Assert.All(registry.OnDemandFeatureViews, v => Assert.Equal("driver_apply", v.Spec.Project));
        Assert.All(registry.FeatureServices, s => Assert.Equal("driver_apply", s.Spec.Project));
        Assert.All(registry.DataSources, d => Assert.Equal("driver_apply", d.Project));
        Assert.False(string.IsNullOrEmpty(registry.VersionId));

        // One table per feature view, named {project}_{view}, with Feast's columns.
        var tables = OnlineTables(repo.OnlineStorePath);
        Assert.Equal(["driver_apply_driver_hourly_stats", "driver_apply_driver_hourly_stats_fresh"], tables.Keys.Order(StringComparer.Ordinal));
        Assert.All(tables.Values, columns => Assert.Equal(FeastOnlineColumns, columns));
    }

    [Fact]
    public async Task Plan_AfterApply_SaysNoChangesAndWritesNothing()
    {
        using var repo = await InitRepo.CreateAsync("driver_plan");
        (await repo.RunAsync("apply")).ExpectOk();
        var bytes = await File.ReadAllBytesAsync(repo.RegistryPath);

        var plan = (await repo.RunAsync("plan")).ExpectOk();

        Assert.Contains("No changes", plan.Stdout, StringComparison.Ordinal);
        Assert.Equal("", plan.Stderr);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(repo.RegistryPath));
    }

    [Fact]
    public async Task Plan_BeforeApply_ListsCreatesAndWritesNothing()
    {
        using var repo = await InitRepo.CreateAsync("driver_first_plan");

        var plan = (await repo.RunAsync("plan")).ExpectOk();

        var table = plan.Table;
        Assert.All(table.Rows, r => Assert.Equal("Create", r[0]));
        Assert.Contains(table.Rows, r => r[1] == "FeatureView" && CliTable.Unwrap(r[2]) == "driver_hourly_stats");
        Assert.Contains("Run 'feast apply'", plan.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(repo.RegistryPath));
        Assert.False(File.Exists(repo.OnlineStorePath));
    }

    [Fact]
    public async Task Apply_Unchanged_PrintsNoChangesAndDoesNotRewriteTheRegistry()
    {
        using var repo = await InitRepo.CreateAsync("driver_reapply");
        (await repo.RunAsync("apply")).ExpectOk();
        var bytes = await File.ReadAllBytesAsync(repo.RegistryPath);
        // Push the file's time into the past so a rewrite within the clock's resolution would still show.
        var stamp = DateTime.UtcNow.AddHours(-1);
        File.SetLastWriteTimeUtc(repo.RegistryPath, stamp);

        var again = (await repo.RunAsync("apply")).ExpectOk();

        Assert.Equal("No changes to registry or infrastructure.", again.Stdout.Trim());
        Assert.Equal(bytes, await File.ReadAllBytesAsync(repo.RegistryPath));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(repo.RegistryPath));
    }

    [Fact]
    public async Task Apply_NewRepo_DoesNotPrintTheDummyEntity()
    {
        using var repo = await InitRepo.CreateAsync("driver_dummy");

        var apply = (await repo.RunAsync("apply")).ExpectOk();

        Assert.DoesNotContain("__dummy", apply.Stdout, StringComparison.Ordinal);
        Assert.Contains("__dummy", repo.ReadRegistry().Entities.Select(e => e.Spec.Name));
    }

    [Fact]
    public async Task PlanAndApply_EditedRepo_ListUpdatesAndDeletesThenApplyWritesThem()
    {
        using var repo = await InitRepo.CreateAsync("driver_edit");
        (await repo.RunAsync("apply")).ExpectOk();
        var applied = await File.ReadAllBytesAsync(repo.RegistryPath);

        // A changed feature description, a new feature in the fresh view, a removed feature service.
        repo.Edit("description: \"Average daily trips\"", "description: \"Trips per day, averaged\"");
        repo.Edit(
            "            new Field(\"avg_daily_trips\", FeastType.Int64),\n",
            "            new Field(\"avg_daily_trips\", FeastType.Int64),\n            new Field(\"lifetime_trips\", FeastType.Int64),\n");
        repo.Cut("    public static readonly FeatureService DriverActivityV2", "    // Defines a way to push data");
        // The sample data has no lifetime_trips column: the test is about the plan, so the sources are not checked.
        const string skip = "--skip-source-validation";

        var plan = (await repo.RunAsync("plan", skip)).ExpectOk();

        var table = plan.Table;
        Assert.Equal("Update", table.Cell("driver_hourly_stats", "CHANGE", keyColumn: "NAME"));
        Assert.Equal(["features"], FieldNames(table.Cell("driver_hourly_stats", "FIELDS", keyColumn: "NAME")));
        Assert.Equal("Update", table.Cell("driver_hourly_stats_fresh", "CHANGE", keyColumn: "NAME"));
        Assert.Equal(["features"], FieldNames(table.Cell("driver_hourly_stats_fresh", "FIELDS", keyColumn: "NAME")));
        Assert.Equal("Delete", table.Cell("driver_activity_v2", "CHANGE", keyColumn: "NAME"));
        Assert.Equal("FeatureService", table.Cell("driver_activity_v2", "KIND", keyColumn: "NAME"));
        Assert.DoesNotContain(table.Rows, r => CliTable.Unwrap(r[2]) is "driver" or "driver_activity_v1" or "driver_hourly_stats_source");
        Assert.Matches(@"Plan: 0 to create, \d+ to update, 1 to delete\.", plan.Stdout);
        Assert.Equal(applied, await File.ReadAllBytesAsync(repo.RegistryPath));

        var apply = (await repo.RunAsync("apply", skip)).ExpectOk();

        Assert.Equal("Updated", apply.Table.Cell("driver_hourly_stats", "CHANGE", keyColumn: "NAME"));
        Assert.Equal("Deleted", apply.Table.Cell("driver_activity_v2", "CHANGE", keyColumn: "NAME"));
        var registry = repo.ReadRegistry();
        var view = Assert.Single(registry.FeatureViews, v => v.Spec.Name == "driver_hourly_stats");
        Assert.Equal("Trips per day, averaged", view.Spec.Features.Single(f => f.Name == "avg_daily_trips").Description);
        var fresh = Assert.Single(registry.FeatureViews, v => v.Spec.Name == "driver_hourly_stats_fresh");
        Assert.Equal(["conv_rate", "acc_rate", "avg_daily_trips", "lifetime_trips"], fresh.Spec.Features.Select(f => f.Name));
        Assert.Equal(["driver_activity_v1", "driver_activity_v3"], registry.FeatureServices.Select(s => s.Spec.Name).Order(StringComparer.Ordinal));
        Assert.Contains("No changes", (await repo.RunAsync("plan", skip)).ExpectOk().Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_UpdatedViews_PrintsEachObjectNameUnbrokenOnOneLine()
    {
        using var repo = await InitRepo.CreateAsync("driver_wrap");
        (await repo.RunAsync("apply")).ExpectOk();
        repo.Edit(
            "            new Field(\"avg_daily_trips\", FeastType.Int64),\n",
            "            new Field(\"avg_daily_trips\", FeastType.Int64),\n            new Field(\"lifetime_trips\", FeastType.Int64),\n");

        // The sample data has no lifetime_trips column: the test is about the plan's layout.
        var plan = (await repo.RunAsync("plan", "--skip-source-validation")).ExpectOk();

        Assert.Contains("driver_hourly_stats_fresh", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("transformed_conv_rate_fresh", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("driver_activity_v3", plan.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_RemovedFeatureView_DeletesItFromTheRegistryAndDropsItsOnlineTable()
    {
        using var repo = await InitRepo.CreateAsync("driver_remove");
        (await repo.RunAsync("apply")).ExpectOk();
        Assert.Contains("driver_remove_driver_hourly_stats_fresh", OnlineTables(repo.OnlineStorePath).Keys);

        // The fresh view, and the on demand view and service that use it.
        repo.Cut("    // Defines a slightly modified version", "    /// <summary>\n    /// The transformation");

        var apply = (await repo.RunAsync("apply")).ExpectOk();

        var table = apply.Table;
        Assert.Equal("Deleted", table.Cell("driver_hourly_stats_fresh", "CHANGE", keyColumn: "NAME"));
        Assert.Equal("Deleted", table.Cell("transformed_conv_rate_fresh", "CHANGE", keyColumn: "NAME"));
        Assert.Equal("Deleted", table.Cell("driver_activity_v3", "CHANGE", keyColumn: "NAME"));
        var registry = repo.ReadRegistry();
        Assert.Equal(["driver_hourly_stats"], registry.FeatureViews.Select(v => v.Spec.Name));
        Assert.Equal(["transformed_conv_rate"], registry.OnDemandFeatureViews.Select(v => v.Spec.Name));
        Assert.Equal(["driver_activity_v1", "driver_activity_v2"], registry.FeatureServices.Select(s => s.Spec.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["driver_remove_driver_hourly_stats"], OnlineTables(repo.OnlineStorePath).Keys);
    }

    [Fact]
    public async Task PlanAndApply_ViewTurnedOffline_UpdateOnlineFieldAndDropTheTable()
    {
        using var repo = await InitRepo.CreateAsync("driver_offline");
        (await repo.RunAsync("apply")).ExpectOk();
        repo.Edit("online: true,\n        // Tags", "online: false,\n        // Tags");

        var plan = (await repo.RunAsync("plan", "--verbose")).ExpectOk();

        Assert.Matches(@"^Compiled 1 definition file in \d+ ms", plan.Stdout);
        Assert.Equal("Update", plan.Table.Cell("driver_hourly_stats", "CHANGE", keyColumn: "NAME"));
        Assert.Equal(["online"], FieldNames(plan.Table.Cell("driver_hourly_stats", "FIELDS", keyColumn: "NAME")));
        Assert.Contains("driver_offline_driver_hourly_stats", OnlineTables(repo.OnlineStorePath).Keys);

        (await repo.RunAsync("apply")).ExpectOk();

        Assert.False(repo.ReadRegistry().FeatureViews.Single(v => v.Spec.Name == "driver_hourly_stats").Spec.Online);
        Assert.Equal(["driver_offline_driver_hourly_stats_fresh"], OnlineTables(repo.OnlineStorePath).Keys);
    }

    [Fact]
    public async Task Plan_ViewTurnedOffline_SaysItsOnlineTableWillBeDropped()
    {
        using var repo = await InitRepo.CreateAsync("driver_offline_plan");
        (await repo.RunAsync("apply")).ExpectOk();
        repo.Edit("online: true,\n        // Tags", "online: false,\n        // Tags");

        var plan = (await repo.RunAsync("plan")).ExpectOk();

        Assert.Contains("driver_offline_plan_driver_hourly_stats", plan.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The field names of a FIELDS cell: each changed field starts a line with <c>name: old -> new</c>.</summary>
    private static List<string> FieldNames(string cell) =>
        cell.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l, "^([a-z_]+): ")).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();

    /// <summary>The tables of a SQLite database with their columns in order.</summary>
    internal static Dictionary<string, List<string>> OnlineTables(string path)
    {
        Assert.True(File.Exists(path), $"no online store at {path}");
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        var names = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
            using var reader = command.ExecuteReader();
            while (reader.Read()) names.Add(reader.GetString(0));
        }
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT name FROM pragma_table_info('{name.Replace("'", "''", StringComparison.Ordinal)}') ORDER BY cid";
            using var reader = command.ExecuteReader();
            var columns = new List<string>();
            while (reader.Read()) columns.Add(reader.GetString(0));
            result[name] = columns;
        }
        return result;
    }
}
