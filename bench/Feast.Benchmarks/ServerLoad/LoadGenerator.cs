using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text.Json;
using Feast.Benchmarks.Harness;

namespace Feast.Benchmarks.ServerLoad;

/// <summary>What one load-generator run measured (latencies in µs).</summary>
/// <param name="Mode">open (fixed rate) or closed (fixed requests in flight).</param>
/// <param name="Sent">Requests sent in the measured window.</param>
/// <param name="Succeeded">Answers with status 200 and the expected body length.</param>
/// <param name="Failed">Answers with another status or length, transport errors and timeouts.</param>
/// <param name="FirstError">The first failure, described.</param>
/// <param name="Seconds">The measured window.</param>
/// <param name="Rps">Successful answers per second of the window.</param>
/// <param name="P50">Latency percentiles: from each request's scheduled send time (open loop) or its send (closed loop).</param>
/// <param name="ServiceP50">Open loop: from the moment the request was handed to HttpClient.</param>
/// <param name="LateP99">Open loop: how late the generator handed requests to HttpClient (its own scheduling jitter), p99.</param>
/// <param name="CpuMs">The generator's own CPU time in the window.</param>
internal sealed record LoadResult(string Mode, long Sent, long Succeeded, long Failed, string? FirstError, double Seconds, double Rps,
    double P50, double P90, double P99, double P999, double Max, double Mean, double ServiceP50, double ServiceP99, double LateP99, double CpuMs)
{
    public double SuccessPercent => Sent == 0 ? 0 : 100.0 * Succeeded / Sent;
}

/// <summary>
/// <c>loadgen</c>: a .NET load generator, run as its own process. Open loop (<c>--rate R</c>): request i is due at
/// start + i / R whatever happened to earlier ones, and its latency is measured from that due time, so a stalled server
/// is charged for every request it held up (no coordinated omission). Closed loop (<c>--concurrency N</c>): N loops,
/// each sending its next request when the previous answer is in. Both over HttpClient with SocketsHttpHandler and a
/// fixed number of HTTP/1.1 connections; request bodies are sent in turn from a JSON-lines file; an answer counts as
/// a success when its status is 200 and its body has the expected length.
/// </summary>
internal static class LoadGenerator
{
    public const string ResultPrefix = "@@result ";

    /// <summary>Printed when the warm-up is over and the measured window starts (the parent reads the server's CPU then).</summary>
    public const string MeasuringLine = "@@measuring";

    /// <summary>NaN stands for a percentile of no requests.</summary>
    public static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = Settings.Parse(args);
        var bodies = File.ReadLines(settings.Requests).Where(l => l.Length > 0).Select(System.Text.Encoding.UTF8.GetBytes).ToArray();
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = settings.Connections,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var target = new Target(client, new Uri(settings.Url), bodies, settings.ExpectBytes, settings.Timeout);

