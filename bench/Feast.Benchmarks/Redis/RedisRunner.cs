using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Feast.Benchmarks.Harness;
using Feast.Benchmarks.Materialize;
using Feast.DuckDb;
using Feast.Redis;
using StackExchange.Redis;

namespace Feast.Benchmarks.Redis;

/// <summary>
/// <c>redis</c>: <c>FeatureStore.MaterializeAsync</c> of N entity rows × 10 features (the materialize benchmark's
/// data) into a single Redis and into a 3-master Redis Cluster, each as a ratio to <c>redis-benchmark -P 16 -t hset</c>
/// HSET throughput measured against the same server in the same run.
/// </summary>
/// <remarks>
/// The servers are the test servers (<c>source eng/services.sh &amp;&amp; start_test_services</c> sets
/// <c>FEAST_TEST_REDIS</c> and <c>FEAST_TEST_REDIS_CLUSTER</c>); every run starts from an empty keyspace (FLUSHALL).
/// Runs are in this process, one after the other: baseline, Feast.NET with Feast's default dedup (an HGET of
/// <c>_ts</c> per row, then HSET), Feast.NET with <c>skip_dedup: true</c> (HSET only).
/// </remarks>
internal static partial class RedisRunner
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var single = Environment.GetEnvironmentVariable("FEAST_TEST_REDIS");
        var cluster = Environment.GetEnvironmentVariable("FEAST_TEST_REDIS_CLUSTER");
        if (string.IsNullOrEmpty(single) || string.IsNullOrEmpty(cluster))
        {
            await Console.Error.WriteLineAsync("FEAST_TEST_REDIS and FEAST_TEST_REDIS_CLUSTER are not set: run `source eng/services.sh && start_test_services` first.");
            return 1;
        }
        var machine = MachineInfo.Collect();
        Console.WriteLine(machine.ToMarkdown());
        var rows = options.Rows ?? (options.Quick ? 100_000 : 1_000_000);
        var data = MaterializeData.Open(options, rows);
        data.EnsureGenerated(Console.Out);
        var reps = options.Reps ?? 1;
        var started = Stopwatch.GetTimestamp();

        // Untimed warm-up (JIT, DuckDB start-up) so the first timed case is not penalized.
        await FlushAsync(single);
        await MaterializeAsync(options, data, single, false, true);
        await FlushAsync(single);

        var results = new List<TargetResult>();
        foreach (var (name, connection, isCluster) in new[] { ("single redis-server", single, false), ("3-master Redis Cluster", cluster, true) })
        {
            Console.WriteLine($"\n{name} ({connection}), {rows:N0} entity rows, {reps} run(s) each");
            var result = new TargetResult(name, connection);
            for (var rep = 0; rep < reps; rep++)
            {
                await FlushAsync(connection);
                var hset = RedisBenchmarkHset(connection, isCluster);
                result.Baseline.Add(hset);
                Console.WriteLine(Invariant($"  redis-benchmark HSET: {hset:N0} requests/s"));
                foreach (var skipDedup in new[] { false, true })
                {
                    await FlushAsync(connection);
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    var (elapsed, written) = await MaterializeAsync(options, data, connection, isCluster, skipDedup);
                    var cpuPerRow = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / written;
                    var rate = written / elapsed.TotalSeconds;
                    (skipDedup ? result.SkipDedup : result.Dedup).Add(rate);
                    (skipDedup ? result.SkipDedupCpu : result.DedupCpu).Add(cpuPerRow);
                    Console.WriteLine(Invariant($"  Feast.NET materialize{(skipDedup ? " (skip_dedup)" : "")}: {written:N0} rows in {elapsed.TotalSeconds:F1} s = {rate:N0} rows/s = {rate / hset:P0} of HSET; client CPU {cpuPerRow:F1} µs/row"));
                    await VerifyAsync(connection, data, written);
                }
                foreach (var skipDedup in new[] { false, true })
                {
                    await FlushAsync(connection);
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    var (elapsed, written) = await StoreWriteAsync(data, connection, isCluster, skipDedup);
                    var cpuPerRow = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / written; // includes building the rows
                    var rate = written / elapsed.TotalSeconds;
                    (skipDedup ? result.StoreSkipDedup : result.StoreDedup).Add(rate);
                    Console.WriteLine(Invariant($"  diagnostic, RedisOnlineStore.WriteBatchAsync only{(skipDedup ? " (skip_dedup)" : "")}: {rate:N0} rows/s = {rate / hset:P0} of HSET; client CPU {cpuPerRow:F1} µs/row incl. building the rows"));
                    await VerifyAsync(connection, data, written);
                }
            }
            await FlushAsync(connection);
            results.Add(result);
        }

        var report = Report(options, machine, rows, reps, results, Stopwatch.GetElapsedTime(started));
        var output = options.OutputFile ?? (options.Quick || options.Rows is not null
            ? Path.Combine(options.DataDirectory, options.Quick ? "redis-quick.md" : Invariant($"redis-{rows}.md"))
            : Path.Combine(BenchOptions.RepoRoot(), "bench", "results", "redis.md"));
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, report);
        Console.WriteLine();
        Console.WriteLine(report);
        Console.WriteLine($"Report written to {output}");
        return 0;
    }

    /// <summary>A repo with the Redis online store; applies the view, then times <c>MaterializeAsync</c> and disposal.</summary>
    private static async Task<(TimeSpan Elapsed, long Rows)> MaterializeAsync(BenchOptions options, MaterializeData data, string connection, bool cluster, bool skipDedup)
    {
        var repo = Path.Combine(options.DataDirectory, "redis-repo-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(repo, "data"));
        try
        {
            await File.WriteAllTextAsync(Path.Combine(repo, "feature_store.yaml"), $"""
                project: {MaterializeData.Project}
                registry: data/registry.db
                provider: local
                online_store:
                  type: redis
                  redis_type: {(cluster ? "redis_cluster" : "redis")}
                  connection_string: "{connection}"
                  skip_dedup: {(skipDedup ? "true" : "false")}
                offline_store:
                  type: duckdb
                entity_key_serialization_version: 3
                """);
            var store = FeatureStore.Open(repo, options: new FeatureStoreOptions().UseDuckDb().UseRedis());
            var view = MaterializeRuns.View(data);
            await store.ApplyAsync([new Project(MaterializeData.Project), new Entity("driver", [MaterializeData.JoinKey], ValueType.Int64), view.BatchSource, view]);
            var watch = Stopwatch.StartNew();
            var results = await store.MaterializeAsync(MaterializeData.Start, MaterializeData.End, [MaterializeData.ViewName]);
            await store.DisposeAsync();
            return (watch.Elapsed, results.Sum(r => r.Rows));
        }
        finally
        {
            Directory.Delete(repo, recursive: true);
        }
    }

    /// <summary>
    /// Diagnostic: the same rows built in memory beforehand (8192-row batches of keys and Values, as the materializer
    /// hands them over; not timed), then only <c>RedisOnlineStore.WriteBatchAsync</c> timed.
    /// </summary>
    private static async Task<(TimeSpan Elapsed, long Rows)> StoreWriteAsync(MaterializeData data, string connection, bool cluster, bool skipDedup)
    {
        var view = MaterializeRuns.View(data);
        var names = MaterializeData.Columns.Select(c => c.Name).ToArray();
        var batches = new List<Online.OnlineWriteBatch>();
        var values = new Protos.Types.Value?[names.Length];
        for (long start = 0; start < data.Rows; start += 8192)
        {
            var batch = new Online.OnlineWriteBatch(names, 8192);
            for (var d = start; d < Math.Min(data.Rows, start + 8192); d++)
            {
                for (var c = 0; c < names.Length; c++)
                {
                    values[c] = MaterializeData.Columns[c].IsFloat
                        ? new Protos.Types.Value { FloatVal = (d * 7 + c * 101) % 10000 / 10f }
                        : new Protos.Types.Value { Int64Val = (d * 11 + c * 1009) % 100000 };
                }
                batch.Add(Values.EntityKeySerializer.Serialize(MaterializeData.JoinKey, new Protos.Types.Value { Int64Val = d }), values,
                    MaterializeData.Start.AddSeconds(d * 37 % 86400));
            }
            batches.Add(batch);
        }
        await using var store = new RedisOnlineStore(new Configuration.RedisOnlineStoreOptions
        {
            ConnectionString = connection,
            RedisType = cluster ? Configuration.RedisType.RedisCluster : Configuration.RedisType.Redis,
            SkipDedup = skipDedup,
        });
        await store.UpdateAsync(MaterializeData.Project, [view], []);
        var watch = Stopwatch.StartNew();
        foreach (var batch in batches)
            await store.WriteBatchAsync(MaterializeData.Project, view, batch);
        return (watch.Elapsed, batches.Sum(b => (long)b.Count));
    }

    /// <summary>Every entity row is one hash: the keyspace holds exactly N keys after a run.</summary>
    private static async Task VerifyAsync(string connection, MaterializeData data, long written)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connection + ",allowAdmin=true");
        long keys = 0;
        foreach (var server in redis.GetServers().Where(s => !s.IsReplica))
            keys += await server.DatabaseSizeAsync();
        if (keys != data.Rows || written != data.Rows)
            throw new InvalidOperationException($"Expected {data.Rows} hashes, found {keys} ({written} rows reported written).");
    }

    private static async Task FlushAsync(string connection)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connection + ",allowAdmin=true");
        foreach (var server in redis.GetServers().Where(s => !s.IsReplica))
            await server.FlushAllDatabasesAsync();
    }

    /// <summary>Runs <c>redis-benchmark -P 16 -t hset -n 1000000 -r 1000000 -q</c> against the first server and parses requests/s.</summary>
    private static double RedisBenchmarkHset(string connection, bool cluster)
    {
        var first = connection.Split(',')[0];
        var colon = first.LastIndexOf(':');
        var arguments = new List<string> { "-h", first[..colon], "-p", first[(colon + 1)..], "-P", "16", "-t", "hset", "-n", "1000000", "-r", "1000000", "-q" };
        if (cluster) arguments.Add("--cluster");
        var start = new ProcessStartInfo("redis-benchmark", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-benchmark did not start");
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        // -q prints progress lines ending in '\r' and then "HSET: 123456.78 requests per second, p50=…".
        var matches = HsetRate().Matches(output);
        if (process.ExitCode != 0 || matches.Count == 0)
            throw new InvalidOperationException($"redis-benchmark failed ({process.ExitCode}): {output}");
        return double.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"HSET: ([0-9.]+) requests per second")]
    private static partial Regex HsetRate();

    private static string Report(BenchOptions options, MachineInfo machine, long rows, int reps, List<TargetResult> results, TimeSpan elapsed)
    {
        var md = new StringBuilder();
        md.AppendLine("# Redis online store: materialization benchmark").AppendLine();
        md.AppendLine(Invariant($"Generated by `source eng/services.sh && start_test_services && dotnet run -c Release --project bench/Feast.Benchmarks -- {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}` on {TimeProvider.System.GetUtcNow():yyyy-MM-dd}; the run took {elapsed.TotalMinutes:F1} min."));
        md.AppendLine();
        md.AppendLine(Invariant($"`FeatureStore.MaterializeAsync` of {rows:N0} entity rows × 10 features (DuckDB reads the Parquet source; each entity row is one Redis hash of 10 feature fields and `_ts:driver_stats`) ")
            + "against `redis-benchmark -P 16 -t hset -n 1000000 -r 1000000 -q` (50 clients, 16-deep pipelines, one single-field HSET per request; `--cluster` for the cluster) on the same server, right before. "
            + "Each run starts from an empty keyspace and is checked to leave exactly one hash per entity row. "
            + "Feast.NET's rate is entity rows per second, wall time of `MaterializeAsync` (offline read included) and disposing the store; medians over the runs.");
        md.AppendLine();
        md.AppendLine(machine.ToMarkdown());
        md.AppendLine();
        md.AppendLine("| target | redis-benchmark HSET req/s | Feast.NET rows/s (dedup, Feast's default) | ratio | client CPU µs/row | Feast.NET rows/s (`skip_dedup: true`) | ratio | client CPU µs/row |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var hset = Stats.Median(r.Baseline);
            var dedup = Stats.Median(r.Dedup);
            var skip = Stats.Median(r.SkipDedup);
            md.AppendLine(Invariant($"| {r.Name} | {hset:N0} | {dedup:N0} | **{dedup / hset:P0}** | {Stats.Median(r.DedupCpu):F1} | {skip:N0} | **{skip / hset:P0}** | {Stats.Median(r.SkipDedupCpu):F1} |"));
        }
        md.AppendLine();
        md.AppendLine("Diagnostic: the same rows prepared in memory first (8192-row batches of keys and `Value`s, as the materializer hands them over), then only `RedisOnlineStore.WriteBatchAsync` timed:");
        md.AppendLine();
        md.AppendLine("| target | store writes rows/s (dedup) | ratio | store writes rows/s (`skip_dedup`) | ratio |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var hset = Stats.Median(r.Baseline);
            md.AppendLine(Invariant($"| {r.Name} | {Stats.Median(r.StoreDedup):N0} | {Stats.Median(r.StoreDedup) / hset:P0} | {Stats.Median(r.StoreSkipDedup):N0} | {Stats.Median(r.StoreSkipDedup) / hset:P0} |"));
        }
        md.AppendLine();
        md.AppendLine(Invariant($"Runs per target: {reps}. All runs (req/s or rows/s):"));
        md.AppendLine();
        foreach (var r in results)
        {
            md.AppendLine(Invariant($"- {r.Name}: HSET {string.Join(", ", r.Baseline.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))}; dedup {string.Join(", ", r.Dedup.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))}; skip_dedup {string.Join(", ", r.SkipDedup.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))}"));
        }
        return md.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record TargetResult(string Name, string Connection)
    {
        public List<double> Baseline { get; } = [];

        public List<double> Dedup { get; } = [];

        public List<double> SkipDedup { get; } = [];

        public List<double> DedupCpu { get; } = [];

        public List<double> SkipDedupCpu { get; } = [];

        public List<double> StoreDedup { get; } = [];

        public List<double> StoreSkipDedup { get; } = [];
    }
}
