using System.Globalization;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Feast.Deploy.Tests;

/// <summary>
/// The Kubernetes manifests (deploy/kubernetes, rendered by <c>kubectl kustomize</c> from the <c>podman</c> overlay) run
/// by <c>podman kube play</c>: the registry server, the feature server, the offline server, the UI and one Orleans
/// worker, each a pod of the image on the host's network on free loopback ports, over one server repo (hostPath) whose
/// online store and worker clustering are the test Redis. From the host, a client repo with every store remote applies
/// through the registry server, materializes on the worker, reads online features over HTTP, builds training data
/// through the offline server and reads the UI's project list. <c>podman kube down</c> after, also on failure.
/// </summary>
[Collection(PodmanCollection.Name)]
public sealed partial class KubePlayTests(ImageFixture image) : IDisposable
{
    private readonly string _root = Run.NewDirectory();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>The ports the base manifests use (Feast's), each replaced by a free one.</summary>
    private static readonly int[] BasePorts = [6570, 6572, 6566, 8815, 8888, 11111, 30000, 6590];

    [Fact]
    public async Task The_rendered_manifests_run_the_platform_and_answer_from_the_host()
    {
        var redis = Environment.GetEnvironmentVariable("FEAST_TEST_REDIS") is { Length: > 0 } r ? r
            : throw new InvalidOperationException("FEAST_TEST_REDIS is not set: run the tests with eng/test.sh, or `source eng/services.sh && start_test_services` first.");
        var project = "dpl" + Guid.NewGuid().ToString("N")[..8];
        var (code, output) = await Run.FeastAsync(_root, "init", project);
        Assert.True(code == 0, output);
        var serverRepo = Path.Combine(_root, project, "feature_repo");
        var ports = BasePorts.ToDictionary(p => p, _ => Run.FreePort());
        var (registry, online, offline, ui, workerHttp) = (ports[6570], ports[6566], ports[8815], ports[8888], ports[6590]);
        var engine = $"batch_engine:\n    type: orleans\n    clustering:\n        type: redis\n        connection_string: \"{redis}\"\n" +
            $"    cluster_id: {project}\n    shards: 2\n    connect_timeout_seconds: 60\n";
        EditYaml(serverRepo, ("online_store:\n    type: sqlite\n    path: data/online_store.db", $"online_store:\n    type: redis\n    connection_string: \"{redis}\"\n{engine}"));
        var client = Path.Combine(_root, "client");
        CopyDirectory(serverRepo, client);
        EditYaml(client,
            ("registry: data/registry.db", $"registry:\n    registry_type: remote\n    path: 127.0.0.1:{registry}"),
            ("offline_store:\n    type: duckdb", $"offline_store:\n    type: remote\n    host: 127.0.0.1\n    port: {offline}"),
            ($"online_store:\n    type: redis\n    connection_string: \"{redis}\"", $"online_store:\n    type: remote\n    path: http://127.0.0.1:{online}"));
        foreach (var file in Directory.GetFiles(Path.Combine(client, "data"))) File.Delete(file);
        Run.OpenToAll(serverRepo);

        var manifests = Path.Combine(_root, "feast.yaml");
        await File.WriteAllTextAsync(manifests, await RenderAsync(serverRepo, ports, image.Image));
        try
        {
            await Run.PodmanAsync("kube", "play", manifests);
            await WithLogsAsync(async () =>
            {
                await UntilUpAsync(registry, offline, online, ui, workerHttp);
                using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(1) };

                var apply = await Run.FeastAsync(client, "apply");
                Assert.True(apply.Code == 0, "apply through the registry server:\n" + apply.Output);
                await UntilServedAsync(http, online);

                var materialized = await Run.FeastAsync(client, "materialize", "2020-01-01T00:00:00", "2030-01-01T00:00:00");
                Assert.True(materialized.Code == 0, "materialize on the worker:\n" + materialized.Output);
                var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{workerHttp}/metrics"));
                Assert.Matches(@"feast_worker_rows_total(\{[^}]*\})? [1-9]", metrics); // the worker pod wrote the rows

                var read = await ReadOnlineAsync(http, online);
                Assert.True(read.Contains("\"PRESENT\"", StringComparison.Ordinal), read);

                var rows = Path.Combine(_root, "training.csv");
                var at = DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
                var training = await Run.FeastAsync(client, "get-historical-features",
                    "-d", $$"""[{"driver_id": 1001, "event_timestamp": "{{at}}"}, {"driver_id": 1002, "event_timestamp": "{{at}}"}]""",
                    "--features", "driver_hourly_stats:conv_rate,driver_hourly_stats:avg_daily_trips", "-o", rows);
                Assert.True(training.Code == 0, "training data through the offline server:\n" + training.Output);
                var lines = (await File.ReadAllTextAsync(rows)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.Equal(3, lines.Length);
                Assert.Contains("conv_rate", lines[0], StringComparison.Ordinal);
                Assert.Contains("1001", lines[1] + lines[2], StringComparison.Ordinal);

                var projects = await http.GetStringAsync(new Uri($"http://127.0.0.1:{ui}/projects-list.json"));
                Assert.Contains(project, projects, StringComparison.Ordinal);
            });
        }
        finally
        {
            await Run.CommandAsync("podman", ["kube", "down", manifests], TimeSpan.FromMinutes(3));
        }
    }

    /// <summary>
    /// <c>kubectl kustomize</c> of the podman overlay, with the demo repo's hostPath, free ports in place of Feast's
    /// and the image under test.
    /// </summary>
    private static async Task<string> RenderAsync(string serverRepo, Dictionary<int, int> ports, string imageName)
    {
        var overlay = Path.Combine(Run.RepoRoot, "deploy", "kubernetes", "overlays", "podman");
        var (code, rendered) = await Run.CommandAsync("kubectl", ["kustomize", overlay], TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"kubectl kustomize {overlay} failed ({code}); kubectl 1.21 or newer is needed:\n{rendered}");
        Assert.Contains("/var/lib/feast-demo/repo", rendered, StringComparison.Ordinal);
        rendered = rendered.Replace("/var/lib/feast-demo/repo", serverRepo, StringComparison.Ordinal)
            .Replace("image: localhost/feast:latest", "image: " + imageName, StringComparison.Ordinal);
        return BasePort().Replace(rendered, m => ports[int.Parse(m.Value, CultureInfo.InvariantCulture)].ToString(CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"(?<![\w.-])(6570|6572|6566|8815|8888|11111|30000|6590)(?![\w.-])")]
    private static partial Regex BasePort();

    /// <summary>Waits until every pod's server listens (podman kube play does not wait for readiness).</summary>
    private static async Task UntilUpAsync(int registry, int offline, int online, int ui, int workerHttp)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(3);
        foreach (var (name, check) in new (string, Func<Task>)[]
                 {
                     ("registry server", () => ConnectAsync(registry)),
                     ("offline server", () => ConnectAsync(offline)),
                     ("feature server", () => http.GetStringAsync(new Uri($"http://127.0.0.1:{online}/health"))),
                     ("UI", () => http.GetStringAsync(new Uri($"http://127.0.0.1:{ui}/health"))),
                     ("worker", () => http.GetStringAsync(new Uri($"http://127.0.0.1:{workerHttp}/health"))),
                 })
        {
            while (true)
            {
                try
                {
                    await check();
                    break;
                }
                catch (Exception e) when (e is HttpRequestException or SocketException or TaskCanceledException)
                {
                    Assert.True(DateTime.UtcNow < deadline, $"the {name} pod never answered: {e.Message}");
                    await Task.Delay(500);
                }
            }
        }
    }

    private static async Task ConnectAsync(int port)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync("127.0.0.1", port);
    }

