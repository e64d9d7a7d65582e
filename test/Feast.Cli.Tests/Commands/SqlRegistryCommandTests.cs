using Microsoft.Data.Sqlite;

namespace Feast.Cli.Tests.Commands;

/// <summary>apply, plan, list and teardown over a SQL registry (<c>registry_type: sql</c> on SQLite).</summary>
public class SqlRegistryCommandTests
{
    private static readonly string[] Tables = ["projects", "entities", "data_sources", "feature_views", "on_demand_feature_views", "feature_services"];

    [Fact]
    public async Task ApplyPlanListTeardown_SqlRegistry_KeepTheRegistryInTables()
    {
        using var repo = await InitRepo.CreateAsync("driver_sql");
        var yaml = Path.Combine(repo.Repo, "feature_store.yaml");
        var text = await File.ReadAllTextAsync(yaml);
        await File.WriteAllTextAsync(yaml, text.Replace(
            "registry: data/registry.db",
            "registry:\n    registry_type: sql\n    path: sqlite:///data/registry.sqlite",
            StringComparison.Ordinal));
        var database = Path.Combine(repo.Repo, "data", "registry.sqlite");

        var apply = (await repo.RunAsync("apply")).ExpectOk();

        Assert.Equal("Created", apply.Table.Cell("driver_hourly_stats", "CHANGE", keyColumn: "NAME"));
        Assert.False(File.Exists(repo.RegistryPath));
        var counts = RowCounts(database, "driver_sql");
        Assert.Equal(new Dictionary<string, long>
        {
            ["projects"] = 1,
            ["entities"] = 2, // driver and __dummy
            ["data_sources"] = 3,
            ["feature_views"] = 2,
            ["on_demand_feature_views"] = 2,
            ["feature_services"] = 3,
        }, counts);
        Assert.Contains("driver_sql_driver_hourly_stats", ApplyCommandTests.OnlineTables(repo.OnlineStorePath).Keys);

        Assert.Contains("No changes", (await repo.RunAsync("plan")).ExpectOk().Stdout, StringComparison.Ordinal);
        Assert.Contains("No changes", (await repo.RunAsync("apply")).ExpectOk().Stdout, StringComparison.Ordinal);
        Assert.Equal(
            ["driver_hourly_stats", "driver_hourly_stats_fresh", "transformed_conv_rate", "transformed_conv_rate_fresh"],
            (await repo.RunAsync("feature-views", "list")).ExpectOk().Table.Column("NAME"));
        Assert.Equal("driver", (await repo.RunAsync("entities", "list")).ExpectOk().Table.Rows.Single()[0]);
        Assert.Contains("  name: driver_activity_v2\n", (await repo.RunAsync("feature-services", "describe", "driver_activity_v2")).ExpectOk().Stdout, StringComparison.Ordinal);

        (await repo.RunAsync("teardown")).ExpectOk();

        Assert.All(RowCounts(database, "driver_sql").Values, count => Assert.Equal(0, count));
        Assert.False(File.Exists(repo.OnlineStorePath));
    }

    private static Dictionary<string, long> RowCounts(string database, string project)
    {
        Assert.True(File.Exists(database), $"no SQL registry at {database}");
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in Tables)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM {table} WHERE project_id = $project";
            command.Parameters.AddWithValue("$project", project);
            counts[table] = (long)command.ExecuteScalar()!;
        }
        return counts;
    }
}
