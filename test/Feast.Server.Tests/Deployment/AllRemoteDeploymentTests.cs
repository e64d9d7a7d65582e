using Feast.Server.Tests.RemoteRegistry;

namespace Feast.Server.Tests.Deployment;

/// <summary>
/// Feast's four-service deployment on loopback, each server its own <c>feast</c> process on one server repo: the
/// registry (<c>serve_registry</c>), the offline server (<c>serve_offline</c>) and the feature server (<c>serve</c>). A
/// client repo whose <c>feature_store.yaml</c> names all three (registry, offline and online store <c>remote</c>) and
/// which holds no data at all runs apply, materialize, pushes online and offline, training data for entity rows and for
/// a date range, online reads and teardown; each answer equals the one the same commands give on a local repo.
/// </summary>
public sealed partial class AllRemoteDeploymentTests : IDisposable
{
    private readonly string _root = TestFiles.NewDirectory();

    public void Dispose() => TestFiles.DeleteDirectory(_root);

    private const string Features = "driver_hourly_stats:conv_rate,driver_hourly_stats:acc_rate,driver_hourly_stats:avg_daily_trips";

    [Fact]
    public async Task A_client_with_every_store_remote_does_what_the_local_repo_does_with_the_same_answers()
    {
        var serverRepo = await RemoteRepos.InitAsync(Path.Combine(_root, "server"), "shop");
        var localRepo = Path.Combine(_root, "local", "shop", "feature_repo");
        RemoteRepos.CopyDirectory(serverRepo, localRepo);

        await using var registry = await RegistryServerProcess.StartAsync(serverRepo);
        await using var offline = await RegistryServerProcess.StartCommandAsync(serverRepo,
            ["serve_offline", "-p", "0", "--registry-ttl-sec", "1", "--no-access-log"]);
        await using var online = await RegistryServerProcess.StartCommandAsync(serverRepo,
            ["serve", "-p", "0", "--grpc-port", "0", "--registry-ttl-sec", "1", "--no-access-log"]);
        Assert.NotNull(online.HttpUrl);
        var client = ClientRepo(serverRepo, Path.Combine(_root, "client", "shop", "feature_repo"), registry.Address, offline.Address, online.HttpUrl!);

        // apply: the registry through serve_registry, the sources validated through serve_offline (the client has no file).
        var apply = await BothSucceedAsync(client, localRepo, "apply"); // the outputs name each side's online storage
        Assert.Contains("driver_hourly_stats", apply.Client, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(client, "data")));
        await UntilServedAsync(client);

        // materialize: rows pulled through serve_offline, written through serve's /write-to-online-store.
        var materialized = await BothSucceedAsync(client, localRepo, "materialize", "2020-01-01T00:00:00", "2030-01-01T00:00:00");
        Assert.Equal(RowsWritten(materialized.Local), RowsWritten(materialized.Client)); // the reads below compare the values
        Assert.NotEmpty(RowsWritten(materialized.Client));

        // Pushes: online to the feature server, offline appended to the server's source through serve_offline.
        // The pushed row is a day ahead, so it is the latest row online and the one an entity row after it joins.
        var at = DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-ddTHH:00:00", System.Globalization.CultureInfo.InvariantCulture);
        var row = $$"""[{"driver_id": 1005, "conv_rate": 0.25, "acc_rate": 0.5, "avg_daily_trips": 9, "event_timestamp": "{{at}}", "created": "{{at}}"}]""";
        await BothAsync(client, localRepo, "push", "driver_stats_push_source", "--to", "online_and_offline", "-d", row);

        // Online reads: the same output, and the pushed row is there.
        string[] read = ["get-online-features", "-f", "driver_hourly_stats:conv_rate", "-f", "driver_hourly_stats:avg_daily_trips",
            "-f", "driver_hourly_stats_fresh:conv_rate", "--full-feature-names",
            "-e", "driver_id=1001", "-e", "driver_id=1005", "-e", "driver_id=4242"];
        var onlineRead = await BothAsync(client, localRepo, read);
        Assert.Contains("PRESENT", onlineRead, StringComparison.Ordinal);
        Assert.Contains("NOT_FOUND", onlineRead, StringComparison.Ordinal);
        Assert.Contains("0.25", onlineRead, StringComparison.Ordinal);

        // Training data for entity rows (one at the pushed row's hour) and for a date range, as files.
        var now = DateTimeOffset.UtcNow;
        var rows = string.Join(", ", new[] { 1001, 1003, 1005 }.SelectMany(id => new[] { now.AddMinutes(-30), now.AddDays(-3) }
            .Select(t => $$"""{"driver_id": {{id}}, "event_timestamp": "{{t.UtcDateTime:yyyy-MM-ddTHH:mm:ss}}"}""")))
            + $$""", {"driver_id": 1005, "event_timestamp": "{{at[..^2]}}30"}""";
        var byRows = await BothFilesAsync(client, localRepo, "rows.csv", "get-historical-features", "-d", $"[{rows}]", "--features", Features);
        Assert.Contains("0.25", byRows, StringComparison.Ordinal); // the offline push reached the server's source
        var start = now.AddDays(-2).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        var end = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        var byRange = await BothFilesAsync(client, localRepo, "range.csv", "get-historical-features", "--start-date", start, "--end-date", end,
            "--features", Features, "--full-feature-names");
        Assert.True(byRange.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > 100, byRange);

