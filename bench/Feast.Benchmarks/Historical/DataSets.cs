using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Feast.Benchmarks.Harness;

namespace Feast.Benchmarks.Historical;

/// <summary>Sizes of the generated data; <see cref="Quick"/> is a smoke run of the same shapes.</summary>
/// <param name="S1Drivers">Scenario 1: driver ids.</param>
/// <param name="S1Hours">Scenario 1: hourly feature rows per driver.</param>
/// <param name="S1EntityRows">Scenario 1: entity rows.</param>
/// <param name="S2Keys">Scenario 2: keys per view source (and entity rows).</param>
/// <param name="S2Views">Scenario 2: feature views.</param>
/// <param name="S2FeaturesPerView">Scenario 2: features per view.</param>
/// <param name="S2TimesPerKey">Scenario 2: source rows per key (one a day).</param>
/// <param name="S3Drivers">Scenario 3: driver ids.</param>
/// <param name="S3Hours">Scenario 3: hourly feature rows per driver.</param>
internal sealed record Sizes(int S1Drivers, int S1Hours, int S1EntityRows, int S2Keys, int S2Views, int S2FeaturesPerView,
    int S2TimesPerKey, int S3Drivers, int S3Hours)
{
    /// <summary>The sizes of the issue: 1M × 10M; 17k × 10 views × 100 features; 1 × 14M.</summary>
    public static Sizes Full { get; } = new(100_000, 100, 1_000_000, 17_000, 10, 100, 3, 100_000, 140);

    /// <summary>A tenth of the rows, for a smoke run.</summary>
    public static Sizes Quick { get; } = new(10_000, 100, 100_000, 1_700, 10, 100, 3, 10_000, 140);

    public long S1FeatureRows => (long)S1Drivers * S1Hours;

    public long S3FeatureRows => (long)S3Drivers * S3Hours;
}

/// <summary>
/// The generated Parquet files, written by DuckDB from <c>range(N)</c> with arithmetic only, so every run on every
/// machine produces the same rows. Files are cached under the data folder and named by their sizes; a missing file
/// is regenerated (written to a temp name first, so an interrupted run leaves nothing half-written behind).
/// </summary>
/// <remarks>
/// All feature sources are hourly (or daily) rows in time order, as appended logs are, with an event timestamp and
/// a created timestamp. In scenario 1 every tenth hour repeats the previous hour's event timestamp with a later
/// created timestamp, so deduplication decides which row wins. Float features are k / 10 for an integer k &lt; 10,000,
/// int64 features are integers &lt; 100,000.
/// </remarks>
internal sealed class DataSets
{
    /// <summary>The start of every generated period (naive timestamps, meaning UTC).</summary>
    public const string Start = "TIMESTAMP '2024-01-01 00:00:00'";

    /// <summary>The TTL of every view.</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromDays(1);

    private DataSets(string directory, Sizes sizes)
    {
        Directory = directory;
        Sizes = sizes;
        var s = sizes;
        S1Features = File($"s1-features-{s.S1Drivers}x{s.S1Hours}.parquet");
        S1Entities = File($"s1-entities-{s.S1EntityRows}-of-{s.S1Drivers}x{s.S1Hours}.parquet");
        S2Views = [.. Enumerable.Range(0, s.S2Views).Select(v => File($"s2-view{v}-{s.S2Keys}x{s.S2TimesPerKey}x{s.S2FeaturesPerView}.parquet"))];
        S2Entities = File($"s2-entities-{s.S2Keys}x{s.S2TimesPerKey}.parquet");
        S3Features = File($"s3-features-{s.S3Drivers}x{s.S3Hours}.parquet");
    }

    public string Directory { get; }

    public Sizes Sizes { get; }

    /// <summary>Scenario 1 source: driver_id, event_timestamp, created, f0, i0, ..., f4, i4.</summary>
    public string S1Features { get; }

    /// <summary>Scenario 1 entity rows: driver_id, event_timestamp (from 12 h before the period to 36 h after it).</summary>
    public string S1Entities { get; }

    /// <summary>Scenario 2 sources, one per view v: driver_id, event_timestamp, created, v{v}_f000 ... .</summary>
    public IReadOnlyList<string> S2Views { get; }

    /// <summary>Scenario 2 entity rows: driver_id (each key once), event_timestamp.</summary>
    public string S2Entities { get; }

    /// <summary>Scenario 3 source: driver_id, event_timestamp, created, f0..f5, i0..i4.</summary>
    public string S3Features { get; }

    /// <summary>Scenario 3's one entity row: a driver and a time half an hour into the period's last hour.</summary>
    public long S3Driver => Sizes.S3Drivers * 42L / 100;

    public DateTime S3Time => new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(Sizes.S3Hours - 1).AddMinutes(30);

    /// <summary>The feature columns of scenario 1: five float32 and five int64, interleaved.</summary>
    public static IReadOnlyList<FeatureColumn> S1Columns { get; } =
        [.. Enumerable.Range(0, 5).SelectMany(j => new[] { new FeatureColumn($"f{j}", true, j), new FeatureColumn($"i{j}", false, j) })];

