using static Feast.Tests.Configuration.ConfigTesting;

namespace Feast.Tests.Configuration;

/// <summary>Top-level keys Feast would ignore in silence: kept (Feast allows them), but each gets a warning, with a did-you-mean for a typo.</summary>
public class RepoConfigWarningTests
{
    [Fact]
    public void Parse_MisspeltTopLevelKey_WarnsWithLineAndDidYouMean_AndUsesTheDefault()
    {
        var config = ParseWith("onlin_store:\n  type: redis\n");

        var warning = Assert.Single(config.Warnings);
        Assert.Equal("feature_store.yaml:3:1: top-level key 'onlin_store' is not a Feast setting, so it is ignored. Did you mean 'online_store'?", warning);
        Assert.IsType<Feast.Configuration.SqliteOnlineStoreOptions>(config.OnlineStore);
        Assert.True(config.ExtraKeys.ContainsKey("onlin_store"));
    }

    [Fact]
    public void Parse_UnknownKeyNearNothing_WarnsWithoutASuggestion()
    {
        var config = ParseWith("my_team_setting: 1\n");

        Assert.Equal(["feature_store.yaml:3:1: top-level key 'my_team_setting' is not a Feast setting, so it is ignored."], config.Warnings);
    }

    [Theory]
    [InlineData("flags:\n  alpha_features: true\n")]
    [InlineData("openlineage:\n  enabled: false\n")]
    [InlineData("online_store:\n  type: sqlite\n")]
    [InlineData("repo_path: /somewhere\n")]
    public void Parse_FeastSettings_AreNotWarnedAbout(string yaml) => Assert.Empty(ParseWith(yaml).Warnings);
}
