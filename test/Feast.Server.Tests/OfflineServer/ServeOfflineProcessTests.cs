using Feast.DuckDb;
using Feast.Offline;
using Feast.Remote;
using Feast.Serialization;
using Feast.Server.Tests.RemoteRegistry;

namespace Feast.Server.Tests.OfflineServer;

/// <summary>
/// <c>feast serve_offline</c> as its own process, and a client repo whose <c>offline_store</c> is <c>remote</c> and which
/// has no source files: the feast command's materialize and the SDK's training data give what the same repo gives locally.
/// </summary>
public sealed class ServeOfflineProcessTests : IDisposable
{
    private readonly string _root = TestFiles.NewDirectory();

    public void Dispose() => TestFiles.DeleteDirectory(_root);

    private static readonly string[] Features = ["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate", "driver_hourly_stats:avg_daily_trips"];

    /// <summary>A copy of <paramref name="repo"/> whose offline store is the server at <paramref name="address"/>, without the source file.</summary>
    private static string RemoteOfflineCopy(string repo, string target, string address, string extraKeys = "")
    {
        RemoteRepos.CopyDirectory(repo, target);
        var yaml = File.ReadAllText(Path.Combine(target, "feature_store.yaml"));
        var port = address[(address.LastIndexOf(':') + 1)..];
        Assert.Contains("offline_store:\n    type: duckdb", yaml, StringComparison.Ordinal);
        yaml = yaml.Replace("offline_store:\n    type: duckdb", $"offline_store:\n    type: remote\n    host: localhost\n    port: {port}\n{extraKeys}", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(target, "feature_store.yaml"), yaml);
        File.Delete(Path.Combine(target, "data", "driver_stats.parquet"));
        return target;
    }

    [Fact]
    public async Task A_client_with_a_remote_offline_store_gets_the_local_answers_from_a_serve_offline_process()
    {
        var serverRepo = await RemoteRepos.InitAsync(Path.Combine(_root, "server"), "shop");
        var applied = await RemoteRepos.RunAsync(serverRepo, "apply");
        Assert.True(applied.Code == 0, applied.Output + applied.Error);
        var localRepo = Path.Combine(_root, "local", "shop", "feature_repo");
        RemoteRepos.CopyDirectory(serverRepo, localRepo);
        await using var server = await RegistryServerProcess.StartCommandAsync(serverRepo, ["serve_offline", "-p", "0", "--no-access-log"]);
        Assert.Contains("Flight  grpc+tcp://", server.Output, StringComparison.Ordinal);
        var clientRepo = RemoteOfflineCopy(serverRepo, Path.Combine(_root, "client", "shop", "feature_repo"), server.Address);

        // feast materialize pulls through the server (pull_latest_from_table_or_query) into the client's own online store.
        foreach (var repo in new[] { localRepo, clientRepo })
        {
            var materialize = await RemoteRepos.RunAsync(repo, "materialize", "2020-01-01T00:00:00", "2030-01-01T00:00:00");
            Assert.True(materialize.Code == 0, materialize.Output + materialize.Error + server.Output);
        }

        await using var local = FeatureStore.Open(localRepo, options: new FeatureStoreOptions().UseDuckDb());
        await using var client = FeatureStore.Open(clientRepo, options: new FeatureStoreOptions().UseDuckDb().UseRemoteOfflineStore());
        IReadOnlyDictionary<string, object?>[] drivers = [.. new[] { 1001L, 1002L, 1003L, 1004L, 1005L }.Select(id => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = id })];
        var onlineLocal = OnlineResponseJson.ToJson(await local.GetOnlineFeaturesAsync(Features, drivers));
        var onlineClient = OnlineResponseJson.ToJson(await client.GetOnlineFeaturesAsync(Features, drivers));
        Assert.Equal(onlineLocal, onlineClient);
        Assert.Contains("PRESENT", onlineClient, StringComparison.Ordinal);

