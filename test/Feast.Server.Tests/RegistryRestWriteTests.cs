using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Feast.Server.Tests;

/// <summary>
/// The REST API's writes, search, metrics and saved-dataset data over real HTTP/1.1 on loopback, against a repo applied
/// by the SDK (project <c>loop</c>): Feast's request bodies, answers and error JSON.
/// </summary>
public sealed class RegistryRestWriteTests : IAsyncLifetime
{
    private ServerRepo _repo = null!;
    private RestHost _host = null!;

    public async Task InitializeAsync()
    {
        _repo = await ServerRepo.CreateAsync();
        _host = await RestHost.StartAsync(o => o.Store = _repo.Store);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _repo.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> SendAsync(HttpMethod method, string route, string? body = null)
    {
        using var request = new HttpRequestMessage(method, "api/v1/" + route);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    private static void AssertError(HttpStatusCode expected, string type, (HttpStatusCode Status, JsonObject Body) answer, string? detail = null)
    {
        Assert.True(answer.Status == expected, $"{(int)answer.Status} {answer.Body.ToJsonString()}");
        Assert.Equal((int)expected, answer.Body["status_code"]!.GetValue<int>());
        Assert.Equal(type, answer.Body["error_type"]!.GetValue<string>());
        if (detail is not null) Assert.Contains(detail, answer.Body["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writes_CreateEveryKind_ThenReadThemBack_ThenDeleteThem()
    {
        var entity = await SendAsync(HttpMethod.Post, "entities", """{"name": "rider", "project": "loop", "join_key": "rider_id", "value_type": 4, "description": "A rider", "tags": {"team": "mobility"}}""");
        Assert.Equal(HttpStatusCode.Created, entity.Status);
        Assert.Equal("""{"name":"rider","project":"loop","status":"applied"}""", entity.Body.ToJsonString());
        var source = await SendAsync(HttpMethod.Post, "data_sources", """{"name": "rider_source", "project": "loop", "timestamp_field": "event_timestamp", "file_options": {"uri": "data/driver_stats.parquet"}}""");
        Assert.Equal(HttpStatusCode.Created, source.Status);
        var view = await SendAsync(HttpMethod.Post, "feature_views",
            """{"name": "rider_stats", "project": "loop", "entities": ["rider"], "features": [{"name": "conv_rate", "value_type": 6}], "batch_source": "rider_source", "ttl_seconds": 86400, "tags": {"team": "mobility"}}""");
        Assert.True(view.Status == HttpStatusCode.Created, view.Body.ToJsonString());
        var service = await SendAsync(HttpMethod.Post, "feature_services", """{"name": "rider_service", "project": "loop", "features": [{"feature_view_name": "rider_stats"}]}""");
        Assert.True(service.Status == HttpStatusCode.Created, service.Body.ToJsonString());
        var permission = await SendAsync(HttpMethod.Post, "permissions",
            """{"name": "readers", "project": "loop", "types": ["FEATURE_VIEW", "NO_SUCH_TYPE"], "actions": ["DESCRIBE"], "policy": {"role_based_policy": {"roles": ["reader"]}}}""");
        Assert.Equal(HttpStatusCode.Created, permission.Status);

        var readEntity = await _host.GetOkAsync("entities/rider?project=loop");
        Assert.Equal("rider_id", readEntity["spec"]!["joinKey"]!.GetValue<string>());
        Assert.Equal("INT64", readEntity["spec"]!["valueType"]!.GetValue<string>());
        var readView = await _host.GetOkAsync("feature_views/rider_stats?project=loop");
        Assert.Equal("rider_source", readView["spec"]!["batchSource"]!["name"]!.GetValue<string>());
        Assert.Equal("rider_id", readView["spec"]!["entityColumns"]![0]!["name"]!.GetValue<string>());
        var readService = await _host.GetOkAsync("feature_services/rider_service?project=loop");
        Assert.Equal("conv_rate", readService["spec"]!["features"]![0]!["featureColumns"]![0]!["name"]!.GetValue<string>());
        var readPermission = await _host.GetOkAsync("permissions/readers?project=loop");
        Assert.Equal(["FEATURE_VIEW"], readPermission["spec"]!["types"]!.AsArray().Select(t => t!.GetValue<string>()));

        // In use: the entity a view names is not deleted (409), the view is, then the entity.
        AssertError(HttpStatusCode.Conflict, "ObjectInUseException", await SendAsync(HttpMethod.Delete, "entities/rider?project=loop"));
        foreach (var route in new[] { "permissions/readers", "feature_services/rider_service", "feature_views/rider_stats", "data_sources/rider_source", "entities/rider" })
        {
            var deleted = await SendAsync(HttpMethod.Delete, route + "?project=loop");
            Assert.True(deleted.Status == HttpStatusCode.OK, route + ": " + deleted.Body.ToJsonString());
            Assert.Equal("deleted", deleted.Body["status"]!.GetValue<string>());
        }
        AssertError(HttpStatusCode.NotFound, "FeastObjectNotFoundException", await SendAsync(HttpMethod.Delete, "entities/rider?project=loop"));
        AssertError(HttpStatusCode.NotFound, "FeastObjectNotFoundException", await SendAsync(HttpMethod.Get, "feature_views/rider_stats?project=loop"));
    }

    [Fact]
    public async Task Writes_BadBodies_AreFeastsErrorJson_NamingTheField()
    {
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Post, "entities", """{"project": "loop"}"""), "body.name");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Post, "entities", """{"name": 5, "project": "loop"}"""), "body.name");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Post, "entities", "not json"), "not valid JSON");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Post, "entities", "[1]"), "JSON object");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Post, "entities", ""), "body is missing");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Post, "entities", """{"name": "x", "project": "loop", "value_type": 999}"""), "value_type");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Post, "feature_views",
            """{"name": "v", "project": "loop", "entities": ["driver"], "batch_source": "nowhere"}"""), "batch_source 'nowhere'");
        AssertError(HttpStatusCode.UnprocessableEntity, "ValueError", await SendAsync(HttpMethod.Post, "feature_views",
            """{"name": "v", "project": "loop", "entities": ["ghost"], "features": [{"name": "f"}], "batch_source": "driver_stats_source"}"""), "ghost");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Post, "data_sources", """{"name": "s", "project": "loop"}"""), "options");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Post, "permissions", """{"name": "p", "project": "loop"}"""), "body.policy");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Post, "feature_services",
            """{"name": "s", "project": "loop", "features": "driver_hourly_stats"}"""), "body.features");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Delete, "entities/driver"), "'project'");
        AssertError(HttpStatusCode.NotFound, "FeastObjectNotFoundException", await SendAsync(HttpMethod.Delete, "entities/driver?project=no_such_project"));
    }

    [Fact]
    public async Task SavedDatasets_Register_Conflict_Data_AndDelete()
    {
        const string Body = """{"name": "training", "project": "loop", "storage_path": "data/driver_stats.parquet", "feature_service_name": "driver_activity_v1", "features": ["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate"]}""";
        var registered = await SendAsync(HttpMethod.Post, "saved_datasets", Body);
        Assert.True(registered.Status == HttpStatusCode.OK, registered.Body.ToJsonString());
        Assert.Equal("""{"status":"ok","name":"training","project":"loop"}""", registered.Body.ToJsonString());
        var dataset = await _host.GetOkAsync("saved_datasets/training?project=loop");
        Assert.Contains("driver_hourly_stats:conv_rate", dataset["spec"]!["features"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal(["driver_id"], dataset["spec"]!["joinKeys"]!.AsArray().Select(f => f!.GetValue<string>()));
        AssertError(HttpStatusCode.Conflict, "HTTPException", await SendAsync(HttpMethod.Post, "saved_datasets", Body), "already exists");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, "saved_datasets", Body.Replace("}", ", \"allow_override\": true}", StringComparison.Ordinal))).Status);
        AssertError(HttpStatusCode.BadRequest, "HTTPException", await SendAsync(HttpMethod.Post, "saved_datasets", """{"name": "x", "project": "loop", "storage_path": " "}"""),
            "Storage path is required");
        AssertError(HttpStatusCode.BadRequest, "HTTPException", await SendAsync(HttpMethod.Post, "saved_datasets", """{"name": " ", "project": "loop", "storage_path": "a"}"""),
            "Dataset name is required.");

        // Its rows, read through the offline store (DuckDB): the join key, the features and event_timestamp.
        var data = await _host.GetOkAsync("saved_datasets/data/training?project=loop&limit=2");
        Assert.Equal(2, data["rows"]!.AsArray().Count);
        Assert.Equal(2, data["sample_size"]!.GetValue<int>());
        var columns = data["columns"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
        Assert.Contains("driver_id", columns);
        Assert.Contains("conv_rate", columns);
        Assert.IsType<long>(data["rows"]![0]!["driver_id"]!.GetValue<long>());
        var (badLimit, _) = await SendAsync(HttpMethod.Get, "saved_datasets/data/training?project=loop&limit=101");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badLimit);
        AssertError(HttpStatusCode.NotFound, "FeastObjectNotFoundException", await SendAsync(HttpMethod.Get, "saved_datasets/data/nothing?project=loop"));

        // Creating one needs a retrieval run in the server, which this one does not run: Feast's checks, then 501 saying what to do.
        AssertError(HttpStatusCode.BadRequest, "HTTPException", await SendAsync(HttpMethod.Post, "saved_datasets/create", """{"name": "n", "project": "loop", "storage_path": "out.parquet"}"""),
            "Either feature_service_name or features list is required.");
        AssertError((HttpStatusCode)501, "HTTPException", await SendAsync(HttpMethod.Post, "saved_datasets/create",
            """{"name": "n", "project": "loop", "storage_path": "out.parquet", "feature_service_name": "driver_activity_v1"}"""), "POST /saved_datasets");

        var deleted = await SendAsync(HttpMethod.Delete, "saved_datasets/training?project=loop");
        Assert.Equal("""{"status":"ok","name":"training","project":"loop"}""", deleted.Body.ToJsonString());
        AssertError(HttpStatusCode.NotFound, "FeastObjectNotFoundException", await SendAsync(HttpMethod.Delete, "saved_datasets/training?project=loop"));
    }

    [Fact]
    public async Task Search_ScoresSortsAndPages_AsFeast()
    {
        var json = await _host.GetOkAsync("search?query=driver");
        Assert.Equal("driver", json["query"]!.GetValue<string>());
        Assert.Equal(["loop"], json["projects_searched"]!.AsArray().Select(p => p!.GetValue<string>()));
        var results = json["results"]!.AsArray().Select(r => r!.AsObject()).ToList();
        var entity = results.Single(r => r["type"]!.GetValue<string>() == "entity");
        Assert.Equal("driver", entity["name"]!.GetValue<string>());
        Assert.Equal(100, entity["match_score"]!.GetValue<double>());
        Assert.Null(entity["tags"]);
        Assert.NotNull(entity["matched_tags"]);
        Assert.Contains(results, r => r["type"]!.GetValue<string>() == "featureView" && r["name"]!.GetValue<string>() == "driver_hourly_stats");
        Assert.Contains(results, r => r["type"]!.GetValue<string>() == "featureService");
        var scores = results.Select(r => r["match_score"]!.GetValue<double>()).ToList();
        Assert.Equal(scores.OrderDescending(), scores);
        Assert.Equal(results.Count, json["pagination"]!["totalCount"]!.GetValue<int>());

        var feature = (await _host.GetOkAsync("search?query=conv_rate&sort_by=name&sort_order=asc")).AsObject()["results"]!.AsArray()
            .First(r => r!["type"]!.GetValue<string>() == "feature")!;
        Assert.Equal("driver_hourly_stats", feature["featureView"]!.GetValue<string>());
        var paged = await _host.GetOkAsync("search?query=driver&limit=1&page=2");
        Assert.Single(paged["results"]!.AsArray());
        Assert.True(paged["pagination"]!["hasPrevious"]!.GetValue<bool>());

        var unknown = await _host.GetOkAsync("search?query=driver&projects=nowhere");
        Assert.Empty(unknown["results"]!.AsArray());
        Assert.Equal("Following projects do not exist: nowhere", unknown["errors"]![0]!.GetValue<string>());

        AssertError(HttpStatusCode.BadRequest, "HTTPException", await SendAsync(HttpMethod.Get, "search?query=x&sort_by=size"),
            "Invalid sort_by parameter: 'size'. Valid options are: ['match_score', 'name', 'type']");
        AssertError(HttpStatusCode.BadRequest, "HTTPException", await SendAsync(HttpMethod.Get, "search?query=x&sort_order=up"), "Invalid sort_order parameter: 'up'");
        AssertError(HttpStatusCode.BadRequest, "HTTPException", await SendAsync(HttpMethod.Get, "search?query=x&page=0"), "Invalid page parameter: '0'. Must be greater than or equal to 1");
        AssertError(HttpStatusCode.BadRequest, "HTTPException", await SendAsync(HttpMethod.Get, "search?query=x&limit=101"), "Invalid limit parameter: '101'. Must be less than or equal to 100");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Get, "search?query=x&page=two"), "'page'");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Get, "search"), "'query'");
    }

    [Fact]
    public async Task Metrics_ResourceCounts_PopularTags_RecentlyVisited()
    {
        var counts = await _host.GetOkAsync("metrics/resource_counts?project=loop");
        Assert.Equal("loop", counts["project"]!.GetValue<string>());
        var entityCount = (await _host.GetOkAsync("entities?project=loop"))["entities"]!.AsArray().Count;
        Assert.Equal(entityCount, counts["counts"]!["entities"]!.GetValue<int>());
        Assert.Equal(3, counts["counts"]!["featureViews"]!.GetValue<int>());
        Assert.Equal(1, counts["counts"]!["featureServices"]!.GetValue<int>());
        Assert.Contains(counts["featureViews"]!.AsArray(), v => v!["name"]!.GetValue<string>() == "driver_hourly_stats" && v["featureCount"]!.GetValue<int>() == 3);
        Assert.NotNull(counts["registryLastUpdated"]);
        var all = await _host.GetOkAsync("metrics/resource_counts");
        Assert.Equal(entityCount, all["total"]!["entities"]!.GetValue<int>());
        Assert.Equal(3, all["perProject"]!["loop"]!["featureViews"]!.GetValue<int>());
        var none = await _host.GetOkAsync("metrics/resource_counts?project=no_such_project");
        Assert.Equal(0, none["counts"]!["entities"]!.GetValue<int>());

        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "feature_views",
            """{"name": "tagged", "project": "loop", "entities": ["driver"], "features": [{"name": "conv_rate", "value_type": 6}], "batch_source": "driver_stats_source", "tags": {"team": "ml"}}""")).Status);
        var tags = await _host.GetOkAsync("metrics/popular_tags?project=loop&limit=1");
        var top = tags["popular_tags"]![0]!;
        Assert.Equal("team", top["tag_key"]!.GetValue<string>());
        Assert.Equal("tagged", top["feature_views"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(1, tags["metadata"]!["limit"]!.GetValue<int>());
        Assert.Equal(4, tags["metadata"]!["totalFeatureViews"]!.GetValue<int>());

        await _host.GetOkAsync("entities/driver?project=loop");
        await _host.GetOkAsync("feature_views/driver_hourly_stats?project=loop");
        await _host.GetOkAsync("entities?project=loop");
        var visits = await _host.GetOkAsync("metrics/recently_visited?project=loop");
        Assert.Equal(["driver", "driver_hourly_stats"], visits["visits"]!.AsArray().Select(v => v!["object_name"]!.GetValue<string>()));
        Assert.Equal("anonymous", visits["visits"]![0]!["user"]!.GetValue<string>());
        Assert.Equal(2, visits["pagination"]!["totalCount"]!.GetValue<int>());
        var entities = await _host.GetOkAsync("metrics/recently_visited?object=entities&page=1&limit=10");
        Assert.Equal("entities", Assert.Single(entities["visits"]!.AsArray())!["object"]!.GetValue<string>());
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Get, "metrics/recently_visited?limit=0"), "'limit'");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Get, "metrics/popular_tags?limit=many"), "'limit'");
    }

    [Fact]
    public async Task ComputeEngines_AndMaterializationJobs_FromTheViewsMetadata()
    {
        await _repo.Store.MaterializeAsync(ServerRepo.Now.AddDays(-2), ServerRepo.Now, ["driver_hourly_stats"]);

        var engines = await _host.GetOkAsync("compute_engines?project=loop");
        Assert.Equal("local", engines["engine"]!["engineType"]!.GetValue<string>());
        Assert.Equal("LocalComputeEngine", engines["engine"]!["engineClass"]!.GetValue<string>());
        Assert.Equal("loop", engines["engine"]!["project"]!.GetValue<string>());
        var stats = engines["featureViews"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "driver_hourly_stats")!;
        Assert.Equal("Batch", stats["type"]!.GetValue<string>());
        Assert.Single(stats["materializationIntervals"]!.AsArray());
        Assert.Equal(stats["materializationIntervals"]![0]!["endTime"]!.GetValue<string>(), stats["lastMaterialized"]!.GetValue<string>());
        var all = await _host.GetOkAsync("compute_engines/all");
        Assert.Equal(1, all["pagination"]!["total"]!.GetValue<int>());
        Assert.Equal("loop", all["engines"]![0]!["project"]!.GetValue<string>());

        var jobs = await _host.GetOkAsync("materialization_jobs?project=loop");
        var job = Assert.Single(jobs["jobs"]!.AsArray())!;
        Assert.Equal("driver_hourly_stats-0", job["id"]!.GetValue<string>());
        Assert.Equal("SUCCEEDED", job["status"]!.GetValue<string>());
        Assert.Empty((await _host.GetOkAsync("materialization_jobs?project=loop&feature_view=other"))["jobs"]!.AsArray());
        Assert.Single((await _host.GetOkAsync("materialization_jobs?project=loop&status=succeeded"))["jobs"]!.AsArray());

        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Get, "compute_engines"), "'project'");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Get, "compute_engines/all?limit=0"), "'limit'");
        AssertError(HttpStatusCode.UnprocessableEntity, "RequestValidationError", await SendAsync(HttpMethod.Get, "materialization_jobs?project=loop&page=0"), "'page'");
        Assert.Empty((await _host.GetOkAsync("materialization_jobs?project=no_such_project"))["jobs"]!.AsArray());
    }
}
