namespace Feast.Cli.Tests.Commands;

using RegistryProto = global::Feast.Protos.Core.Registry;

/// <summary><c>feast teardown</c>: the project's registry objects and online storage go; other projects stay.</summary>
public class TeardownCommandTests
{
    [Fact]
    public async Task Teardown_AppliedRepo_RemovesTheRegistryFileAndTheOnlineStoreAndCanRunAgain()
    {
        using var repo = await InitRepo.CreateAsync("driver_teardown");
        (await repo.RunAsync("apply")).ExpectOk();
        Assert.True(File.Exists(repo.OnlineStorePath));

        var teardown = (await repo.RunAsync("teardown")).ExpectOk();

        Assert.StartsWith("Removed ", teardown.Stdout, StringComparison.Ordinal);
        Assert.Contains("driver_teardown", teardown.Stdout, StringComparison.Ordinal);
        Assert.Equal("", teardown.Stderr);
        // The only project is gone, so the file registry is deleted, as Feast does.
        Assert.False(File.Exists(repo.RegistryPath));
        Assert.False(File.Exists(repo.OnlineStorePath));
        Assert.True(File.Exists(Path.Combine(repo.Repo, "data", "driver_stats.parquet")));

        var again = (await repo.RunAsync("teardown")).ExpectOk();

        Assert.StartsWith("Nothing to remove", again.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(repo.RegistryPath));
        Assert.Empty((await repo.RunAsync("feature-views", "list")).ExpectOk().Table.Rows);
    }

    [Fact]
    public async Task Teardown_NeverApplied_SucceedsAndCreatesNothing()
    {
        using var repo = await InitRepo.CreateAsync("driver_never_applied");

        var teardown = (await repo.RunAsync("teardown")).ExpectOk();

        Assert.StartsWith("Nothing to remove", teardown.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(repo.RegistryPath));
        Assert.False(File.Exists(repo.OnlineStorePath));
    }

    [Fact]
    public async Task Teardown_RegistrySharedWithAnotherProject_RemovesOnlyItsOwnObjects()
    {
        using var first = await InitRepo.CreateAsync("driver_first");
        using var second = await InitRepo.CreateAsync("driver_second");
        // Both repos use the first repo's registry file.
        var yaml = Path.Combine(second.Repo, "feature_store.yaml");
        var text = await File.ReadAllTextAsync(yaml);
        await File.WriteAllTextAsync(yaml, text.Replace("registry: data/registry.db", $"registry: {first.RegistryPath}", StringComparison.Ordinal));
        await Task.WhenAll(Apply(first), Apply(second));
        var before = first.ReadRegistry();
        Assert.Equal(["driver_first", "driver_second"], before.Projects.Select(p => p.Spec.Name).Order(StringComparer.Ordinal));

        (await first.RunAsync("teardown")).ExpectOk();

        var after = first.ReadRegistry();
        Assert.Equal(["driver_second"], after.Projects.Select(p => p.Spec.Name));
        Assert.Equal(Objects(before, "driver_second"), Objects(after, "driver_second"));
        Assert.Empty(Objects(after, "driver_first"));
        Assert.False(File.Exists(first.OnlineStorePath));
        Assert.True(File.Exists(second.OnlineStorePath));
        Assert.Equal(
            ["driver_hourly_stats", "driver_hourly_stats_fresh"],
            (await second.RunAsync("feature-views", "list")).ExpectOk().Table.Column("NAME").Where(n => n.StartsWith("driver_", StringComparison.Ordinal)));

        static async Task Apply(InitRepo repo) => (await repo.RunAsync("apply")).ExpectOk();
    }

    /// <summary>Every object of <paramref name="project"/> in the registry, as kind/name pairs.</summary>
    private static List<string> Objects(RegistryProto registry, string project) =>
    [
        .. registry.Entities.Where(e => e.Spec.Project == project).Select(e => "entity/" + e.Spec.Name),
        .. registry.DataSources.Where(d => d.Project == project).Select(d => "source/" + d.Name),
        .. registry.FeatureViews.Where(v => v.Spec.Project == project).Select(v => "view/" + v.Spec.Name),
        .. registry.OnDemandFeatureViews.Where(v => v.Spec.Project == project).Select(v => "odfv/" + v.Spec.Name),
        .. registry.StreamFeatureViews.Where(v => v.Spec.Project == project).Select(v => "sfv/" + v.Spec.Name),
        .. registry.FeatureServices.Where(s => s.Spec.Project == project).Select(s => "service/" + s.Spec.Name),
        .. registry.Permissions.Where(p => p.Spec.Project == project).Select(p => "permission/" + p.Spec.Name),
        .. registry.Projects.Where(p => p.Spec.Name == project).Select(p => "project/" + p.Spec.Name),
    ];
}
