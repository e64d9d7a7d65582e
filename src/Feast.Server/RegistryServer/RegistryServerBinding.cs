using Feast.Protos.Registry;
using Feast.Server.Grpc;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer;

/// <summary>
/// The RPCs of <c>feast.registry.RegistryServer</c> bound by hand over the message classes in Feast.Protos.dll (as
/// <see cref="ServingServiceBinding"/> binds the ServingService): what protoc's C# plugin generates for these methods.
/// The writes are bound too (Apply/Delete of every kind, DeleteProject, ApplyMaterialization, UpdateInfra, Commit), and
/// the lineage and feature RPCs; every RPC of Feast 0.66's service is bound.
/// </summary>
internal static class RegistryServerBinding
{
    /// <summary>The service's full name, as Feast's clients call it.</summary>
    public const string ServiceName = "feast.registry.RegistryServer";

    /// <summary><c>GetEntity</c>.</summary>
    public static readonly Method<GetEntityRequest, P.Entity> GetEntity = Unary<GetEntityRequest, P.Entity>(nameof(GetEntity), GetEntityRequest.Parser, P.Entity.Parser);

    /// <summary><c>ListEntities</c>.</summary>
    public static readonly Method<ListEntitiesRequest, ListEntitiesResponse> ListEntities = Unary<ListEntitiesRequest, ListEntitiesResponse>(nameof(ListEntities), ListEntitiesRequest.Parser, ListEntitiesResponse.Parser);

    /// <summary><c>GetDataSource</c>.</summary>
    public static readonly Method<GetDataSourceRequest, P.DataSource> GetDataSource = Unary<GetDataSourceRequest, P.DataSource>(nameof(GetDataSource), GetDataSourceRequest.Parser, P.DataSource.Parser);

    /// <summary><c>ListDataSources</c>.</summary>
    public static readonly Method<ListDataSourcesRequest, ListDataSourcesResponse> ListDataSources = Unary<ListDataSourcesRequest, ListDataSourcesResponse>(nameof(ListDataSources), ListDataSourcesRequest.Parser, ListDataSourcesResponse.Parser);

    /// <summary><c>GetFeatureView</c>.</summary>
    public static readonly Method<GetFeatureViewRequest, P.FeatureView> GetFeatureView = Unary<GetFeatureViewRequest, P.FeatureView>(nameof(GetFeatureView), GetFeatureViewRequest.Parser, P.FeatureView.Parser);

    /// <summary><c>ListFeatureViews</c>.</summary>
    public static readonly Method<ListFeatureViewsRequest, ListFeatureViewsResponse> ListFeatureViews = Unary<ListFeatureViewsRequest, ListFeatureViewsResponse>(nameof(ListFeatureViews), ListFeatureViewsRequest.Parser, ListFeatureViewsResponse.Parser);

    /// <summary><c>GetAnyFeatureView</c>.</summary>
    public static readonly Method<GetAnyFeatureViewRequest, GetAnyFeatureViewResponse> GetAnyFeatureView = Unary<GetAnyFeatureViewRequest, GetAnyFeatureViewResponse>(nameof(GetAnyFeatureView), GetAnyFeatureViewRequest.Parser, GetAnyFeatureViewResponse.Parser);

    /// <summary><c>ListAllFeatureViews</c>.</summary>
    public static readonly Method<ListAllFeatureViewsRequest, ListAllFeatureViewsResponse> ListAllFeatureViews = Unary<ListAllFeatureViewsRequest, ListAllFeatureViewsResponse>(nameof(ListAllFeatureViews), ListAllFeatureViewsRequest.Parser, ListAllFeatureViewsResponse.Parser);

    /// <summary><c>GetStreamFeatureView</c>.</summary>
    public static readonly Method<GetStreamFeatureViewRequest, P.StreamFeatureView> GetStreamFeatureView = Unary<GetStreamFeatureViewRequest, P.StreamFeatureView>(nameof(GetStreamFeatureView), GetStreamFeatureViewRequest.Parser, P.StreamFeatureView.Parser);

    /// <summary><c>ListStreamFeatureViews</c>.</summary>
    public static readonly Method<ListStreamFeatureViewsRequest, ListStreamFeatureViewsResponse> ListStreamFeatureViews = Unary<ListStreamFeatureViewsRequest, ListStreamFeatureViewsResponse>(nameof(ListStreamFeatureViews), ListStreamFeatureViewsRequest.Parser, ListStreamFeatureViewsResponse.Parser);

