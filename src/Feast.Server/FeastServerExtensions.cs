using Feast.Server.Grpc;
using Feast.Server.Hosting;
using Feast.Server.Http;
using Feast.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Feast.Server;

/// <summary>Registers Feast's feature server in an ASP.NET Core application.</summary>
public static class FeastServerExtensions
{
    /// <summary>
    /// Adds the feature server's services: the feature store (opened from <see cref="FeastServerOptions.RepoPath"/> or
    /// given as <see cref="FeastServerOptions.Store"/>), the background registry refresh, health checks (also served
    /// as gRPC health), gRPC, the access log and metrics. Then call <see cref="MapFeast"/>.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets the repo (or store) and the serving options.</param>
    public static IServiceCollection AddFeast(this IServiceCollection services, Action<FeastServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<FeastServerState>();
        services.TryAddSingleton<ServerMetrics>();
        services.TryAddSingleton<ServerAuthenticator>();
        services.TryAddSingleton<FeastAuthorization>();
        services.TryAddSingleton<FeastHttpEndpoints>();
        services.TryAddSingleton<MaterializationRunner>();
        services.TryAddSingleton<FeastServingService>();
        services.AddHostedService<RegistryRefresher>();
        services.TryAddSingleton<OfflinePushBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<OfflinePushBatcher>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, RequestLoggingStartupFilter>());
        // After the access log (refusals are logged), before routing and every endpoint (no body is read first).
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, AuthenticationStartupFilter>());
        services.AddRouting();
        services.AddGrpc();
        // gRPC requests get the same size limit as HTTP bodies (gRPC's own default is 4 MiB).
        services.AddOptions<global::Grpc.AspNetCore.Server.GrpcServiceOptions>().Configure<IOptions<FeastServerOptions>>((grpc, feast) =>
            grpc.MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, feast.Value.MaxRequestBodyBytes));
        services.AddGrpcHealthChecks(o =>
        {
            o.Services.Map("", r => r.Tags.Contains(FeastHealthCheck.ReadyTag));
            o.Services.Map(ServingServiceBinding.ServiceName, r => r.Tags.Contains(FeastHealthCheck.ReadyTag));
        }).AddCheck<FeastHealthCheck>("feast", tags: [FeastHealthCheck.ReadyTag]);
        return services;
    }

    /// <summary>
    /// Maps Feast's endpoints: <c>POST /get-online-features</c>, <c>/search</c>, <c>/retrieve-online-documents</c>, <c>/v1/vector_stores/{id}/search</c>, <c>/push</c>, <c>/write-to-online-store</c>,
    /// <c>/materialize</c>, <c>/materialize-incremental</c>; <c>GET /health</c>, <c>/healthz/live</c>,
    /// <c>/healthz/ready</c>, <c>/metrics</c> (when metrics are on); and the gRPC services
    /// <c>feast.serving.ServingService</c> and <c>grpc.health.v1.Health</c>.
    /// </summary>
    /// <param name="endpoints">The application's endpoint builder.</param>
    /// <returns>A builder for conventions on every mapped endpoint (authorization, host filters, ...).</returns>
    public static IEndpointConventionBuilder MapFeast(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var http = endpoints.ServiceProvider.GetRequiredService<FeastHttpEndpoints>();
        var state = endpoints.ServiceProvider.GetRequiredService<FeastServerState>();
        var group = endpoints.MapGroup("");
        group.MapPost("/get-online-features", http.GetOnlineFeatures);
        group.MapPost("/search", http.Search);
        group.MapPost("/retrieve-online-documents", http.RetrieveOnlineDocuments);
        group.MapGet("/v1/vector_stores", http.ListVectorStores);
        group.MapGet("/v1/vector_stores/{vector_store_id}", http.GetVectorStore);
        group.MapPost("/v1/vector_stores/{vector_store_id}/search", http.SearchVectorStore);
        group.MapPost("/push", http.Push);
        group.MapPost("/write-to-online-store", http.WriteToOnlineStore);
        group.MapPost("/materialize", http.Materialize);
        group.MapPost("/materialize-incremental", http.MaterializeIncremental);
        group.MapGet("/health", http.Health);
        group.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false });
        group.MapHealthChecks("/healthz/ready", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(FeastHealthCheck.ReadyTag),
            ResponseWriter = WriteHealthAsync,
        });
        if (state.Options.Metrics) group.MapGet("/metrics", http.Metrics);
        var grpc = endpoints.MapGrpcService<FeastServingService>();
        var grpcHealth = endpoints.MapGrpcHealthChecksService();
        return new CompositeConventionBuilder([group, grpc, grpcHealth]);
    }

    /// <summary>
    /// The feature store the server serves (to use the SDK from endpoints of your own). Opened on first use when the
    /// server opens it from <see cref="FeastServerOptions.RepoPath"/>.
    /// </summary>
    /// <param name="services">The application's services (after <see cref="AddFeast"/>).</param>
    public static FeatureStore GetFeastStore(this IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetRequiredService<FeastServerState>().Store;
    }

    /// <summary>
    /// <c>{"status", "description"}</c>; the reason behind a failed check (which may name a file path or a host) only for
    /// an authenticated caller, as <c>"detail"</c>. Everyone else finds it in the server's log.
    /// </summary>
    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var entry = report.Entries.Values.FirstOrDefault();
        var fields = new Dictionary<string, string?>
        {
            ["status"] = report.Status.ToString(),
            ["description"] = entry.Description,
        };
        if (context.Features.Get<AuthenticatedUser>() is not null && entry.Data.TryGetValue(FeastHealthCheck.DetailKey, out var detail))
            fields["detail"] = detail as string;
        var body = System.Text.Json.JsonSerializer.Serialize(fields);
        return context.Response.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>
    /// Maps a server's health endpoints: <c>GET /health</c>, <c>/healthz/live</c> (the process answers) and
    /// <c>/healthz/ready</c> (the registry was read), for the servers that report readiness in the default format.
    /// </summary>
    internal static RouteGroupBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var http = endpoints.ServiceProvider.GetRequiredService<FeastHttpEndpoints>();
        var group = endpoints.MapGroup("");
        group.MapGet("/health", http.Health);
        group.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false });
        group.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains(FeastHealthCheck.ReadyTag) });
        return group;
    }

    internal sealed class CompositeConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders) builder.Add(convention);
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders) builder.Finally(finallyConvention);
        }
    }
}
