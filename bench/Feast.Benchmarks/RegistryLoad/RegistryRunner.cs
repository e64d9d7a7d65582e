using System.Diagnostics;
using System.Text;
using Feast.Benchmarks.Harness;
using Feast.Benchmarks.ServerLoad;
using Feast.Configuration;
using Feast.Planning;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using static Feast.Benchmarks.Harness.Stats;
using P = Feast.Protos.Core;
using R = Feast.Protos.Registry;

namespace Feast.Benchmarks.RegistryLoad;

/// <summary>
/// <c>registry</c>: <c>feast serve_registry</c> (the built CLI, its own process) over a registry of 1,000 feature views
/// and 100 feature services, called over gRPC on loopback from this process (Grpc.Net.Client, one HTTP/2 channel):
/// <c>GetFeatureView</c> and <c>ListFeatureViews</c> at fixed rates (open loop: each call is due at start + i / rate and
/// its latency counts from then) and at their maximum throughput (closed loop, 16 calls in flight). The baseline,
/// measured in the same run, is the same lookup in this process without gRPC: the view found in the parsed registry
/// message and serialised, as the server does before its transport.
/// </summary>
internal static class RegistryRunner
{
    private const string CliDll = "src/Feast.Cli/bin/Release/net10.0/linux-x64/Feast.Cli.dll";
    private const string Project = "bench";
    private const int Views = 1000;
    private const int Services = 100;
    private const int InFlight = 16;