    /// <summary><c>GetOnDemandFeatureView</c>.</summary>
    public static readonly Method<GetOnDemandFeatureViewRequest, P.OnDemandFeatureView> GetOnDemandFeatureView = Unary<GetOnDemandFeatureViewRequest, P.OnDemandFeatureView>(nameof(GetOnDemandFeatureView), GetOnDemandFeatureViewRequest.Parser, P.OnDemandFeatureView.Parser);

    /// <summary><c>ListOnDemandFeatureViews</c>.</summary>
    public static readonly Method<ListOnDemandFeatureViewsRequest, ListOnDemandFeatureViewsResponse> ListOnDemandFeatureViews = Unary<ListOnDemandFeatureViewsRequest, ListOnDemandFeatureViewsResponse>(nameof(ListOnDemandFeatureViews), ListOnDemandFeatureViewsRequest.Parser, ListOnDemandFeatureViewsResponse.Parser);

    /// <summary><c>GetFeatureService</c>.</summary>
    public static readonly Method<GetFeatureServiceRequest, P.FeatureService> GetFeatureService = Unary<GetFeatureServiceRequest, P.FeatureService>(nameof(GetFeatureService), GetFeatureServiceRequest.Parser, P.FeatureService.Parser);

    /// <summary><c>ListFeatureServices</c>.</summary>
    public static readonly Method<ListFeatureServicesRequest, ListFeatureServicesResponse> ListFeatureServices = Unary<ListFeatureServicesRequest, ListFeatureServicesResponse>(nameof(ListFeatureServices), ListFeatureServicesRequest.Parser, ListFeatureServicesResponse.Parser);

    /// <summary><c>GetPermission</c>.</summary>
    public static readonly Method<GetPermissionRequest, P.Permission> GetPermission = Unary<GetPermissionRequest, P.Permission>(nameof(GetPermission), GetPermissionRequest.Parser, P.Permission.Parser);

    /// <summary><c>ListPermissions</c>.</summary>
    public static readonly Method<ListPermissionsRequest, ListPermissionsResponse> ListPermissions = Unary<ListPermissionsRequest, ListPermissionsResponse>(nameof(ListPermissions), ListPermissionsRequest.Parser, ListPermissionsResponse.Parser);

    /// <summary><c>GetProject</c>.</summary>
    public static readonly Method<GetProjectRequest, P.Project> GetProject = Unary<GetProjectRequest, P.Project>(nameof(GetProject), GetProjectRequest.Parser, P.Project.Parser);

    /// <summary><c>ListProjects</c>.</summary>
    public static readonly Method<ListProjectsRequest, ListProjectsResponse> ListProjects = Unary<ListProjectsRequest, ListProjectsResponse>(nameof(ListProjects), ListProjectsRequest.Parser, ListProjectsResponse.Parser);

    /// <summary><c>Refresh</c>.</summary>
    public static readonly Method<RefreshRequest, Empty> Refresh = Unary<RefreshRequest, Empty>(nameof(Refresh), RefreshRequest.Parser, Empty.Parser);

    /// <summary><c>Proto</c>.</summary>
    public static readonly Method<Empty, P.Registry> Proto = Unary<Empty, P.Registry>(nameof(Proto), Empty.Parser, P.Registry.Parser);

    /// <summary><c>GetSavedDataset</c>.</summary>
    public static readonly Method<GetSavedDatasetRequest, P.SavedDataset> GetSavedDataset = Unary<GetSavedDatasetRequest, P.SavedDataset>(nameof(GetSavedDataset), GetSavedDatasetRequest.Parser, P.SavedDataset.Parser);

    /// <summary><c>ListSavedDatasets</c>.</summary>
    public static readonly Method<ListSavedDatasetsRequest, ListSavedDatasetsResponse> ListSavedDatasets = Unary<ListSavedDatasetsRequest, ListSavedDatasetsResponse>(nameof(ListSavedDatasets), ListSavedDatasetsRequest.Parser, ListSavedDatasetsResponse.Parser);

    /// <summary><c>GetValidationReference</c>.</summary>
    public static readonly Method<GetValidationReferenceRequest, P.ValidationReference> GetValidationReference = Unary<GetValidationReferenceRequest, P.ValidationReference>(nameof(GetValidationReference), GetValidationReferenceRequest.Parser, P.ValidationReference.Parser);

    /// <summary><c>ListValidationReferences</c>.</summary>
    public static readonly Method<ListValidationReferencesRequest, ListValidationReferencesResponse> ListValidationReferences = Unary<ListValidationReferencesRequest, ListValidationReferencesResponse>(nameof(ListValidationReferences), ListValidationReferencesRequest.Parser, ListValidationReferencesResponse.Parser);

