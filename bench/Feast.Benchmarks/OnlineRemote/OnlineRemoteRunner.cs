using System.Diagnostics;
using System.Globalization;
using System.Net;
using Feast.Benchmarks.Harness;
using Feast.Configuration;
using Feast.Planning;
using Feast.Remote;
using Feast.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Feast.Benchmarks.OnlineRemote;

/// <summary>
/// <c>online-remote</c>: one entity × 50 features (5 views × 10) read through the remote online store
/// (<c>online_store: {type: remote}</c>, HTTP to a feature server on loopback in this process, which reads SQLite) against
/// the same read made directly on the served store, alternately in the same run; prints p50/p99 of each and their ratio,
/// with the machine's load average before and after.
/// </summary>
internal static class OnlineRemoteRunner
{
    private const int Views = 5;
    private const int FeaturesPerView = 10;

    public static async Task<int> RunAsync(string[] args)
    {
        var requests = Option(args, "--requests", 5000);
        var entities = Option(args, "--entities", 10_000);
        var root = Path.Combine(Path.GetTempPath(), "feast-bench-online-remote-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "data"));
        var loadBefore = LoadAverage();
        try
        {
            var config = RepoConfigLoader.Parse(
                "project: bench\nregistry:\n  path: data/registry.db\n  cache_ttl_seconds: 3600\nprovider: local\n" +
                "online_store:\n  type: sqlite\n  path: data/online.db\nentity_key_serialization_version: 3\n", root);
            await using var served = new FeatureStore(config);
            var views = await ApplyAndWriteAsync(served, entities);
            await using var host = await StartServerAsync(served);
            var remoteConfig = config with { OnlineStore = new RemoteOnlineStoreOptions { Path = $"http://127.0.0.1:{host.Port}" } };
            await using var remote = new FeatureStore(remoteConfig, new FeatureStoreOptions().UseRemoteOnlineStore());

            var features = views.SelectMany(v => Enumerable.Range(0, FeaturesPerView).Select(f => $"{v}:{v.Replace("view_", "v", StringComparison.Ordinal)}_f{f}")).ToArray();
            var random = new Random(17);
            var direct = new List<double>(requests);
            var through = new List<double>(requests);
            var warmup = Math.Max(200, requests / 10);
            for (var i = 0; i < warmup + requests; i++)
            {
                var row = new Dictionary<string, object?> { ["driver_id"] = (long)random.Next(entities) };
                IReadOnlyDictionary<string, object?>[] rows = [row];
                var d = await TimeAsync(() => served.GetOnlineFeaturesAsync(features, rows));
                var r = await TimeAsync(() => remote.GetOnlineFeaturesAsync(features, rows));
                if (i < warmup) continue;
                direct.Add(d);
                through.Add(r);
            }
            var check = await remote.GetOnlineFeaturesAsync(features, [new Dictionary<string, object?> { ["driver_id"] = 1L }]);
            if (check.FeatureCount != features.Length) throw new InvalidOperationException("The remote read did not answer every feature.");

            Print(requests, entities, direct, through, loadBefore, LoadAverage());
            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Applies 5 views of 10 features (Float32 and Int64) and writes every entity's row into each.</summary>
    private static async Task<string[]> ApplyAndWriteAsync(FeatureStore store, int entities)
    {
        var driver = new Entity("driver", ["driver_id"], ValueType.Int64);
        var source = new FileSource("data/unused.parquet", "event_timestamp", name: "source");
        var views = Enumerable.Range(0, Views).Select(v => new FeatureView($"view_{v}", source, [driver], TimeSpan.Zero,
            [.. Enumerable.Range(0, FeaturesPerView).Select(f => new Field($"v{v}_f{f}", f % 2 == 0 ? FeastType.Float32 : FeastType.Int64))])).ToArray();
        await store.ApplyAsync([driver, source, .. views], new ApplyOptions { SkipSourceValidation = true });
        var at = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var view in views)
        {
            var columns = new Dictionary<string, IReadOnlyList<object?>>
            {
                ["driver_id"] = Enumerable.Range(0, entities).Select(e => (object?)(long)e).ToArray(),
                ["event_timestamp"] = Enumerable.Repeat((object?)at, entities).ToArray(),
            };
            for (var f = 0; f < FeaturesPerView; f++)
            {
                var feature = f;
                columns[$"{view.Name.Replace("view_", "v", StringComparison.Ordinal)}_f{f}"] = Enumerable.Range(0, entities).Select(e => feature % 2 == 0 ? (object?)(float)(e * 0.001 + feature) : (long)(e + feature)).ToArray();
            }
            await store.WriteToOnlineStoreAsync(view.Name, FeatureRows.FromColumns(columns));
        }
        return [.. views.Select(v => v.Name)];
    }

    private static void Print(int requests, int entities, List<double> direct, List<double> remote, string loadBefore, string loadAfter)
    {
        static string Row(string name, List<double> times)
        {
            var sorted = times.Order().ToArray();
            return string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {Pct(sorted, 0.5):F3} | {Pct(sorted, 0.99):F3} | {1000.0 / sorted.Average():F0} |");
        }
        var ratio50 = Pct([.. remote.Order()], 0.5) / Pct([.. direct.Order()], 0.5);
        var ratio99 = Pct([.. remote.Order()], 0.99) / Pct([.. direct.Order()], 0.99);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"online-remote: 1 entity x {Views * FeaturesPerView} features ({Views} views x {FeaturesPerView}), {entities:N0} entities in SQLite, {requests:N0} requests each, alternated"));
        Console.WriteLine("| read | p50 ms | p99 ms | requests/s (one at a time) |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine(Row("direct (FeatureStore on the SQLite store)", direct));
        Console.WriteLine(Row("remote online store (HTTP to feast serve on loopback)", remote));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"remote / direct: p50 {ratio50:F2}x, p99 {ratio99:F2}x"));
        Console.WriteLine($"load average before: {loadBefore}; after: {loadAfter}; cores: {Environment.ProcessorCount}");
    }

    private static double Pct(double[] sorted, double p) => sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];

    private static async Task<double> TimeAsync(Func<Task> body)
    {
        var started = Stopwatch.GetTimestamp();
        await body();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static Task<LoopbackServer> StartServerAsync(FeatureStore store) =>
        LoopbackServer.StartAsync(s => s.AddFeast(o =>
        {
            o.Store = store;
            o.AccessLog = false;
        }), app => app.MapFeast(), HttpProtocols.Http1);
}
