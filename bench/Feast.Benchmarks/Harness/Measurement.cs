using System.Globalization;

namespace Feast.Benchmarks.Harness;

/// <summary>What one run of one case, in its own process, measured.</summary>
/// <param name="ElapsedMs">Wall time of the measured section.</param>
/// <param name="CpuMs">CPU time (user + system, all threads) the process spent in the measured section: less
/// sensitive than wall time to other processes competing for the cores.</param>
/// <param name="FirstBatchMs">For streaming cases, wall time until the first batch or row arrived (the query's
/// blocking part: reading, sorting, joining), else null.</param>
/// <param name="PeakRssBytes">The process's peak resident set (VmHWM) when the measured section ended.</param>
/// <param name="Rows">Rows produced.</param>
/// <param name="Checksum">Checksums of the result, when computed (streaming cases always, exports with --verify).</param>
/// <param name="LoadAverage">The machine's 1-minute load average when the run started (set by the parent).</param>
/// <param name="Metrics">Case-specific figures by name (latency percentiles in µs, requests per second), or null.</param>
/// <param name="Digest">A description of the result that the cases of one comparison must agree on, when checked.</param>
internal sealed record Measurement(double ElapsedMs, double CpuMs, double? FirstBatchMs, long PeakRssBytes, long Rows, Checksum? Checksum,
    double LoadAverage = 0, Dictionary<string, double>? Metrics = null, string? Digest = null);

/// <summary>
/// Order-sensitive checksums of one int64 and one float32 feature column: non-null counts and Σ (row + 1) × value
/// (floats as round(value × 10), exact for the generated k / 10 values), so two results agree only when the same
/// values sit in the same rows.
/// </summary>
internal sealed record Checksum(long Rows, long IntCount, long IntWeighted, long FloatCount, long FloatWeighted)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"rows={Rows} int(n={IntCount}, Σ={IntWeighted}) float(n={FloatCount}, Σ={FloatWeighted})");
}

/// <summary>Accumulates a <see cref="Checksum"/> row by row.</summary>
internal sealed class ChecksumBuilder
{
    private long _rows;
    private long _intCount;
    private long _intWeighted;
    private long _floatCount;
    private long _floatWeighted;

    public long Rows => _rows;

    public void AddInt(long row, long value)
    {
        _intCount++;
        _intWeighted = unchecked(_intWeighted + ((row + 1) * value));
    }

    public void AddFloat(long row, float value)
    {
        _floatCount++;
        _floatWeighted = unchecked(_floatWeighted + ((row + 1) * (long)Math.Round(value * 10.0)));
    }

    public void AddRows(long rows) => _rows += rows;

    public Checksum Build() => new(_rows, _intCount, _intWeighted, _floatCount, _floatWeighted);
}

/// <summary>Reads the process's own memory figures and the machine's load.</summary>
internal static class ProcessMemory
{
    /// <summary>The 1-minute load average (/proc/loadavg); 0 where /proc is missing.</summary>
    public static double LoadAverage() =>
        File.Exists("/proc/loadavg")
            ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture)
            : 0;

    /// <summary>Peak resident set size (VmHWM in /proc/self/status), in bytes; 0 where /proc is missing.</summary>
    public static long PeakRssBytes()
    {
        const string Path = "/proc/self/status";
        if (!File.Exists(Path))
            return 0;
        foreach (var line in File.ReadLines(Path))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }
}
