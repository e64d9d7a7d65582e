using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using DuckDB.NET.Data;

namespace Feast.Benchmarks.Harness;

/// <summary>What the numbers were measured on.</summary>
internal sealed record MachineInfo(int Cores, string Memory, string Cpu, string Os, string Runtime, string Gc, string DuckDb, string DuckDbNet)
{
    public static MachineInfo Collect()
    {
        var cpu = ProcLine("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memKb = ProcLine("/proc/meminfo", "MemTotal")?.Split(' ')[0];
        var memory = memKb is null ? "?" : Invariant($"{long.Parse(memKb, CultureInfo.InvariantCulture) / 1048576.0:F1} GiB");
        string duckDb;
        using (var connection = new DuckDBConnection("DataSource=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT version() || ' (' || (SELECT source_id FROM pragma_version()) || ')'";
            duckDb = (string)command.ExecuteScalar()!;
        }
        var duckDbNet = typeof(DuckDBConnection).Assembly.GetName().Version?.ToString() ?? "?";
        var gc = (GCSettings.IsServerGC ? "server" : "workstation") + (GCSettings.LatencyMode == GCLatencyMode.Interactive ? ", concurrent" : "");
        return new MachineInfo(Environment.ProcessorCount, memory, cpu, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
            gc, duckDb, duckDbNet);
    }

    public string ToMarkdown() => Invariant($"""
        | machine | |
        |---|---|
        | cores (nproc) | {Cores} |
        | memory | {Memory} |
        | CPU | {Cpu} |
        | OS | {Os} |
        | .NET | {Runtime}, {Gc} GC |
        | DuckDB | {DuckDb}, DuckDB.NET {DuckDbNet} |
        """);

    private static string? ProcLine(string path, string key)
    {
        if (!File.Exists(path))
            return null;
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
