using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Feast.Benchmarks.Harness;
using Feast.Benchmarks.Historical;

namespace Feast.Benchmarks.Materialize;

/// <summary>
/// The materialization source: one row per driver (so N drivers are N entity rows and 10 N online rows), written by
/// DuckDB from <c>range(N)</c> with integer arithmetic only, cached under <c>bench/.data/materialize/</c>.
/// </summary>
/// <remarks>
/// Columns: <c>driver_id</c> BIGINT, <c>event_timestamp</c> and <c>created</c> (naive TIMESTAMP, meaning UTC; event
/// times spread over one day, created 10 minutes later), and ten features interleaved as in the historical scenario 1:
/// <c>f0, i0, …, f4, i4</c> (FLOAT k / 10 for k &lt; 10,000; BIGINT &lt; 100,000).
/// </remarks>
internal sealed class MaterializeData
{
    /// <summary>The join key.</summary>
    public const string JoinKey = "driver_id";

    /// <summary>The project of the benchmark repos.</summary>
    public const string Project = "bench";

    /// <summary>The feature view (and so the online table <c>bench_driver_stats</c>).</summary>
    public const string ViewName = "driver_stats";

    /// <summary>The first second of the generated day (all event times are inside [Start, Start + 1 day)).</summary>
    public static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The materialization window: the whole generated day (both bounds inclusive).</summary>
    public static readonly DateTimeOffset End = Start.AddDays(1);

    private MaterializeData(string directory, long rows)
    {
        Directory = directory;
        Rows = rows;
        Source = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"drivers-{rows}.parquet"));
    }

    public string Directory { get; }

    /// <summary>Entity rows (drivers), one source row each.</summary>
    public long Rows { get; }

    /// <summary>The Parquet source.</summary>
    public string Source { get; }

    /// <summary>The feature columns: five float32 and five int64, interleaved (f0, i0, …).</summary>
    public static IReadOnlyList<FeatureColumn> Columns { get; } = DataSets.S1Columns;

    /// <summary>
    /// The default sizes: 100k for --quick, else 1M and 3M (10M takes over 10 minutes a run on two shared cores; run it
    /// with --rows 10000000); --rows N picks one.
    /// </summary>
    public static IReadOnlyList<long> Sizes(BenchOptions options) =>
        options.Rows is { } rows ? [rows] : options.Quick ? [100_000] : [1_000_000, 3_000_000];

    /// <summary>The data of one size: <c>--rows</c>, or 100k with <c>--quick</c>, or 1M.</summary>
    public static MaterializeData Open(BenchOptions options) =>
        new(Path.Combine(options.DataDirectory, "materialize"), options.Rows ?? (options.Quick ? 100_000 : 1_000_000));

    public static MaterializeData Open(BenchOptions options, long rows) => new(Path.Combine(options.DataDirectory, "materialize"), rows);

    /// <summary>Writes the source if it is missing (to a temp name first, so an interrupted run leaves nothing behind).</summary>
    public void EnsureGenerated(TextWriter log)
    {
        if (File.Exists(Source))
            return;
        System.IO.Directory.CreateDirectory(Directory);
        var values = string.Join(",\n       ", Columns.Select(c => c.IsFloat
            ? Invariant($"(((d * 7 + {c.Seed * 101}) % 10000) / 10)::FLOAT AS {c.Name}")
            : Invariant($"((d * 11 + {c.Seed * 1009}) % 100000)::BIGINT AS {c.Name}")));
        var temp = Source + ".tmp";
        var start = Stopwatch.GetTimestamp();
        using (var connection = new DuckDBConnection("DataSource=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SET TimeZone = 'UTC';
                COPY (
                  SELECT d AS driver_id,
                         {DataSets.Start} + to_seconds((d * 37) % 86400) AS event_timestamp,
                         {DataSets.Start} + to_seconds((d * 37) % 86400 + 600) AS created,
                         {values}
                  FROM range({Rows}) t(d)
                ) TO {DataSets.Literal(temp)} (FORMAT parquet)
                """;
            command.ExecuteNonQuery();
        }
        File.Move(temp, Source, overwrite: true);
        log.WriteLine(Invariant($"  generated {Path.GetFileName(Source)} ({new FileInfo(Source).Length / 1e6:F0} MB) in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s"));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
