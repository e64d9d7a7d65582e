using System.Text.Json.Nodes;
using Feast.Protos.Registry;
using Google.Protobuf;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer.Rest;

/// <summary>The REST API's features, labels, lineage and projects.</summary>
internal sealed partial class RegistryRestApi
{
    /// <summary>The object types <c>/lineage/objects/{type}/{name}</c> accepts, as Feast's route lists them.</summary>
    private static readonly string[] LineageObjectTypes =
        [RegistryLineage.DataSource, RegistryLineage.Entity, RegistryLineage.FeatureView, RegistryLineage.FeatureService, RegistryLineage.Feature, RegistryLineage.SavedDataset];

    /// <summary><c>/features</c> (<paramref name="kind"/> <c>feature</c>, key <c>features</c>) or <c>/labels</c> (<c>label</c>, <c>labels</c>).</summary>
    public JsonNode Features(Call call, string kind, string key)
    {
        var project = call.Query.Project;
        var includeRelationships = call.Query.Bool("include_relationships", false);
        var response = service.Features(call.Registry, call.Caller, new ListFeaturesRequest
        {
            Project = project,
            FeatureView = call.Query.Optional("feature_view") ?? "",
            Name = call.Query.Optional("name") ?? "",
            Kind = kind,
            Pagination = call.Query.Pagination(),
            Sorting = call.Query.Sorting(),
        });
        var result = new JsonObject
        {
            [key] = RestJson.Array(response.Features),
            ["pagination"] = RestJson.Pagination(response.Pagination),
        };
        if (includeRelationships) result["relationships"] = RelationshipsOf(call, project, RegistryLineage.Feature, response.Features.Select(f => f.Name));
        return result;
    }

    /// <summary><c>/features/all</c> or <c>/labels/all</c>: the features of every visible project, each with its <c>project</c>.</summary>
    public JsonNode AllFeatures(Call call, string kind, string key)
    {
        var paging = call.Query.All();
        var includeRelationships = call.Query.Bool("include_relationships", false);
        var all = new List<JsonObject>();
        var relationships = new JsonObject();
        foreach (var project in VisibleProjects(call))
        {
            var features = service.Features(call.Registry, call.Caller, new ListFeaturesRequest { Project = project, Kind = kind }).Features;
            foreach (var feature in features)
            {
                var json = RestJson.Object(feature);
                json["project"] = project;
                all.Add(json);
            }
            if (includeRelationships) Merge(relationships, RelationshipsOf(call, project, RegistryLineage.Feature, features.Select(f => f.Name)));
        }
        var (page, pagination) = RestJson.PageAll(all, paging);
        var result = new JsonObject { [key] = RestJson.Array(page), ["pagination"] = pagination };
        if (includeRelationships) result["relationships"] = relationships;
        return result;
    }

    /// <summary><c>/features/{feature_view}/{name}</c>.</summary>
    public JsonNode Feature(Call call)
    {
        var project = call.Query.Project;
        var name = call.Route("name");
        var includeRelationships = call.Query.Bool("include_relationships", false);
        var feature = service.OneFeature(call.Registry, call.Caller, new GetFeatureRequest { Project = project, FeatureView = call.Route("feature_view"), Name = name });
        var json = RestJson.Object(feature);
        if (includeRelationships) json["relationships"] = Relationships(call, project, RegistryLineage.Feature, name);
        json["featureDefinition"] = FeatureDefinitions.Feature(json);
        return json;
    }

    /// <summary><c>/lineage/registry</c>: the project's relationships and indirect relationships, each paged on its own.</summary>
    public JsonNode Lineage(Call call)
    {
        var project = call.Query.Project;
        var response = LineageOf(call, new GetRegistryLineageRequest
        {
            Project = project,
            FilterObjectType = call.Query.Optional("filter_object_type") ?? "",
            FilterObjectName = call.Query.Optional("filter_object_name") ?? "",
            Pagination = call.Query.Pagination(),
            Sorting = call.Query.Sorting(),
        });
        return new JsonObject
        {
            ["relationships"] = RestJson.Array(response.Relationships),
            ["indirect_relationships"] = RestJson.Array(response.IndirectRelationships),
            ["relationships_pagination"] = RestJson.Pagination(response.RelationshipsPagination),
            ["indirect_relationships_pagination"] = RestJson.Pagination(response.IndirectRelationshipsPagination),
        };
    }

