using System.Text.Json.Nodes;
using Feast.Permissions;
using Feast.Protos.Registry;
using Google.Protobuf;

namespace Feast.Server.RegistryServer.Rest;

/// <summary>
/// <c>GET /search</c>: Feast's search over entities, data sources, feature views (every kind), label views, features,
/// labels, feature services and saved datasets of the projects the caller may describe, scored as Feast scores them.
/// </summary>
internal sealed partial class RegistryRestApi
{
    private const double FuzzyThreshold = 0.75;
    private static readonly string[] SearchSortFields = ["match_score", "name", "type"];

    /// <summary>
    /// <c>GET /search?query=&amp;projects=&amp;tags=&amp;sort_by=&amp;sort_order=&amp;page=&amp;limit=</c>: <c>{query,
    /// projects_searched, results, pagination, errors}</c>. A result is <c>{type, name, description, project,
    /// featureView | labelView, matched_tags, match_score}</c>: 100 for the query in the name, 80 in the description, 60 in
    /// a tag (<c>key=value</c>), else Feast's fuzzy score (shared characters over all characters, at least 0.75) × 100 of a
    /// tag or the name. Sorted by <c>match_score</c> (default, descending), <c>name</c> or <c>type</c>; page 1 and limit
    /// 50 by default. A project not there (or not visible) and a kind the caller may not list are named in <c>errors</c>.
    /// </summary>
    public JsonNode Search(Call call)
    {
        var query = call.Query.Optional("query") ?? throw new RestValidationException("Field required: query parameter 'query' is missing (e.g. ?query=driver).");
        var tags = call.Query.Tags();
        var (sortBy, sortOrder) = SearchSorting(call.Query);
        var (page, limit) = (SearchPaging(call.Query, "page", 1, int.MaxValue, 1), SearchPaging(call.Query, "limit", 1, 100, 50));
        var errors = new JsonArray();
        List<string> visible;
        try
        {
            visible = [.. VisibleProjects(call)];
        }
        catch (FeastPermissionException)
        {
            // Feast's search answers a failed ListProjects with this error and searches nothing.
            visible = [];
            errors.Add("Error getting projects");
        }
        var asked = call.Http.Request.Query["projects"].Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p!).Distinct(StringComparer.Ordinal).ToList();
        List<string> projects;
        if (visible.Count == 0)
        {
            if (errors.Count == 0) errors.Add("No projects found");
            projects = [];
        }
        else if (asked.Count == 0)
        {
            projects = visible;
        }
        else
        {
            projects = [.. visible.Where(asked.Contains)];
            var missing = asked.Where(p => !visible.Contains(p)).ToList();
            if (missing.Count > 0) errors.Add($"Following projects do not exist: {string.Join(", ", missing)}");
        }
        var searched = new JsonArray([.. projects.Select(p => (JsonNode)p)]);
        if (projects.Count == 0)
            return new JsonObject { ["query"] = query, ["projects_searched"] = searched, ["results"] = new JsonArray(), ["pagination"] = new JsonObject(), ["errors"] = errors };

