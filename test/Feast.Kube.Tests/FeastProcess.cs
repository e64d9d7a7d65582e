using System.Diagnostics;
using System.Text;

namespace Feast.Kube.Tests;

/// <summary>The feast CLI beside the tests, run as a real process.</summary>
internal sealed class FeastProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private FeastProcess(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    private static ProcessStartInfo StartInfo(string[] args, string? stdin = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Feast.Cli.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove("KUBECONFIG");
        return start;
    }

    /// <summary>Runs a command to its end.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] args, string? stdin = null) => RunAsync(StartInfo(args, stdin), stdin);

    /// <summary>Runs a command in <paramref name="directory"/> with the configuration only in FEATURE_STORE_YAML_BASE64, as in the operator's pods.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunWithYamlAsync(string directory, string yamlBase64, string[] args)
    {
        var start = StartInfo(["--chdir", directory, .. args]);
        start.Environment["FEATURE_STORE_YAML_BASE64"] = yamlBase64;
        return RunAsync(start, null);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ProcessStartInfo start, string? stdin)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start feast");
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running command; its output lines are collected.</summary>
    public static FeastProcess Start(params string[] args)
    {
        var process = Process.Start(StartInfo(args)) ?? throw new InvalidOperationException("cannot start feast");
        var running = new FeastProcess(process);
        process.OutputDataReceived += (_, e) => running.Append(e.Data);
        process.ErrorDataReceived += (_, e) => running.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>Waits (at most two minutes) until <paramref name="condition"/> holds; fails with the process output if it never does.</summary>
    public async Task WaitForAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (!condition())
        {
            if (_process.HasExited) Assert.Fail($"feast exited ({_process.ExitCode}) before {what}:\n{Output}");
            if (timeout.IsCancellationRequested) Assert.Fail($"Timed out waiting for {what}:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>Sends SIGTERM (as Kubernetes does to stop a pod) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
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