        // Training data for entity rows (inside and outside the TTL) and for a date range.
        var now = DateTimeOffset.UtcNow;
        var rows = EntityData.FromRows([.. new[] { 1001L, 1003L, 1005L }.SelectMany(id => new[] { now.AddHours(-3), now.AddDays(-3) }
            .Select(at => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = id, ["event_timestamp"] = at }))]);
        Assert.Equal(await CsvAsync(await local.GetHistoricalFeaturesAsync(rows, Features, fullFeatureNames: true)),
            await CsvAsync(await client.GetHistoricalFeaturesAsync(rows, Features, fullFeatureNames: true)));
        var range = await CsvAsync(await client.GetHistoricalFeaturesAsync(Features, now.AddDays(-2), now));
        Assert.Equal(await CsvAsync(await local.GetHistoricalFeaturesAsync(Features, now.AddDays(-2), now)), range);
        Assert.True(range.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > 100, range);
    }

    private async Task<string> CsvAsync(RetrievalJob job)
    {
        var path = Path.Combine(_root, Guid.NewGuid().ToString("N") + ".csv");
        await job.ToCsvAsync(path);
        return await File.ReadAllTextAsync(path);
    }

    [Fact]
    public async Task Tls_with_the_servers_certificate_connects_and_plain_http_is_refused_with_the_address()
    {
        var serverRepo = await RemoteRepos.InitAsync(Path.Combine(_root, "server"), "shop");
        Assert.Equal(0, (await RemoteRepos.RunAsync(serverRepo, "apply")).Code);
        var (cert, key) = TlsFiles.WriteSelfSigned(_root);
        await using var server = await RegistryServerProcess.StartCommandAsync(serverRepo, ["serve_offline", "-p", "0", "--no-access-log", "--key", key, "--cert", cert]);
        Assert.Contains("grpc+tls://", server.Output, StringComparison.Ordinal);
        var tls = RemoteOfflineCopy(serverRepo, Path.Combine(_root, "tls", "shop", "feature_repo"), server.Address, $"    scheme: https\n    cert: {cert}\n");
        var plain = RemoteOfflineCopy(serverRepo, Path.Combine(_root, "plain", "shop", "feature_repo"), server.Address, "    connection_retries: 0\n");

        var ok = await RemoteRepos.RunAsync(tls, "materialize", "2020-01-01T00:00:00", "2030-01-01T00:00:00");
        Assert.True(ok.Code == 0, ok.Output + ok.Error + server.Output);
        var refused = await RemoteRepos.RunAsync(plain, "materialize", "2020-01-01T00:00:00", "2030-01-01T00:00:00");
        Assert.NotEqual(0, refused.Code);
        Assert.Contains(server.Address, refused.Output + refused.Error, StringComparison.Ordinal);
        Assert.Contains("feast serve_offline", refused.Output + refused.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("offline_store:\n    type: remote\n", "host")]
    [InlineData("offline_store:\n    type: remote\n    host: localhost\n    scheme: ftp\n", "scheme")]
    [InlineData("offline_store:\n    type: remote\n    host: localhost\n    port: 99999\n", "port")]
    [InlineData("offline_store:\n    type: remote\n    host: localhost\n    cert: x.pem\n", "scheme: https")]
    public async Task A_bad_remote_offline_store_section_is_a_clear_error(string section, string named)
    {
        var repo = await RemoteRepos.InitAsync(Path.Combine(_root, "bad"), "shop");
        var yaml = File.ReadAllText(Path.Combine(repo, "feature_store.yaml")).Replace("offline_store:\n    type: duckdb\n", section, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(repo, "feature_store.yaml"), yaml);
        var (code, output, error) = await RemoteRepos.RunAsync(repo, "materialize", "2020-01-01T00:00:00", "2030-01-01T00:00:00");
        Assert.NotEqual(0, code);
        Assert.Contains(named, output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_explains_the_command_and_its_options()
    {
        var (code, output, error) = await RemoteRepos.RunAsync(_root, "serve_offline", "--help");
        Assert.True(code == 0, output + error);
        foreach (var text in new[] { "Arrow Flight", "offline_store", "--port", "8815", "--key", "--cert", "--registry-ttl-sec", "READ_OFFLINE" })
            Assert.Contains(text, output, StringComparison.Ordinal);
    }
}
