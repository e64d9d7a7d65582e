using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Feast.Benchmarks.Harness;
using static Feast.Benchmarks.Harness.Stats;

namespace Feast.Benchmarks.ServerLoad;

/// <summary>
/// <c>server</c>: the feature server under load. Prepares the repo, starts <c>feast serve</c> (the built CLI) and the
/// bare Kestrel endpoint as separate processes, checks one answer per shape, then per shape runs the load generator
/// (another process) open-loop at the shape's fixed rate and closed-loop for maximum throughput against both servers,
/// interleaved, and writes the markdown report.
/// </summary>
internal static class ServerRunner
{
    private const string CliDll = "src/Feast.Cli/bin/Release/net10.0/linux-x64/Feast.Cli.dll";

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            return await RunCoreAsync(args);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // Setup problems (a store not registered, a service variable not set, a server that did not start) are messages, not stack traces.
            await Console.Error.WriteLineAsync($"server: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> RunCoreAsync(string[] args)
    {
        var settings = ServerLoadSettings.Parse(args);
        var options = settings.Bench;
        var root = BenchOptions.RepoRoot();
        var machine = MachineInfo.Collect();
        Console.WriteLine(machine.ToMarkdown());
        var started = Stopwatch.GetTimestamp();
        var startedAt = TimeProvider.System.GetUtcNow();
        var loadAtStart = ProcessMemory.LoadAverage();

        if (!settings.NoBuild)
        {
            Console.WriteLine("\nBuilding the CLI (dotnet build src/Feast.Cli -c Release) so feast serve is the current code...");
            using var build = Process.Start(new ProcessStartInfo("dotnet", ["build", "src/Feast.Cli", "-c", "Release", "-nologo", "-v", "quiet"]) { WorkingDirectory = root })!;
            await build.WaitForExitAsync();
            if (build.ExitCode != 0)
                throw new InvalidOperationException("Building src/Feast.Cli failed; see the output above.");
        }
        var cli = Path.Combine(root, CliDll);
        if (!File.Exists(cli))
            throw new InvalidOperationException($"{CliDll} is missing: build it with `dotnet build src/Feast.Cli -c Release`.");

        var data = new ServerData(options.DataDirectory, settings.OnlineStore);
        Console.WriteLine($"\nPreparing the {settings.OnlineStore} repo...");
        await data.PrepareAsync(Console.Out);

        var shapes = LoadShape.All.Where(s => options.Only.Count == 0 || options.Only.Contains(s.Id, StringComparer.OrdinalIgnoreCase)).ToList();
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        var logs = Path.Combine(data.Directory, "logs");
        var self = Environment.ProcessPath!;
        var selfArgs = Path.GetFileNameWithoutExtension(self) == "dotnet" ? new[] { typeof(ServerRunner).Assembly.Location } : [];

        Console.WriteLine("\nStarting feast serve...");
        await using var feast = await ServerProcess.StartAsync("feast serve", "dotnet",
            [cli, "serve", "--host", "127.0.0.1", "-p", "{port}", "--no-grpc", "--no-access-log"], data.Repo, Path.Combine(logs, "feast-serve.log"),
            settings.ServerGc, probe);
        Console.WriteLine($"  feast serve on port {feast.Port} (pid {feast.ProcessId}), log {Path.Combine(logs, "feast-serve.log")}");

        Directory.CreateDirectory(data.Bodies);
        foreach (var file in Directory.EnumerateFiles(data.Bodies))
            File.Delete(file);
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var shape in shapes)
        {
            var body = await VerifyAsync(probe, feast.Url("/get-online-features"), data, shape);
            await File.WriteAllBytesAsync(data.BodyFile(shape), body);
            sizes[shape.Id] = body.Length;
            Console.WriteLine(Invariant($"  {shape.Id,-8} verified: 200, {1 + shape.Features} columns × {shape.Entities} rows, all PRESENT with the written values; {body.Length:N0} bytes"));
        }

        Console.WriteLine("Starting the bare endpoint...");
        await using var bare = await ServerProcess.StartAsync("bare Kestrel", self, [.. selfArgs, "bare", "--port", "{port}", "--bodies", data.Bodies], root,
            Path.Combine(logs, "bare.log"), settings.ServerGc, probe);
        Console.WriteLine($"  bare endpoint on port {bare.Port} (pid {bare.ProcessId})");
        foreach (var shape in shapes)
        {
            using var response = await probe.PostAsync(bare.Url("/bare/" + shape.Id), new StringContent(File.ReadLines(data.RequestFile(shape)).First()));
            var answer = await response.Content.ReadAsByteArrayAsync();
            var expected = await File.ReadAllBytesAsync(data.BodyFile(shape));
            if (!answer.AsSpan().SequenceEqual(expected))
                throw new InvalidOperationException($"The bare endpoint's answer to {shape.Id} differs from feast serve's.");
        }

        var results = new List<ShapeResult>();
        foreach (var shape in shapes)
        {
            Console.WriteLine(Invariant($"\n{shape.Id}: {shape.Title}; {sizes[shape.Id]:N0}-byte answers"));
            var runs = new Dictionary<string, Run>(StringComparer.Ordinal);
            var servers = new[] { (Key: "feast", Server: feast, Path: "/get-online-features"), (Key: "bare", Server: bare, Path: "/bare/" + shape.Id) };
            foreach (var (key, server, path) in servers)
            {
                runs[key + ".open"] = await LoadAsync(server, [feast, bare], settings, data, shape, path, sizes[shape.Id], closed: false);
            }
            foreach (var (key, server, path) in servers)
            {
                runs[key + ".closed"] = await LoadAsync(server, [feast, bare], settings, data, shape, path, sizes[shape.Id], closed: true);
            }
            if (settings.Wrk && shape.Entities == 1)
            {
                foreach (var (key, server, path) in servers)
                    runs[key + ".wrk"] = await WrkAsync(server, [feast, bare], settings, data, shape, path, logs);
            }
            results.Add(new ShapeResult(shape, sizes[shape.Id], runs));
        }
        var memory = feast.Memory();

        await File.WriteAllTextAsync(Path.Combine(data.Directory, $"last-run-{settings.OnlineStore}{(options.Quick ? "-quick" : "")}.json"),
            JsonSerializer.Serialize(results, LoadGenerator.Json));
        var report = Report(settings, machine, data, results, Stopwatch.GetElapsedTime(started), startedAt, loadAtStart, ProcessMemory.LoadAverage(), memory);
        var output = options.OutputFile ?? (options.Quick || settings.OnlineStore != "sqlite"
            ? Path.Combine(options.DataDirectory, $"server-{settings.OnlineStore}{(options.Quick ? "-quick" : "")}.md")
            : Path.Combine(root, "bench", "results", "server.md"));
        if (!options.Quick && settings.OnlineStore != "sqlite" && options.OutputFile is null)
            output = Path.Combine(root, "bench", "results", $"server-{settings.OnlineStore}.md");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, report);
        Console.WriteLine();
        Console.WriteLine(report);
        Console.WriteLine($"Report written to {output}");
        return 0;
    }

    /// <summary>Sends the shape's first request and checks the answer: 200, join key then every feature, each value the one written.</summary>
    private static async Task<byte[]> VerifyAsync(HttpClient client, Uri url, ServerData data, LoadShape shape)
    {
        var request = File.ReadLines(data.RequestFile(shape)).First();
        using var response = await client.PostAsync(url, new StringContent(request, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != System.Net.HttpStatusCode.OK)
            throw new InvalidOperationException($"{shape.Id}: feast serve answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
        using var requestJson = JsonDocument.Parse(request);
        var ids = requestJson.RootElement.GetProperty("entities").GetProperty(ServerData.JoinKey).EnumerateArray().Select(e => e.GetInt64()).ToArray();
        using var json = JsonDocument.Parse(body);
        var names = json.RootElement.GetProperty("metadata").GetProperty("feature_names").EnumerateArray().Select(e => e.GetString()).ToArray();
        var columns = json.RootElement.GetProperty("results").EnumerateArray().ToArray();
        var expected = Enumerable.Range(0, shape.Views).SelectMany(v => Enumerable.Range(0, ServerData.FeaturesPerView).Select(f => (v, f))).ToArray();
        void Check(bool ok, string what)
        {
            if (!ok)
                throw new InvalidOperationException($"{shape.Id}: feast serve's answer is wrong: {what}.");
        }
        Check(columns.Length == 1 + shape.Features && names.Length == 1 + shape.Features, $"{columns.Length} columns, {names.Length} names, expected {1 + shape.Features}");
        Check(names[0] == ServerData.JoinKey, $"first column {names[0]}");
        for (var c = 0; c < columns.Length; c++)
        {
            var values = columns[c].GetProperty("values").EnumerateArray().ToArray();
            var statuses = columns[c].GetProperty("statuses").EnumerateArray().Select(s => s.GetString()).ToArray();
            Check(values.Length == shape.Entities && statuses.Length == shape.Entities, $"column {names[c]} has {values.Length} values");
            Check(statuses.All(s => s == "PRESENT"), $"column {names[c]} has statuses {string.Join(',', statuses.Distinct())}");
            for (var row = 0; row < values.Length; row++)
            {
                var want = c == 0 ? ids[row] : ServerData.ValueOf(ids[row], expected[c - 1].v, expected[c - 1].f);
                Check(values[row].GetInt64() == want, $"column {names[c]} row {row} is {values[row]}, written {want}");
            }
            if (c > 0)
                Check(names[c] == ServerData.FeatureName(expected[c - 1].v, expected[c - 1].f), $"column {c} is {names[c]}");
        }
        return body;
    }

    private static async Task<Run> LoadAsync(ServerProcess server, ServerProcess[] servers, ServerLoadSettings settings, ServerData data, LoadShape shape, string path, long size, bool closed)
    {
        var quick = settings.Bench.Quick;
        var big = shape.Entities == ServerData.Entities;
        var duration = closed ? big ? (quick ? 10 : 20) : (quick ? 3 : 10) : big ? (quick ? 5 : 10) : (quick ? 5 : 25);
        string[] args =
        [
            "--url", server.Url(path).ToString(), "--requests", data.RequestFile(shape), "--expect-bytes", size.ToString(CultureInfo.InvariantCulture),
            "--duration", duration.ToString(CultureInfo.InvariantCulture), "--warmup", (quick ? "1" : "2"), "--timeout", big ? "30" : "10",
            .. closed
                ? new[] { "--concurrency", (settings.Concurrency ?? shape.Concurrency).ToString(CultureInfo.InvariantCulture) }
                : ["--rate", shape.Rate.ToString(CultureInfo.InvariantCulture), "--connections", settings.Connections.ToString(CultureInfo.InvariantCulture)],
        ];
        foreach (var other in servers)
        {
            var waited = await other.SettleAsync(TimeSpan.FromSeconds(120));
            if (waited > TimeSpan.FromSeconds(1))
                Console.WriteLine(Invariant($"    (waited {waited.TotalSeconds:F1} s for {other.Name} to go idle)"));
        }
        var load = ProcessMemory.LoadAverage();
        var cpu = TimeSpan.Zero;
        var result = await LoadGeneratorProcess.RunAsync(args, () => cpu = server.CpuTime());
        // The server's CPU from the end of the warm-up to the result (the window and the last answers).
        var serverCpu = (server.CpuTime() - cpu).TotalMilliseconds;
        var run = new Run(result, load, serverCpu);
        Console.WriteLine(Invariant(
            $"  {server.Name,-12} {(closed ? $"closed c={settings.Concurrency ?? shape.Concurrency}" : $"open {shape.Rate} rps"),-14} {Rps(result.Rps),8} rps  ok {result.SuccessPercent,6:F2}%  p50 {Ms(result.P50)}  p99 {Ms(result.P99)}  p99.9 {Ms(result.P999)}  max {Ms(result.Max)}  late p99 {Ms(result.LateP99)}  server cpu {serverCpu / 1000:F1} s  loadgen cpu {result.CpuMs / 1000:F1} s  load {load:F1}"));
        if (result.FirstError is not null)
            Console.WriteLine($"    first failure: {result.FirstError}");
        return run;
    }

    /// <summary>Cross-check of the closed loop with wrk (<c>wrk -t2 -c32 -d10s -s post.lua</c>); null when wrk is not installed.</summary>
    private static async Task<Run> WrkAsync(ServerProcess server, ServerProcess[] servers, ServerLoadSettings settings, ServerData data, LoadShape shape, string path, string logs)
    {
        foreach (var other in servers)
            await other.SettleAsync(TimeSpan.FromSeconds(120));
        var script = Path.Combine(logs, $"post-{shape.Id}.lua");
        var body = File.ReadLines(data.RequestFile(shape)).First();
        await File.WriteAllTextAsync(script, $"""
            wrk.method = "POST"
            wrk.body = '{body}'
            wrk.headers["Content-Type"] = "application/json"
            """);
        var seconds = settings.Bench.Quick ? 3 : 10;
        var start = new ProcessStartInfo("wrk", ["-t2", "-c32", $"-d{seconds}s", "-s", script, "--latency", server.Url(path).ToString()])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var load = ProcessMemory.LoadAverage();
        var cpu = server.CpuTime();
        using var process = Process.Start(start)!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var serverCpu = (server.CpuTime() - cpu).TotalMilliseconds;
        double Find(string prefix) => text.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => ParseWrk(l[prefix.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0])).FirstOrDefault(double.NaN);
        var rps = Find("Requests/sec:");
        var errors = text.Contains("Non-2xx", StringComparison.Ordinal) || text.Contains("Socket errors", StringComparison.Ordinal);
        var result = new LoadResult("wrk", 0, 0, errors ? 1 : 0, errors ? text : null, seconds, rps, Find("50%"), Find("90%"), Find("99%"), double.NaN,
            double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        Console.WriteLine(Invariant($"  {server.Name,-12} wrk -c32       {rps,8:F0} rps  p50 {Ms(result.P50)}  p99 {Ms(result.P99)}{(errors ? "  ERRORS (see wrk output)" : "")}"));
        return new Run(result, load, serverCpu);
    }

    /// <summary>wrk's "1.23ms" / "850.00us" / "1.02s" as microseconds; a plain number as is.</summary>
    private static double ParseWrk(string text)
    {
        (string Suffix, double Factor)[] units = [("us", 1), ("ms", 1_000), ("s", 1_000_000)];
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(text[..^suffix.Length], CultureInfo.InvariantCulture, out var value))
                return value * factor;
        }
        return double.TryParse(text, CultureInfo.InvariantCulture, out var plain) ? plain : double.NaN;
    }

    private static string Ms(double us) => double.IsNaN(us) ? "–" : us >= 100_000 ? Invariant($"{us / 1_000_000:F2} s") : Invariant($"{us / 1000:F2} ms");

    private static string Report(ServerLoadSettings settings, MachineInfo machine, ServerData data, List<ShapeResult> results, TimeSpan elapsed,
        DateTimeOffset startedAt, double loadBefore, double loadAfter, (long Rss, long Peak) memory)
    {
        var options = settings.Bench;
        var md = new StringBuilder();
        md.AppendLine("# Feature server under load").AppendLine();
        md.AppendLine(Invariant($"Generated by `{settings.Command()}` on {startedAt:yyyy-MM-dd HH:mm} UTC; the whole run took {elapsed.TotalMinutes:F1} min. ")
            + Invariant($"1-minute load average {loadBefore:F1} when the run started, {loadAfter:F1} when it ended ({Environment.ProcessorCount} cores)."));
        if (settings.Note is { } note)
            md.AppendLine().AppendLine($"**{note}**");
        md.AppendLine();
        md.AppendLine(Invariant($"- **Data**: Feast's benchmark shape, {ServerData.Views} feature views × {ServerData.FeaturesPerView} Int64 features, one Int64 entity key, {ServerData.Entities:N0} entities, "))
            .AppendLine($"  written with `WriteToOnlineStoreAsync` into the **{settings.OnlineStore}** online store of a repo with a file registry (`{Path.GetRelativePath(BenchOptions.RepoRoot(), data.Repo)}`).")
            .AppendLine("- **feast serve**: the built CLI, `dotnet Feast.Cli.dll serve --host 127.0.0.1 -p PORT --no-grpc --no-access-log`, in its own process "
                + $"({(settings.ServerGc ? "Server GC forced with DOTNET_gcServer=1" : "its default workstation concurrent GC")}).")
            .AppendLine("- **bare**: a minimal ASP.NET Core app in its own process, Kestrel configured as feast serve configures it (empty builder, Kestrel core, HTTP/1.1, same GC), "
                + "that reads the request body and answers with a fixed body: feast serve's own answer to that shape, byte for byte, written to the response pipe.")
            .AppendLine("- **Requests**: Feast's JSON, `{\"features\": [\"fv_0:f_0\", …], \"entities\": {\"entity_id\": [...]}}` POSTed to `/get-online-features`; "
                + "a pool of requests per shape with entities drawn from a fixed seed, sent in turn. One answer per shape is checked before timing (200, every column, "
                + "every status PRESENT, every value the one written); during the runs an answer counts as a success only with status 200 and exactly the expected byte count.")
            .AppendLine("- **Load generator**: `Feast.Benchmarks loadgen`, a .NET process separate from both servers: HttpClient over SocketsHttpHandler, HTTP/1.1. "
                + Invariant($"**Open loop**: requests due at a fixed rate over {settings.Connections} connections; latency is measured from each request's *due* time, ")
                + "so a stall is charged to every request it delays (no coordinated omission); `late p99` is how late the generator itself handed requests to HttpClient. "
                + "**Closed loop**: N requests in flight, each loop sending the next when its answer is in; max rps = successful answers per second. "
                + Invariant($"Each run starts with {(options.Quick ? 1 : 2)} s of unmeasured warm-up (closed loop over the same connections); open loops run {(options.Quick ? 5 : 25)} s ({(options.Quick ? 5 : 10)} s for all entities), ")
                + Invariant($"closed loops {(options.Quick ? 3 : 10)} s ({(options.Quick ? 10 : 20)} s for all entities); only answers that arrive inside the window count. Requests time out after 10 s (30 s for all entities). ")
                + "Before each run the runner waits until both servers are idle, so requests a timed-out run left behind do not slow the next one.")
            .AppendLine("- **CPU**: server CPU per request is the server process's user + system time (from /proc) over the measured window divided by the requests sent in it; "
                + "it is less sensitive to other load on the machine than the latencies. Cores = CPU time / window. "
                + "**The machine has 2 cores: the load generator runs on the same cores as the server and takes a share of them in the closed loop** (its CPU is in the tables).");
        md.AppendLine();
        md.AppendLine(machine.ToMarkdown());
        md.AppendLine().AppendLine(Invariant($"feast serve's resident set at the end: {MiB(memory.Rss)} (peak {MiB(memory.Peak)})."));

        md.AppendLine().AppendLine("## Summary").AppendLine();
        md.AppendLine("Fixed rate: open loop, latency from each request's due time. Max rps: closed loop with the .NET generator "
            + "(wrk's figure in brackets where run). CPU/req: the server process's CPU time per answer in the closed loop. "
            + Invariant($"Ceiling: what the closed loop would reach if server and generator had the {Environment.ProcessorCount} cores to themselves, ")
            + "cores ÷ (server + generator CPU per answer) — an estimate, useful when other processes take most of the machine.").AppendLine();
        md.AppendLine("| shape | answer | fixed rate | feast p50 | feast p99 | feast p99.9 | feast ok | bare p99 | max rps feast | max rps bare | feast / bare | CPU/req feast | CPU/req bare | ceiling feast | ceiling bare |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var fo = r.Runs["feast.open"].Result;
            var bo = r.Runs["bare.open"].Result;
            var fc = r.Runs["feast.closed"].Result;
            var bc = r.Runs["bare.closed"].Result;
            string Wrk(string key) => r.Runs.TryGetValue(key, out var w) ? Invariant($" ({Rps(w.Result.Rps)})") : "";
            string WrkRatio() => r.Runs.TryGetValue("feast.wrk", out var f) && r.Runs.TryGetValue("bare.wrk", out var b) ? $" ({Ratio(f.Result.Rps, b.Result.Rps)})" : "";
            md.AppendLine(Invariant($"| {r.Shape.Id} | {r.Bytes:N0} B | {r.Shape.Rate} rps | {Ms(fo.P50)} | **{Ms(fo.P99)}** | {Ms(fo.P999)} | {fo.SuccessPercent:F2}% | {Ms(bo.P99)} | **{Rps(fc.Rps)}**{Wrk("feast.wrk")} | {Rps(bc.Rps)}{Wrk("bare.wrk")} | **{Ratio(fc.Rps, bc.Rps)}**{WrkRatio()} | {CpuPerRequest(r.Runs["feast.closed"])} | {CpuPerRequest(r.Runs["bare.closed"])} | {Ceiling(r.Runs["feast.closed"])} | {Ceiling(r.Runs["bare.closed"])} |"));
        }

        md.AppendLine().AppendLine("## Goals of issue 5").AppendLine();
        md.AppendLine("| goal | result | met |").AppendLine("|---|---|---|");
        var byId = results.ToDictionary(r => r.Shape.Id, StringComparer.Ordinal);
        if (byId.TryGetValue("1x50", out var one))
        {
            var p99 = one.Runs["feast.open"].Result.P99;
            md.AppendLine(Invariant($"| p99 ≤ 1.78 ms for 1×50 at 100 rps | {Ms(p99)} | {Met(p99 <= 1_780)} |"));
            var rps = one.Runs["feast.closed"].Result.Rps;
            var wrk = one.Runs.TryGetValue("feast.wrk", out var w) ? w.Result.Rps : double.NaN;
            md.AppendLine(Invariant($"| ≥ 5,000 rps closed loop for 1×50 on 2 cores | {rps:N0} rps (.NET generator){(double.IsNaN(wrk) ? "" : Invariant($", {wrk:N0} rps (wrk)"))} | {(rps >= 5_000 ? "yes" : wrk >= 5_000 ? "with wrk only (the .NET generator takes more of the 2 cores)" : "**no**")} |"));
        }
        foreach (var r in results)
        {
            var ratio = r.Runs["feast.closed"].Result.Rps / r.Runs["bare.closed"].Result.Rps;
            md.AppendLine(Invariant($"| ≥ 50% of the bare endpoint's throughput, {r.Shape.Id} | {Ratio(r.Runs["feast.closed"].Result.Rps, r.Runs["bare.closed"].Result.Rps)} | {Met(ratio >= 0.5)} |"));
        }
        if (byId.TryGetValue("100x250", out var big))
        {
            var ok = big.Runs["feast.open"].Result.SuccessPercent;
            md.AppendLine(Invariant($"| 100% success for 100×250 at 30 rps | {ok:F2}% | {Met(ok >= 100)} |"));
        }

        foreach (var r in results)
        {
            md.AppendLine().AppendLine(Invariant($"## {r.Shape.Id}: {r.Shape.Title}")).AppendLine();
            md.AppendLine(Invariant($"Answer: {r.Bytes:N0} bytes. Fixed rate {r.Shape.Rate} rps; closed loop with {settings.Concurrency ?? r.Shape.Concurrency} requests in flight.")).AppendLine();
            md.AppendLine("| server | load | sent | ok | rps | p50 | p90 | p99 | p99.9 | max | late p99 | server CPU/req | server cores | loadgen cores | load avg |");
            md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (key, run) in r.Runs)
            {
                var x = run.Result;
                var server = key.StartsWith("feast", StringComparison.Ordinal) ? "**feast serve**" : "bare Kestrel";
                var mode = x.Mode switch
                {
                    "open" => Invariant($"open, {r.Shape.Rate} rps"),
                    "closed" => Invariant($"closed, {settings.Concurrency ?? r.Shape.Concurrency} in flight"),
                    _ => "wrk -t2 -c32 (cross-check)",
                };
                var seconds = x.Seconds;
                md.AppendLine(Invariant(
                    $"| {server} | {mode} | {(x.Mode == "wrk" ? "–" : x.Sent.ToString("N0", CultureInfo.InvariantCulture))} | {(x.Mode == "wrk" ? (x.Failed == 0 ? "no errors" : "errors") : $"{x.SuccessPercent:F2}%")} | {Rps(x.Rps)} | {Ms(x.P50)} | {Ms(x.P90)} | {Ms(x.P99)} | {Ms(x.P999)} | {Ms(x.Max)} | {Ms(x.LateP99)} | {CpuPerRequest(run)} | {run.ServerCpuMs / 1000 / seconds:F2} | {(double.IsNaN(x.CpuMs) ? "–" : (x.CpuMs / 1000 / seconds).ToString("F2", CultureInfo.InvariantCulture))} | {run.LoadAverage:F1} |"));
            }
            var failures = r.Runs.Where(p => p.Value.Result.FirstError is not null && p.Value.Result.Mode != "wrk").ToList();
            foreach (var (key, run) in failures)
                md.AppendLine().Append(Invariant($"`{key}`: {run.Result.Failed:N0} of {run.Result.Sent:N0} failed; the first: {run.Result.FirstError}"));
            if (failures.Count > 0)
                md.AppendLine();
        }
        return md.ToString();
    }

    private static string Rps(double rps) => rps >= 100 ? rps.ToString("N0", CultureInfo.InvariantCulture) : rps.ToString("F1", CultureInfo.InvariantCulture);

    private static string Met(bool met) => met ? "yes" : "**no**";

    private static string Ratio(double feast, double bare) => bare > 0 ? Invariant($"{100 * feast / bare:F0}%") : "–";

    /// <summary>The server's CPU time per request answered in the window.</summary>
    private static string CpuPerRequest(Run run)
    {
        var x = run.Result;
        var requests = x.Mode == "wrk" ? x.Rps * x.Seconds : x.Sent;
        if (requests <= 0)
            return "–";
        var us = run.ServerCpuMs * 1000 / requests;
        return us >= 10_000 ? Invariant($"{us / 1000:F0} ms") : Invariant($"{us:F0} µs");
    }

    /// <summary>Cores ÷ (server + load generator CPU per answer): the closed loop's rate on otherwise idle cores, estimated.</summary>
    private static string Ceiling(Run run)
    {
        var x = run.Result;
        if (x.Sent <= 0 || double.IsNaN(x.CpuMs))
            return "–";
        var perAnswerMs = (run.ServerCpuMs + x.CpuMs) / x.Sent;
        return Rps(Environment.ProcessorCount * 1000 / perAnswerMs);
    }

    private sealed record Run(LoadResult Result, double LoadAverage, double ServerCpuMs);

    private sealed record ShapeResult(LoadShape Shape, long Bytes, Dictionary<string, Run> Runs);
}

