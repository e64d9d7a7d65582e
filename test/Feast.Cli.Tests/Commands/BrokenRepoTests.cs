namespace Feast.Cli.Tests.Commands;

/// <summary>Repos that do not compile or whose definitions throw: apply and plan fail with the file and line, and write nothing.</summary>
public class BrokenRepoTests
{
    // The error is on line 3.
    private const string TypeError = """
        public static class Broken
        {
            public static readonly int Answer = "forty-two";
        }

        """;

    private static void AssertSingleErrorLine(CliResult result)
    {
        var lines = result.Stderr.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Single(lines, l => l.StartsWith("Error: ", StringComparison.Ordinal));
        Assert.StartsWith("Error: ", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyAndPlan_FileWithTypeError_ExitOneWithTheCompilerLineAndKeepTheRegistry()
    {
        using var repo = await InitRepo.CreateAsync("driver_broken");
        (await repo.RunAsync("apply")).ExpectOk();
        var registry = await File.ReadAllBytesAsync(repo.RegistryPath);
        repo.Write("bad.cs", TypeError);

        var apply = (await repo.RunAsync("apply")).Expect(1);

        Assert.Matches(@"(?m)^bad\.cs:3: error CS0029: ", apply.Stderr);
        AssertSingleErrorLine(apply);
        Assert.Equal("", apply.Stdout);
        Assert.Equal(registry, await File.ReadAllBytesAsync(repo.RegistryPath));

        var plan = (await repo.RunAsync("plan")).Expect(1);

        Assert.Matches(@"(?m)^bad\.cs:3: error CS0029: ", plan.Stderr);
        AssertSingleErrorLine(plan);
        Assert.Equal(registry, await File.ReadAllBytesAsync(repo.RegistryPath));

        // .feastignore takes the file out of the repo.
        repo.Write(".feastignore", "# scratch files\nbad.cs\n");

        var ignored = (await repo.RunAsync("apply")).ExpectOk();

        Assert.Contains("No changes", ignored.Stdout, StringComparison.Ordinal);
        Assert.Equal(registry, await File.ReadAllBytesAsync(repo.RegistryPath));
    }

    [Fact]
    public async Task Apply_ErrorsInSubfolderFileAndInStaticInitializers_NameTheFileAndWriteNothing()
    {
        using var repo = await InitRepo.CreateAsync("driver_throws");

        // A compile error in a subfolder is reported with the path relative to the repo.
        repo.Write("more/bad.cs", TypeError);
        var compile = (await repo.RunAsync("apply")).Expect(1);
        Assert.Matches(@"(?m)^more/bad\.cs:3: error CS0029: ", compile.Stderr);
        File.Delete(Path.Combine(repo.Repo, "more", "bad.cs"));

        // A definition that breaks one of Feast's rules while its static initializer runs.
        repo.Write("bad_ttl.cs", """
            public static class BadTtl
            {
                public static readonly FeatureView View = new(
                    name: "negative_ttl",
                    source: DriverRepo.DriverStatsSource,
                    entities: [DriverRepo.Driver],
                    ttl: TimeSpan.FromSeconds(-1));
            }

            """);
        var ttl = (await repo.RunAsync("apply")).Expect(1);
        Assert.StartsWith("Error: bad_ttl.cs:", ttl.Stderr, StringComparison.Ordinal);
        Assert.Contains("'negative_ttl'", ttl.Stderr, StringComparison.Ordinal);
        Assert.Contains("ttl must be zero (no limit) or positive", ttl.Stderr, StringComparison.Ordinal);
        AssertSingleErrorLine(ttl);
        File.Delete(Path.Combine(repo.Repo, "bad_ttl.cs"));

        // Any other exception from an initializer: its type, message and line.
        repo.Write("throws.cs", """
            public static class Throws
            {
                public static readonly Entity Broken = new("broken", joinKeys: [Environment.GetEnvironmentVariable("FEAST_TEST_UNSET_VARIABLE")!.Trim()]);
            }

            """);
        var thrown = (await repo.RunAsync("apply")).Expect(1);
        Assert.StartsWith("Error: throws.cs:3: NullReferenceException: ", thrown.Stderr, StringComparison.Ordinal);
        AssertSingleErrorLine(thrown);

        Assert.False(File.Exists(repo.RegistryPath));
        Assert.False(File.Exists(repo.OnlineStorePath));
    }

    [Fact]
    public async Task Apply_TwoDefinitionsWithOneName_ExitsOneNamingTheName()
    {
        using var repo = await InitRepo.CreateAsync("driver_duplicate");
        repo.Write("duplicate.cs", """
            public static class Duplicate
            {
                public static readonly Entity Driver = new("driver", joinKeys: ["other_id"], valueType: ValueType.String);
            }

            """);

        var apply = (await repo.RunAsync("apply")).Expect(1);

        Assert.StartsWith("Error: ", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains("'driver'", apply.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(repo.RegistryPath));
    }

    [Fact]
    public async Task ApplyAndPlan_ProjectDefinitionNamedDifferentlyFromTheYaml_ExitOne()
    {
        using var repo = await InitRepo.CreateAsync("driver_mismatch");
        repo.Edit("new(\"driver_mismatch\", description:", "new(\"another_project\", description:");

        var plan = (await repo.RunAsync("plan")).Expect(1);
        var apply = (await repo.RunAsync("apply")).Expect(1);

        Assert.Contains("another_project", plan.Stderr, StringComparison.Ordinal);
        Assert.Contains("another_project", apply.Stderr, StringComparison.Ordinal);
        AssertSingleErrorLine(apply);
        Assert.False(File.Exists(repo.RegistryPath));
    }

    [Fact]
    public async Task Apply_TwoProjectDefinitions_ExitsOne()
    {
        using var repo = await InitRepo.CreateAsync("driver_two_projects");
        repo.Write("second_project.cs", """
            public static class SecondProject
            {
                public static readonly Project Other = new("another_project");
            }

            """);

        var apply = (await repo.RunAsync("apply")).Expect(1);

        AssertSingleErrorLine(apply);
        Assert.False(File.Exists(repo.RegistryPath));
    }

    [Fact]
    public async Task Apply_RepoWithoutDefinitionFiles_ExitsOneSayingSo()
    {
        using var temp = new TempDir();
        await File.WriteAllTextAsync(temp.File("feature_store.yaml"), "project: empty_repo\nregistry: data/registry.db\nprovider: local\n");

        var apply = (await FeastCommand.InAsync(temp.Path, "apply")).Expect(1);

        Assert.StartsWith("Error: No definition files (*.cs)", apply.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.File("data/registry.db")));
    }
}