    /// <summary>The CPUs this process may run on, as the kernel lists them (<c>Cpus_allowed_list</c>).</summary>
    private static string OwnCpus() =>
        File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";

    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);

    public static async Task<int> RunAsync(string[] args)
    {
        var noBuild = args.Contains("--no-build");
        // --server-env NAME=VALUE (repeatable): an environment variable for the server's process only, to try a runtime setting.
        var serverEnv = args.Select((a, i) => (a, i)).Where(p => p.a == "--server-env" && p.i + 1 < args.Length)
            .Select(p => args[p.i + 1].Split('=', 2)).Select(kv => KeyValuePair.Create(kv[0], kv.Length > 1 ? kv[1] : "")).ToList();
        // --server-cpus LIST: run the server under `taskset -c LIST`, so that with the runner itself started under
        // `taskset -c` on the other core the load generator and the server do not share a core (as on two machines).
        var serverCpus = args.Select((a, i) => (a, i)).Where(p => p.a == "--server-cpus" && p.i + 1 < args.Length).Select(p => args[p.i + 1]).LastOrDefault();
        var skip = args.Select((a, i) => (a, i)).Where(p => p.a is "--server-env" or "--server-cpus").SelectMany(p => new[] { p.i, p.i + 1 }).ToHashSet();
        var options = BenchOptions.Parse([.. args.Where((a, i) => a != "--no-build" && !skip.Contains(i))]);
        var getOnly = options.Only.Contains("get");
        var root = BenchOptions.RepoRoot();
        var machine = MachineInfo.Collect();
        Console.WriteLine(machine.ToMarkdown());
        var window = TimeSpan.FromSeconds(options.Quick ? 4 : 15);
        var started = Stopwatch.GetTimestamp();

        if (!noBuild)
        {
            Console.WriteLine("\nBuilding the CLI (dotnet build src/Feast.Cli -c Release) so feast serve_registry is the current code...");
            using var build = Process.Start(new ProcessStartInfo("dotnet", ["build", "src/Feast.Cli", "-c", "Release", "-nologo", "-v", "quiet"]) { WorkingDirectory = root })!;
            await build.WaitForExitAsync();
            if (build.ExitCode != 0)
                throw new InvalidOperationException("Building src/Feast.Cli failed; see the output above.");
        }
        var cli = Path.Combine(root, CliDll);
        if (!File.Exists(cli))
            throw new InvalidOperationException($"{CliDll} is missing: build it with `dotnet build src/Feast.Cli -c Release`.");

        var repo = Path.Combine(options.DataDirectory, "registry-repo");
        Console.WriteLine($"\nWriting a registry of {Views:N0} feature views and {Services} feature services in {repo}...");
        var registryBytes = await CreateRepoAsync(repo);
        var registry = P.Registry.Parser.ParseFrom(registryBytes);
        var names = Enumerable.Range(0, Views).Select(ViewName).ToArray();
        // A fixed shuffled order of lookups, the same for every run and the baseline.
        var order = Enumerable.Range(0, 4096).Select(i => names[(int)((i * 2654435761L) % Views)]).ToArray();

        using var probe = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        Console.WriteLine("Starting feast serve_registry...");
        string[] serverArgs = [cli, "serve_registry", "--host", "127.0.0.1", "-p", "{port}", "--no-access-log"];
        // taskset execs dotnet in place: the pid (and so the server's CPU time) stays the server's.
        await using var server = serverCpus is null
            ? await ServerProcess.StartAsync("feast serve_registry", "dotnet", serverArgs, repo, Path.Combine(repo, "serve_registry.log"), serverGc: false, probe, serverEnv)
            : await ServerProcess.StartAsync("feast serve_registry", "taskset", ["-c", serverCpus, "dotnet", .. serverArgs], repo, Path.Combine(repo, "serve_registry.log"), serverGc: false, probe, serverEnv);
        Console.WriteLine($"  on port {server.Port} (pid {server.ProcessId}){(serverEnv.Count > 0 ? ", server environment: " + string.Join(' ', serverEnv.Select(kv => kv.Key + "=" + kv.Value)) : "")}"
            + (serverCpus is null ? "" : $", server on CPUs {serverCpus}, this process on CPUs {OwnCpus()}"));
        using var channel = GrpcChannel.ForAddress(server.Url("/"), new GrpcChannelOptions { MaxReceiveMessageSize = null });
        var invoker = channel.CreateCallInvoker();
        var get = Method<R.GetFeatureViewRequest>("GetFeatureView");
        var list = Method<R.ListFeatureViewsRequest>("ListFeatureViews");
        // The transport baseline: a trivial method of the same server (grpc.health.v1.Health/Check, an empty request).
        var health = new Method<byte[], byte[]>(MethodType.Unary, "grpc.health.v1.Health", "Check", Raw, Raw);
        var getRequests = order.Select(n => new R.GetFeatureViewRequest { Name = n, Project = Project, AllowCache = true }).ToArray();
        var listRequest = new R.ListFeatureViewsRequest { Project = Project, AllowCache = true };

        // The answers are what the store holds, byte for byte.
        var expectedGet = getRequests.Select(r => LookUp(registry, r.Name).ToByteArray()).ToArray();
        var firstGet = await invoker.AsyncUnaryCall(get, null, default, getRequests[0]);
        var expectedList = await invoker.AsyncUnaryCall(list, null, default, listRequest);
        if (!firstGet.AsSpan().SequenceEqual(expectedGet[0])
            || !R.ListFeatureViewsResponse.Parser.ParseFrom(expectedList).FeatureViews.SequenceEqual(List(registry).FeatureViews))
            throw new InvalidOperationException("The server's GetFeatureView or ListFeatureViews answer differs from the stored registry's.");
        Console.WriteLine(Invariant($"  verified: GetFeatureView answers {expectedGet.Average(b => b.Length):N0} bytes on average, ListFeatureViews {expectedList.Length:N0} bytes"));

        async Task<bool> Get(int i) => (await invoker.AsyncUnaryCall(get, null, default, getRequests[i % getRequests.Length])).Length == expectedGet[i % getRequests.Length].Length;
        async Task<bool> Health(int i) => (await invoker.AsyncUnaryCall(health, null, default, [])).Length >= 0;
        async Task<bool> ListAll(int i) => (await invoker.AsyncUnaryCall(list, null, default, listRequest)).Length == expectedList.Length;

        var rows = new List<Row>();
        Console.WriteLine("\nWarming up...");
        await ClosedLoopAsync(Health, InFlight, TimeSpan.FromSeconds(1));
        await ClosedLoopAsync(Get, InFlight, TimeSpan.FromSeconds(2));
        await ClosedLoopAsync(ListAll, 4, TimeSpan.FromSeconds(2));
        (string, Func<int, Task<bool>>, double)[] open = [("Health/Check (transport baseline)", Health, 1000), ("GetFeatureView", Get, 1000), ("ListFeatureViews", ListAll, 100), ("ListFeatureViews", ListAll, 1000)];
        foreach (var (name, send, rate) in getOnly ? open[..2] : open)
        {
            await server.SettleAsync(TimeSpan.FromSeconds(10));
            var cpu = server.CpuTime();
            var result = await OpenLoopAsync(send, rate, window);
            rows.Add(result with { Rpc = name, Mode = Invariant($"open, {rate:N0} rps"), ServerCpuMs = (server.CpuTime() - cpu).TotalMilliseconds, Load = ProcessMemory.LoadAverage() });
            Console.WriteLine("  " + rows[^1].ToMarkdown());
        }
        (string, Func<int, Task<bool>>)[] closed = [("Health/Check (transport baseline)", Health), ("GetFeatureView", Get), ("ListFeatureViews", ListAll)];
        foreach (var (name, send) in getOnly ? closed[..2] : closed)
        {
            await server.SettleAsync(TimeSpan.FromSeconds(10));
            var cpu = server.CpuTime();
            var result = await ClosedLoopAsync(send, InFlight, window);
            rows.Add(result with { Rpc = name, Mode = Invariant($"closed, {InFlight} in flight"), ServerCpuMs = (server.CpuTime() - cpu).TotalMilliseconds, Load = ProcessMemory.LoadAverage() });
            Console.WriteLine("  " + rows[^1].ToMarkdown());
        }
        rows.Add(Baseline("GetFeatureView", i => LookUp(registry, order[i % order.Length]).ToByteArray().Length, options.Quick ? 20_000 : 100_000));
        Console.WriteLine("  " + rows[^1].ToMarkdown());
        if (!getOnly)
        {
            rows.Add(Baseline("ListFeatureViews", _ => List(registry).ToByteArray().Length, options.Quick ? 200 : 1_000));
            Console.WriteLine("  " + rows[^1].ToMarkdown());
        }

        var report = Report(machine, rows, expectedGet.Average(b => b.Length), expectedList.Length, window, Stopwatch.GetElapsedTime(started), server.Memory());
        var output = options.OutputFile ?? (options.Quick
            ? Path.Combine(options.DataDirectory, "registry-quick.md")
            : Path.Combine(root, "bench", "results", "registry.md"));
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, report);
        Console.WriteLine();
        Console.WriteLine(report);
        Console.WriteLine($"Report written to {output}");
        return 0;
    }

    private static string ViewName(int i) => Invariant($"view_{i:D4}");

    /// <summary>A repo whose registry holds the views and services (applied with Feast.NET's apply); returns the registry's bytes.</summary>
    private static async Task<byte[]> CreateRepoAsync(string repo)
    {
        if (Directory.Exists(repo)) Directory.Delete(repo, recursive: true);
        Directory.CreateDirectory(Path.Combine(repo, "data"));
        await File.WriteAllTextAsync(Path.Combine(repo, "feature_store.yaml"), $"""
            project: {Project}
            registry: data/registry.db
            provider: local
            online_store:
              type: sqlite
              path: data/online.db
            entity_key_serialization_version: 3
            """);
        var entities = Enumerable.Range(0, 10).Select(i => new Entity($"entity_{i}", [$"id_{i}"], ValueType.Int64, description: $"entity {i}")).ToArray();
        var sources = Enumerable.Range(0, 10).Select(i => new FileSource($"data/source_{i}.parquet", "event_timestamp", name: $"source_{i}")).ToArray();
        var views = Enumerable.Range(0, Views).Select(i => new FeatureView(ViewName(i), sources[i % 10], [entities[i % 10]], TimeSpan.FromDays(1),
            [.. Enumerable.Range(0, 10).Select(f => new Field($"feature_{f}", f % 2 == 0 ? FeastType.Float32 : FeastType.Int64))],
            description: $"view {i}", tags: new Dictionary<string, string> { ["team"] = $"team_{i % 5}" })).ToArray();
        var services = Enumerable.Range(0, Services).Select(s => new FeatureService(Invariant($"service_{s:D3}"), [.. views.Skip(s * 10).Take(10)])).ToArray();
        var config = RepoConfigLoader.Load(repo);
        await using var store = new FeatureStore(config);
        await store.ApplyAsync([.. entities, .. sources, .. views, .. services], new ApplyOptions { SkipSourceValidation = true });
        return (await store.RegistryStore.ReadAsync())!.ToByteArray();
    }

    private static Method<TRequest, byte[]> Method<TRequest>(string name) where TRequest : IMessage<TRequest> =>
        new(MethodType.Unary, "feast.registry.RegistryServer", name, Marshallers.Create<TRequest>(m => m.ToByteArray(), _ => throw new NotSupportedException()), Raw);

    private static P.FeatureView LookUp(P.Registry registry, string name) =>
        registry.FeatureViews.First(v => v.Spec.Name == name && v.Spec.Project == Project);

    private static R.ListFeatureViewsResponse List(P.Registry registry) =>
        new() { FeatureViews = { registry.FeatureViews.Where(v => v.Spec.Project == Project) }, Pagination = new R.PaginationMetadata() };

    /// <summary>Call i is due at start + i / rate, whatever happened to the calls before it; its latency counts from then.</summary>
    private static async Task<Row> OpenLoopAsync(Func<int, Task<bool>> send, double rate, TimeSpan duration)
    {
        var count = (int)Math.Round(rate * duration.TotalSeconds);
        var due = new long[count];
        var handed = new long[count];
        var done = new long[count];
        var ok = new bool[count];
        var tasks = new Task[count];
        var period = Stopwatch.Frequency / rate;
        var start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 100);
        var cpu = Environment.CpuUsage.TotalTime;
        for (var i = 0; i < count; i++)
        {
            due[i] = start + (long)(i * period);
            Clock.SleepUntil(due[i]);
            tasks[i] = Call(i);
        }
        await Task.WhenAll(tasks);
        var seconds = Stopwatch.GetElapsedTime(start, Math.Max(due[^1], done.Max())).TotalSeconds;
        var latencies = Enumerable.Range(0, count).Select(i => Stopwatch.GetElapsedTime(due[i], done[i]).TotalMicroseconds).ToArray();
        // The client's own pacing error: how late each call reached the gRPC client after it was due.
        var late = Enumerable.Range(0, count).Select(i => Stopwatch.GetElapsedTime(due[i], handed[i]).TotalMicroseconds).ToArray();
        Array.Sort(late);
        return Row.Of(count, ok.Count(o => o), seconds, latencies, (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds)
            with { LateP50 = Percentile(late, 50), LateP99 = Percentile(late, 99) };

        async Task Call(int i)
        {
            await Task.Yield();
            handed[i] = Stopwatch.GetTimestamp();
            try
            {
                ok[i] = await send(i);
            }
            catch (RpcException)
            {
                ok[i] = false;
            }
            done[i] = Stopwatch.GetTimestamp();
        }
    }

    /// <summary><paramref name="inFlight"/> loops, each sending its next call when the previous answer is in.</summary>
    private static async Task<Row> ClosedLoopAsync(Func<int, Task<bool>> send, int inFlight, TimeSpan duration)
    {
        var latencies = new List<double>[inFlight];
        var succeeded = 0L;
        var next = -1;
        var cpu = Environment.CpuUsage.TotalTime;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(loop => Task.Run(async () =>
        {
            var mine = latencies[loop] = new List<double>(4096);
            long now;
            while ((now = Stopwatch.GetTimestamp()) < end)
            {
                var ok = await send(Interlocked.Increment(ref next));
                var finished = Stopwatch.GetTimestamp();
                if (finished > end) break;
                if (ok) Interlocked.Increment(ref succeeded);
                mine.Add(Stopwatch.GetElapsedTime(now, finished).TotalMicroseconds);
            }
        })));
        var all = latencies.SelectMany(l => l).ToArray();
        return Row.Of(all.Length, succeeded, duration.TotalSeconds, all, (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds);
    }

    /// <summary>The same lookup in this process, one after another on one thread: the work without gRPC.</summary>
    private static Row Baseline(string rpc, Func<int, int> lookUp, int count)
    {
        for (var i = 0; i < Math.Min(count, 1000); i++) lookUp(i);
        var latencies = new double[count];
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var before = Stopwatch.GetTimestamp();
            lookUp(i);
            latencies[i] = Stopwatch.GetElapsedTime(before).TotalMicroseconds;
        }
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return Row.Of(count, count, seconds, latencies, double.NaN) with { Rpc = rpc, Mode = "baseline: in-process lookup + serialise, 1 thread" };
    }

    private static string Report(MachineInfo machine, List<Row> rows, double getBytes, int listBytes, TimeSpan window, TimeSpan took, (long Rss, long Peak) memory)
    {
        var text = new StringBuilder();
        text.AppendLine("# Registry server: GetFeatureView and ListFeatureViews over gRPC").AppendLine();
        text.AppendLine(machine.ToMarkdown()).AppendLine();
        text.AppendLine(Invariant($"`dotnet run -c Release --project bench/Feast.Benchmarks -- registry`: a registry of {Views:N0} feature views (10 features each) and {Services} feature services (10 views each), project `{Project}`, file registry; "))
            .AppendLine(Invariant($"`feast serve_registry` (the built CLI, own process, no access log) answers over gRPC on loopback to Grpc.Net.Client in the benchmark's process (one HTTP/2 channel), with `allow_cache: true` (the registry read once and kept, as Feast's clients ask). "))
            .AppendLine(Invariant($"GetFeatureView answers are {getBytes:N0} bytes on average (a shuffled sequence of the 1,000 views), ListFeatureViews {listBytes:N0} bytes (all 1,000 views). Each run lasts {window.TotalSeconds:N0} s; open loop: call i is due at start + i / rate and its latency is counted from then (no coordinated omission); closed loop: {InFlight} calls in flight. "))
            .AppendLine("The baseline is the same lookup in the benchmark's process without gRPC: the view found in the parsed registry message and serialised (for List: the project's views collected and the response serialised).").AppendLine();
        text.AppendLine("| RPC | mode | calls | ok | rps | p50 | p90 | p99 | p99.9 | max | client late p50 / p99 | server CPU / call | client CPU / call | load avg |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows) text.AppendLine(row.ToMarkdown());
        text.AppendLine().AppendLine(Invariant($"Latencies in ms; load avg: the machine's 1-minute load average at the end of the run (on {machine.Cores} cores; other work on the machine shows there). Server RSS at the end: {MiB(memory.Rss)} (peak {MiB(memory.Peak)}). The run took {took.TotalSeconds:N0} s."));
        return text.ToString();
    }

    /// <summary>One measured run (latencies in µs).</summary>
    private sealed record Row(string Rpc, string Mode, long Calls, long Ok, double Rps, double P50, double P90, double P99, double P999, double Max, double ServerCpuMs, double ClientCpuMs)
    {
        /// <summary>Open loop: how late the client handed calls to gRPC after they were due (its own pacing jitter), p50 and p99 in µs.</summary>
        public double LateP50 { get; init; } = double.NaN;

        /// <inheritdoc cref="LateP50"/>
        public double LateP99 { get; init; } = double.NaN;

        /// <summary>The machine's 1-minute load average when the run ended (other processes share the cores).</summary>
        public double Load { get; init; } = ProcessMemory.LoadAverage();

        public static Row Of(long calls, long ok, double seconds, double[] latencies, double clientCpuMs)
        {
            Array.Sort(latencies);
            return new Row("", "", calls, ok, ok / seconds, Percentile(latencies, 50), Percentile(latencies, 90), Percentile(latencies, 99),
                Percentile(latencies, 99.9), latencies.Length == 0 ? double.NaN : latencies[^1], double.NaN, clientCpuMs);
        }

        public string ToMarkdown()
        {
            static string Ms(double us) => double.IsNaN(us) ? "–" : Invariant($"{us / 1000:F3}");
            string PerCall(double ms) => double.IsNaN(ms) || Calls == 0 ? "–" : Invariant($"{ms * 1000 / Calls:F0} µs");
            return Invariant($"| {Rpc} | {Mode} | {Calls:N0} | {Ok:N0} | {Rps:N0} | {Ms(P50)} | {Ms(P90)} | {Ms(P99)} | {Ms(P999)} | {Ms(Max)} | {Ms(LateP50)} / {Ms(LateP99)} | {PerCall(ServerCpuMs)} | {PerCall(ClientCpuMs)} | {Load:F1} |");
        }
    }
}
