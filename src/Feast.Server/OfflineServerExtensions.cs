using Feast.Server.Hosting;
using Feast.Server.Http;
using Feast.Server.OfflineServer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Feast.Server;

/// <summary>Registers Feast's offline server (Arrow Flight, <c>feast serve_offline</c>) in an ASP.NET Core application.</summary>
public static class OfflineServerExtensions
{
    /// <summary>
    /// Adds the offline server's services on top of the feature server's (<see cref="FeastServerExtensions.AddFeast"/>,
    /// which this calls: the store, authentication, health checks and gRPC). Then call <see cref="MapFeastOfflineServer"/>.
    /// A Flight message carries a whole record batch, so <see cref="FeastServerOptions.MaxRequestBodyBytes"/> (the gRPC
    /// receive limit) bounds the largest batch a client may put.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets the repo (or store) whose offline store is served, and the server options.</param>
    public static IServiceCollection AddFeastOfflineServer(this IServiceCollection services, Action<FeastServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddFeast(configure);
        services.PostConfigure<FeastServerOptions>(o => o.CreatesOnlineStorage = false);
        services.TryAddSingleton<OfflineApis>();
        // One server instance for the process: it holds the flights put and not yet fetched.
        services.TryAddSingleton<FeastFlightServer>();
        services.AddGrpc();
        services.AddSingleton<Apache.Arrow.Flight.Server.FlightServer>(sp => sp.GetRequiredService<FeastFlightServer>());
        return services;
    }

    /// <summary>
    /// Maps the Arrow Flight service (<c>arrow.flight.protocol.FlightService</c>: Feast's offline server protocol) and
    /// <c>grpc.health.v1.Health</c>, and <c>GET /health</c>, <c>/healthz/live</c>, <c>/healthz/ready</c>.
    /// </summary>
    /// <param name="endpoints">The application's endpoint builder.</param>
    /// <returns>A builder for conventions on every mapped endpoint.</returns>
    public static IEndpointConventionBuilder MapFeastOfflineServer(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapHealthEndpoints();
        var flight = endpoints.MapFlightEndpoint();
        var grpcHealth = endpoints.MapGrpcHealthChecksService();
        return new FeastServerExtensions.CompositeConventionBuilder([group, flight, grpcHealth]);
    }

    /// <summary>The offline server's count of flights put and not yet fetched (for tests).</summary>
    internal static int PendingFlights(this IServiceProvider services) => services.GetRequiredService<FeastFlightServer>().PendingFlights;

    /// <summary>The offline server's count of do_get streams running (for tests).</summary>
    internal static int ActiveStreams(this IServiceProvider services) => services.GetRequiredService<FeastFlightServer>().ActiveStreams;
}
