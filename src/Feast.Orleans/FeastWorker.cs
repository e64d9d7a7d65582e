using System.Globalization;
using System.Net;
using System.Text;
using Feast.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Runtime.Placement;

namespace Feast.Orleans;

/// <summary>
/// What a <c>feast worker</c> process is: an Orleans silo of the cluster its repo's <c>batch_engine: orleans</c> names,
/// running shards with its own <see cref="FeatureStore"/>.
/// </summary>
public sealed class FeastWorker
{
    /// <summary>Creates the worker for <paramref name="store"/>, whose configuration has <c>batch_engine: orleans</c>.</summary>
    /// <param name="store">The worker's feature store: shards read its offline store and write its online store.</param>
    /// <param name="name">The worker's name in logs, errors and counts (host:silo-port by default).</param>
    /// <exception cref="FeastConfigException">The repo's batch_engine is not orleans.</exception>
    public FeastWorker(FeatureStore store, string name)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Options = store.Config.BatchEngine as OrleansBatchEngineOptions ?? throw new FeastConfigException(
            $"feature_store.yaml: feast worker needs batch_engine type '{OrleansBatchEngineOptions.TypeName}' (with its clustering), but the repo's is '{store.Config.BatchEngine.Type}'. Add a batch_engine section such as:\n" +
            "batch_engine:\n  type: orleans\n  clustering:\n    type: redis\n    connection_string: localhost:6379");
        Store = store;
        Name = name;
    }

    /// <summary>The worker's feature store.</summary>
    public FeatureStore Store { get; }

    /// <summary>The worker's name.</summary>
    public string Name { get; }

    /// <summary>The repo's engine options (clustering, cluster id).</summary>
    public OrleansBatchEngineOptions Options { get; }

    /// <summary>Counts of shards and rows, for <c>/metrics</c>.</summary>
    public WorkerMetrics Metrics { get; } = new();

    /// <summary>
    /// Called before each shard runs; the default does nothing. Tests use it to hold or fail a shard
    /// (FEAST_WORKER_FAULT in <c>feast worker</c>).
    /// </summary>
    public Func<ShardTask, CancellationToken, Task>? BeforeShard { get; init; }

    internal Task BeforeShardAsync(ShardTask task, CancellationToken cancellationToken) =>
        BeforeShard is null ? Task.CompletedTask : BeforeShard(task, cancellationToken);

    /// <summary>
    /// Adds the silo to <paramref name="builder"/>: the repo's clustering, the given ports, the shard grain and its
    /// placement, and quick failure detection so a dead worker's shards move on within seconds.
    /// </summary>
    /// <param name="builder">The host (a web application for <c>/health</c> and <c>/metrics</c>).</param>
    /// <param name="advertise">The address other workers and clients reach this one at.</param>
    /// <param name="siloPort">The silo-to-silo port.</param>
    /// <param name="gatewayPort">The port clients connect to.</param>
    public void AddTo(IHostApplicationBuilder builder, IPAddress advertise, int siloPort, int gatewayPort)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(advertise);
        builder.Services.AddSingleton(this);
        builder.UseOrleans(silo =>
        {
            OrleansClustering.Use(silo, Options);
            silo.Configure<SiloOptions>(o => o.SiloName = Name);
            silo.ConfigureEndpoints(advertise, siloPort, gatewayPort, listenOnAnyHostAddress: false);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(2);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.DefunctSiloExpiration = TimeSpan.FromMinutes(10);
            });
            silo.Services.AddPlacementDirector<ShardPlacement, ShardPlacementDirector>();
        });
    }
}

/// <summary>A worker's counters, written as Prometheus text at <c>/metrics</c>.</summary>
public sealed class WorkerMetrics
{
    private long _running;
    private long _succeeded;
    private long _failed;
    private long _rows;
    private long _microseconds;

    internal void Started() => Interlocked.Increment(ref _running);

    internal void Succeeded(long rows, double seconds)
    {
        Interlocked.Decrement(ref _running);
        Interlocked.Increment(ref _succeeded);
        Interlocked.Add(ref _rows, rows);
        Interlocked.Add(ref _microseconds, (long)(seconds * 1e6));
    }

    internal void Failed()
    {
        Interlocked.Decrement(ref _running);
        Interlocked.Increment(ref _failed);
    }

    /// <summary>The counters in Prometheus' text format.</summary>
    /// <returns>The exposition text.</returns>
    public string ToPrometheusText()
    {
        var text = new StringBuilder();
        void Metric(string name, string type, string help, string value)
        {
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{value}\n");
        }
        Metric("feast_worker_shards_running", "gauge", "Shard tasks (each one or more shards) running on this worker.", $"feast_worker_shards_running {Interlocked.Read(ref _running)}");
        Metric("feast_worker_shards_total", "counter", "Shard tasks (each one or more shards) finished on this worker, by result.",
            $"feast_worker_shards_total{{result=\"success\"}} {Interlocked.Read(ref _succeeded)}\nfeast_worker_shards_total{{result=\"failure\"}} {Interlocked.Read(ref _failed)}");
        Metric("feast_worker_rows_total", "counter", "Entity rows written to the online store by this worker.", $"feast_worker_rows_total {Interlocked.Read(ref _rows)}");
        Metric("feast_worker_shard_seconds_total", "counter", "Seconds spent in successful shard tasks.",
            string.Create(CultureInfo.InvariantCulture, $"feast_worker_shard_seconds_total {Interlocked.Read(ref _microseconds) / 1e6}"));
        return text.ToString();
    }
}

/// <summary>The clustering store, for silos and clients alike.</summary>
internal static class OrleansClustering
{
    public static void Use(ISiloBuilder silo, OrleansBatchEngineOptions options)
    {
        silo.Configure<ClusterOptions>(o => Cluster(o, options));
        silo.UseRedisClustering(options.Clustering.ConnectionString);
    }

    public static void Use(IClientBuilder client, OrleansBatchEngineOptions options)
    {
        client.Configure<ClusterOptions>(o => Cluster(o, options));
        client.UseRedisClustering(options.Clustering.ConnectionString);
    }

    private static void Cluster(ClusterOptions cluster, OrleansBatchEngineOptions options)
    {
        cluster.ClusterId = options.ClusterId;
        cluster.ServiceId = "feast-" + options.ClusterId;
    }
}