    /// <summary><c>ListProjectMetadata</c>.</summary>
    public static readonly Method<ListProjectMetadataRequest, ListProjectMetadataResponse> ListProjectMetadata = Unary<ListProjectMetadataRequest, ListProjectMetadataResponse>(nameof(ListProjectMetadata), ListProjectMetadataRequest.Parser, ListProjectMetadataResponse.Parser);

    /// <summary><c>GetInfra</c>.</summary>
    public static readonly Method<GetInfraRequest, P.Infra> GetInfra = Unary<GetInfraRequest, P.Infra>(nameof(GetInfra), GetInfraRequest.Parser, P.Infra.Parser);

    /// <summary><c>ApplyEntity</c>.</summary>
    public static readonly Method<ApplyEntityRequest, Empty> ApplyEntity = Unary<ApplyEntityRequest, Empty>(nameof(ApplyEntity), ApplyEntityRequest.Parser, Empty.Parser);

    /// <summary><c>ApplyDataSource</c>.</summary>
    public static readonly Method<ApplyDataSourceRequest, Empty> ApplyDataSource = Unary<ApplyDataSourceRequest, Empty>(nameof(ApplyDataSource), ApplyDataSourceRequest.Parser, Empty.Parser);

    /// <summary><c>ApplyFeatureView</c>.</summary>
    public static readonly Method<ApplyFeatureViewRequest, Empty> ApplyFeatureView = Unary<ApplyFeatureViewRequest, Empty>(nameof(ApplyFeatureView), ApplyFeatureViewRequest.Parser, Empty.Parser);

    /// <summary><c>ApplyFeatureService</c>.</summary>
    public static readonly Method<ApplyFeatureServiceRequest, Empty> ApplyFeatureService = Unary<ApplyFeatureServiceRequest, Empty>(nameof(ApplyFeatureService), ApplyFeatureServiceRequest.Parser, Empty.Parser);

    /// <summary><c>ApplyPermission</c>.</summary>
    public static readonly Method<ApplyPermissionRequest, Empty> ApplyPermission = Unary<ApplyPermissionRequest, Empty>(nameof(ApplyPermission), ApplyPermissionRequest.Parser, Empty.Parser);

    /// <summary><c>ApplyProject</c>.</summary>
    public static readonly Method<ApplyProjectRequest, Empty> ApplyProject = Unary<ApplyProjectRequest, Empty>(nameof(ApplyProject), ApplyProjectRequest.Parser, Empty.Parser);

    /// <summary><c>DeleteEntity</c>.</summary>
    public static readonly Method<DeleteEntityRequest, Empty> DeleteEntity = Unary<DeleteEntityRequest, Empty>(nameof(DeleteEntity), DeleteEntityRequest.Parser, Empty.Parser);

    /// <summary><c>DeleteDataSource</c>.</summary>
    public static readonly Method<DeleteDataSourceRequest, Empty> DeleteDataSource = Unary<DeleteDataSourceRequest, Empty>(nameof(DeleteDataSource), DeleteDataSourceRequest.Parser, Empty.Parser);

    /// <summary><c>DeleteFeatureView</c>.</summary>
    public static readonly Method<DeleteFeatureViewRequest, Empty> DeleteFeatureView = Unary<DeleteFeatureViewRequest, Empty>(nameof(DeleteFeatureView), DeleteFeatureViewRequest.Parser, Empty.Parser);

    /// <summary><c>DeleteFeatureService</c>.</summary>
    public static readonly Method<DeleteFeatureServiceRequest, Empty> DeleteFeatureService = Unary<DeleteFeatureServiceRequest, Empty>(nameof(DeleteFeatureService), DeleteFeatureServiceRequest.Parser, Empty.Parser);

    /// <summary><c>DeletePermission</c>.</summary>
    public static readonly Method<DeletePermissionRequest, Empty> DeletePermission = Unary<DeletePermissionRequest, Empty>(nameof(DeletePermission), DeletePermissionRequest.Parser, Empty.Parser);

    // The remaining writes (FeastRegistryService.MoreWrites.cs).

    /// <summary><c>ApplySavedDataset</c>.</summary>
    public static readonly Method<ApplySavedDatasetRequest, Empty> ApplySavedDataset = Unary<ApplySavedDatasetRequest, Empty>(nameof(ApplySavedDataset), ApplySavedDatasetRequest.Parser, Empty.Parser);

