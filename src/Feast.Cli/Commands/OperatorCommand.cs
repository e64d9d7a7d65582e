using System.CommandLine;
using System.Net;
using Feast.Kubernetes;
using Feast.Kubernetes.Operator;
using k8s;
using k8s.Exceptions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Feast.Cli.Commands;

/// <summary>
/// <c>feast operator</c>: Feast's Kubernetes operator for Feast.NET. Watches FeatureStore resources, applies what
/// <c>feast kube render</c> makes of each (server-side apply), deletes what no longer renders, and sets their status;
/// <c>/health</c> and <c>/metrics</c> over HTTP; Ctrl+C or SIGTERM stops it.
/// </summary>
internal static class OperatorCommand
{
    public static Command Create(CliContext context)
    {
        var ns = new Option<string?>("--namespace", "-n")
        {
            Description = "Watch FeatureStores in this namespace only (default: every namespace).",
            HelpName = "namespace",
        };
        var kubeconfig = new Option<string?>("--kubeconfig")
        {
            Description = "The kubeconfig file of the cluster. Default: in-cluster configuration when run in a pod, else $KUBECONFIG, else ~/.kube/config.",
            HelpName = "file",
        };
        var kubeContext = new Option<string?>("--context") { Description = "The kubeconfig context to use (default: its current context).", HelpName = "name" };
        var image = new Option<string>("--image")
        {
            Description = "Feast.NET's image for the servers and init containers a FeatureStore gives no image for.",
            HelpName = "image",
            DefaultValueFactory = _ => new RenderOptions().Image,
        };
        var httpPort = new Option<int>("--http-port")
        {
            Description = "The port of GET /health and GET /metrics (Prometheus text). 0 picks a free port.",
            HelpName = "port",
            DefaultValueFactory = _ => 8081,
        };
        var host = ServerCommandOptions.Host();
        var command = new Command("operator",
            "Run Feast's Kubernetes operator for Feast.NET: watch FeatureStore resources (feast.dev/v1; the CRD is Feast's operator's), render each as " +
            "feast kube render does, server-side apply the objects (field manager feast-operator), delete the objects it made that no longer render, " +
            "and set each FeatureStore's status (phase Ready, Pending or Failed, and the FeatureStore condition with the reason). GET /health and " +
            "GET /metrics on --http-port. Ctrl+C or SIGTERM stops it.\n" +
            "Example: feast operator --namespace feast --kubeconfig ~/.kube/config")
        {
            ns, kubeconfig, kubeContext, image, httpPort, host,
        };
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(httpPort) is < 0 or > 65535) throw new FeastValidationException("--http-port must be a port number from 0 to 65535.");
            var config = Configuration(result.GetValue(kubeconfig), result.GetValue(kubeContext));
            var levelGiven = result.GetResult(context.Globals.LogLevel) is { Implicit: false };
            using var loggers = context.CreateLoggerFactory(result, LogLevel.Information, b =>
            {
                if (levelGiven) return;
                b.AddFilter("Microsoft", LogLevel.Warning);
                b.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
            });
            var options = new OperatorOptions { Namespace = result.GetValue(ns), Render = new RenderOptions { Image = result.GetValue(image)! } };
            using var featureStoreOperator = new FeatureStoreOperator(config, options, loggers, TimeProvider.System);
            var address = await ServeCommand.ResolveAsync(result.GetValue(host)!, ct);
            return await RunAsync(context, featureStoreOperator, options, address, result.GetValue(httpPort), loggers, ct);
        });
        return command;
    }

    private static KubernetesClientConfiguration Configuration(string? kubeconfig, string? kubeContext)
    {
        try
        {
            if (kubeconfig is null && kubeContext is null && KubernetesClientConfiguration.IsInCluster())
                return KubernetesClientConfiguration.InClusterConfig();
            var path = kubeconfig ?? Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator)[0]
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
            if (!File.Exists(path))
                throw new FeastValidationException(
                    $"No Kubernetes configuration: {path} does not exist. Give --kubeconfig FILE, set KUBECONFIG, or run the operator in a pod.");
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(path, kubeContext);
        }
        catch (KubeConfigException e)
        {
            throw new FeastValidationException($"The Kubernetes configuration cannot be used: {e.Message}");
        }
    }

    private static async Task<int> RunAsync(CliContext context, FeatureStoreOperator featureStoreOperator, OperatorOptions options, IPAddress address,
        int port, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "feast-operator" });
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        ListenOptions? httpListen = null;
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                httpListen = listen;
            });
        });
        builder.Services.AddRouting();
        await using var app = builder.Build();
        app.MapGet("/health", () => Results.Text("ok\n"));
        app.MapGet("/metrics", () => Results.Text(featureStoreOperator.Metrics.ToPrometheusText(), "text/plain; version=0.0.4"));
        await ServerCommandOptions.StartAsync(app, address.ToString(), "--http-port", cancellationToken);

        await context.Out.WriteLineAsync(
            $"Operator watching FeatureStores in {options.Namespace ?? "every namespace"} on {featureStoreOperator.Server}; image {options.Render.Image}");
        await context.Out.WriteLineAsync($"  health {ServeCommand.Url("http", httpListen!)}/health  metrics {ServeCommand.Url("http", httpListen!)}/metrics");
        await context.Out.WriteLineAsync("Press Ctrl+C to stop.");
        await context.Out.FlushAsync(cancellationToken);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
        var running = featureStoreOperator.RunAsync(stop.Token);
        var code = await ServerCommandOptions.RunUntilStoppedAsync(context, app, TimeSpan.FromSeconds(5), cancellationToken);
        await stop.CancelAsync();
        await running;
        return code;
    }
}
