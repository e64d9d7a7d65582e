using System.Globalization;
using Feast.Benchmarks.Harness;
using Feast.Benchmarks.Historical;

namespace Feast.Benchmarks;

/// <summary>
/// Entry point. <c>historical [--quick]</c> generates (or reuses) the data sets, runs every case of every scenario
/// in child processes and prints a markdown report; <c>case ID</c> is the child side, running one case once.
/// </summary>
internal static class Program
{
    private const string Usage = """
        Usage:
          Feast.Benchmarks historical [--quick] [--reps N] [--only s1,s2,s3] [--data DIR] [--out FILE]
              Runs the historical-retrieval scenarios, each case in its own child process, N times (default 3;
              5 for the short scenario 3), and writes a markdown report (default: bench/results/historical.md,
              or bench/.data/historical-quick.md with --quick).
          Feast.Benchmarks case ID [--quick] [--data DIR] [--verify]
              Runs one case once in this process and prints its measurement (used by 'historical').
          Feast.Benchmarks profile s1|s2|s3 [--quick] [--data DIR]
              Runs the store's SQL (from ToSql) and the raw baselines under EXPLAIN ANALYZE and writes the plans
              with operator timings to bench/.data/profile/.
          Feast.Benchmarks sql FILE [--quick] [--data DIR]
              Times each statement of FILE (statements end with ';' and a newline); {s1.features}, {s1.entities},
              {s2.entities} and {s3.features} stand for the generated files.
          Feast.Benchmarks list
              Lists the case ids.
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 1 : 0;
        }

        var options = BenchOptions.Parse(args.Skip(1).ToArray());
        switch (args[0])
        {
            case "historical":
                return await HistoricalRunner.RunAsync(options);
            case "case" when options.Positional.Count == 1:
                return await ChildProcess.HostAsync(HistoricalCases.Find(options.Positional[0]), options);
            case "profile" when options.Positional.Count == 1:
                return await Profiler.ProfileAsync(options, options.Positional[0]);
            case "sql" when options.Positional.Count == 1:
                return Profiler.RunSql(options, options.Positional[0]);
            case "list":
                foreach (var scenario in HistoricalCases.Scenarios)
                    foreach (var benchCase in scenario.Cases)
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{benchCase.Id,-28} {benchCase.Title}"));
                return 0;
            default:
                Console.Error.WriteLine(Usage);
                return 1;
        }
    }
}