    /// <summary><c>DeleteSavedDataset</c>.</summary>
    public static readonly Method<DeleteSavedDatasetRequest, Empty> DeleteSavedDataset = Unary<DeleteSavedDatasetRequest, Empty>(nameof(DeleteSavedDataset), DeleteSavedDatasetRequest.Parser, Empty.Parser);

    /// <summary><c>ApplyValidationReference</c>.</summary>
    public static readonly Method<ApplyValidationReferenceRequest, Empty> ApplyValidationReference = Unary<ApplyValidationReferenceRequest, Empty>(nameof(ApplyValidationReference), ApplyValidationReferenceRequest.Parser, Empty.Parser);

    /// <summary><c>DeleteValidationReference</c>.</summary>
    public static readonly Method<DeleteValidationReferenceRequest, Empty> DeleteValidationReference = Unary<DeleteValidationReferenceRequest, Empty>(nameof(DeleteValidationReference), DeleteValidationReferenceRequest.Parser, Empty.Parser);

    /// <summary><c>DeleteProject</c>.</summary>
    public static readonly Method<DeleteProjectRequest, Empty> DeleteProject = Unary<DeleteProjectRequest, Empty>(nameof(DeleteProject), DeleteProjectRequest.Parser, Empty.Parser);

    /// <summary><c>ApplyMaterialization</c>.</summary>
    public static readonly Method<ApplyMaterializationRequest, Empty> ApplyMaterialization = Unary<ApplyMaterializationRequest, Empty>(nameof(ApplyMaterialization), ApplyMaterializationRequest.Parser, Empty.Parser);

    /// <summary><c>UpdateInfra</c>.</summary>
    public static readonly Method<UpdateInfraRequest, Empty> UpdateInfra = Unary<UpdateInfraRequest, Empty>(nameof(UpdateInfra), UpdateInfraRequest.Parser, Empty.Parser);

    /// <summary><c>Commit</c>.</summary>
    public static readonly Method<Empty, Empty> Commit = Unary<Empty, Empty>(nameof(Commit), Empty.Parser, Empty.Parser);
    /// <summary><c>GetRegistryLineage</c>.</summary>
    public static readonly Method<GetRegistryLineageRequest, GetRegistryLineageResponse> GetRegistryLineage = Unary<GetRegistryLineageRequest, GetRegistryLineageResponse>(nameof(GetRegistryLineage), GetRegistryLineageRequest.Parser, GetRegistryLineageResponse.Parser);

    /// <summary><c>GetObjectRelationships</c>.</summary>
    public static readonly Method<GetObjectRelationshipsRequest, GetObjectRelationshipsResponse> GetObjectRelationships = Unary<GetObjectRelationshipsRequest, GetObjectRelationshipsResponse>(nameof(GetObjectRelationships), GetObjectRelationshipsRequest.Parser, GetObjectRelationshipsResponse.Parser);

    /// <summary><c>ListFeatures</c>.</summary>
    public static readonly Method<ListFeaturesRequest, ListFeaturesResponse> ListFeatures = Unary<ListFeaturesRequest, ListFeaturesResponse>(nameof(ListFeatures), ListFeaturesRequest.Parser, ListFeaturesResponse.Parser);

    /// <summary><c>GetFeature</c>.</summary>
    public static readonly Method<GetFeatureRequest, Feature> GetFeature = Unary<GetFeatureRequest, Feature>(nameof(GetFeature), GetFeatureRequest.Parser, Feature.Parser);

