using System.CommandLine;
using System.Globalization;
using Feast.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Feast.Cli.Commands;

/// <summary>
/// <c>feast serve_registry</c>: the repo's registry as Feast's gRPC <c>feast.registry.RegistryServer</c> (reads, and
/// applies and deletes of single objects) on one HTTP/2 port, with gRPC health and <c>/health</c>, and with
/// <c>--rest-api</c> Feast's REST registry API (<c>/api/v1</c>) over HTTP/1.1 on a port of its own (<c>--no-grpc</c>: REST
/// only), until Ctrl+C or SIGTERM.
/// </summary>
internal static class ServeRegistryCommand
{
    public static Command Create(CliContext context)
    {
        var host = ServerCommandOptions.Host();
        var port = new Option<int>("--port", "-p")
        {
            Description = "The gRPC port (feast.registry.RegistryServer over HTTP/2; without TLS unless --key/--cert). 0 picks a free port.",
            HelpName = "port",
            DefaultValueFactory = _ => 6570,
        };
        var restApi = new Option<bool>("--rest-api", "-r")
        {
            Description = "Also serve Feast's REST registry API (/api/v1: lists, details, features, lineage, projects, registry refresh) over HTTP/1.1 on --rest-port.",
        };
        var restPort = new Option<int>("--rest-port")
        {
            Description = "The REST API's port (with --rest-api). 0 picks a free port.",
            HelpName = "port",
            DefaultValueFactory = _ => 6572,
        };
        var noGrpc = new Option<bool>("--no-grpc")
        {
            Description = "Serve no gRPC: only the REST API (needs --rest-api).",
        };
        var grpc = new Option<bool>("--grpc")
        {
            Description = "Serve the gRPC API (the default; Feast's --grpc/--no-grpc pair, which Feast's operator passes).",
        };
        var noAccessLog = ServerCommandOptions.NoAccessLog();
        var key = ServerCommandOptions.Key();
        var cert = ServerCommandOptions.Cert();
        var shutdownTimeout = ServerCommandOptions.ShutdownTimeout();
        var command = new Command("serve_registry",
            "Serve the repo's registry as Feast's gRPC registry server (feast.registry.RegistryServer: Get/List of entities, data sources, " +
            "feature views of every kind, feature services, permissions, projects, saved datasets and validation references; Refresh; Proto; GetInfra; " +
            "Apply/Delete of entities, data sources, feature views, feature services and permissions; ApplyProject; GetRegistryLineage, " +
            "GetObjectRelationships, ListFeatures, GetFeature), with grpc.health.v1.Health " +
            "and GET /health on the same HTTP/2 port, until Ctrl+C. With --rest-api, also Feast's REST registry API (/api/v1, what the web UI reads) " +
            "over HTTP/1.1 on --rest-port (6572); --no-grpc serves the REST API alone. --key/--cert put TLS on both.\n" +
            "Example: feast serve_registry --port 6570 --rest-api --rest-port 6572")
        {
            host, port, grpc, restApi, restPort, noGrpc, noAccessLog, key, cert, shutdownTimeout,
        };
        ServerCommandOptions.RequireKeyWithCert(command, key, cert);
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(port) is < 0 or > 65535) throw new FeastValidationException("--port must be a port number from 0 to 65535.");
            if (result.GetValue(restPort) is < 0 or > 65535) throw new FeastValidationException("--rest-port must be a port number from 0 to 65535.");
            if (result.GetValue(noGrpc) && result.GetValue(grpc))
                throw new FeastValidationException("--grpc and --no-grpc contradict each other: give one.");
            if (result.GetValue(noGrpc) && !result.GetValue(restApi))
                throw new FeastValidationException("--no-grpc leaves nothing to serve: add --rest-api to serve the REST API alone, or drop --no-grpc.");
            if (result.GetValue(shutdownTimeout) < 0) throw new FeastValidationException("--shutdown-timeout must be 0 or more.");
            var levelGiven = result.GetResult(context.Globals.LogLevel) is { Implicit: false };
            using var loggers = context.CreateLoggerFactory(result, LogLevel.Information, b =>
            {
                if (levelGiven) return;
                b.AddFilter("Microsoft", LogLevel.Warning);
                b.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
            });
            return await RunAsync(context, context.RepoPath(result), result.GetValue(context.Globals.FeatureStoreYaml), result.GetValue(host)!,
                new Ports(result.GetValue(noGrpc) ? null : result.GetValue(port), result.GetValue(restApi) ? result.GetValue(restPort) : null), !result.GetValue(noAccessLog), result.GetValue(key), result.GetValue(cert),
                TimeSpan.FromSeconds(result.GetValue(shutdownTimeout)), loggers, ct);
        });
        return command;
    }

    /// <summary>The gRPC and REST ports; null where that API is not served.</summary>
    private sealed record Ports(int? Grpc, int? Rest);

    private static async Task<int> RunAsync(CliContext context, string repoPath, string? yamlPath, string host, Ports ports, bool accessLog,
        string? keyPath, string? certPath, TimeSpan shutdownTimeout, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var address = await ServeCommand.ResolveAsync(host, cancellationToken);
        var certificate = certPath is null ? null : ServeCommand.LoadCertificate(certPath, keyPath!);
        try
        {
            var builder = ServerCommandOptions.CreateBuilder(repoPath, loggers, shutdownTimeout);
            ListenOptions? grpcListen = null, restListen = null;
            ServerCommandOptions.UseKestrel(builder, certificate, kestrel =>
            {
                if (ports.Grpc is { } grpcPort)
                    ServerCommandOptions.Listen(kestrel, address, grpcPort, HttpProtocols.Http2, certificate, l => grpcListen = l);
                if (ports.Rest is { } restPort)
                    ServerCommandOptions.Listen(kestrel, address, restPort, HttpProtocols.Http1, certificate, l => restListen = l);
            });
            builder.Services.AddFeastRegistryServer(o =>
            {
                o.RepoPath = repoPath;
                o.FeatureStoreYamlPath = yamlPath;
                o.ConfigureStore = CliContext.WithBackends;
                // The registry server reads the store per request (allow_cache false) or through its own cache.
                o.RegistryRefreshInterval = TimeSpan.Zero;
                o.AccessLog = accessLog;
            });

            await using var app = builder.Build();
            app.MapFeastRegistryServer();
            if (ports.Rest is not null) app.MapFeastRegistryRest();
            await ServerCommandOptions.StartAsync(app, host, "--port or --rest-port", cancellationToken);

            var store = app.Services.GetFeastStore();
            var scheme = certificate is null ? "http" : "https";
            await context.Out.WriteLineAsync($"Serving the registry of {repoPath} (project {store.Project}, {store.RegistryStore.Description})");
            var tls = certificate is null ? " without TLS" : "";
            if (grpcListen is not null)
                await context.Out.WriteLineAsync($"  gRPC  {ServeCommand.Url(scheme, grpcListen)}  feast.registry.RegistryServer, grpc.health.v1.Health, GET /health (HTTP/2{tls})");
            if (restListen is not null)
                await context.Out.WriteLineAsync($"  REST  {ServeCommand.Url(scheme, restListen)}/api/v1  Feast's REST registry API, GET /health (HTTP/1.1{tls})");
            await context.Out.WriteLineAsync("Press Ctrl+C to stop.");
            await context.Out.FlushAsync(cancellationToken);

            return await ServerCommandOptions.RunUntilStoppedAsync(context, app, shutdownTimeout, cancellationToken);
        }
        finally
        {
            certificate?.Dispose();
        }
    }
}
