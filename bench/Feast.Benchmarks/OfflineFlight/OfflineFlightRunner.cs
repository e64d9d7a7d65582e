using System.Diagnostics;
using System.Globalization;
using Apache.Arrow;
using DuckDB.NET.Data;
using Feast.Benchmarks.Harness;
using Feast.Benchmarks.ServerLoad;
using Feast.Configuration;
using Feast.DuckDb;
using Feast.Offline;
using Feast.Remote;
using Feast.Remote.Offline;
using static System.FormattableString;

namespace Feast.Benchmarks.OfflineFlight;

/// <summary>
/// <c>offline-flight</c>: training data of N entity rows against M feature rows (1M × 10M; 100k × 1M with --quick)
/// read through <c>feast serve_offline</c> (the built CLI, its own process, Arrow Flight on loopback) with
/// <c>offline_store: remote</c>, against the same retrieval in-process on the same DuckDB offline store, alternately in
/// one run; the server's RSS is sampled while it streams.
/// </summary>
internal static class OfflineFlightRunner
{
    private const string CliDll = "src/Feast.Cli/bin/Release/net10.0/linux-x64/Feast.Cli.dll";
    private const int Features = 5;
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(string[] args)
    {
        var noBuild = args.Contains("--no-build");
        var options = BenchOptions.Parse([.. args.Where(a => a != "--no-build")]);
        var entities = options.Quick ? 100_000 : 1_000_000;
        var featureRows = options.Quick ? 1_000_000L : 10_000_000L;
        var reps = options.Reps ?? 3;
        var root = BenchOptions.RepoRoot();
        var machine = MachineInfo.Collect();
        Console.WriteLine(machine.ToMarkdown());

        if (!noBuild)
        {
            Console.WriteLine("\nBuilding the CLI (dotnet build src/Feast.Cli -c Release) so feast serve_offline is the current code...");
            using var build = Process.Start(new ProcessStartInfo("dotnet", ["build", "src/Feast.Cli", "-c", "Release", "-nologo", "-v", "quiet"]) { WorkingDirectory = root })!;
            await build.WaitForExitAsync();
            if (build.ExitCode != 0) throw new InvalidOperationException("Building src/Feast.Cli failed; see the output above.");
        }
        var cli = Path.Combine(root, CliDll);
        if (!File.Exists(cli)) throw new InvalidOperationException($"{CliDll} is missing: build it with `dotnet build src/Feast.Cli -c Release`.");

        var repo = Path.Combine(options.DataDirectory, options.Quick ? "offline-flight-quick" : "offline-flight");
        Console.WriteLine(Invariant($"\nWriting {featureRows:N0} feature rows for {entities:N0} entities in {repo}..."));
        await CreateRepoAsync(repo, entities, featureRows);
        var rows = EntityRows(entities);

        using var probe = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        Console.WriteLine("Starting feast serve_offline...");
        await using var server = await ServerProcess.StartAsync("feast serve_offline", "dotnet",
            [cli, "serve_offline", "--host", "127.0.0.1", "-p", "{port}", "--no-access-log"], repo, Path.Combine(repo, "serve_offline.log"), serverGc: false, probe);
        Console.WriteLine($"  on port {server.Port} (pid {server.ProcessId})");

        await using var local = FeatureStore.Open(repo, options: new FeatureStoreOptions().UseDuckDb());
        var config = local.Config with { OfflineStore = new RemoteOfflineStoreOptions { Host = "127.0.0.1", Port = server.Port } };
        await using var remote = new FeatureStore(config, new FeatureStoreOptions().UseDuckDb().UseRemoteOfflineStore());
        string[] features = [.. Enumerable.Range(0, Features).Select(i => Invariant($"stats:f{i}"))];

        var localTimes = new List<double>();
        var remoteTimes = new List<double>();
        var rss = new List<long>();
        var localRss = new List<long>();
        var idle = server.Memory().Rss;
        var localIdle = Environment.WorkingSet;
        (long Rows, double Sum) expected = default;
        Console.WriteLine(Invariant($"\n{reps} runs of each, alternating (plus one warm-up each):"));
        for (var run = -1; run < reps; run++)
        {
            using var localSampling = new CancellationTokenSource();
            var localSampler = SampleSelfAsync(localRss, localSampling.Token);
            var (localSeconds, localResult) = await TimeAsync(await local.GetHistoricalFeaturesAsync(rows, features));
            await localSampling.CancelAsync();
            await localSampler;
            using var sampling = new CancellationTokenSource();
            var sampler = SampleAsync(server, rss, sampling.Token);
            var (remoteSeconds, remoteResult) = await TimeAsync(await remote.GetHistoricalFeaturesAsync(rows, features));
            await sampling.CancelAsync();
            await sampler;
            if (localResult != remoteResult)
                throw new InvalidOperationException(Invariant($"The answers differ: local {localResult.Rows:N0} rows (sum {localResult.Sum}), remote {remoteResult.Rows:N0} rows (sum {remoteResult.Sum})."));
            expected = localResult;
            Console.WriteLine(Invariant($"  {(run < 0 ? "warm-up" : $"run {run + 1}")}: in-process {localSeconds:F2} s, through Flight {remoteSeconds:F2} s ({remoteSeconds / localSeconds:F2}x); {remoteResult.Rows:N0} rows"));
            if (run < 0) continue;
            localTimes.Add(localSeconds);
            remoteTimes.Add(remoteSeconds);
        }
        var (_, peak) = server.Memory();
        var report = Report(machine, entities, featureRows, expected.Rows, localTimes, remoteTimes, idle, rss, peak, localIdle, localRss, options.Quick);
        var output = options.OutputFile ?? Path.Combine(options.DataDirectory, options.Quick ? "offline-flight-quick.md" : "offline-flight.md");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, report);
        Console.WriteLine();
        Console.WriteLine(report);
        Console.WriteLine($"Report written to {output}");
        return 0;
    }

    /// <summary>Reads the whole result batch by batch as a training job would, keeping only a row count and a checksum.</summary>
    private static async Task<(double Seconds, (long Rows, double Sum) Result)> TimeAsync(RetrievalJob job)
    {
        var started = Stopwatch.GetTimestamp();
        long count = 0;
        double sum = 0;
        await foreach (var batch in job.ToArrowAsync())
        {
            using (batch)
            {
                count += batch.Length;
                if (batch.Column(batch.Schema.GetFieldIndex("f0")) is DoubleArray f0)
                {
                    for (var i = 0; i < f0.Length; i++) sum += f0.GetValue(i) ?? 0;
                }
            }
        }
        return (Stopwatch.GetElapsedTime(started).TotalSeconds, (count, Math.Round(sum, 3)));
    }

    private static async Task SampleAsync(ServerProcess server, List<long> samples, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                samples.Add(server.Memory().Rss);
                await Task.Delay(100, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Sampling ends with the run.
        }
    }

    /// <summary>
    /// The benchmark process's own RSS while the in-process retrieval runs: the memory the same join takes without a
    /// server, to read the server's RSS against.
    /// </summary>
    private static async Task SampleSelfAsync(List<long> samples, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                samples.Add(Environment.WorkingSet);
                await Task.Delay(100, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Sampling ends with the run.
        }
    }

    /// <summary>Entity rows: every entity once, ten hours in, in 64k-row batches.</summary>
    private static EntityData EntityRows(int entities)
    {
        var type = new Apache.Arrow.Types.TimestampType(Apache.Arrow.Types.TimeUnit.Microsecond, "UTC");
        var schema = new Schema([new Apache.Arrow.Field("driver_id", Apache.Arrow.Types.Int64Type.Default, false), new Apache.Arrow.Field("event_timestamp", type, false)], null);
        var batches = new List<RecordBatch>();
        for (var offset = 0; offset < entities; offset += 65_536)
        {
            var count = Math.Min(65_536, entities - offset);
            var ids = new Int64Array.Builder();
            var times = new TimestampArray.Builder(type);
            for (var i = 0; i < count; i++)
            {
                ids.Append(offset + i);
                times.Append(Start.AddHours(10).AddMinutes((offset + i) % 60));
            }
            batches.Add(new RecordBatch(schema, [ids.Build(), times.Build()], count));
        }
        return EntityData.FromArrow(batches);
    }

    private static async Task CreateRepoAsync(string repo, int entities, long featureRows)
    {
        var data = Path.Combine(repo, "data");
        var parquet = Path.Combine(data, "features.parquet");
        var marker = Path.Combine(data, Invariant($"rows-{entities}-{featureRows}"));
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(repo, "feature_store.yaml"), """
            project: flight_bench
            registry: data/registry.db
            provider: local
            online_store:
              type: sqlite
              path: data/online.db
            offline_store:
              type: duckdb
            entity_key_serialization_version: 3
            """);
        if (!File.Exists(marker))
        {
            using var connection = new DuckDBConnection("DataSource=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            var columns = string.Join(", ", Enumerable.Range(0, Features).Select(f => Invariant($"((i * {f + 3}) % 1000) / 10.0 AS f{f}")));
            command.CommandText = Invariant($"""
                SET TimeZone = 'UTC';
                COPY (SELECT (i % {entities})::BIGINT AS driver_id,
                             TIMESTAMPTZ '2024-01-01 00:00:00+00' + (i // {entities}) * INTERVAL 1 HOUR AS event_timestamp,
                             {columns}
                      FROM range({featureRows}) t(i)) TO '{parquet.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet)
                """);
            command.ExecuteNonQuery();
            await File.WriteAllTextAsync(marker, "");
        }
        await using var store = FeatureStore.Open(repo, options: new FeatureStoreOptions().UseDuckDb());
        var driver = new Entity("driver", ["driver_id"], ValueType.Int64);
        var source = new FileSource("data/features.parquet", "event_timestamp", name: "features_source");
        var view = new FeatureView("stats", source, [driver], TimeSpan.FromDays(30),
            [.. Enumerable.Range(0, Features).Select(f => new Feast.Field(Invariant($"f{f}"), FeastType.Float64))]);
        await store.ApplyAsync([driver, source, view]);
    }

    private static string Report(MachineInfo machine, int entities, long featureRows, long resultRows, List<double> local, List<double> remote,
        long idleRss, List<long> rss, long peak, long localIdleRss, List<long> localRss, bool quick)
    {
        static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        static string MiB(long bytes) => Invariant($"{bytes / 1024.0 / 1024.0:F0} MiB");
        var ratio = Median(remote) / Median(local);
        var lines = new List<string>
        {
            "# Training data through feast serve_offline (Arrow Flight) vs in-process",
            "",
            machine.ToMarkdown(),
            "",
            Invariant($"Command: `dotnet run --project bench/Feast.Benchmarks -c Release -- offline-flight{(quick ? " --quick" : "")}`; load average at the end: {ProcessMemory.LoadAverage():F2}."),
            Invariant($"{entities:N0} entity rows joined point-in-time against {featureRows:N0} feature rows ({Features} Float64 features, DuckDB offline store on a Parquet file); {resultRows:N0} result rows read batch by batch."),
            "",
            "| path | median s | runs (s) |",
            "|---|---:|---|",
            Invariant($"| in-process (offline_store: duckdb) | {Median(local):F2} | {string.Join(", ", local.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))} |"),
            Invariant($"| through Flight (offline_store: remote → feast serve_offline) | {Median(remote):F2} | {string.Join(", ", remote.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))} |"),
            "",
            Invariant($"Ratio Flight / in-process: **{ratio:F2}x** (goal ≤ 1.2x: {(ratio <= 1.2 ? "met" : "not met")})."),
            Invariant($"Server RSS: {MiB(idleRss)} idle before the runs; while streaming {MiB(rss.Count == 0 ? 0 : rss.Min())} to {MiB(rss.Count == 0 ? 0 : rss.Max())} over {rss.Count} samples (100 ms apart); peak (VmHWM) {MiB(peak)}."),
            Invariant($"In-process baseline, the benchmark's own RSS during the in-process runs: {MiB(localIdleRss)} before the runs; {MiB(localRss.Count == 0 ? 0 : localRss.Min())} to {MiB(localRss.Count == 0 ? 0 : localRss.Max())} over {localRss.Count} samples."),
            Invariant($"Growth over idle, server vs in-process: {MiB((rss.Count == 0 ? idleRss : rss.Max()) - idleRss)} vs {MiB((localRss.Count == 0 ? localIdleRss : localRss.Max()) - localIdleRss)}."),
            "",
        };
        return string.Join('\n', lines);
    }
}
