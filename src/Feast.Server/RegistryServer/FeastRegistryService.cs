using Feast.Protos.Registry;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Feast.Server.Hosting;
using Microsoft.Extensions.Logging;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer;

/// <summary>
/// The read RPCs of Feast's <c>feast.registry.RegistryServer</c> over the stored registry (all projects; the writes are in
/// the other part of this class): objects are
/// answered as stored, lists filtered by project and tags, sorted and paged as Feast's server does. An object that is
/// not there is NOT_FOUND with Feast's message; a list of a project that holds nothing is empty, as in Feast (a client
/// applying a new project lists it first). Errors carry Feast's error detail (<c>{"module", "class", "message"}</c>).
/// The RPCs are virtual because ASP.NET Core's gRPC binds only methods declared virtual on the type that names the binder.
/// </summary>
[BindServiceMethod(typeof(RegistryServerBinding), nameof(RegistryServerBinding.BindService))]
internal partial class FeastRegistryService(RegistryReader reader, RegistryAccess access, FeastServerState state, ILogger<FeastRegistryService> logger)
{
    /// <summary><c>GetEntity</c>.</summary>
    public virtual Task<P.Entity> GetEntity(GetEntityRequest request, ServerCallContext context) =>
        Get(nameof(GetEntity), context, request.AllowCache, request.Name, request.Project,
            r => r.Entities, e => e.Spec.Name, e => e.Spec.Project, () => new EntityNotFoundException(request.Name, request.Project));

    /// <summary><c>ListEntities</c>.</summary>
    public virtual Task<ListEntitiesResponse> ListEntities(ListEntitiesRequest request, ServerCallContext context) =>
        List(nameof(ListEntities), context, request.AllowCache, request.Project, request.Tags, request.Pagination, request.Sorting,
            r => r.Entities, e => e.Spec.Project, e => e.Spec.Tags,
            (items, page) => new ListEntitiesResponse { Entities = { items }, Pagination = page });

    /// <summary><c>GetDataSource</c>.</summary>
    public virtual Task<P.DataSource> GetDataSource(GetDataSourceRequest request, ServerCallContext context) =>
        Get(nameof(GetDataSource), context, request.AllowCache, request.Name, request.Project,
            r => r.DataSources, d => d.Name, d => d.Project, () => new DataSourceObjectNotFoundException(request.Name, request.Project));

    /// <summary><c>ListDataSources</c>.</summary>
    public virtual Task<ListDataSourcesResponse> ListDataSources(ListDataSourcesRequest request, ServerCallContext context) =>
        List(nameof(ListDataSources), context, request.AllowCache, request.Project, request.Tags, request.Pagination, request.Sorting,
            r => r.DataSources, d => d.Project, d => d.Tags,
            (items, page) => new ListDataSourcesResponse { DataSources = { items }, Pagination = page });

    /// <summary><c>GetFeatureView</c>: a batch feature view only, as Feast's.</summary>
    public virtual Task<P.FeatureView> GetFeatureView(GetFeatureViewRequest request, ServerCallContext context) =>
        Get(nameof(GetFeatureView), context, request.AllowCache, request.Name, request.Project,
            r => r.FeatureViews, v => v.Spec.Name, v => v.Spec.Project, () => new FeatureViewNotFoundException(request.Name, request.Project));

    /// <summary><c>ListFeatureViews</c>: batch feature views.</summary>
    public virtual Task<ListFeatureViewsResponse> ListFeatureViews(ListFeatureViewsRequest request, ServerCallContext context) =>
        List(nameof(ListFeatureViews), context, request.AllowCache, request.Project, request.Tags, request.Pagination, request.Sorting,
            r => r.FeatureViews, v => v.Spec.Project, v => v.Spec.Tags,
            (items, page) => new ListFeatureViewsResponse { FeatureViews = { items }, Pagination = page });

    /// <summary><c>GetStreamFeatureView</c> (not found: Feast's <c>FeatureViewNotFoundException</c>, as Feast raises).</summary>
    public virtual Task<P.StreamFeatureView> GetStreamFeatureView(GetStreamFeatureViewRequest request, ServerCallContext context) =>
        Get(nameof(GetStreamFeatureView), context, request.AllowCache, request.Name, request.Project,
            r => r.StreamFeatureViews, v => v.Spec.Name, v => v.Spec.Project, () => new FeatureViewNotFoundException(request.Name, request.Project));

