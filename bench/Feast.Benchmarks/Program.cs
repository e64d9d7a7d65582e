using System.Globalization;
using Feast.Benchmarks.Harness;
using Feast.Benchmarks.Historical;
using Feast.Benchmarks.Materialize;
using Feast.Benchmarks.OnlineRead;
using Feast.Benchmarks.ServerLoad;
using Feast.Benchmarks.Postgres;
using Feast.Benchmarks.Redis;
using Feast.Benchmarks.RegistryApply;

namespace Feast.Benchmarks;

/// <summary>
/// Entry point. <c>historical</c>, <c>materialize</c> and <c>online</c> generate (or reuse) their data, run every
/// case in child processes and write a markdown report; <c>case ID</c> is the child side, running one case once.
/// </summary>
internal static class Program
{
    private const string Usage = """
        Usage:
          Feast.Benchmarks historical [--quick] [--reps N] [--only s1,s2,s3] [--data DIR] [--out FILE]
              Runs the historical-retrieval scenarios, each case in its own child process, N times (default 3;
              5 for the short scenario 3), and writes a markdown report (default: bench/results/historical.md,
              or bench/.data/historical-quick.md with --quick).
          Feast.Benchmarks materialize [--quick] [--rows N] [--reps N] [--data DIR] [--out FILE]
              FeatureStore.MaterializeAsync into SQLite against a raw batched SQLite insert of the same rows, at 1M and
              3M entity rows (100k with --quick, N with --rows); report: bench/results/materialize.md (full run) or
              bench/.data/materialize-*.md.
          Feast.Benchmarks online [--quick] [--reps N] [--only 1x50,100x50,1x50-c2,100x50-c2] [--data DIR] [--out FILE]
              In-process online reads through FeatureStore.GetOnlineFeaturesAsync against the raw SQLite reads of the
              same requests: 5 views x 10 features materialized for 10k entities; latency percentiles and throughput;
              report: bench/results/online.md (bench/.data/online-quick.md with --quick).
          Feast.Benchmarks server [--quick] [--only 1x50,1x250,100x50,100x250,10kx50] [--online-store sqlite|redis|redis-cluster|postgres]
                  [--concurrency N] [--connections C] [--server-gc] [--no-wrk] [--no-build] [--note TEXT] [--data DIR] [--out FILE]
              feast serve (the built CLI, own process) against a bare Kestrel endpoint returning the same bytes, under a separate .NET
              load generator: 25 views x 10 Int64 features, 10k entities; p50/p99/p99.9 at a fixed rate (open loop) and max rps
              (closed loop); report: bench/results/server.md (bench/.data/server-*-quick.md with --quick). Redis and Postgres read
              FEAST_TEST_REDIS, FEAST_TEST_REDIS_CLUSTER, FEAST_TEST_POSTGRES (source eng/services.sh && start_test_services).
          Feast.Benchmarks flood [--no-build] [--max-features N] [--out FILE]
              feast serve (the built CLI, own process, auth: oidc against a loopback provider) under request floods: 4 parallel
              31 MB JSON bodies and 4 parallel 14 MB gRPC messages without a token, then 120 requests with a valid token and
              a distinct ~1.3 MB feature list each; its RSS before and after each; report: bench/results/flood.md.
          Feast.Benchmarks bare --port P --bodies DIR | loadgen --url U --requests FILE (--rate R | --concurrency N) ...
              The server command's child processes: the bare endpoint and the load generator.
          Feast.Benchmarks postgres-online [--quick] [--rows N] [--out FILE]
              PostgreSQL online store (server from FEAST_TEST_POSTGRES) against raw Npgsql: writes vs binary COPY, reads
              p50/p99 vs the raw prepared SELECTs; report: bench/results/postgres-online.md.
          Feast.Benchmarks redis [--quick] [--rows N] [--reps N] [--data DIR] [--out FILE]
              MaterializeAsync of 1M entity rows x 10 features (100k with --quick) into Redis and a Redis Cluster (from
              FEAST_TEST_REDIS / FEAST_TEST_REDIS_CLUSTER) against redis-benchmark -P 16 HSET, single-field and of our row's
              shape (11 fields), with client and redis-server CPU per row; then the store's own RESP writer against
              StackExchange.Redis (IBatch, fire-and-forget) on the same rows; report: bench/results/redis.md.
          Feast.Benchmarks case ID [--quick] [--rows N] [--data DIR] [--verify]
              Runs one case once in this process and prints its measurement (used by the commands above).
          Feast.Benchmarks profile s1|s2|s3 [--quick] [--data DIR]
              Runs the store's SQL (from ToSql) and the raw baselines under EXPLAIN ANALYZE and writes the plans
              with operator timings to bench/.data/profile/.
          Feast.Benchmarks sql FILE [--quick] [--data DIR]
              Times each statement of FILE (statements end with ';' and a newline); {s1.features}, {s1.entities},
              {s2.entities} and {s3.features} stand for the generated files.
          Feast.Benchmarks postgres-historical [--quick] [--reps N] [--rows N] [--out FILE]
              Scenario s1 on the PostgreSQL offline store (FEAST_TEST_POSTGRES) against its SQL run raw; report:
              bench/results/postgres-historical.md (bench/.data/postgres-historical-quick.md with --quick).
          Feast.Benchmarks registry [--quick] [--no-build] [--only get] [--server-env NAME=VALUE]... [--server-cpus LIST] [--data DIR] [--out FILE]
              feast serve_registry (the built CLI, own process) over a registry of 1,000 feature views and 100 feature
              services: GetFeatureView and ListFeatureViews over gRPC on loopback, p50/p99 at fixed rates (open loop) and
              max throughput (closed loop), against the same lookup in-process and a trivial method of the same server
              (grpc.health.v1.Health/Check: the transport and the client's own pacing); report: bench/results/registry.md
              (bench/.data/registry-quick.md with --quick). --only get: the Get rows only; --server-env: an environment
              variable for the server's process (to try a runtime setting); --server-cpus: run the server under
              `taskset -c LIST` (start the runner itself under `taskset -c` on the other CPUs so the two never share one).
          Feast.Benchmarks registry-apply [--runs N] [--views N] [--services N]
              FeatureStore.ApplyAsync of a repo with one changed feature view (100 views, 10 services by default) against a
              local file registry and through a registry server on loopback (registry_type: remote), alternately in one run;
              prints the medians of N runs (31) and their ratio.
          Feast.Benchmarks online-remote [--requests N] [--entities N]
              One entity x 50 features (5 views x 10) through the remote online store (online_store: remote, HTTP to a feature
              server on loopback in this process, reading SQLite) against the same read made directly on the served store,
              alternately in one run (5,000 requests each, 10k entities); prints p50/p99, their ratio and the load average.
          Feast.Benchmarks orleans [--quick] [--rows N] [--data DIR] [--out FILE]
              FeatureStore.MaterializeAsync of N entity rows x 10 features (10M; 200k with --quick) from DuckDB Parquet into
              Redis (FEAST_TEST_REDIS) by the local engine, then by batch_engine orleans with 1, 2 and 3 feast worker processes
              (the built CLI), in one run: wall time, CPU per row (client + workers) and shard balance; report:
              bench/results/orleans.md (bench/.data/orleans-quick.md with --quick).
          Feast.Benchmarks offline-flight [--quick] [--reps N] [--no-build] [--data DIR] [--out FILE]
              Training data of 1M entity rows against 10M feature rows (100k x 1M with --quick) through feast serve_offline
              (the built CLI, own process, Arrow Flight on loopback, offline_store: remote) against the same retrieval
              in-process, alternately in one run, with the server's RSS sampled while it streams; report:
              bench/.data/offline-flight.md (offline-flight-quick.md with --quick).
          Feast.Benchmarks list
              Lists the case ids.
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 1 : 0;
        }

        // The server benchmark's commands parse their own options.
        if (args[0] is "registry-apply")
            return await RegistryApplyRunner.RunAsync(args[1..]);
        if (args[0] is "online-remote")
            return await OnlineRemote.OnlineRemoteRunner.RunAsync(args[1..]);
        if (args[0] is "offline-flight")
            return await OfflineFlight.OfflineFlightRunner.RunAsync(args[1..]);
        if (args[0] is "flood")
            return await FloodRunner.RunAsync(args[1..]);
        if (args[0] is "registry")
            return await RegistryLoad.RegistryRunner.RunAsync(args[1..]);
        if (args[0] is "server" or "bare" or "loadgen")
            return await (args[0] switch { "server" => ServerRunner.RunAsync(args[1..]), "bare" => BareServer.RunAsync(args[1..]), _ => LoadGenerator.RunAsync(args[1..]) });

        var options = BenchOptions.Parse(args.Skip(1).ToArray());
        switch (args[0])
        {
            case "historical":
                return await HistoricalRunner.RunAsync(options);
            case "materialize":
                return await MaterializeRunner.RunAsync(options);
            case "online":
                return await OnlineRunner.RunAsync(options);
            case "postgres-online":
                return await PostgresOnlineBench.RunAsync(options);
            case "redis":
                return await RedisRunner.RunAsync(options);
            case "orleans":
                return await Orleans.OrleansRunner.RunAsync(options);
            case "postgres-historical":
                return await Postgres.OfflineHistorical.RunAsync(options);
            case "case" when options.Positional.Count == 1:
                return await ChildProcess.HostAsync(FindCase(options.Positional[0]), options);
            case "profile" when options.Positional.Count == 1:
                return await Profiler.ProfileAsync(options, options.Positional[0]);
            case "sql" when options.Positional.Count == 1:
                return Profiler.RunSql(options, options.Positional[0]);
            case "list":
                foreach (var benchCase in AllCases())
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{benchCase.Id,-28} {benchCase.Title}"));
                return 0;
            default:
                Console.Error.WriteLine(Usage);
                return 1;
        }
    }

    private static IEnumerable<BenchCase> AllCases() =>
        HistoricalCases.Scenarios.SelectMany(s => s.Cases).Concat(MaterializeCases.Cases).Concat(OnlineCases.Cases);

    private static BenchCase FindCase(string id) =>
        AllCases().FirstOrDefault(c => c.Id == id) ?? throw new ArgumentException($"No case '{id}'. Run 'list' for the ids.");
}
