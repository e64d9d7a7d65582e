using System.CommandLine;
using System.Globalization;
using System.Net;
using Feast.Orleans;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Feast.Cli.Commands;

/// <summary>
/// <c>feast worker</c>: an Orleans silo of the cluster the repo's <c>batch_engine: orleans</c> names, running the
/// materialization shards that clients (<c>feast materialize</c>, <c>feast serve</c>'s /materialize, the SDK) hand
/// it, with <c>/health</c> and <c>/metrics</c> over HTTP, until Ctrl+C or SIGTERM (then it leaves the cluster).
/// </summary>
internal static class WorkerCommand
{
    /// <summary>
    /// Fault injection for tests: <c>fail:VIEW:SHARD</c> fails every attempt of that shard here, <c>hold:VIEW:SHARD</c> holds
    /// its first attempt until cancelled (or the worker is killed).
    /// </summary>
    internal const string FaultVariable = "FEAST_WORKER_FAULT";

    public static Command Create(CliContext context)
    {
        var siloPort = Port("--silo-port", "The port other workers reach this one on (silo to silo).", 11111);
        var gatewayPort = Port("--gateway-port", "The port clients (feast materialize, feast serve) connect to.", 30000);
        var httpPort = Port("--http-port", "The port of GET /health and GET /metrics (Prometheus text). 0 picks a free port.", 6590);
        var advertise = new Option<string>("--advertise-host")
        {
            Description = "The address other workers and clients reach this worker at (an IP address or a host name that resolves to one). " +
                "The silo and gateway listen on it; /health and /metrics too.",
            HelpName = "address",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var name = new Option<string?>("--name")
        {
            Description = "The worker's name in logs, errors and per-worker counts. Default: ADVERTISE-HOST:SILO-PORT.",
            HelpName = "name",
        };
        var shutdownTimeout = ServerCommandOptions.ShutdownTimeout();
        var command = new Command("worker",
            "Run a materialization worker: an Orleans silo that joins the cluster named by the repo's batch_engine (type orleans, its clustering " +
            "store and cluster_id) and runs the shards of feast materialize and materialize-incremental, reading this repo's offline store and " +
            "writing its online store. Start as many as wanted, on any machines that reach the clustering store and each other; they can join " +
            "and leave at any time (a shard on a worker that dies is retried on another). GET /health and GET /metrics on --http-port. " +
            "Ctrl+C or SIGTERM leaves the cluster gracefully.\n" +
            "Example: feast worker --silo-port 11111 --gateway-port 30000 --advertise-host 10.0.0.5")
        {
            siloPort, gatewayPort, httpPort, advertise, name, shutdownTimeout,
        };
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(shutdownTimeout) < 0) throw new FeastValidationException("--shutdown-timeout must be 0 or more.");
            var levelGiven = result.GetResult(context.Globals.LogLevel) is { Implicit: false };
            using var loggers = context.CreateLoggerFactory(result, LogLevel.Information, b =>
            {
                if (levelGiven) return;
                b.AddFilter("Microsoft", LogLevel.Warning);
                b.AddFilter("Orleans", LogLevel.Warning);
                // Startup notes (server GC, a watchdog's first tick) and the placement pipeline's per-call lines are noise here.
                b.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
                b.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
                b.AddFilter("Polly", LogLevel.Warning);
                b.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
            });
            var address = await ServeCommand.ResolveAsync(result.GetValue(advertise)!, ct);
            if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
                throw new FeastValidationException("--advertise-host must be an address others can reach this worker at, not 0.0.0.0 or ::.");
            var ports = new WorkerPorts(result.GetValue(siloPort), result.GetValue(gatewayPort), result.GetValue(httpPort));
            var workerName = result.GetValue(name) ?? $"{address}:{ports.Silo}";
            await using var store = context.OpenStore(result, loggers);
            var worker = new FeastWorker(store, workerName) { BeforeShard = Fault(Environment.GetEnvironmentVariable(FaultVariable), loggers) };
            return await RunAsync(context, worker, address, ports, TimeSpan.FromSeconds(result.GetValue(shutdownTimeout)), loggers, ct);
        });
        return command;
    }

    private static Option<int> Port(string name, string description, int defaultPort)
    {
        var option = new Option<int>(name) { Description = description, HelpName = "port", DefaultValueFactory = _ => defaultPort };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 65535) r.AddError($"{name} must be a port number from 0 to 65535.");
        });
        return option;
    }

    private sealed record WorkerPorts(int Silo, int Gateway, int Http);

    private static async Task<int> RunAsync(CliContext context, FeastWorker worker, IPAddress address, WorkerPorts ports, TimeSpan shutdownTimeout,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "feast-worker" });
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        ListenOptions? httpListen = null;
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, ports.Http, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                httpListen = listen;
            });
        });
        builder.Services.AddRouting();
        worker.AddTo(builder, address, ports.Silo, ports.Gateway);

        await using var app = builder.Build();
        app.MapGet("/health", () => Results.Text("ok\n"));
        app.MapGet("/metrics", () => Results.Text(worker.Metrics.ToPrometheusText(), "text/plain; version=0.0.4"));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException || e.InnerException is System.Net.Sockets.SocketException)
        {
            throw new FeastValidationException(
                $"Cannot start the worker on {address} (silo port {ports.Silo}, gateway port {ports.Gateway}, http port {ports.Http}): {e.Message} Choose other ports, or stop the process using them.");
        }
        catch (Exception e) when (e is not OperationCanceledException and not FeastException)
        {
            var options = worker.Options;
            throw new FeastException(
                $"The worker could not join cluster '{options.ClusterId}' through the {options.Clustering.Type} clustering at {options.Clustering.Endpoint}: {e.Message.Split('\n')[0]} Check that the clustering store is running and reachable.");
        }

        await context.Out.WriteLineAsync(
            $"Worker {worker.Name} joined cluster '{worker.Options.ClusterId}' ({worker.Options.Clustering.Type} clustering at {worker.Options.Clustering.Endpoint}) for project {worker.Store.Project}");
        await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  silo {address}:{ports.Silo}  gateway {address}:{ports.Gateway}  health {ServeCommand.Url("http", httpListen!)}/health  metrics {ServeCommand.Url("http", httpListen!)}/metrics"));
        await context.Out.WriteLineAsync("Press Ctrl+C to leave the cluster.");
        await context.Out.FlushAsync(cancellationToken);
        return await ServerCommandOptions.RunUntilStoppedAsync(context, app, shutdownTimeout, cancellationToken);
    }

    /// <summary>The test hook of <see cref="FaultVariable"/>, or null when unset.</summary>
    internal static Func<ShardTask, CancellationToken, Task>? Fault(string? spec, ILoggerFactory loggers)
    {
        if (string.IsNullOrWhiteSpace(spec)) return null;
        var parts = spec.Split(':');
        if (parts.Length != 3 || parts[0] is not ("fail" or "hold") || !int.TryParse(parts[2], CultureInfo.InvariantCulture, out var shard) || shard < 1)
            throw new FeastValidationException($"{FaultVariable}='{spec}' is not 'fail:VIEW:SHARD' or 'hold:VIEW:SHARD' (SHARD from 1). Unset it to run normally.");
        var (kind, view) = (parts[0], parts[1]);
        var logger = loggers.CreateLogger("Feast.Worker.Fault");
        return async (task, ct) =>
        {
            if (task.View != view || !task.Indices.Contains(shard - 1)) return;
            var named = $"{view} shard {shard}/{task.Count}";
            if (kind == "fail") throw new FeastException($"injected fault ({FaultVariable}) in {named}");
            if (task.Attempt > 1) return;
            WorkerFaultLog.Holding(logger, named);
            await Task.Delay(Timeout.Infinite, ct);
        };
    }
}

internal static partial class WorkerFaultLog
{
    [LoggerMessage(EventId = 1820, Level = LogLevel.Warning, Message = "Holding {Shard} until cancelled (FEAST_WORKER_FAULT)")]
    public static partial void Holding(ILogger logger, string shard);
}