    /// <summary>Registers the bound methods; called by ASP.NET Core's gRPC (once with a null service, to discover them).</summary>
    public static void BindService(ServiceBinderBase binder, FeastRegistryService? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(GetEntity, service is null ? null : service.GetEntity);
        binder.AddMethod(ListEntities, service is null ? null : service.ListEntities);
        binder.AddMethod(GetDataSource, service is null ? null : service.GetDataSource);
        binder.AddMethod(ListDataSources, service is null ? null : service.ListDataSources);
        binder.AddMethod(GetFeatureView, service is null ? null : service.GetFeatureView);
        binder.AddMethod(ListFeatureViews, service is null ? null : service.ListFeatureViews);
        binder.AddMethod(GetAnyFeatureView, service is null ? null : service.GetAnyFeatureView);
        binder.AddMethod(ListAllFeatureViews, service is null ? null : service.ListAllFeatureViews);
        binder.AddMethod(GetStreamFeatureView, service is null ? null : service.GetStreamFeatureView);
        binder.AddMethod(ListStreamFeatureViews, service is null ? null : service.ListStreamFeatureViews);
        binder.AddMethod(GetOnDemandFeatureView, service is null ? null : service.GetOnDemandFeatureView);
        binder.AddMethod(ListOnDemandFeatureViews, service is null ? null : service.ListOnDemandFeatureViews);
        binder.AddMethod(GetFeatureService, service is null ? null : service.GetFeatureService);
        binder.AddMethod(ListFeatureServices, service is null ? null : service.ListFeatureServices);
        binder.AddMethod(GetPermission, service is null ? null : service.GetPermission);
        binder.AddMethod(ListPermissions, service is null ? null : service.ListPermissions);
        binder.AddMethod(GetProject, service is null ? null : service.GetProject);
        binder.AddMethod(ListProjects, service is null ? null : service.ListProjects);
        binder.AddMethod(Refresh, service is null ? null : service.Refresh);
        binder.AddMethod(Proto, service is null ? null : service.Proto);
        binder.AddMethod(GetSavedDataset, service is null ? null : service.GetSavedDataset);
        binder.AddMethod(ListSavedDatasets, service is null ? null : service.ListSavedDatasets);
        binder.AddMethod(GetValidationReference, service is null ? null : service.GetValidationReference);
        binder.AddMethod(ListValidationReferences, service is null ? null : service.ListValidationReferences);
        binder.AddMethod(ListProjectMetadata, service is null ? null : service.ListProjectMetadata);
        binder.AddMethod(GetInfra, service is null ? null : service.GetInfra);
        binder.AddMethod(ApplyEntity, service is null ? null : service.ApplyEntity);
        binder.AddMethod(ApplyDataSource, service is null ? null : service.ApplyDataSource);
        binder.AddMethod(ApplyFeatureView, service is null ? null : service.ApplyFeatureView);
        binder.AddMethod(ApplyFeatureService, service is null ? null : service.ApplyFeatureService);
        binder.AddMethod(ApplyPermission, service is null ? null : service.ApplyPermission);
        binder.AddMethod(ApplyProject, service is null ? null : service.ApplyProject);
        binder.AddMethod(DeleteEntity, service is null ? null : service.DeleteEntity);
        binder.AddMethod(DeleteDataSource, service is null ? null : service.DeleteDataSource);
        binder.AddMethod(DeleteFeatureView, service is null ? null : service.DeleteFeatureView);
        binder.AddMethod(DeleteFeatureService, service is null ? null : service.DeleteFeatureService);
        binder.AddMethod(DeletePermission, service is null ? null : service.DeletePermission);
        // The remaining writes (FeastRegistryService.MoreWrites.cs).
        binder.AddMethod(ApplySavedDataset, service is null ? null : service.ApplySavedDataset);
        binder.AddMethod(DeleteSavedDataset, service is null ? null : service.DeleteSavedDataset);
        binder.AddMethod(ApplyValidationReference, service is null ? null : service.ApplyValidationReference);
        binder.AddMethod(DeleteValidationReference, service is null ? null : service.DeleteValidationReference);
        binder.AddMethod(DeleteProject, service is null ? null : service.DeleteProject);
        binder.AddMethod(ApplyMaterialization, service is null ? null : service.ApplyMaterialization);
        binder.AddMethod(UpdateInfra, service is null ? null : service.UpdateInfra);
        binder.AddMethod(Commit, service is null ? null : service.Commit);
        binder.AddMethod(GetRegistryLineage, service is null ? null : service.GetRegistryLineage);
        binder.AddMethod(GetObjectRelationships, service is null ? null : service.GetObjectRelationships);
        binder.AddMethod(ListFeatures, service is null ? null : service.ListFeatures);
        binder.AddMethod(GetFeature, service is null ? null : service.GetFeature);
    }

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name, MessageParser<TRequest> request, MessageParser<TResponse> response)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(MethodType.Unary, ServiceName, name, ServingServiceBinding.Marshaller(request), Answer(response));

    /// <summary>Serialises an answer, or writes the bytes kept for it (<see cref="ListAnswers.Keep"/>: cached lists, the registry).</summary>
    private static Marshaller<T> Answer<T>(MessageParser<T> parser) where T : class, IMessage<T>
    {
        var plain = ServingServiceBinding.Marshaller(parser);
        return Marshallers.Create<T>(
            (message, context) =>
            {
                if (ListAnswers.TryGetBytes(message, out var bytes)) context.Complete(bytes);
                else plain.ContextualSerializer(message, context);
            },
            plain.ContextualDeserializer);
    }
}
