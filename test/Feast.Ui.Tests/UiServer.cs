using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Feast.Cli;

namespace Feast.Ui.Tests;

/// <summary>
/// <c>feast ui</c> as a real process (the CLI beside the test assembly, run by <c>dotnet</c>), on a free port, until disposed.
/// </summary>
internal sealed partial class UiServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();

    private UiServer(Process process) => _process = process;

    /// <summary>Where the UI is: the URL <c>feast ui</c> printed (with the root path and a trailing slash).</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>What the server printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_lock) return _output.ToString();
        }
    }

    public static Task<UiServer> StartAsync(string repo, params string[] args) =>
        StartCommandAsync(repo, ["ui", "-p", "0", "--no-access-log", .. args]);

    /// <summary>
    /// Any long-running feast command (<c>ui</c>, <c>serve_registry</c>) on <paramref name="repo"/>, ready when it prints
    /// "Press Ctrl+C"; <see cref="Url"/> is its HTTP line's URL when it prints one.
    /// </summary>
    public static async Task<UiServer> StartCommandAsync(string repo, string[] command)
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
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the CLI");
        var server = new UiServer(process);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(object? _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (server._lock) server._output.AppendLine(e.Data);
            if (e.Data.Contains("Press Ctrl+C", StringComparison.Ordinal)) started.TrySetResult();
        }
        process.OutputDataReceived += Read;
        process.ErrorDataReceived += Read;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(started.Task, exited).WaitAsync(TimeSpan.FromSeconds(60));
        if (first == exited)
        {
            // Let the last lines arrive.
            await Task.Delay(200);
            throw new InvalidOperationException($"feast {command[0]} exited with {process.ExitCode}: {server.Output}");
        }
        if (UrlLine().Match(server.Output) is { Success: true } url) server.Url = new Uri(url.Groups[1].Value);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"^\s+HTTP\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex UrlLine();
}

/// <summary>Feature repos for the tests, made with the CLI in process.</summary>
internal static class UiRepos
{
    public static string NewDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "feast-ui-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>
    /// <c>feast init demo</c>, plus a stream feature view on the demo's push source so that the UI shows every kind of
    /// view, and <c>feast apply</c> in a new folder: the repo path (project demo).
    /// </summary>
    public static async Task<string> DemoAsync()
    {
        var dir = NewDirectory();
        await RunAsync("-c", dir, "init", "demo");
        var repo = Path.Combine(dir, "demo", "feature_repo");
        await File.WriteAllTextAsync(Path.Combine(repo, "driver_stream.cs"), """
            using Feast;

            public static class DriverStream
            {
                public static readonly StreamFeatureView DriverStatsStream = new(
                    name: "driver_hourly_stats_stream",
                    source: DriverRepo.DriverStatsPushSource,
                    entities: [DriverRepo.Driver],
                    ttl: TimeSpan.FromDays(1),
                    schema: [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32)],
                    tags: new Dictionary<string, string> { ["team"] = "driver_performance", ["freshness"] = "stream" });
            }
            """);
        await RunAsync("-c", repo, "apply");
        return repo;
    }

    /// <summary>Runs the CLI in process; fails the test unless it exits 0.</summary>
    public static async Task<string> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var code = await FeastCli.RunAsync(args, output, error, timeout.Token);
        Assert.True(code == 0, $"feast {string.Join(' ', args)} exited {code}: {error}{output}");
        return output.ToString();
    }

    /// <summary>Runs the CLI in process: its exit code, stdout and stderr.</summary>
    public static async Task<(int Code, string Output, string Error)> RunToEndAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var code = await FeastCli.RunAsync(args, output, error, timeout.Token);
        return (code, output.ToString(), error.ToString());
    }

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a finalizer-bound handle; the OS temp cleaner takes it.
        }
    }
}
