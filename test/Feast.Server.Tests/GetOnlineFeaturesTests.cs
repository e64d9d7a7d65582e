using System.Net;
using System.Text.Json.Nodes;

namespace Feast.Server.Tests;

/// <summary><c>POST /get-online-features</c>: Feast's request and response JSON, and every way a request can be wrong.</summary>
public sealed class GetOnlineFeaturesTests : IAsyncLifetime
{
    private ServerRepo _repo = null!;
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _repo = await ServerRepo.CreateAsync();
        await _repo.Store.MaterializeAsync(ServerRepo.T0.AddDays(-1), ServerRepo.Now);
        _host = await TestHost.StartAsync(_repo.Store);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _repo.DisposeAsync();
    }

    [Fact]
    public async Task PythonWrittenRepo_AnswersAsFeastDid()
    {
        var dir = TestFiles.PythonWrittenRepo();
        try
        {
            await using var host = await TestHost.StartAsync(o => o.RepoPath = dir);
            var fixture = JsonNode.Parse(await File.ReadAllTextAsync(TestFiles.FeastOnlineFixture))!;

            var response = await host.PostAsync("/get-online-features", fixture["request"]!.ToJsonString());

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var body = await response.Content.ReadAsStringAsync();
            var expected = fixture["response"]!;
            Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(body)), $"expected {expected.ToJsonString()}\nactual   {body}");
            // Compact, results before metadata, as Python's JSONResponse writes it.
            Assert.Equal(expected.ToJsonString(), body);
        }
        finally
        {
            TestFiles.DeleteDirectory(dir);
        }
    }

    [Fact]
    public async Task Features_ColumnMajorWithJoinKeyFirst()
    {
        var response = await _host.PostAsync("/get-online-features",
            """{"features": ["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"], "entities": {"driver_id": [1001, 1002, 9999]}}""");

        var columns = await Answers.ColumnsAsync(response);
        Assert.Equal(["driver_id", "conv_rate", "avg_daily_trips"], columns.Keys);
        Assert.Equal("[1001,1002,9999]", Json(columns["driver_id"]));
        Assert.Equal("[0.20000000298023224,0.4000000059604645,null]", Json(columns["conv_rate"]));
        Assert.Equal("[20,40,null]", Json(columns["avg_daily_trips"]));
    }

    [Fact]
    public async Task FeatureService_WithRequestData_ComputesOnDemandFeatures()
    {
        var response = await _host.PostAsync("/get-online-features",
            """{"feature_service": "driver_activity_v1", "entities": {"driver_id": [1001], "val_to_add": [1000], "val_to_add_2": [2000]}, "full_feature_names": true}""");

        var columns = await Answers.ColumnsAsync(response);
        Assert.Equal(["driver_id", "driver_hourly_stats__conv_rate", "transformed_conv_rate__conv_rate_plus_val1", "transformed_conv_rate__conv_rate_plus_val2"], columns.Keys);
        Assert.Equal(1000.2, columns["transformed_conv_rate__conv_rate_plus_val1"][0].GetDouble(), 5);
    }

    [Fact]
    public async Task AnyContentType_IsReadAsJson()
    {
        // Feast's docs post with curl -d, which sends a form content type.
        var response = await _host.PostAsync("/get-online-features",
            """{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001]}}""", "application/x-www-form-urlencoded");

        Assert.Equal("[1001]", Json((await Answers.ColumnsAsync(response))["driver_id"]));
    }

    [Theory]
    [InlineData("""{"features": ["no_such_view:conv_rate"], "entities": {"driver_id": [1001]}}""", "FeatureViewNotFoundException", "no_such_view")]
    [InlineData("""{"feature_service": "no_such_service", "entities": {"driver_id": [1001]}}""", "FeatureServiceNotFoundException", "no_such_service")]
    [InlineData("""{"features": ["transformed_conv_rate:conv_rate_plus_val1"], "entities": {"driver_id": [1001]}}""", "RequestDataNotFoundInEntityRowsException", "val_to_add")]
    public async Task UnknownObjectOrMissingRequestData_Is404WithFeastsErrorBody(string request, string errorClass, string named)
    {
        var response = await _host.PostAsync("/get-online-features", request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var (module, cls, message) = await Answers.ErrorAsync(response);
        Assert.Equal("feast.errors", module);
        Assert.Equal(errorClass, cls);
        Assert.Contains(named, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorBody_IsTheDetailEncodedTwice_AsPythonWritesIt()
    {
        var response = await _host.PostAsync("/get-online-features", """{"features": ["nope:x"], "entities": {"driver_id": [1001]}}""");

        var raw = await response.Content.ReadAsStringAsync();
        Assert.Equal(
            "\"{\\\"module\\\": \\\"feast.errors\\\", \\\"class\\\": \\\"FeatureViewNotFoundException\\\", \\\"message\\\": \\\"Feature view nope does not exist in project loop\\\"}\"",
            raw);
    }

    [Theory]
    [InlineData("""{"features": ["driver_hourly_stats:conv_rate"], "entities": {"customer_id": [1001]}}""", "EntityKeyMissingException", "driver_id")]
    [InlineData("""{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": ["abc"]}}""", "FeastValidationException", "abc")]
    [InlineData("""{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1.5]}}""", "FeastValidationException", "1.5")]
    [InlineData("""{"features": ["conv_rate"], "entities": {"driver_id": [1001]}}""", "FeastValidationException", "conv_rate")]
    public async Task WrongRequest_Is400NamingTheProblem(string request, string errorClass, string named)
    {
        var response = await _host.PostAsync("/get-online-features", request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var (_, cls, message) = await Answers.ErrorAsync(response);
        Assert.Equal(errorClass, cls);
        Assert.Contains(named, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"features\": [\"driver_hourly_stats:conv_rate\"], \"entities\": {\"driver_id\": [1001]", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("""{"features": ["driver_hourly_stats:conv_rate"]}""", "no \"entities\"")]
    [InlineData("""{"entities": {"driver_id": [1001]}}""", "names no features")]
    [InlineData("""{"features": "driver_hourly_stats:conv_rate", "entities": {"driver_id": [1001]}}""", "\"features\" must be a list")]
    [InlineData("""{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": 1001}}""", "must be a list")]
    [InlineData("""{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001, 1002], "val_to_add": [1]}}""", "has 1 value")]
    public async Task MalformedBody_Is422SayingWhatIsWrong(string body, string says)
    {
        var response = await _host.PostAsync("/get-online-features", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var (_, cls, message) = await Answers.ErrorAsync(response);
        Assert.Equal("RequestBodyException", cls);
        Assert.Contains(says, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyOverTheLimit_Is413()
    {
        await using var host = await TestHost.StartAsync(_repo.Store, configure: o => o.MaxRequestBodyBytes = 1024);
        var ids = string.Join(", ", Enumerable.Range(1, 400));

        var response = await host.PostAsync("/get-online-features", $$$"""{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [{{{ids}}}]}}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var (_, cls, message) = await Answers.ErrorAsync(response);
        Assert.Equal("RequestBodyTooLargeException", cls);
        Assert.Contains("1024 bytes", message, StringComparison.Ordinal);
        Assert.Contains("feast serve --max-request-bytes", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyOverTheLimit_WithoutContentLength_Is413()
    {
        await using var host = await TestHost.StartAsync(_repo.Store, configure: o => o.MaxRequestBodyBytes = 1024);
        var ids = string.Join(", ", Enumerable.Range(1, 400));
        var content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(
            $$$"""{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [{{{ids}}}]}}""")));
        content.Headers.ContentLength = null;

        var response = await host.Http.PostAsync("/get-online-features", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task GetInsteadOfPost_Is405()
    {
        var response = await _host.Http.GetAsync("/get-online-features");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    private static string Json(System.Text.Json.JsonElement[] values) => "[" + string.Join(",", values.Select(v => v.GetRawText())) + "]";
}
