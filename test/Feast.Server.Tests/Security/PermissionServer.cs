using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Feast.Configuration;
using Feast.DuckDb;
using Feast.Protos.Serving;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Tests.Security;

/// <summary>
/// The driver repo (<see cref="ServerRepo"/>) plus the given permissions and objects, materialized, served on real
/// Kestrel sockets with <c>auth: oidc</c> against a stand-in OIDC provider on loopback; tokens carry the roles a test
/// names.
/// </summary>
internal sealed class PermissionServer : IAsyncDisposable
{
    internal static readonly Method<GetOnlineFeaturesRequest, GetOnlineFeaturesResponse> ReadMethod = new(
        MethodType.Unary, "feast.serving.ServingService", "GetOnlineFeatures",
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetOnlineFeaturesRequest.Parser.ParseFrom),
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetOnlineFeaturesResponse.Parser.ParseFrom));

    private readonly RSA _key;
    private readonly WebApplication _provider;
    private readonly FeatureStore _store;

    private PermissionServer(RSA key, WebApplication provider, ServerRepo repo, FeatureStore store, TestHost host)
    {
        _key = key;
        _provider = provider;
        Repo = repo;
        _store = store;
        Host = host;
    }

    public ServerRepo Repo { get; }

    public TestHost Host { get; }

    public static async Task<PermissionServer> StartAsync(IEnumerable<FeastObject> extra)
    {
        var key = RSA.Create(2048);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var provider = builder.Build();
        var parameters = key.ExportParameters(false);
        provider.MapGet("/.well-known/openid-configuration", (HttpContext c) =>
            Results.Json(new Dictionary<string, string> { ["issuer"] = "test", ["jwks_uri"] = $"{c.Request.Scheme}://{c.Request.Host}/jwks" }));
        provider.MapGet("/jwks", () => Results.Json(new Dictionary<string, object>
        {
            ["keys"] = new[] { new Dictionary<string, string> { ["kty"] = "RSA", ["kid"] = "k1", ["use"] = "sig", ["n"] = B64(parameters.Modulus!), ["e"] = B64(parameters.Exponent!) } },
        }));
        await provider.StartAsync();

        var repo = await ServerRepo.CreateAsync();
        FeastObject[] objects = [.. ServerRepo.Objects, .. extra];
        await repo.Store.ApplyAsync(objects);
        await repo.Store.MaterializeAsync(ServerRepo.T0.AddDays(-1), ServerRepo.Now);
        var store = new FeatureStore(
            repo.Store.Config with { Auth = new OidcAuthConfig { AuthDiscoveryUrl = provider.Urls.Single() + "/.well-known/openid-configuration", ClientId = "feast-client" } },
            new FeatureStoreOptions { TimeProvider = repo.Clock }.UseDuckDb());
        // An unchanged apply: the serving store learns the on-demand view's C# delegate, as the repo's store did.
        await store.ApplyAsync(objects);
        var host = await TestHost.StartAsync(store, kestrel: true);
        return new PermissionServer(key, provider, repo, store, host);
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A valid token for user "ada" with <paramref name="roles"/>.</summary>
    public string Token(params string[] roles)
    {
        var claims = new Dictionary<string, object> { ["preferred_username"] = "ada", ["roles"] = roles, ["exp"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds() };
        var header = B64(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = "k1" }));
        var payload = B64(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(header + "." + payload), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return header + "." + payload + "." + B64(signature);
    }

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
        await _provider.DisposeAsync();
        _key.Dispose();
    }
}
