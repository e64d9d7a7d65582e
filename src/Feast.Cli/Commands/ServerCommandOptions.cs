using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Feast.Cli.Commands;

/// <summary>
/// The options every server command shares (<c>feast serve</c>, <c>feast serve_registry</c>): the listen address, TLS,
/// the access log and the shutdown drain, defined once so that their names, help and checks agree.
/// </summary>
internal static class ServerCommandOptions
{
    // -c is the global --chdir, so --cert has no short name.
    public static Option<string> Host() => new("--host", "-h")
    {
        Description = "The address to listen on: 127.0.0.1 (the default, this machine only), 0.0.0.0 (every IPv4 interface), :: or a host name.",
        HelpName = "address",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    public static Option<bool> NoAccessLog() => new("--no-access-log") { Description = "Do not log a line per request." };

    public static Option<string?> Key() => new("--key", "-k") { Description = "TLS private key (PEM file); needs --cert.", HelpName = "file" };

    public static Option<string?> Cert() => new("--cert") { Description = "TLS certificate (PEM file); needs --key.", HelpName = "file" };

    public static Option<int> ShutdownTimeout() => new("--shutdown-timeout")
    {
        Description = "On Ctrl+C or SIGTERM, wait this many seconds for requests in flight to finish.",
        HelpName = "seconds",
        DefaultValueFactory = _ => 30,
    };

    /// <summary>
    /// <c>--workers</c> (<c>-w</c>), as Feast's operator passes it to <c>feast serve</c>: accepted for the operator's sake, with no
    /// effect (Python Feast forks that many gunicorn processes; one Feast.NET process serves on every core).
    /// </summary>
    public static Option<int> Workers() => new("--workers", "-w")
    {
        Description = "Accepted for Feast's operator; no effect: one process serves requests on every core (Python forks this many gunicorn workers).",
        HelpName = "count",
        DefaultValueFactory = _ => 1,
    };

    /// <summary>A gunicorn setting of Python Feast's <c>feast serve</c> that Feast's operator may pass: accepted, with no effect.</summary>
    public static Option<int?> Ignored(string name, string what) => new(name)
    {
        Description = $"Accepted for Feast's operator; no effect here ({what}).",
        HelpName = "count",
    };

    /// <summary>
    /// Configures Kestrel for a server command: no <c>Server</c> header, the listeners <paramref name="listen"/> adds, and
    /// the HTTPS configuration when <paramref name="certificate"/> is given.
    /// </summary>
    public static void UseKestrel(WebApplicationBuilder builder, X509Certificate2? certificate, Action<KestrelServerOptions> listen)
    {
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            listen(kestrel);
        });
        if (certificate is not null) builder.WebHost.UseKestrelHttpsConfiguration();
    }

    /// <summary>
    /// Listens on <paramref name="address"/>:<paramref name="port"/> with <paramref name="protocols"/>, under TLS with
    /// <paramref name="certificate"/> when given, and hands
    /// the listener to <paramref name="bound"/> (its port is known once the server has started).
    /// </summary>
    public static void Listen(KestrelServerOptions kestrel, IPAddress address, int port, HttpProtocols protocols, X509Certificate2? certificate,
        Action<ListenOptions> bound)
    {
        kestrel.Listen(address, port, listen =>
        {
            listen.Protocols = protocols;
            if (certificate is not null) listen.UseHttps(certificate);
            bound(listen);
        });
    }

    /// <summary>
    /// The empty web host every server command starts from: the CLI's loggers, the drain time Ctrl+C/SIGTERM gets
    /// (<paramref name="shutdownTimeout"/>), and no host status lines (the command prints its own).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string repoPath, ILoggerFactory loggers, TimeSpan shutdownTimeout)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "feast", ContentRootPath = repoPath });
        builder.Services.AddSingleton(loggers);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        return builder;
    }

    /// <summary>
    /// Starts <paramref name="app"/>; a port that cannot be bound (in use, not allowed) is one usage error naming
    /// <paramref name="host"/> and the options that choose another (<paramref name="portOptions"/>), not a stack trace.
    /// </summary>
    public static async Task StartAsync(WebApplication app, string host, string portOptions, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException || e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
        {
            throw new FeastValidationException($"Cannot listen on {host}: {e.Message} Choose another {portOptions}, or stop the process using it.");
        }
    }

    /// <summary>TLS needs both files: a usage error names the missing one's partner.</summary>
    public static void RequireKeyWithCert(Command command, Option<string?> key, Option<string?> cert) =>
        command.Validators.Add(result =>
        {
            if ((result.GetValue(key) is null) != (result.GetValue(cert) is null))
                result.AddError("Give both --key and --cert for TLS, or neither.");
        });

    /// <summary>
    /// Serves until Ctrl+C/SIGTERM (<paramref name="cancellationToken"/>) or the host stops, saying when it starts draining
    /// the requests in flight and when it has stopped.
    /// </summary>
    public static async Task<int> RunUntilStoppedAsync(CliContext context, WebApplication app, TimeSpan shutdownTimeout, CancellationToken cancellationToken)
    {
        app.Lifetime.ApplicationStopping.Register(() =>
            context.Out.WriteLine($"Stopping: finishing the requests in flight (at most {shutdownTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s)..."));
        try
        {
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // WaitForShutdownAsync stops the host when the token fires; Ctrl+C is the normal way to stop a server.
        }
        await context.Out.WriteLineAsync("Stopped.").ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}
