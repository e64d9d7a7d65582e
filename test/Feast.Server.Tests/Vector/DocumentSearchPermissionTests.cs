using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Feast.Server.Tests.Vector;

/// <summary><c>/search</c> checks READ_ONLINE on the view searched, as Feast's server does, before any search runs.</summary>
public sealed class DocumentSearchPermissionTests : IAsyncLifetime
{
    private const string Body = """{"features": ["driver_hourly_stats:conv_rate"], "top_k": 2, "query": [1, 0], "api_version": 2}""";

    private Security.SecureServer _server = null!;

    public async Task InitializeAsync() => _server = await Security.SecureServer.StartAsync(checkAudienceAndIssuer: false);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<HttpResponseMessage> SearchAsync(string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _server.Host.Http.SendAsync(request);
    }

    private string Writer()
    {
        var claims = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["preferred_username"] = "w", ["roles"] = new[] { "writer" }, ["exp"] = _server.Clock.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds(),
        });
        return _server.Idp.Sign("""{"alg": "RS256", "typ": "JWT", "kid": "k1"}""", claims);
    }

    [Fact]
    public async Task VectorStoreList_ShowsOnlyWhatTheCallerMayDescribe()
    {
        var docs = new FeatureView("docs", ServerRepo.Source, [ServerRepo.Driver], TimeSpan.FromDays(1),
            [new Field("embedding", FeastType.Array(FeastType.Float32), vectorIndex: true, vectorLength: 2)]);
        await _server.Store.ApplyObjectAsync(docs, new Feast.Planning.ApplyOptions { SkipSourceValidation = true });
        // Listing needs DESCRIBE, which the project's "readers" (READ actions) and "writers" permissions do not grant.
        Assert.Equal(0, await CountAsync(_server.Reader()));
        await _server.Store.ApplyObjectAsync(new Permission("describers", [PermissionResourceType.FeatureView], actions: [AuthzedAction.Describe],
            policy: new RoleBasedPolicy(["reader"])));

        async Task<int> CountAsync(string token)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/v1/vector_stores");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await _server.Host.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return json.RootElement.GetProperty("data").GetArrayLength();
        }

        Assert.Equal(1, await CountAsync(_server.Reader()));
        Assert.Equal(0, await CountAsync(Writer()));
    }

    [Theory]
    [InlineData("/search")]
    [InlineData("/retrieve-online-documents")]
    public async Task WithoutReadOnline_Is403NamingTheView_AReaderGetsToTheSearch(string path)
    {
        var denied = await SearchAsync(path, Writer());
        var allowed = await SearchAsync(path, _server.Reader());

        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Contains("driver_hourly_stats", (await Answers.ErrorAsync(denied)).Message, StringComparison.Ordinal);
        // The reader passes the permission check; the view has no vector field, which the search then reports.
        Assert.Equal(HttpStatusCode.BadRequest, allowed.StatusCode);
        Assert.Contains("no vector field", (await Answers.ErrorAsync(allowed)).Message, StringComparison.Ordinal);
    }
}