        var results = new List<JsonObject>();
        foreach (var project in projects) results.AddRange(SearchProject(call, project, tags, errors));
        var matched = Score(results, query);
        var (pageItems, pagination) = RestJson.PageAll(matched, new AllPaging(page, limit, sortBy, sortOrder));
        foreach (var item in pageItems) item.Remove("tags");
        return new JsonObject
        {
            ["query"] = query,
            ["projects_searched"] = searched,
            ["results"] = RestJson.Array(pageItems),
            ["pagination"] = pagination,
            ["errors"] = errors,
        };
    }

    /// <summary>Every searchable object of <paramref name="project"/> the caller may list, as a result without its score.</summary>
    private List<JsonObject> SearchProject(Call call, string project, Dictionary<string, string> tags, JsonArray errors)
    {
        var found = new List<JsonObject>();
        void Add(string what, Func<IEnumerable<JsonObject>> items)
        {
            try
            {
                found.AddRange(items());
            }
            catch (FeastPermissionException)
            {
                errors.Add($"Error searching {what} in project '{project}'");
            }
        }
        JsonObject Result(string type, string name, string? description, IReadOnlyDictionary<string, string> objectTags, string? viewKey = null, string? view = null)
        {
            var result = new JsonObject { ["type"] = type, ["name"] = name, ["description"] = description ?? "", ["project"] = project };
            if (viewKey is not null) result[viewKey] = view ?? "";
            result["tags"] = new JsonObject([.. objectTags.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value))]);
            return result;
        }
        IEnumerable<JsonObject> Objects(Kind kind, string type) =>
            Visible(call, project, kind.OfProject(call.Registry, project), kind.Tags, kind.TakesTags ? tags : NoTags)
                .Select(m => Result(type, kind.Name(m), Description(m), kind.Tags(m)));
        Add("entities", () => Objects(Entities, "entity"));
        Add("data sources", () => Objects(DataSources, "dataSource"));
        Add("feature views", () => Objects(FeatureViews, "featureView"));
        Add("label views", () => Objects(LabelViews, "labelView"));
        Add("features", () => service.Features(call.Registry, call.Caller, new ListFeaturesRequest { Project = project, Kind = RegistryFeatures.FeatureKind }).Features
            .Select(f => Result("feature", f.Name, f.Description, f.Tags, "featureView", f.FeatureView)));
        Add("labels", () => service.Features(call.Registry, call.Caller, new ListFeaturesRequest { Project = project, Kind = RegistryFeatures.LabelKind }).Features
            .Select(f => Result("label", f.Name, f.Description, f.Tags, "labelView", f.FeatureView)));
        Add("feature services", () => Objects(FeatureServices, "featureService"));
        Add("saved datasets", () => Objects(SavedDatasets, "savedDataset"));
        return found;
    }

    /// <summary>An object's description (a data source's at its top, the others' in their spec).</summary>
    private static string? Description(IMessage message)
    {
        var json = RestJson.Object(message);
        return (json["spec"] as JsonObject ?? json)["description"]?.GetValue<string>();
    }

    /// <summary>Feast's <c>filter_search_results_and_match_score</c>: the results that match, with <c>matched_tags</c> and <c>match_score</c>.</summary>
    private static List<JsonObject> Score(List<JsonObject> results, string query)
    {
        foreach (var result in results) result["matched_tags"] = result["tags"]!.DeepClone();
        if (query.Length == 0) return results;
        var q = query.ToLowerInvariant();
        var matched = new List<JsonObject>();
        foreach (var result in results)
        {
            var matchedTags = new JsonObject();
            var (exactTag, bestTag) = (false, 0.0);
            foreach (var (key, value) in result["tags"]!.AsObject())
            {
                var combined = $"{key.ToLowerInvariant()}={value?.GetValue<string>().ToLowerInvariant()}";
                if (combined.Contains(q, StringComparison.Ordinal))
                {
                    exactTag = true;
                    matchedTags[key] = value?.DeepClone();
                }
                else if (Fuzzy(q, combined) is var score && score >= FuzzyThreshold)
                {
                    matchedTags[key] = value?.DeepClone();
                    bestTag = Math.Max(bestTag, score);
                }
            }
            result["matched_tags"] = matchedTags;
            var name = result["name"]!.GetValue<string>().ToLowerInvariant();
            double? matchScore =
                name.Contains(q, StringComparison.Ordinal) ? 100
                : result["description"]!.GetValue<string>().ToLowerInvariant().Contains(q, StringComparison.Ordinal) ? 80
                : exactTag ? 60
                : bestTag >= FuzzyThreshold ? bestTag * 100
                : Fuzzy(q, name) is var nameScore && nameScore >= FuzzyThreshold ? nameScore * 100
                : null;
            if (matchScore is not { } total) continue;
            result["match_score"] = total;
            matched.Add(result);
        }
        return matched;
    }

    /// <summary>Feast's <c>fuzzy_match</c>: the characters both share over the characters either has.</summary>
    private static double Fuzzy(string query, string text)
    {
        if (query.Length == 0 || text.Length == 0) return 0;
        var (a, b) = (query.ToHashSet(), text.ToHashSet());
        var union = new HashSet<char>(a);
        union.UnionWith(b);
        a.IntersectWith(b);
        return (double)a.Count / union.Count;
    }

    /// <summary>Feast's search sorting: <c>sort_by</c> one of match_score, name, type (400 otherwise); <c>sort_order</c> asc or desc (default desc).</summary>
    private static (string SortBy, string SortOrder) SearchSorting(RestQuery query)
    {
        var sortBy = query.Optional("sort_by");
        if (!string.IsNullOrEmpty(sortBy) && !SearchSortFields.Contains(sortBy))
            throw new RestBadRequestException($"Invalid sort_by parameter: '{sortBy}'. Valid options are: ['match_score', 'name', 'type']");
        var order = query.Optional("sort_order");
        if (!string.IsNullOrEmpty(order) && order is not ("asc" or "desc"))
            throw new RestBadRequestException($"Invalid sort_order parameter: '{order}'. Valid options are: ['asc', 'desc']");
        return (string.IsNullOrEmpty(sortBy) ? "match_score" : sortBy, string.IsNullOrEmpty(order) ? "desc" : order);
    }

    /// <summary>A search's <c>page</c> or <c>limit</c>: an integer (422 otherwise) within bounds (400 otherwise, Feast's message).</summary>
    private static int SearchPaging(RestQuery query, string name, int min, int max, int fallback)
    {
        var value = query.Int(name, int.MinValue, int.MaxValue);
        if (value is null) return fallback;
        if (value < min)
            throw new RestBadRequestException($"Invalid {name} parameter: '{value}'. Must be greater than or equal to {min}");
        if (value > max)
            throw new RestBadRequestException($"Invalid {name} parameter: '{value}'. Must be less than or equal to {max}");
        return value.Value;
    }
}
