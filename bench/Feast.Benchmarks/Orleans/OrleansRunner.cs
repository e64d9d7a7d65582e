using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using Feast.Benchmarks.Harness;
using Feast.Configuration;
using Feast.DuckDb;
using Feast.Orleans;
using Feast.Planning;
using Feast.Redis;
using StackExchange.Redis;

namespace Feast.Benchmarks.Orleans;

/// <summary>
/// <c>orleans</c>: the same materialization (N entity rows x 10 features, DuckDB Parquet into Redis) by the local engine
/// in this process, then by batch_engine orleans with 1, 2 and 3 <c>feast worker</c> processes, in one run. Measures
/// wall time, CPU per row (this process plus the workers; redis-server's is the same for every engine and left out)
/// and the shard balance (rows of the busiest worker over the mean).
/// </summary>
internal static partial class OrleansRunner
{
    private const string CliDll = "src/Feast.Cli/bin/Release/net10.0/linux-x64/Feast.Cli.dll";
    private const int Shards = 6;

    private sealed record Run(string Engine, int Workers, long Rows, double WallSeconds, double CpuSeconds, IReadOnlyDictionary<string, long> ByWorker)
    {
        public double CpuMicrosPerRow => CpuSeconds * 1e6 / Rows;

        public double Balance => ByWorker.Count == 0 ? 1 : ByWorker.Values.Max() / ByWorker.Values.Average();
    }

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var rows = options.Rows ?? (options.Quick ? 200_000 : 10_000_000);
        var redis = Environment.GetEnvironmentVariable("FEAST_TEST_REDIS")
            ?? throw new InvalidOperationException("FEAST_TEST_REDIS is not set: source eng/services.sh && start_test_services.");
        var root = BenchOptions.RepoRoot();
        var cli = Path.Combine(root, CliDll);
        if (!File.Exists(cli)) throw new InvalidOperationException($"{cli} is missing: dotnet build src/Feast.Cli -c Release first.");
        var repo = Path.Combine(options.DataDirectory, $"orleans-{rows}");
        var project = "bench_orleans";
        await PrepareAsync(repo, project, rows, redis);
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        Console.WriteLine($"orleans: {rows:N0} entity rows x 10 features, {Shards} shards, load average {load}");

        var runs = new List<Run> { await LocalAsync(repo, redis) };
        Console.WriteLine($"  local      {runs[^1].WallSeconds,7:F2} s  cpu {runs[^1].CpuMicrosPerRow,6:F2} us/row");
        foreach (var count in new[] { 1, 2, 3 })
        {
            runs.Add(await DistributedAsync(repo, cli, count, redis));
            Console.WriteLine($"  orleans x{count} {runs[^1].WallSeconds,7:F2} s  cpu {runs[^1].CpuMicrosPerRow,6:F2} us/row  balance {runs[^1].Balance:F2}");
        }

