using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Feast.Benchmarks.Harness;
using Feast.Benchmarks.Historical;

namespace Feast.Benchmarks.OnlineRead;

/// <summary>A request shape: entity rows per request, and how many requests warm up and are measured.</summary>
internal sealed record Shape(string Name, int Entities, int Warmup, int Measured);

/// <summary>
/// The online-read setup: 5 feature views × 10 features (float32/int64 interleaved) over 10k drivers, each view over
/// its own Parquet source (one row per driver), applied to a repo under <c>bench/.data/online/</c> and materialized
/// with <c>MaterializeAsync</c> before the runs. Requests draw drivers from a fixed seed, so every case (and the raw
/// baseline) asks for the same keys in the same order.
/// </summary>
internal sealed class OnlineData
{
    public const int Views = 5;

    public const string Project = "bench";

    public const string JoinKey = "driver_id";

    public static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private OnlineData(string directory, int entities, bool quick)
    {
        Directory = directory;
        Entities = entities;
        Repo = Path.Combine(directory, "repo");
        var scale = quick ? 10 : 1;
        OneEntity = new Shape("1x50", 1, 2_000 / scale, 20_000 / scale);
        HundredEntities = new Shape("100x50", 100, 200 / scale, 2_000 / scale);
    }

    public string Directory { get; }

    /// <summary>Drivers materialized per view.</summary>
    public int Entities { get; }

    /// <summary>The repo (feature_store.yaml, registry, online.db).</summary>
    public string Repo { get; }

    /// <summary>1 entity × 50 features: 20k measured requests (2k with --quick) after 2k warm-up ones.</summary>
    public Shape OneEntity { get; }

    /// <summary>100 entities × 50 features: 2k measured requests (200 with --quick) after 200 warm-up ones.</summary>
    public Shape HundredEntities { get; }

    /// <summary>The features of view <paramref name="view"/>: <c>v{view}_f0, v{view}_i0, …</c> (float32, int64 interleaved).</summary>
    public static IReadOnlyList<FeatureColumn> Columns(int view) =>
        [.. DataSets.S1Columns.Select(c => c with { Name = string.Create(CultureInfo.InvariantCulture, $"v{view}_{c.Name}"), Seed = c.Seed + (view * 10) })];

    public static string ViewName(int view) => string.Create(CultureInfo.InvariantCulture, $"v{view}");

    /// <summary>The 50 feature references of every request, view by view (the order of the response columns).</summary>
    public static IReadOnlyList<string> FeatureReferences { get; } =
        [.. Enumerable.Range(0, Views).SelectMany(v => Columns(v).Select(c => $"{ViewName(v)}:{c.Name}"))];

    public static OnlineData Open(BenchOptions options) =>
        new(Path.Combine(options.DataDirectory, "online"), 10_000, options.Quick);

    public string Source(int view) => Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"v{view}-{Entities}.parquet"));

    /// <summary>
    /// The ids of <paramref name="shape"/>'s requests, warm-up ones first: one driver per request, or distinct drivers
    /// per request for the multi-entity shape. Fixed seed, so the same in every process.
    /// </summary>
    public long[][] Requests(Shape shape)
    {
        var random = new Random(20_261_128 + shape.Entities);
        var requests = new long[shape.Warmup + shape.Measured][];
        var picked = new HashSet<long>();
        for (var r = 0; r < requests.Length; r++)
        {
            picked.Clear();
            var ids = new long[shape.Entities];
            for (var i = 0; i < ids.Length; i++)
            {
                long id;
                do
                    id = random.Next(Entities);
                while (!picked.Add(id));
                ids[i] = id;
            }
            requests[r] = ids;
        }
        return requests;
    }

    /// <summary>Writes the sources (if missing) and a fresh repo with every view applied and materialized. Not measured.</summary>
    public async Task PrepareAsync(TextWriter log)
    {
        System.IO.Directory.CreateDirectory(Directory);
        for (var v = 0; v < Views; v++)
            Generate(log, v);

        var start = Stopwatch.GetTimestamp();
        if (System.IO.Directory.Exists(Repo))
            System.IO.Directory.Delete(Repo, recursive: true);
        BenchRepo.Create(Repo, Project);
        await using var store = BenchRepo.Open(Repo);
        var driver = new Entity("driver", [JoinKey], ValueType.Int64);
        var objects = new List<FeastObject> { new Project(Project), driver };
        for (var v = 0; v < Views; v++)
        {
            var source = new FileSource(Source(v), "event_timestamp", name: $"{ViewName(v)}_source", createdTimestampColumn: "created");
            var schema = Columns(v).Select(c => new Field(c.Name, c.IsFloat ? FeastType.Float32 : FeastType.Int64)).Prepend(new Field(JoinKey, FeastType.Int64));
            objects.Add(source);
            objects.Add(new FeatureView(ViewName(v), source, [driver], TimeSpan.FromDays(1), schema));
        }
        await store.ApplyAsync(objects, new Feast.Planning.ApplyOptions { SkipSourceValidation = true });
        var results = await store.MaterializeAsync(Start, Start.AddDays(1));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  repo {Repo}: {results.Count} views, {results.Sum(r => r.Rows):N0} entity rows materialized in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s"));
    }

    private void Generate(TextWriter log, int view)
    {
        var path = Source(view);
        if (File.Exists(path))
            return;
        var values = string.Join(",\n       ", Columns(view).Select(c => c.IsFloat
            ? string.Create(CultureInfo.InvariantCulture, $"(((d * 7 + {c.Seed * 101}) % 10000) / 10)::FLOAT AS {c.Name}")
            : string.Create(CultureInfo.InvariantCulture, $"((d * 11 + {c.Seed * 1009}) % 100000)::BIGINT AS {c.Name}")));
        using (var connection = new DuckDBConnection("DataSource=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SET TimeZone = 'UTC';
                COPY (
                  SELECT d AS driver_id,
                         {DataSets.Start} + to_seconds((d * 37 + {view * 101}) % 86400) AS event_timestamp,
                         {DataSets.Start} + to_seconds((d * 37 + {view * 101}) % 86400 + 600) AS created,
                         {values}
                  FROM range({Entities}) t(d)
                ) TO {DataSets.Literal(path + ".tmp")} (FORMAT parquet)
                """;
            command.ExecuteNonQuery();
        }
        File.Move(path + ".tmp", path, overwrite: true);
        log.WriteLine($"  generated {Path.GetFileName(path)}");
    }
}
