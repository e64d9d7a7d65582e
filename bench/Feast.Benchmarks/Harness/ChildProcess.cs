using System.Diagnostics;
using System.Text.Json;

namespace Feast.Benchmarks.Harness;

/// <summary>
/// Each measured run happens in a fresh child process (this executable, re-invoked with <c>case ID</c>), so its peak
/// RSS belongs to that one case and no run warms caches inside the process for the next.
/// </summary>
internal static class ChildProcess
{
    private const string ResultPrefix = "@@result ";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>Parent side: runs <paramref name="caseId"/> in a child process and returns what it measured.</summary>
    /// <param name="caseId">The case to run.</param>
    /// <param name="options">The parent's options; the child gets the ones that select the data.</param>
    /// <param name="verify">Whether the child checks its result after the measured section.</param>
    /// <param name="extraArguments">Arguments appended after the options (say, <c>--rows N</c> for one size of a sweep).</param>
    /// <param name="cancellationToken">Stops waiting for the child.</param>
    public static async Task<Measurement> RunAsync(string caseId, BenchOptions options, bool verify, IEnumerable<string>? extraArguments = null,
        CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable to re-invoke.");
        start.FileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        start.ArgumentList.Add("case");
        start.ArgumentList.Add(caseId);
        foreach (var argument in options.ChildArguments())
            start.ArgumentList.Add(argument);
        if (verify)
            start.ArgumentList.Add("--verify");
        foreach (var argument in extraArguments ?? [])
            start.ArgumentList.Add(argument);

        var load = ProcessMemory.LoadAverage();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{self}'.");
        Measurement? result = null;
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith(ResultPrefix, StringComparison.Ordinal))
                result = JsonSerializer.Deserialize<Measurement>(line[ResultPrefix.Length..], Json);
            else
                Console.WriteLine("    | " + line);
        }
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0 || result is null)
            throw new InvalidOperationException($"Case '{caseId}' failed (exit code {process.ExitCode}); its output is above.");
        return result with { LoadAverage = load };
    }

    /// <summary>Child side: runs the case once and prints its measurement as one JSON line.</summary>
    public static async Task<int> HostAsync(BenchCase benchCase, BenchOptions options)
    {
        var scratch = Path.Combine(options.DataDirectory, "out", $"{benchCase.Id}-{Environment.ProcessId}");
        Directory.CreateDirectory(scratch);
        try
        {
            var context = new CaseContext(options, scratch);
            await benchCase.RunAsync(context);
            Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(context.Result(), Json));
            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