    /// <summary><c>ListStreamFeatureViews</c>.</summary>
    public virtual Task<ListStreamFeatureViewsResponse> ListStreamFeatureViews(ListStreamFeatureViewsRequest request, ServerCallContext context) =>
        List(nameof(ListStreamFeatureViews), context, request.AllowCache, request.Project, request.Tags, request.Pagination, request.Sorting,
            r => r.StreamFeatureViews, v => v.Spec.Project, v => v.Spec.Tags,
            (items, page) => new ListStreamFeatureViewsResponse { StreamFeatureViews = { items }, Pagination = page });

    /// <summary><c>GetOnDemandFeatureView</c>.</summary>
    public virtual Task<P.OnDemandFeatureView> GetOnDemandFeatureView(GetOnDemandFeatureViewRequest request, ServerCallContext context) =>
        Get(nameof(GetOnDemandFeatureView), context, request.AllowCache, request.Name, request.Project,
            r => r.OnDemandFeatureViews, v => v.Spec.Name, v => v.Spec.Project, () => new OnDemandFeatureViewNotFoundException(request.Name, request.Project));

    /// <summary><c>ListOnDemandFeatureViews</c>.</summary>
    public virtual Task<ListOnDemandFeatureViewsResponse> ListOnDemandFeatureViews(ListOnDemandFeatureViewsRequest request, ServerCallContext context) =>
        List(nameof(ListOnDemandFeatureViews), context, request.AllowCache, request.Project, request.Tags, request.Pagination, request.Sorting,
            r => r.OnDemandFeatureViews, v => v.Spec.Project, v => v.Spec.Tags,
            (items, page) => new ListOnDemandFeatureViewsResponse { OnDemandFeatureViews = { items }, Pagination = page });

    /// <summary><c>GetAnyFeatureView</c>: a batch, stream or on-demand view of that name.</summary>
    public virtual Task<GetAnyFeatureViewResponse> GetAnyFeatureView(GetAnyFeatureViewRequest request, ServerCallContext context) =>
        Run(nameof(GetAnyFeatureView), context, async ct =>
        {
            Require(request.Name, "name");
            Require(request.Project, "project");
            var registry = await reader.GetAsync(request.AllowCache, ct).ConfigureAwait(false);
            var found = AllViews(registry, request.Project).FirstOrDefault(v => ViewName(v) == request.Name)
                ?? throw new FeatureViewNotFoundException(request.Name, request.Project);
            access.Assert(await access.CallerAsync(context.GetHttpContext(), ct).ConfigureAwait(false), registry, request.Project, found, AuthzedAction.Describe);
            return new GetAnyFeatureViewResponse { AnyFeatureView = found };
        });

    /// <summary><c>ListAllFeatureViews</c>: batch, then stream, then on-demand views, as Feast lists them.</summary>
    public virtual Task<ListAllFeatureViewsResponse> ListAllFeatureViews(ListAllFeatureViewsRequest request, ServerCallContext context) =>
        Run(nameof(ListAllFeatureViews), context, async ct =>
        {
            Require(request.Project, "project");
            var registry = await reader.GetAsync(request.AllowCache, ct).ConfigureAwait(false);
            var caller = await access.CallerAsync(context.GetHttpContext(), ct).ConfigureAwait(false);
            var views = access.Filter(caller, registry, request.Project,
                AllViews(registry, request.Project).Where(v => ListShaping.HasAllTags(ViewTags(v), request.Tags))).ToList();
            var (page, metadata) = ListShaping.Shape(views, request.Pagination, request.Sorting, Inner);
            return new ListAllFeatureViewsResponse { FeatureViews = { page }, Pagination = metadata };
        });

    /// <summary><c>GetFeatureService</c>.</summary>
    public virtual Task<P.FeatureService> GetFeatureService(GetFeatureServiceRequest request, ServerCallContext context) =>
        Get(nameof(GetFeatureService), context, request.AllowCache, request.Name, request.Project,
            r => r.FeatureServices, s => s.Spec.Name, s => s.Spec.Project, () => new FeatureServiceNotFoundException(request.Name, request.Project));

    /// <summary><c>ListFeatureServices</c>.</summary>
    public virtual Task<ListFeatureServicesResponse> ListFeatureServices(ListFeatureServicesRequest request, ServerCallContext context) =>
        List(nameof(ListFeatureServices), context, request.AllowCache, request.Project, request.Tags, request.Pagination, request.Sorting,
            r => r.FeatureServices, s => s.Spec.Project, s => s.Spec.Tags,
            (items, page) => new ListFeatureServicesResponse { FeatureServices = { items }, Pagination = page });

