using System.Net;
using System.Text.Json.Nodes;

namespace Feast.Ui.Tests;

/// <summary><c>feast ui</c> over plain HTTP: the documents it computes, the SPA fallback, the bundle and /health.</summary>
[Collection(DemoUiCollection.Name)]
public sealed class UiHttpTests(DemoUiFixture demo) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = demo.Url };

    public void Dispose() => _http.Dispose();

    [Fact]
    public void Start_PrintsTheUrlAndTheProject()
    {
        Assert.Contains("Serving the Feast UI for", demo.Output, StringComparison.Ordinal);
        Assert.Contains("(project demo,", demo.Output, StringComparison.Ordinal);
        Assert.EndsWith("/", demo.Url.AbsolutePath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProjectsList_HasTheRegistrysProject_ReadingTheRestApi()
    {
        var response = await _http.GetAsync("projects-list.json");
        var projects = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["projects"]!.AsArray();

        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var project = Assert.Single(projects)!;
        Assert.Equal("Demo", (string?)project["name"]);
        Assert.Equal("demo", (string?)project["id"]);
        Assert.Equal("/api/v1", (string?)project["registryPath"]);
        Assert.False(string.IsNullOrEmpty((string?)project["description"]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("p/demo")]
    [InlineData("p/demo/feature-view/driver_hourly_stats")]
    [InlineData("p/demo/entity/driver/")]
    public async Task RootAndClientRoutes_AnswerTheAppPage_WithTheNoAuthTag(string path)
    {
        var response = await _http.GetAsync(path);
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<div id=\"root\"></div>", page, StringComparison.Ordinal);
        Assert.Contains("<script src=\"/index.js\"></script>", page, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"feast-public-url\" content=\"\" />", page, StringComparison.Ordinal);
        Assert.Contains("<script id=\"feast-auth-config\" type=\"application/json\">{\"auth_type\":\"no_auth\"}</script>\n</head>", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("index.js", "text/javascript")]
    [InlineData("index.css", "text/css")]
    public async Task Bundle_IsServed(string file, string mediaType)
    {
        var response = await _http.GetAsync(file);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType!.MediaType);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 1000);
    }

    [Fact]
    public async Task Health_IsOk()
    {
        var response = await _http.GetAsync("health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("api/mlflow-runs", """{"runs":[],"mlflow_uri":null}""")]
    [InlineData("api/mlflow-feature-usage", """{"feature_usage":{},"mlflow_enabled":false}""")]
    [InlineData("api/mlflow-feature-models", """{"feature_models":{}}""")]
    public async Task MlflowEndpoints_SayMlflowIsNotEnabled(string path, string expected)
    {
        var response = await _http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("nothing-here.js")]
    [InlineData("px/demo")]
    [InlineData("api/v2/entities")]
    public async Task OtherPaths_AreNotFound(string path)
    {
        var response = await _http.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task PageAndProjectsList_AreNeverCachedBlindly()
    {
        var page = await _http.GetAsync("");
        var projects = await _http.GetAsync("projects-list.json");

        Assert.Contains("no-cache", page.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.Contains("no-cache", projects.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
    }
}

/// <summary><c>feast ui --root-path /feast</c> on the registry Python Feast wrote, with <c>auth: oidc</c>.</summary>
public sealed class UiRootPathAndAuthTests(RootPathOidcUiFixture ui) : IClassFixture<RootPathOidcUiFixture>, IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = ui.Origin };

    public void Dispose() => _http.Dispose();

    [Fact]
    public void Url_CarriesTheRootPath()
    {
        Assert.Equal("/feast/", ui.Url.AbsolutePath);
    }

    [Fact]
    public async Task ProjectsList_UnderTheRootPath_PointsTheUiAtTheRestApiUnderIt()
    {
        var projects = JsonNode.Parse(await _http.GetStringAsync("/feast/projects-list.json"))!["projects"]!.AsArray();

        var project = Assert.Single(projects)!;
        Assert.Equal("My Project", (string?)project["name"]);
        Assert.Equal("my_project", (string?)project["id"]);
        Assert.Equal("/feast/api/v1", (string?)project["registryPath"]);
    }

    [Theory]
    [InlineData("/feast/")]
    [InlineData("/feast/p/my_project/data-source/driver_hourly_stats_source")]
    [InlineData("/p/my_project")] // behind a proxy that strips the prefix
    public async Task Page_LoadsTheBundleAndReadsItsDataUnderTheRootPath(string path)
    {
        var page = await _http.GetStringAsync(path);

        Assert.Contains("<script src=\"/feast/index.js\"></script>", page, StringComparison.Ordinal);
        Assert.Contains("<link rel=\"stylesheet\" href=\"/feast/index.css\" />", page, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"feast-public-url\" content=\"/feast\" />", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_CarriesTheOidcSettingsTheUiLogsInWith()
    {
        var page = await _http.GetStringAsync("/feast/");

        var start = page.IndexOf("<script id=\"feast-auth-config\" type=\"application/json\">", StringComparison.Ordinal);
        Assert.True(start >= 0, page);
        var json = page[(page.IndexOf('>', start) + 1)..page.IndexOf("</script>", start, StringComparison.Ordinal)];
        var auth = JsonNode.Parse(json)!;
        Assert.Equal("oidc", (string?)auth["auth_type"]);
        Assert.Equal("http://127.0.0.1:9", (string?)auth["url"]);
        Assert.Equal("feast-realm", (string?)auth["realm"]);
        Assert.Equal("http://127.0.0.1:9/realms/feast-realm/.well-known/openid-configuration", (string?)auth["auth_discovery_url"]);
        Assert.Equal("feast-ui", (string?)auth["client_id"]);
    }

    [Theory]
    [InlineData("/feast/index.js")]
    [InlineData("/feast/health")]
    [InlineData("/health")]
    public async Task BundleAndHealth_AreServedUnderTheRootPath_WithoutAToken(string path)
    {
        var response = await _http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task RestApi_UnderAuth_AsksForAToken()
    {
        // The REST API is behind the server's authentication; the UI's own pages are not.
        var response = await _http.GetAsync("/feast/api/v1/projects");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