/// <summary>The <c>server</c> command's own options; the rest go to <see cref="BenchOptions"/>.</summary>
internal sealed class ServerLoadSettings
{
    public required BenchOptions Bench { get; init; }

    public string OnlineStore { get; private init; } = "sqlite";

    public int? Concurrency { get; private init; }

    public int Connections { get; private init; } = 4;

    public bool ServerGc { get; private init; }

    public bool Wrk { get; private init; } = true;

    public bool NoBuild { get; private init; }

    public string? Note { get; private init; }

    public static ServerLoadSettings Parse(string[] args)
    {
        var rest = new List<string>();
        string store = "sqlite";
        int? concurrency = null;
        var connections = 4;
        bool serverGc = false, wrk = true, noBuild = false;
        string? note = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.");
            switch (args[i])
            {
                case "--online-store":
                    store = Next();
                    if (store is not ("sqlite" or "redis" or "redis-cluster" or "postgres"))
                        throw new ArgumentException($"--online-store {store}: use sqlite, redis, redis-cluster or postgres.");
                    break;
                case "--concurrency": concurrency = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--connections": connections = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--server-gc": serverGc = true; break;
                case "--no-wrk": wrk = false; break;
                case "--no-build": noBuild = true; break;
                case "--note": note = Next(); break;
                default: rest.Add(args[i]); break;
            }
        }
        if (wrk && !OnPath("wrk"))
            wrk = false;
        return new ServerLoadSettings
        {
            Bench = BenchOptions.Parse([.. rest]), OnlineStore = store, Concurrency = concurrency, Connections = connections, ServerGc = serverGc, Wrk = wrk,
            NoBuild = noBuild, Note = note,
        };
    }

    public string Command()
    {
        var text = new StringBuilder(CaseRunner.Command("server", Bench));
        if (OnlineStore != "sqlite")
            text.Append(" --online-store ").Append(OnlineStore);
        if (Concurrency is { } c)
            text.Append(CultureInfo.InvariantCulture, $" --concurrency {c}");
        if (Connections != 4)
            text.Append(CultureInfo.InvariantCulture, $" --connections {Connections}");
        if (ServerGc)
            text.Append(" --server-gc");
        return text.ToString();
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, program)));
}
