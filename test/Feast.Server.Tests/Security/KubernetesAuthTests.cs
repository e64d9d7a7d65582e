using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Feast.Configuration;
using Feast.DuckDb;
using Feast.Protos.Registry;
using Feast.Server.Security;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests.Security;

/// <summary>
/// <c>auth: {type: kubernetes}</c> on the registry server and the feature server, against the test's own fake API server
/// (loopback HTTPS, trusted through a kubeconfig the test writes): TokenReview decides who the caller is, RBAC bindings
/// give the roles, permissions decide the rest.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class KubernetesAuthTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] SaGroups = ["system:authenticated", "system:serviceaccounts", "system:serviceaccounts:ml"];

    private FakeKubernetesApi _api = null!;
    private ServerRepo _repo = null!;
    private FeatureStore _registryStore = null!, _servingStore = null!;
    private RegistryServerHost _registry = null!;
    private TestHost _serving = null!;

    public async Task InitializeAsync()
    {
        _repo = await ServerRepo.CreateAsync();
        _api = await FakeKubernetesApi.StartAsync(_repo.Root);
        FeastObject[] objects =
        [
            .. ServerRepo.Objects, .. RegistryPermissionMatrixTests.Permissions(),
            new Permission("k8s-readers", [PermissionResourceType.Entity], ["driver"], [AuthzedAction.Describe], new RoleBasedPolicy(["feast-reader"])),
            new Permission("data-team", [PermissionResourceType.FeatureView], ["driver_hourly_stats"], [AuthzedAction.Describe], new GroupBasedPolicy(["data-team"])),
            new Permission("ml-namespace", [PermissionResourceType.FeatureService], ["driver_activity_v1"], [AuthzedAction.Describe], new NamespaceBasedPolicy(["ml"])),
        ];
        await _repo.Store.ApplyAsync(objects);
        var config = _repo.Store.Config with { Auth = new KubernetesAuthConfig() };
        _registryStore = new FeatureStore(config, new FeatureStoreOptions { TimeProvider = _repo.Clock }.UseDuckDb());
        _servingStore = new FeatureStore(config, new FeatureStoreOptions { TimeProvider = _repo.Clock }.UseDuckDb());
        await _servingStore.ApplyAsync(objects);
        var connection = new KubernetesConnection(_api.KubeconfigPath);
        _registry = await RegistryServerHost.StartAsync(o => o.Store = _registryStore, s => s.AddSingleton(connection));
        _serving = await TestHost.StartAsync(_servingStore, kestrel: true, services: s => s.AddSingleton(connection));
    }

    public async Task DisposeAsync()
    {
        await _serving.DisposeAsync();
        await _registry.DisposeAsync();
        await _servingStore.DisposeAsync();
        await _registryStore.DisposeAsync();
        await _api.DisposeAsync();
        await _repo.DisposeAsync();
    }

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    private async Task<StatusCode> GetEntityAsync(string token, string name = "driver")
    {
        try
        {
            await _registry.CallAsync("GetEntity", new GetEntityRequest { Name = name, Project = "loop" }, P.Entity.Parser, Bearer(token));
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private async Task<StatusCode> CallAsync<TRequest, TResponse>(string rpc, TRequest request, Google.Protobuf.MessageParser<TResponse> parser, string token)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse> =>
        (await ListAsync(rpc, request, parser, _ => 0, token)).Code;

    /// <summary>A call's status and, when it answers, how many objects <paramref name="count"/> finds in the answer.</summary>
    private async Task<(StatusCode Code, int Count)> ListAsync<TRequest, TResponse>(string rpc, TRequest request, Google.Protobuf.MessageParser<TResponse> parser,
        Func<TResponse, int> count, string token)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse>
    {
        try
        {
            return (StatusCode.OK, count(await _registry.CallAsync(rpc, request, parser, Bearer(token))));
        }
        catch (RpcException e)
        {
            return (e.StatusCode, 0);
        }
    }

    private async Task<HttpResponseMessage> ReadOnlineAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/get-online-features")
        {
            Content = new StringContent("""{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001]}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _serving.Http.SendAsync(request);
    }

    [Fact]
    public async Task ServiceAccountsAndUsers_GetRolesGroupsAndNamespacesFromTheApiServer()
    {
        _api.Tokens["sa-reader"] = ("system:serviceaccount:ml:reader", SaGroups);
        _api.Tokens["sa-other"] = ("system:serviceaccount:ml:other", SaGroups);
        _api.Tokens["sa-dev"] = ("system:serviceaccount:dev:reader", ["system:authenticated", "system:serviceaccounts", "system:serviceaccounts:dev"]);
        _api.Tokens["user-alice"] = ("alice", ["system:authenticated", "data-team"]);
        _api.Tokens["user-bob"] = ("bob", ["system:authenticated", "ops"]);
        // The server's namespace binds ml:reader; a binding in another namespace gives nothing here.
        _api.RoleBindings.Add((FakeKubernetesApi.Namespace, "readers", "Role", "feast-reader", [("ServiceAccount", "reader", "ml")]));
        _api.RoleBindings.Add(("other", "readers", "Role", "feast-reader", [("ServiceAccount", "reader", "dev")]));
        _api.ClusterRoleBindings.Add(("alice-reads", "feast-reader", [("User", "alice", null)]));
        _api.ClusterRoleBindings.Add(("ops-reads", "feast-reader", [("Group", "ops", null)]));
        // alice administers namespace ml (Feast's data-science-project namespaces).
        _api.RoleBindings.Add(("ml", "alice-admin", "ClusterRole", "admin", [("User", "alice", null)]));

        var fv = new GetFeatureViewRequest { Name = "driver_hourly_stats", Project = "loop" };
        var fs = new GetFeatureServiceRequest { Name = "driver_activity_v1", Project = "loop" };
        var results = new Dictionary<string, (StatusCode Entity, StatusCode View, StatusCode Service)>();
        foreach (var token in new[] { "sa-reader", "sa-other", "sa-dev", "user-alice", "user-bob" })
        {
            results[token] = (await GetEntityAsync(token),
                await CallAsync("GetFeatureView", fv, P.FeatureView.Parser, token),
                await CallAsync("GetFeatureService", fs, P.FeatureService.Parser, token));
        }

        // Roles from the RoleBinding of the server's namespace (ml:reader), ClusterRoleBindings of a user or a group.
        Assert.Equal((StatusCode.OK, StatusCode.PermissionDenied, StatusCode.OK), results["sa-reader"]);
        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.OK), results["sa-other"]);
        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.PermissionDenied), results["sa-dev"]);
        Assert.Equal((StatusCode.OK, StatusCode.OK, StatusCode.OK), results["user-alice"]);
        Assert.Equal((StatusCode.OK, StatusCode.PermissionDenied, StatusCode.PermissionDenied), results["user-bob"]);
    }

    [Fact]
    public async Task TokensTheApiServerDoesNotAccept_AreUnauthenticated_EvenAForgedServiceAccountJwt()
    {
        _api.Tokens["sa-reader"] = ("system:serviceaccount:ml:reader", SaGroups);
        _api.RoleBindings.Add((FakeKubernetesApi.Namespace, "readers", "Role", "feast-reader", [("ServiceAccount", "reader", "ml")]));
        // Feast trusts the unverified sub of a service-account JWT when the review fails; this must not.
        var forged = LoopbackIdentityProvider.B64("""{"alg":"none"}""") + "." + LoopbackIdentityProvider.B64("""{"sub":"system:serviceaccount:ml:reader"}""") + ".";

        Assert.Equal(StatusCode.Unauthenticated, await GetEntityAsync("not-a-known-token"));
        Assert.Equal(StatusCode.Unauthenticated, await GetEntityAsync(forged));
        using var http = await ReadOnlineAsync(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, http.StatusCode);
        Assert.Equal(StatusCode.OK, await GetEntityAsync("sa-reader"));
    }

    [Fact]
    public async Task ApiServerFailingOrDown_IsUnavailable_503_WithoutItsAddress()
    {
        _api.Tokens["sa-reader"] = ("system:serviceaccount:ml:reader", SaGroups);
        _api.Failing = true;
        using (var failing = await ReadOnlineAsync("sa-reader"))
        {
            var body = await failing.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.StatusCode);
            Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
            Assert.DoesNotContain(_api.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), body, StringComparison.Ordinal);
            Assert.DoesNotContain("https://", body, StringComparison.Ordinal);
        }
        Assert.Equal(StatusCode.Unavailable, await GetEntityAsync("sa-reader"));

        _api.Failing = false;
        await _api.StopAsync();
        using var down = await ReadOnlineAsync("sa-other-token");
        var downBody = await down.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.DoesNotContain("127.0.0.1", downBody, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", downBody, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unavailable, await GetEntityAsync("another-token"));
    }

    [Fact]
    public async Task ReviewedTokens_AreCachedBriefly_FailedOnesAreNot()
    {
        _api.Tokens["sa-reader"] = ("system:serviceaccount:ml:reader", SaGroups);
        _api.RoleBindings.Add((FakeKubernetesApi.Namespace, "readers", "Role", "feast-reader", [("ServiceAccount", "reader", "ml")]));

        for (var i = 0; i < 5; i++) Assert.Equal(StatusCode.OK, await GetEntityAsync("sa-reader"));
        var afterGood = _api.Reviews;
        for (var i = 0; i < 3; i++) Assert.Equal(StatusCode.Unauthenticated, await GetEntityAsync("unknown"));

        Assert.Equal(1, afterGood);
        Assert.Equal(4, _api.Reviews);
    }

    /// <summary>A subset of <see cref="RegistryPermissionMatrixTests"/> with Kubernetes identities: role sets bound by RoleBindings × kinds × DESCRIBE (Get, List), and READ_ONLINE.</summary>
    [Fact]
    public async Task PermissionMatrixSubset_WithKubernetesRoles()
    {
        var kinds = RegistryPermissionMatrixTests.Kinds;
        string[][] roleSets =
        [
            [], [.. kinds.Select(k => $"{k}-describe")], ["entity-describe", "feature_view-read_online"], [.. kinds.Select(k => $"{k}-update"), "feature_view-read_online"],
        ];
        var failures = new List<string>();
        var ran = 0;
        for (var i = 0; i < roleSets.Length; i++)
        {
            var token = $"matrix-{i}";
            // Namespace mx: none of the name-scoped permissions of the other tests grant it anything.
            _api.Tokens[token] = ($"system:serviceaccount:mx:matrix-{i}", ["system:authenticated", "system:serviceaccounts", "system:serviceaccounts:mx"]);
            foreach (var role in roleSets[i]) _api.RoleBindings.Add((FakeKubernetesApi.Namespace, $"m{i}-{role}", "Role", role, [("ServiceAccount", $"matrix-{i}", "mx")]));
            var roles = roleSets[i].ToHashSet(StringComparer.Ordinal);
            foreach (var kind in kinds)
            {
                var allowed = roles.Contains($"{kind}-describe") || roles.Contains($"{kind}-update");
                var (get, list) = kind switch
                {
                    "entity" => (await CallAsync("GetEntity", new GetEntityRequest { Name = "driver", Project = "loop" }, P.Entity.Parser, token),
                        await ListAsync("ListEntities", new ListEntitiesRequest { Project = "loop" }, ListEntitiesResponse.Parser, r => r.Entities.Count, token)),
                    "data_source" => (await CallAsync("GetDataSource", new GetDataSourceRequest { Name = "driver_stats_source", Project = "loop" }, P.DataSource.Parser, token),
                        await ListAsync("ListDataSources", new ListDataSourcesRequest { Project = "loop" }, ListDataSourcesResponse.Parser, r => r.DataSources.Count, token)),
                    "feature_view" => (await CallAsync("GetFeatureView", new GetFeatureViewRequest { Name = "driver_hourly_stats_fresh", Project = "loop" }, P.FeatureView.Parser, token),
                        await ListAsync("ListFeatureViews", new ListFeatureViewsRequest { Project = "loop" }, ListFeatureViewsResponse.Parser, r => r.FeatureViews.Count, token)),
                    "on_demand_view" => (await CallAsync("GetOnDemandFeatureView", new GetOnDemandFeatureViewRequest { Name = "transformed_conv_rate", Project = "loop" }, P.OnDemandFeatureView.Parser, token),
                        await ListAsync("ListOnDemandFeatureViews", new ListOnDemandFeatureViewsRequest { Project = "loop" }, ListOnDemandFeatureViewsResponse.Parser, r => r.OnDemandFeatureViews.Count, token)),
                    "feature_service" => (await CallAsync("GetFeatureService", new GetFeatureServiceRequest { Name = "driver_activity_v1", Project = "loop" }, P.FeatureService.Parser, token),
                        await ListAsync("ListFeatureServices", new ListFeatureServicesRequest { Project = "loop" }, ListFeatureServicesResponse.Parser, r => r.FeatureServices.Count, token)),
                    "permission" => (await CallAsync("GetPermission", new GetPermissionRequest { Name = "entity-describe", Project = "loop" }, P.Permission.Parser, token),
                        await ListAsync("ListPermissions", new ListPermissionsRequest { Project = "loop" }, ListPermissionsResponse.Parser, r => r.Permissions.Count, token)),
                    _ => (await CallAsync("GetProject", new GetProjectRequest { Name = "loop" }, P.Project.Parser, token),
                        await ListAsync("ListProjects", new ListProjectsRequest(), ListProjectsResponse.Parser, r => r.Projects.Count, token)),
                };
                ran += 2;
                var expected = allowed ? StatusCode.OK : StatusCode.PermissionDenied;
                if (get != expected) failures.Add($"[{string.Join(",", roleSets[i])}] Get {kind}: {get}, expected {expected}");
                // A denied list fails (PERMISSION_DENIED) or, where a permission with name patterns denies last, hides the object (Feast's filter_only).
                var listRight = allowed ? list is { Code: StatusCode.OK, Count: > 0 } : list.Code == StatusCode.PermissionDenied || list is { Code: StatusCode.OK, Count: 0 };
                if (!listRight) failures.Add($"[{string.Join(",", roleSets[i])}] List {kind}: {list}, expected {(allowed ? "objects" : "denied or empty")}");
            }
            using var read = await ReadOnlineAsync(token);
            ran++;
            var readAllowed = roles.Contains("feature_view-read_online");
            if ((read.StatusCode == HttpStatusCode.OK) != readAllowed || (!readAllowed && read.StatusCode != HttpStatusCode.Forbidden))
                failures.Add($"[{string.Join(",", roleSets[i])}] READ_ONLINE feature view: {read.StatusCode}");
        }
        output.WriteLine($"{ran} Kubernetes permission cases ran ({roleSets.Length} role sets × ({kinds.Length} kinds × Get/List + READ_ONLINE)); {failures.Count} wrong.");
        Assert.Equal(roleSets.Length * (kinds.Length * 2 + 1), ran);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
