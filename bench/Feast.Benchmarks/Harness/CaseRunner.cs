using System.Globalization;
using System.Text;

namespace Feast.Benchmarks.Harness;

/// <summary>Runs a list of cases in child processes, repetitions interleaved across cases so a slow phase of the machine does not land on one case.</summary>
internal static class CaseRunner
{
    /// <summary>
    /// Runs every case <paramref name="reps"/> times (diagnostics <paramref name="diagnosticReps"/> times, when given);
    /// the first run of each also checks its result.
    /// </summary>
    public static async Task<Dictionary<string, List<Measurement>>> RunAsync(IReadOnlyList<BenchCase> cases, int reps, BenchOptions options,
        IEnumerable<string>? extraArguments = null, Func<Measurement, string>? describe = null, int? diagnosticReps = null)
    {
        var runs = cases.ToDictionary(c => c.Id, _ => new List<Measurement>());
        var extra = extraArguments?.ToList() ?? [];
        for (var rep = 0; rep < reps; rep++)
        {
            foreach (var benchCase in cases)
            {
                if (benchCase.Role == CaseRole.Diagnostic && rep >= (diagnosticReps ?? reps))
                    continue;
                var measurement = await ChildProcess.RunAsync(benchCase.Id, options, verify: rep == 0, extra);
                runs[benchCase.Id].Add(measurement);
                var line = new StringBuilder(Stats.Invariant(
                    $"  {benchCase.Id,-26} run {rep + 1}: {Stats.Seconds(measurement.ElapsedMs),8}  cpu {Stats.Seconds(measurement.CpuMs),8}  peak RSS {measurement.PeakRssBytes / 1048576.0,5:F0} MiB  load {measurement.LoadAverage:F1}"));
                if (describe is not null)
                    line.Append("  ").Append(describe(measurement));
                if (measurement.Digest is not null)
                    line.Append("  ").Append(measurement.Digest);
                Console.WriteLine(line);
            }
        }
        return runs;
    }

    /// <summary>The load-average line of a report section.</summary>
    public static string LoadLine(IEnumerable<List<Measurement>> runs, int reps, int? diagnosticReps = null)
    {
        var loads = runs.SelectMany(r => r).Select(r => r.LoadAverage).ToList();
        var count = diagnosticReps is { } d && d != reps ? Stats.Invariant($"{reps} runs per case ({d} per diagnostic)") : Stats.Invariant($"{reps} runs per case");
        return Stats.Invariant($"{count}; 1-minute load average when runs started: {loads.Min():F1} to {loads.Max():F1} ({Environment.ProcessorCount} cores).");
    }

    /// <summary>"all N checked cases agree (digest)", or the list of disagreeing digests.</summary>
    public static (bool Agree, string Text) CheckDigests(Dictionary<string, List<Measurement>> runs)
    {
        var digests = runs.Where(r => r.Value.Count > 0 && r.Value[0].Digest is not null).Select(r => (r.Key, r.Value[0].Digest!)).ToList();
        if (digests.Count == 0)
            return (true, "Result check: none of these cases was checked.");
        if (digests.Select(d => d.Item2).Distinct().Count() == 1)
            return (true, Stats.Invariant($"Result check: all {digests.Count} checked cases (`{string.Join("`, `", digests.Select(d => d.Key))}`) hold the same result ({digests[0].Item2})."));
        var text = new StringBuilder("**Result check FAILED**: the cases disagree:\n\n");
        foreach (var (id, digest) in digests)
            text.Append(CultureInfo.InvariantCulture, $"- `{id}`: {digest}\n");
        return (false, text.ToString());
    }

    /// <summary>The command line that reproduces a run.</summary>
    public static string Command(string command, BenchOptions options)
    {
        var text = new StringBuilder("dotnet run -c Release --project bench/Feast.Benchmarks -- ").Append(command);
        if (options.Quick)
            text.Append(" --quick");
        if (options.Rows is { } rows)
            text.Append(CultureInfo.InvariantCulture, $" --rows {rows}");
        if (options.Reps is { } reps)
            text.Append(CultureInfo.InvariantCulture, $" --reps {reps}");
        if (options.Only.Count > 0)
            text.Append(" --only ").Append(string.Join(',', options.Only));
        return text.ToString();
    }
}
