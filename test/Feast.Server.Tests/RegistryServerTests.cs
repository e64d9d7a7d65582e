using Feast.Protos.Registry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests;

/// <summary>
/// <c>feast.registry.RegistryServer</c>'s read RPCs over real gRPC on loopback, serving a repo applied by Feast.NET
/// (project loop: entities driver and Feast's __dummy; sources driver_stats_source, driver_stats_push_source, vals_to_add; feature views
/// driver_hourly_stats, driver_hourly_stats_fresh; on-demand view transformed_conv_rate; service driver_activity_v1).
/// </summary>
public sealed class RegistryServerTests : IAsyncLifetime
{
    private ServerRepo _repo = null!;
    private RegistryServerHost _server = null!;

    public async Task InitializeAsync()
    {
        _repo = await ServerRepo.CreateAsync();
        _server = await RegistryServerHost.StartAsync(o => o.Store = _repo.Store);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _repo.DisposeAsync();
    }

    private Task<TResponse> Call<TRequest, TResponse>(string rpc, TRequest request, MessageParser<TResponse> parser)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
        _server.CallAsync(rpc, request, parser);

    [Fact]
    public async Task GetOfEveryKind_AnswersTheAppliedObject_WithItsMeta()
    {
        var entity = await Call("GetEntity", new GetEntityRequest { Name = "driver", Project = "loop" }, P.Entity.Parser);
        var source = await Call("GetDataSource", new GetDataSourceRequest { Name = "driver_stats_source", Project = "loop" }, P.DataSource.Parser);
        var view = await Call("GetFeatureView", new GetFeatureViewRequest { Name = "driver_hourly_stats", Project = "loop" }, P.FeatureView.Parser);
        var odfv = await Call("GetOnDemandFeatureView", new GetOnDemandFeatureViewRequest { Name = "transformed_conv_rate", Project = "loop" }, P.OnDemandFeatureView.Parser);
        var service = await Call("GetFeatureService", new GetFeatureServiceRequest { Name = "driver_activity_v1", Project = "loop" }, P.FeatureService.Parser);
        var project = await Call("GetProject", new GetProjectRequest { Name = "loop" }, P.Project.Parser);

        Assert.Equal("driver_id", entity.Spec.JoinKey);
        Assert.NotNull(entity.Meta.CreatedTimestamp);
        Assert.Equal("loop", source.Project);
        Assert.Equal(["conv_rate", "acc_rate", "avg_daily_trips"], view.Spec.Features.Select(f => f.Name));
        Assert.NotNull(view.Meta.CreatedTimestamp);
        Assert.Equal("transformed_conv_rate", odfv.Spec.Name);
        Assert.Equal("driver_activity_v1", service.Spec.Name);
        Assert.Equal("loop", project.Spec.Name);
    }

    [Fact]
    public async Task Get_AnswersExactlyWhatTheStoreHolds()
    {
        var stored = P.Registry.Parser.ParseFrom((await _repo.Store.RegistryStore.ReadAsync())!.ToByteArray());

        var view = await Call("GetFeatureView", new GetFeatureViewRequest { Name = "driver_hourly_stats", Project = "loop" }, P.FeatureView.Parser);
        var whole = await Call("Proto", new Empty(), P.Registry.Parser);

        Assert.Equal(stored.FeatureViews.Single(v => v.Spec.Name == "driver_hourly_stats").ToByteArray(), view.ToByteArray());
        Assert.Equal(stored.ToByteArray(), whole.ToByteArray());
    }

    [Fact]
    public async Task GetAnyFeatureView_FindsEachKind()
    {
        var batch = await Call("GetAnyFeatureView", new GetAnyFeatureViewRequest { Name = "driver_hourly_stats", Project = "loop" }, GetAnyFeatureViewResponse.Parser);
        var onDemand = await Call("GetAnyFeatureView", new GetAnyFeatureViewRequest { Name = "transformed_conv_rate", Project = "loop" }, GetAnyFeatureViewResponse.Parser);

        Assert.Equal(AnyFeatureView.AnyFeatureViewOneofCase.FeatureView, batch.AnyFeatureView.AnyFeatureViewCase);
        Assert.Equal(AnyFeatureView.AnyFeatureViewOneofCase.OnDemandFeatureView, onDemand.AnyFeatureView.AnyFeatureViewCase);
        Assert.Equal("transformed_conv_rate", onDemand.AnyFeatureView.OnDemandFeatureView.Spec.Name);
    }

