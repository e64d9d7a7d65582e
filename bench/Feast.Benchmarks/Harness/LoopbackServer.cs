using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Feast.Benchmarks.Harness;

/// <summary>
/// A Kestrel server in the benchmark's own process on a free loopback port (no logging), for runners that measure a
/// client against a server without a second process; stopped when disposed.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The port it listens on, at 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Builds the app from <paramref name="services"/> and <paramref name="map"/>, listening with <paramref name="protocols"/>, and starts it.</summary>
    public static async Task<LoopbackServer> StartAsync(Action<IServiceCollection> services, Action<WebApplication> map, HttpProtocols protocols)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        services(builder.Services);
        ListenOptions? listen = null;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            l.Protocols = protocols;
            listen = l;
        }));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return new LoopbackServer(app, listen!.IPEndPoint!.Port);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
