using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Feast.Materialization;

namespace Feast.Server.Hosting;

/// <summary>The labels of a request that are known only once it has been served (Python Feast's request latency labels).</summary>
internal sealed class RequestShape
{
    public string FeatureCount { get; set; } = "";

    public string FeatureViewCount { get; set; } = "";

    /// <summary>Records the shape of an online read on <paramref name="context"/>'s request, when metrics asked for it.</summary>
    public static void Set(Microsoft.AspNetCore.Http.HttpContext? context, Online.OnlineFeaturesResponse response)
    {
        if (context?.Features.Get<RequestShape>() is not { } shape) return;
        shape.FeatureCount = response.FeatureCount.ToString(CultureInfo.InvariantCulture);
        shape.FeatureViewCount = response.FeatureViewCount.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// The server's Prometheus metrics, named as Feast's feature server names them (<c>sdk/python/feast/metrics.py</c>):
/// request counts and latency per endpoint, entity rows per online read, pushes, materialization runs, feature
/// freshness, and the process's CPU and memory use. Recording is lock-free; nothing is recorded when metrics are off.
/// The store's own instruments (<see cref="FeastTelemetry"/>: online-store read duration, transformation durations,
/// value statuses) arrive through a <see cref="MeterListener"/> on the served store's <see cref="FeatureStore.Meter"/>.
/// </summary>
internal sealed class ServerMetrics : IDisposable
{
    private static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
    private static readonly double[] ReadBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
    private static readonly double[] TransformBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

    // Label sets that come from requests are capped, so clients sending ever-new shapes cannot grow memory without end.
    private const int MaxLabelSets = 1000;

    private readonly FeastServerState state;
    private readonly TimeProvider time;
    private readonly MeterListener? _listener;
    private readonly Histogram _storeRead = new(ReadBuckets);
    private readonly ConcurrentDictionary<(string View, string Mode), Histogram> _transformations = new();
    private readonly ConcurrentDictionary<(string View, string Mode), Histogram> _writeTransformations = new();
    private readonly ConcurrentDictionary<(string View, string Status), Counter> _statuses = new();
    private static readonly double[] EntityBuckets = [1, 5, 10, 25, 50, 100, 250, 500, 1000];
    private static readonly double[] MaterializationBuckets = [1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0];

    private readonly ConcurrentDictionary<(string Endpoint, string Status), Counter> _requests = new();
    private readonly ConcurrentDictionary<(string Endpoint, string Features, string Views), Histogram> _latency = new();
    private readonly Counter _onlineRequests = new();
    private readonly Histogram _entityCount = new(EntityBuckets);
    private readonly ConcurrentDictionary<(string Source, string Mode), Counter> _pushes = new();
    private readonly ConcurrentDictionary<(string View, string Status), Counter> _materializations = new();
    private readonly ConcurrentDictionary<string, Histogram> _materializationDuration = new(StringComparer.Ordinal);
    private readonly Lock _cpuLock = new();
    private long _lastCpuTimestamp;
    private TimeSpan _lastCpuTime = Process.GetCurrentProcess().TotalProcessorTime;

    public ServerMetrics(FeastServerState state, TimeProvider time)
    {
        this.state = state;
        this.time = time;
        _lastCpuTimestamp = time.GetTimestamp();
        if (!state.Options.Metrics) return;

        var meter = state.Store.Meter;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter)) listener.EnableMeasurementEvents(instrument, this);
            },
        };
        _listener.SetMeasurementEventCallback<double>(static (instrument, value, tags, self) => ((ServerMetrics)self!).OnMeasurement(instrument.Name, value, tags));
        _listener.SetMeasurementEventCallback<long>(static (instrument, value, tags, self) => ((ServerMetrics)self!).OnMeasurement(instrument.Name, value, tags));
        _listener.Start();
    }

    public bool Enabled => state.Options.Metrics;

    public void RequestCompleted(string endpoint, int statusCode, TimeSpan elapsed, RequestShape? shape = null)
    {
        if (!Enabled) return;
        _requests.GetOrAdd((endpoint, statusCode < 400 ? "success" : "error"), static _ => new Counter()).Increment();
        var key = (endpoint, shape?.FeatureCount ?? "", shape?.FeatureViewCount ?? "");
        if (!_latency.TryGetValue(key, out var histogram))
        {
            histogram = _latency.GetOrAdd(_latency.Count < MaxLabelSets ? key : (endpoint, "other", "other"), static _ => new Histogram(LatencyBuckets));
        }
        histogram.Observe(elapsed.TotalSeconds);
    }

    public void Dispose() => _listener?.Dispose();

    private void OnMeasurement(string instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        switch (instrument)
        {
            case FeastTelemetry.OnlineStoreReadDuration:
                _storeRead.Observe(value);
                break;
            case FeastTelemetry.TransformationDuration:
                Labelled(_transformations, Tag(tags, "odfv_name"), Tag(tags, "mode"), static _ => new Histogram(TransformBuckets)).Observe(value);
                break;
            case FeastTelemetry.WriteTransformationDuration:
                Labelled(_writeTransformations, Tag(tags, "odfv_name"), Tag(tags, "mode"), static _ => new Histogram(TransformBuckets)).Observe(value);
                break;
        }
    }

    private void OnMeasurement(string instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (instrument == FeastTelemetry.OnlineFeatureStatuses)
            Labelled(_statuses, Tag(tags, "feature_view"), Tag(tags, "status"), static _ => new Counter()).Add(value);
    }

    private static TValue Labelled<TValue>(ConcurrentDictionary<(string, string), TValue> metrics, string a, string b, Func<(string, string), TValue> create)
    {
        if (metrics.TryGetValue((a, b), out var metric)) return metric;
        return metrics.GetOrAdd(metrics.Count < MaxLabelSets ? (a, b) : ("other", "other"), create);
    }

    private static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var (key, value) in tags)
        {
            if (key == name) return value as string ?? "";
        }
        return "";
    }

    public void OnlineFeaturesServed(int entityRows)
    {
        if (!Enabled) return;
        _onlineRequests.Increment();
        _entityCount.Observe(entityRows);
    }

    public void Pushed(string pushSource, PushMode mode)
    {
        if (!Enabled) return;
        var label = mode switch { PushMode.Offline => "offline", PushMode.OnlineAndOffline => "online_and_offline", _ => "online" };
        _pushes.GetOrAdd((pushSource, label), static _ => new Counter()).Increment();
    }

    public void Materialized(IReadOnlyList<ViewMaterialization> results)
    {
        if (!Enabled) return;
        foreach (var result in results)
        {
            _materializations.GetOrAdd((result.View, "success"), static _ => new Counter()).Increment();
            _materializationDuration.GetOrAdd(result.View, static _ => new Histogram(MaterializationBuckets)).Observe(result.Elapsed.TotalSeconds);
        }
    }

    public void MaterializationFailed(IReadOnlyList<string>? views)
    {
        if (!Enabled) return;
        foreach (var view in views ?? ["all"])
            _materializations.GetOrAdd((view, "failure"), static _ => new Counter()).Increment();
    }

    /// <summary>Every metric in Prometheus' text format (version 0.0.4).</summary>
    public async Task<string> RenderAsync(CancellationToken cancellationToken)
    {
        var text = new StringBuilder(4096);
        var (cpu, memory) = Resources();
        Gauge(text, "feast_feature_server_cpu_usage", "CPU usage percentage of the Feast feature server process", cpu);
        Gauge(text, "feast_feature_server_memory_usage", "Memory usage percentage of the Feast feature server process", memory);

        Header(text, "feast_feature_server_request_total", "Total number of requests to the Feast feature server", "counter");
        foreach (var ((endpoint, status), counter) in Sorted(_requests))
            text.Append("feast_feature_server_request_total{endpoint=\"").Append(Escape(endpoint)).Append("\",status=\"").Append(status).Append("\"} ").Append(counter.Value).Append('\n');

        Header(text, "feast_feature_server_request_latency_seconds", "Latency of requests to the Feast feature server in seconds", "histogram");
        foreach (var ((endpoint, features, views), histogram) in Sorted(_latency))
        {
            histogram.Write(text, "feast_feature_server_request_latency_seconds",
                $"endpoint=\"{Escape(endpoint)}\",feature_count=\"{Escape(features)}\",feature_view_count=\"{Escape(views)}\"");
        }

        Header(text, "feast_online_features_request_total", "Total online feature retrieval requests", "counter");
        text.Append("feast_online_features_request_total ").Append(_onlineRequests.Value).Append('\n');
        Header(text, "feast_online_features_entity_count", "Number of entity rows per online feature request", "histogram");
        _entityCount.Write(text, "feast_online_features_entity_count", null);

        Header(text, "feast_online_features_status_total", "Count of individual feature values by retrieval status per feature view", "counter");
        foreach (var ((view, status), counter) in Sorted(_statuses))
            text.Append("feast_online_features_status_total{feature_view=\"").Append(Escape(view)).Append("\",status=\"").Append(status).Append("\"} ").Append(counter.Value).Append('\n');

        Header(text, "feast_feature_server_online_store_read_duration_seconds",
            "Duration of the online store read phase in seconds (covers all table reads including parallel async)", "histogram");
        _storeRead.Write(text, "feast_feature_server_online_store_read_duration_seconds", null);
        Header(text, "feast_feature_server_transformation_duration_seconds", "Duration of on-demand feature view transformations on read in seconds", "histogram");
        foreach (var ((view, mode), histogram) in Sorted(_transformations))
            histogram.Write(text, "feast_feature_server_transformation_duration_seconds", $"odfv_name=\"{Escape(view)}\",mode=\"{Escape(mode)}\"");
        Header(text, "feast_feature_server_write_transformation_duration_seconds", "Duration of on-demand feature view transformations on write in seconds", "histogram");
        foreach (var ((view, mode), histogram) in Sorted(_writeTransformations))
            histogram.Write(text, "feast_feature_server_write_transformation_duration_seconds", $"odfv_name=\"{Escape(view)}\",mode=\"{Escape(mode)}\"");

        Header(text, "feast_push_request_total", "Total push requests to the feature store", "counter");
        foreach (var ((source, mode), counter) in Sorted(_pushes))
            text.Append("feast_push_request_total{push_source=\"").Append(Escape(source)).Append("\",mode=\"").Append(mode).Append("\"} ").Append(counter.Value).Append('\n');

        Header(text, "feast_materialization_result_total", "Total materialization runs per feature view", "counter");
        foreach (var ((view, status), counter) in Sorted(_materializations))
            text.Append("feast_materialization_result_total{feature_view=\"").Append(Escape(view)).Append("\",status=\"").Append(status).Append("\"} ").Append(counter.Value).Append('\n');
        Header(text, "feast_materialization_duration_seconds", "Duration of materialization per feature view in seconds", "histogram");
        foreach (var (view, histogram) in Sorted(_materializationDuration))
            histogram.Write(text, "feast_materialization_duration_seconds", $"feature_view=\"{Escape(view)}\"");

        Header(text, "feast_feature_freshness_seconds", "Seconds since the most recent materialization end time per feature view", "gauge");
        if (state.RegistryLoaded)
        {
            var registry = await state.Store.GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            foreach (var view in registry.FeatureViews.Values.OrderBy(v => v.Name, StringComparer.Ordinal))
            {
                if (view.MaterializationIntervals.Count == 0) continue;
                var end = view.MaterializationIntervals.Max(i => i.End);
                text.Append("feast_feature_freshness_seconds{feature_view=\"").Append(Escape(view.Name)).Append("\",project=\"").Append(Escape(state.Store.Project))
                    .Append("\"} ").Append(Number((now - end).TotalSeconds)).Append('\n');
            }
        }
        return text.ToString();
    }

    private (double Cpu, double Memory) Resources()
    {
        using var process = Process.GetCurrentProcess();
        double cpu;
        lock (_cpuLock)
        {
            // As psutil's cpu_percent(): CPU time since the last scrape over wall time, 100 = one core busy.
            var now = time.GetTimestamp();
            var used = process.TotalProcessorTime;
            var wall = time.GetElapsedTime(_lastCpuTimestamp, now);
            cpu = wall > TimeSpan.Zero ? (used - _lastCpuTime).TotalSeconds / wall.TotalSeconds * 100 : 0;
            _lastCpuTimestamp = now;
            _lastCpuTime = used;
        }
        var total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var memory = total > 0 ? process.WorkingSet64 * 100.0 / total : 0;
        return (cpu, memory);
    }

    private static IEnumerable<KeyValuePair<TKey, TValue>> Sorted<TKey, TValue>(ConcurrentDictionary<TKey, TValue> metrics) where TKey : notnull =>
        metrics.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal);

    private static void Header(StringBuilder text, string name, string help, string type) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Gauge(StringBuilder text, string name, string help, double value)
    {
        Header(text, name, help, "gauge");
        text.Append(name).Append(' ').Append(Number(value)).Append('\n');
    }

    internal static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private sealed class Counter
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Increment() => Interlocked.Increment(ref _value);

        public void Add(long value) => Interlocked.Add(ref _value, value);
    }

    private sealed class Histogram(double[] bounds)
    {
        private readonly long[] _counts = new long[bounds.Length + 1];
        private long _sumBits;

        public void Observe(double value)
        {
            var bucket = Array.BinarySearch(bounds, value);
            // An exact bound counts in its own bucket (le = less or equal); otherwise the first bound above.
            Interlocked.Increment(ref _counts[bucket >= 0 ? bucket : ~bucket]);
            long seen, next;
            do
            {
                seen = Interlocked.Read(ref _sumBits);
                next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(seen) + value);
            }
            while (Interlocked.CompareExchange(ref _sumBits, next, seen) != seen);
        }

        public void Write(StringBuilder text, string name, string? labels)
        {
            var prefix = labels is null ? "{" : "{" + labels + ",";
            long cumulative = 0;
            for (var i = 0; i < bounds.Length; i++)
            {
                cumulative += Interlocked.Read(ref _counts[i]);
                text.Append(name).Append("_bucket").Append(prefix).Append("le=\"").Append(Number(bounds[i])).Append("\"} ").Append(cumulative).Append('\n');
            }
            cumulative += Interlocked.Read(ref _counts[^1]);
            text.Append(name).Append("_bucket").Append(prefix).Append("le=\"+Inf\"} ").Append(cumulative).Append('\n');
            var suffix = labels is null ? "" : "{" + labels + "}";
            text.Append(name).Append("_sum").Append(suffix).Append(' ').Append(Number(BitConverter.Int64BitsToDouble(Interlocked.Read(ref _sumBits)))).Append('\n');
            text.Append(name).Append("_count").Append(suffix).Append(' ').Append(cumulative).Append('\n');
        }
    }
}
