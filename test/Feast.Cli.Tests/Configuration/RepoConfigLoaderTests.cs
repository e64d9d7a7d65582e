using Feast.Configuration;
using static Feast.Tests.Configuration.ConfigTesting;

namespace Feast.Tests.Configuration;

public sealed class RepoConfigLoaderTests : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("feast-config-").FullName;

    public void Dispose() => Directory.Delete(_repo, recursive: true);

    [Fact]
    public void Load_RepoWithFeatureStoreYaml_ReadsItAndSetsRepoPath()
    {
        File.WriteAllText(Path.Combine(_repo, "feature_store.yaml"), RepoConfigParseTests.FeastInitTemplate);

        var config = RepoConfigLoader.Load(_repo, null, Lookup(null));

        Assert.Equal("my_project", config.Project);
        Assert.Equal(_repo, config.RepoPath);
        Assert.Equal(Path.Combine(_repo, "data", "registry.db"), config.ResolvePath(config.Registry.Path));
    }

    [Fact]
    public void Load_ExplicitPath_WinsOverEnvironmentAndRepoFile()
    {
        File.WriteAllText(Path.Combine(_repo, "feature_store.yaml"), "project: from_repo\nregistry: r\n");
        var explicitPath = Path.Combine(_repo, "prod.yaml");
        File.WriteAllText(explicitPath, "project: from_argument\nregistry: r\n");
        var environmentPath = Path.Combine(_repo, "env.yaml");
        File.WriteAllText(environmentPath, "project: from_environment\nregistry: r\n");
        var environment = new Dictionary<string, string> { [RepoConfigLoader.PathEnvironmentVariable] = environmentPath };

        var config = RepoConfigLoader.Load(_repo, explicitPath, Lookup(environment));

        Assert.Equal("from_argument", config.Project);
        Assert.Equal(_repo, config.RepoPath);
    }

    [Fact]
    public void Load_EnvironmentVariablePath_WinsOverRepoFile()
    {
        File.WriteAllText(Path.Combine(_repo, "feature_store.yaml"), "project: from_repo\nregistry: r\n");
        var environmentPath = Path.Combine(_repo, "env.yaml");
        File.WriteAllText(environmentPath, "project: from_environment\nregistry: r\n");
        var environment = new Dictionary<string, string> { ["FEAST_FS_YAML_FILE_PATH"] = environmentPath };

        Assert.Equal("from_environment", RepoConfigLoader.Load(_repo, null, Lookup(environment)).Project);
    }

    [Fact]
    public void Load_ErrorInFile_NamesTheFilePath()
    {
        var path = Path.Combine(_repo, "feature_store.yaml");
        File.WriteAllText(path, "project: p\nregistry:\n  cache_ttl_seconds: abc\n");

        var error = Assert.Throws<FeastConfigException>(() => RepoConfigLoader.Load(_repo, null, Lookup(null)));

        Assert.StartsWith($"{path}:3:22: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.SourceName);
    }

    [Fact]
    public void Load_NoFeatureStoreYaml_SaysWhereItLookedAndHowToFix()
    {
        var error = Assert.Throws<FeastConfigException>(() => RepoConfigLoader.Load(_repo, null, Lookup(null)));

        Assert.Contains(Path.Combine(_repo, "feature_store.yaml"), error.Message, StringComparison.Ordinal);
        Assert.Contains("feast init", error.Message, StringComparison.Ordinal);
        Assert.Contains("-f", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<FileNotFoundException>(error.InnerException);
    }

    [Fact]
    public void Load_MissingExplicitPath_NamesThePathAndTheFlag()
    {
        var missing = Path.Combine(_repo, "nope", "feature_store.yaml");

        var error = Assert.Throws<FeastConfigException>(() => RepoConfigLoader.Load(_repo, missing, Lookup(null)));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("passed with -f", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingEnvironmentPath_NamesTheVariable()
    {
        var missing = Path.Combine(_repo, "gone.yaml");
        var environment = new Dictionary<string, string> { ["FEAST_FS_YAML_FILE_PATH"] = missing };

        var error = Assert.Throws<FeastConfigException>(() => RepoConfigLoader.Load(_repo, null, Lookup(environment)));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("FEAST_FS_YAML_FILE_PATH", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PathIsADirectory_ReportsUnreadableFile()
    {
        var directory = Path.Combine(_repo, "feature_store.yaml");
        Directory.CreateDirectory(directory);

        var error = Assert.Throws<FeastConfigException>(() => RepoConfigLoader.Load(_repo, null, Lookup(null)));

        Assert.Contains(directory, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetConfigPath_RelativeExplicitPath_IsResolvedAgainstWorkingDirectory()
    {
        var path = RepoConfigLoader.GetConfigPath(_repo, Path.Combine("conf", "prod.yaml"));

        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "conf", "prod.yaml"), path);
    }

    [Fact]
    public void Parse_RelativeRepoPath_IsMadeAbsolute()
    {
        var config = RepoConfigLoader.Parse(Minimal, "some/repo");

        Assert.True(Path.IsPathRooted(config.RepoPath));
        Assert.EndsWith(Path.Combine("some", "repo"), config.RepoPath, StringComparison.Ordinal);
    }
}