    /// <summary><c>/lineage/objects/{object_type}/{object_name}</c>: the <c>GetObjectRelationships</c> answer as JSON.</summary>
    public JsonNode ObjectLineage(Call call)
    {
        var type = call.Route("object_type");
        if (!LineageObjectTypes.Contains(type))
            throw new FeastValidationException($"Invalid object_type. Must be one of: {string.Join(", ", LineageObjectTypes)}");
        var project = call.Query.Project;
        var request = new GetObjectRelationshipsRequest
        {
            Project = project,
            ObjectType = type,
            ObjectName = call.Route("object_name"),
            IncludeIndirect = call.Query.Bool("include_indirect", false),
            Pagination = call.Query.Pagination(),
            Sorting = call.Query.Sorting(),
        };
        AssertProject(call, project);
        return RestJson.Object(FeastRegistryService.ObjectRelationships(call.Registry, request, Visibility(call, project)));
    }

    /// <summary><c>/lineage/complete</c>: every object of the project, the lineage, and each list's pagination.</summary>
    public JsonNode CompleteLineage(Call call)
    {
        var project = call.Query.Project;
        var (pagination, sorting) = (call.Query.Pagination(), call.Query.Sorting());
        var lineage = LineageOf(call, new GetRegistryLineageRequest { Project = project, Pagination = pagination, Sorting = sorting });
        var (objects, paginations) = ProjectObjects(call, project, pagination, sorting);
        paginations["relationships"] = RestJson.Pagination(lineage.RelationshipsPagination);
        paginations["indirectRelationships"] = RestJson.Pagination(lineage.IndirectRelationshipsPagination);
        return new JsonObject
        {
            ["project"] = project,
            ["objects"] = objects,
            ["relationships"] = RestJson.Array(lineage.Relationships),
            ["indirectRelationships"] = RestJson.Array(lineage.IndirectRelationships),
            ["pagination"] = paginations,
        };
    }

    /// <summary><c>/lineage/registry/all</c>: every visible project's lineage, each relationship with its <c>project</c>.</summary>
    public JsonNode AllLineage(Call call)
    {
        var relationships = new JsonArray();
        var indirect = new JsonArray();
        foreach (var project in VisibleProjects(call))
        {
            var response = LineageOf(call, new GetRegistryLineageRequest
            {
                Project = project,
                FilterObjectType = call.Query.Optional("filter_object_type") ?? "",
                FilterObjectName = call.Query.Optional("filter_object_name") ?? "",
            });
            foreach (var relation in response.Relationships) relationships.Add(WithProject(relation, project));
            foreach (var relation in response.IndirectRelationships) indirect.Add(WithProject(relation, project));
        }
        return new JsonObject { ["relationships"] = relationships, ["indirect_relationships"] = indirect };
    }

    /// <summary><c>/lineage/complete/all</c>: <c>/lineage/complete</c> of every visible project, objects marked with their project.</summary>
    public JsonNode AllCompleteLineage(Call call)
    {
        var projects = new JsonArray();
        foreach (var project in VisibleProjects(call))
        {
            var lineage = LineageOf(call, new GetRegistryLineageRequest { Project = project });
            var (objects, _) = ProjectObjects(call, project, new PaginationParams(), new SortingParams());
            foreach (var (_, list) in objects)
            {
                foreach (var item in list!.AsArray()) item!["project"] = project;
            }
            projects.Add(new JsonObject
            {
                ["project"] = project,
                ["objects"] = objects,
                ["relationships"] = RestJson.Array(lineage.Relationships),
                ["indirectRelationships"] = RestJson.Array(lineage.IndirectRelationships),
            });
        }
        return new JsonObject { ["projects"] = projects };
    }

