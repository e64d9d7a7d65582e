using System.Globalization;
using System.Threading.Channels;
using k8s;
using Microsoft.Extensions.Logging;
using static Feast.Kubernetes.Tree;
using YMap = System.Collections.Generic.OrderedDictionary<string, object?>;

namespace Feast.Kubernetes.Operator;

/// <summary>What <see cref="FeatureStoreOperator"/> watches and how it renders.</summary>
public sealed record OperatorOptions
{
    /// <summary>The namespace to watch, or <see langword="null"/> for every namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>The image and CronJob image of the rendered objects.</summary>
    public RenderOptions Render { get; init; } = new();

    /// <summary>How often a FeatureStore whose Deployment is not available yet is looked at again.</summary>
    public TimeSpan PendingRecheck { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait before retrying after the API server could not be reached (it doubles from one second).</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Feast's operator for Feast.NET: watches <c>FeatureStore</c> resources (feast.dev/v1), renders each with
/// <see cref="FeatureStoreRenderer"/>, server-side applies the objects (field manager <c>feast-operator</c>), deletes the
/// objects it made that no longer render, and sets the resource's status (phase and the <c>FeatureStore</c> condition:
/// Ready, Pending while the Deployment is not available, Failed with the message). Reconnects a watch that ends from the
/// last resourceVersion, and lists again when that version is gone.
/// </summary>
public sealed partial class FeatureStoreOperator : IDisposable
{
    private readonly KubeApiClient _api;
    private readonly OperatorOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<(string Ns, string Name)> _queue = Channel.CreateUnbounded<(string, string)>();
    private readonly Dictionary<(string Ns, string Name), YMap?> _latest = [];
    private readonly Dictionary<(string Ns, string Name), long?> _done = [];
    private readonly Lock _lock = new();

    /// <summary>Creates the operator.</summary>
    /// <param name="config">The API server connection (kubeconfig or in-cluster).</param>
    /// <param name="options">What to watch.</param>
    /// <param name="loggers">Where logs go.</param>
    /// <param name="time">The clock of the conditions' lastTransitionTime.</param>
    public FeatureStoreOperator(KubernetesClientConfiguration config, OperatorOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        _api = new KubeApiClient(config);
        _options = options;
        _logger = loggers.CreateLogger("Feast.Operator");
        _time = time;
    }

    /// <summary>The operator's counters, for <c>/metrics</c>.</summary>
    public OperatorMetrics Metrics { get; } = new();

    /// <summary>The API server's address.</summary>
    public string Server => _api.Server;

    /// <inheritdoc/>
    public void Dispose() => _api.Dispose();

    /// <summary>Watches and reconciles until <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="cancellationToken">Stops the operator.</param>
    /// <returns>When stopped.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var worker = Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None);
        try
        {
            await WatchLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        _queue.Writer.TryComplete();
        try
        {
            await worker.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task WatchLoopAsync(CancellationToken ct)
    {
        var path = KubeKind.FeatureStore.Collection(_options.Namespace);
        var delay = TimeSpan.FromSeconds(1);
        string? version = null;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (version is null)
                {
                    var (items, listVersion) = await _api.ListAsync(path, ct).ConfigureAwait(false);
                    Log.Listed(_logger, items.Count, _options.Namespace ?? "all namespaces");
                    foreach (var item in items) Enqueue(item, deleted: false);
                    version = listVersion;
                }
                var gone = false;
                await foreach (var (type, o) in _api.WatchAsync(path, version, ct).ConfigureAwait(false))
                {
                    delay = TimeSpan.FromSeconds(1);
                    if (type == "ERROR")
                    {
                        // 410 Gone: the version is too old; list again.
                        Log.WatchError(_logger, o.Str("message") ?? "");
                        gone = true;
                        break;
                    }
                    version = o.Map("metadata").Str("resourceVersion") ?? version;
                    if (type is "ADDED" or "MODIFIED" or "DELETED" && o is not null) Enqueue(o, deleted: type == "DELETED");
                }
                if (gone) version = null;
                Metrics.WatchRestarted();
                Log.WatchEnded(_logger, version ?? "(list again)");
            }
            catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException or FeastException
                                      || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                Metrics.WatchRestarted();
                Log.WatchFailed(_logger, e.Message, delay.TotalSeconds);
                await Task.Delay(delay, _time, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
                if (e is KubeApiException { Status: System.Net.HttpStatusCode.Gone }) version = null;
            }
        }
    }

    private void Enqueue(YMap o, bool deleted)
    {
        var metadata = o.Map("metadata");
        if (metadata.Str("name") is not { } name) return;
        var key = (metadata.Str("namespace") ?? "default", name);
        lock (_lock)
        {
            // A status update (ours) leaves the generation as it was: nothing to do.
            if (!deleted && _done.TryGetValue(key, out var generation) && generation is not null && generation == metadata.Int("generation")) return;
            _latest[key] = deleted ? null : o;
        }
        _queue.Writer.TryWrite(key);
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        await foreach (var key in _queue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            YMap? body;
            lock (_lock)
            {
                if (!_latest.Remove(key, out body)) continue;
            }
            try
            {
                if (body is null) await CleanUpAsync(key.Ns, key.Name, ct).ConfigureAwait(false);
                else await ReconcileAsync(key.Ns, key.Name, body, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                // The API server failed mid-way: try again later.
                Metrics.Reconciled("error");
                Log.ReconcileFailed(_logger, key.Ns, key.Name, e.Message);
                Requeue(key, body, _options.MaxRetryDelay / 6, ct);
            }
        }
    }

    private void Requeue((string Ns, string Name) key, YMap? body, TimeSpan after, CancellationToken ct) =>
        _ = Task.Delay(after, _time, ct).ContinueWith(_ =>
        {
            lock (_lock)
            {
                _latest.TryAdd(key, body);
                _done.Remove(key);
            }
            _queue.Writer.TryWrite(key);
        }, ct, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

    private async Task ReconcileAsync(string ns, string name, YMap body, CancellationToken ct)
    {
        var generation = body.Map("metadata").Int("generation");
        var source = $"FeatureStore {ns}/{name}";
        IReadOnlyList<KubeObject> objects;
        FeatureStoreResource resource;
        try
        {
            resource = FeatureStoreResource.FromTree(body, source);
            objects = await RenderAsync(resource, ns, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FeatureStoreResourceException || (e is KubeApiException k && (int)k.Status is >= 400 and < 500))
        {
            // A refused resource, or a Secret the operator may not read: the status says so until the resource changes.
            await FailAsync(ns, name, generation, e.Message, ct).ConfigureAwait(false);
            return;
        }
        try
        {
            foreach (var o in objects)
            {
                await _api.ApplyAsync(o, ct).ConfigureAwait(false);
                Metrics.Applied();
            }
        }
        catch (KubeApiException e) when ((int)e.Status is >= 400 and < 500)
        {
            // The API server refused an object (invalid, forbidden): the resource needs a change, not a retry.
            await FailAsync(ns, name, generation, e.Message, ct).ConfigureAwait(false);
            return;
        }
        await DeleteStaleAsync(resource, ns, objects, ct).ConfigureAwait(false);

        var deployment = await _api.GetAsync(KubeKind.Rendered.First(k => k.Kind == "Deployment").Item(ns, "feast-" + name), ct).ConfigureAwait(false);
        var available = (deployment.Map("status").List("conditions") ?? []).OfType<YMap>()
            .Any(c => c.Str("type") == "Available" && c.Str("status") == "True");
        var c = new RenderContext(resource, _options.Render, new KubeManifestReferences(), ns);
        var status = M(
            ("phase", available ? "Ready" : "Pending"),
            ("clientConfigMap", $"feast-{name}-client"),
            ("cronJob", $"feast-{name}"),
            ("serviceHostnames", Hostnames(c)),
            ("conditions", L(Condition(available ? "True" : "False", available ? "Ready" : "DeploymentNotAvailable",
                available ? "FeatureStore installation complete" : "Deployment is not available", generation))));
        // Marked done before the status update, whose own watch event (same generation) is then skipped.
        lock (_lock) _done[(ns, name)] = generation;
        await _api.PatchStatusAsync(ns, name, status, ct).ConfigureAwait(false);
        Metrics.Reconciled(available ? "ready" : "pending");
        Log.Reconciled(_logger, ns, name, objects.Count, available ? "Ready" : "Pending");
        if (!available) Requeue((ns, name), body, _options.PendingRecheck, ct);
    }

    private async Task<IReadOnlyList<KubeObject>> RenderAsync(FeatureStoreResource resource, string ns, CancellationToken ct)
    {
        var references = new ClusterReferences();
        for (var fetched = 0; ; fetched++)
        {
            try
            {
                return FeatureStoreRenderer.Render(resource, references, _options.Render with { Namespace = ns });
            }
            catch (MissingReferenceException missing) when (fetched < 32)
            {
                await references.FetchAsync(missing, _api, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Deletes the objects this FeatureStore owns (by label and owner uid) that the render no longer makes.</summary>
    private async Task DeleteStaleAsync(FeatureStoreResource resource, string ns, IReadOnlyList<KubeObject> objects, CancellationToken ct)
    {
        var keep = objects.Select(o => (o.Kind, o.Name)).ToHashSet();
        var selector = Uri.EscapeDataString($"app.kubernetes.io/managed-by={FeatureStoreRenderer.ManagedBy},feast.dev/name={resource.Name}");
        foreach (var kind in KubeKind.Rendered)
        {
            var (items, _) = await _api.ListAsync(kind.Collection(ns) + $"?labelSelector={selector}", ct).ConfigureAwait(false);
            foreach (var item in items)
            {
                var metadata = item.Map("metadata");
                var name = metadata.Str("name");
                if (name is null || keep.Contains((kind.Kind, name))) continue;
                var owned = kind.Namespaced
                    ? (metadata.List("ownerReferences") ?? []).OfType<YMap>().Any(r => r.Str("uid") == resource.Uid)
                    : (item.List("subjects") ?? []).OfType<YMap>().Any(s => s.Str("namespace") == ns);
                if (!owned) continue;
                await _api.DeleteAsync(kind.Item(kind.Namespaced ? ns : null, name), ct).ConfigureAwait(false);
                Metrics.Deleted();
                Log.Deleted(_logger, kind.Kind, ns, name);
            }
        }
    }

    /// <summary>A deleted FeatureStore: its namespaced objects go with it (owner references); the cluster-scoped bindings are deleted here.</summary>
    private async Task CleanUpAsync(string ns, string name, CancellationToken ct)
    {
        var selector = Uri.EscapeDataString($"app.kubernetes.io/managed-by={FeatureStoreRenderer.ManagedBy},feast.dev/name={name}");
        foreach (var kind in KubeKind.Rendered.Where(k => !k.Namespaced))
        {
            var (items, _) = await _api.ListAsync(kind.Collection(null) + $"?labelSelector={selector}", ct).ConfigureAwait(false);
            foreach (var item in items.Where(i => (i.List("subjects") ?? []).OfType<YMap>().Any(s => s.Str("namespace") == ns)))
            {
                await _api.DeleteAsync(kind.Item(null, item.Map("metadata").Str("name")!), ct).ConfigureAwait(false);
                Metrics.Deleted();
                Log.Deleted(_logger, kind.Kind, ns, item.Map("metadata").Str("name")!);
            }
        }
        lock (_lock) _done.Remove((ns, name));
        Log.Removed(_logger, ns, name);
    }

    private async Task FailAsync(string ns, string name, long? generation, string message, CancellationToken ct)
    {
        var status = M(("phase", "Failed"), ("conditions", L(Condition("False", "FeatureStoreFailed", "Error: " + message, generation))));
        lock (_lock) _done[(ns, name)] = generation;
        await _api.PatchStatusAsync(ns, name, status, ct).ConfigureAwait(false);
        Metrics.Reconciled("failed");
        Log.Failed(_logger, ns, name, message);
    }

    private YMap Condition(string status, string reason, string message, long? generation) => M(
        ("type", "FeatureStore"), ("status", status), ("reason", reason), ("message", message),
        ("lastTransitionTime", _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
        ("observedGeneration", generation));

    private static YMap Hostnames(RenderContext c)
    {
        string Host(FeastService s, bool rest = false) =>
            $"{c.ServiceName(s)}{(rest ? "-rest" : "")}.{c.Namespace}.svc.cluster.local:{(c.Tls(s) is null ? 80 : 443)}";
        return M(("offlineStore", c.IsOfflineServer ? Host(FeastService.Offline) : null),
            ("onlineStore", c.IsOnlineServer ? Host(FeastService.Online) : null),
            ("registry", c.IsRegistryServer ? Host(FeastService.Registry) : null),
            ("registryRest", c.RegistryRest ? Host(FeastService.Registry, rest: true) : null),
            ("ui", c.IsUi ? Host(FeastService.Ui) : null));
    }

    /// <summary>No references: the hostnames need none.</summary>
    private sealed class KubeManifestReferences : IKubeReferences
    {
        public IReadOnlyDictionary<string, string>? Secret(string ns, string name) => null;
        public IReadOnlyDictionary<string, string>? ConfigMap(string ns, string name) => null;
        public FeatureStoreResource? FeatureStore(string ns, string name) => null;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Listed {Count} FeatureStores in {Scope}")]
        public static partial void Listed(ILogger logger, int count, string scope);

        [LoggerMessage(2, LogLevel.Information, "The watch ended; watching again from resourceVersion {Version}")]
        public static partial void WatchEnded(ILogger logger, string version);

        [LoggerMessage(3, LogLevel.Warning, "The watch failed: {Message}; retrying in {Seconds} s")]
        public static partial void WatchFailed(ILogger logger, string message, double seconds);

        [LoggerMessage(4, LogLevel.Warning, "The watch reported an error: {Message}; listing again")]
        public static partial void WatchError(ILogger logger, string message);

        [LoggerMessage(5, LogLevel.Information, "Reconciled FeatureStore {Namespace}/{Name}: {Count} objects applied, phase {Phase}")]
        public static partial void Reconciled(ILogger logger, string @namespace, string name, int count, string phase);

        [LoggerMessage(6, LogLevel.Warning, "FeatureStore {Namespace}/{Name} failed: {Message}")]
        public static partial void Failed(ILogger logger, string @namespace, string name, string message);

        [LoggerMessage(7, LogLevel.Information, "Deleted {Kind} {Namespace}/{Name}: the FeatureStore no longer makes it")]
        public static partial void Deleted(ILogger logger, string kind, string @namespace, string name);

        [LoggerMessage(8, LogLevel.Warning, "Reconciling FeatureStore {Namespace}/{Name} failed ({Message}); trying again")]
        public static partial void ReconcileFailed(ILogger logger, string @namespace, string name, string message);

        [LoggerMessage(9, LogLevel.Information, "FeatureStore {Namespace}/{Name} was deleted")]
        public static partial void Removed(ILogger logger, string @namespace, string name);
    }
}

/// <summary>The operator's counters, written as Prometheus text at <c>/metrics</c>.</summary>
public sealed class OperatorMetrics
{
    private long _ready;
    private long _pending;
    private long _failed;
    private long _errors;
    private long _applied;
    private long _deleted;
    private long _watchRestarts;

    internal void Reconciled(string result)
    {
        switch (result)
        {
            case "ready": Interlocked.Increment(ref _ready); break;
            case "pending": Interlocked.Increment(ref _pending); break;
            case "failed": Interlocked.Increment(ref _failed); break;
            default: Interlocked.Increment(ref _errors); break;
        }
    }

    internal void Applied() => Interlocked.Increment(ref _applied);

    internal void Deleted() => Interlocked.Increment(ref _deleted);

    internal void WatchRestarted() => Interlocked.Increment(ref _watchRestarts);

    /// <summary>The counters in Prometheus' text format.</summary>
    /// <returns>The exposition text.</returns>
    public string ToPrometheusText() => string.Create(CultureInfo.InvariantCulture,
        $"# HELP feast_operator_reconcile_total FeatureStore reconciliations, by result.\n# TYPE feast_operator_reconcile_total counter\n" +
        $"feast_operator_reconcile_total{{result=\"ready\"}} {Interlocked.Read(ref _ready)}\n" +
        $"feast_operator_reconcile_total{{result=\"pending\"}} {Interlocked.Read(ref _pending)}\n" +
        $"feast_operator_reconcile_total{{result=\"failed\"}} {Interlocked.Read(ref _failed)}\n" +
        $"feast_operator_reconcile_total{{result=\"error\"}} {Interlocked.Read(ref _errors)}\n" +
        $"# HELP feast_operator_applied_objects_total Objects server-side applied.\n# TYPE feast_operator_applied_objects_total counter\n" +
        $"feast_operator_applied_objects_total {Interlocked.Read(ref _applied)}\n" +
        $"# HELP feast_operator_deleted_objects_total Objects deleted because their FeatureStore no longer makes them.\n# TYPE feast_operator_deleted_objects_total counter\n" +
        $"feast_operator_deleted_objects_total {Interlocked.Read(ref _deleted)}\n" +
        $"# HELP feast_operator_watch_restarts_total Times the FeatureStore watch ended or failed and was started again.\n# TYPE feast_operator_watch_restarts_total counter\n" +
        $"feast_operator_watch_restarts_total {Interlocked.Read(ref _watchRestarts)}\n");
}