    /// <summary><c>GetPermission</c>.</summary>
    public virtual Task<P.Permission> GetPermission(GetPermissionRequest request, ServerCallContext context) =>
        Get(nameof(GetPermission), context, request.AllowCache, request.Name, request.Project,
            r => r.Permissions, p => p.Spec.Name, p => p.Spec.Project, () => new PermissionObjectNotFoundException(request.Name, request.Project));

    /// <summary><c>ListPermissions</c>.</summary>
    public virtual Task<ListPermissionsResponse> ListPermissions(ListPermissionsRequest request, ServerCallContext context) =>
        List(nameof(ListPermissions), context, request.AllowCache, request.Project, request.Tags, request.Pagination, request.Sorting,
            r => r.Permissions, p => p.Spec.Project, p => p.Spec.Tags,
            (items, page) => new ListPermissionsResponse { Permissions = { items }, Pagination = page });

    /// <summary><c>GetProject</c>.</summary>
    public virtual Task<P.Project> GetProject(GetProjectRequest request, ServerCallContext context) =>
        Run(nameof(GetProject), context, async ct =>
        {
            Require(request.Name, "name");
            var registry = await reader.GetAsync(request.AllowCache, ct).ConfigureAwait(false);
            var project = registry.Projects.FirstOrDefault(p => p.Spec.Name == request.Name) ?? throw new ProjectObjectNotFoundException(request.Name);
            access.Assert(await access.CallerAsync(context.GetHttpContext(), ct).ConfigureAwait(false), registry, request.Name, project, AuthzedAction.Describe);
            return project;
        });

    /// <summary><c>ListProjects</c>: every project of the registry.</summary>
    public virtual Task<ListProjectsResponse> ListProjects(ListProjectsRequest request, ServerCallContext context) =>
        Run(nameof(ListProjects), context, async ct =>
        {
            var registry = await reader.GetAsync(request.AllowCache, ct).ConfigureAwait(false);
            var caller = await access.CallerAsync(context.GetHttpContext(), ct).ConfigureAwait(false);
            var projects = access.FilterProjects(caller, registry, registry.Projects.Where(p => ListShaping.HasAllTags(p.Spec.Tags, request.Tags))).ToList();
            var (page, metadata) = ListShaping.Shape(projects, request.Pagination, request.Sorting, p => p);
            return new ListProjectsResponse { Projects = { page }, Pagination = metadata };
        });

    /// <summary><c>Refresh</c>: re-reads the registry from its store (for every project).</summary>
    public virtual Task<Empty> Refresh(RefreshRequest request, ServerCallContext context) =>
        Run(nameof(Refresh), context, async ct =>
        {
            var caller = await access.CallerAsync(context.GetHttpContext(), ct).ConfigureAwait(false);
            access.AssertRefresh(caller, await reader.GetAsync(allowCache: true, ct).ConfigureAwait(false), request.Project);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            return new Empty();
        });

    /// <summary>
    /// <c>Proto</c>: the whole registry message, as cached (under auth: what the caller may DESCRIBE, as Feast's); empty,
    /// with the trailer <see cref="UnchangedTrailer"/>, to a client that says it holds this version already.
    /// </summary>
    public virtual Task<P.Registry> Proto(Empty request, ServerCallContext context) =>
        Run(nameof(Proto), context, async ct =>
        {
            var registry = await reader.GetAsync(allowCache: true, ct).ConfigureAwait(false);
            var caller = await access.CallerAsync(context.GetHttpContext(), ct).ConfigureAwait(false);
            // A Feast.NET client that holds this very version is told so instead of sent it again (only when the answer
            // does not depend on the caller); any other client asks nothing and gets the registry.
            if (!caller.IsChecked && registry.VersionId.Length > 0 && context.RequestHeaders.GetValue(HeldVersionHeader) == registry.VersionId)
            {
                context.ResponseTrailers.Add(UnchangedTrailer, registry.VersionId);
                return new P.Registry();
            }
            return access.Visible(caller, registry);
        });

    /// <summary>Request header of <c>Proto</c>: the <c>version_id</c> of the registry the (Feast.NET) client holds.</summary>
    internal const string HeldVersionHeader = "feast-registry-version";

    /// <summary>Trailer of a <c>Proto</c> answered empty: the registry still has the version the client holds (its value).</summary>
    internal const string UnchangedTrailer = "feast-registry-unchanged";