        var report = Report(runs, rows, load, options.Quick ? "orleans --quick" : options.Rows is null ? "orleans" : string.Create(CultureInfo.InvariantCulture, $"orleans --rows {rows}"));
        var output = options.OutputFile ?? (options.Quick ? Path.Combine(options.DataDirectory, "orleans-quick.md") : Path.Combine(root, "bench", "results", "orleans.md"));
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, report);
        Console.WriteLine($"report: {output}");
        return 0;
    }

    private static async Task PrepareAsync(string repo, string project, long rows, string redis)
    {
        Directory.CreateDirectory(Path.Combine(repo, "data"));
        var parquet = Path.Combine(repo, "data", "stats.parquet");
        if (!File.Exists(parquet))
        {
            using var connection = new DuckDBConnection("DataSource=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            var features = string.Join(", ", Enumerable.Range(0, 10).Select(f => f % 2 == 0
                ? $"((d * {f + 3}) % 1000) / 7.0 AS f{f}"
                : $"(d * {f + 3})::BIGINT AS f{f}"));
            command.CommandText = string.Create(CultureInfo.InvariantCulture,
                $"COPY (SELECT d::BIGINT AS entity_id, {features}, TIMESTAMPTZ '2026-01-01 00:00:00+00' + INTERVAL (d % 86400) SECOND AS ts FROM range(0, {rows}) t(d)) TO '{parquet}' (FORMAT parquet)");
            command.ExecuteNonQuery();
        }
        await File.WriteAllTextAsync(Path.Combine(repo, "feature_store.yaml"), $"""
            project: {project}
            registry: data/registry.db
            provider: local
            online_store:
                type: redis
                connection_string: "{redis}"
            offline_store:
                type: duckdb
            entity_key_serialization_version: 3
            batch_engine:
                type: orleans
                clustering:
                    type: redis
                    connection_string: "{redis}"
                cluster_id: bench{Environment.ProcessId}
                shards: {Shards}
            """);
        await using var store = Open(repo, local: true);
        var entity = new Entity("entity", ["entity_id"], ValueType.Int64);
        var view = View;
        await store.ApplyAsync(new RepoDefinitions { Entities = [entity], DataSources = [view.BatchSource], FeatureViews = [view] });
    }

    private static FeatureView View { get; } = new("bench_stats", new FileSource("data/stats.parquet", "ts", "bench_source"),
        [new Entity("entity", ["entity_id"], ValueType.Int64)], TimeSpan.Zero,
        [new("entity_id", FeastType.Int64), .. Enumerable.Range(0, 10).Select(f => new Field($"f{f}", f % 2 == 0 ? FeastType.Float64 : FeastType.Int64))]);

    private static FeatureStore Open(string repo, bool local)
    {
        var options = new FeatureStoreOptions { Backends = new FeastBackends().UseDuckDb().UseRedis().UseOrleans() };
        var config = RepoConfigLoader.Load(repo, null, options.Backends);
        return new FeatureStore(local ? config with { BatchEngine = new BatchEngineConfig() } : config, options);
    }

    private static readonly DateTimeOffset Start = new(2025, 12, 31, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = new(2026, 1, 3, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The end of the unmeasured first run of every engine: the window's first second (a few rows per 86,400), so the
    /// measured run is one of warm processes (code compiled, stores connected), as a long-lived worker's runs are.
    /// </summary>
    private static readonly DateTimeOffset WarmUpEnd = new(2026, 1, 1, 0, 0, 1, TimeSpan.Zero);

    private static async Task<Run> LocalAsync(string repo, string redis)
    {
        await ClearAsync(redis);
        await using var store = Open(repo, local: true);
        await store.MaterializeAsync(Start, WarmUpEnd);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var result = (await store.MaterializeAsync(Start, End)).Single();
        wall.Stop();
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return new Run("local", 0, result.Rows, wall.Elapsed.TotalSeconds, used.TotalSeconds, new Dictionary<string, long>());
    }

    private static async Task<Run> DistributedAsync(string repo, string cli, int count, string redis)
    {
        await ClearAsync(redis);
        // A cluster of its own per run: the killed workers of the previous run are not members the new ones must first declare dead.
        var yaml = Path.Combine(repo, "feature_store.yaml");
        await File.WriteAllTextAsync(yaml, ClusterId().Replace(await File.ReadAllTextAsync(yaml), $"cluster_id: bench{Environment.ProcessId}x{count}"));
        var workers = new List<Process>();
        try
        {
            for (var i = 0; i < count; i++) workers.Add(await StartWorkerAsync(repo, cli));
            await using var store = Open(repo, local: false);
            // Connect and warm up first, so the run measures materialization and not joining the cluster.
            await store.MaterializeAsync(Start, WarmUpEnd);
            var before = workers.Select(w => w.TotalProcessorTime).ToList();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            var result = (await store.MaterializeAsync(Start, End)).Single();
            wall.Stop();
            var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            for (var i = 0; i < count; i++)
            {
                workers[i].Refresh();
                used += workers[i].TotalProcessorTime - before[i];
            }
            return new Run("orleans", count, result.Rows, wall.Elapsed.TotalSeconds, used.TotalSeconds, result.RowsByWorker);
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Kill(entireProcessTree: true);
                await worker.WaitForExitAsync();
                worker.Dispose();
            }
        }
    }

    private static async Task<Process> StartWorkerAsync(string repo, string cli)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var ports = FreePorts(3);
        foreach (var arg in new[] { cli, "--chdir", repo, "worker", "--silo-port", $"{ports[0]}", "--gateway-port", $"{ports[1]}", "--http-port", $"{ports[2]}" })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            lock (output) output.AppendLine(e.Data);
            if (e.Data?.Contains("Press Ctrl+C", StringComparison.Ordinal) == true) ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output) output.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromMinutes(2))) != ready.Task)
            throw new InvalidOperationException($"feast worker did not start:\n{output}");
        return process;
    }

    private static async Task ClearAsync(string redis)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true");
        foreach (var endpoint in connection.GetEndPoints())
            await foreach (var key in connection.GetServer(endpoint).KeysAsync(pattern: "*bench_orleans", pageSize: 10_000))
                await connection.GetDatabase().KeyDeleteAsync(key, CommandFlags.FireAndForget);
    }

    /// <summary>Distinct free ports: all listeners are open at once, so no two calls hand out the same port.</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var listener in listeners) listener.Start();
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners) listener.Stop();
        }
    }

    [GeneratedRegex(@"cluster_id: \S+")]
    private static partial Regex ClusterId();

    private static string Report(List<Run> runs, long rows, string load, string command)
    {
        var local = runs[0];
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# batch_engine orleans against the local engine ({rows:N0} entity rows x 10 features)")
            .AppendLine()
            .AppendLine(FormattableString.Invariant($"`Feast.Benchmarks {command}` on this {Environment.ProcessorCount}-core machine, load average {load} at the start. DuckDB Parquet source, Redis online store ") +
                FormattableString.Invariant($"(FEAST_TEST_REDIS), Redis clustering, {Shards} shards; every worker is a `feast worker` process on loopback, all on the same cores as the client. ") +
                "CPU is this process plus the workers (redis-server's is the same for every engine and not counted). " +
                "Each engine first materializes the window's first second (a few rows, not measured), so the measured run is one of warm processes.")
            .AppendLine()
            .AppendLine("| engine | workers | rows | wall s | wall vs local | CPU us/row | CPU vs local | balance (max/mean rows per worker) | rows per worker |")
            .AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var run in runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {run.Engine} | {run.Workers} | {run.Rows:N0} | {run.WallSeconds:F2} | {run.WallSeconds / local.WallSeconds:F2}x | {run.CpuMicrosPerRow:F2} | {run.CpuMicrosPerRow / local.CpuMicrosPerRow:F2}x | " +
                $"{(run.Workers == 0 ? "-" : run.Balance.ToString("F2", CultureInfo.InvariantCulture))} | {string.Join(", ", run.ByWorker.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Value:N0}"))} |");
        }
        return text.ToString();
    }
}
