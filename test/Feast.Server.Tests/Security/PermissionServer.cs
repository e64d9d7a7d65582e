using System.Net.Http.Headers;
using System.Text;
using Feast.Configuration;
using Feast.DuckDb;
using Feast.Protos.Serving;
using Grpc.Core;

namespace Feast.Server.Tests.Security;

/// <summary>
/// The driver repo (<see cref="ServerRepo"/>) plus the given permissions and objects, materialized, served on real
/// Kestrel sockets with <c>auth: oidc</c> against the loopback OIDC provider of the security tests; tokens carry the roles a test
/// names.
/// </summary>
internal sealed class PermissionServer : IAsyncDisposable
{
    internal static readonly Method<GetOnlineFeaturesRequest, GetOnlineFeaturesResponse> ReadMethod = new(
        MethodType.Unary, "feast.serving.ServingService", "GetOnlineFeatures",
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetOnlineFeaturesRequest.Parser.ParseFrom),
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetOnlineFeaturesResponse.Parser.ParseFrom));

    private readonly LoopbackIdentityProvider _idp;
    private readonly FeatureStore _store;

    private PermissionServer(LoopbackIdentityProvider idp, ServerRepo repo, FeatureStore store, TestHost host)
    {
        _idp = idp;
        Repo = repo;
        _store = store;
        Host = host;
    }

    public ServerRepo Repo { get; }

    public TestHost Host { get; }

    public static async Task<PermissionServer> StartAsync(IEnumerable<FeastObject> extra)
    {
        var idp = await LoopbackIdentityProvider.StartAsync();
        var repo = await ServerRepo.CreateAsync();
        FeastObject[] objects = [.. ServerRepo.Objects, .. extra];
        await repo.Store.ApplyAsync(objects);
        await repo.Store.MaterializeAsync(ServerRepo.T0.AddDays(-1), ServerRepo.Now);
        var store = new FeatureStore(
            repo.Store.Config with { Auth = new OidcAuthConfig { AuthDiscoveryUrl = idp.DiscoveryUrl, ClientId = LoopbackIdentityProvider.ClientId } },
            new FeatureStoreOptions { TimeProvider = repo.Clock }.UseDuckDb());
        // An unchanged apply: the serving store learns the on-demand view's C# delegate, as the repo's store did.
        await store.ApplyAsync(objects);
        var host = await TestHost.StartAsync(store, kestrel: true);
        return new PermissionServer(idp, repo, store, host);
    }

    /// <summary>A valid token for user "ada" with <paramref name="roles"/>.</summary>
    public string Token(params string[] roles) => _idp.Sign("""{"alg": "RS256", "typ": "JWT", "kid": "k1"}""",
        LoopbackIdentityProvider.Json(new Dictionary<string, object> { ["preferred_username"] = "ada", ["roles"] = roles, ["exp"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds() }));

    public Task<HttpResponseMessage> PostAsync(string path, string body, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Host.Http.SendAsync(request);
    }

    /// <summary>Feast's gRPC GetOnlineFeatures with a bearer token.</summary>
    public Task<GetOnlineFeaturesResponse> GrpcReadAsync(GetOnlineFeaturesRequest request, string token) =>
        Host.Grpc.CreateCallInvoker().AsyncUnaryCall(ReadMethod, null, new CallOptions(new Metadata { { "authorization", "Bearer " + token } }), request).ResponseAsync;

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await _store.DisposeAsync();
        await Repo.DisposeAsync();
        await _idp.DisposeAsync();
    }
}
