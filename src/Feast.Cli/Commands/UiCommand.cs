using System.CommandLine;
using System.Globalization;
using Feast.Server;
using Feast.Ui;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Feast.Cli.Commands;

/// <summary>
/// <c>feast ui</c>: Feast's web UI (bundled from npm by <c>eng/build-ui.sh</c>) over the repo's registry, with
/// <c>projects-list.json</c>, the auth config tag, <c>/health</c> and the REST registry API under <c>{root-path}/api/v1</c>,
/// until Ctrl+C or SIGTERM.
/// </summary>
internal static class UiCommand
{
    public static Command Create(CliContext context)
    {
        var host = ServerCommandOptions.Host();
        var port = new Option<int>("--port", "-p")
        {
            Description = "The HTTP port of the UI (HTTP/1.1; HTTPS with HTTP/2 with --key/--cert). 0 picks a free port.",
            HelpName = "port",
            DefaultValueFactory = _ => 8888,
        };
        var registryTtl = new Option<int>("--registry-ttl-sec", "--registry_ttl_sec", "-r")
        {
            Description = "Re-read the registry in the background every this many seconds, so the UI shows what apply changed. 0 reads it once.",
            HelpName = "seconds",
            DefaultValueFactory = _ => 5,
        };
        var rootPath = new Option<string>("--root-path", "--root_path")
        {
            Description = "Serve everything under this URL prefix (e.g. /feast behind a reverse proxy; requests without it are served too).",
            HelpName = "path",
            DefaultValueFactory = _ => "",
        };
        var uiDir = new Option<string?>("--ui-dir")
        {
            Description = $"The built UI bundle (index.html, index.js, index.css). Default: ${FeastUiBundle.DirectoryVariable}, else the bundle eng/build-ui.sh built.",
            HelpName = "folder",
        };
        var noAccessLog = ServerCommandOptions.NoAccessLog();
        var key = ServerCommandOptions.Key();
        var cert = ServerCommandOptions.Cert();
        var shutdownTimeout = ServerCommandOptions.ShutdownTimeout();
        var command = new Command("ui",
            "Serve Feast's web UI for the repo's registry: browse projects, data sources, entities, feature views, feature services, features, " +
            "permissions and lineage. Serves the UI's pages, projects-list.json, GET /health and the REST registry API under {root-path}/api/v1, " +
            "until Ctrl+C. The UI is bundled from npm by eng/build-ui.sh.\n" +
            "Example: feast ui --port 8888")
        {
            host, port, registryTtl, rootPath, uiDir, noAccessLog, key, cert, shutdownTimeout,
        };
        ServerCommandOptions.RequireKeyWithCert(command, key, cert);
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(port) is < 0 or > 65535) throw new FeastValidationException("--port must be a port number from 0 to 65535.");
            if (result.GetValue(registryTtl) < 0) throw new FeastValidationException("--registry-ttl-sec must be 0 or more.");
            if (result.GetValue(shutdownTimeout) < 0) throw new FeastValidationException("--shutdown-timeout must be 0 or more.");
            string root;
            try
            {
                root = FeastUiOptions.NormalizeRootPath(result.GetValue(rootPath));
            }
            catch (ArgumentException e)
            {
                throw new FeastValidationException($"--root-path: {e.Message}");
            }
            var given = result.GetValue(uiDir);
            var bundle = FeastUiBundle.Find(given) ?? throw new FeastValidationException(given is null
                ? $"The web UI is not built. {FeastUiBundle.BuildHint}"
                : $"--ui-dir {given} holds no built UI (index.html, index.js, index.css). {FeastUiBundle.BuildHint}");
            var levelGiven = result.GetResult(context.Globals.LogLevel) is { Implicit: false };
            using var loggers = context.CreateLoggerFactory(result, LogLevel.Information, b =>
            {
                if (levelGiven) return;
                b.AddFilter("Microsoft", LogLevel.Warning);
                b.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
            });
            var settings = new UiSettings(result.GetValue(host)!, result.GetValue(port), TimeSpan.FromSeconds(result.GetValue(registryTtl)), root, bundle,
                !result.GetValue(noAccessLog), result.GetValue(key), result.GetValue(cert), TimeSpan.FromSeconds(result.GetValue(shutdownTimeout)));
            return await RunAsync(context, context.RepoPath(result), result.GetValue(context.Globals.FeatureStoreYaml), settings, loggers, ct);
        });
        return command;
    }

    private sealed record UiSettings(string Host, int Port, TimeSpan RegistryTtl, string RootPath, string Bundle, bool AccessLog,
        string? KeyPath, string? CertPath, TimeSpan ShutdownTimeout);

    private static async Task<int> RunAsync(CliContext context, string repoPath, string? yamlPath, UiSettings settings, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var address = await ServeCommand.ResolveAsync(settings.Host, cancellationToken);
        var certificate = settings.CertPath is null ? null : ServeCommand.LoadCertificate(settings.CertPath, settings.KeyPath!);
        try
        {
            var builder = ServerCommandOptions.CreateBuilder(repoPath, loggers, settings.ShutdownTimeout);
            ListenOptions? httpListen = null;
            ServerCommandOptions.UseKestrel(builder, certificate, kestrel =>
                ServerCommandOptions.Listen(kestrel, address, settings.Port, certificate is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2, certificate,
                    l => httpListen = l));
            builder.Services.AddFeastUi(o =>
            {
                o.RepoPath = repoPath;
                o.FeatureStoreYamlPath = yamlPath;
                o.ConfigureStore = CliContext.WithBackends;
                o.RegistryRefreshInterval = settings.RegistryTtl;
                o.AccessLog = settings.AccessLog;
            }, o =>
            {
                o.RootPath = settings.RootPath;
                o.BundleDirectory = settings.Bundle;
                o.MapRegistryRest = (e, prefix) => e.MapFeastRegistryRest(prefix);
            });

            await using var app = builder.Build();
            app.MapFeastUi();
            await ServerCommandOptions.StartAsync(app, settings.Host, "--port", cancellationToken);

            var store = app.Services.GetFeastStore();
            var url = ServeCommand.Url(certificate is null ? "http" : "https", httpListen!) + settings.RootPath + "/";
            await context.Out.WriteLineAsync($"Serving the Feast UI for {repoPath} (project {store.Project}, {store.RegistryStore.Description})");
            await context.Out.WriteLineAsync($"  HTTP  {url}  the UI, projects-list.json, GET /health, the REST API at {settings.RootPath}{FeastUiOptions.RestApiPath}");
            await context.Out.WriteLineAsync($"  UI bundle {settings.Bundle}");
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
}
