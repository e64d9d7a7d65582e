using Feast.Configuration;
using Feast.DuckDb;
using Feast.Permissions;
using Feast.Protos.Registry;
using Feast.Registry;
using Feast.Server.RegistryServer;
using Google.Protobuf;
using Grpc.Core;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests.Security;

/// <summary>
/// Lists filtered by permissions are kept per registry version and per what the filter reads of the caller (roles,
/// groups, namespaces, whether it has a name): callers with other roles never see each other's kept answer, callers
/// with the same roles share one, and a write is seen by every caller's next list.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class RegistryListCacheAuthTests : IAsyncLifetime
{
    private LoopbackIdentityProvider _idp = null!;
    private ServerRepo _repo = null!;
    private FeatureStore _registryStore = null!;
    private RegistryServerHost _registry = null!;

    private static FeatureView View(string name) =>
        new(name, ServerRepo.Source, [ServerRepo.Driver], TimeSpan.FromDays(1), [new Field("conv_rate", FeastType.Float32)]);

    public async Task InitializeAsync()
    {
        _idp = await LoopbackIdentityProvider.StartAsync();
        _repo = await ServerRepo.CreateAsync();
        await _repo.Store.ApplyAsync([
            .. ServerRepo.Objects, View("a_one"), View("b_one"),
            new Permission("a_views", [PermissionResourceType.FeatureView], ["a_.*"], [AuthzedAction.Describe], new RoleBasedPolicy(["a"])),
            new Permission("b_views", [PermissionResourceType.FeatureView], ["b_.*"], [AuthzedAction.Describe], new RoleBasedPolicy(["b"])),
            new Permission("writers", [PermissionResourceType.FeatureView], actions: [AuthzedAction.Create], policy: new RoleBasedPolicy(["w"])),
        ]);
        var config = _repo.Store.Config with { Auth = new OidcAuthConfig { AuthDiscoveryUrl = _idp.DiscoveryUrl, ClientId = LoopbackIdentityProvider.ClientId } };
        _registryStore = new FeatureStore(config, new FeatureStoreOptions { TimeProvider = _repo.Clock }.UseDuckDb());
        _registry = await RegistryServerHost.StartAsync(o => o.Store = _registryStore);
    }

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        await _registryStore.DisposeAsync();
        await _repo.DisposeAsync();
        await _idp.DisposeAsync();
    }

    private Metadata As(string user, params string[] roles) => new()
    {
        {
            "authorization", "Bearer " + _idp.Sign("""{"alg": "RS256", "typ": "JWT", "kid": "k1"}""", LoopbackIdentityProvider.Json(new Dictionary<string, object>
            {
                ["preferred_username"] = user,
                ["roles"] = roles,
                ["exp"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds(),
            }))
        },
    };

    private async Task<string[]> ListAsync(string user, params string[] roles)
    {
        var answer = await _registry.CallAsync("ListFeatureViews", new ListFeatureViewsRequest { Project = "loop", AllowCache = true },
            ListFeatureViewsResponse.Parser, As(user, roles));
        return [.. answer.FeatureViews.Select(v => v.Spec.Name).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task CallersWithOtherRoles_NeverSeeEachOthersKeptList()
    {
        // Each caller asks twice, interleaved with the others: the second answer of each is the kept one.
        for (var round = 0; round < 2; round++)
        {
            Assert.Equal(["a_one"], await ListAsync("ada", "a"));
            Assert.Equal(["b_one"], await ListAsync("bob", "b"));
            Assert.Equal(["a_one"], await ListAsync("cy", "a", "unrelated"));
            Assert.Equal(["a_one", "b_one"], await ListAsync("dee", "b", "a"));
            Assert.Empty(await ListAsync("eve"));
            Assert.Equal(["b_one"], await ListAsync("ada", "b")); // the same name with other roles: another answer
        }

        await _registry.CallAsync("ApplyFeatureView", new ApplyFeatureViewRequest
        {
            FeatureView = JsonParser.Default.Parse<P.FeatureView>(FeastObjectJson.Format(View("a_two"), "loop")),
            Project = "loop",
        }, Google.Protobuf.WellKnownTypes.Empty.Parser, As("wes", "w"));

        Assert.Equal(["a_one", "a_two"], await ListAsync("ada", "a"));
        Assert.Equal(["b_one"], await ListAsync("bob", "b"));
        Assert.Equal(["a_one", "a_two", "b_one"], await ListAsync("dee", "a", "b"));
    }

    [Fact]
    public void CallerKey_IsWhatTheFilterReads()
    {
        static RegistryCaller Caller(string name, string[] roles, string[]? groups = null, string[]? namespaces = null) =>
            new(new FeastUser(name, roles, groups ?? [], namespaces ?? []));

        var a = ListAnswers.CallerKey(Caller("ada", ["a", "b"]));
        Assert.Equal(a, ListAnswers.CallerKey(Caller("bob", ["b", "a", "a"]))); // order, duplicates and the name itself do not decide
        Assert.NotEqual(a, ListAnswers.CallerKey(Caller("ada", ["a"])));
        Assert.NotEqual(a, ListAnswers.CallerKey(Caller("", ["a", "b"]))); // an unnamed user is denied where no permission exists
        Assert.NotEqual(ListAnswers.CallerKey(Caller("ada", ["a"])), ListAnswers.CallerKey(Caller("ada", [], ["a"])));
        Assert.NotEqual(ListAnswers.CallerKey(Caller("ada", [], ["a"])), ListAnswers.CallerKey(Caller("ada", [], [], ["a"])));
        Assert.NotEqual(ListAnswers.CallerKey(Caller("ada", ["a,b"])), ListAnswers.CallerKey(Caller("ada", ["a", "b"])));
        Assert.Equal("", ListAnswers.CallerKey(RegistryCaller.Anyone));
    }

    [Fact]
    public async Task FilteredAnswers_AreKeptPerCaller_AndSharedByCallersAlike()
    {
        using var lists = new ListAnswers();
        var registry = new P.Registry { VersionId = "1" };
        var built = 0;
        ListProjectsResponse Build() => new() { Projects = { new P.Project { Spec = new P.ProjectSpec { Name = $"p{++built}" } } } };
        var ada = new RegistryCaller(new FeastUser("ada", ["a"], [], []));
        var cy = new RegistryCaller(new FeastUser("cy", ["a"], [], []));
        var bob = new RegistryCaller(new FeastUser("bob", ["b"], [], []));

        var forAda = await lists.GetAsync(registry, "k", ada, Build, CancellationToken.None);
        var forCy = await lists.GetAsync(registry, "k", cy, Build, CancellationToken.None);
        var forBob = await lists.GetAsync(registry, "k", bob, Build, CancellationToken.None);
        var forAnyone = await lists.GetAsync(registry, "k", RegistryCaller.Anyone, Build, CancellationToken.None);

        Assert.Same(forAda, forCy);
        Assert.NotSame(forAda, forBob);
        Assert.NotSame(forAda, forAnyone);
        Assert.NotSame(forBob, forAnyone);
        Assert.Equal(3, built);
        Assert.Same(forBob, await lists.GetAsync(registry, "k", bob, Build, CancellationToken.None));
    }
}
