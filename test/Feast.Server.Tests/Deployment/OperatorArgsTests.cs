using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Feast.Server.Tests.RemoteRegistry;

namespace Feast.Server.Tests.Deployment;

/// <summary>
/// The container commands Feast's operator gives (<c>infra/feast-operator</c>: <c>feast --log-level INFO serve -h 0.0.0.0
/// --metrics --workers … -p 6566</c>, <c>serve_registry --grpc --rest-api --rest-port …</c>, <c>ui -h 0.0.0.0 -p 8888</c>), run
/// as real processes in a repo directory that has no <c>feature_store.yaml</c>: the configuration comes from
/// <c>FEATURE_STORE_YAML_BASE64</c> as in the operator's pods. Every command starts and answers its probe.
/// </summary>
public sealed partial class OperatorArgsTests : IDisposable
{
    private readonly string _root = TestFiles.NewDirectory();

    public void Dispose() => TestFiles.DeleteDirectory(_root);

    [Fact]
    public async Task Serve_WithOperatorArgs_AndYamlFromBase64_AnswersHealth_MetricsOnTheirOwnPort()
    {
        var (repo, yaml) = await RepoWithoutYamlAsync();
        await using var server = await ServerProcess.StartAsync(repo, yaml,
            ["--log-level", "INFO", "serve", "-h", "127.0.0.1", "--metrics", "--metrics-port", "0", "--workers", "2", "--worker-connections", "1000",
                "--max-requests", "100", "--max-requests-jitter", "10", "--keep-alive-timeout", "30", "--registry_ttl_sec", "5", "-p", "0", "--grpc-port", "0"]);
        var http = Url(HttpLine(), server.Output);
        var metrics = Url(MetricsLine(), server.Output);
        Assert.NotEqual(http.Port, metrics.Port);
        using var client = new HttpClient();

        using var health = await client.GetAsync(new Uri(http, "/health"));
        Assert.True(health.IsSuccessStatusCode, server.Output);
        using var body = new StringContent("""{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001]}}""");
        using var read = await client.PostAsync(new Uri(http, "/get-online-features"), body);
        Assert.True(read.IsSuccessStatusCode, await read.Content.ReadAsStringAsync() + server.Output);
        var scraped = await client.GetStringAsync(new Uri(metrics, "/metrics"));
        Assert.Contains("feast_feature_server_request_total", scraped, StringComparison.Ordinal);
        // The metrics port is for Prometheus only: the feature server's endpoints are not there.
        using var elsewhere = await client.GetAsync(new Uri(metrics, "/health"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, elsewhere.StatusCode);
    }

    [Fact]
    public async Task ServeRegistry_And_Ui_WithOperatorArgs_AndYamlFromBase64_Start()
    {
        var (repo, yaml) = await RepoWithoutYamlAsync();
        await using (var registry = await ServerProcess.StartAsync(repo, yaml,
            ["--log-level", "INFO", "serve_registry", "--grpc", "--rest-api", "--rest-port", "0", "-p", "0"]))
        {
            Assert.Contains("gRPC", registry.Output, StringComparison.Ordinal);
            var rest = Url(RestLine(), registry.Output);
            using var client = new HttpClient();
            using var health = await client.GetAsync(new Uri(rest, "/health"));
            Assert.True(health.IsSuccessStatusCode, registry.Output);
        }

        var bundle = Path.Combine(_root, "ui-bundle");
        Directory.CreateDirectory(bundle);
        foreach (var file in new[] { "index.html", "index.js", "index.css" }) await File.WriteAllTextAsync(Path.Combine(bundle, file), "<!doctype html>");
        await using var ui = await ServerProcess.StartAsync(repo, yaml, ["--log-level", "INFO", "ui", "-h", "127.0.0.1", "-p", "0", "--ui-dir", bundle]);
        using var uiClient = new HttpClient();
        using var uiHealth = await uiClient.GetAsync(new Uri(Url(HttpLine(), ui.Output), "/health"));
        Assert.True(uiHealth.IsSuccessStatusCode, ui.Output);
    }

    [Fact]
    public async Task BadBase64_IsOneClearError_NamingTheVariable()
    {
        var (repo, _) = await RepoWithoutYamlAsync();
        var run = await ServerProcess.RunToEndAsync(repo, "not base64 at all", ["serve", "-p", "0", "--no-grpc"]);
        Assert.NotEqual(0, run.Code);
        Assert.Contains("FEATURE_STORE_YAML_BASE64", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal);
    }

    /// <summary>An applied driver repo whose feature_store.yaml is removed; its text comes back as base64.</summary>
    private async Task<(string Repo, string Base64)> RepoWithoutYamlAsync()
    {
        var repo = await RemoteRepos.InitAsync(Path.Combine(_root, "op"), "shop");
        var apply = await RemoteRepos.RunAsync(repo, "apply");
        Assert.True(apply.Code == 0, apply.Output + apply.Error);
        var yamlPath = Path.Combine(repo, "feature_store.yaml");
        var text = await File.ReadAllTextAsync(yamlPath);
        File.Delete(yamlPath);
        return (repo, Convert.ToBase64String(Encoding.UTF8.GetBytes(text)));
    }

    private static Uri Url(Regex line, string output)
    {
        var match = line.Match(output);
        Assert.True(match.Success, output);
        return new Uri(match.Groups[1].Value);
    }

    [GeneratedRegex(@"HTTP\s+(https?://\S+)")]
    private static partial Regex HttpLine();

    [GeneratedRegex(@"Metrics\s+(https?://[^/\s]+)")]
    private static partial Regex MetricsLine();

    [GeneratedRegex(@"REST\s+(https?://[^/\s]+)")]
    private static partial Regex RestLine();

    /// <summary>The built feast CLI as its own process, with <c>FEATURE_STORE_YAML_BASE64</c> set as the operator sets it.</summary>
    private sealed class ServerProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly Lock _lock = new();

        private ServerProcess(Process process) => _process = process;

        public string Output
        {
            get
            {
                lock (_lock) return _output.ToString();
            }
        }

        public static async Task<ServerProcess> StartAsync(string repo, string base64, string[] args)
        {
            var server = new ServerProcess(Process.Start(Start(repo, base64, args)) ?? throw new InvalidOperationException("cannot start the CLI"));
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            server.Capture(line =>
            {
                if (line.Contains("Press Ctrl+C", StringComparison.Ordinal)) ready.TrySetResult();
            });
            var first = await Task.WhenAny(ready.Task, server._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
            if (first != ready.Task)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"feast {string.Join(' ', args)} did not start: " + server.Output);
            }
            return server;
        }

        public static async Task<(int Code, string Output)> RunToEndAsync(string repo, string base64, string[] args)
        {
            await using var run = new ServerProcess(Process.Start(Start(repo, base64, args)) ?? throw new InvalidOperationException("cannot start the CLI"));
            run.Capture(_ => { });
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await run._process.WaitForExitAsync(timeout.Token);
            run._process.WaitForExit(); // the output's end
            return (run._process.ExitCode, run.Output);
        }

        private static ProcessStartInfo Start(string repo, string base64, string[] args)
        {
            var cli = Path.Combine(AppContext.BaseDirectory, "Feast.Cli.dll");
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = repo,
            };
            foreach (var arg in (string[])[cli, .. args]) start.ArgumentList.Add(arg);
            start.Environment.Remove("FEAST_FS_YAML_FILE_PATH");
            start.Environment["FEATURE_STORE_YAML_BASE64"] = base64;
            return start;
        }

        private void Capture(Action<string> onLine)
        {
            void OnLine(object? _, DataReceivedEventArgs e)
            {
                if (e.Data is null) return;
                lock (_lock) _output.AppendLine(e.Data);
                onLine(e.Data);
            }
            _process.OutputDataReceived += OnLine;
            _process.ErrorDataReceived += OnLine;
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