    /// <summary><c>/projects</c>: the projects the caller may describe, sorted and paged.</summary>
    public JsonNode Projects(Call call)
    {
        var (pagination, sorting) = (call.Query.Pagination(), call.Query.Sorting());
        var visible = VisibleProjects(call).ToHashSet(StringComparer.Ordinal);
        var projects = call.Registry.Projects.Where(p => visible.Contains(p.Spec.Name)).ToList();
        var (page, metadata) = ListShaping.Shape(projects, pagination, sorting, p => p);
        return new JsonObject { ["projects"] = RestJson.Array(page), ["pagination"] = RestJson.Pagination(metadata) };
    }

    /// <summary><c>/projects/{name}</c>.</summary>
    public JsonNode Project(Call call)
    {
        var name = call.Route("name");
        var project = call.Registry.Projects.FirstOrDefault(p => p.Spec?.Name == name) ?? throw new ProjectObjectNotFoundException(name);
        access.Assert(call.Caller, call.Registry, name, project, AuthzedAction.Describe);
        return RestJson.Object(project);
    }

    private GetRegistryLineageResponse LineageOf(Call call, GetRegistryLineageRequest request)
    {
        AssertProject(call, request.Project);
        return FeastRegistryService.Lineage(call.Registry, request, Visibility(call, request.Project));
    }

    /// <summary>Which relationship ends the caller may see in <paramref name="project"/> (<see cref="LineageVisibility"/>).</summary>
    /// <remarks>Computed once per request and project: a list's items (saved datasets' sources) share it.</remarks>
    private Func<EntityReference, bool>? Visibility(Call call, string project)
    {
        var key = "feast.lineage.visibility:" + project;
        if (call.Http.Items.TryGetValue(key, out var known)) return (Func<EntityReference, bool>?)known;
        var visible = LineageVisibility.For(access, call.Caller, call.Registry, project);
        call.Http.Items[key] = visible;
        return visible;
    }

    /// <summary>DESCRIBE on the project when the registry holds it, as Feast's lineage RPCs ask.</summary>
    private void AssertProject(Call call, string project)
    {
        var found = call.Registry.Projects.FirstOrDefault(p => p.Spec?.Name == project);
        if (found is not null) access.Assert(call.Caller, call.Registry, project, found, AuthzedAction.Describe);
    }

    /// <summary>Every kind of object of <paramref name="project"/> the caller may describe, each list sorted and paged alike.</summary>
    private (JsonObject Objects, JsonObject Paginations) ProjectObjects(Call call, string project, PaginationParams pagination, SortingParams sorting)
    {
        var objects = new JsonObject();
        var paginations = new JsonObject();
        void Add(string key, Kind kind)
        {
            var items = Visible(call, project, kind.OfProject(call.Registry, project), kind.Tags, NoTags);
            var (page, metadata) = ListShaping.Shape(items, pagination, sorting, i => i);
            objects[key] = RestJson.Array(page.Select(i => (JsonNode)Shown(kind, call, project, i)));
            paginations[key] = RestJson.Pagination(metadata);
        }
        void AddFeatures(string key, string kind)
        {
            var response = service.Features(call.Registry, call.Caller,
                new ListFeaturesRequest { Project = project, Kind = kind, Pagination = pagination, Sorting = sorting });
            objects[key] = RestJson.Array(response.Features);
            paginations[key] = RestJson.Pagination(response.Pagination);
        }
        Add("entities", Entities);
        Add("dataSources", DataSources);
        Add("featureViews", FeatureViews);
        Add("labelViews", LabelViews);
        Add("featureServices", FeatureServices);
        AddFeatures("features", RegistryFeatures.FeatureKind);
        AddFeatures("labels", RegistryFeatures.LabelKind);
        Add("savedDatasets", SavedDatasets);
        return (objects, paginations);
    }

    private static JsonObject WithProject(IMessage relation, string project)
    {
        var json = RestJson.Object(relation);
        json["project"] = project;
        return json;
    }
}