        // teardown: the project leaves the registry server; the client never had local storage to drop.
        await BothSucceedAsync(client, localRepo, "teardown");
        var listed = await RemoteRepos.RunAsync(serverRepo, "feature-views", "list");
        Assert.DoesNotContain("driver_hourly_stats", listed.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(client, "data")));
    }

    /// <summary>Runs <paramref name="args"/> on the client and on the local repo; both succeed with the same output, which is returned.</summary>
    private static async Task<string> BothAsync(string client, string local, params string[] args)
    {
        var (remote, here) = await BothSucceedAsync(client, local, args);
        Assert.Equal(Normalise(here), Normalise(remote));
        return remote;
    }

    /// <summary>Runs <paramref name="args"/> on the client and on the local repo; both succeed. Returns both outputs.</summary>
    private static async Task<(string Client, string Local)> BothSucceedAsync(string client, string local, params string[] args)
    {
        var remote = await RemoteRepos.RunAsync(client, args);
        Assert.True(remote.Code == 0, $"client: feast {string.Join(' ', args)}\n{remote.Output}{remote.Error}");
        var here = await RemoteRepos.RunAsync(local, args);
        Assert.True(here.Code == 0, $"local: feast {string.Join(' ', args)}\n{here.Output}{here.Error}");
        return (remote.Output, here.Output);
    }

    /// <summary>Runs <paramref name="args"/> with <c>-o</c> into a file on both repos; the files are equal and returned.</summary>
    private async Task<string> BothFilesAsync(string client, string local, string name, params string[] args)
    {
        var remoteFile = Path.Combine(_root, "client-" + name);
        var localFile = Path.Combine(_root, "local-" + name);
        var remote = await RemoteRepos.RunAsync(client, [.. args, "-o", remoteFile]);
        Assert.True(remote.Code == 0, remote.Output + remote.Error);
        var here = await RemoteRepos.RunAsync(local, [.. args, "-o", localFile]);
        Assert.True(here.Code == 0, here.Output + here.Error);
        var text = await File.ReadAllTextAsync(remoteFile);
        Assert.Equal(await File.ReadAllTextAsync(localFile), text);
        return text;
    }

    /// <summary>
    /// The outputs without what differs by design: the online store's type (<c>remote</c> against <c>sqlite</c>) and
    /// lines with durations.
    /// </summary>
    private static string Normalise(string output) => string.Join('\n', output.Split('\n')
        .Where(line => !line.Contains(" ms", StringComparison.Ordinal) && !line.Contains("/s)", StringComparison.Ordinal) && !line.Contains(" s)", StringComparison.Ordinal))
        .Select(line => StoreType().Replace(line, "the online store")));

    private static string[] RowsWritten(string output) => [.. RowsLine().Matches(output).Select(m => m.Value)];

    [System.Text.RegularExpressions.GeneratedRegex(@"\d+ rows? written")]
    private static partial System.Text.RegularExpressions.Regex RowsLine();

    [System.Text.RegularExpressions.GeneratedRegex(@"the (remote|sqlite) online store")]
    private static partial System.Text.RegularExpressions.Regex StoreType();

    /// <summary>A copy of the server repo with every store remote and no data: no registry file, no source file, no online store.</summary>
    private static string ClientRepo(string serverRepo, string target, string registryAddress, string offlineAddress, Uri featureServer)
    {
        RemoteRepos.CopyDirectory(serverRepo, target);
        var path = Path.Combine(target, "feature_store.yaml");
        var yaml = File.ReadAllText(path);
        var offlinePort = offlineAddress[(offlineAddress.LastIndexOf(':') + 1)..];
        yaml = Replace(yaml, "registry: data/registry.db", $"registry:\n    registry_type: remote\n    path: {registryAddress}");
        yaml = Replace(yaml, "offline_store:\n    type: duckdb", $"offline_store:\n    type: remote\n    host: localhost\n    port: {offlinePort}");
        yaml = Replace(yaml, "online_store:\n    type: sqlite\n    path: data/online_store.db",
            $"online_store:\n    type: remote\n    path: http://localhost:{featureServer.Port}");
        File.WriteAllText(path, yaml);
        foreach (var file in Directory.GetFiles(Path.Combine(target, "data"))) File.Delete(file);
        return target;
    }

    /// <summary>The feature server re-reads the registry every second: wait until it serves what the client applied.</summary>
    private static async Task UntilServedAsync(string client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var read = await RemoteRepos.RunAsync(client, "get-online-features", "-f", "driver_hourly_stats:conv_rate", "-e", "driver_id=1001");
            if (read.Code == 0) return;
            Assert.True(DateTime.UtcNow < deadline, "the feature server never served the applied view: " + read.Output + read.Error);
            await Task.Delay(250);
        }
    }

    private static string Replace(string yaml, string from, string to)
    {
        Assert.Contains(from, yaml, StringComparison.Ordinal);
        return yaml.Replace(from, to, StringComparison.Ordinal);
    }
}
