using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Feast.Orleans.Tests;

/// <summary>A <c>feast worker</c> process on loopback, on free ports, with its output kept for assertions.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(Process process, string name, int httpPort)
    {
        _process = process;
        Name = name;
        HttpPort = httpPort;
    }

    public string Name { get; }

    public int HttpPort { get; }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static async Task<WorkerProcess> StartAsync(string repo, string? fault = null)
    {
        var ports = FreePorts(3);
        var (silo, gateway, http) = (ports[0], ports[1], ports[2]);
        var start = Cli.Start(repo, "worker", "--silo-port", $"{silo}", "--gateway-port", $"{gateway}", "--http-port", $"{http}");
        if (fault is not null) start.Environment["FEAST_WORKER_FAULT"] = fault;
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start feast worker");
        var worker = new WorkerProcess(process, $"127.0.0.1:{silo}", http);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = process.WaitForExitAsync().ContinueWith(_ => worker._ready.TrySetException(
            new InvalidOperationException($"feast worker exited with {process.ExitCode}:\n{worker.Output}")), TaskScheduler.Default);
        await worker._ready.Task.WaitAsync(TimeSpan.FromMinutes(2));
        return worker;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        if (line.Contains("Press Ctrl+C", StringComparison.Ordinal)) _ready.TrySetResult();
    }

    /// <summary>Waits (bounded) until the worker's output has <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited) throw new InvalidOperationException($"feast worker exited before printing '{text}':\n{Output}");
            await Task.Delay(100, timeout.Token);
        }
    }

    /// <summary>SIGKILL: no goodbye to the cluster.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    /// <summary>Distinct free ports: all listeners are open at once, so no two calls hand out the same port.</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var listener in listeners) listener.Start();
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners) listener.Stop();
        }
    }
}

/// <summary>A <c>feast</c> command running while the test watches its output line by line.</summary>
internal sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    private CliProcess(Process process) => _process = process;

    public static CliProcess Start(string repo, params string[] args)
    {
        var process = Process.Start(Cli.Start(repo, args)) ?? throw new InvalidOperationException("cannot start feast");
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => cli.Append(e.Data);
        process.ErrorDataReceived += (_, e) => cli.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    private string Output
    {
        get
        {
            lock (_lines) return string.Join('\n', _lines);
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_lines) _lines.Add(line);
    }

    /// <summary>Waits (bounded) for a line of output that <paramref name="match"/> accepts, and returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            lock (_lines)
            {
                if (_lines.FirstOrDefault(match) is { } line) return line;
            }
            if (_process.HasExited) throw new InvalidOperationException($"feast exited before printing the line:\n{Output}");
            await Task.Delay(100, timeout.Token);
        }
    }

    /// <summary>Waits (bounded) for the command to end.</summary>
    public async Task<(int ExitCode, string Output)> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await _process.WaitForExitAsync(timeout.Token);
        return (_process.ExitCode, Output);
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
}

/// <summary>The feast CLI beside the tests.</summary>
internal static class Cli
{
    public static ProcessStartInfo Start(string repo, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Feast.Cli.dll"));
        start.ArgumentList.Add("--chdir");
        start.ArgumentList.Add(repo);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["COLUMNS"] = "200";
        return start;
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(string repo, params string[] args)
    {
        using var process = Process.Start(Start(repo, args)) ?? throw new InvalidOperationException("cannot start feast");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
