using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Feast.Configuration;
using Feast.DuckDb;
using Feast.Online;
using Feast.Protos.Registry;
using Feast.Registry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Xunit.Abstractions;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests.Security;

/// <summary>
/// Role sets × actions × object kinds against the registry server (gRPC: DESCRIBE through Get and List, CREATE, UPDATE,
/// DELETE) and the feature server (HTTP: READ_ONLINE, WRITE_ONLINE), both under <c>auth: oidc</c> with tokens signed by
/// the test: every call is allowed exactly when a permission grants it, and what a denied call would have read or
/// written is checked in the store — no unauthorised read, no unauthorised write.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class RegistryPermissionMatrixTests(ITestOutputHelper output) : IAsyncLifetime
{
    internal static readonly string[] Kinds = ["entity", "data_source", "feature_view", "on_demand_view", "feature_service", "permission", "project"];
    private static readonly string[] Crud = ["describe", "create", "update", "delete"];
    private static readonly string[] Online = ["read_online", "write_online"];

    private LoopbackIdentityProvider _idp = null!;
    private ServerRepo _repo = null!;
    private FeatureStore _registryStore = null!, _servingStore = null!;
    private RegistryServerHost _registry = null!;
    private TestHost _serving = null!;

    private enum Outcome { Served, Denied, Refused }

    private static PermissionResourceType TypeOf(string kind) => kind switch
    {
        "entity" => PermissionResourceType.Entity,
        "data_source" => PermissionResourceType.DataSource,
        "feature_view" => PermissionResourceType.FeatureView,
        "on_demand_view" => PermissionResourceType.OnDemandFeatureView,
        "feature_service" => PermissionResourceType.FeatureService,
        "permission" => PermissionResourceType.Permission,
        _ => PermissionResourceType.Project,
    };

    /// <summary>One permission per kind and action, granted to the role "kind-action"; "update" grants DESCRIBE and UPDATE, as Feast's update asks both.</summary>
    internal static IEnumerable<Permission> Permissions() =>
        from kind in Kinds
        from action in Crud.Concat(Online)
        select new Permission($"{kind}-{action}", [TypeOf(kind)], actions: action switch
        {
            "describe" => [AuthzedAction.Describe],
            "create" => [AuthzedAction.Create],
            "update" => [AuthzedAction.Describe, AuthzedAction.Update],
            "delete" => [AuthzedAction.Delete],
            "read_online" => [AuthzedAction.ReadOnline],
            _ => [AuthzedAction.WriteOnline],
        }, policy: new RoleBasedPolicy([$"{kind}-{action}"]));

    internal static List<string[]> RoleSets()
    {
        List<string[]> sets = [[], ["unrelated"]];
        foreach (var action in Crud.Concat(Online)) sets.Add([.. Kinds.Select(k => $"{k}-{action}")]);
        foreach (var kind in Kinds) sets.Add([.. Crud.Concat(Online).Select(a => $"{kind}-{a}")]);
        sets.Add(["entity-describe", "feature_view-update", "permission-delete", "data_source-create", "on_demand_view-read_online", "feature_view-read_online"]);
        sets.Add([.. Kinds.SelectMany(k => Crud.Concat(Online).Select(a => $"{k}-{a}"))]);
        return sets;
    }

    /// <summary>An object of <paramref name="kind"/> named <paramref name="name"/>, tagged with its revision.</summary>
    internal static FeastObject Make(string kind, string name, string rev)
    {
        var tags = new Dictionary<string, string> { ["rev"] = rev };
        return kind switch
        {
            "entity" => new Entity(name, ["driver_id"], ValueType.Int64, tags: tags),
            "data_source" => new FileSource("data/driver_stats.parquet", "event_timestamp", name: name, createdTimestampColumn: "created", tags: tags),
            "feature_view" => new FeatureView(name, ServerRepo.Source, [ServerRepo.Driver], TimeSpan.FromDays(1), [new Field("conv_rate", FeastType.Float32)], tags: tags),
            "on_demand_view" => new OnDemandFeatureView(name, [ServerRepo.Stats, ServerRepo.Request],
                [new Field("conv_rate_plus_val1", FeastType.Float64), new Field("conv_rate_plus_val2", FeastType.Float64)],
                transform: (Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>>)ServerRepo.Add, tags: tags),
            "feature_service" => new FeatureService(name, [ServerRepo.Stats.Select("conv_rate")], tags: tags),
            // A permission that grants nothing anyone here has: writing it changes no decision of the matrix.
            "permission" => new Permission(name, [PermissionResourceType.SavedDataset], actions: [AuthzedAction.ReadOffline], policy: new RoleBasedPolicy(["nobody"]), tags: tags),
            _ => new Project("loop", tags: tags),
        };
    }

    internal static string Updated(string kind) => kind == "project" ? "loop" : $"upd_{kind}";

    private FeastObject[] _objects = [];

    public async Task InitializeAsync()
    {
        _idp = await LoopbackIdentityProvider.StartAsync();
        _repo = await ServerRepo.CreateAsync();
        var roleSets = RoleSets().Count;
        _objects =
        [
            .. ServerRepo.Objects.Where(o => o is not Project), .. Permissions(),
            .. Kinds.Select(k => Make(k, Updated(k), "0")),
            .. Kinds.Where(k => k != "project").SelectMany(k => Enumerable.Range(0, roleSets).Select(i => Make(k, $"del_{k}_{i}", "0"))),
        ];
        await _repo.Store.ApplyAsync(_objects);
        var config = _repo.Store.Config with { Auth = new OidcAuthConfig { AuthDiscoveryUrl = _idp.DiscoveryUrl, ClientId = LoopbackIdentityProvider.ClientId } };
        _registryStore = new FeatureStore(config, new FeatureStoreOptions { TimeProvider = _repo.Clock }.UseDuckDb());
        _servingStore = new FeatureStore(config, new FeatureStoreOptions { TimeProvider = _repo.Clock }.UseDuckDb());
        // An unchanged apply: the serving store learns the on-demand view's C# delegate.
        await _servingStore.ApplyAsync(_objects);
        _registry = await RegistryServerHost.StartAsync(o => o.Store = _registryStore);
        _serving = await TestHost.StartAsync(_servingStore, kestrel: true);
    }

    public async Task DisposeAsync()
    {
        await _serving.DisposeAsync();
        await _registry.DisposeAsync();
        await _servingStore.DisposeAsync();
        await _registryStore.DisposeAsync();
        await _repo.DisposeAsync();
        await _idp.DisposeAsync();
    }

    private string Token(string[] roles) => _idp.Sign("""{"alg": "RS256", "typ": "JWT", "kid": "k1"}""",
        LoopbackIdentityProvider.Json(new Dictionary<string, object> { ["preferred_username"] = "ada", ["roles"] = roles, ["exp"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds() }));

    private async Task<(Outcome Outcome, TResponse? Response, string Error)> CallAsync<TRequest, TResponse>(string rpc, TRequest request, MessageParser<TResponse> parser, string token)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        try
        {
            return (Outcome.Served, await _registry.CallAsync(rpc, request, parser, new Metadata { { "authorization", "Bearer " + token } }), "");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
        {
            return (Outcome.Denied, null, "");
        }
        catch (RpcException e)
        {
            return (Outcome.Refused, null, $"{e.StatusCode} {e.Status.Detail}");
        }
    }

    private static T Message<T>(FeastObject obj) where T : IMessage<T>, new() => JsonParser.Default.Parse<T>(FeastObjectJson.Format(obj, "loop"));

    private Task<(Outcome, IMessage?, string)> GetAsync(string kind, string name, string token) => kind switch
    {
        "entity" => Widen(CallAsync("GetEntity", new GetEntityRequest { Name = name, Project = "loop" }, P.Entity.Parser, token)),
        "data_source" => Widen(CallAsync("GetDataSource", new GetDataSourceRequest { Name = name, Project = "loop" }, P.DataSource.Parser, token)),
        "feature_view" => Widen(CallAsync("GetFeatureView", new GetFeatureViewRequest { Name = name, Project = "loop" }, P.FeatureView.Parser, token)),
        "on_demand_view" => Widen(CallAsync("GetOnDemandFeatureView", new GetOnDemandFeatureViewRequest { Name = name, Project = "loop" }, P.OnDemandFeatureView.Parser, token)),
        "feature_service" => Widen(CallAsync("GetFeatureService", new GetFeatureServiceRequest { Name = name, Project = "loop" }, P.FeatureService.Parser, token)),
        "permission" => Widen(CallAsync("GetPermission", new GetPermissionRequest { Name = name, Project = "loop" }, P.Permission.Parser, token)),
        _ => Widen(CallAsync("GetProject", new GetProjectRequest { Name = name }, P.Project.Parser, token)),
    };

    private async Task<(Outcome, IReadOnlyList<string>, string)> ListAsync(string kind, string token)
    {
        static (Outcome, IReadOnlyList<string>, string) Names<T>((Outcome O, T? R, string E) r, Func<T, IEnumerable<string>> names) where T : class =>
            (r.O, r.R is null ? [] : [.. names(r.R)], r.E);
        return kind switch
        {
            "entity" => Names(await CallAsync("ListEntities", new ListEntitiesRequest { Project = "loop" }, ListEntitiesResponse.Parser, token), r => r.Entities.Select(e => e.Spec.Name)),
            "data_source" => Names(await CallAsync("ListDataSources", new ListDataSourcesRequest { Project = "loop" }, ListDataSourcesResponse.Parser, token), r => r.DataSources.Select(d => d.Name)),
            "feature_view" => Names(await CallAsync("ListFeatureViews", new ListFeatureViewsRequest { Project = "loop" }, ListFeatureViewsResponse.Parser, token), r => r.FeatureViews.Select(v => v.Spec.Name)),
            "on_demand_view" => Names(await CallAsync("ListOnDemandFeatureViews", new ListOnDemandFeatureViewsRequest { Project = "loop" }, ListOnDemandFeatureViewsResponse.Parser, token), r => r.OnDemandFeatureViews.Select(v => v.Spec.Name)),
            "feature_service" => Names(await CallAsync("ListFeatureServices", new ListFeatureServicesRequest { Project = "loop" }, ListFeatureServicesResponse.Parser, token), r => r.FeatureServices.Select(s => s.Spec.Name)),
            "permission" => Names(await CallAsync("ListPermissions", new ListPermissionsRequest { Project = "loop" }, ListPermissionsResponse.Parser, token), r => r.Permissions.Select(p => p.Spec.Name)),
            _ => Names(await CallAsync("ListProjects", new ListProjectsRequest(), ListProjectsResponse.Parser, token), r => r.Projects.Select(p => p.Spec.Name)),
        };
    }

    private Task<(Outcome, IMessage?, string)> ApplyAsync(string kind, FeastObject obj, string token) => kind switch
    {
        "entity" => Widen(CallAsync("ApplyEntity", new ApplyEntityRequest { Entity = Message<P.Entity>(obj), Project = "loop" }, Empty.Parser, token)),
        "data_source" => Widen(CallAsync("ApplyDataSource", new ApplyDataSourceRequest { DataSource = Message<P.DataSource>(obj), Project = "loop" }, Empty.Parser, token)),
        "feature_view" => Widen(CallAsync("ApplyFeatureView", new ApplyFeatureViewRequest { FeatureView = Message<P.FeatureView>(obj), Project = "loop" }, Empty.Parser, token)),
        "on_demand_view" => Widen(CallAsync("ApplyFeatureView", new ApplyFeatureViewRequest { OnDemandFeatureView = Message<P.OnDemandFeatureView>(obj), Project = "loop" }, Empty.Parser, token)),
        "feature_service" => Widen(CallAsync("ApplyFeatureService", new ApplyFeatureServiceRequest { FeatureService = Message<P.FeatureService>(obj), Project = "loop" }, Empty.Parser, token)),
        "permission" => Widen(CallAsync("ApplyPermission", new ApplyPermissionRequest { Permission = Message<P.Permission>(obj), Project = "loop" }, Empty.Parser, token)),
        _ => Widen(CallAsync("ApplyProject", new ApplyProjectRequest { Project = Message<P.Project>(obj) }, Empty.Parser, token)),
    };

    private Task<(Outcome, IMessage?, string)> DeleteAsync(string kind, string name, string token) => kind switch
    {
        "entity" => Widen(CallAsync("DeleteEntity", new DeleteEntityRequest { Name = name, Project = "loop" }, Empty.Parser, token)),
        "data_source" => Widen(CallAsync("DeleteDataSource", new DeleteDataSourceRequest { Name = name, Project = "loop" }, Empty.Parser, token)),
        "feature_view" or "on_demand_view" => Widen(CallAsync("DeleteFeatureView", new DeleteFeatureViewRequest { Name = name, Project = "loop" }, Empty.Parser, token)),
        "feature_service" => Widen(CallAsync("DeleteFeatureService", new DeleteFeatureServiceRequest { Name = name, Project = "loop" }, Empty.Parser, token)),
        _ => Widen(CallAsync("DeletePermission", new DeletePermissionRequest { Name = name, Project = "loop" }, Empty.Parser, token)),
    };

    private static async Task<(Outcome, IMessage?, string)> Widen<T>(Task<(Outcome, T?, string)> call) where T : class, IMessage
    {
        var (outcome, response, error) = await call;
        return (outcome, response, error);
    }

    /// <summary>The revision tag the store holds for the object, or null when it holds no such object.</summary>
    private async Task<string?> StoredRevisionAsync(string kind, string name)
    {
        var registry = P.Registry.Parser.ParseFrom((await _repo.Store.RegistryStore.ReadAsync())!.ToByteArray());
        Google.Protobuf.Collections.MapField<string, string>? tags = kind switch
        {
            "entity" => registry.Entities.FirstOrDefault(e => e.Spec.Name == name)?.Spec.Tags,
            "data_source" => registry.DataSources.FirstOrDefault(d => d.Name == name)?.Tags,
            "feature_view" => registry.FeatureViews.FirstOrDefault(v => v.Spec.Name == name)?.Spec.Tags,
            "on_demand_view" => registry.OnDemandFeatureViews.FirstOrDefault(v => v.Spec.Name == name)?.Spec.Tags,
            "feature_service" => registry.FeatureServices.FirstOrDefault(s => s.Spec.Name == name)?.Spec.Tags,
            "permission" => registry.Permissions.FirstOrDefault(p => p.Spec.Name == name)?.Spec.Tags,
            _ => registry.Projects.FirstOrDefault(p => p.Spec.Name == name)?.Spec.Tags,
        };
        return tags is null ? null : tags.TryGetValue("rev", out var rev) ? rev : "";
    }

    private async Task<Outcome> HttpAsync(string path, string body, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _serving.Http.SendAsync(request);
        return response.StatusCode == HttpStatusCode.Forbidden ? Outcome.Denied : response.IsSuccessStatusCode ? Outcome.Served : Outcome.Refused;
    }

    [Fact]
    public async Task RoleSets_x_Actions_x_Kinds_OverRegistryAndFeatureServer_NoUnauthorisedReadOrWrite()
    {
        var failures = new List<string>();
        var revisions = Kinds.ToDictionary(k => k, _ => "0");
        var onlineWrites = new List<(long Id, bool Allowed, string What)>();
        int ran = 0, grpcCases = 0, httpCases = 0;
        var roleSets = RoleSets();
        for (var i = 0; i < roleSets.Count; i++)
        {
            var roles = new HashSet<string>(roleSets[i], StringComparer.Ordinal);
            bool Has(string kind, string action) => roles.Contains($"{kind}-{action}");
            bool CanDescribe(string kind) => Has(kind, "describe") || Has(kind, "update");
            var token = Token(roleSets[i]);
            var who = $"[{string.Join(",", roleSets[i])}]";

            void Check(string what, bool allowed, Outcome outcome, string error)
            {
                ran++;
                if (outcome == Outcome.Refused) failures.Add($"{who} {what}: refused ({error}), expected {(allowed ? "allowed" : "denied")}");
                else if (allowed != (outcome == Outcome.Served)) failures.Add($"{who} {what}: expected {(allowed ? "allowed" : "denied")}, got {outcome}");
            }

            foreach (var kind in Kinds)
            {
                // DESCRIBE through Get: the object comes back only when allowed.
                var (got, message, error) = await GetAsync(kind, Updated(kind), token);
                Check($"DESCRIBE Get {kind}", CanDescribe(kind), got, error);
                if (got == Outcome.Served && !CanDescribe(kind)) failures.Add($"{who} Get {kind}: unauthorised read of {message}");

                // DESCRIBE through List: Feast fails a list its permissions (without name patterns) deny.
                var (listed, names, listError) = await ListAsync(kind, token);
                Check($"DESCRIBE List {kind}", CanDescribe(kind), listed, listError);
                if (!CanDescribe(kind) && names.Count > 0) failures.Add($"{who} List {kind}: unauthorised read of {string.Join(",", names)}");
                if (CanDescribe(kind) && listed == Outcome.Served && !names.Contains(Updated(kind))) failures.Add($"{who} List {kind}: {Updated(kind)} missing");

                // CREATE (the project cannot be created here: the server serves one project).
                if (kind != "project")
                {
                    var name = $"new_{kind}_{i}";
                    var (created, _, createError) = await ApplyAsync(kind, Make(kind, name, "1"), token);
                    Check($"CREATE {kind}", Has(kind, "create"), created, createError);
                    var stored = await StoredRevisionAsync(kind, name) is not null;
                    if (stored != Has(kind, "create")) failures.Add($"{who} CREATE {kind}: {name} {(stored ? "was written" : "is missing")}");
                }

                // UPDATE: DESCRIBE and UPDATE on the stored object and the new one.
                var rev = $"{i + 1}";
                var (updated, _, updateError) = await ApplyAsync(kind, Make(kind, Updated(kind), rev), token);
                Check($"UPDATE {kind}", Has(kind, "update"), updated, updateError);
                if (Has(kind, "update")) revisions[kind] = rev;
                var now = await StoredRevisionAsync(kind, Updated(kind));
                if (now != revisions[kind]) failures.Add($"{who} UPDATE {kind}: stored revision {now}, expected {revisions[kind]}");

                // DELETE (no DeleteProject RPC).
                if (kind != "project")
                {
                    var name = $"del_{kind}_{i}";
                    var (deleted, _, deleteError) = await DeleteAsync(kind, name, token);
                    Check($"DELETE {kind}", Has(kind, "delete"), deleted, deleteError);
                    var stored = await StoredRevisionAsync(kind, name) is not null;
                    if (stored == Has(kind, "delete")) failures.Add($"{who} DELETE {kind}: {name} {(stored ? "is still there" : "was deleted")}");
                }
            }

            // Views of any kind: GetAnyFeatureView, ListAllFeatureViews; the whole registry: Proto.
            foreach (var (kind, view) in new[] { ("feature_view", "driver_hourly_stats"), ("on_demand_view", "transformed_conv_rate") })
            {
                var (any, _, anyError) = await Widen(CallAsync("GetAnyFeatureView", new GetAnyFeatureViewRequest { Name = view, Project = "loop" }, GetAnyFeatureViewResponse.Parser, token));
                Check($"DESCRIBE GetAnyFeatureView {kind}", CanDescribe(kind), any, anyError);
            }
            var (all, allViews, allError) = await CallAsync("ListAllFeatureViews", new ListAllFeatureViewsRequest { Project = "loop" }, ListAllFeatureViewsResponse.Parser, token);
            Check("DESCRIBE ListAllFeatureViews", CanDescribe("feature_view") && CanDescribe("on_demand_view"), all, allError);
            var (proto, registry, protoError) = await CallAsync("Proto", new Empty(), P.Registry.Parser, token);
            Check("DESCRIBE Proto", Kinds.All(CanDescribe), proto, protoError);
            grpcCases += Kinds.Length * 5 - 2 + 4;

            // The feature server: READ_ONLINE and WRITE_ONLINE.
            const string Request = "\"val_to_add\": [0], \"val_to_add_2\": [0]";
            Check("READ_ONLINE feature view", Has("feature_view", "read_online"),
                await HttpAsync("/get-online-features", """{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001]}}""", token), "");
            Check("READ_ONLINE on-demand view", Has("on_demand_view", "read_online") && Has("feature_view", "read_online"),
                await HttpAsync("/get-online-features", $$$"""{"features": ["transformed_conv_rate:conv_rate_plus_val1"], "entities": {"driver_id": [1001], {{{Request}}}}}""", token), "");
            Check("READ_ONLINE feature service", Has("feature_service", "read_online") && Has("feature_view", "read_online"),
                await HttpAsync("/get-online-features", $$$"""{"feature_service": "driver_activity_v1", "entities": {"driver_id": [1001], {{{Request}}}}}""", token), "");
            var id = 7000L + i;
            Check("WRITE_ONLINE feature view", Has("feature_view", "write_online"),
                await HttpAsync("/write-to-online-store", $$$"""{"feature_view_name": "driver_hourly_stats", "df": {"driver_id": [{{{id}}}], "event_timestamp": ["2021-04-12T12:30:00Z"], "created": ["2021-04-12T12:30:00Z"], "conv_rate": [0.75], "acc_rate": [0.5], "avg_daily_trips": [7]}}""", token), "");
            onlineWrites.Add((id, Has("feature_view", "write_online"), $"{who} WRITE_ONLINE feature view"));
            httpCases += 4;
        }

        var read = await _repo.Store.GetOnlineFeaturesAsync(["driver_hourly_stats:conv_rate"],
            onlineWrites.Select(w => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = w.Id }).ToList());
        for (var w = 0; w < onlineWrites.Count; w++)
        {
            var present = read["conv_rate"].Statuses[w] == FeatureStatus.Present;
            if (present != onlineWrites[w].Allowed) failures.Add($"{onlineWrites[w].What}: row {onlineWrites[w].Id} {(present ? "was written" : "is missing")}");
        }

        output.WriteLine($"{ran} permission cases ran: {roleSets.Count} role sets × ({grpcCases / roleSets.Count} registry-server gRPC cases over " +
            $"{Kinds.Length} kinds + {httpCases / roleSets.Count} feature-server HTTP cases); {failures.Count} wrong.");
        Assert.True(ran == roleSets.Count * (Kinds.Length * 5 - 2 + 4 + 4), $"{ran} cases ran");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
