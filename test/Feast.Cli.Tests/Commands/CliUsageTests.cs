using Feast.Cli.Commands;

namespace Feast.Cli.Tests.Commands;

/// <summary>Bad input and the commands that need no applied repo: exit codes 1 (user error) and 2 (usage), init, configuration, version, help.</summary>
public class CliUsageTests
{
    private const string MinimalYaml = "project: usage_tests\nregistry: data/registry.db\nprovider: local\n";

    [Theory]
    [InlineData("apply")]
    [InlineData("plan")]
    [InlineData("teardown")]
    [InlineData("registry-dump")]
    [InlineData("configuration")]
    [InlineData("entities", "list")]
    public async Task Command_NoFeatureStoreYaml_ExitsOneNamingThePath(params string[] command)
    {
        using var temp = new TempDir();

        var result = (await FeastCommand.InAsync(temp.Path, command)).Expect(1);

        Assert.Equal("", result.Stdout);
        Assert.StartsWith("Error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(temp.Path, "feature_store.yaml"), result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Fact]
    public async Task Command_MissingChdirDirectory_ExitsOne()
    {
        using var temp = new TempDir();
        var missing = temp.File("does_not_exist");

        var result = (await FeastCommand.InAsync(missing, "entities", "list")).Expect(1);

        Assert.Contains(missing, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_MalformedYaml_ExitsOneWithFileLineAndColumn()
    {
        using var temp = new TempDir();
        await File.WriteAllTextAsync(temp.File("feature_store.yaml"), "project: usage_tests\nprovider: local\nregistry: [data/registry.db\n  online_store: x\n");

        var result = (await FeastCommand.InAsync(temp.Path, "apply")).Expect(1);

        Assert.Matches(@"^Error: .*feature_store\.yaml:\d+:\d+: ", result.Stderr);
    }

    [Fact]
    public async Task Command_YamlWithoutProject_ExitsOneNamingTheKey()
    {
        using var temp = new TempDir();
        await File.WriteAllTextAsync(temp.File("feature_store.yaml"), "registry: data/registry.db\nprovider: local\n");

        var result = (await FeastCommand.InAsync(temp.Path, "configuration")).Expect(1);

        Assert.Contains("project", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_CorruptRegistryFile_ExitsOneNamingIt()
    {
        using var temp = new TempDir();
        await File.WriteAllTextAsync(temp.File("feature_store.yaml"), MinimalYaml);
        Directory.CreateDirectory(temp.File("data"));
        await File.WriteAllBytesAsync(temp.File("data/registry.db"), [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x07]);

        var list = (await FeastCommand.InAsync(temp.Path, "entities", "list")).Expect(1);
        var teardown = (await FeastCommand.InAsync(temp.Path, "teardown")).Expect(1);

        Assert.StartsWith($"Error: {temp.File("data/registry.db")} is not a Feast registry", list.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("Error: ", teardown.Stderr, StringComparison.Ordinal);
        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x07], await File.ReadAllBytesAsync(temp.File("data/registry.db")));
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("--bogus", "version")]
    [InlineData("apply", "--bogus")]
    [InlineData("entities", "frobnicate")]
    [InlineData("--log-level", "loud", "version")]
    [InlineData("init", "--template", "gcp", "x")]
    [InlineData("entities", "describe", "a", "b")]
    public async Task Command_UnknownCommandOrOption_IsAUsageErrorExitingTwo(params string[] args)
    {
        using var temp = new TempDir();

        var result = (await FeastCommand.InAsync(temp.Path, args)).Expect(2);

        Assert.Equal("", result.Stdout);
        Assert.StartsWith("Error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("feast --help", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Fact]
    public async Task Apply_Cancelled_ExitsWith130AndWritesNothing()
    {
        using var repo = await InitRepo.CreateAsync("driver_cancelled");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        var exitCode = await global::Feast.Cli.FeastCli.RunAsync(["-c", repo.Repo, "apply"], stdout, stderr, cancellation.Token);

        Assert.True(exitCode == 130, $"exit code {exitCode}\n{stdout}\n{stderr}");
        Assert.Equal("Cancelled.", stderr.ToString().Trim());
        Assert.False(File.Exists(repo.RegistryPath));
        Assert.False(File.Exists(repo.OnlineStorePath));
    }

    [Fact]
    public async Task Help_ExitsZeroAndListsEveryCommand()
    {
        var help = (await FeastCommand.RunAsync("--help")).ExpectOk();

        foreach (var command in new[]
                 {
                     "version", "configuration", "init", "plan", "apply", "teardown", "registry-dump", "entities", "feature-views",
                     "on-demand-feature-views", "stream-feature-views", "feature-services", "data-sources", "permissions", "projects",
                 })
        {
            Assert.Matches($@"(?m)^  {command}\b", help.Stdout);
        }
        Assert.Contains("--chdir", help.Stdout, StringComparison.Ordinal);
        Assert.Equal("", help.Stderr);
    }

    [Fact]
    public async Task Help_OfASubcommand_ExitsZeroAndListsItsOptions()
    {
        var help = (await FeastCommand.RunAsync("apply", "--help")).ExpectOk();

        Assert.Contains("--skip-source-validation", help.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_PrintsTheSdkVersion()
    {
        var version = (await FeastCommand.RunAsync("version")).ExpectOk();

        Assert.Matches(@"^Feast\.NET SDK Version: ""\d+\.\d+\.\d+[^""]*""\n?$", version.Stdout.ReplaceLineEndings("\n"));
        Assert.Contains(RepoCommands.SdkVersion, version.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configuration_MinimalYaml_PrintsTheEffectiveYamlWithDefaults()
    {
        using var temp = new TempDir();
        await File.WriteAllTextAsync(temp.File("feature_store.yaml"), MinimalYaml);

        var configuration = (await FeastCommand.InAsync(temp.Path, "configuration")).ExpectOk();

        Assert.StartsWith("project: usage_tests\n", configuration.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("registry_type: file", configuration.Stdout, StringComparison.Ordinal);
        Assert.Contains("entity_key_serialization_version:", configuration.Stdout, StringComparison.Ordinal);
        // The output is itself a feature_store.yaml.
        var copy = temp.File("copy");
        Directory.CreateDirectory(copy);
        await File.WriteAllTextAsync(Path.Combine(copy, "feature_store.yaml"), configuration.Stdout);
        Assert.Equal(configuration.Stdout, (await FeastCommand.InAsync(copy, "configuration")).ExpectOk().Stdout);
    }

    [Fact]
    public async Task Configuration_FeatureStoreYamlOption_ReadsThatFile()
    {
        using var temp = new TempDir();
        await File.WriteAllTextAsync(temp.File("other.yaml"), "project: from_option\nregistry: data/registry.db\nprovider: local\n");

        var configuration = (await FeastCommand.InAsync(temp.Path, "-f", temp.File("other.yaml"), "configuration")).ExpectOk();

        Assert.StartsWith("project: from_option\n", configuration.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_NewName_CreatesTheRepoUnderTheChdirDirectory()
    {
        using var temp = new TempDir();

        var init = (await FeastCommand.InAsync(temp.Path, "init", "fresh_repo")).ExpectOk();

        var repo = Path.Combine(temp.Path, "fresh_repo", "feature_repo");
        Assert.Contains(Path.Combine(temp.Path, "fresh_repo"), init.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(repo, "feature_store.yaml")));
        Assert.True(File.Exists(Path.Combine(repo, "driver_repo.cs")));
        Assert.True(File.Exists(Path.Combine(repo, "data", "driver_stats.parquet")));
        Assert.StartsWith("project: fresh_repo\n", (await FeastCommand.InAsync(repo, "configuration")).ExpectOk().Stdout, StringComparison.Ordinal);
        // Nothing else is left in the parent (no staging folder).
        Assert.Equal(["fresh_repo"], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Init_NoName_CreatesMyProject()
    {
        using var temp = new TempDir();

        (await FeastCommand.InAsync(temp.Path, "init")).ExpectOk();

        Assert.True(File.Exists(temp.File("my_project/feature_repo/feature_store.yaml")));
    }

    [Fact]
    public async Task Init_ExistingEmptyDirectory_CreatesTheRepoInIt()
    {
        using var temp = new TempDir();
        Directory.CreateDirectory(temp.File("made_before"));

        (await FeastCommand.InAsync(temp.Path, "init", "made_before")).ExpectOk();

        Assert.True(File.Exists(temp.File("made_before/feature_repo/driver_repo.cs")));
    }

    [Fact]
    public async Task Init_ExistingNonEmptyDirectory_ExitsOneAndLeavesItAlone()
    {
        using var temp = new TempDir();
        Directory.CreateDirectory(temp.File("taken"));
        await File.WriteAllTextAsync(temp.File("taken/notes.txt"), "mine");

        var init = (await FeastCommand.InAsync(temp.Path, "init", "taken")).Expect(1);

        Assert.StartsWith($"Error: {temp.File("taken")} already exists", init.Stderr, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(temp.File("taken")).Select(Path.GetFileName));
        Assert.Equal(["taken"], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("my-project", "my_project")]
    [InlineData("_hidden", "hidden")]
    [InlineData("has space", "has_space")]
    public async Task Init_InvalidProjectName_ExitsOneSuggestingAValidNameAndCreatesNothing(string name, string suggestion)
    {
        using var temp = new TempDir();

        var init = (await FeastCommand.InAsync(temp.Path, "init", name)).Expect(1);

        Assert.StartsWith($"Error: '{name}'", init.Stderr, StringComparison.Ordinal);
        Assert.Contains($"'{suggestion}'", init.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Theory]
    [InlineData(new[] { "materialise", "2024-01-01" }, "Error: 'materialise' is not a 'feast' command. Did you mean 'feast materialize'?")]
    [InlineData(new[] { "aply" }, "Error: 'aply' is not a 'feast' command. Did you mean 'feast apply'?")]
    [InlineData(new[] { "feature-views", "lst" }, "Error: 'lst' is not a 'feast feature-views' command. Did you mean 'feast feature-views list'?")]
    [InlineData(new[] { "feature-views", "xyzzy" }, "Error: 'xyzzy' is not a 'feast feature-views' command. Its commands are: list, describe")]
    public async Task Command_Mistyped_SuggestsTheNearestCommand(string[] args, string message)
    {
        using var temp = new TempDir();

        var result = (await FeastCommand.InAsync(temp.Path, args)).Expect(2);

        Assert.StartsWith(message, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command was not provided", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Fact]
    public async Task Help_Projects_SaysTheyAreTheRegistrys()
    {
        var group = (await FeastCommand.RunAsync("projects", "--help")).ExpectOk();
        var list = (await FeastCommand.RunAsync("projects", "list", "--help")).ExpectOk();

        Assert.Contains("Access the projects of the registry.", group.Stdout, StringComparison.Ordinal);
        Assert.Contains("List the projects of the registry.", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("of the project.", group.Stdout + list.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configuration_MisspeltTopLevelKey_WarnsOnStderr_AndStillPrints()
    {
        using var temp = new TempDir();
        await File.WriteAllTextAsync(temp.File("feature_store.yaml"), MinimalYaml + "onlin_store:\n  type: sqlite\n");

        var result = (await FeastCommand.InAsync(temp.Path, "configuration")).ExpectOk();

        Assert.Equal($"Warning: {temp.File("feature_store.yaml")}:4:1: top-level key 'onlin_store' is not a Feast setting, so it is ignored. Did you mean 'online_store'?",
            result.Stderr.Trim());
        Assert.Contains("project: usage_tests", result.Stdout, StringComparison.Ordinal);
    }
}