    [Fact]
    public async Task Lists_AnswerTheProjectsObjects_InRegistryOrder()
    {
        var entities = await Call("ListEntities", new ListEntitiesRequest { Project = "loop" }, ListEntitiesResponse.Parser);
        var views = await Call("ListFeatureViews", new ListFeatureViewsRequest { Project = "loop" }, ListFeatureViewsResponse.Parser);
        var all = await Call("ListAllFeatureViews", new ListAllFeatureViewsRequest { Project = "loop" }, ListAllFeatureViewsResponse.Parser);
        var odfvs = await Call("ListOnDemandFeatureViews", new ListOnDemandFeatureViewsRequest { Project = "loop" }, ListOnDemandFeatureViewsResponse.Parser);
        var streams = await Call("ListStreamFeatureViews", new ListStreamFeatureViewsRequest { Project = "loop" }, ListStreamFeatureViewsResponse.Parser);
        var services = await Call("ListFeatureServices", new ListFeatureServicesRequest { Project = "loop" }, ListFeatureServicesResponse.Parser);
        var permissions = await Call("ListPermissions", new ListPermissionsRequest { Project = "loop" }, ListPermissionsResponse.Parser);
        var projects = await Call("ListProjects", new ListProjectsRequest(), ListProjectsResponse.Parser);

        Assert.Equal(["__dummy", "driver"], entities.Entities.Select(e => e.Spec.Name).Order(StringComparer.Ordinal));
        Assert.Equal(new PaginationMetadata { TotalCount = 2, TotalPages = 1 }, entities.Pagination);
        Assert.Equal(["driver_hourly_stats", "driver_hourly_stats_fresh"], views.FeatureViews.Select(v => v.Spec.Name).Order());
        Assert.Equal(3, all.FeatureViews.Count);
        Assert.Equal(AnyFeatureView.AnyFeatureViewOneofCase.OnDemandFeatureView, all.FeatureViews[2].AnyFeatureViewCase);
        Assert.Equal(["transformed_conv_rate"], odfvs.OnDemandFeatureViews.Select(v => v.Spec.Name));
        Assert.Empty(streams.StreamFeatureViews);
        Assert.Equal(new PaginationMetadata(), streams.Pagination);
        Assert.Equal(["driver_activity_v1"], services.FeatureServices.Select(s => s.Spec.Name));
        Assert.Empty(permissions.Permissions);
        Assert.Equal(["loop"], projects.Projects.Select(p => p.Spec.Name));
    }

    [Fact]
    public async Task ListDataSources_SortedAndPaged_AsFeastPages()
    {
        var sorting = new SortingParams { SortBy = "name", SortOrder = "desc" };

        var first = await Call("ListDataSources", new ListDataSourcesRequest
        {
            Project = "loop", Sorting = sorting, Pagination = new PaginationParams { Page = 1, Limit = 2 },
        }, ListDataSourcesResponse.Parser);
        var second = await Call("ListDataSources", new ListDataSourcesRequest
        {
            Project = "loop", Sorting = sorting, Pagination = new PaginationParams { Page = 2, Limit = 2 },
        }, ListDataSourcesResponse.Parser);
        var past = await Call("ListDataSources", new ListDataSourcesRequest
        {
            Project = "loop", Pagination = new PaginationParams { Page = 5, Limit = 2 },
        }, ListDataSourcesResponse.Parser);
        var ascending = await Call("ListDataSources", new ListDataSourcesRequest
        {
            Project = "loop", Sorting = new SortingParams { SortBy = "name", SortOrder = "asc" },
        }, ListDataSourcesResponse.Parser);

        Assert.Equal(["vals_to_add", "driver_stats_source"], first.DataSources.Select(d => d.Name));
        Assert.Equal(new PaginationMetadata { Page = 1, Limit = 2, TotalCount = 3, TotalPages = 2, HasNext = true }, first.Pagination);
        Assert.Equal(["driver_stats_push_source"], second.DataSources.Select(d => d.Name));
        Assert.Equal(new PaginationMetadata { Page = 2, Limit = 2, TotalCount = 3, TotalPages = 2, HasPrevious = true }, second.Pagination);
        Assert.Empty(past.DataSources);
        Assert.Equal(["driver_stats_push_source", "driver_stats_source", "vals_to_add"], ascending.DataSources.Select(d => d.Name));
    }

