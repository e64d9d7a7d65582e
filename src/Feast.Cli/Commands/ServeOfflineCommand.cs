using System.CommandLine;
using Feast.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Feast.Cli.Commands;

/// <summary>
/// <c>feast serve_offline</c>: the repo's offline store as Feast's offline server (Arrow Flight over HTTP/2), what
/// <c>offline_store: {type: remote}</c> clients talk to, with gRPC health and <c>/health</c> on the same port, until
/// Ctrl+C or SIGTERM.
/// </summary>
internal static class ServeOfflineCommand
{
    /// <summary>Feast's default port of the offline server.</summary>
    public const int DefaultPort = 8815;

    /// <summary>The largest Flight message (one record batch) a client may put, unless --max-request-bytes says otherwise.</summary>
    private const long DefaultMaxMessageBytes = 256L * 1024 * 1024;

    public static Command Create(CliContext context)
    {
        var host = ServerCommandOptions.Host();
        var port = new Option<int>("--port", "-p")
        {
            Description = $"The Arrow Flight port (HTTP/2; without TLS unless --key/--cert). 0 picks a free port. Feast's default: {DefaultPort}.",
            HelpName = "port",
            DefaultValueFactory = _ => DefaultPort,
        };
        var registryTtl = new Option<int>("--registry-ttl-sec", "--registry_ttl_sec", "-r")
        {
            Description = "Re-read the registry in the background every this many seconds, so newly applied views are served; requests never wait for it. 0 reads it once.",
            HelpName = "seconds",
            DefaultValueFactory = _ => 60,
        };
        var maxBytes = new Option<long>("--max-request-bytes")
        {
            Description = "The largest Flight message a client may send (one record batch of entity rows or rows to write), in bytes.",
            HelpName = "bytes",
            DefaultValueFactory = _ => DefaultMaxMessageBytes,
        };
        var noAccessLog = ServerCommandOptions.NoAccessLog();
        var key = ServerCommandOptions.Key();
        var cert = ServerCommandOptions.Cert();
        var shutdownTimeout = ServerCommandOptions.ShutdownTimeout();
        var command = new Command("serve_offline",
            "Serve the repo's offline store as Feast's offline server over Arrow Flight, for clients whose feature_store.yaml says " +
            "offline_store: {type: remote, host, port} (Python Feast's or Feast.NET's). They get training data (entity rows, or a start/end date range), " +
            "pull rows for materialization, read source schemas, write rows (offline push) and persist saved datasets, computed here against this " +
            "repo's offline store and registry; results stream batch by batch. With an auth section, callers need a bearer token and " +
            "READ_OFFLINE (reads) or WRITE_OFFLINE (writes) on the views and sources concerned. grpc.health.v1.Health and GET /health are served " +
            "on the same port. --key/--cert put TLS on it (clients then use scheme: https and cert).\n" +
            $"Example: feast serve_offline --host 0.0.0.0 --port {DefaultPort}")
        {
            host, port, registryTtl, maxBytes, noAccessLog, key, cert, shutdownTimeout,
        };
        ServerCommandOptions.RequireKeyWithCert(command, key, cert);
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(port) is < 0 or > 65535) throw new FeastValidationException("--port must be a port number from 0 to 65535.");
            if (result.GetValue(registryTtl) < 0) throw new FeastValidationException("--registry-ttl-sec must be 0 or more.");
            if (result.GetValue(maxBytes) < 1024) throw new FeastValidationException("--max-request-bytes must be at least 1024.");
            if (result.GetValue(shutdownTimeout) < 0) throw new FeastValidationException("--shutdown-timeout must be 0 or more.");
            var levelGiven = result.GetResult(context.Globals.LogLevel) is { Implicit: false };
            using var loggers = context.CreateLoggerFactory(result, LogLevel.Information, b =>
            {
                if (levelGiven) return;
                b.AddFilter("Microsoft", LogLevel.Warning);
                b.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
            });
            var settings = new Settings(result.GetValue(host)!, result.GetValue(port), TimeSpan.FromSeconds(result.GetValue(registryTtl)),
                result.GetValue(maxBytes), !result.GetValue(noAccessLog), result.GetValue(key), result.GetValue(cert), TimeSpan.FromSeconds(result.GetValue(shutdownTimeout)));
            return await RunAsync(context, context.RepoPath(result), result.GetValue(context.Globals.FeatureStoreYaml), settings, loggers, ct);
        });
        return command;
    }

    private sealed record Settings(string Host, int Port, TimeSpan RegistryTtl, long MaxMessageBytes, bool AccessLog, string? KeyPath, string? CertPath, TimeSpan ShutdownTimeout);

    private static async Task<int> RunAsync(CliContext context, string repoPath, string? yamlPath, Settings settings, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var address = await ServeCommand.ResolveAsync(settings.Host, cancellationToken);
        var certificate = settings.CertPath is null ? null : ServeCommand.LoadCertificate(settings.CertPath, settings.KeyPath!);
        try
        {
            var builder = ServerCommandOptions.CreateBuilder(repoPath, loggers, settings.ShutdownTimeout);
            ListenOptions? flightListen = null;
            ServerCommandOptions.UseKestrel(builder, certificate, kestrel =>
            {
                kestrel.Limits.MaxRequestBodySize = null;
                ServerCommandOptions.Listen(kestrel, address, settings.Port, HttpProtocols.Http2, certificate, l => flightListen = l);
            });
            builder.Services.AddFeastOfflineServer(o =>
            {
                o.RepoPath = repoPath;
                o.FeatureStoreYamlPath = yamlPath;
                o.ConfigureStore = CliContext.WithBackends;
                o.RegistryRefreshInterval = settings.RegistryTtl;
                o.MaxRequestBodyBytes = settings.MaxMessageBytes;
                o.AccessLog = settings.AccessLog;
            });

            await using var app = builder.Build();
            app.MapFeastOfflineServer();
            await ServerCommandOptions.StartAsync(app, settings.Host, "--port", cancellationToken);

            var store = app.Services.GetFeastStore();
            var scheme = certificate is null ? "grpc+tcp" : "grpc+tls";
            await context.Out.WriteLineAsync($"Serving the offline store of {repoPath} (project {store.Project}, offline store {store.Config.OfflineStore.Type})");
            var url = ServeCommand.Url(certificate is null ? "http" : "https", flightListen!);
            var authority = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..];
            await context.Out.WriteLineAsync($"  Flight  {scheme}://{authority}  Feast's offline server (Arrow Flight), grpc.health.v1.Health, GET /health (HTTP/2{(certificate is null ? " without TLS" : "")})");
            await context.Out.WriteLineAsync("Press Ctrl+C to stop.");
            await context.Out.FlushAsync(cancellationToken);

            return await ServerCommandOptions.RunUntilStoppedAsync(context, app, settings.ShutdownTimeout, cancellationToken);
        }
        finally
        {
            certificate?.Dispose();
        }
    }
}
