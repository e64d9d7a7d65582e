using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Feast.Configuration;
using Feast.DuckDb;
using Feast.Permissions;
using Feast.Protos.Serving;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Tests;

/// <summary>
/// <c>auth: {type: oidc}</c> against a stand-in OIDC provider on loopback (discovery document and JWKS), with the
/// project's permissions deciding what each token may do: 401 without a valid token, 403 when a permission denies.
/// </summary>
public sealed class AuthTests : IAsyncLifetime, IDisposable
{
    private const string ClientId = "feast-client";

    private static readonly Method<GetOnlineFeaturesRequest, GetOnlineFeaturesResponse> ReadMethod = new(
        MethodType.Unary, "feast.serving.ServingService", "GetOnlineFeatures",
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetOnlineFeaturesRequest.Parser.ParseFrom),
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetOnlineFeaturesResponse.Parser.ParseFrom));

    private readonly RSA _key = RSA.Create(2048);
    private readonly RSA _otherKey = RSA.Create(2048);
    private WebApplication _provider = null!;
    private ServerRepo _repo = null!;
    private FeatureStore _store = null!;
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _provider = builder.Build();
        var parameters = _key.ExportParameters(false);
        _provider.MapGet("/.well-known/openid-configuration", (HttpContext c) =>
            Results.Json(new Dictionary<string, string> { ["issuer"] = "test", ["jwks_uri"] = $"{c.Request.Scheme}://{c.Request.Host}/jwks" }));
        _provider.MapGet("/jwks", () => Results.Json(new Dictionary<string, object>
        {
            ["keys"] = new[] { new Dictionary<string, string> { ["kty"] = "RSA", ["kid"] = "k1", ["use"] = "sig", ["n"] = B64(parameters.Modulus!), ["e"] = B64(parameters.Exponent!) } },
        }));
        await _provider.StartAsync();

        _repo = await ServerRepo.CreateAsync();
        await _repo.Store.ApplyAsync([.. ServerRepo.Objects,
            new Permission("readers", [PermissionResourceType.FeatureView, PermissionResourceType.OnDemandFeatureView], actions: AuthzedActions.Read,
                policy: new RoleBasedPolicy(["reader"])),
            new Permission("writers", [PermissionResourceType.FeatureView], actions: AuthzedActions.Write, policy: new RoleBasedPolicy(["writer"])),
        ]);
        await _repo.Store.MaterializeAsync(ServerRepo.T0.AddDays(-1), ServerRepo.Now);
        _store = new FeatureStore(
            _repo.Store.Config with { Auth = new OidcAuthConfig { AuthDiscoveryUrl = _provider.Urls.Single() + "/.well-known/openid-configuration", ClientId = ClientId } },
            new FeatureStoreOptions().UseDuckDb());
        _host = await TestHost.StartAsync(_store, kestrel: true);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _store.DisposeAsync();
        await _repo.DisposeAsync();
        await _provider.DisposeAsync();
    }

    public void Dispose()
    {
        _key.Dispose();
        _otherKey.Dispose();
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private string Token(Dictionary<string, object> claims, RSA? key = null, string kid = "k1")
    {
        claims.TryAdd("exp", DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds());
        var header = B64(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = kid }));
        var payload = B64(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = (key ?? _key).SignData(Encoding.ASCII.GetBytes(header + "." + payload), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return header + "." + payload + "." + B64(signature);
    }

    private string UserWith(params string[] roles) => Token(new() { ["preferred_username"] = "ada", ["roles"] = roles });

    private Task<HttpResponseMessage> PostAsync(string path, string body, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _host.Http.SendAsync(request);
    }

    private const string Read = """{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001]}}""";

    private const string PushBody = """
        {"push_source_name": "driver_stats_push_source", "df": {"driver_id": [1005], "event_timestamp": ["2021-04-12T13:00:00Z"],
         "created": ["2021-04-12T13:00:00Z"], "conv_rate": [0.75], "acc_rate": [0.5], "avg_daily_trips": [7]}}
        """;

    [Fact]
    public async Task NoToken_Is401_SayingHowToSendOne()
    {
        var response = await PostAsync("/get-online-features", Read, null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Authorization: Bearer", (await Answers.ErrorAsync(response)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reader_Reads_ButCannotPush()
    {
        var token = UserWith("reader");

        var read = await PostAsync("/get-online-features", Read, token);
        var push = await PostAsync("/push", PushBody, token);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, push.StatusCode);
        var (_, errorClass, message) = await Answers.ErrorAsync(push);
        Assert.Equal("FeastPermissionError", errorClass);
        Assert.Contains("driver_hourly_stats_fresh", message, StringComparison.Ordinal);
        Assert.Contains("Requires roles writer", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writer_Pushes_ButCannotRead_ClientRolesCount()
    {
        // Roles of the configured client (Keycloak's resource_access) count as roles too.
        var token = Token(new() { ["sub"] = "svc", ["resource_access"] = new Dictionary<string, object> { [ClientId] = new { roles = new[] { "writer" } } } });

        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/push", PushBody, token)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/get-online-features", Read, token)).StatusCode);
    }

    [Fact]
    public async Task OnDemandViewWithoutAPermission_IsDenied_NamingIt()
    {
        // The feature service is a resource of its own: no permission names FeatureService, so it is denied.
        var response = await PostAsync("/get-online-features", """{"feature_service": "driver_activity_v1", "entities": {"driver_id": [1001]}}""", UserWith("reader"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("No permissions defined to manage FeatureService driver_activity_v1", (await Answers.ErrorAsync(response)).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("other-key")]
    [InlineData("unknown-kid")]
    [InlineData("garbage")]
    public async Task BadTokens_Are401(string kind)
    {
        var token = kind switch
        {
            "expired" => Token(new() { ["preferred_username"] = "ada", ["roles"] = new[] { "reader" }, ["exp"] = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds() }),
            "other-key" => Token(new() { ["preferred_username"] = "ada", ["roles"] = new[] { "reader" } }, _otherKey),
            "unknown-kid" => Token(new() { ["preferred_username"] = "ada" }, kid: "k9"),
            _ => "not-a-jwt",
        };

        var response = await PostAsync("/get-online-features", Read, token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Grpc_NoToken_IsUnauthenticated_ReaderIsServed()
    {
        var request = new GetOnlineFeaturesRequest { Features = new FeatureList { Val = { "driver_hourly_stats:conv_rate" } } };
        request.Entities["driver_id"] = new Protos.Types.RepeatedValue { Val = { new Protos.Types.Value { Int64Val = 1001 } } };
        var invoker = _host.Grpc.CreateCallInvoker();

        var error = await Assert.ThrowsAsync<RpcException>(async () => await invoker.AsyncUnaryCall(ReadMethod, null, new CallOptions(), request));
        var served = await invoker.AsyncUnaryCall(ReadMethod, null, new CallOptions(new Metadata { { "authorization", "Bearer " + UserWith("reader") } }), request);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal(FieldStatus.Present, served.Results[1].Statuses[0]);
    }

    [Fact]
    public async Task KubernetesAuth_FailsAtStartup_SayingWhatIsSupported()
    {
        await using var store = new FeatureStore(_repo.Store.Config with { Auth = new KubernetesAuthConfig() }, new FeatureStoreOptions().UseDuckDb());

        var error = await Assert.ThrowsAsync<FeastConfigException>(async () =>
        {
            await using var host = await TestHost.StartAsync(store);
            await host.PostAsync("/get-online-features", Read);
        });

        Assert.Contains("oidc or no_auth", error.Message, StringComparison.Ordinal);
    }
}
