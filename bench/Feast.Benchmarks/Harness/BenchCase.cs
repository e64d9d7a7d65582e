using System.Diagnostics;

namespace Feast.Benchmarks.Harness;

/// <summary>One measured case: a Feast.NET call or a raw baseline (DuckDB, SQLite), run once per child process.</summary>
/// <param name="Id">The id the child process is started with (<c>s1.feast-parquet</c>).</param>
/// <param name="Title">What it runs, for the report.</param>
/// <param name="Role">Whether this is the measured Feast.NET call, its baseline, or a diagnostic.</param>
/// <param name="BaselineId">For a Feast.NET case, the id of the case its ratio is taken against.</param>
/// <param name="RunAsync">The case; it times its own measured section through <see cref="CaseContext.Measure"/>.</param>
internal sealed record BenchCase(string Id, string Title, CaseRole Role, string? BaselineId, Func<CaseContext, Task> RunAsync);

/// <summary>How a case appears in the report.</summary>
internal enum CaseRole
{
    /// <summary>The Feast.NET call under test (a ratio against its baseline is reported).</summary>
    Feast,

    /// <summary>A raw baseline: the same work written directly against DuckDB or SQLite.</summary>
    Baseline,

    /// <summary>A diagnostic that explains where time goes (also reported against the baseline).</summary>
    Diagnostic,
}

/// <summary>A scenario: its cases, default repetitions, and the columns its result checksums are taken over.</summary>
internal sealed record Scenario(string Id, string Title, string Description, int DefaultReps, IReadOnlyList<string> ChecksumColumns,
    IReadOnlyList<BenchCase> Cases);

/// <summary>What a case gets in the child process: the data sets, a scratch folder, and the stopwatch.</summary>
internal sealed class CaseContext
{
    private long _start;
    private TimeSpan _cpuStart;
    private double? _elapsedMs;
    private double _cpuMs;
    private double? _firstBatchMs;
    private long _peakRss;

    public CaseContext(BenchOptions options, string scratchDirectory)
    {
        Options = options;
        Data = Historical.DataSets.Open(options);
        ScratchDirectory = scratchDirectory;
        Verify = options.Verify;
    }

    /// <summary>The options the child was started with (sizes, data folder).</summary>
    public BenchOptions Options { get; }

    /// <summary>The historical scenarios' data sets (paths only; nothing is read until a case does).</summary>
    public Historical.DataSets Data { get; }

    /// <summary>A folder for output files, private to this process.</summary>
    public string ScratchDirectory { get; }

    /// <summary>Whether to compute checksums of exported files (after the measured section).</summary>
    public bool Verify { get; }

    public long Rows { get; set; }

    public Checksum? Checksum { get; set; }

    /// <summary>A description of the result that every case of a comparison must agree on (row counts and content hashes), when checked.</summary>
    public string? Digest { get; set; }

    /// <summary>Case-specific figures (latency percentiles, rows per second), reported next to the times.</summary>
    public Dictionary<string, double> Metrics { get; } = new(StringComparer.Ordinal);

    /// <summary>Starts the measured section; disposing the result ends it and records the peak RSS.</summary>
    public IDisposable Measure()
    {
        _cpuStart = Environment.CpuUsage.TotalTime;
        _start = Stopwatch.GetTimestamp();
        return new Section(this);
    }

    /// <summary>Records the time to the first batch or row (once).</summary>
    public void FirstBatch() => _firstBatchMs ??= Stopwatch.GetElapsedTime(_start).TotalMilliseconds;

    public Measurement Result() => new(
        _elapsedMs ?? throw new InvalidOperationException("The case never ended its measured section."),
        _cpuMs, _firstBatchMs, _peakRss, Rows, Checksum, Metrics: Metrics.Count == 0 ? null : Metrics, Digest: Digest);

    private sealed class Section(CaseContext context) : IDisposable
    {
        public void Dispose()
        {
            context._elapsedMs = Stopwatch.GetElapsedTime(context._start).TotalMilliseconds;
            context._cpuMs = (Environment.CpuUsage.TotalTime - context._cpuStart).TotalMilliseconds;
            context._peakRss = ProcessMemory.PeakRssBytes();
        }
    }
}
