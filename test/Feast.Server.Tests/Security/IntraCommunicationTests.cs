using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Feast.Configuration;
using Feast.DuckDb;
using Feast.Protos.Registry;
using Feast.Remote;
using Feast.Server.Security;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests.Security;

/// <summary>
/// Feast's intra-communication user (<c>INTRA_COMMUNICATION_BASE64</c>) over real gRPC and HTTP on loopback: with the
/// secret set, Feast's internal token (unsigned, naming the secret) passes every permission on the registry server (gRPC
/// and REST) and the feature server, where a normal user is refused; a wrong or empty secret is no internal user; a
/// Feast.NET client with the variable set sends the internal token.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed class IntraCommunicationTests : IAsyncLifetime
{
    private const string Secret = "c2VydmVyLXRvLXNlcnZlcg==";

    private LoopbackIdentityProvider _idp = null!;
    private ServerRepo _repo = null!;
    private FeatureStore _store = null!;

    public async Task InitializeAsync()
    {
        _idp = await LoopbackIdentityProvider.StartAsync();
        _repo = await ServerRepo.CreateAsync();
        // Only the role "admin" may do anything: the provider's reader (role "reader") is refused everywhere.
        FeastObject[] objects = [.. ServerRepo.Objects, new Permission("admins-only", Enum.GetValues<PermissionResourceType>(),
            actions: Enum.GetValues<AuthzedAction>(), policy: new RoleBasedPolicy(["admin"]))];
        await _repo.Store.ApplyAsync(objects);
        var config = _repo.Store.Config with { Auth = new OidcAuthConfig { AuthDiscoveryUrl = _idp.DiscoveryUrl, ClientId = LoopbackIdentityProvider.ClientId } };
        _store = new FeatureStore(config, new FeatureStoreOptions { TimeProvider = _repo.Clock }.UseDuckDb());
        await _store.ApplyAsync(objects);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _repo.DisposeAsync();
        await _idp.DisposeAsync();
    }

    /// <summary>Feast's internal token: an unsigned JWT with these claims.</summary>
    private static string Unsigned(object claims)
    {
        static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return B64("""{"alg": "none", "typ": "JWT"}""") + "." + B64(JsonSerializer.Serialize(claims)) + ".";
    }

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    private static async Task<StatusCode> GetEntityAsync(RegistryServerHost server, string token)
    {
        try
        {
            await server.CallAsync("GetEntity", new GetEntityRequest { Name = "driver", Project = "loop" }, P.Entity.Parser, Bearer(token));
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private static async Task<HttpStatusCode> RestAsync(RestHost host, HttpMethod method, string route, string token, string? body = null)
    {
        using var request = new HttpRequestMessage(method, "api/v1/" + route);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await host.Client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task RegistryServer_IntraToken_PassesEveryPermission_OverGrpcAndRest_WhereTheReaderIsRefused()
    {
        var intra = new IntraCommunication(Secret);
        await using var grpc = await RegistryServerHost.StartAsync(o => o.Store = _store, s => s.AddSingleton(intra));
        await using var rest = await RestHost.StartAsync(o => o.Store = _store);
        var reader = _idp.Reader(DateTimeOffset.UtcNow);
        var internalToken = Unsigned(new { preferred_username = Secret });

        Assert.Equal(StatusCode.PermissionDenied, await GetEntityAsync(grpc, reader));
        Assert.Equal(StatusCode.OK, await GetEntityAsync(grpc, internalToken));
        // A wrong secret, or the secret where Feast does not read it, is an unsigned token like any other: refused.
        Assert.Equal(StatusCode.Unauthenticated, await GetEntityAsync(grpc, Unsigned(new { preferred_username = Secret + "x" })));
        Assert.Equal(StatusCode.Unauthenticated, await GetEntityAsync(grpc, Unsigned(new { sub = ":::" + Secret })));
        Assert.Equal(StatusCode.Unauthenticated, await GetEntityAsync(grpc, Unsigned(new { preferred_username = "" })));
        Assert.Equal(StatusCode.Unauthenticated, await GetEntityAsync(grpc, Secret));

        // REST (this host reads the variable, which the test process does not set): the internal token is refused there.
        Assert.Null(Environment.GetEnvironmentVariable(IntraCommunication.Variable));
        Assert.Equal(HttpStatusCode.Unauthorized, await RestAsync(rest, HttpMethod.Get, "entities/driver?project=loop", internalToken));
        await using var restIntra = await RestHostWith(intra);
        Assert.Equal(HttpStatusCode.Forbidden, await RestAsync(restIntra, HttpMethod.Get, "entities/driver?project=loop", reader));
        Assert.Equal(HttpStatusCode.OK, await RestAsync(restIntra, HttpMethod.Get, "entities/driver?project=loop", internalToken));
        Assert.Equal(HttpStatusCode.Forbidden, await RestAsync(restIntra, HttpMethod.Post, "entities", reader, """{"name": "rider", "project": "loop"}"""));
        Assert.Equal(HttpStatusCode.Created, await RestAsync(restIntra, HttpMethod.Post, "entities", internalToken, """{"name": "rider", "project": "loop"}"""));
        Assert.Equal(HttpStatusCode.OK, await RestAsync(restIntra, HttpMethod.Delete, "entities/rider?project=loop", internalToken));
    }

    [Fact]
    public async Task EmptySecret_IsOff()
    {
        var off = new IntraCommunication("");
        Assert.False(off.Enabled);
        await using var grpc = await RegistryServerHost.StartAsync(o => o.Store = _store, s => s.AddSingleton(off));
        Assert.Equal(StatusCode.Unauthenticated, await GetEntityAsync(grpc, Unsigned(new { preferred_username = "" })));
        Assert.Equal(StatusCode.Unauthenticated, await GetEntityAsync(grpc, Unsigned(new { preferred_username = Secret })));
    }

    [Fact]
    public async Task FeatureServer_IntraToken_ReadsOnline_WhereTheReaderIsRefused()
    {
        await using var serving = await TestHost.StartAsync(_store, kestrel: true, services: s => s.AddSingleton(new IntraCommunication(Secret)));
        async Task<HttpStatusCode> ReadAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/get-online-features")
            {
                Content = new StringContent("""{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001]}}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await serving.Http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Forbidden, await ReadAsync(_idp.Reader(DateTimeOffset.UtcNow)));
        Assert.Equal(HttpStatusCode.OK, await ReadAsync(Unsigned(new { preferred_username = Secret })));
        Assert.Equal(HttpStatusCode.Unauthorized, await ReadAsync(Unsigned(new { preferred_username = "someone" })));
    }

    [Fact]
    public async Task RemoteRegistryClient_WithTheSecret_SendsTheInternalToken_AndReadsWhatTheReaderMayNot()
    {
        await using var grpc = await RegistryServerHost.StartAsync(o => o.Store = _store, s => s.AddSingleton(new IntraCommunication(Secret)));
        var remote = _repo.Store.Config with
        {
            Registry = new RegistryConfig { RegistryType = RegistryType.Remote, Path = grpc.Channel.Target },
            Auth = new OidcClientAuthConfig { Token = _idp.Reader(DateTimeOffset.UtcNow) },
        };

        await using var asReader = new RemoteRegistryStore(remote);
        await Assert.ThrowsAnyAsync<FeastException>(() => asReader.ReadAsync());
        await using var asInternal = new RemoteRegistryStore(remote, tokens: ClientTokens.Choose(remote.Auth, null, null, Secret));
        var registry = await asInternal.ReadAsync();
        Assert.NotNull(registry);

        // Feast's token forms: preferred_username for OIDC, sub ":::secret" for Kubernetes; none without auth or without a secret.
        var k8s = await ClientTokens.Choose(new KubernetesAuthConfig(), null, null, Secret).GetTokenAsync(default);
        Assert.Contains(":::" + Secret, Encoding.UTF8.GetString(Convert.FromBase64String(Pad(k8s!.Split('.')[1]))), StringComparison.Ordinal);
        Assert.Null(await ClientTokens.Choose(new NoAuthConfig(), null, null, Secret).GetTokenAsync(default));
        Assert.Equal("static", await ClientTokens.Choose(new OidcClientAuthConfig { Token = "static" }, null, null, "").GetTokenAsync(default));
    }

    [Fact]
    public async Task KubernetesServer_IntraToken_Sub_PassesWithoutATokenReview()
    {
        await using var api = await FakeKubernetesApi.StartAsync(_repo.Root);
        var config = _repo.Store.Config with { Auth = new KubernetesAuthConfig() };
        await using var store = new FeatureStore(config, new FeatureStoreOptions { TimeProvider = _repo.Clock }.UseDuckDb());
        await using var grpc = await RegistryServerHost.StartAsync(o => o.Store = store,
            s => s.AddSingleton(new KubernetesConnection(api.KubeconfigPath)).AddSingleton(new IntraCommunication(Secret)));

        Assert.Equal(StatusCode.OK, await GetEntityAsync(grpc, Unsigned(new { sub = ":::" + Secret })));
        Assert.Equal(0, api.Reviews);
        Assert.Equal(StatusCode.Unauthenticated, await GetEntityAsync(grpc, Unsigned(new { sub = ":::" + Secret + "x" })));
        Assert.Equal(StatusCode.Unauthenticated, await GetEntityAsync(grpc, Unsigned(new { preferred_username = Secret })));
    }

    private Task<RestHost> RestHostWith(IntraCommunication intra) => RestHost.StartAsync(o => o.Store = _store, services: s => s.AddSingleton(intra));

    private static string Pad(string b64)
    {
        var s = b64.Replace('-', '+').Replace('_', '/');
        return s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
    }
}