    /// <summary>The feature columns of scenario 3: six float32 and five int64.</summary>
    public static IReadOnlyList<FeatureColumn> S3Columns { get; } =
        [.. Enumerable.Range(0, 6).Select(j => new FeatureColumn($"f{j}", true, j)), .. Enumerable.Range(0, 5).Select(j => new FeatureColumn($"i{j}", false, j))];

    /// <summary>The feature columns of scenario 2's view <paramref name="view"/>: float32 at even, int64 at odd positions.</summary>
    public IReadOnlyList<FeatureColumn> S2Columns(int view) =>
        [.. Enumerable.Range(0, Sizes.S2FeaturesPerView).Select(j => new FeatureColumn(
            string.Create(CultureInfo.InvariantCulture, $"v{view}_f{j:000}"), j % 2 == 0, (view * 1009) + j))];

    public static DataSets Open(BenchOptions options) =>
        new(Path.Combine(options.DataDirectory, "historical"), options.Quick ? Sizes.Quick : Sizes.Full);

    /// <summary>Writes every file that is missing.</summary>
    public void EnsureGenerated(TextWriter log)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var s = Sizes;
        Generate(log, S1Features, $"""
            SELECT d AS driver_id,
                   {Start} + to_seconds((h - CASE WHEN h % 10 = 9 THEN 1 ELSE 0 END) * 3600 + (d * 37) % 3600) AS event_timestamp,
                   {Start} + to_seconds(h * 3600 + (d * 37) % 3600 + 600) AS created,
                   {Values(S1Columns, "d", "h")}
            FROM (SELECT i // {s.S1Drivers} AS h, i % {s.S1Drivers} AS d FROM range({s.S1FeatureRows}) t(i))
            """);
        // 7919 is prime, so i * 7919 mod drivers visits every driver equally often.
        Generate(log, S1Entities, $"""
            SELECT (i * 7919) % {s.S1Drivers} AS driver_id,
                   {Start} - INTERVAL 12 HOUR + to_seconds((i * 104729) % {(s.S1Hours + 48) * 3600}) AS event_timestamp
            FROM range({s.S1EntityRows}) t(i)
            """);
        for (var v = 0; v < s.S2Views; v++)
        {
            Generate(log, S2Views[v], $"""
                SELECT k AS driver_id,
                       {Start} + to_seconds(t * 86400 + (k * 37 + {v * 101}) % 86400) AS event_timestamp,
                       {Start} + to_seconds(t * 86400 + (k * 37 + {v * 101}) % 86400 + 60) AS created,
                       {Values(S2Columns(v), "k", "t")}
                FROM (SELECT i // {s.S2Keys} AS t, i % {s.S2Keys} AS k FROM range({(long)s.S2Keys * s.S2TimesPerKey}) t(i))
                """);
        }
        Generate(log, S2Entities, $"""
            SELECT (i * 7919) % {s.S2Keys} AS driver_id,
                   {Start} + to_seconds((i * 104729) % {(s.S2TimesPerKey + 1) * 86400}) AS event_timestamp
            FROM range({s.S2Keys}) t(i)
            """);
        Generate(log, S3Features, $"""
            SELECT d AS driver_id,
                   {Start} + to_seconds(h * 3600 + (d * 37) % 3600) AS event_timestamp,
                   {Start} + to_seconds(h * 3600 + (d * 37) % 3600 + 600) AS created,
                   {Values(S3Columns, "d", "h")}
            FROM (SELECT i // {s.S3Drivers} AS h, i % {s.S3Drivers} AS d FROM range({s.S3FeatureRows}) t(i))
            """);
    }

    private static string Values(IEnumerable<FeatureColumn> columns, string key, string time) =>
        string.Join(",\n       ", columns.Select(c => c.IsFloat
            ? string.Create(CultureInfo.InvariantCulture, $"((({key} * 7 + {time} * 13 + {c.Seed * 101}) % 10000) / 10)::FLOAT AS {c.Name}")
            : string.Create(CultureInfo.InvariantCulture, $"(({key} * 11 + {time} * 17 + {c.Seed * 1009}) % 100000)::BIGINT AS {c.Name}")));

    private string File(string name) => Path.Combine(Directory, name);

    private static void Generate(TextWriter log, string path, string select)
    {
        if (System.IO.File.Exists(path))
            return;
        var temp = path + ".tmp";
        var start = Stopwatch.GetTimestamp();
        using (var connection = new DuckDBConnection("DataSource=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SET TimeZone = 'UTC'; COPY ({select}) TO {Literal(temp)} (FORMAT parquet)";
            command.ExecuteNonQuery();
        }
        System.IO.File.Move(temp, path, overwrite: true);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  generated {Path.GetFileName(path)} ({new FileInfo(path).Length / 1e6:F0} MB) in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s"));
    }

    /// <summary>A SQL string literal.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}

/// <summary>A generated feature column: its name, whether it is float32 (else int64), and its value seed.</summary>
internal sealed record FeatureColumn(string Name, bool IsFloat, int Seed);
