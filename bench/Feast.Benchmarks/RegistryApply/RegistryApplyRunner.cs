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

namespace Feast.Benchmarks.RegistryApply;

/// <summary>
/// <c>registry-apply</c>: the SDK's apply of a repo in which one feature view changed, against a local file registry and
/// through a registry server (<c>registry_type: remote</c>, the server on loopback in this process, writing its own file
/// registry), measured alternately in the same run; prints the medians and their ratio. Source validation is skipped on
/// both sides (and the server has no offline store), so what is measured is the registry's read, diff and write path.
/// </summary>
internal static class RegistryApplyRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        var runs = Option(args, "--runs", 31);
        var views = Option(args, "--views", 100);
        var services = Option(args, "--services", Math.Max(1, views / 10));
        var root = Path.Combine(Path.GetTempPath(), "feast-bench-registry-apply-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            var local = Config(Path.Combine(root, "local"), "registry: data/registry.db");
            var serverConfig = Config(Path.Combine(root, "server"), "registry: data/registry.db");
            await using var served = new FeatureStore(serverConfig);
            await using var host = await StartServerAsync(served);
            var remote = Config(Path.Combine(root, "client"), $"registry:\n  registry_type: remote\n  path: 127.0.0.1:{host.Port}\n  cache_ttl_seconds: 0");

            await using var localStore = new FeatureStore(local);
            await using var remoteStore = new FeatureStore(remote, new FeatureStoreOptions().UseRemoteRegistry());
            var skip = new ApplyOptions { SkipSourceValidation = true };
            // The first apply creates everything; then warm-up once more on each side.
            await localStore.ApplyAsync(Definitions(views, services, 0), skip);
            await remoteStore.ApplyAsync(Definitions(views, services, 0), skip);
            var localTimes = new List<double>();
            var remoteTimes = new List<double>();
            var localCpu = new List<double>();
            var remoteCpu = new List<double>();
            for (var run = 1; run <= runs + 1; run++)
            {
                var definitions = Definitions(views, services, run);
                var (l, lc) = await TimeAsync(() => localStore.ApplyAsync(definitions, skip));
                var (r, rc) = await TimeAsync(() => remoteStore.ApplyAsync(definitions, skip));
                if (run == 1) continue; // warm-up
                localTimes.Add(l);
                remoteTimes.Add(r);
                localCpu.Add(lc);
                remoteCpu.Add(rc);
            }
            var localMedian = Median(localTimes);
            var remoteMedian = Median(remoteTimes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"registry-apply: {views} feature views, {services} services, one view changed per apply, median of {runs} runs"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  local file registry      {localMedian,8:F2} ms  (p90 {Percentile(localTimes, 0.9):F2} ms)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  remote (registry server) {remoteMedian,8:F2} ms  (p90 {Percentile(remoteTimes, 0.9):F2} ms)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  remote / local           {remoteMedian / localMedian,8:F2}x"));
            // CPU time of this process (client and in-process server) per apply: less sensitive to other load on the machine.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  CPU per apply, median    local {Median(localCpu):F2} ms, remote {Median(remoteCpu):F2} ms, remote / local {Median(remoteCpu) / Median(localCpu):F2}x; load average {MachineLoad()}"));
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

    /// <summary>The repo: one entity, one source, <paramref name="views"/> views (the first one's ttl changes with <paramref name="variant"/>), services over them.</summary>
    private static RepoDefinitions Definitions(int views, int services, int variant)
    {
        var driver = new Entity("driver", ["driver_id"], ValueType.Int64);
        var source = new FileSource("data/driver_stats.parquet", "event_timestamp", name: "driver_stats_source");
        var all = new List<FeatureView>();
        for (var i = 0; i < views; i++)
        {
            var ttl = TimeSpan.FromHours(i == 0 ? 24 + variant : 24);
            all.Add(new FeatureView($"view_{i:D4}", source, [driver], ttl,
                [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("trips", FeastType.Int64)]));
        }
        var objects = new List<FeastObject> { driver, source };
        objects.AddRange(all);
        for (var s = 0; s < services; s++)
            objects.Add(new FeatureService($"service_{s:D3}", all.Skip(s * 10 % views).Take(10)));
        return RepoDefinitions.From(objects);
    }

    private static RepoConfig Config(string repo, string registry)
    {
        Directory.CreateDirectory(repo);
        return RepoConfigLoader.Parse($"project: bench\n{registry}\nprovider: local\nonline_store: null\nentity_key_serialization_version: 3\n", repo);
    }

    private static async Task<(double WallMs, double CpuMs)> TimeAsync(Func<Task> body)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var watch = Stopwatch.StartNew();
        await body();
        return (watch.Elapsed.TotalMilliseconds, (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds);
    }

    private static string MachineLoad() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static Task<LoopbackServer> StartServerAsync(FeatureStore store) =>
        LoopbackServer.StartAsync(s => s.AddFeastRegistryServer(o => o.Store = store), app => app.MapFeastRegistryServer(), HttpProtocols.Http2);
}
