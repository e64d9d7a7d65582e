using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Feast.Cli;

namespace Feast.Server.Tests.RemoteRegistry;

/// <summary>
/// <c>feast serve_registry</c> as a real process (the built CLI next to the test assembly), as an operator runs it; a
/// client repo then points its <c>registry.path</c> at <see cref="Address"/>. Disposing kills the process this test started.
/// </summary>
internal sealed partial class RegistryServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();

    private RegistryServerProcess(Process process) => _process = process;

    /// <summary><c>localhost:port</c>, what a client's <c>registry.path</c> says.</summary>
    public string Address { get; private set; } = "";

    public string Output
    {
        get
        {
            lock (_lock) return _output.ToString();
        }
    }

    /// <summary>The HTTP URL a <c>feast serve</c> prints, when started with <see cref="StartCommandAsync"/>.</summary>
    public Uri? HttpUrl { get; private set; }

    /// <summary><c>feast serve_registry -p 0</c> on <paramref name="repo"/>.</summary>
    public static Task<RegistryServerProcess> StartAsync(string repo, params string[] extra) =>
        StartCommandAsync(repo, ["serve_registry", "-p", "0", "--no-access-log", .. extra]);

    /// <summary>A serving command (<c>serve</c>, <c>serve_registry</c>) of the feast CLI on <paramref name="repo"/>, until it prints that it serves.</summary>
    public static async Task<RegistryServerProcess> StartCommandAsync(string repo, string[] command)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "Feast.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} is not next to the test assembly");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[cli, "-c", repo, .. command]) start.ArgumentList.Add(arg);
        start.Environment.Remove("FEAST_FS_YAML_FILE_PATH");
        start.Environment.Remove("FEATURE_STORE_YAML_BASE64");
        var server = new RegistryServerProcess(Process.Start(start) ?? throw new InvalidOperationException("cannot start the CLI"));
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(object? _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (server._lock) server._output.AppendLine(e.Data);
            if (e.Data.Contains("Press Ctrl+C", StringComparison.Ordinal)) ready.TrySetResult();
        }
        server._process.OutputDataReceived += OnLine;
        server._process.ErrorDataReceived += OnLine;
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        var exited = server._process.WaitForExitAsync();
        var first = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != ready.Task)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"feast {command[0]} did not start: " + server.Output);
        }
        var match = GrpcLine().Match(server.Output);
        Assert.True(match.Success, server.Output);
        server.Address = "localhost:" + match.Groups[1].Value;
        if (HttpLine().Match(server.Output) is { Success: true } http) server.HttpUrl = new Uri(http.Groups[1].Value);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    [GeneratedRegex(@"(?:gRPC\s+https?|Flight\s+grpc\+tc?[pl]s?)://[^:\s]+:(\d+)")]
    private static partial Regex GrpcLine();

    [GeneratedRegex(@"HTTP\s+(https?://\S+)")]
    private static partial Regex HttpLine();
}

/// <summary>Feature repos made by <c>feast init</c>, and the client's commands run as the <c>feast</c> command runs them.</summary>
internal static class RemoteRepos
{
    /// <summary>A new repo of Feast's driver example in <c>&lt;parent&gt;/&lt;project&gt;/feature_repo</c>.</summary>
    public static async Task<string> InitAsync(string parent, string project)
    {
        Directory.CreateDirectory(parent);
        var (code, output, error) = await RunAsync(parent, "init", project);
        Assert.True(code == 0, output + error);
        return Path.Combine(parent, project, "feature_repo");
    }

    /// <summary>A copy of <paramref name="repo"/> whose registry is the server at <paramref name="address"/>.</summary>
    public static string RemoteCopy(string repo, string target, string address, string extraRegistryKeys = "", string? auth = null)
    {
        CopyDirectory(repo, target);
        var yaml = File.ReadAllText(Path.Combine(target, "feature_store.yaml"));
        Assert.Contains("registry: data/registry.db", yaml, StringComparison.Ordinal);
        yaml = yaml.Replace("registry: data/registry.db",
            $"registry:\n    registry_type: remote\n    path: {address}\n{extraRegistryKeys}", StringComparison.Ordinal);
        if (auth is not null) yaml = yaml.Replace("auth:\n    type: no_auth", auth, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(target, "feature_store.yaml"), yaml);
        File.Delete(Path.Combine(target, "data", "registry.db"));
        return target;
    }

    public static async Task<(int Code, string Output, string Error)> RunAsync(string repo, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var code = await FeastCli.RunAsync(["-c", repo, .. args], output, error, timeout.Token);
        return (code, output.ToString(), error.ToString());
    }

    internal static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from)) CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
