using System.Net;
using Feast.Online;
using Feast.Protos.Serving;
using Feast.Server.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Feast.Server.Tests;

/// <summary><c>/push</c>, <c>/write-to-online-store</c>, <c>/materialize</c> and <c>/materialize-incremental</c>.</summary>
public sealed class WriteEndpointTests : IAsyncLifetime
{
    private const string FreshRow = """
        {"driver_id": [1005], "event_timestamp": ["2021-04-12 13:00:00+00:00"], "created": ["2021-04-12T13:00:00"],
         "conv_rate": [0.75], "acc_rate": [0.5], "avg_daily_trips": [7]}
        """;

    private ServerRepo _repo = null!;
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _repo = await ServerRepo.CreateAsync();
        _host = await TestHost.StartAsync(_repo.Store);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _repo.DisposeAsync();
    }

    private async Task<Dictionary<string, System.Text.Json.JsonElement[]>> ReadAsync(string features, string drivers) =>
        await Answers.ColumnsAsync(await _host.PostAsync("/get-online-features", $$$"""{"features": [{{{features}}}], "entities": {"driver_id": [{{{drivers}}}]}}"""));

    [Fact]
    public async Task Push_Online_Is200WithNoBody_AndIsReadBack()
    {
        var response = await _host.PostAsync("/push", $$"""{"push_source_name": "driver_stats_push_source", "df": {{FreshRow}}, "to": "online"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        var columns = await ReadAsync("\"driver_hourly_stats_fresh:conv_rate\", \"driver_hourly_stats_fresh:avg_daily_trips\"", "1005");
        Assert.Equal(0.75, columns["conv_rate"][0].GetDouble());
        Assert.Equal(7, columns["avg_daily_trips"][0].GetInt64());
    }

    [Fact]
    public async Task Push_DefaultsToOnline_AndAcceptsNullsAndExtraFields()
    {
        var response = await _host.PostAsync("/push", """
            {"push_source_name": "driver_stats_push_source", "allow_registry_cache": false, "transform_on_write": true, "extra": 1,
             "df": {"driver_id": [1006, 1007], "event_timestamp": ["2021-04-12T13:00:00Z", "2021-04-12T13:00:00Z"], "created": [null, null],
                    "conv_rate": [0.25, null], "acc_rate": [0.5, 0.5], "avg_daily_trips": [3, null]}}
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var columns = await ReadAsync("\"driver_hourly_stats_fresh:conv_rate\"", "1006, 1007");
        Assert.Equal(0.25, columns["conv_rate"][0].GetDouble());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, columns["conv_rate"][1].ValueKind);
    }

    [Fact]
    public async Task Push_UnknownSource_Is422PushSourceNotFound()
    {
        var response = await _host.PostAsync("/push", $$"""{"push_source_name": "nope", "df": {{FreshRow}}}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var (module, cls, message) = await Answers.ErrorAsync(response);
        Assert.Equal(("feast.errors", "PushSourceNotFoundException", "Unable to find push source 'nope'."), (module, cls, message));
    }

    [Theory]
    [InlineData("""{"push_source_name": "driver_stats_push_source", "df": {"driver_id": [1]}, "to": "everywhere"}""", "\"to\"")]
    [InlineData("""{"push_source_name": "driver_stats_push_source"}""", "\"df\"")]
    [InlineData("""{"df": {"driver_id": [1]}}""", "\"push_source_name\"")]
    [InlineData("""{"push_source_name": 5, "df": {"driver_id": [1]}}""", "must be a string")]
    [InlineData("""{"push_source_name": "driver_stats_push_source", "df": [1]}""", "\"df\" must be an object")]
    [InlineData("""{"push_source_name": "driver_stats_push_source", "df": {"driver_id": [1, 2], "conv_rate": [1]}}""", "has 1 value")]
    [InlineData("""{"push_source_name": "driver_stats_push_source", "df": {"driver_id": [1]}, "allow_registry_cache": "yes"}""", "true or false")]
    [InlineData("""{"push_source_name": "driver_stats_push_source", "df": {"driver_id": 1}}""", "\"df\".\"driver_id\" must be a list with one value per row, not the number 1.")]
    [InlineData("""{"push_source_name": "driver_stats_push_source", "df": {"driver_id": [1, 2], "conv_rate": [1]}}""", "\"df\".\"conv_rate\" has 1 value but \"driver_id\" has 2; every column needs one value per row.")]
    [InlineData("""{"push_source_name": "driver_stats_push_source", "df": {"driver_id": [1], "driver_id": [2]}}""", "\"df\" names column \"driver_id\" twice.")]
    public async Task Push_MalformedBody_Is422(string body, string says)
    {
        var response = await _host.PostAsync("/push", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(says, (await Answers.ErrorAsync(response)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_MissingColumnOrBadValue_Is400AndWritesNothing()
    {
        var missing = await _host.PostAsync("/push", """{"push_source_name": "driver_stats_push_source", "df": {"driver_id": [1008], "event_timestamp": ["2021-04-12T13:00:00Z"], "conv_rate": [0.5]}}""");
        var bad = await _host.PostAsync("/push", """
            {"push_source_name": "driver_stats_push_source", "df": {"driver_id": [1008], "event_timestamp": ["yesterday"],
             "conv_rate": [0.5], "acc_rate": [0.5], "avg_daily_trips": [1]}}
            """);

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("acc_rate", (await Answers.ErrorAsync(missing)).Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("yesterday", (await Answers.ErrorAsync(bad)).Message, StringComparison.Ordinal);
        var columns = await ReadAsync("\"driver_hourly_stats_fresh:conv_rate\"", "1008");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, columns["conv_rate"][0].ValueKind);
    }

    [Fact]
    public async Task Push_MonthFirstTimestamp_Is400NamingColumnRowAndValue_AndTheNewerValueStays()
    {
        (await _host.PostAsync("/push", """
            {"push_source_name": "driver_stats_push_source",
             "df": {"driver_id": [1011], "event_timestamp": ["2021-04-12T13:00:00Z"], "created": [null], "conv_rate": [0.75], "acc_rate": [0.5], "avg_daily_trips": [7]}}
            """)).EnsureSuccessStatusCode();

        // Month first (as dateutil and DateTimeOffset.Parse read it) this is 2 January 2099, newer than the stored row.
        var response = await _host.PostAsync("/push", """
            {"push_source_name": "driver_stats_push_source",
             "df": {"driver_id": [1012, 1011], "event_timestamp": ["2021-04-12T14:00:00Z", "01/02/2099 06:00"], "created": [null, null],
                    "conv_rate": [0.5, 0.0], "acc_rate": [0.5, 0.0], "avg_daily_trips": [1, 0]}}
            """);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("Column 'event_timestamp', row 1: \"01/02/2099 06:00\" is not an ISO 8601 timestamp", (await Answers.ErrorAsync(response)).Message, StringComparison.Ordinal);
        var columns = await ReadAsync("\"driver_hourly_stats_fresh:conv_rate\"", "1011, 1012");
        Assert.Equal(0.75, columns["conv_rate"][0].GetDouble());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, columns["conv_rate"][1].ValueKind);
    }

    [Fact]
    public async Task WriteToOnlineStore_EpochNanosecondsAreRead_EpochSecondsAre400()
    {
        var seconds = await _host.PostAsync("/write-to-online-store", """
            {"feature_view_name": "driver_hourly_stats",
             "df": {"driver_id": [1013], "conv_rate": [0.5], "acc_rate": [0.25], "avg_daily_trips": [9], "event_timestamp": [1618231800], "created": [null]}}
            """);
        var nanoseconds = await _host.PostAsync("/write-to-online-store", """
            {"feature_view_name": "driver_hourly_stats",
             "df": {"driver_id": [1013], "conv_rate": [0.5], "acc_rate": [0.25], "avg_daily_trips": [9], "event_timestamp": [1618231800000000000], "created": [null]}}
            """);

        Assert.Equal(HttpStatusCode.BadRequest, seconds.StatusCode);
        Assert.Contains("Column 'event_timestamp', row 0: 1618231800 is read as nanoseconds since the epoch", (await Answers.ErrorAsync(seconds)).Message, StringComparison.Ordinal);
        Assert.Contains("looks like seconds (as nanoseconds: 1618231800000000000)", (await Answers.ErrorAsync(seconds)).Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, nanoseconds.StatusCode);
        var response = await _host.PostAsync("/get-online-features", """{"features": ["driver_hourly_stats:avg_daily_trips"], "entities": {"driver_id": [1013]}}""");
        Assert.Contains("2021-04-12T12:50:00Z", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteToOnlineStore_Is200Null_AndIsReadBack()
    {
        // The body Python's remote online store sends (FEAST-FORMATS §3.5).
        var response = await _host.PostAsync("/write-to-online-store", """
            {"feature_view_name": "driver_hourly_stats", "allow_registry_cache": false,
             "df": {"driver_id": [1009], "conv_rate": [0.5], "acc_rate": [0.25], "avg_daily_trips": [9],
                    "event_timestamp": ["2021-04-12 12:30:00"], "created": [null]}}
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("null", await response.Content.ReadAsStringAsync());
        var columns = await ReadAsync("\"driver_hourly_stats:avg_daily_trips\"", "1009");
        Assert.Equal(9, columns["avg_daily_trips"][0].GetInt64());
    }

    [Fact]
    public async Task WriteToOnlineStore_UnknownView_Is404()
    {
        var response = await _host.PostAsync("/write-to-online-store", """{"feature_view_name": "nope", "df": {"driver_id": [1]}}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("FeatureViewNotFoundException", (await Answers.ErrorAsync(response)).Class);
    }

    [Fact]
    public async Task Materialize_LoadsTheWindow_Is200Null()
    {
        var response = await _host.PostAsync("/materialize", """{"start_ts": "2021-04-11", "end_ts": "2021-04-12 10:30:00", "feature_views": ["driver_hourly_stats"]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("null", await response.Content.ReadAsStringAsync());
        // Only 1001's first row is inside the window.
        var columns = await ReadAsync("\"driver_hourly_stats:avg_daily_trips\"", "1001, 1002");
        Assert.Equal(10, columns["avg_daily_trips"][0].GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, columns["avg_daily_trips"][1].ValueKind);
    }

    [Fact]
    public async Task MaterializeIncremental_ContinuesFromTheLastInterval()
    {
        await _host.PostAsync("/materialize", """{"start_ts": "2021-04-11T00:00:00Z", "end_ts": "2021-04-12T10:30:00+00:00"}""");

        var response = await _host.PostAsync("/materialize-incremental", """{"end_ts": "2021-04-12T13:00:00"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("null", await response.Content.ReadAsStringAsync());
        var columns = await ReadAsync("\"driver_hourly_stats:avg_daily_trips\"", "1001, 1002");
        Assert.Equal("[20,40]", "[" + string.Join(",", columns["avg_daily_trips"].Select(v => v.GetRawText())) + "]");
    }

    [Theory]
    [InlineData("/materialize", """{"start_ts": "2021-04-12", "end_ts": "2021-04-12"}""", HttpStatusCode.BadRequest, "must be before")]
    [InlineData("/materialize", """{"start_ts": "2021-04-13", "end_ts": "2021-04-12"}""", HttpStatusCode.BadRequest, "must be before")]
    [InlineData("/materialize", """{"start_ts": "soon", "end_ts": "2021-04-12"}""", HttpStatusCode.UnprocessableEntity, "soon")]
    [InlineData("/materialize", """{"start_ts": "04/11/2021", "end_ts": "2021-04-12"}""", HttpStatusCode.UnprocessableEntity, "\"start_ts\": \"04/11/2021\" is not an ISO 8601 timestamp")]
    [InlineData("/materialize-incremental", """{"end_ts": "12/04/2021 10:00"}""", HttpStatusCode.UnprocessableEntity, "\"end_ts\": \"12/04/2021 10:00\" is not an ISO 8601 timestamp")]
    [InlineData("/materialize", """{"end_ts": "2021-04-12"}""", HttpStatusCode.UnprocessableEntity, "start_ts")]
    [InlineData("/materialize", """{"start_ts": "2021-04-11", "end_ts": "2021-04-12", "feature_views": ["nope"]}""", HttpStatusCode.NotFound, "nope")]
    [InlineData("/materialize", """{"start_ts": "2021-04-11", "end_ts": "2021-04-12", "feature_views": ["transformed_conv_rate"]}""", HttpStatusCode.BadRequest, "on demand")]
    [InlineData("/materialize", """{"start_ts": "2021-04-11", "end_ts": "2021-04-12", "feature_views": "driver_hourly_stats"}""", HttpStatusCode.UnprocessableEntity, "list")]
    [InlineData("/materialize-incremental", """{"end_ts": "2021-04-12", "feature_views": "driver_hourly_stats"}""", HttpStatusCode.UnprocessableEntity, "\"feature_views\" must be a list of feature view names, not the string \"driver_hourly_stats\".")]
    [InlineData("/materialize-incremental", """{"end_ts": "2021-04-12", "feature_views": ["driver_hourly_stats", 7]}""", HttpStatusCode.UnprocessableEntity, "\"feature_views\"[1] must be a feature view name, not the number 7.")]
    [InlineData("/materialize-incremental", """{}""", HttpStatusCode.UnprocessableEntity, "end_ts")]
    public async Task Materialize_BadRequest_SaysWhy(string path, string body, HttpStatusCode status, string says)
    {
        var response = await _host.PostAsync(path, body);

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(says, (await Answers.ErrorAsync(response)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Materialize_DisableEventTimestamp_LoadsEverythingUpToNow()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var host = await TestHost.StartAsync(repo.Store);

        // No timestamps needed: from the epoch to the server's now, as Feast does.
        var response = await host.PostAsync("/materialize", """{"disable_event_timestamp": true, "feature_views": ["driver_hourly_stats"]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var read = await repo.Store.GetOnlineFeaturesAsync(["driver_hourly_stats:conv_rate"], [new Dictionary<string, object?> { ["driver_id"] = 1001L }]);
        Assert.Equal(FeatureStatus.Present, read["conv_rate"].Statuses[0]);
        // Stamped with the store's "now", not the source rows' timestamps (which are hours earlier).
        Assert.Equal(ServerRepo.Now, read["conv_rate"].EventTimestamps[0]);
    }

    [Fact]
    public async Task Materialize_Async_Is202AtOnce_409WhileRunning_ThenDone()
    {
        await using var repo = await ServerRepo.CreateAsync(controlled: true);
        await using var host = await TestHost.StartAsync(repo.Store);
        var writing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        repo.Online!.BeforeWrite = async _ =>
        {
            writing.TrySetResult();
            await release.Task;
        };
        const string Window = """{"start_ts": "2021-04-11", "end_ts": "2021-04-13", "feature_views": ["driver_hourly_stats"]}""";

        var accepted = await host.PostAsync("/materialize?async=true", Window);
        await writing.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var conflict = await host.PostAsync("/materialize", Window);
        release.SetResult();

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("""{"status":"accepted","feature_views":["driver_hourly_stats"]}""", await accepted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        var body = System.Text.Json.Nodes.JsonNode.Parse(await conflict.Content.ReadAsStringAsync())!;
        Assert.Contains("already being materialized", body["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("driver_hourly_stats", body["feature_views"]![0]!.GetValue<string>());

        // Done: the background run has written the rows and released the view, so both a read and a new run see it finished.
        await host.App.Services.GetRequiredService<MaterializationRunner>().BackgroundRunsDone().WaitAsync(TimeSpan.FromSeconds(30));
        var columns = await Answers.ColumnsAsync(await host.PostAsync("/get-online-features", """{"features": ["driver_hourly_stats:avg_daily_trips"], "entities": {"driver_id": [1002]}}"""));
        Assert.Equal(40, columns["avg_daily_trips"][0].GetInt64());
        var again = (await host.PostAsync("/materialize", Window)).StatusCode;
        Assert.Equal(HttpStatusCode.OK, again);
    }
}