    /// <summary><c>GetSavedDataset</c>: stored and answered, though Feast.NET has no runtime for saved datasets.</summary>
    public virtual Task<P.SavedDataset> GetSavedDataset(GetSavedDatasetRequest request, ServerCallContext context) =>
        Get(nameof(GetSavedDataset), context, request.AllowCache, request.Name, request.Project,
            r => r.SavedDatasets, d => d.Spec.Name, d => d.Spec.Project, () => new FeastNamedNotFoundException("SavedDatasetNotFound", "Saved dataset", request.Name, request.Project));

    /// <summary><c>ListSavedDatasets</c>.</summary>
    public virtual Task<ListSavedDatasetsResponse> ListSavedDatasets(ListSavedDatasetsRequest request, ServerCallContext context) =>
        List(nameof(ListSavedDatasets), context, request.AllowCache, request.Project, request.Tags, request.Pagination, request.Sorting,
            r => r.SavedDatasets, d => d.Spec.Project, d => d.Spec.Tags,
            (items, page) => new ListSavedDatasetsResponse { SavedDatasets = { items }, Pagination = page });

    /// <summary><c>GetValidationReference</c>: stored and answered, though Feast.NET has no runtime for validation.</summary>
    public virtual Task<P.ValidationReference> GetValidationReference(GetValidationReferenceRequest request, ServerCallContext context) =>
        Get(nameof(GetValidationReference), context, request.AllowCache, request.Name, request.Project,
            r => r.ValidationReferences, v => v.Name, v => v.Project, () => new FeastNamedNotFoundException("ValidationReferenceNotFound", "Validation reference", request.Name, request.Project));

    /// <summary><c>ListValidationReferences</c>.</summary>
    public virtual Task<ListValidationReferencesResponse> ListValidationReferences(ListValidationReferencesRequest request, ServerCallContext context) =>
        List(nameof(ListValidationReferences), context, request.AllowCache, request.Project, request.Tags, request.Pagination, request.Sorting,
            r => r.ValidationReferences, v => v.Project, v => v.Tags,
            (items, page) => new ListValidationReferencesResponse { ValidationReferences = { items }, Pagination = page });

    /// <summary><c>ListProjectMetadata</c>: the registry's (deprecated) project metadata entries of the project.</summary>
    public virtual Task<ListProjectMetadataResponse> ListProjectMetadata(ListProjectMetadataRequest request, ServerCallContext context) =>
        Run(nameof(ListProjectMetadata), context, async ct =>
        {
            Require(request.Project, "project");
            var registry = await reader.GetAsync(request.AllowCache, ct).ConfigureAwait(false);
            access.AssertProject(await access.CallerAsync(context.GetHttpContext(), ct).ConfigureAwait(false), registry, request.Project, createIfMissing: false);
#pragma warning disable CS0612 // project_metadata is deprecated in Feast's .proto, and still what this RPC answers.
            return new ListProjectMetadataResponse { ProjectMetadata = { registry.ProjectMetadata.Where(m => m.Project == request.Project) } };
#pragma warning restore CS0612
        });

    /// <summary><c>GetInfra</c>: the registry's infra objects (empty when none were recorded).</summary>
    public virtual Task<P.Infra> GetInfra(GetInfraRequest request, ServerCallContext context) =>
        Run(nameof(GetInfra), context, async ct =>
        {
            var registry = await reader.GetAsync(request.AllowCache, ct).ConfigureAwait(false);
            access.AssertProject(await access.CallerAsync(context.GetHttpContext(), ct).ConfigureAwait(false), registry, request.Project, createIfMissing: true);
            return registry.Infra ?? new P.Infra();
        });

    private Task<T> Get<T>(string rpc, ServerCallContext context, bool allowCache, string name, string project,
        Func<P.Registry, RepeatedField<T>> all, Func<T, string> nameOf, Func<T, string> projectOf, Func<FeastObjectNotFoundException> notFound) where T : IMessage =>
        Run(rpc, context, async ct =>
        {
            Require(name, "name");
            Require(project, "project");
            var registry = await reader.GetAsync(allowCache, ct).ConfigureAwait(false);
            foreach (var item in all(registry))
            {
                if (nameOf(item) != name || projectOf(item) != project) continue;
                var caller = await access.CallerAsync(context.GetHttpContext(), ct).ConfigureAwait(false);
                access.Assert(caller, registry, project, item, AuthzedAction.Describe);
                return item;
            }
            throw notFound();
        });

