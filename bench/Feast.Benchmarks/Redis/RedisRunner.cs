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
/// data) into a single Redis and into a 3-master Redis Cluster, each as a ratio to two <c>redis-benchmark -P 16</c>
/// baselines measured against the same server in the same run: single-field HSETs (<c>-t hset</c>, what the issue's
/// goal is stated against) and HSETs of our entity row's shape (11 fields, keys as long as ours: the equal-work
/// comparison). Each timed case also reports the CPU time of the redis-server processes per row (or request).
/// </summary>
/// <remarks>
/// The servers are the test servers (<c>source eng/services.sh &amp;&amp; start_test_services</c> sets
/// <c>FEAST_TEST_REDIS</c> and <c>FEAST_TEST_REDIS_CLUSTER</c>); every run starts from an empty keyspace (FLUSHALL).
/// Runs are in this process, one after the other: the two baselines, Feast.NET with Feast's default dedup (an HGET
/// of <c>_ts</c> per row, then HSET), Feast.NET with <c>skip_dedup: true</c> (HSET only). Server CPU is read from
/// <c>/proc/&lt;pid&gt;/stat</c>, so it needs the servers to be local processes (it reads n/a otherwise).
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

        var clockTicks = ClockTicksPerSecond();
        var results = new List<TargetResult>();
        var comparisons = new List<WriterComparison>();
        foreach (var (name, connection, isCluster) in new[] { ("single redis-server", single, false), ("3-master Redis Cluster", cluster, true) })
        {
            Console.WriteLine($"\n{name} ({connection}), {rows:N0} entity rows, {reps} run(s) each");
            var pids = await ServerPidsAsync(connection);
            var rowShaped = RowShapedHset(isCluster, Math.Min(rows, 300_000));
            var result = new TargetResult(name, connection, rowShaped);
            var comparison = new WriterComparison(name);
            var batches = Batches(data);
            Console.WriteLine($"  redis-server pids {string.Join(", ", pids)}; row-shaped baseline: redis-benchmark {string.Join(' ', rowShaped)}");
            for (var rep = 0; rep < reps; rep++)
            {
                await FlushAsync(connection);
                var (hset, hsetCpu) = RedisBenchmark(connection, isCluster, ["-t", "hset", "-n", "1000000"], pids, clockTicks);
                result.Baseline.Add(hset);
                result.BaselineServerCpu.Add(hsetCpu);
                Console.WriteLine(Invariant($"  redis-benchmark HSET (1 field): {hset:N0} requests/s; server CPU {Cpu(hsetCpu)} µs/request"));
                await FlushAsync(connection);
                var (rowHset, rowHsetCpu) = RedisBenchmark(connection, isCluster, rowShaped, pids, clockTicks);
                result.RowShaped.Add(rowHset);
                result.RowShapedServerCpu.Add(rowHsetCpu);
                Console.WriteLine(Invariant($"  redis-benchmark row-shaped HSET (11 fields): {rowHset:N0} requests/s = {rowHset / hset:P0} of 1-field HSET; server CPU {Cpu(rowHsetCpu)} µs/request"));
                await FlushAsync(connection);
                foreach (var skipDedup in new[] { false, true })
                {
                    await FlushAsync(connection);
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    var serverCpu = ServerCpuTicks(pids);
                    var (elapsed, written) = await MaterializeAsync(options, data, connection, isCluster, skipDedup);
                    var serverCpuPerRow = MicrosecondsPer(serverCpu, ServerCpuTicks(pids), clockTicks, written);
                    var cpuPerRow = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / written;
                    var rate = written / elapsed.TotalSeconds;
                    (skipDedup ? result.SkipDedup : result.Dedup).Add(rate);
                    (skipDedup ? result.SkipDedupCpu : result.DedupCpu).Add(cpuPerRow);
                    (skipDedup ? result.SkipDedupServerCpu : result.DedupServerCpu).Add(serverCpuPerRow);
                    Console.WriteLine(Invariant($"  Feast.NET materialize{(skipDedup ? " (skip_dedup)" : "")}: {written:N0} rows in {elapsed.TotalSeconds:F1} s = {rate:N0} rows/s = {rate / hset:P0} of 1-field HSET, {rate / rowHset:P0} of row-shaped HSET; client CPU {cpuPerRow:F1} µs/row, server CPU {Cpu(serverCpuPerRow)} µs/row"));
                    await VerifyAsync(connection, data, written);
                }
                foreach (var skipDedup in new[] { false, true })
                {
                    await FlushAsync(connection);
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    var serverCpu = ServerCpuTicks(pids);
                    var (elapsed, written) = await StoreWriteAsync(data, connection, isCluster, skipDedup);
                    var serverCpuPerRow = MicrosecondsPer(serverCpu, ServerCpuTicks(pids), clockTicks, written);
                    var cpuPerRow = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / written; // includes building the rows
                    var rate = written / elapsed.TotalSeconds;
                    (skipDedup ? result.StoreSkipDedup : result.StoreDedup).Add(rate);
                    (skipDedup ? result.StoreSkipDedupServerCpu : result.StoreDedupServerCpu).Add(serverCpuPerRow);
                    Console.WriteLine(Invariant($"  diagnostic, RedisOnlineStore.WriteBatchAsync only{(skipDedup ? " (skip_dedup)" : "")}: {rate:N0} rows/s = {rate / hset:P0} of 1-field HSET, {rate / rowHset:P0} of row-shaped HSET; client CPU {cpuPerRow:F1} µs/row incl. building the rows, server CPU {Cpu(serverCpuPerRow)} µs/row"));
                    await VerifyAsync(connection, data, written);
                }
                foreach (var skipDedup in new[] { false, true })
                    await CompareWritersAsync(comparison, data, batches, connection, isCluster, skipDedup);
            }
            await FlushAsync(connection);
            results.Add(result);
            comparisons.Add(comparison);
        }

        var report = Report(options, machine, rows, reps, clockTicks, results, Stopwatch.GetElapsedTime(started)) + Environment.NewLine + WriterComparisonReport(comparisons);
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
    /// Diagnostic: the same rows built in memory beforehand (8192-row batches of keys and Value objects, as a push or
    /// write_to_online_store hands them over; not timed), then only <c>RedisOnlineStore.WriteBatchAsync</c> timed.
    /// </summary>
    private static Task<(TimeSpan Elapsed, long Rows)> StoreWriteAsync(MaterializeData data, string connection, bool cluster, bool skipDedup) =>
        StoreWriteAsync(MaterializeRuns.View(data), Batches(data), connection, cluster, skipDedup);

    /// <summary>The materialize data's rows as 8192-row batches of keys and <c>Value</c> objects, as a push hands them over.</summary>
    private static List<Online.OnlineWriteBatch> Batches(MaterializeData data)
    {
        var names = MaterializeData.Columns.Select(c => c.Name).ToArray();
        var batches = new List<Online.OnlineWriteBatch>();
        var values = new FeatureValue[names.Length];
        for (long start = 0; start < data.Rows; start += 8192)
        {
            var batch = new Online.OnlineWriteBatch(names, 8192);
            for (var d = start; d < Math.Min(data.Rows, start + 8192); d++)
            {
                for (var c = 0; c < names.Length; c++)
                {
                    values[c] = MaterializeData.Columns[c].IsFloat
                        ? FeatureValue.FromFloat((d * 7 + c * 101) % 10000 / 10f)
                        : FeatureValue.FromInt64((d * 11 + c * 1009) % 100000);
                }
                batch.Add(Values.EntityKeySerializer.Serialize(MaterializeData.JoinKey, FeatureValue.FromInt64(d)), values,
                    MaterializeData.Start.AddSeconds(d * 37 % 86400));
            }
            batches.Add(batch);
        }
        return batches;
    }

    /// <summary>Times only <c>RedisOnlineStore.WriteBatchAsync</c> (the store's own RESP writer) of <paramref name="batches"/>.</summary>
    private static async Task<(TimeSpan Elapsed, long Rows)> StoreWriteAsync(FeatureView view, List<Online.OnlineWriteBatch> batches, string connection, bool cluster,
        bool skipDedup)
    {
        await using var store = new RedisOnlineStore(new RedisOnlineStoreOptions
        {
            ConnectionString = connection,
            RedisType = cluster ? Feast.Redis.RedisType.RedisCluster : Feast.Redis.RedisType.Redis,
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

    /// <summary>
    /// <c>redis-benchmark</c> arguments for the row-shaped baseline: one HSET per request of the shape Feast.NET writes
    /// per entity row (see <c>FeastRedisLayout</c>): a key as long as ours (the serialized entity key of an int64
    /// <c>driver_id</c>, then the project name), ten fields as long as our feature fields (4-byte murmur hashes) with
    /// 4-byte values (ours are protobuf <c>Value</c>s of 3 to 5 bytes), and <c>_ts:driver_stats</c> holding as many bytes
    /// as our serialized event time. redis-benchmark rewrites <c>__rand_int__</c> in place with 12 digits and, with
    /// <c>--cluster</c>, <c>{tag}</c> with a 5-byte hash tag of a slot of the node the client talks to (without it,
    /// every key not on that node gets MOVED and redis-benchmark stops), so the key keeps its length. Field names and
    /// values are letters, not digits, so that Redis stores them as strings, as it does our binary ones.
    /// </summary>
    private static string[] RowShapedHset(bool cluster, long requests)
    {
        const string RandInt = "__rand_int__";
        var keyLength = FeastRedisLayout.Key(Values.EntityKeySerializer.Serialize(MaterializeData.JoinKey, FeatureValue.FromInt64(1)), MaterializeData.Project).Length;
        var tag = cluster ? "{tag}" : "";
        var arguments = new List<string>
        {
            "-n", requests.ToString(CultureInfo.InvariantCulture), "HSET", tag + RandInt + new string('k', keyLength - tag.Length - RandInt.Length),
        };
        for (var c = 0; c < MaterializeData.Columns.Count; c++)
        {
            arguments.Add(new string((char)('a' + c), FeastRedisLayout.FeatureField(MaterializeData.ViewName, MaterializeData.Columns[c].Name).Length));
            arguments.Add("vvvv");
        }
        arguments.Add(Encoding.ASCII.GetString(FeastRedisLayout.TimestampField(MaterializeData.ViewName)));
        arguments.Add(new string('t', FeastRedisLayout.TimestampValue(MaterializeData.Start).Length));
        return [.. arguments];
    }

    /// <summary>
    /// Runs <c>redis-benchmark -h H -p P -P 16 -r 1000000 -q</c> (<c>--cluster</c> for the cluster) with
    /// <paramref name="workload"/> against the first server; returns its requests/s and the servers' CPU per request.
    /// </summary>
    private static (double Rate, double ServerCpu) RedisBenchmark(string connection, bool cluster, string[] workload, int[] pids, double clockTicks)
    {
        var first = connection.Split(',')[0];
        var colon = first.LastIndexOf(':');
        var arguments = new List<string> { "-h", first[..colon], "-p", first[(colon + 1)..], "-P", "16", "-r", "1000000", "-q" };
        if (cluster) arguments.Add("--cluster");
        arguments.AddRange(workload); // last: a custom command takes the rest of the command line
        var requests = long.Parse(workload[Array.IndexOf(workload, "-n") + 1], CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo("redis-benchmark", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        var serverCpu = ServerCpuTicks(pids);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-benchmark did not start");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd() + error.GetAwaiter().GetResult();
        process.WaitForExit();
        var serverCpuPerRequest = MicrosecondsPer(serverCpu, ServerCpuTicks(pids), clockTicks, requests);
        // -q prints progress lines ending in '\r' and then "<command>: 123456.78 requests per second, p50=…", where
        // <command> is "HSET" for -t hset and the whole command line for a custom command.
        var matches = RequestsPerSecond().Matches(output);
        if (process.ExitCode != 0 || matches.Count == 0)
            throw new InvalidOperationException($"redis-benchmark failed ({process.ExitCode}): {output}");
        return (double.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture), serverCpuPerRequest);
    }

    [GeneratedRegex(@"([0-9.]+) requests per second")]
    private static partial Regex RequestsPerSecond();

    /// <summary>The process id of every redis-server of the target (<c>INFO server</c>, <c>process_id</c>).</summary>
    private static async Task<int[]> ServerPidsAsync(string connection)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connection + ",allowAdmin=true");
        var pids = new List<int>();
        foreach (var server in redis.GetServers())
        {
            var info = await server.InfoAsync("server");
            var pid = info.SelectMany(section => section).First(entry => entry.Key == "process_id").Value;
            pids.Add(int.Parse(pid, CultureInfo.InvariantCulture));
        }
        return [.. pids];
    }

    /// <summary>
    /// The CPU time (user + system, fields 14 and 15 of <c>/proc/&lt;pid&gt;/stat</c>, in clock ticks) of all
    /// <paramref name="pids"/> together, or NaN when one is not a local redis-server (e.g. a server in a container or on
    /// another host, whose pid means something else here).
    /// </summary>
    private static double ServerCpuTicks(int[] pids)
    {
        double ticks = 0;
        foreach (var pid in pids)
        {
            string stat;
            try
            {
                stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            }
            catch (IOException)
            {
                return double.NaN;
            }
            catch (UnauthorizedAccessException)
            {
                return double.NaN;
            }
            // "pid (comm) state ppid …": comm may hold spaces, so count the fields after its closing parenthesis,
            // which start at field 3.
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            var command = open >= 0 && close > open ? stat[(open + 1)..close] : "";
            if (!command.Contains("redis", StringComparison.Ordinal) && !command.Contains("valkey", StringComparison.Ordinal))
                return double.NaN;
            var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            ticks += double.Parse(fields[14 - 3], CultureInfo.InvariantCulture) + double.Parse(fields[15 - 3], CultureInfo.InvariantCulture);
        }
        return ticks;
    }

    private static double MicrosecondsPer(double ticksBefore, double ticksAfter, double clockTicks, long count) =>
        (ticksAfter - ticksBefore) / clockTicks * 1e6 / count;

    /// <summary>Clock ticks per second of <c>/proc/&lt;pid&gt;/stat</c> (<c>getconf CLK_TCK</c>; 100 if that fails).</summary>
    private static double ClockTicksPerSecond()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("getconf", ["CLK_TCK"]) { RedirectStandardOutput = true });
            var output = process?.StandardOutput.ReadToEnd();
            process?.WaitForExit();
            return double.TryParse(output, NumberStyles.Integer | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var ticks) && ticks > 0 ? ticks : 100;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return 100;
        }
    }

    private static string Cpu(double microseconds) => double.IsNaN(microseconds) ? "n/a" : microseconds.ToString("F1", CultureInfo.InvariantCulture);

    private static string Report(BenchOptions options, MachineInfo machine, long rows, int reps, double clockTicks, List<TargetResult> results, TimeSpan elapsed)
    {
        var md = new StringBuilder();
        md.AppendLine("# Redis online store: materialization benchmark").AppendLine();
        md.AppendLine(Invariant($"Generated by `source eng/services.sh && start_test_services && dotnet run -c Release --project bench/Feast.Benchmarks -- {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}` on {TimeProvider.System.GetUtcNow():yyyy-MM-dd}; the run took {elapsed.TotalMinutes:F1} min."));
        md.AppendLine();
        md.AppendLine(Invariant($"`FeatureStore.MaterializeAsync` of {rows:N0} entity rows × 10 features (DuckDB reads the Parquet source; each entity row is one Redis hash of 10 feature fields and `_ts:driver_stats`, written with one HSET) ")
            + "against two `redis-benchmark` baselines (50 clients, 16-deep pipelines, `-r 1000000`, `--cluster` for the cluster), each run on the same server(s) right before and from an empty keyspace:");
        md.AppendLine();
        md.AppendLine("- **1-field HSET**: `redis-benchmark -P 16 -t hset -n 1000000 -r 1000000 -q`, one HSET of one field per request. The issue's goal is stated against this rate.");
        md.AppendLine("- **row-shaped HSET**: `redis-benchmark -P 16 -r 1000000 -q -n N HSET <key> <11 field/value pairs>`, one HSET per request of the shape Feast.NET writes per entity row: "
            + "a key as long as ours (serialized entity key, then the project name; `__rand_int__` in it, plus `{tag}` on the cluster so that each client's keys hash to its node), "
            + "ten fields as long as our feature fields (4-byte hashes) with 4-byte values (ours: 3 to 5 bytes), and `_ts:driver_stats` with a value as long as our serialized event time. "
            + "This is the equal-work comparison: in this run redis-benchmark itself writes rows of this shape at "
            + string.Join(" and ", results.Select(r => Invariant($"{Stats.Median(r.RowShaped) / Stats.Median(r.Baseline):P0} of its 1-field rate on the {r.Name}")))
            + ". Commands: " + string.Join("; ", results.Select(r => $"{r.Name}: `redis-benchmark -h H -p P -P 16 -r 1000000 -q{(r.Connection.Contains(',', StringComparison.Ordinal) ? " --cluster" : "")} {string.Join(' ', r.RowShapedArguments)}`")) + ".");
        md.AppendLine();
        md.AppendLine("Each Feast.NET run starts from an empty keyspace and is checked to leave exactly one hash per entity row. "
            + "Feast.NET's rate is entity rows per second, wall time of `MaterializeAsync` (offline read included) and disposing the store; medians over the runs. "
            + "Client CPU is this process's CPU time over the run (DuckDB included) per entity row. "
            + Invariant($"Server CPU is the user + system CPU time of the target's redis-server processes (`/proc/<pid>/stat`, pids from `INFO server`; {clockTicks:F0} ticks/s) over the run, per entity row (Feast.NET) or per request (redis-benchmark); `n/a` where the servers are not local processes."));
        md.AppendLine();
        md.AppendLine(machine.ToMarkdown());
        md.AppendLine();
        md.AppendLine("| target | 1-field HSET req/s | server CPU µs/req | row-shaped HSET req/s | server CPU µs/req | Feast.NET rows/s (dedup, Feast's default) | vs 1-field | vs row-shaped | client CPU µs/row | server CPU µs/row | Feast.NET rows/s (`skip_dedup: true`) | vs 1-field | vs row-shaped | client CPU µs/row | server CPU µs/row |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var hset = Stats.Median(r.Baseline);
            var rowHset = Stats.Median(r.RowShaped);
            var dedup = Stats.Median(r.Dedup);
            var skip = Stats.Median(r.SkipDedup);
            md.AppendLine(Invariant($"| {r.Name} | {hset:N0} | {Cpu(Stats.Median(r.BaselineServerCpu))} | {rowHset:N0} | {Cpu(Stats.Median(r.RowShapedServerCpu))} ")
                + Invariant($"| {dedup:N0} | **{dedup / hset:P0}** | **{dedup / rowHset:P0}** | {Stats.Median(r.DedupCpu):F1} | {Cpu(Stats.Median(r.DedupServerCpu))} ")
                + Invariant($"| {skip:N0} | **{skip / hset:P0}** | **{skip / rowHset:P0}** | {Stats.Median(r.SkipDedupCpu):F1} | {Cpu(Stats.Median(r.SkipDedupServerCpu))} |"));
        }
        md.AppendLine();
        md.AppendLine("Diagnostic: the same rows prepared in memory first as 8192-row batches of keys and `Value` objects (what a push or `write_to_online_store` hands the store; materialization instead hands over the values' protobuf bytes written straight from the Arrow columns), then only `RedisOnlineStore.WriteBatchAsync` timed; client CPU includes building the `Value`s:");
        md.AppendLine();
        md.AppendLine("| target | store writes rows/s (dedup) | vs 1-field | vs row-shaped | server CPU µs/row | store writes rows/s (`skip_dedup`) | vs 1-field | vs row-shaped | server CPU µs/row |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var hset = Stats.Median(r.Baseline);
            var rowHset = Stats.Median(r.RowShaped);
            var dedup = Stats.Median(r.StoreDedup);
            var skip = Stats.Median(r.StoreSkipDedup);
            md.AppendLine(Invariant($"| {r.Name} | {dedup:N0} | {dedup / hset:P0} | {dedup / rowHset:P0} | {Cpu(Stats.Median(r.StoreDedupServerCpu))} ")
                + Invariant($"| {skip:N0} | {skip / hset:P0} | {skip / rowHset:P0} | {Cpu(Stats.Median(r.StoreSkipDedupServerCpu))} |"));
        }
        md.AppendLine();
        md.AppendLine(Invariant($"Runs per target: {reps}. All runs (req/s or rows/s):"));
        md.AppendLine();
        foreach (var r in results)
        {
            md.AppendLine(Invariant($"- {r.Name}: 1-field HSET {Join(r.Baseline)}; row-shaped HSET {Join(r.RowShaped)}; dedup {Join(r.Dedup)}; skip_dedup {Join(r.SkipDedup)}"));
        }
        return md.ToString();
    }

    private static string Join(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record TargetResult(string Name, string Connection, string[] RowShapedArguments)
    {
        public List<double> Baseline { get; } = [];

        public List<double> BaselineServerCpu { get; } = [];

        public List<double> RowShaped { get; } = [];

        public List<double> RowShapedServerCpu { get; } = [];

        public List<double> Dedup { get; } = [];

        public List<double> SkipDedup { get; } = [];

        public List<double> DedupCpu { get; } = [];

        public List<double> SkipDedupCpu { get; } = [];

        public List<double> DedupServerCpu { get; } = [];

        public List<double> SkipDedupServerCpu { get; } = [];

        public List<double> StoreDedup { get; } = [];

        public List<double> StoreSkipDedup { get; } = [];

        public List<double> StoreDedupServerCpu { get; } = [];

        public List<double> StoreSkipDedupServerCpu { get; } = [];
    }
}
