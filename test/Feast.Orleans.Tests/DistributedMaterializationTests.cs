using System.Globalization;
using System.Text.RegularExpressions;

namespace Feast.Orleans.Tests;

/// <summary>
/// batch_engine orleans end to end: `feast worker` processes on loopback joined through Redis clustering, the DuckDB
/// offline store, the Redis (Cluster, where FEAST_TEST_REDIS_CLUSTER is set) online store. Every run is compared with
/// the local engine's online content for the same repo, byte for byte. One class, so the workers of two tests never
/// compete for the two cores.
/// </summary>
public sealed class DistributedMaterializationTests
{
    [Fact]
    public async Task FeastMaterialize_ThreeWorkers_SameOnlineContentAsLocalEngineAndOneIntervalPerView()
    {
        using var repo = await TestRepo.CreateAsync(shards: 6);
        var local = await repo.LocalBaselineAsync();
        await using var w1 = await WorkerProcess.StartAsync(repo.Path);
        await using var w2 = await WorkerProcess.StartAsync(repo.Path);
        await using var w3 = await WorkerProcess.StartAsync(repo.Path);

        var (exit, output) = await Cli.RunAsync(repo.Path, "materialize", "2026-01-01T00:00:00", "2026-01-03T00:00:00");

        Assert.True(exit == 0, output);
        Assert.Equal(local, await repo.DumpOnlineAsync());
        Assert.Contains("WORKERS", output, StringComparison.Ordinal);
        Assert.Contains($"{TestRepo.Drivers} rows written", output.Replace(",", "", StringComparison.Ordinal), StringComparison.Ordinal);
        // Six shards over three workers: each worker wrote rows, and the per-worker counts add up.
        Assert.All(new[] { w1, w2, w3 }, w => Assert.Contains(w.Name, output, StringComparison.Ordinal));
        Assert.Contains("Rows per worker:", output, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, int> { ["driver_stats"] = 1, ["customer_profile"] = 1 }, await repo.IntervalsAsync());
        // /health and /metrics of a worker.
        using var http = new HttpClient();
        Assert.Equal("ok\n", await http.GetStringAsync($"http://127.0.0.1:{w1.HttpPort}/health"));
        Assert.Contains("feast_worker_shards_total{result=\"success\"}", await http.GetStringAsync($"http://127.0.0.1:{w1.HttpPort}/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FeastMaterialize_WhileRunning_PrintsTheViewsRowsSoFarAndEachWorkersRows()
    {
        using var repo = await TestRepo.CreateAsync(shards: 2);
        // Both workers hold shard 1 of driver_stats, so the run stays open with the other shard written by the other worker.
        await using var a = await WorkerProcess.StartAsync(repo.Path, fault: "hold:driver_stats:1");
        await using var b = await WorkerProcess.StartAsync(repo.Path, fault: "hold:driver_stats:1");
        await using var cli = CliProcess.Start(repo.Path, "materialize", "--views", "driver_stats", "2026-01-01T00:00:00", "2026-01-03T00:00:00");
        var holding = a.WaitForOutputAsync("Holding driver_stats shard 1/2");
        var held = await Task.WhenAny(holding, b.WaitForOutputAsync("Holding driver_stats shard 1/2"));
        await held;
        var (doomed, survivor) = held == holding ? (a, b) : (b, a);

        // A progress line while the run is open: the view's rows so far, and which worker wrote them.
        var line = await cli.WaitForLineAsync(l => l.Contains(" written, ", StringComparison.Ordinal) && l.Contains(" on 1 worker (", StringComparison.Ordinal));
        doomed.Kill();
        var (exit, output) = await cli.WaitForExitAsync();

        Assert.True(exit == 0, output);
        Assert.Matches($@"^  [0-9,]+ rows of {TestRepo.Drivers.ToString("N0", CultureInfo.InvariantCulture)} \([0-9]+%\) written, [0-9,]+ rows/s on 1 worker \({Regex.Escape(survivor.Name)} [0-9]+\)\.\.\.$", line);
        var rows = long.Parse(line.TrimStart().Split(' ')[0], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        Assert.InRange(rows, 1, TestRepo.Drivers - 1);
        Assert.EndsWith($"({survivor.Name} {rows})...", line, StringComparison.Ordinal);
        // The held shard was retried on the survivor: in the end every row is its.
        Assert.Contains($"on 1 worker ({survivor.Name} {TestRepo.Drivers})", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Materialize_PostgresOfflineTwoWorkers_SameOnlineContentAsLocalEngine()
    {
        // The shard filter runs inside PostgreSQL's pull query (hashtextextended of the key).
        using var repo = await TestRepo.CreateAsync(shards: 4, postgres: true);
        var local = await repo.LocalBaselineAsync();
        await using var w1 = await WorkerProcess.StartAsync(repo.Path);
        await using var w2 = await WorkerProcess.StartAsync(repo.Path);
        await using var store = repo.Open();

        var results = await store.MaterializeAsync(TestRepo.Start, TestRepo.End);

        Assert.Equal([TestRepo.Customers, TestRepo.Drivers], results.Select(r => r.Rows).Order());
        Assert.Equal(local, await repo.DumpOnlineAsync());
        Assert.Equal(new[] { w1.Name, w2.Name }.Order(StringComparer.Ordinal), results.SelectMany(r => r.RowsByWorker.Keys).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Materialize_WorkerKilledMidShard_ShardRetriedOnAnotherWorkerSameContent()
    {
        using var repo = await TestRepo.CreateAsync(shards: 4);
        var local = await repo.LocalBaselineAsync();
        // Both workers hold the first attempt of shard 2 of driver_stats: the one it was placed on is killed while holding it.
        await using var a = await WorkerProcess.StartAsync(repo.Path, fault: "hold:driver_stats:2");
        await using var b = await WorkerProcess.StartAsync(repo.Path, fault: "hold:driver_stats:2");
        await using var store = repo.Open();

        var run = store.MaterializeAsync(TestRepo.Start, TestRepo.End, ["driver_stats"]);
        var holding = a.WaitForOutputAsync("Holding driver_stats shard 2/4");
        var held = await Task.WhenAny(holding, b.WaitForOutputAsync("Holding driver_stats shard 2/4"));
        await held;
        var (doomed, survivor) = held == holding ? (a, b) : (b, a);
        doomed.Kill();
        var result = Assert.Single(await run);

        Assert.Equal(TestRepo.Drivers, result.Rows);
        // Only driver_stats was materialized: the baseline without the customer keys.
        Assert.Equal(local.Where(l => !l.Split(' ')[0].Contains(HexOf("customer_id"), StringComparison.Ordinal)), await repo.DumpOnlineAsync());
        Assert.Equal(1, (await repo.IntervalsAsync())["driver_stats"]);
        Assert.Contains(survivor.Name, result.RowsByWorker.Keys);
    }

    [Fact]
    public async Task Materialize_WorkerAddedMidRun_TakesOverTheShardOfAWorkerThatDied()
    {
        using var repo = await TestRepo.CreateAsync(shards: 3);
        var local = await repo.LocalBaselineAsync();
        await using var first = await WorkerProcess.StartAsync(repo.Path, fault: "hold:customer_profile:1");
        await using var store = repo.Open();

        var run = store.MaterializeAsync(TestRepo.Start, TestRepo.End);
        await first.WaitForOutputAsync("Holding customer_profile shard 1/3");
        // A worker joins while the run is going; then the first one dies, so the rest of the run is the newcomer's.
        await using var added = await WorkerProcess.StartAsync(repo.Path);
        first.Kill();
        var results = await run;

        Assert.Equal([TestRepo.Customers, TestRepo.Drivers], results.Select(r => r.Rows).Order());
        Assert.Equal(local, await repo.DumpOnlineAsync());
        Assert.Contains(added.Name, results.Single(r => r.View == "customer_profile").RowsByWorker.Keys);
        Assert.Equal(new Dictionary<string, int> { ["driver_stats"] = 1, ["customer_profile"] = 1 }, await repo.IntervalsAsync());
    }

    [Fact]
    public async Task Materialize_PoisonedShard_FailsAfterMaxAttemptsNamingShardWorkerAndErrorRecordsNothing()
    {
        using var repo = await TestRepo.CreateAsync(shards: 3, maxAttempts: 2);
        await using var worker = await WorkerProcess.StartAsync(repo.Path, fault: "fail:driver_stats:3");
        await using var store = repo.Open();

        var error = await Assert.ThrowsAsync<FeastException>(() => store.MaterializeAsync(TestRepo.Start, TestRepo.End, ["driver_stats"]));

        Assert.Contains("shard 3/3 failed 2 time(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"worker {worker.Name}", error.Message, StringComparison.Ordinal);
        Assert.Contains("injected fault", error.Message, StringComparison.Ordinal);
        Assert.Contains("No interval was recorded", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await repo.IntervalsAsync())["driver_stats"]);
    }

    [Fact]
    public async Task Materialize_Cancelled_ShardsCancelledOnTheWorkerAndNothingRecorded()
    {
        using var repo = await TestRepo.CreateAsync(shards: 2);
        await using var worker = await WorkerProcess.StartAsync(repo.Path, fault: "hold:driver_stats:1");
        await using var store = repo.Open();
        using var cts = new CancellationTokenSource();

        var run = store.MaterializeAsync(TestRepo.Start, TestRepo.End, ["driver_stats"], cancellationToken: cts.Token);
        await worker.WaitForOutputAsync("Holding driver_stats shard 1/2");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await worker.WaitForOutputAsync("Shard 1/2 of driver_stats (attempt 1) cancelled by the client");
        Assert.Equal(0, (await repo.IntervalsAsync())["driver_stats"]);
    }

    [Fact]
    public async Task Materialize_NoWorker_ErrorNamesTheClusteringEndpoint()
    {
        using var repo = await TestRepo.CreateAsync();
        await using var store = repo.Open();

        var error = await Assert.ThrowsAsync<FeastException>(() => store.MaterializeAsync(TestRepo.Start, TestRepo.End));

        Assert.Contains("no feast worker is reachable", error.Message, StringComparison.Ordinal);
        Assert.Contains($"cluster '{repo.Project}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(TestRepo.RedisServer, error.Message, StringComparison.Ordinal);
        Assert.Contains("feast worker", error.Message, StringComparison.Ordinal);
    }

    private static string HexOf(string text) => Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(text));
}
