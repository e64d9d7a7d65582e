using System.Text.Json.Nodes;
using Feast.Permissions;
using Feast.Protos.Registry;
using Google.Protobuf;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer.Rest;

/// <summary>Feast's <c>/metrics</c> routes: resource counts, popular tags and the caller's recently visited objects.</summary>
internal sealed partial class RegistryRestApi
{
    /// <summary>
    /// <c>GET /metrics/resource_counts[?project=]</c>: per kind, how many objects the caller may list (a kind it may not
    /// list counts 0, as Feast's), the feature services and views (with <c>type</c> and <c>featureCount</c>), the projects
    /// and <c>registryLastUpdated</c>; without a project, <c>total</c> and <c>perProject</c> over the visible projects.
    /// </summary>
    public JsonNode ResourceCounts(Call call)
    {
        var lastUpdated = call.Registry.LastUpdated is not null ? (JsonNode?)RestJson.Object(call.Registry)["lastUpdated"]?.DeepClone() : null;
        if (call.Query.Optional("project") is { Length: > 0 } project)
        {
            var (counts, services, views) = CountsOf(call, project);
            return new JsonObject
            {
                ["project"] = project,
                ["counts"] = counts,
                ["featureServices"] = services,
                ["featureViews"] = views,
                ["projects"] = new JsonArray(new JsonObject { ["name"] = project }),
                ["registryLastUpdated"] = lastUpdated,
            };
        }
        var total = new JsonObject();
        var perProject = new JsonObject();
        var (allServices, allViews, projects) = (new JsonArray(), new JsonArray(), new JsonArray());
        foreach (var name in VisibleProjects(call))
        {
            var (counts, services, views) = CountsOf(call, name);
            perProject[name] = counts;
            foreach (var (key, value) in counts) total[key] = (total[key]?.GetValue<int>() ?? 0) + value!.GetValue<int>();
            foreach (var s in services.ToList()) allServices.Add(s!.DeepClone());
            foreach (var v in views.ToList()) allViews.Add(v!.DeepClone());
            var description = call.Registry.Projects.FirstOrDefault(p => p.Spec?.Name == name)?.Spec.Description ?? "";
            projects.Add(new JsonObject { ["name"] = name, ["description"] = description });
        }
        foreach (var key in CountKeys) total[key] ??= 0;
        return new JsonObject
        {
            ["total"] = total,
            ["perProject"] = perProject,
            ["featureServices"] = allServices,
            ["featureViews"] = allViews,
            ["projects"] = projects,
            ["registryLastUpdated"] = lastUpdated,
        };
    }

    private static readonly string[] CountKeys = ["entities", "dataSources", "savedDatasets", "features", "featureViews", "featureServices"];

    private (JsonObject Counts, JsonArray Services, JsonArray Views) CountsOf(Call call, string project)
    {
        List<T> Listed<T>(Func<List<T>> list)
        {
            try
            {
                return list();
            }
            catch (FeastPermissionException)
            {
                return [];
            }
        }
        List<IMessage> Of(Kind kind) => Listed(() => Visible(call, project, kind.OfProject(call.Registry, project), kind.Tags, NoTags));
        var views = Of(FeatureViews);
        var services = Of(FeatureServices);
        var features = Listed(() => service.Features(call.Registry, call.Caller, new ListFeaturesRequest { Project = project, Kind = RegistryFeatures.FeatureKind }).Features.ToList());
        var counts = new JsonObject
        {
            ["entities"] = Of(Entities).Count,
            ["dataSources"] = Of(DataSources).Count,
            ["savedDatasets"] = Of(SavedDatasets).Count,
            ["features"] = features.Count,
            ["featureViews"] = views.Count,
            ["featureServices"] = services.Count,
        };
        var viewSummaries = new JsonArray([.. views.Select(v => (JsonNode)new JsonObject
        {
            ["name"] = View(v).Name,
            ["project"] = project,
            ["type"] = View(v).Type,
            ["featureCount"] = View(v).Features.Count,
        })]);
        var serviceSummaries = new JsonArray([.. services.Select(s => (JsonNode)new JsonObject { ["name"] = FeatureServices.Name(s), ["project"] = project })]);
        return (counts, serviceSummaries, viewSummaries);
    }

    /// <summary>
    /// <c>GET /metrics/popular_tags[?project=&amp;limit=4]</c>: the tags (key and value) the most feature views carry, with
    /// those views, over the views the caller may list: <c>{popular_tags: [{tag_key, tag_value, feature_views: [{name,
    /// project}], total_feature_views}], metadata: {totalFeatureViews, totalTags, limit}}</c>.
    /// </summary>
    public JsonNode PopularTags(Call call)
    {
        var limit = call.Query.Int("limit", int.MinValue, int.MaxValue) ?? 4;
        var projects = call.Query.Optional("project") is { Length: > 0 } one ? [one] : VisibleProjects(call).ToList();
        var views = new List<(string Name, string Project, IReadOnlyDictionary<string, string> Tags)>();
        foreach (var project in projects)
        {
            foreach (var view in Visible(call, project, FeatureViews.OfProject(call.Registry, project), FeatureViews.Tags, NoTags))
                views.Add((View(view).Name, project, View(view).Tags));
        }
        // Tags grouped by key then value, in the order they first appear (Feast's dicts).
        var groups = new List<(string Key, string Value, List<(string Name, string Project)> Views)>();
        foreach (var view in views)
        {
            foreach (var (key, value) in view.Tags)
            {
                var index = groups.FindIndex(g => g.Key == key && g.Value == value);
                if (index < 0)
                {
                    var keyAt = groups.FindLastIndex(g => g.Key == key);
                    index = keyAt < 0 ? groups.Count : keyAt + 1;
                    groups.Insert(index, (key, value, []));
                }
                groups[index].Views.Add((view.Name, view.Project));
            }
        }
        var ranked = groups.OrderByDescending(g => g.Views.Count).ThenByDescending(g => g.Key, StringComparer.Ordinal).ToList();
        var top = limit >= 0 ? ranked.Take(limit) : ranked.Take(Math.Max(0, ranked.Count + limit));
        return new JsonObject
        {
            ["popular_tags"] = new JsonArray([.. top.Select(g => (JsonNode)new JsonObject
            {
                ["tag_key"] = g.Key,
                ["tag_value"] = g.Value,
                ["feature_views"] = new JsonArray([.. g.Views.Select(v => (JsonNode)new JsonObject { ["name"] = v.Name, ["project"] = v.Project })]),
                ["total_feature_views"] = g.Views.Count,
            })]),
            ["metadata"] = new JsonObject { ["totalFeatureViews"] = views.Count, ["totalTags"] = groups.Count, ["limit"] = limit },
        };
    }

