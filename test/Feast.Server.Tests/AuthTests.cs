using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Feast.Configuration;
using Feast.DuckDb;
using Feast.Protos.Serving;
using Grpc.Core;

namespace Feast.Server.Tests;

/// <summary>
/// <c>auth: {type: oidc}</c> against a stand-in OIDC provider on loopback (discovery document and JWKS), with the
/// project's permissions deciding what each token may do: 401 without a valid token, 403 when a permission denies.
/// </summary>
public sealed class AuthTests : IAsyncLifetime
{
    private const string ClientId = Security.LoopbackIdentityProvider.ClientId;

    private Security.SecureServer _server = null!;

    private Security.LoopbackIdentityProvider Idp => _server.Idp;

    private TestHost Host => _server.Host;

    public async Task InitializeAsync() => _server = await Security.SecureServer.StartAsync(checkAudienceAndIssuer: false);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Token(Dictionary<string, object> claims, RSA? key = null, string kid = "k1")
    {
        claims.TryAdd("exp", DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds());
        return Idp.Sign(JsonSerializer.Serialize(new Dictionary<string, string> { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = kid }),
            JsonSerializer.Serialize(claims), key);
    }

    private string UserWith(params string[] roles) => Token(new() { ["preferred_username"] = "ada", ["roles"] = roles });

    private Task<HttpResponseMessage> PostAsync(string path, string body, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Host.Http.SendAsync(request);
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
            "other-key" => Token(new() { ["preferred_username"] = "ada", ["roles"] = new[] { "reader" } }, Idp.OtherKey),
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
        var invoker = Host.Grpc.CreateCallInvoker();

        var error = await Assert.ThrowsAsync<RpcException>(async () => await invoker.AsyncUnaryCall(Security.Calls.ReadMethod, null, new CallOptions(), request));
        var served = await invoker.AsyncUnaryCall(Security.Calls.ReadMethod, null, new CallOptions(new Metadata { { "authorization", "Bearer " + UserWith("reader") } }), request);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal(FieldStatus.Present, served.Results[1].Statuses[0]);
    }

    [Fact]
    public async Task KubernetesAuth_WithAnUnreadableKubeconfig_FailsAtStartup_SayingWhy()
    {
        await using var store = new FeatureStore(_server.Repo.Store.Config with { Auth = new KubernetesAuthConfig() }, new FeatureStoreOptions().UseDuckDb());
        var missing = new Feast.Server.Security.KubernetesConnection(Path.Combine(_server.Repo.Root, "no-such-kubeconfig"));

        var error = await Assert.ThrowsAsync<FeastConfigException>(async () =>
        {
            await using var host = await TestHost.StartAsync(store, services: s => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(s, missing));
            await host.PostAsync("/get-online-features", Read);
        });

        Assert.Contains("auth type kubernetes", error.Message, StringComparison.Ordinal);
    }
}
