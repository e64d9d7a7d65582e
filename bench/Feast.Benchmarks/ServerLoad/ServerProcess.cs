using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Feast.Benchmarks.ServerLoad;

/// <summary>
/// A server under test in its own process (<c>feast serve</c> or the bare endpoint): started on a free loopback port,
/// waited for on <c>/health</c>, its output kept in a log file, its CPU time read from <c>/proc</c>, killed at the end.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ServerProcess(string name, Process process, int port, StreamWriter log)
    {
        Name = name;
        _process = process;
        Port = port;
        _log = log;
    }

    public string Name { get; }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public Uri Url(string path) => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}{path}");

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/> (<c>{port}</c> replaced by a free port) and waits for /health.</summary>
    public static async Task<ServerProcess> StartAsync(string name, string fileName, IEnumerable<string> arguments, string workingDirectory,
        string logFile, bool serverGc, HttpClient client, IEnumerable<KeyValuePair<string, string>>? environment = null)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument.Replace("{port}", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        start.Environment["DOTNET_gcServer"] = serverGc ? "1" : "0";
        foreach (var (key, value) in environment ?? []) start.Environment[key] = value;
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        var log = new StreamWriter(logFile, append: false) { AutoFlush = true };
        await log.WriteLineAsync($"$ {fileName} {string.Join(' ', start.ArgumentList)}  (in {workingDirectory})");
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(name, process, port, log);

        var deadline = Stopwatch.GetTimestamp() + (90 * Stopwatch.Frequency);
        while (true)
        {
            if (process.HasExited)
            {
                await Task.Delay(200);
                await server.DisposeAsync();
                throw new InvalidOperationException($"{name} exited with code {process.ExitCode} before answering /health; its output is in {logFile}:\n{TailOf(logFile)}");
            }
            try
            {
                using var response = await client.GetAsync(server.Url("/health"));
                if (response.StatusCode == HttpStatusCode.OK)
                    return server;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (Stopwatch.GetTimestamp() > deadline)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"{name} did not answer /health with 200 within 90 s; its output is in {logFile}.");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>The process's CPU time so far (user + system), from /proc/PID/stat; 0 where /proc is missing.</summary>
    public TimeSpan CpuTime()
    {
        var path = $"/proc/{_process.Id.ToString(CultureInfo.InvariantCulture)}/stat";
        if (!File.Exists(path))
            return TimeSpan.Zero;
        var text = File.ReadAllText(path);
        // Fields after the command name (which may hold spaces), from field 3 on: utime and stime are fields 14 and 15.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
    }

    /// <summary>
    /// Waits until the process is idle (under 5% of a core over a quarter second), at most <paramref name="limit"/>:
    /// a server still working through requests a timed-out run left behind would slow the next run.
    /// </summary>
    public async Task<TimeSpan> SettleAsync(TimeSpan limit)
    {
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < limit)
        {
            var before = CpuTime();
            await Task.Delay(250);
            if ((CpuTime() - before).TotalMilliseconds < 12.5)
                break;
        }
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>Resident set size now and at its peak (VmRSS, VmHWM), in bytes.</summary>
    public (long Rss, long Peak) Memory()
    {
        var path = $"/proc/{_process.Id.ToString(CultureInfo.InvariantCulture)}/status";
        if (!File.Exists(path))
            return (0, 0);
        long Field(string name) => File.ReadLines(path).Where(l => l.StartsWith(name, StringComparison.Ordinal))
            .Select(l => long.Parse(l[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024).FirstOrDefault();
        return (Field("VmRSS:"), Field("VmHWM:"));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        await _log.DisposeAsync();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
            return;
        lock (log)
            log.WriteLine(line);
    }

    private static string TailOf(string file)
    {
        try
        {
            return string.Join('\n', File.ReadLines(file).TakeLast(20));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Runs the load generator in its own process and reads back its result.</summary>
internal static class LoadGeneratorProcess
{
    /// <summary>Runs it with <paramref name="arguments"/>; <paramref name="measuring"/> is called when its warm-up ends.</summary>
    public static async Task<LoadResult> RunAsync(IEnumerable<string> arguments, Action measuring)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable to re-invoke.");
        start.FileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(typeof(LoadGeneratorProcess).Assembly.Location);
        start.ArgumentList.Add("loadgen");
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{self}'.");
        LoadResult? result = null;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line == LoadGenerator.MeasuringLine)
                measuring();
            else if (line.StartsWith(LoadGenerator.ResultPrefix, StringComparison.Ordinal))
                result = JsonSerializer.Deserialize<LoadResult>(line[LoadGenerator.ResultPrefix.Length..], LoadGenerator.Json);
            else
                Console.WriteLine("    | " + line);
        }
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 || result is null)
            throw new InvalidOperationException($"The load generator failed (exit code {process.ExitCode}); its output is above.");
        return result;
    }
}
