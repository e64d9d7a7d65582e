using Feast.Cli;
using Feast.Configuration;
using Feast.Remote.Offline;

namespace Feast.Tests.Configuration;

/// <summary><c>offline_store: {type: remote}</c> as the feast command binds it: Feast's keys and defaults, printed back.</summary>
public sealed class RemoteOfflineStoreConfigTests
{
    private static RepoConfig Parse(string offline) =>
        RepoConfigLoader.Parse($"project: p\nregistry: data/registry.db\n{offline}", "/repo", "feature_store.yaml", CliContext.Backends());

    [Fact]
    public void Defaults_are_feasts()
    {
        var remote = Assert.IsType<RemoteOfflineStoreOptions>(Parse("offline_store:\n  type: remote\n  host: offline.example\n").OfflineStore);
        Assert.Equal("offline.example", remote.Host);
        Assert.Null(remote.Port);
        Assert.Equal(8815, remote.EffectivePort);
        Assert.Equal("http", remote.Scheme);
        Assert.Equal("", remote.Cert);
        Assert.Equal(3, remote.ConnectionRetries);
    }

    [Fact]
    public void Every_key_binds_and_prints_back()
    {
        var config = Parse("offline_store:\n  type: remote\n  host: h\n  port: 9000\n  scheme: https\n  cert: c.pem\n  connection_retries: 0\n");
        var remote = Assert.IsType<RemoteOfflineStoreOptions>(config.OfflineStore);
        Assert.Equal((9000, "https", "c.pem", 0), (remote.Port!.Value, remote.Scheme, remote.Cert, remote.ConnectionRetries));
        var yaml = config.ToYaml();
        foreach (var line in new[] { "type: remote", "host: h", "port: 9000", "scheme: https", "cert: c.pem", "connection_retries: 0" })
            Assert.Contains(line, yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Feasts_class_path_is_accepted_as_the_type()
    {
        Assert.IsType<RemoteOfflineStoreOptions>(Parse("offline_store:\n  type: feast.infra.offline_stores.remote.RemoteOfflineStore\n  host: h\n").OfflineStore);
    }

    [Theory]
    [InlineData("offline_store:\n  type: remote\n", "host")]
    [InlineData("offline_store:\n  type: remote\n  host: h\n  scheme: grpc\n", "scheme")]
    [InlineData("offline_store:\n  type: remote\n  host: h\n  prot: 1\n", "prot")]
    public void Bad_sections_name_the_key(string offline, string key)
    {
        var error = Assert.Throws<FeastConfigException>(() => Parse(offline));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }
}