    [Fact]
    public async Task ListFeatureViews_SortedByADottedPath()
    {
        var response = await Call("ListFeatureViews", new ListFeatureViewsRequest
        {
            Project = "loop", Sorting = new SortingParams { SortBy = "spec.name", SortOrder = "desc" },
        }, ListFeatureViewsResponse.Parser);

        Assert.Equal(["driver_hourly_stats_fresh", "driver_hourly_stats"], response.FeatureViews.Select(v => v.Spec.Name));
    }

    [Fact]
    public async Task ListFeatureViews_SortedByAPythonAttributeName_FoundInSpec()
    {
        var response = await Call("ListFeatureViews", new ListFeatureViewsRequest
        {
            Project = "loop", Sorting = new SortingParams { SortBy = "name", SortOrder = "DESC" },
        }, ListFeatureViewsResponse.Parser);
        var unknownField = await Call("ListFeatureViews", new ListFeatureViewsRequest
        {
            Project = "loop", Sorting = new SortingParams { SortBy = "no_such_field", SortOrder = "desc" },
        }, ListFeatureViewsResponse.Parser);

        Assert.Equal(["driver_hourly_stats_fresh", "driver_hourly_stats"], response.FeatureViews.Select(v => v.Spec.Name));
        Assert.Equal(2, unknownField.FeatureViews.Count);
    }

    [Fact]
    public async Task UnknownProject_GetIsNotFound_ListIsEmpty()
    {
        var (code, errorClass, message) = await _server.FailAsync("GetEntity", new GetEntityRequest { Name = "driver", Project = "other" }, P.Entity.Parser);
        var list = await Call("ListEntities", new ListEntitiesRequest { Project = "other" }, ListEntitiesResponse.Parser);
        var (projectCode, projectClass, projectMessage) = await _server.FailAsync("GetProject", new GetProjectRequest { Name = "other" }, P.Project.Parser);

        Assert.Equal((StatusCode.NotFound, "EntityNotFoundException", "Entity driver does not exist in project other"), (code, errorClass, message));
        Assert.Empty(list.Entities);
        Assert.Equal((StatusCode.NotFound, "ProjectObjectNotFoundException", "Project other does not exist"), (projectCode, projectClass, projectMessage));
    }

    public static TheoryData<string, IMessage, string, string> Missing => new()
    {
        { "GetEntity", new GetEntityRequest { Name = "nope", Project = "loop" }, "EntityNotFoundException", "Entity nope does not exist in project loop" },
        { "GetDataSource", new GetDataSourceRequest { Name = "nope", Project = "loop" }, "DataSourceObjectNotFoundException", "Data source nope does not exist in project loop" },
        { "GetFeatureView", new GetFeatureViewRequest { Name = "transformed_conv_rate", Project = "loop" }, "FeatureViewNotFoundException", "Feature view transformed_conv_rate does not exist in project loop" },
        { "GetAnyFeatureView", new GetAnyFeatureViewRequest { Name = "nope", Project = "loop" }, "FeatureViewNotFoundException", "Feature view nope does not exist in project loop" },
        { "GetStreamFeatureView", new GetStreamFeatureViewRequest { Name = "nope", Project = "loop" }, "FeatureViewNotFoundException", "Feature view nope does not exist in project loop" },
        { "GetOnDemandFeatureView", new GetOnDemandFeatureViewRequest { Name = "nope", Project = "loop" }, "OnDemandFeatureViewNotFoundException", "On demand feature view nope does not exist in project loop" },
        { "GetFeatureService", new GetFeatureServiceRequest { Name = "nope", Project = "loop" }, "FeatureServiceNotFoundException", "Feature service nope does not exist in project loop" },
        { "GetPermission", new GetPermissionRequest { Name = "nope", Project = "loop" }, "PermissionObjectNotFoundException", "Permission nope does not exist in project loop" },
        { "GetProject", new GetProjectRequest { Name = "nope" }, "ProjectObjectNotFoundException", "Project nope does not exist" },
    };

