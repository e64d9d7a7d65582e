using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Feast.Configuration;
using Feast.DuckDb;
using Feast.Protos.Registry;
using Google.Protobuf;
using Grpc.Core;
using Xunit.Abstractions;
using M = Feast.Server.Tests.Security.RegistryPermissionMatrixTests;

namespace Feast.Server.Tests.Security;

/// <summary>
/// The REST registry API (<c>/api/v1</c>) under <c>auth: oidc</c>, over real HTTP with tokens signed by the test, for
/// the role sets of <see cref="RegistryPermissionMatrixTests"/> and a few more that mix DESCRIBE on the project with
/// DESCRIBE on some kinds (where relationships and lineage could name what the caller may not see): per-project lists
/// with relationships, <c>/all</c> lists, details, features, labels, projects, every lineage route and
/// <c>POST /registry/refresh</c>, and the lineage RPCs, which share the REST routes' filter. What a caller may describe is answered; nothing else is: no answer names an object
/// the caller may not DESCRIBE, and no relationship has an end it may not DESCRIBE (stricter than Feast, whose
/// relationships need DESCRIBE on the project only).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class RegistryRestPermissionMatrixTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Project = "loop";

    private LoopbackIdentityProvider _idp = null!;
    private ServerRepo _repo = null!;
    private FeatureStore _store = null!;
    private RestHost _host = null!;
    private RegistryServerHost _grpc = null!;

    /// <summary>The matrix kind of every object the registry holds, by the lineage type and name relationships call it.</summary>
    private readonly Dictionary<(string Type, string Name), string> _kindOf = [];

    /// <summary>The kinds the REST API writes (besides saved datasets), by matrix kind and route.</summary>
    private static readonly string[] WriteKinds = ["entity", "data_source", "feature_view", "feature_service", "permission"];

    private static string RouteOf(string kind) => kind switch
    {
        "entity" => "entities",
        "data_source" => "data_sources",
        "feature_view" => "feature_views",
        "feature_service" => "feature_services",
        _ => "permissions",
    };

    /// <summary>The body of a REST create of <paramref name="kind"/> named <paramref name="name"/> (Feast's request models).</summary>
    private static string CreateBody(string kind, string name) => kind switch
    {
        "entity" => $$"""{"name": "{{name}}", "project": "{{Project}}", "join_key": "driver_id", "value_type": 4}""",
        "data_source" => $$$"""{"name": "{{{name}}}", "project": "{{{Project}}}", "timestamp_field": "event_timestamp", "file_options": {"uri": "data/driver_stats.parquet"}}""",
        "feature_view" => $$"""{"name": "{{name}}", "project": "{{Project}}", "entities": ["driver"], "features": [{"name": "conv_rate", "value_type": 6}], "batch_source": "driver_stats_source"}""",
        "feature_service" => $$"""{"name": "{{name}}", "project": "{{Project}}", "features": [{"feature_view_name": "driver_hourly_stats", "feature_names": ["conv_rate"]}]}""",
        // A permission that grants nothing anyone here has: writing it changes no decision of the matrix.
        _ => $$$$"""{"name": "{{{{name}}}}", "project": "{{{{Project}}}}", "types": ["VALIDATION_REFERENCE"], "actions": ["READ_OFFLINE"], "policy": {"role_based_policy": {"roles": ["nobody"]}}}""",
    };

    private static List<string[]> RoleSets() =>
    [
        .. M.RoleSets(),
        ["project-describe", "entity-describe"],
        ["project-describe", "data_source-describe"],
        ["project-describe", "feature_view-describe"],
        ["project-describe", "on_demand_view-describe"],
        ["project-describe", "feature_service-describe"],
        ["project-describe", "entity-describe", "data_source-describe", "feature_view-describe"],
        ["project-describe", "feature_view-describe", "on_demand_view-describe", "feature_service-describe"],
        ["project-update", "entity-describe", "data_source-describe", "feature_view-describe", "on_demand_view-describe", "feature_service-describe"],
    ];

    private static (string Type, string Kind)? LineageOf(FeastObject obj) => obj switch
    {
        Entity => ("entity", "entity"),
        DataSource => ("dataSource", "data_source"),
        OnDemandFeatureView => ("featureView", "on_demand_view"),
        FeatureView => ("featureView", "feature_view"),
        FeatureService => ("featureService", "feature_service"),
        Permission => ("permission", "permission"),
        _ => null,
    };

    public async Task InitializeAsync()
    {
        _idp = await LoopbackIdentityProvider.StartAsync();
        _repo = await ServerRepo.CreateAsync();
        FeastObject[] objects =
        [
            .. ServerRepo.Objects.Where(o => o is not Feast.Project), .. M.Permissions(),
            .. M.Kinds.Select(k => M.Make(k, M.Updated(k), "0")),
            // What each role set tries to delete through REST.
            .. WriteKinds.SelectMany(k => Enumerable.Range(0, RoleSets().Count).Select(i => M.Make(k, $"rdel_{k}_{i}", "0"))),
            // Saved datasets: anyone may describe them; their spec.dataSources name sources through views.
            new Permission("saved_dataset-describe", [PermissionResourceType.SavedDataset], actions: [AuthzedAction.Describe], policy: Policy.AllowAll),
        ];
        await _repo.Store.ApplyAsync(objects);
        var dataset = new Feast.Protos.Core.SavedDataset
        {
            Spec = new Feast.Protos.Core.SavedDatasetSpec
            {
                Name = "upd_saved_dataset",
                Project = Project,
                Features = { M.Updated("feature_view") + ":conv_rate" },
                JoinKeys = { "driver_id" },
                Storage = new Feast.Protos.Core.SavedDatasetStorage { FileStorage = new Feast.Protos.Core.DataSource.Types.FileOptions { Uri = "data/saved.parquet" } },
            },
        };
        await _repo.Store.RegistryWriter.ApplySavedDatasetAsync(Project, dataset.ToByteArray());
        foreach (var obj in objects)
        {
            if (LineageOf(obj) is { } lineage) _kindOf[(lineage.Type, obj.Name)] = lineage.Kind;
        }
        var config = _repo.Store.Config with { Auth = new OidcAuthConfig { AuthDiscoveryUrl = _idp.DiscoveryUrl, ClientId = LoopbackIdentityProvider.ClientId } };
        _store = new FeatureStore(config, new FeatureStoreOptions { TimeProvider = _repo.Clock }.UseDuckDb());
        _host = await RestHost.StartAsync(o => o.Store = _store);
        _grpc = await RegistryServerHost.StartAsync(o => o.Store = _store);
    }

    public async Task DisposeAsync()
    {
        await _grpc.DisposeAsync();
        await _host.DisposeAsync();
        await _store.DisposeAsync();
        await _repo.DisposeAsync();
        await _idp.DisposeAsync();
    }

    private string Token(string[] roles) => _idp.Sign("""{"alg": "RS256", "typ": "JWT", "kid": "k1"}""",
        LoopbackIdentityProvider.Json(new Dictionary<string, object> { ["preferred_username"] = "ada", ["roles"] = roles, ["exp"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds() }));

    /// <summary>A lineage RPC over gRPC, answered as REST would be: 200 with its JSON, 403 when denied, 500 for any other failure.</summary>
    private async Task<(HttpStatusCode Status, JsonNode? Body)> CallAsync<TRequest, TResponse>(string rpc, TRequest request, MessageParser<TResponse> parser, string token)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        try
        {
            var response = await _grpc.CallAsync(rpc, request, parser, new Metadata { { "authorization", "Bearer " + token } });
            return (HttpStatusCode.OK, JsonNode.Parse(JsonFormatter.Default.Format(response)));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
        {
            return (HttpStatusCode.Forbidden, null);
        }
        catch (RpcException e)
        {
            return (HttpStatusCode.InternalServerError, JsonValue.Create($"{e.StatusCode} {e.Status.Detail}"));
        }
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string route, string token, string? body = null)
    {
        using var request = new HttpRequestMessage(method, "api/v1/" + route);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await _host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Every string of <paramref name="node"/>: values and property names (relationship maps are keyed by object name).</summary>
    private static IEnumerable<string> Strings(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    yield return key;
                    foreach (var s in Strings(value)) yield return s;
                }
                break;
            case JsonArray array:
                foreach (var s in array.SelectMany(Strings)) yield return s;
                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                yield return text;
                break;
        }
    }

    /// <summary>Every relationship end (<c>{"type", "name"}</c> under <c>source</c> or <c>target</c>) anywhere in <paramref name="node"/>.</summary>
    private static IEnumerable<(string Type, string Name)> Ends(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var side in new[] { "source", "target" })
                {
                    if (obj[side] is JsonObject { } end && end["type"]?.GetValue<string>() is { } type && end["name"]?.GetValue<string>() is { } name)
                        yield return (type, name);
                }
                foreach (var (_, value) in obj)
                {
                    foreach (var e in Ends(value)) yield return e;
                }
                break;
            case JsonArray array:
                foreach (var e in array.SelectMany(Ends)) yield return e;
                break;
        }
    }

    [Fact]
    public async Task RoleSets25_x_RestRoutes55_AndLineageRpcs2_NoUnauthorisedReadOrWrite_AndEveryAllowedCallServed()
    {
        var failures = new List<string>();
        int ran = 0, perRoleSet = 0;
        var roleSets = RoleSets();
        for (var setIndex = 0; setIndex < roleSets.Count; setIndex++)
        {
            var set = roleSets[setIndex];
            var roles = new HashSet<string>(set, StringComparer.Ordinal);
            bool Has(string kind, string action) => roles.Contains($"{kind}-{action}");
            bool CanDescribe(string kind) => Has(kind, "describe") || Has(kind, "update");
            var views = CanDescribe("feature_view") && CanDescribe("on_demand_view");
            var project = CanDescribe("project");
            var token = Token(set);
            var who = $"[{string.Join(",", set)}]";
            var hidden = M.Kinds.Where(k => k != "project" && !CanDescribe(k)).Select(M.Updated).ToHashSet(StringComparer.Ordinal);
            var cases = 0;

            // One GET (or POST, or a gRPC call): served with `expected` names when allowed; otherwise 403 or an answer without what is denied.
            async Task Check(string route, bool allowed, params string[] expected)
            {
                var method = route.StartsWith("POST ", StringComparison.Ordinal) ? HttpMethod.Post : HttpMethod.Get;
                await CheckAnswer(route, method, allowed, expected, await SendAsync(method, method == HttpMethod.Post ? route[5..] : route, token));
            }

            // A write (POST with a body, or DELETE): served when allowed, 403 otherwise.
            async Task CheckWrite(HttpMethod method, string route, string? body, bool allowed) =>
                await CheckAnswer($"{method} {route}", method, allowed, [], await SendAsync(method, route, token, body));

            async Task CheckAnswer(string route, HttpMethod method, bool allowed, string[] expected, (HttpStatusCode Status, JsonNode? Body) answer)
            {
                cases++;
                ran++;
                var (status, body) = answer;
                if (status == HttpStatusCode.Created && method == HttpMethod.Post) status = HttpStatusCode.OK;
                if (status is not (HttpStatusCode.OK or HttpStatusCode.Forbidden))
                {
                    failures.Add($"{who} {route}: {(int)status} {body?.ToJsonString()}");
                    return;
                }
                if (allowed && status != HttpStatusCode.OK)
                {
                    failures.Add($"{who} {route}: denied, expected allowed ({body?["detail"]})");
                    return;
                }
                if (method != HttpMethod.Get && !allowed && status != HttpStatusCode.Forbidden) failures.Add($"{who} {route}: allowed, expected denied");
                if (status != HttpStatusCode.OK) return;
                var strings = Strings(body).ToHashSet(StringComparer.Ordinal);
                foreach (var name in hidden.Where(strings.Contains)) failures.Add($"{who} {route}: unauthorised read of {name}");
                foreach (var (type, name) in Ends(body).Distinct())
                {
                    if (_kindOf.TryGetValue((type, name), out var kind) && !CanDescribe(kind))
                        failures.Add($"{who} {route}: relationship names {type}:{name}, which it may not describe");
                }
                if (allowed)
                {
                    foreach (var name in expected.Where(n => !strings.Contains(n))) failures.Add($"{who} {route}: {name} missing");
                }
            }

            const string Q = "?project=" + Project + "&include_relationships=true";
            // Per-project lists, with relationships (the seven calls of every UI page but /projects).
            await Check("entities" + Q, CanDescribe("entity"), M.Updated("entity"));
            await Check("data_sources" + Q, CanDescribe("data_source"), M.Updated("data_source"));
            await Check("feature_views" + Q, views, M.Updated("feature_view"), M.Updated("on_demand_view"));
            await Check("feature_services" + Q, CanDescribe("feature_service"), M.Updated("feature_service"));
            await Check("permissions" + Q, CanDescribe("permission"), M.Updated("permission"));
            await Check("saved_datasets" + Q, true, "upd_saved_dataset");
            // A saved dataset names its features' batch sources only when the caller may describe view and source.
            var (_, datasets) = await SendAsync(HttpMethod.Get, "saved_datasets" + Q, token);
            var sourced = datasets?["savedDatasets"]?.AsArray().Any(d => d?["spec"]?["dataSources"] is JsonArray { Count: > 0 }) ?? false;
            if (sourced != (CanDescribe("feature_view") && CanDescribe("data_source"))) failures.Add($"{who} saved_datasets: spec.dataSources {(sourced ? "named" : "missing")}");
            await Check("label_views" + Q, true);

            // Cross-project lists: the projects the caller may describe, then their objects.
            await Check("entities/all?include_relationships=true", project && CanDescribe("entity"), M.Updated("entity"));
            await Check("data_sources/all?include_relationships=true", project && CanDescribe("data_source"), M.Updated("data_source"));
            await Check("feature_views/all?include_relationships=true", project && views, M.Updated("feature_view"), M.Updated("on_demand_view"));
            await Check("feature_services/all?include_relationships=true", project && CanDescribe("feature_service"), M.Updated("feature_service"));
            await Check("saved_datasets/all?include_relationships=true", project, "upd_saved_dataset");
            await Check("label_views/all?include_relationships=true", project);

            // Details with relationships; an entity's detail lists its data sources, as Feast's (ListDataSources).
            await Check("entities/" + M.Updated("entity") + Q, CanDescribe("entity") && CanDescribe("data_source"), M.Updated("entity"));
            await Check("entities/driver" + Q, CanDescribe("entity") && CanDescribe("data_source"), "driver");
            await Check("data_sources/driver_stats_source" + Q, CanDescribe("data_source"), "driver_stats_source");
            await Check("feature_views/" + M.Updated("feature_view") + Q, CanDescribe("feature_view"), M.Updated("feature_view"));
            await Check("feature_views/" + M.Updated("on_demand_view") + Q, CanDescribe("on_demand_view"), M.Updated("on_demand_view"));
            await Check("feature_services/" + M.Updated("feature_service") + Q, CanDescribe("feature_service"), M.Updated("feature_service"));
            await Check("permissions/" + M.Updated("permission") + Q, CanDescribe("permission"), M.Updated("permission"));
            await Check("projects/" + Project, project, Project);

            // Features (of the views the caller may describe) and labels.
            await Check("features" + Q, views, M.Updated("feature_view"), M.Updated("on_demand_view"));
            await Check("features/all?include_relationships=true", project && views, M.Updated("feature_view"));
            await Check($"features/{M.Updated("feature_view")}/conv_rate{Q}", views, M.Updated("feature_view"));
            await Check("labels" + Q, views);

            // Projects: the list holds the project only when the caller may describe it.
            cases++;
            ran++;
            var (projectsStatus, projects) = await SendAsync(HttpMethod.Get, "projects", token);
            var listed = projectsStatus == HttpStatusCode.OK && projects!["projects"]!.AsArray().Any(p => p!["spec"]!["name"]!.GetValue<string>() == Project);
            if (listed != project) failures.Add($"{who} projects: {Project} {(listed ? "listed" : "missing")} ({(int)projectsStatus})");

            // Lineage: DESCRIBE on the project, then only relationships between objects the caller may describe.
            var fvLinked = project && CanDescribe("entity") && CanDescribe("feature_view");
            await Check($"lineage/registry?project={Project}", project, fvLinked ? [M.Updated("feature_view")] : []);
            await Check($"lineage/objects/entity/driver?project={Project}&include_indirect=true", project, fvLinked ? [M.Updated("feature_view")] : []);
            await Check($"lineage/objects/featureView/{M.Updated("feature_view")}?project={Project}", project);
            await Check($"lineage/complete?project={Project}",
                project && CanDescribe("entity") && CanDescribe("data_source") && views && CanDescribe("feature_service"), M.Updated("feature_service"));
            await Check("lineage/registry/all", project, fvLinked ? [M.Updated("feature_view")] : []);
            await Check("lineage/complete/all", project && CanDescribe("entity") && CanDescribe("data_source") && views && CanDescribe("feature_service"));

            // The lineage RPCs share the REST routes' filter.
            await CheckAnswer("gRPC GetRegistryLineage", HttpMethod.Get, project, fvLinked ? [M.Updated("feature_view")] : [],
                await CallAsync("GetRegistryLineage", new GetRegistryLineageRequest { Project = Project }, GetRegistryLineageResponse.Parser, token));
            await CheckAnswer("gRPC GetObjectRelationships", HttpMethod.Get, project, fvLinked ? [M.Updated("feature_view")] : [],
                await CallAsync("GetObjectRelationships", new GetObjectRelationshipsRequest { Project = Project, ObjectType = "entity", ObjectName = "driver", IncludeIndirect = true },
                    GetObjectRelationshipsResponse.Parser, token));

            // Refresh: UPDATE on the served project, as Feast's.
            await Check("POST registry/refresh", Has("project", "update"));

            // Search and metrics: over what the caller may list; a kind it may not list is left out (search names it in errors).
            string[] Describable(params string[] kinds) => project ? [.. kinds.Where(CanDescribe).Select(M.Updated)] : [];
            await Check("search?query=upd_", true, Describable("entity", "data_source", "feature_service"));
            await Check($"metrics/resource_counts?project={Project}", true, CanDescribe("feature_service") ? [M.Updated("feature_service")] : []);
            // Without a project, Feast lists the projects first (ListProjects): a caller that may not describe the project is refused.
            await Check("metrics/resource_counts", project, Describable("feature_service"));
            await Check($"metrics/popular_tags?project={Project}", views);
            await Check("metrics/popular_tags", project && views);
            await Check($"metrics/recently_visited?project={Project}", project);
            // Compute engines and materialization jobs: over the batch views the caller may list.
            await Check($"compute_engines?project={Project}", CanDescribe("feature_view"), CanDescribe("feature_view") ? [M.Updated("feature_view")] : []);
            await Check("compute_engines/all", project && CanDescribe("feature_view"));
            await Check($"materialization_jobs?project={Project}", CanDescribe("feature_view"));
            // A saved dataset's rows need READ_OFFLINE on it, which no role here has.
            await Check($"saved_datasets/data/upd_saved_dataset?project={Project}", false);

            // Writes: CREATE for a new object, DELETE for a delete, per kind; saved datasets need permissions no role here has.
            foreach (var kind in WriteKinds)
            {
                await CheckWrite(HttpMethod.Post, RouteOf(kind), CreateBody(kind, $"rnew_{kind}_{setIndex}"), Has(kind, "create"));
                await CheckWrite(HttpMethod.Delete, $"{RouteOf(kind)}/rdel_{kind}_{setIndex}?project={Project}", null, Has(kind, "delete"));
            }
            await CheckWrite(HttpMethod.Post, "saved_datasets",
                $$"""{"name": "rnew_saved_dataset_{{setIndex}}", "project": "{{Project}}", "storage_path": "data/saved.parquet", "features": ["{{M.Updated("feature_view")}}:conv_rate"]}""", false);
            await CheckWrite(HttpMethod.Delete, $"saved_datasets/upd_saved_dataset?project={Project}", null, false);
            perRoleSet = cases;
        }

        output.WriteLine($"{ran} permission cases ran: {roleSets.Count} role sets × {perRoleSet} calls (55 REST routes, 2 lineage RPCs); {failures.Count} wrong.");
        Assert.True(ran == roleSets.Count * 57, $"{ran} cases ran");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(200)));
    }
}