    private Task<TResponse> List<T, TResponse>(string rpc, ServerCallContext context, bool allowCache, string project,
        MapField<string, string> tags, PaginationParams? pagination, SortingParams? sorting,
        Func<P.Registry, RepeatedField<T>> all, Func<T, string> projectOf, Func<T, MapField<string, string>> tagsOf,
        Func<List<T>, PaginationMetadata, TResponse> answer) where T : IMessage where TResponse : class, IMessage =>
        Run(rpc, context, async ct =>
        {
            Require(project, "project");
            var registry = await reader.GetAsync(allowCache, ct).ConfigureAwait(false);
            var caller = await access.CallerAsync(context.GetHttpContext(), ct).ConfigureAwait(false);
            // Built once per registry version (and per set of roles, groups and namespaces under auth) and kept serialised.
            return await reader.Lists.GetAsync(registry, ListAnswers.Key(rpc, project, tags, pagination, sorting), caller, () =>
            {
                var items = access.Filter(caller, registry, project,
                    all(registry).Where(i => projectOf(i) == project && ListShaping.HasAllTags(tagsOf(i), tags))).ToList();
                var (page, metadata) = ListShaping.Shape(items, pagination, sorting, i => i);
                return answer(page, metadata);
            }, ct).ConfigureAwait(false);
        });

    private static IEnumerable<AnyFeatureView> AllViews(P.Registry registry, string project) =>
        registry.FeatureViews.Where(v => v.Spec.Project == project).Select(v => new AnyFeatureView { FeatureView = v })
            .Concat(registry.StreamFeatureViews.Where(v => v.Spec.Project == project).Select(v => new AnyFeatureView { StreamFeatureView = v }))
            .Concat(registry.OnDemandFeatureViews.Where(v => v.Spec.Project == project).Select(v => new AnyFeatureView { OnDemandFeatureView = v }));

    private static IMessage Inner(AnyFeatureView view) => view.AnyFeatureViewCase switch
    {
        AnyFeatureView.AnyFeatureViewOneofCase.FeatureView => view.FeatureView,
        AnyFeatureView.AnyFeatureViewOneofCase.StreamFeatureView => view.StreamFeatureView,
        _ => view.OnDemandFeatureView,
    };

    private static string ViewName(AnyFeatureView view) => view.AnyFeatureViewCase switch
    {
        AnyFeatureView.AnyFeatureViewOneofCase.FeatureView => view.FeatureView.Spec.Name,
        AnyFeatureView.AnyFeatureViewOneofCase.StreamFeatureView => view.StreamFeatureView.Spec.Name,
        _ => view.OnDemandFeatureView.Spec.Name,
    };

    private static MapField<string, string> ViewTags(AnyFeatureView view) => view.AnyFeatureViewCase switch
    {
        AnyFeatureView.AnyFeatureViewOneofCase.FeatureView => view.FeatureView.Spec.Tags,
        AnyFeatureView.AnyFeatureViewOneofCase.StreamFeatureView => view.StreamFeatureView.Spec.Tags,
        _ => view.OnDemandFeatureView.Spec.Tags,
    };

    /// <summary>An empty name or project is the caller's mistake: INVALID_ARGUMENT, not a lookup that cannot succeed.</summary>
    private static void Require(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new RequestBodyException($"The request's {field} is empty; give the {field} of the object to read.");
    }

    /// <summary>Runs an RPC, answering a failure with its status code and Feast's error detail as the status message.</summary>
    private async Task<T> Run<T>(string rpc, ServerCallContext context, Func<CancellationToken, Task<T>> body)
    {
        var ct = context.CancellationToken;
        try
        {
            return await body(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled."));
        }
        catch (Exception e) when (e is not RpcException)
        {
            var answer = ServerErrors.Report(e, RegistryServerBinding.ServiceName + "/" + rpc, logger, activity: null);
            throw new RpcException(new Status(answer.GrpcStatus, ServerErrors.Detail(answer.ClassName, answer.Message)),
                new Metadata { { ServerErrors.GrpcClassTrailer, answer.ClassName } });
        }
    }
}

/// <summary>A not-found error Feast names with a class of its own (<c>SavedDatasetNotFound</c>, <c>ValidationReferenceNotFound</c>).</summary>
internal sealed class FeastNamedNotFoundException(string errorClass, string kind, string name, string project)
    : FeastObjectNotFoundException(kind, name, project)
{
    /// <inheritdoc/>
    public override string FeastErrorClass => errorClass;
}
