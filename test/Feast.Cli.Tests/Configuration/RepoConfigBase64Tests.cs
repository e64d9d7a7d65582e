using System.Text;
using Feast.Configuration;
using static Feast.Tests.Configuration.ConfigTesting;

namespace Feast.Tests.Configuration;

/// <summary><c>FEATURE_STORE_YAML_BASE64</c>: the whole configuration in one variable, as Feast's operator passes it.</summary>
public sealed class RepoConfigBase64Tests : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("feast-config-b64-").FullName;

    public void Dispose() => Directory.Delete(_repo, recursive: true);

    private static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static Dictionary<string, string> Base64(string value) => new() { [RepoConfigLoader.Base64EnvironmentVariable] = value };

    [Fact]
    public void Load_Base64Set_WinsOverTheArgumentThePathVariableAndTheRepoFile()
    {
        File.WriteAllText(Path.Combine(_repo, "feature_store.yaml"), "project: from_repo\nregistry: r\n");
        var argument = Path.Combine(_repo, "prod.yaml");
        File.WriteAllText(argument, "project: from_argument\nregistry: r\n");
        var environment = Base64(Encode("project: from_base64\nregistry: data/registry.db\n"));
        environment[RepoConfigLoader.PathEnvironmentVariable] = argument;

        var config = RepoConfigLoader.Load(_repo, argument, Lookup(environment));

        Assert.Equal("from_base64", config.Project);
        // Relative paths in it start from the repo directory (-c), where the CLI runs.
        Assert.Equal(Path.Combine(_repo, "data", "registry.db"), config.ResolvePath(config.Registry.Path));
    }

    [Fact]
    public void Load_Base64WithLineBreaksAndByteOrderMark_IsRead()
    {
        var encoded = Convert.ToBase64String([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes("project: wrapped\nregistry: r\nprovider: local\n")],
            Base64FormattingOptions.InsertLineBreaks);
        var wrapped = string.Join("\n", Enumerable.Range(0, (encoded.Length + 9) / 10).Select(i => encoded.Substring(i * 10, Math.Min(10, encoded.Length - i * 10))));

        Assert.Equal("wrapped", RepoConfigLoader.Load(_repo, null, Lookup(Base64(wrapped + "\n"))).Project);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Load_Base64Empty_IsIgnored(string value)
    {
        File.WriteAllText(Path.Combine(_repo, "feature_store.yaml"), "project: from_repo\nregistry: r\n");

        Assert.Equal("from_repo", RepoConfigLoader.Load(_repo, null, Lookup(Base64(value))).Project);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("cHJvamVjdDogeA")] // missing padding
    public void Load_Base64Invalid_SaysSoAndHowToFixIt(string value)
    {
        var error = Assert.Throws<FeastConfigException>(() => RepoConfigLoader.Load(_repo, null, Lookup(Base64(value))));

        Assert.StartsWith("$FEATURE_STORE_YAML_BASE64: the value is not valid base64", error.Message, StringComparison.Ordinal);
        Assert.Contains("base64 -w0 feature_store.yaml", error.Message, StringComparison.Ordinal);
        Assert.Equal("$FEATURE_STORE_YAML_BASE64", error.SourceName);
    }

    [Fact]
    public void Load_Base64OfBinary_SaysItIsNotText()
    {
        var error = Assert.Throws<FeastConfigException>(() =>
            RepoConfigLoader.Load(_repo, null, Lookup(Base64(Convert.ToBase64String([0x70, 0xFF, 0xFE, 0x00])))));

        Assert.StartsWith("$FEATURE_STORE_YAML_BASE64: the decoded value is not UTF-8 text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Base64OfBadConfiguration_NamesTheVariableLineAndKey()
    {
        var error = Assert.Throws<FeastConfigException>(() =>
            RepoConfigLoader.Load(_repo, null, Lookup(Base64(Encode("project: p\nregistry: r\nonline_store:\n    type: sqlit\n"))), new FeastBackends()));

        Assert.StartsWith("$FEATURE_STORE_YAML_BASE64:4:", error.Message, StringComparison.Ordinal);
        Assert.Contains("'sqlit'", error.Message, StringComparison.Ordinal);
        Assert.Equal("$FEATURE_STORE_YAML_BASE64", error.SourceName);
    }
}
