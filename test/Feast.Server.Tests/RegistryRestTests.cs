using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Tests;

/// <summary>
/// Feast's REST registry API over real HTTP/1.1 on loopback, against the registry Python Feast wrote
/// (test/testdata/feast_registry, project my_project): every route the web UI calls, their content (relationships and
/// lineage as Feast computes them), the cross-project lists, and Feast's error JSON for bad input.
/// </summary>
public sealed class RegistryRestTests : IAsyncLifetime
{
    private const string P = "my_project";
    private string _repo = null!;
    private RestHost _host = null!;

    public async Task InitializeAsync()
    {
        _repo = TestFiles.PythonWrittenRepo();
        _host = await RestHost.StartAsync(o => o.RepoPath = _repo);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        TestFiles.DeleteDirectory(_repo);
    }

    [Fact]
    public async Task TheSevenCallsOfEveryUiPage_Answer200_WithTheirKeys()
    {
        foreach (var (route, key) in new[]
        {
            ("entities", "entities"), ("feature_views", "featureViews"), ("label_views", "featureViews"),
            ("feature_services", "featureServices"), ("data_sources", "dataSources"), ("saved_datasets", "savedDatasets"),
        })
        {
            var json = await _host.GetOkAsync($"{route}?project={P}&include_relationships=true");
            Assert.IsType<JsonArray>(json[key]);
            Assert.IsType<JsonObject>(json["pagination"]);
            Assert.IsType<JsonObject>(json["relationships"]);
        }
        var projects = await _host.GetOkAsync("projects");
        Assert.Equal(P, projects["projects"]![0]!["spec"]!["name"]!.GetValue<string>());
        Assert.Equal("A project for driver statistics", projects["projects"]![0]!["spec"]!["description"]!.GetValue<string>());
        Assert.EndsWith("Z", projects["projects"]![0]!["meta"]!["createdTimestamp"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entities_AreProtoJson_WithTheirRelationships()
    {
        var json = await _host.GetOkAsync($"entities?project={P}&include_relationships=true");

        var driver = json["entities"]!.AsArray().Single(e => e!["spec"]!["name"]!.GetValue<string>() == "driver")!;
        Assert.Equal("INT64", driver["spec"]!["valueType"]!.GetValue<string>());
        Assert.Equal("driver_id", driver["spec"]!["joinKey"]!.GetValue<string>());
        Assert.Equal(2, json["pagination"]!["totalCount"]!.GetValue<int>());
        var relations = Pairs(json["relationships"]!["driver"]!);
        Assert.Contains("entity:driver -> featureView:driver_hourly_stats", relations);
        Assert.Contains("entity:driver -> featureView:driver_hourly_stats_fresh", relations);
        Assert.Contains("entity:driver -> featureService:driver_activity_v1", relations);
        Assert.Contains("entity:driver -> dataSource:driver_hourly_stats_source", relations);
    }

    [Fact]
    public async Task EntityDetail_AddsTheDataSourcesOfItsViews()
    {
        var json = await _host.GetOkAsync($"entities/driver?project={P}");

        Assert.Equal("driver", json["spec"]!["name"]!.GetValue<string>());
        var source = Assert.Single(json["dataSources"]!.AsArray())!;
        Assert.Equal("driver_hourly_stats_source", source["name"]!.GetValue<string>());
        Assert.Equal("BATCH_FILE", source["type"]!.GetValue<string>());
        Assert.Null(json["relationships"]);
    }

    [Fact]
    public async Task DataSourceDetail_ListsItsConsumingViews()
    {
        var json = await _host.GetOkAsync($"data_sources/driver_hourly_stats_source?project={P}&include_relationships=true");

        Assert.Equal("BATCH_FILE", json["type"]!.GetValue<string>());
        Assert.NotNull(json["fileOptions"]);
        var relations = Pairs(json["relationships"]!);
        Assert.Contains("dataSource:driver_hourly_stats_source -> featureView:driver_hourly_stats", relations);
        Assert.Contains("dataSource:driver_hourly_stats_source -> featureView:driver_hourly_stats_fresh", relations);
        Assert.Contains("dataSource:driver_hourly_stats_source -> featureService:driver_activity_v1", relations);
    }

    [Fact]
    public async Task FeatureViews_CarryTheirType_AndFilterAsFeast()
    {
        var all = await _host.GetOkAsync($"feature_views?project={P}");
        Assert.Equal(["featureView:driver_hourly_stats", "featureView:driver_hourly_stats_fresh", "onDemandFeatureView:transformed_conv_rate"],
            all["featureViews"]!.AsArray().Select(v => $"{v!["type"]}:{v["spec"]!["name"]}"));

        Assert.Equal(["driver_hourly_stats", "driver_hourly_stats_fresh"], await ViewNames("entity=driver"));
        Assert.Equal(["transformed_conv_rate"], await ViewNames("data_source=vals_to_add"));
        Assert.Equal(["driver_hourly_stats", "transformed_conv_rate"], await ViewNames("feature_service=driver_activity_v1"));
        Assert.Equal(["transformed_conv_rate"], await ViewNames("feature=conv_rate_plus_val1"));
        Assert.Empty(await ViewNames("feature_service=nope"));
        Assert.Equal(3, (await ViewNames("updated_since=2000-01-01T00:00:00Z")).Count);
        Assert.Empty(await ViewNames("updated_since=2999-01-01T00:00:00Z"));

        var odfv = await _host.GetOkAsync($"feature_views/transformed_conv_rate?project={P}&include_relationships=true");
        Assert.Equal("onDemandFeatureView", odfv["type"]!.GetValue<string>());
        var relations = Pairs(odfv["relationships"]!);
        Assert.Contains("featureView:driver_hourly_stats -> featureView:transformed_conv_rate", relations);
        Assert.Contains("dataSource:vals_to_add -> featureView:transformed_conv_rate", relations);
        Assert.Contains("featureView:transformed_conv_rate -> featureService:driver_activity_v1", relations);
    }

    [Fact]
    public async Task FeatureServices_FilterByView_AndDetailHasRelationships()
    {
        var byView = await _host.GetOkAsync($"feature_services?project={P}&feature_view=transformed_conv_rate");
        Assert.Single(byView["featureServices"]!.AsArray());
        Assert.Empty((await _host.GetOkAsync($"feature_services?project={P}&feature_view=driver_hourly_stats_fresh"))["featureServices"]!.AsArray());

        var service = await _host.GetOkAsync($"feature_services/driver_activity_v1?project={P}&include_relationships=true");
        Assert.Equal("driver_activity_v1", service["spec"]!["name"]!.GetValue<string>());
        Assert.Contains("featureView:driver_hourly_stats -> featureService:driver_activity_v1", Pairs(service["relationships"]!));
    }

    [Fact]
    public async Task Features_ListEveryFeatureOfEveryView_WithFeastTypes()
    {
        var json = await _host.GetOkAsync($"features?project={P}");

        var features = json["features"]!.AsArray();
        Assert.Equal(10, features.Count);
        Assert.Equal(10, json["pagination"]!["totalCount"]!.GetValue<int>());
        var conv = features[0]!;
        Assert.Equal("conv_rate", conv["name"]!.GetValue<string>());
        Assert.Equal("driver_hourly_stats", conv["featureView"]!.GetValue<string>());
        Assert.Equal("Float32", conv["type"]!.GetValue<string>());
        Assert.Equal("feature", conv["kind"]!.GetValue<string>());

        var detail = await _host.GetOkAsync($"features/driver_hourly_stats/driver_config?project={P}&include_relationships=true");
        Assert.Equal("Json", detail["type"]!.GetValue<string>());
        Assert.Contains("feature:driver_config -> featureView:driver_hourly_stats", Pairs(detail["relationships"]!));

        var paged = await _host.GetOkAsync($"features?project={P}&feature_view=driver_hourly_stats&page=2&limit=3&sort_by=name");
        Assert.Equal(["driver_config"], paged["features"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
        Assert.Equal(2, paged["pagination"]!["totalPages"]!.GetValue<int>());
        Assert.True(paged["pagination"]!["hasPrevious"]!.GetValue<bool>());

        Assert.Empty((await _host.GetOkAsync($"labels?project={P}"))["labels"]!.AsArray());
    }

    [Fact]
    public async Task RegistryLineage_IsFeastsGraph_PagedPerList()
    {
        var json = await _host.GetOkAsync($"lineage/registry?project={P}");

        var direct = Pairs(json["relationships"]!);
        var indirect = Pairs(json["indirect_relationships"]!);
        Assert.Equal(18, direct.Count);
        Assert.Equal(12, indirect.Count);
        Assert.Equal("featureView:driver_hourly_stats -> featureService:driver_activity_v1", direct[0]);
        Assert.Contains("feature:conv_rate -> featureView:driver_hourly_stats_fresh", direct);
        Assert.Contains("featureView:driver_hourly_stats -> featureView:transformed_conv_rate", direct);
        Assert.Contains("dataSource:vals_to_add -> featureService:driver_activity_v1", indirect);
        Assert.Equal(2, indirect.Count(r => r == "entity:driver -> dataSource:driver_hourly_stats_source"));

        var page = await _host.GetOkAsync($"lineage/registry?project={P}&page=2&limit=5");
        Assert.Equal(5, page["relationships"]!.AsArray().Count);
        Assert.Equal(18, page["relationships_pagination"]!["totalCount"]!.GetValue<int>());
        Assert.True(page["relationships_pagination"]!["hasNext"]!.GetValue<bool>());
        Assert.Equal(12, page["indirect_relationships_pagination"]!["totalCount"]!.GetValue<int>());

        var filtered = await _host.GetOkAsync($"lineage/registry?project={P}&filter_object_type=dataSource&filter_object_name=vals_to_add");
        Assert.Equal(["dataSource:vals_to_add -> featureView:transformed_conv_rate"], Pairs(filtered["relationships"]!));

        var all = await _host.GetOkAsync("lineage/registry/all");
        Assert.Equal(18, all["relationships"]!.AsArray().Count);
        Assert.All(all["relationships"]!.AsArray(), r => Assert.Equal(P, r!["project"]!.GetValue<string>()));
    }

    [Fact]
    public async Task ObjectLineage_DirectAndIndirect()
    {
        var direct = await _host.GetOkAsync($"lineage/objects/featureService/driver_activity_v1?project={P}");
        Assert.Equal(2, direct["relationships"]!.AsArray().Count);
        var withIndirect = await _host.GetOkAsync($"lineage/objects/featureService/driver_activity_v1?project={P}&include_indirect=true");
        Assert.Equal(12, withIndirect["relationships"]!.AsArray().Count);
        Assert.Equal(12, withIndirect["pagination"]!["totalCount"]!.GetValue<int>());

        var (status, error) = await _host.GetAsync($"lineage/objects/bogus/x?project={P}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("ValueError", error["error_type"]!.GetValue<string>());
        Assert.Contains("Invalid object_type", error["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteLineage_HoldsEveryObjectAndTheGraph()
    {
        var json = await _host.GetOkAsync($"lineage/complete?project={P}");

        Assert.Equal(P, json["project"]!.GetValue<string>());
        Assert.Equal(2, json["objects"]!["entities"]!.AsArray().Count);
        Assert.Equal(3, json["objects"]!["featureViews"]!.AsArray().Count);
        Assert.Equal(10, json["objects"]!["features"]!.AsArray().Count);
        Assert.Equal(18, json["relationships"]!.AsArray().Count);
        Assert.Equal(12, json["indirectRelationships"]!.AsArray().Count);

        var everything = await _host.GetOkAsync("lineage/complete/all");
        var project = Assert.Single(everything["projects"]!.AsArray())!;
        Assert.Equal(P, project["objects"]!["dataSources"]![0]!["project"]!.GetValue<string>());
    }

    [Fact]
    public async Task CrossProjectLists_AddTheProject_AndPageAsFeast()
    {
        var json = await _host.GetOkAsync("entities/all?include_relationships=true");

        Assert.All(json["entities"]!.AsArray(), e => Assert.Equal(P, e!["project"]!.GetValue<string>()));
        Assert.Equal("""{"page":1,"limit":50,"totalCount":2,"totalPages":1}""", json["pagination"]!.ToJsonString());
        Assert.NotNull(json["relationships"]!["driver"]);

        var views = await _host.GetOkAsync("feature_views/all?limit=2&sort_by=type&sort_order=desc");
        Assert.Equal("onDemandFeatureView", views["featureViews"]![0]!["type"]!.GetValue<string>());
        Assert.True(views["pagination"]!["hasNext"]!.GetValue<bool>());
        Assert.Equal(10, (await _host.GetOkAsync("features/all?limit=100"))["features"]!.AsArray().Count);
        Assert.Single((await _host.GetOkAsync("data_sources/all?page=2&limit=2"))["dataSources"]!.AsArray());
    }

    [Fact]
    public async Task UnknownObjects_AreFeasts404()
    {
        var (status, body) = await _host.GetAsync($"entities/nope?project={P}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("""{"status_code":404,"detail":"Entity nope does not exist in project my_project","error_type":"FeastObjectNotFoundException"}""", body.ToJsonString());

        foreach (var (route, detail) in new[]
        {
            ($"feature_views/nope?project={P}", "Feature view nope does not exist in project my_project"),
            ($"data_sources/nope?project={P}", "Data source nope does not exist in project my_project"),
            ($"feature_services/nope?project={P}", "Feature service nope does not exist in project my_project"),
            ($"features/driver_hourly_stats/nope?project={P}", "Feature nope not found in feature view driver_hourly_stats in project my_project"),
            ($"entities/driver?project=other", "Entity driver does not exist in project other"),
            ("projects/nope", "Project nope does not exist"),
        })
        {
            (status, body) = await _host.GetAsync(route);
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal(detail, body["detail"]!.GetValue<string>());
        }
        // A list of a project the registry does not hold is empty, as in Feast.
        Assert.Empty((await _host.GetOkAsync("entities?project=other"))["entities"]!.AsArray());
    }

    [Theory]
    [InlineData("entities", HttpStatusCode.UnprocessableEntity, "project")]
    [InlineData("entities?project=my_project&limit=0", HttpStatusCode.UnprocessableEntity, "limit")]
    [InlineData("entities?project=my_project&limit=101", HttpStatusCode.UnprocessableEntity, "limit")]
    [InlineData("entities?project=my_project&page=0", HttpStatusCode.UnprocessableEntity, "page")]
    [InlineData("entities?project=my_project&page=two", HttpStatusCode.UnprocessableEntity, "page")]
    [InlineData("entities?project=my_project&sort_order=up", HttpStatusCode.UnprocessableEntity, "sort_order")]
    [InlineData("entities?project=my_project&include_relationships=maybe", HttpStatusCode.UnprocessableEntity, "include_relationships")]
    [InlineData("entities/all?limit=500", HttpStatusCode.UnprocessableEntity, "limit")]
    [InlineData("feature_views?project=my_project&updated_since=yesterday", HttpStatusCode.BadRequest, "updated_since")]
    public async Task BadQueryParameters_Are4xx_NamingTheParameter(string route, HttpStatusCode expected, string parameter)
    {
        var (status, body) = await _host.GetAsync(route);

        Assert.Equal(expected, status);
        Assert.Equal((int)expected, body["status_code"]!.GetValue<int>());
        Assert.Contains(parameter, body["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(expected == HttpStatusCode.BadRequest ? "HTTPException" : "RequestValidationError", body["error_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Details_EndWithTheirPythonDefinition()
    {
        var entity = await Definition($"entities/driver?project={P}");
        Assert.StartsWith("from feast import Entity\n\ndriver = Entity(\n    name=\"driver\",\n    join_keys=['driver_id']", entity, StringComparison.Ordinal);

        var view = await Definition($"feature_views/driver_hourly_stats?project={P}");
        Assert.Contains("from feast import Field, FeatureView\nfrom feast.types import Float32, Int64, Json\n", view, StringComparison.Ordinal);
        Assert.Contains("driver_hourly_stats_feature_view = FeatureView(", view, StringComparison.Ordinal);
        Assert.Contains("        Field(name=\"conv_rate\", dtype=Float32),\n", view, StringComparison.Ordinal);
        Assert.Contains("    entities=[driver],\n", view, StringComparison.Ordinal);
        Assert.Contains("    source=driver_hourly_stats_source,\n", view, StringComparison.Ordinal);

        Assert.Contains("@on_demand_feature_view(", await Definition($"feature_views/transformed_conv_rate?project={P}"), StringComparison.Ordinal);
        Assert.Contains("FileSource(", await Definition($"data_sources/driver_hourly_stats_source?project={P}"), StringComparison.Ordinal);
        Assert.Contains("RequestSource(", await Definition($"data_sources/vals_to_add?project={P}"), StringComparison.Ordinal);
        Assert.Contains("PushSource(", await Definition($"data_sources/driver_stats_push_source?project={P}"), StringComparison.Ordinal);
        Assert.Contains("features=[driver_hourly_stats[['conv_rate']]", await Definition($"feature_services/driver_activity_v1?project={P}"), StringComparison.Ordinal);
        Assert.Contains("dtype=Json", await Definition($"features/driver_hourly_stats/driver_config?project={P}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Permissions_AndRefresh()
    {
        var permissions = await _host.GetOkAsync($"permissions?project={P}");
        var name = Assert.Single(permissions["permissions"]!.AsArray())!["spec"]!["name"]!.GetValue<string>();
        Assert.Equal(name, (await _host.GetOkAsync($"permissions/{name}?project={P}"))["spec"]!["name"]!.GetValue<string>());

        using var refresh = await _host.Client.PostAsync("api/v1/registry/refresh", null);
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        Assert.Equal("nosniff", refresh.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task SavedDatasetJobs_AnswerAsFeastWithoutJobs()
    {
        var jobs = await _host.GetOkAsync($"saved_datasets/jobs?project={P}");
        Assert.Equal("""{"jobs":[]}""", jobs.ToJsonString());
        Assert.Empty((await _host.GetOkAsync("saved_datasets/jobs?status=running"))["jobs"]!.AsArray());

        var (status, body) = await _host.GetAsync("saved_datasets/jobs/j-42");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("Dataset job 'j-42' not found", body["detail"]!.GetValue<string>());
        Assert.Equal("FeastObjectNotFoundException", body["error_type"]!.GetValue<string>());

        // "jobs" is no saved dataset's name: the saved dataset detail route still answers its own 404.
        var (missing, error) = await _host.GetAsync($"saved_datasets/nope?project={P}");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Contains("nope", error["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MountsUnderAnyPrefix()
    {
        await using var host = await RestHost.StartAsync(o => o.RepoPath = _repo, "/ui/api/v1");

        using var response = await host.Client.GetAsync($"ui/api/v1/entities?project={P}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task DemoRepo_AppliedByFeastNet_AnswersTheUiCalls()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var host = await RestHost.StartAsync(o => o.Store = repo.Store);

        foreach (var route in new[] { "entities", "feature_views", "label_views", "feature_services", "data_sources", "saved_datasets" })
            await host.GetOkAsync($"{route}?project=loop&include_relationships=true");
        var views = await host.GetOkAsync("feature_views?project=loop&include_relationships=true");
        Assert.Contains("entity:driver -> featureView:driver_hourly_stats", Pairs(views["relationships"]!["driver_hourly_stats"]!));
        Assert.Contains("featureView:transformed_conv_rate -> featureService:driver_activity_v1", Pairs(views["relationships"]!["transformed_conv_rate"]!));
        var features = await host.GetOkAsync("features?project=loop");
        Assert.Contains(features["features"]!.AsArray(), f => f!["name"]!.GetValue<string>() == "conv_rate_plus_val1" && f["featureView"]!.GetValue<string>() == "transformed_conv_rate");
        var projects = await host.GetOkAsync("projects");
        Assert.Equal("loop", projects["projects"]![0]!["spec"]!["name"]!.GetValue<string>());
        var lineage = await host.GetOkAsync("lineage/registry?project=loop");
        Assert.Contains("dataSource:driver_stats_source -> featureView:driver_hourly_stats", Pairs(lineage["relationships"]!));
    }

    /// <summary>The relationships of <paramref name="array"/> as <c>type:name -> type:name</c>, in order.</summary>
    internal static List<string> Pairs(JsonNode array) =>
        [.. array.AsArray().Select(r => $"{r!["source"]!["type"]}:{r["source"]!["name"]} -> {r["target"]!["type"]}:{r["target"]!["name"]}")];

    private async Task<string> Definition(string route) => (await _host.GetOkAsync(route))["featureDefinition"]!.GetValue<string>();

    private async Task<List<string>> ViewNames(string filter) =>
        [.. (await _host.GetOkAsync($"feature_views?project={P}&{filter}"))["featureViews"]!.AsArray().Select(v => v!["spec"]!["name"]!.GetValue<string>())];
}

/// <summary>A registry server with the REST API on real Kestrel (HTTP/1.1 on a free loopback port) and a client for it.</summary>
internal sealed class RestHost : IAsyncDisposable
{
    private RestHost(WebApplication app, HttpClient client)
    {
        App = app;
        Client = client;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public static async Task<RestHost> StartAsync(Action<FeastServerOptions> configure, string prefix = "/api/v1",
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        services?.Invoke(builder.Services);
        builder.Services.AddFeastRegistryServer(configure);
        ListenOptions? listen = null;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            l.Protocols = HttpProtocols.Http1;
            listen = l;
        }));
        var app = builder.Build();
        app.MapFeastRegistryServer();
        app.MapFeastRegistryRest(prefix);
        await app.StartAsync();
        return new RestHost(app, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{listen!.IPEndPoint!.Port}/") });
    }

    /// <summary>GETs <c>/api/v1/{route}</c>: its status and JSON body.</summary>
    public async Task<(HttpStatusCode Status, JsonNode Body)> GetAsync(string route)
    {
        using var response = await Client.GetAsync("api/v1/" + route);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonNode.Parse(text)!);
    }

    /// <summary>GETs <c>/api/v1/{route}</c>, which must answer 200 with a JSON object.</summary>
    public async Task<JsonObject> GetOkAsync(string route)
    {
        var (status, body) = await GetAsync(route);
        Assert.True(status == HttpStatusCode.OK, $"GET {route}: {(int)status} {body.ToJsonString()}");
        return body.AsObject();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
    }
}
