using Feast.Server.Hosting;
using Feast.Server.Http;
using Feast.Server.RegistryServer;
using Grpc.AspNetCore.HealthChecks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Feast.Server;

/// <summary>Registers Feast's registry server (<c>feast.registry.RegistryServer</c> over gRPC) in an ASP.NET Core application.</summary>
public static class RegistryServerExtensions
{
    /// <summary>
    /// The largest request message the registry server accepts (4 MiB, gRPC's default and so Feast's registry server's);
    /// a larger one is refused with RESOURCE_EXHAUSTED before it is read.
    /// </summary>
    public const int MaxReceiveMessageBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Adds the registry server's services on top of the feature server's (<see cref="FeastServerExtensions.AddFeast"/>,
    /// which this calls: the store, authentication, health checks and gRPC). Then call <see cref="MapFeastRegistryServer"/>.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets the repo (or store) whose registry is served, and the server options.</param>
    public static IServiceCollection AddFeastRegistryServer(this IServiceCollection services, Action<FeastServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddFeast(configure);
        services.PostConfigure<FeastServerOptions>(o => o.CreatesOnlineStorage = false);
        services.TryAddSingleton<RegistryReader>();
        services.TryAddSingleton<RegistryAccess>();
        services.TryAddSingleton<FeastRegistryService>();
        // Feast's registry server runs with gRPC's default limit; a larger request is RESOURCE_EXHAUSTED, as there.
        services.AddGrpc().AddServiceOptions<FeastRegistryService>(o => o.MaxReceiveMessageSize = MaxReceiveMessageBytes);
        services.Configure<GrpcHealthChecksOptions>(o =>
            o.Services.Map(RegistryServerBinding.ServiceName, r => r.Tags.Contains(FeastHealthCheck.ReadyTag)));
        return services;
    }

    /// <summary>
    /// Maps the gRPC services <c>feast.registry.RegistryServer</c> (its read RPCs: Get/List of entities, data sources,
    /// feature views of every kind, feature services, permissions, projects, saved datasets and validation references;
    /// <c>Refresh</c>; <c>Proto</c>; <c>GetInfra</c>; <c>ListProjectMetadata</c>; and its writes to any project: Apply/Delete
    /// of every kind, <c>DeleteProject</c>, <c>ApplyMaterialization</c>, <c>UpdateInfra</c>, <c>Commit</c>) and
    /// <c>grpc.health.v1.Health</c>, and <c>GET /health</c>, <c>/healthz/live</c>, <c>/healthz/ready</c>.
    /// </summary>
    /// <param name="endpoints">The application's endpoint builder.</param>
    /// <returns>A builder for conventions on every mapped endpoint.</returns>
    public static IEndpointConventionBuilder MapFeastRegistryServer(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapHealthEndpoints();
        var grpc = endpoints.MapGrpcService<FeastRegistryService>();
        var grpcHealth = endpoints.MapGrpcHealthChecksService();
        return new FeastServerExtensions.CompositeConventionBuilder([group, grpc, grpcHealth]);
    }
}
