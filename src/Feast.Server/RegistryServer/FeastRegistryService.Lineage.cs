using Feast.Protos.Registry;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer;

/// <summary>The lineage and feature RPCs: <c>GetRegistryLineage</c>, <c>GetObjectRelationships</c>, <c>ListFeatures</c>, <c>GetFeature</c>.</summary>
internal partial class FeastRegistryService
{
    /// <summary><c>GetRegistryLineage</c>: the project's direct and indirect relationships, each list sorted and paged on its own, as Feast's.</summary>
    public virtual Task<GetRegistryLineageResponse> GetRegistryLineage(GetRegistryLineageRequest request, ServerCallContext context) =>
        Run(nameof(GetRegistryLineage), context, async ct =>
        {
            var registry = await reader.GetAsync(request.AllowCache, ct).ConfigureAwait(false);
            var visible = await AssertProjectAsync(context.GetHttpContext(), registry, request.Project, ct).ConfigureAwait(false);
            return Lineage(registry, request, visible);
        });

    /// <summary><c>GetObjectRelationships</c>: the relationships one object is the source or target of.</summary>
    public virtual Task<GetObjectRelationshipsResponse> GetObjectRelationships(GetObjectRelationshipsRequest request, ServerCallContext context) =>
        Run(nameof(GetObjectRelationships), context, async ct =>
        {
            var registry = await reader.GetAsync(request.AllowCache, ct).ConfigureAwait(false);
            var visible = await AssertProjectAsync(context.GetHttpContext(), registry, request.Project, ct).ConfigureAwait(false);
            return ObjectRelationships(registry, request, visible);
        });

    /// <summary><c>ListFeatures</c>: every feature of the views the caller may describe, filtered by view, name and kind.</summary>
    public virtual Task<ListFeaturesResponse> ListFeatures(ListFeaturesRequest request, ServerCallContext context) =>
        Run(nameof(ListFeatures), context, async ct =>
        {
            var registry = await reader.GetAsync(request.AllowCache, ct).ConfigureAwait(false);
            var caller = await access.CallerAsync(context.GetHttpContext(), ct).ConfigureAwait(false);
            return Features(registry, caller, request);
        });

    /// <summary><c>GetFeature</c>: one feature of one view; NOT_FOUND with Feast's message when the view has no such feature.</summary>
    public virtual Task<Feature> GetFeature(GetFeatureRequest request, ServerCallContext context) =>
        Run(nameof(GetFeature), context, async ct =>
        {
            var registry = await reader.GetAsync(request.AllowCache, ct).ConfigureAwait(false);
            var caller = await access.CallerAsync(context.GetHttpContext(), ct).ConfigureAwait(false);
            return OneFeature(registry, caller, request);
        });

    /// <summary>
    /// The answer of <c>GetRegistryLineage</c> over <paramref name="registry"/> (shared with the REST API): only the
    /// relationships whose ends <paramref name="visible"/> accepts, when given (<see cref="LineageVisibility"/>).
    /// </summary>
    internal static GetRegistryLineageResponse Lineage(P.Registry registry, GetRegistryLineageRequest request, Func<EntityReference, bool>? visible)
    {
        var (direct, indirect) = RegistryLineage.Generate(registry, request.Project, visible);
        if (request.FilterObjectType.Length > 0 && request.FilterObjectName.Length > 0)
        {
            direct = direct.Where(r => RegistryLineage.Involves(r, request.FilterObjectType, request.FilterObjectName)).ToList();
            indirect = indirect.Where(r => RegistryLineage.Involves(r, request.FilterObjectType, request.FilterObjectName)).ToList();
        }
        var (directPage, directMeta) = ListShaping.Shape(direct, request.Pagination, request.Sorting, r => r);
        var (indirectPage, indirectMeta) = ListShaping.Shape(indirect, request.Pagination, request.Sorting, r => r);
        return new GetRegistryLineageResponse
        {
            Relationships = { directPage },
            IndirectRelationships = { indirectPage },
            RelationshipsPagination = directMeta,
            IndirectRelationshipsPagination = indirectMeta,
        };
    }

    /// <summary>The answer of <c>GetObjectRelationships</c> over <paramref name="registry"/> (shared with the REST API), filtered as <see cref="Lineage"/>.</summary>
    internal static GetObjectRelationshipsResponse ObjectRelationships(P.Registry registry, GetObjectRelationshipsRequest request, Func<EntityReference, bool>? visible)
    {
        var relations = RegistryLineage.ObjectRelationships(registry, request.Project, request.ObjectType, request.ObjectName, request.IncludeIndirect, visible);
        var (page, metadata) = ListShaping.Shape(relations, request.Pagination, request.Sorting, r => r);
        return new GetObjectRelationshipsResponse { Relationships = { page }, Pagination = metadata };
    }

    /// <summary>The answer of <c>ListFeatures</c> for <paramref name="caller"/> (shared with the REST API).</summary>
    internal ListFeaturesResponse Features(P.Registry registry, RegistryCaller caller, ListFeaturesRequest request)
    {
        var views = access.Filter(caller, registry, request.Project, RegistryFeatures.Views(registry, request.Project));
        var features = RegistryFeatures.List(views, request.FeatureView, request.Name, request.Kind);
        var (page, metadata) = ListShaping.Shape(features, request.Pagination, request.Sorting, f => f);
        return new ListFeaturesResponse { Features = { page }, Pagination = metadata };
    }

    /// <summary>The answer of <c>GetFeature</c> for <paramref name="caller"/> (shared with the REST API).</summary>
    internal Feature OneFeature(P.Registry registry, RegistryCaller caller, GetFeatureRequest request)
    {
        var views = access.Filter(caller, registry, request.Project, RegistryFeatures.Views(registry, request.Project));
        return RegistryFeatures.List(views, request.FeatureView, request.Name, kind: "").FirstOrDefault(f => f.FeatureView == request.FeatureView)
            ?? throw RegistryFeatures.NotFound(request.Name, request.FeatureView, request.Project);
    }

    /// <summary>
    /// DESCRIBE on the project, when the registry holds it (a project that is not there has an empty lineage, as in
    /// Feast); then which relationship ends the caller may see (<see cref="LineageVisibility"/>).
    /// </summary>
    internal async Task<Func<EntityReference, bool>?> AssertProjectAsync(HttpContext? http, P.Registry registry, string project, CancellationToken ct)
    {
        var caller = await access.CallerAsync(http, ct).ConfigureAwait(false);
        var found = registry.Projects.FirstOrDefault(p => p.Spec?.Name == project);
        if (found is not null) access.Assert(caller, registry, project, found, AuthzedAction.Describe);
        return LineageVisibility.For(access, caller, registry, project);
    }
}
