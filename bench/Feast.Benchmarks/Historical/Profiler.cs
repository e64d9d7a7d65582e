using System.Diagnostics;
using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Feast.Benchmarks.Harness;
using Feast.DuckDb;
using Feast.Offline;

namespace Feast.Benchmarks.Historical;

/// <summary>
/// <c>profile SCENARIO</c>: runs each of the scenario's queries (the store's own SQL from <c>ToSql</c> and the raw
/// baselines) under DuckDB's <c>EXPLAIN ANALYZE</c> and writes the SQL and the operator timings to
/// bench/.data/profile/, so the cost of the query can be told apart from the .NET side and from export.
/// <c>sql FILE</c> times any statement, with <c>{s1.features}</c>-style placeholders for the data files.
/// </summary>
internal static class Profiler
{
    public static async Task<int> ProfileAsync(BenchOptions options, string scenario)
    {
        var data = DataSets.Open(options);
        data.EnsureGenerated(Console.Out);
        var folder = Path.Combine(options.DataDirectory, "profile");
        Directory.CreateDirectory(folder);
        foreach (var (name, sql) in await QueriesAsync(data, scenario, folder))
        {
            var path = Path.Combine(folder, $"{scenario}-{name}.txt");
            var start = Stopwatch.GetTimestamp();
            var plan = new StringBuilder();
            using (var connection = Open(folder))
            {
                using var command = connection.CreateCommand();
                command.CommandText = "EXPLAIN ANALYZE " + sql;
                using var reader = command.ExecuteReader();
                while (reader.Read())
                    plan.AppendLine(reader.GetString(1));
            }
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            await File.WriteAllTextAsync(path, $"-- {name}: EXPLAIN ANALYZE took {elapsed.ToString("F2", CultureInfo.InvariantCulture)} s\n{sql}\n\n{plan}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{scenario}-{name,-12} {elapsed,7:F2} s   {path}"));
        }
        return 0;
    }

    public static int RunSql(BenchOptions options, string file)
    {
        var data = DataSets.Open(options);
        var sql = File.ReadAllText(file)
            .Replace("{s1.features}", DataSets.Literal(data.S1Features), StringComparison.Ordinal)
            .Replace("{s1.entities}", DataSets.Literal(data.S1Entities), StringComparison.Ordinal)
            .Replace("{s2.entities}", DataSets.Literal(data.S2Entities), StringComparison.Ordinal)
            .Replace("{s3.features}", DataSets.Literal(data.S3Features), StringComparison.Ordinal);
        var folder = Path.Combine(options.DataDirectory, "profile");
        Directory.CreateDirectory(folder);
        using var connection = Open(folder);
        foreach (var statement in sql.Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var start = Stopwatch.GetTimestamp();
            var cpu = Environment.CpuUsage.TotalTime;
            using var command = connection.CreateCommand();
            command.CommandText = statement;
            using var reader = command.ExecuteReader();
            var rows = 0L;
            var shown = new StringBuilder();
            while (reader.Read())
            {
                if (rows++ < 5)
                    shown.AppendLine("  " + string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => Show(reader, i))));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Stopwatch.GetElapsedTime(start).TotalSeconds,7:F2} s  cpu {(Environment.CpuUsage.TotalTime - cpu).TotalSeconds,6:F2} s  {rows} rows  {statement.ReplaceLineEndings(" ")[..Math.Min(100, statement.Length)]}"));
            Console.Write(shown);
        }
        return 0;
    }

    private static string Show(System.Data.Common.DbDataReader reader, int ordinal)
    {
        try
        {
            return reader.IsDBNull(ordinal) ? "NULL" : Convert.ToString(reader.GetValue(ordinal), CultureInfo.InvariantCulture) ?? "";
        }
        catch (InvalidOperationException)
        {
            // Infinite timestamps have no .NET value.
            return "(not representable in .NET)";
        }
    }

    private static async Task<List<(string Name, string Sql)>> QueriesAsync(DataSets data, string scenario, string folder)
    {
        var queries = new List<(string, string)>();
        switch (scenario)
        {
            case "s1":
                queries.Add(("feast", await StoreSqlAsync(data, HistoricalCases.S1Request(data, EntityData.FromFile(data.S1Entities)))));
                queries.Add(("raw", HistoricalCases.S1Raw(data, Dedup.OrderKey)));
                queries.Add(("raw-window", HistoricalCases.S1Raw(data, Dedup.Window)));
                break;
            case "s2":
                queries.Add(("feast", await StoreSqlAsync(data, HistoricalCases.S2Request(data, EntityData.FromFile(data.S2Entities)))));
                queries.Add(("raw", HistoricalCases.S2Raw(data)));
                break;
            case "s3":
                // The store loads in-memory rows into a temp table; for a plan the same row is read from a file.
                var entity = Path.Combine(folder, "s3-entity.parquet");
                using (var connection = Open(folder))
                {
                    using var command = connection.CreateCommand();
                    command.CommandText = string.Create(CultureInfo.InvariantCulture,
                        $"COPY (SELECT {data.S3Driver}::BIGINT AS driver_id, TIMESTAMPTZ '{data.S3Time:yyyy-MM-dd HH:mm:ss}+00' AS event_timestamp) TO {DataSets.Literal(entity)} (FORMAT parquet)");
                    command.ExecuteNonQuery();
                }
                queries.Add(("feast", await StoreSqlAsync(data, HistoricalCases.S3Request(data, EntityData.FromFile(entity)))));
                queries.Add(("raw", HistoricalCases.S3Raw(data, Dedup.OrderKey, prune: false)));
                queries.Add(("raw-pruned", HistoricalCases.S3Raw(data, Dedup.OrderKey, prune: true)));
                break;
            default:
                throw new ArgumentException($"No scenario '{scenario}' (s1, s2, s3).");
        }
        return queries;
    }

    private static async Task<string> StoreSqlAsync(DataSets data, HistoricalRetrievalRequest request)
    {
        await using var store = new DuckDbOfflineStore(data.Directory);
        return store.GetHistoricalFeatures(request).ToSql();
    }

    private static DuckDBConnection Open(string folder)
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SET TimeZone = 'UTC'; SET temp_directory = {DataSets.Literal(Path.Combine(folder, "spill"))}";
        command.ExecuteNonQuery();
        return connection;
    }
}
