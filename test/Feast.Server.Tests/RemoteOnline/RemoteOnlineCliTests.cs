using Feast.Server.Tests.RemoteRegistry;

namespace Feast.Server.Tests.RemoteOnline;

/// <summary>
/// <c>feast serve --key --cert</c> as its own process and a client repo whose <c>online_store</c> is that server over TLS:
/// the client's <c>feast materialize</c>, <c>feast push</c> and <c>feast get-online-features</c> give what the same
/// commands give on a repo with a local online store.
/// </summary>
public sealed class RemoteOnlineCliTests : IDisposable
{
    private readonly string _root = TestFiles.NewDirectory();

    public void Dispose() => TestFiles.DeleteDirectory(_root);

    [Fact]
    public async Task Cli_MaterializePushRead_ThroughServeProcessOverTls_EqualsLocalRepo()
    {
        var serverRepo = await RemoteRepos.InitAsync(Path.Combine(_root, "server"), "shop");
        var apply = await RemoteRepos.RunAsync(serverRepo, "apply");
        Assert.True(apply.Code == 0, apply.Output + apply.Error);
        var localRepo = Copy(serverRepo, Path.Combine(_root, "local"));
        var (cert, key) = TlsFiles.WriteSelfSigned(_root);
        await using var server = await RegistryServerProcess.StartCommandAsync(serverRepo,
            ["serve", "-p", "0", "--grpc-port", "0", "--no-access-log", "--key", key, "--cert", cert]);
        Assert.NotNull(server.HttpUrl);
        Assert.Equal("https", server.HttpUrl!.Scheme);
        var url = $"https://localhost:{server.HttpUrl.Port}";

        var client = Copy(serverRepo, Path.Combine(_root, "client"));
        var yaml = await File.ReadAllTextAsync(Path.Combine(client, "feature_store.yaml"));
        const string localOnline = "online_store:\n    type: sqlite\n    path: data/online_store.db";
        Assert.Contains(localOnline, yaml, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(client, "feature_store.yaml"),
            yaml.Replace(localOnline, $"online_store:\n    type: remote\n    path: {url}\n    cert: {cert}", StringComparison.Ordinal));
        File.Delete(Path.Combine(client, "data", "online_store.db"));

        string[] materialize = ["materialize", "2020-01-01T00:00:00", "2030-01-01T00:00:00"];
        string[] push = ["push", "driver_stats_push_source", "--to", "online", "-d",
            """[{"driver_id": 1005, "conv_rate": 0.25, "acc_rate": 0.5, "avg_daily_trips": 9, "event_timestamp": "2029-01-01T00:00:00", "created": "2029-01-01T00:00:00"}]"""];
        string[] read = ["get-online-features", "-f", "driver_hourly_stats:conv_rate", "-f", "driver_hourly_stats:acc_rate",
            "-f", "driver_hourly_stats:avg_daily_trips", "-f", "driver_hourly_stats_fresh:conv_rate", "--full-feature-names",
            "-e", "driver_id=1001", "-e", "driver_id=1005", "-e", "driver_id=1002", "-e", "driver_id=4242"];
        foreach (var command in new[] { materialize, push })
        {
            var remote = await RemoteRepos.RunAsync(client, command);
            Assert.True(remote.Code == 0, remote.Output + remote.Error + server.Output);
            var local = await RemoteRepos.RunAsync(localRepo, command);
            Assert.True(local.Code == 0, local.Output + local.Error);
        }
        var remoteRead = await RemoteRepos.RunAsync(client, read);
        var localRead = await RemoteRepos.RunAsync(localRepo, read);
        var serverRead = await RemoteRepos.RunAsync(serverRepo, read);

        Assert.True(remoteRead.Code == 0, remoteRead.Output + remoteRead.Error);
        Assert.Equal(localRead.Output, remoteRead.Output);
        Assert.Equal(localRead.Output, serverRead.Output); // the rows went into the server's own store
        Assert.Contains("PRESENT", remoteRead.Output, StringComparison.Ordinal);
        Assert.Contains("NOT_FOUND", remoteRead.Output, StringComparison.Ordinal);

        // Without the certificate the TLS handshake fails, and the error says what to give.
        await File.WriteAllTextAsync(Path.Combine(client, "feature_store.yaml"),
            (await File.ReadAllTextAsync(Path.Combine(client, "feature_store.yaml"))).Replace($"\n    cert: {cert}", "", StringComparison.Ordinal));
        var untrusted = await RemoteRepos.RunAsync(client, read);
        Assert.NotEqual(0, untrusted.Code);
        Assert.Contains("online_store.cert", untrusted.Output + untrusted.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", untrusted.Output + untrusted.Error, StringComparison.Ordinal);
    }

    private static string Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from)) Copy(dir, Path.Combine(to, Path.GetFileName(dir)));
        return to;
    }
}
