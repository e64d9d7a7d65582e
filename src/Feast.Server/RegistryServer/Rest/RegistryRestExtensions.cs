using Feast.Server.RegistryServer;
using Feast.Server.RegistryServer.Rest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Feast.Server;

/// <summary>Maps Feast's REST registry API (<c>/api/v1</c> of <c>feast serve_registry --rest-api</c> and of the web UI).</summary>
public static class RegistryRestExtensions
{
    /// <summary>
    /// Maps Feast's REST registry API under <paramref name="prefix"/>: per-project lists (<c>/entities</c>,
    /// <c>/data_sources</c>, <c>/feature_views</c>, <c>/label_views</c>, <c>/feature_services</c>, <c>/saved_datasets</c>,
    /// <c>/permissions</c>, <c>/features</c>, <c>/labels</c>; <c>?project=</c>, <c>include_relationships</c>, tags,
    /// pagination and sorting), their cross-project <c>/all</c> variants, detail routes, <c>/projects</c>,
    /// <c>/lineage/...</c>, <c>/saved_datasets/jobs</c> (none run here), <c>/saved_datasets/data/{name}</c>, <c>/search</c>,
    /// <c>/metrics/...</c>, <c>/compute_engines</c>, <c>/materialization_jobs</c>, the writes (<c>POST</c> and <c>DELETE</c> of entities, data sources, feature views, feature
    /// services, permissions and saved datasets) and <c>POST /registry/refresh</c>, answering JSON as Feast's server does. Needs the registry
    /// server's services (<see cref="RegistryServerExtensions.AddFeastRegistryServer"/>); every read and write goes through the
    /// registry's permissions.
    /// </summary>
    /// <param name="endpoints">The application's endpoint builder.</param>
    /// <param name="prefix">Where the API is mounted (Feast's <c>/api/v1</c>; the web UI mounts it under its root path).</param>
    /// <returns>A builder for conventions on every mapped endpoint.</returns>
    public static IEndpointConventionBuilder MapFeastRegistryRest(this IEndpointRouteBuilder endpoints, string prefix = "/api/v1")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        if (endpoints.ServiceProvider.GetService<FeastRegistryService>() is null)
            throw new InvalidOperationException("MapFeastRegistryRest needs the registry server's services: call services.AddFeastRegistryServer(...) first.");
        var api = ActivatorUtilities.CreateInstance<RegistryRestApi>(endpoints.ServiceProvider);
        var group = endpoints.MapGroup(prefix.TrimEnd('/'));

        void Kind(string route, RegistryRestApi.Kind kind)
        {
            group.MapGet(route, api.Handle(c => api.List(kind, c)));
            group.MapGet(route + "/all", api.Handle(c => api.All(kind, c)));
            group.MapGet(route + "/{name}", api.Handle(c => api.Detail(kind, c)));
        }
        void Writes(string route, string kind, Func<RestBody, Feast.Protos.Core.Registry, Google.Protobuf.IMessage> build, params string[] deleted)
        {
            group.MapPost(route, api.Apply(kind, build));
            group.MapDelete(route + "/{name}", api.Delete(deleted.Length > 0 ? deleted : [kind]));
        }
        Kind("/entities", api.Entities);
        Kind("/data_sources", api.DataSources);
        Kind("/feature_views", api.FeatureViews);
        Kind("/label_views", api.LabelViews);
        Kind("/feature_services", api.FeatureServices);
        group.MapGet("/saved_datasets/jobs", api.Handle(RegistryRestApi.DatasetJobs));
        group.MapGet("/saved_datasets/jobs/{job_id}", api.Handle(RegistryRestApi.DatasetJob));
        group.MapGet("/saved_datasets/data/{name}", api.DatasetData());
        Kind("/saved_datasets", api.SavedDatasets);
        group.MapGet("/permissions", api.Handle(c => api.List(api.Permissions, c)));
        group.MapGet("/permissions/{name}", api.Handle(c => api.Detail(api.Permissions, c)));

        Writes("/entities", "Entity", RegistryRestApi.EntityOf);
        Writes("/data_sources", "DataSource", RegistryRestApi.DataSourceOf);
        Writes("/feature_views", "FeatureView", RegistryRestApi.FeatureViewOf, "FeatureView", "StreamFeatureView", "OnDemandFeatureView");
        Writes("/feature_services", "FeatureService", RegistryRestApi.FeatureServiceOf);
        Writes("/permissions", "Permission", RegistryRestApi.PermissionOf);
        group.MapPost("/saved_datasets", api.RegisterDataset());
        group.MapPost("/saved_datasets/create", api.CreateDataset());
        group.MapDelete("/saved_datasets/{name}", api.DeleteDataset());

        group.MapGet("/features", api.Handle(c => api.Features(c, RegistryFeatures.FeatureKind, "features")));
        group.MapGet("/features/all", api.Handle(c => api.AllFeatures(c, RegistryFeatures.FeatureKind, "features")));
        group.MapGet("/features/{feature_view}/{name}", api.Handle(api.Feature));
        group.MapGet("/labels", api.Handle(c => api.Features(c, RegistryFeatures.LabelKind, "labels")));
        group.MapGet("/labels/all", api.Handle(c => api.AllFeatures(c, RegistryFeatures.LabelKind, "labels")));

        group.MapGet("/search", api.Handle(api.Search));
        group.MapGet("/metrics/resource_counts", api.Handle(api.ResourceCounts));
        group.MapGet("/metrics/popular_tags", api.Handle(api.PopularTags));
        group.MapGet("/metrics/recently_visited", api.Handle(api.RecentlyVisited));
        group.MapGet("/compute_engines", api.Handle(api.ComputeEngines));
        group.MapGet("/compute_engines/all", api.Handle(api.AllComputeEngines));
        group.MapGet("/materialization_jobs", api.Handle(api.MaterializationJobs));

        group.MapGet("/projects", api.Handle(api.Projects));
        group.MapGet("/projects/{name}", api.Handle(api.Project));
        group.MapPost("/registry/refresh", (RequestDelegate)api.Refresh);

        group.MapGet("/lineage/registry", api.Handle(api.Lineage));
        group.MapGet("/lineage/registry/all", api.Handle(api.AllLineage));
        group.MapGet("/lineage/objects/{object_type}/{object_name}", api.Handle(api.ObjectLineage));
        group.MapGet("/lineage/complete", api.Handle(api.CompleteLineage));
        group.MapGet("/lineage/complete/all", api.Handle(api.AllCompleteLineage));
        return group;
    }
}
