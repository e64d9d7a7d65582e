using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Feast.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Feast.Cli.Commands;

/// <summary>
/// <c>feast serve</c>: Feast's feature server (HTTP JSON, as Python's <c>feast serve</c>) plus Feast's gRPC
/// <c>ServingService</c> on a second port, until Ctrl+C or SIGTERM, which drain the requests in flight.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var host = ServerCommandOptions.Host();
        var port = new Option<int>("--port", "-p")
        {
            Description = "The HTTP port (Feast's JSON endpoints). 0 picks a free port.",
            HelpName = "port",
            DefaultValueFactory = _ => 6566,
        };
        var grpcPort = new Option<int>("--grpc-port")
        {
            Description = "The gRPC port (feast.serving.ServingService over HTTP/2; without TLS unless --key/--cert). 0 picks a free port.",
            HelpName = "port",
            DefaultValueFactory = _ => 6567,
        };
        var type = new Option<string>("--type", "-t")
        {
            Description = "The server type; only http (Python's only type too). gRPC is served alongside on --grpc-port.",
            HelpName = "type",
            DefaultValueFactory = _ => "http",
        };
        type.AcceptOnlyFromAmong("http");
        var noGrpc = new Option<bool>("--no-grpc") { Description = "Serve HTTP only, as Python's feast serve does." };
        var registryTtl = new Option<int>("--registry-ttl-sec", "--registry_ttl_sec", "-r")
        {
            Description = "Re-read the registry in the background every this many seconds; requests never wait for it. 0 reads it once.",
            HelpName = "seconds",
            DefaultValueFactory = _ => 60,
        };
        var noAccessLog = ServerCommandOptions.NoAccessLog();
        var key = ServerCommandOptions.Key();
        var cert = ServerCommandOptions.Cert();
        var metrics = new Option<bool>("--metrics", "-m")
        {
            Description = "Serve Prometheus metrics (Feast's metric names) at /metrics on --metrics-port (8000, as Python Feast's metrics server) and on --port.",
        };
        var metricsPort = new Option<int>("--metrics-port")
        {
            Description = "The port of the metrics server that --metrics starts (plain HTTP, /metrics only). 0 picks a free port; -1 serves /metrics on --port only.",
            HelpName = "port",
            DefaultValueFactory = _ => 8000,
        };
        var keepAlive = new Option<int?>("--keep-alive-timeout")
        {
            Description = "Seconds an idle keep-alive connection stays open (Feast's option; Kestrel's 130 s when not given).",
            HelpName = "seconds",
        };
        var workers = ServerCommandOptions.Workers();
        var workerConnections = ServerCommandOptions.Ignored("--worker-connections", "connections per gunicorn worker; Kestrel has no such limit per process");
        var maxRequests = ServerCommandOptions.Ignored("--max-requests", "gunicorn restarts a worker after this many requests; nothing here needs restarting");
        var maxRequestsJitter = ServerCommandOptions.Ignored("--max-requests-jitter", "the spread of --max-requests");
        var metricsRequireAuth = new Option<bool>("--metrics-require-auth")
        {
            Description = "Under auth type oidc, answer /metrics and /healthz/ready only to requests with a valid token " +
                "(as feature_server.metrics_require_auth: true). Without it they answer anyone, with no paths or hosts.",
        };
        var maxBody = new Option<long>("--max-request-bytes")
        {
            Description = "The largest request body accepted; larger ones get 413.",
            HelpName = "bytes",
            DefaultValueFactory = _ => 32L * 1024 * 1024,
        };
        var maxFeatures = new Option<int>("--max-features")
        {
            Description = "The most feature references one online read may name; more get 413.",
            HelpName = "count",
            DefaultValueFactory = _ => 10_000,
        };
        var maxRows = new Option<int>("--max-entity-rows")
        {
            Description = "The most entity rows one online read may ask for; more get 413.",
            HelpName = "count",
            DefaultValueFactory = _ => 100_000,
        };
        var shutdownTimeout = ServerCommandOptions.ShutdownTimeout();
        var otlp = new Option<Uri?>("--otlp-endpoint")
        {
            Description = "Export traces (a span per request, and the store's online reads) and metrics over OTLP/HTTP to this collector, " +
                "e.g. http://localhost:4318. Default: the OTEL_EXPORTER_OTLP_ENDPOINT environment variable; no export when neither is set.",
            HelpName = "url",
            CustomParser = r => Uri.TryCreate(r.Tokens[0].Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : Fail(r, $"--otlp-endpoint '{r.Tokens[0].Value}' is not an http:// or https:// URL."),
        };
        var command = new Command("serve",
            "Start a feature server for the repo: Feast's HTTP endpoints (/get-online-features, /push, /write-to-online-store, " +
            "/materialize, /materialize-incremental, /health) and Feast's gRPC ServingService, until Ctrl+C.\n" +
            "Feast's operator runs it as: feast --log-level INFO serve -h 0.0.0.0 [--metrics] [--workers N ...] [--key K --cert C] -p 6566, " +
            "with the repo's feature_store.yaml in FEATURE_STORE_YAML_BASE64; probe GET /health.\n" +
            "Example: feast serve --host 0.0.0.0 --port 6566 --grpc-port 6567")
        {
            host, port, type, grpcPort, noGrpc, registryTtl, noAccessLog, key, cert, metrics, metricsPort, metricsRequireAuth, maxBody, maxFeatures, maxRows, shutdownTimeout, otlp,
            workers, workerConnections, maxRequests, maxRequestsJitter, keepAlive,
        };
        ServerCommandOptions.RequireKeyWithCert(command, key, cert);
        command.SetAction(async (result, ct) =>
        {
            // Checked here rather than in a validator, which sees options left at their defaults as 0.
            foreach (var (option, name) in new[] { (port, "--port"), (grpcPort, "--grpc-port") })
            {
                if (result.GetValue(option) is < 0 or > 65535) throw new FeastValidationException($"{name} must be a port number from 0 to 65535.");
            }
            if (!result.GetValue(noGrpc) && result.GetValue(port) != 0 && result.GetValue(port) == result.GetValue(grpcPort))
                throw new FeastValidationException("--port and --grpc-port must differ (or give --no-grpc).");
            if (result.GetValue(metricsPort) is < -1 or > 65535) throw new FeastValidationException("--metrics-port must be a port number from 0 to 65535, or -1.");
            if (result.GetValue(metrics) && result.GetValue(metricsPort) > 0
                && (result.GetValue(metricsPort) == result.GetValue(port) || (!result.GetValue(noGrpc) && result.GetValue(metricsPort) == result.GetValue(grpcPort))))
                throw new FeastValidationException($"--metrics-port {result.GetValue(metricsPort)} is also --port or --grpc-port; give the metrics server a port of its own (or -1 for /metrics on --port only).");
            if (result.GetValue(keepAlive) is <= 0) throw new FeastValidationException("--keep-alive-timeout must be more than 0 seconds.");
            if (result.GetValue(workers) <= 0) throw new FeastValidationException("--workers must be more than 0.");
            if (result.GetValue(registryTtl) < 0) throw new FeastValidationException("--registry-ttl-sec must be 0 or more.");
            if (result.GetValue(maxBody) <= 0) throw new FeastValidationException("--max-request-bytes must be more than 0.");
            if (result.GetValue(maxFeatures) <= 0) throw new FeastValidationException("--max-features must be more than 0.");
            if (result.GetValue(maxRows) <= 0) throw new FeastValidationException("--max-entity-rows must be more than 0.");
            if (result.GetValue(shutdownTimeout) < 0) throw new FeastValidationException("--shutdown-timeout must be 0 or more.");
            var settings = new ServeSettings(
                result.GetValue(host)!, result.GetValue(port), result.GetValue(noGrpc) ? null : result.GetValue(grpcPort),
                TimeSpan.FromSeconds(result.GetValue(registryTtl)), !result.GetValue(noAccessLog), result.GetValue(metrics),
                result.GetValue(key), result.GetValue(cert), result.GetValue(maxBody), TimeSpan.FromSeconds(result.GetValue(shutdownTimeout)),
                result.GetValue(otlp) ?? OtlpFromEnvironment(), result.GetValue(metricsRequireAuth), result.GetValue(maxFeatures), result.GetValue(maxRows),
                result.GetValue(metricsPort) is >= 0 and var mp ? mp : null,
                result.GetValue(keepAlive) is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
            // The access log is information; ASP.NET Core's own per-request lines would repeat it.
            var levelGiven = result.GetResult(context.Globals.LogLevel) is { Implicit: false };
            using var loggers = context.CreateLoggerFactory(result, LogLevel.Information, b =>
            {
                if (levelGiven) return;
                b.AddFilter("Microsoft", LogLevel.Warning);
                // A failed start (a port in use) is reported as one line by the command, not as the host's stack trace.
                b.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
            });
            return await RunAsync(context, context.RepoPath(result), result.GetValue(context.Globals.FeatureStoreYaml), settings, loggers, ct);
        });
        return command;
    }

    private sealed record ServeSettings(string Host, int Port, int? GrpcPort, TimeSpan RegistryTtl, bool AccessLog, bool Metrics,
        string? KeyPath, string? CertPath, long MaxRequestBytes, TimeSpan ShutdownTimeout, Uri? OtlpEndpoint, bool MetricsRequireAuth, int MaxFeatures, int MaxEntityRows,
        int? MetricsPort, TimeSpan? KeepAliveTimeout);

    /// <summary>The metrics port answers <c>/metrics</c> only: the feature server's endpoints stay on their own ports.</summary>
    private static void UseMetricsPortOnlyForMetrics(WebApplication app, Func<int?> metricsPort) =>
        app.Use(async (http, next) =>
        {
            if (http.Connection.LocalPort == metricsPort() && !http.Request.Path.Equals("/metrics", StringComparison.Ordinal))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await next(http);
        });

    private static Uri? Fail(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return null;
    }

    private static Uri? OtlpFromEnvironment() =>
        Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } value && Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : null;

    /// <summary>
    /// Traces (the server's and the store's spans under ASP.NET Core's request spans) and metrics (the store's
    /// instruments and ASP.NET Core's) exported over OTLP/HTTP protobuf to <paramref name="endpoint"/>.
    /// </summary>
    private static void AddOpenTelemetry(IServiceCollection services, Uri endpoint)
    {
        static void Target(OpenTelemetry.Exporter.OtlpExporterOptions o, Uri endpoint, string signal)
        {
            o.Protocol = OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf;
            // With HTTP, the base address is the collector's; each signal has its own path under it.
            o.Endpoint = new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + "/v1/" + signal);
        }

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("feast", serviceVersion: typeof(ServeCommand).Assembly.GetName().Version?.ToString(3)))
            .WithTracing(t => t
                .AddSource(ServerTelemetry.Name, FeastTelemetry.Name)
                .AddAspNetCoreInstrumentation(o => o.Filter = c => !c.Request.Path.StartsWithSegments("/metrics", StringComparison.Ordinal))
                .AddOtlpExporter(o =>
                {
                    Target(o, endpoint, "traces");
                    o.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 1000;
                }))
            .WithMetrics(m => m
                .AddMeter(FeastTelemetry.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddOtlpExporter((o, reader) =>
                {
                    Target(o, endpoint, "metrics");
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 10_000;
                }));
    }

    private static async Task<int> RunAsync(CliContext context, string repoPath, string? yamlPath, ServeSettings settings, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var address = await ResolveAsync(settings.Host, cancellationToken);
        var certificate = settings.CertPath is null ? null : LoadCertificate(settings.CertPath, settings.KeyPath!);
        try
        {
            var builder = ServerCommandOptions.CreateBuilder(repoPath, loggers, settings.ShutdownTimeout);
            ListenOptions? httpListen = null, grpcListen = null;
            ListenOptions? metricsListen = null;
            ServerCommandOptions.UseKestrel(builder, certificate, kestrel =>
            {
                kestrel.Limits.MaxRequestBodySize = settings.MaxRequestBytes;
                if (settings.KeepAliveTimeout is { } keepAlive) kestrel.Limits.KeepAliveTimeout = keepAlive;
                // Without TLS there is no protocol negotiation, so the JSON port speaks HTTP/1.1 and gRPC has its own port.
                ServerCommandOptions.Listen(kestrel, address, settings.Port, certificate is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2, certificate,
                    l => httpListen = l);
                if (settings.GrpcPort is { } grpc)
                    ServerCommandOptions.Listen(kestrel, address, grpc, HttpProtocols.Http2, certificate, l => grpcListen = l);
                // Prometheus scrapes plain HTTP, as from Python Feast's metrics server on port 8000.
                if (settings.Metrics && settings.MetricsPort is { } metricsPort)
                    ServerCommandOptions.Listen(kestrel, address, metricsPort, HttpProtocols.Http1, null, l => metricsListen = l);
            });
            builder.Services.AddFeast(o =>
            {
                o.RepoPath = repoPath;
                o.FeatureStoreYamlPath = yamlPath;
                o.ConfigureStore = CliContext.WithBackends;
                o.RegistryRefreshInterval = settings.RegistryTtl;
                o.AccessLog = settings.AccessLog;
                o.Metrics = settings.Metrics;
                o.MetricsRequireAuth = settings.MetricsRequireAuth;
                o.MaxRequestBodyBytes = settings.MaxRequestBytes;
                o.MaxFeaturesPerRequest = settings.MaxFeatures;
                o.MaxEntityRowsPerRequest = settings.MaxEntityRows;
            });

            if (settings.OtlpEndpoint is { } otlpEndpoint) AddOpenTelemetry(builder.Services, otlpEndpoint);

            await using var app = builder.Build();
            if (settings.Metrics && settings.MetricsPort is not null) UseMetricsPortOnlyForMetrics(app, () => metricsListen?.IPEndPoint?.Port);
            app.MapFeast();
            await ServerCommandOptions.StartAsync(app, settings.Host, "--port/--grpc-port", cancellationToken);

            var store = app.Services.GetFeastStore();
            var scheme = certificate is null ? "http" : "https";
            await context.Out.WriteLineAsync($"Serving project {store.Project} from {repoPath}");
            await context.Out.WriteLineAsync($"  HTTP  {Url(scheme, httpListen!)}  POST /get-online-features /push /write-to-online-store /materialize /materialize-incremental, GET /health{(settings.Metrics ? " /metrics" : "")}");
            if (metricsListen is not null)
                await context.Out.WriteLineAsync($"  Metrics  {Url("http", metricsListen)}/metrics  Prometheus (HTTP/1.1 without TLS)");
            if (settings.OtlpEndpoint is { } exporting)
                await context.Out.WriteLineAsync($"  OTLP  traces and metrics to {exporting}");
            if (grpcListen is not null)
                await context.Out.WriteLineAsync($"  gRPC  {Url(scheme, grpcListen)}  feast.serving.ServingService, grpc.health.v1.Health (HTTP/2{(certificate is null ? " without TLS" : "")})");
            await context.Out.WriteLineAsync(settings.RegistryTtl > TimeSpan.Zero
                ? $"Registry re-read every {settings.RegistryTtl.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s. Press Ctrl+C to stop."
                : "Registry read once. Press Ctrl+C to stop.");
            await context.Out.FlushAsync(cancellationToken);

            return await ServerCommandOptions.RunUntilStoppedAsync(context, app, settings.ShutdownTimeout, cancellationToken);
        }
        finally
        {
            certificate?.Dispose();
        }
    }

    internal static string Url(string scheme, ListenOptions listen)
    {
        var endpoint = listen.IPEndPoint!;
        var host = endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any) ? "0.0.0.0"
            : endpoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]"
            : endpoint.Address.ToString();
        return $"{scheme}://{host}:{endpoint.Port}";
    }

    internal static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (host is "localhost") return IPAddress.Loopback;
        if (host is "*" or "0.0.0.0") return IPAddress.Any;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var address)) return address;
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            return addresses.Length > 0 ? addresses[0] : throw new FeastValidationException($"--host {host} has no address.");
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new FeastValidationException($"--host {host} is not an address this machine can listen on: {e.Message}");
        }
    }

    internal static X509Certificate2 LoadCertificate(string certPath, string keyPath)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(Path.GetFullPath(certPath), Path.GetFullPath(keyPath));
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new FeastValidationException($"--cert {certPath} with --key {keyPath} is not a PEM certificate and its private key: {e.Message}");
        }
    }
}