    /// <summary>
    /// <c>GET /metrics/recently_visited[?project=&amp;object=&amp;page=&amp;limit=&amp;sort_by=&amp;sort_order=]</c>: the
    /// detail pages the caller opened (<see cref="RecentVisits"/>), of one project (DESCRIBE on it) or of every project
    /// it may describe (newest first); <c>object</c> filters by route (<c>entities</c>, <c>feature_views</c>, ...).
    /// </summary>
    public JsonNode RecentlyVisited(Call call)
    {
        var user = RecentVisits.UserOf(call.Caller);
        List<JsonObject> visits;
        if (call.Query.Optional("project") is { Length: > 0 } project)
        {
            if (call.Registry.Projects.FirstOrDefault(p => p.Spec?.Name == project) is { } found)
                access.Assert(call.Caller, call.Registry, project, found, AuthzedAction.Describe);
            visits = _visits.Of(user, project);
        }
        else
        {
            visits = [.. VisibleProjects(call).SelectMany(p => _visits.Of(user, p))
                .OrderByDescending(v => v["timestamp"]?.GetValue<string>(), StringComparer.Ordinal)];
        }
        if (call.Query.Optional("object") is { Length: > 0 } kind) visits = [.. visits.Where(v => v["object"]?.GetValue<string>() == kind)];
        visits = [.. visits.Where(v => MayStillDescribe(call, v))];
        if (visits.Count > RecentVisits.Limit) visits = visits[^RecentVisits.Limit..];
        var (pagination, sorting) = (call.Query.Pagination(), call.Query.Sorting());
        if (pagination.Page == 0 && pagination.Limit == 0)
        {
            var sorted = string.IsNullOrEmpty(sorting.SortBy) ? visits : RestJson.PageAll(visits, new AllPaging(1, Math.Max(1, visits.Count), sorting.SortBy, sorting.SortOrder)).Page;
            return new JsonObject { ["visits"] = RestJson.Array(sorted), ["pagination"] = new JsonObject { ["totalCount"] = visits.Count } };
        }
        var (page, paging) = RestJson.PageAll(visits, new AllPaging(pagination.Page == 0 ? 1 : pagination.Page, pagination.Limit == 0 ? 50 : pagination.Limit,
            string.IsNullOrEmpty(sorting.SortBy) ? null : sorting.SortBy, sorting.SortOrder));
        return new JsonObject { ["visits"] = RestJson.Array(page), ["pagination"] = paging };
    }

    private readonly RecentVisits _visits = new();

    /// <summary>
    /// Whether the caller may describe the object a visit names today (stricter than Feast, which answers every logged
    /// visit): a visit of an object the caller may no longer describe is left out, so the log names nothing it may not see.
    /// </summary>
    private bool MayStillDescribe(Call call, JsonObject visit)
    {
        var project = visit["project"]?.GetValue<string>() ?? "";
        var name = visit["object_name"]?.GetValue<string>() ?? "";
        Kind? kind = visit["object"]?.GetValue<string>() switch
        {
            "entities" => Entities,
            "data_sources" => DataSources,
            "feature_views" => FeatureViews,
            "feature_services" => FeatureServices,
            "saved_datasets" => SavedDatasets,
            _ => null,
        };
        if (kind is null) return true;
        var item = kind.OfProject(call.Registry, project).FirstOrDefault(i => kind.Name(i) == name);
        if (item is null) return true;
        try
        {
            return access.Filter(call.Caller, call.Registry, project, [item]).Any();
        }
        catch (FeastPermissionException)
        {
            return false;
        }
    }

    /// <summary>The detail routes whose visits are logged (Feast's default <c>log_patterns</c>).</summary>
    private static readonly HashSet<string> LoggedRoutes = new(["entities", "data_sources", "feature_views", "feature_services", "saved_datasets"], StringComparer.Ordinal);

    /// <summary>Records the caller's visit of a detail page (Feast's logging middleware), once it was answered.</summary>
    private void Visited(Call call, string project)
    {
        var path = call.Http.Request.Path.Value ?? "";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2 || !LoggedRoutes.Contains(segments[^2])) return;
        _visits.Add(RecentVisits.UserOf(call.Caller), project, path, segments[^2], segments[^1], time.GetUtcNow());
    }
}