        // Warm-up: open the connections and JIT both sides; not measured.
        if (settings.Warmup > TimeSpan.Zero)
            await ClosedLoopAsync(target, settings.Connections, settings.Warmup);
        Console.WriteLine(MeasuringLine);
        var result = settings.Rate is { } rate
            ? await OpenLoopAsync(target, rate, settings.Duration)
            : await ClosedLoopAsync(target, settings.Concurrency, settings.Duration);
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(result, Json));
        return 0;
    }

    private static async Task<LoadResult> OpenLoopAsync(Target target, double rate, TimeSpan duration)
    {
        var count = (int)Math.Round(rate * duration.TotalSeconds);
        var due = new long[count];
        var handed = new long[count];
        var done = new long[count];
        var ok = new bool[count];
        var tasks = new Task[count];
        var period = Stopwatch.Frequency / rate;
        var cpu = Environment.CpuUsage.TotalTime;
        var start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 100);
        for (var i = 0; i < count; i++)
        {
            due[i] = start + (long)(i * period);
            Clock.SleepUntil(due[i]);
            handed[i] = Stopwatch.GetTimestamp();
            var index = i;
            tasks[i] = Send(index);
        }
        await Task.WhenAll(tasks);
        var window = Stopwatch.GetElapsedTime(start, Math.Max(due[^1], done.Max())).TotalSeconds;
        var cpuMs = (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds;

        var latencies = Enumerable.Range(0, count).Select(i => Stopwatch.GetElapsedTime(due[i], done[i]).TotalMicroseconds).ToArray();
        var service = Enumerable.Range(0, count).Select(i => Stopwatch.GetElapsedTime(handed[i], done[i]).TotalMicroseconds).ToArray();
        var late = Enumerable.Range(0, count).Select(i => Stopwatch.GetElapsedTime(due[i], handed[i]).TotalMicroseconds).ToArray();
        Array.Sort(service);
        Array.Sort(late);
        var succeeded = ok.Count(o => o);
        return Summarize("open", count, succeeded, target.FirstError, window, latencies, cpuMs) with
        {
            ServiceP50 = Stats.Percentile(service, 50),
            ServiceP99 = Stats.Percentile(service, 99),
            LateP99 = Stats.Percentile(late, 99),
        };

        async Task Send(int i)
        {
            await Task.Yield();
            ok[i] = await target.SendAsync(i);
            done[i] = Stopwatch.GetTimestamp();
        }
    }

    private static async Task<LoadResult> ClosedLoopAsync(Target target, int concurrency, TimeSpan duration)
    {
        var latencies = new List<double>[concurrency];
        var succeeded = 0L;
        var sent = 0L;
        var cpu = Environment.CpuUsage.TotalTime;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var next = -1;
        var loops = Enumerable.Range(0, concurrency).Select(loop => Task.Run(async () =>
        {
            var mine = latencies[loop] = new List<double>(1024);
            long now;
            while ((now = Stopwatch.GetTimestamp()) < end)
            {
                var ok = await target.SendAsync(Interlocked.Increment(ref next));
                var finished = Stopwatch.GetTimestamp();
                // Only requests that both started and finished in the window count towards the rate.
                if (finished > end)
                    break;
                Interlocked.Increment(ref sent);
                if (ok)
                    Interlocked.Increment(ref succeeded);
                mine.Add(Stopwatch.GetElapsedTime(now, finished).TotalMicroseconds);
            }
        })).ToArray();
        await Task.WhenAll(loops);
        var cpuMs = (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds;
        return Summarize("closed", sent, succeeded, target.FirstError, duration.TotalSeconds, [.. latencies.SelectMany(l => l)], cpuMs);
    }

    private static LoadResult Summarize(string mode, long sent, long succeeded, string? firstError, double seconds, double[] latencies, double cpuMs)
    {
        Array.Sort(latencies);
        return new LoadResult(mode, sent, succeeded, sent - succeeded, firstError, seconds, succeeded / seconds,
            Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 90), Stats.Percentile(latencies, 99), Stats.Percentile(latencies, 99.9),
            latencies.Length == 0 ? double.NaN : latencies[^1], latencies.Length == 0 ? double.NaN : latencies.Average(), double.NaN, double.NaN, double.NaN, cpuMs);
    }

    /// <summary>The server under load: sends request i (body i mod the pool) and checks the answer.</summary>
    private sealed class Target(HttpClient client, Uri url, byte[][] bodies, long expectBytes, TimeSpan timeout)
    {
        private static readonly MediaTypeHeaderValue JsonType = new("application/json");

        private string? _firstError;

        public string? FirstError => _firstError;

        public async Task<bool> SendAsync(int i)
        {
            using var cancel = new CancellationTokenSource(timeout);
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                using var content = new ByteArrayContent(bodies[i % bodies.Length]);
                content.Headers.ContentType = JsonType;
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content, Version = HttpVersion.Version11 };
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
                long length = 0;
                await using (var stream = await response.Content.ReadAsStreamAsync(cancel.Token))
                {
                    int read;
                    while ((read = await stream.ReadAsync(buffer, cancel.Token)) > 0)
                        length += read;
                }
                if (response.StatusCode != HttpStatusCode.OK)
                    return Fail($"status {(int)response.StatusCode}");
                if (expectBytes > 0 && length != expectBytes)
                    return Fail($"a {length}-byte answer where {expectBytes} bytes were expected");
                return true;
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return Fail($"no answer within {timeout.TotalSeconds:F0} s");
            }
            catch (HttpRequestException e)
            {
                return Fail(e.Message);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private bool Fail(string error)
        {
            Interlocked.CompareExchange(ref _firstError, error, null);
            return false;
        }
    }

    private sealed record Settings(string Url, string Requests, double? Rate, int Concurrency, int Connections, TimeSpan Duration, TimeSpan Warmup,
        TimeSpan Timeout, long ExpectBytes)
    {
        public static Settings Parse(string[] args)
        {
            string? url = null, requests = null;
            double? rate = null;
            int concurrency = 16, connections = 4;
            double duration = 10, warmup = 1, timeout = 10;
            long expect = 0;
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.");
                double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
                switch (args[i])
                {
                    case "--url": url = Next(); break;
                    case "--requests": requests = Next(); break;
                    case "--rate": rate = Number(); break;
                    case "--concurrency": concurrency = (int)Number(); break;
                    case "--connections": connections = (int)Number(); break;
                    case "--duration": duration = Number(); break;
                    case "--warmup": warmup = Number(); break;
                    case "--timeout": timeout = Number(); break;
                    case "--expect-bytes": expect = (long)Number(); break;
                    default: throw new ArgumentException($"loadgen: unknown argument '{args[i]}'.");
                }
            }
            if (url is null || requests is null)
                throw new ArgumentException("Usage: loadgen --url URL --requests FILE (--rate R | --concurrency N) [--connections C] [--duration S] [--warmup S] [--timeout S] [--expect-bytes B]");
            if (rate is null)
                connections = Math.Max(connections, concurrency);
            return new Settings(url, requests, rate, concurrency, connections, TimeSpan.FromSeconds(duration), TimeSpan.FromSeconds(warmup),
                TimeSpan.FromSeconds(timeout), expect);
        }
    }
}

/// <summary>
/// Sleeping until a Stopwatch timestamp: on Linux an absolute <c>clock_nanosleep</c> on CLOCK_MONOTONIC (the clock
/// Stopwatch reads), accurate to tens of microseconds without spinning on a core the server needs; elsewhere a
/// millisecond sleep and a short spin.
/// </summary>
internal static class Clock
{
    private const int ClockMonotonic = 1;
    private const int TimerAbstime = 1;

    private static readonly bool Native = OperatingSystem.IsLinux() && Stopwatch.Frequency == 1_000_000_000;

    public static void SleepUntil(long timestamp)
    {
        if (Native)
        {
            var spec = new TimeSpec { Seconds = timestamp / 1_000_000_000, Nanoseconds = timestamp % 1_000_000_000 };
            while (ClockNanosleep(ClockMonotonic, TimerAbstime, ref spec, IntPtr.Zero) == 4 /* EINTR */)
            {
            }
            return;
        }
        long remaining;
        while ((remaining = timestamp - Stopwatch.GetTimestamp()) > Stopwatch.Frequency / 500)
            Thread.Sleep(1);
        while (Stopwatch.GetTimestamp() < timestamp)
            Thread.SpinWait(20);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_nanosleep")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int ClockNanosleep(int clock, int flags, ref TimeSpec request, IntPtr remaining);
}