    [Theory]
    [MemberData(nameof(Missing))]
    public async Task Get_UnknownObject_NotFoundWithFeastsError(string rpc, IMessage request, string errorClass, string message)
    {
        var (code, actualClass, actualMessage) = await FailAsync(rpc, request);

        Assert.Equal((StatusCode.NotFound, errorClass, message), (code, actualClass, actualMessage));
    }

    public static TheoryData<string, IMessage, string> BadInput => new()
    {
        { "GetEntity", new GetEntityRequest { Project = "loop" }, "name" },
        { "GetFeatureView", new GetFeatureViewRequest { Name = "driver_hourly_stats" }, "project" },
        { "GetAnyFeatureView", new GetAnyFeatureViewRequest { Name = " ", Project = "loop" }, "name" },
        { "GetProject", new GetProjectRequest(), "name" },
        { "ListEntities", new ListEntitiesRequest(), "project" },
        { "ListAllFeatureViews", new ListAllFeatureViewsRequest(), "project" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task EmptyNameOrProject_InvalidArgument(string rpc, IMessage request, string field)
    {
        var (code, errorClass, message) = await FailAsync(rpc, request);

        Assert.Equal(StatusCode.InvalidArgument, code);
        Assert.Equal("RequestBodyException", errorClass);
        Assert.Contains($"request's {field} is empty", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotAProtobufMessage_InvalidArgument()
    {
        var method = new Method<byte[], byte[]>(MethodType.Unary, RegistryServerHost.Service, "GetEntity",
            Marshallers.Create<byte[]>(b => b, b => b), Marshallers.Create<byte[]>(b => b, b => b));

        var e = await Assert.ThrowsAsync<RpcException>(() =>
            _server.Channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(), [0xFF, 0xFF, 0xFF]).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public async Task SavedDatasetsAndValidationReferences_AnsweredAsStored()
    {
        // Feast.NET writes neither; a registry Feast wrote may hold both. Put them in the registry file as Feast would.
        var path = _repo.PathOf("data/registry.db");
        var registry = P.Registry.Parser.ParseFrom(await File.ReadAllBytesAsync(path));
        var dataset = new P.SavedDataset
        {
            Spec = new P.SavedDatasetSpec { Name = "training", Project = "loop", Features = { "driver_hourly_stats:conv_rate" }, Tags = { { "team", "ml" } } },
            Meta = new P.SavedDatasetMeta { CreatedTimestamp = Timestamp.FromDateTimeOffset(ServerRepo.T0) },
        };
        var reference = new P.ValidationReference { Name = "training_ref", ReferenceDatasetName = "training", Project = "loop" };
        registry.SavedDatasets.Add(dataset);
        registry.ValidationReferences.Add(reference);
        await File.WriteAllBytesAsync(path, registry.ToByteArray());

        var gotDataset = await Call("GetSavedDataset", new GetSavedDatasetRequest { Name = "training", Project = "loop" }, P.SavedDataset.Parser);
        var datasets = await Call("ListSavedDatasets", new ListSavedDatasetsRequest { Project = "loop", Tags = { { "team", "ml" } } }, ListSavedDatasetsResponse.Parser);
        var gotReference = await Call("GetValidationReference", new GetValidationReferenceRequest { Name = "training_ref", Project = "loop" }, P.ValidationReference.Parser);
        var references = await Call("ListValidationReferences", new ListValidationReferencesRequest { Project = "loop" }, ListValidationReferencesResponse.Parser);
        var missingDataset = await _server.FailAsync("GetSavedDataset", new GetSavedDatasetRequest { Name = "nope", Project = "loop" }, P.SavedDataset.Parser);
        var missingReference = await _server.FailAsync("GetValidationReference", new GetValidationReferenceRequest { Name = "nope", Project = "loop" }, P.ValidationReference.Parser);

        Assert.Equal(dataset, gotDataset);
        Assert.Equal([dataset], datasets.SavedDatasets);
        Assert.Equal(reference, gotReference);
        Assert.Equal([reference], references.ValidationReferences);
        Assert.Equal((StatusCode.NotFound, "SavedDatasetNotFound", "Saved dataset nope does not exist in project loop"), missingDataset);
        Assert.Equal((StatusCode.NotFound, "ValidationReferenceNotFound", "Validation reference nope does not exist in project loop"), missingReference);
    }

    [Fact]
    public async Task GetInfraAndListProjectMetadata_AnswerTheRegistrys()
    {
        var stored = P.Registry.Parser.ParseFrom((await _repo.Store.RegistryStore.ReadAsync())!.ToByteArray());

        var infra = await Call("GetInfra", new GetInfraRequest { Project = "loop" }, P.Infra.Parser);
        var metadata = await Call("ListProjectMetadata", new ListProjectMetadataRequest { Project = "loop" }, ListProjectMetadataResponse.Parser);

        Assert.Equal(stored.Infra ?? new P.Infra(), infra);
#pragma warning disable CS0612 // Feast's deprecated project_metadata, still what the RPC answers.
        Assert.Equal(stored.ProjectMetadata.Where(m => m.Project == "loop"), metadata.ProjectMetadata);
#pragma warning restore CS0612
    }

    [Fact]
    public async Task UnknownRpc_Unimplemented()
    {
        // Every RPC of Feast's service is bound; a method the service does not have is UNIMPLEMENTED, as in any gRPC server.
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            Call("NoSuchRpc", new DeleteProjectRequest { Name = "loop" }, Empty.Parser));

        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);
    }

    [Fact]
    public async Task AllowCache_ReusesTheReadRegistry_RefreshAndNoCacheReadTheStore()
    {
        var request = new ListEntitiesRequest { Project = "loop", AllowCache = true };
        await Call("ListEntities", request, ListEntitiesResponse.Parser);
        await using (var other = _repo.OpenAnother())
            await other.ApplyAsync([.. ServerRepo.Objects, new Entity("rider", ["rider_id"], ValueType.Int64)]);

        var cached = await Call("ListEntities", request, ListEntitiesResponse.Parser);
        await Call("Refresh", new RefreshRequest { Project = "loop" }, Empty.Parser);
        var refreshed = await Call("ListEntities", request, ListEntitiesResponse.Parser);
        var uncached = await Call("ListEntities", new ListEntitiesRequest { Project = "loop" }, ListEntitiesResponse.Parser);

        Assert.Equal(["__dummy", "driver"], cached.Entities.Select(e => e.Spec.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["__dummy", "driver", "rider"], refreshed.Entities.Select(e => e.Spec.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["__dummy", "driver", "rider"], uncached.Entities.Select(e => e.Spec.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Health_ServingForTheRegistryService()
    {
        var client = new Health.HealthClient(_server.Channel);

        var answer = await client.CheckAsync(new HealthCheckRequest { Service = RegistryServerHost.Service });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, answer.Status);
    }

    /// <summary>Calls an RPC with a request whose type is known only at run time (the theories' rows).</summary>
    private Task<(StatusCode Code, string Class, string Message)> FailAsync(string rpc, IMessage request) => request switch
    {
        GetEntityRequest r => _server.FailAsync(rpc, r, P.Entity.Parser),
        GetDataSourceRequest r => _server.FailAsync(rpc, r, P.DataSource.Parser),
        GetFeatureViewRequest r => _server.FailAsync(rpc, r, P.FeatureView.Parser),
        GetAnyFeatureViewRequest r => _server.FailAsync(rpc, r, GetAnyFeatureViewResponse.Parser),
        GetStreamFeatureViewRequest r => _server.FailAsync(rpc, r, P.StreamFeatureView.Parser),
        GetOnDemandFeatureViewRequest r => _server.FailAsync(rpc, r, P.OnDemandFeatureView.Parser),
        GetFeatureServiceRequest r => _server.FailAsync(rpc, r, P.FeatureService.Parser),
        GetPermissionRequest r => _server.FailAsync(rpc, r, P.Permission.Parser),
        GetProjectRequest r => _server.FailAsync(rpc, r, P.Project.Parser),
        ListEntitiesRequest r => _server.FailAsync(rpc, r, ListEntitiesResponse.Parser),
        ListAllFeatureViewsRequest r => _server.FailAsync(rpc, r, ListAllFeatureViewsResponse.Parser),
        _ => throw new ArgumentException(request.GetType().Name, nameof(request)),
    };
}