    private static async Task<string> ReadOnlineAsync(HttpClient http, int online)
    {
        using var response = await http.PostAsJsonAsync(new Uri($"http://127.0.0.1:{online}/get-online-features"),
            new { features = new[] { "driver_hourly_stats:conv_rate" }, entities = new Dictionary<string, long[]> { ["driver_id"] = [1001, 1002] } });
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }

    /// <summary>The feature server re-reads the registry every second: wait until it serves the applied view.</summary>
    private static async Task UntilServedAsync(HttpClient http, int online)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var read = await ReadOnlineAsync(http, online);
            if (read.StartsWith("200", StringComparison.Ordinal)) return;
            Assert.True(DateTime.UtcNow < deadline, "the feature server never served the applied view: " + read);
            await Task.Delay(250);
        }
    }

    /// <summary>Runs <paramref name="steps"/>; a failure carries the pods' last log lines.</summary>
    private static async Task WithLogsAsync(Func<Task> steps)
    {
        try
        {
            await steps();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var logs = new StringBuilder();
            var (_, names) = await Run.CommandAsync("podman", ["ps", "-a", "--filter", "label=app.kubernetes.io/part-of=feast", "--format", "{{.Names}}"], TimeSpan.FromMinutes(1));
            foreach (var name in names.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var (_, log) = await Run.CommandAsync("podman", ["logs", "--tail", "30", name], TimeSpan.FromMinutes(1));
                logs.Append(CultureInfo.InvariantCulture, $"--- {name}\n{log}\n");
            }
            throw new InvalidOperationException($"{e.Message}\n\nThe pods' logs:\n{logs}", e);
        }
    }

    private static void EditYaml(string repo, params (string From, string To)[] edits)
    {
        var path = Path.Combine(repo, "feature_store.yaml");
        var yaml = File.ReadAllText(path);
        foreach (var (from, to) in edits)
        {
            Assert.True(yaml.Contains(from, StringComparison.Ordinal), $"no '{from}' in {path}:\n{yaml}");
            yaml = yaml.Replace(from, to, StringComparison.Ordinal);
        }
        File.WriteAllText(path, yaml);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from)) CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
