using Feast.Cli.Tests.Commands;

namespace Feast.Cli.Tests.Init;

/// <summary><c>feast init --minimal</c>: Feast's empty repo, ready for <c>feast apply</c>.</summary>
public sealed class MinimalTemplateTests
{
    [Theory]
    [InlineData("--minimal")]
    [InlineData("-m")]
    public async Task InitMinimal_CreatesOnlyTheConfigurationAndAnEmptyDefinitionsFile(string flag)
    {
        using var temp = new TempDir();

        (await FeastCommand.InAsync(temp.Path, "init", "tiny_repo", flag)).ExpectOk();

        var repo = Path.Combine(temp.Path, "tiny_repo", "feature_repo");
        Assert.Equal(["data", "feature_definitions.cs", "feature_store.yaml"],
            Directory.GetFileSystemEntries(repo).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(repo, "data")));
        Assert.Equal(
            "project: tiny_repo\nregistry: data/registry.db\nprovider: local\nonline_store:\n    path: data/online_store.db\nentity_key_serialization_version: 3\n",
            await File.ReadAllTextAsync(Path.Combine(repo, "feature_store.yaml")));
    }

    [Fact]
    public async Task InitMinimal_ThenApply_RegistersTheProjectAndNothingElse()
    {
        using var temp = new TempDir();
        (await FeastCommand.InAsync(temp.Path, "init", "-m", "empty_repo")).ExpectOk();
        var repo = Path.Combine(temp.Path, "empty_repo", "feature_repo");

        (await FeastCommand.InAsync(repo, "apply")).ExpectOk();

        Assert.Equal(["empty_repo"], (await FeastCommand.InAsync(repo, "projects", "list")).ExpectOk().Table.Column("NAME"));
        Assert.Empty((await FeastCommand.InAsync(repo, "entities", "list")).ExpectOk().Table.Rows);
        Assert.Equal("[]\n", (await FeastCommand.InAsync(repo, "features", "list", "--output", "json")).ExpectOk().Stdout.ReplaceLineEndings("\n"));
        Assert.Contains("type: sqlite", (await FeastCommand.InAsync(repo, "configuration")).ExpectOk().Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitMinimal_IntoAnExistingRepo_FailsAndChangesNothing()
    {
        using var temp = new TempDir();
        (await FeastCommand.InAsync(temp.Path, "init", "-m", "taken")).ExpectOk();
        var yaml = Path.Combine(temp.Path, "taken", "feature_repo", "feature_store.yaml");
        var before = await File.ReadAllTextAsync(yaml);

        var again = (await FeastCommand.InAsync(temp.Path, "init", "--minimal", "taken")).Expect(1);
        var badName = (await FeastCommand.InAsync(temp.Path, "init", "--minimal", "no spaces")).Expect(1);

        Assert.Contains("already exists", again.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("Error: ", badName.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(yaml));
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "no spaces")));
    }
}
