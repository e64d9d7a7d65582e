using System.Globalization;

namespace Feast.Benchmarks.Harness;

/// <summary>Command-line options shared by the parent and the child processes.</summary>
internal sealed class BenchOptions
{
    public bool Quick { get; private set; }

    public bool Verify { get; private set; }

    /// <summary>Repetitions per case (child processes); null means the scenario's default.</summary>
    public int? Reps { get; private set; }

    /// <summary>Row count for commands with one size (<c>materialize --rows N</c>); null means the command's defaults.</summary>
    public long? Rows { get; private set; }

    /// <summary>Scenario ids to run (s1, s2, s3); empty means all.</summary>
    public IReadOnlyList<string> Only { get; private set; } = [];

    public string DataDirectory { get; private set; } = Path.Combine(RepoRoot(), "bench", ".data");

    public string? OutputFile { get; private set; }

    public List<string> Positional { get; } = [];

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    options.Quick = true;
                    break;
                case "--verify":
                    options.Verify = true;
                    break;
                case "--reps":
                    options.Reps = int.Parse(Next(args, ref i), CultureInfo.InvariantCulture);
                    break;
                case "--rows":
                    options.Rows = long.Parse(Next(args, ref i), CultureInfo.InvariantCulture);
                    break;
                case "--only":
                    options.Only = Next(args, ref i).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--data":
                    options.DataDirectory = Path.GetFullPath(Next(args, ref i));
                    break;
                case "--out":
                    options.OutputFile = Path.GetFullPath(Next(args, ref i));
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                        throw new ArgumentException($"Unknown option '{args[i]}'.");
                    options.Positional.Add(args[i]);
                    break;
            }
        }
        return options;
    }

    /// <summary>The arguments a child process needs to see the same data.</summary>
    public IEnumerable<string> ChildArguments()
    {
        if (Quick)
            yield return "--quick";
        yield return "--data";
        yield return DataDirectory;
        if (Rows is { } rows)
        {
            yield return "--rows";
            yield return rows.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The repository root (the folder holding Feast.slnx), found from the executable's location.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Feast.slnx")))
                return dir.FullName;
        }
        return Directory.GetCurrentDirectory();
    }

    private static string Next(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"Option '{args[i - 1]}' needs a value.");
}
