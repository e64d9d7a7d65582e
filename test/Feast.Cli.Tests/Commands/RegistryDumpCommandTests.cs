using System.Text.Json.Nodes;

namespace Feast.Cli.Tests.Commands;

/// <summary><c>feast registry-dump</c>: the project's registry as Feast prints it, camelCase protobuf JSON with sorted keys.</summary>
[Collection(AppliedReposCollection.Name)]
public class RegistryDumpCommandTests(AppliedReposFixture repos)
{
    [Fact]
    public async Task RegistryDump_AppliedRepo_PrintsSortedCamelCaseJsonOfEveryKind()
    {
        var dump = (await repos.Plain.RunAsync("registry-dump")).ExpectOk();

        Assert.Equal("", dump.Stderr);
        var root = Assert.IsType<JsonObject>(JsonNode.Parse(dump.Stdout));
        foreach (var key in new[] { "dataSources", "entities", "featureViews", "featureServices", "onDemandFeatureViews", "project" })
            Assert.True(root.ContainsKey(key), $"no {key} in [{string.Join(", ", root.Select(kv => kv.Key))}]");
        Assert.Equal(AppliedReposFixture.PlainProject, (string?)root["project"]);
        AssertKeysSorted(root, "$");

        var views = root["featureViews"]!.AsArray();
        Assert.Equal(["driver_hourly_stats", "driver_hourly_stats_fresh"], views.Select(v => (string?)v!["spec"]!["name"]));
        var spec = views[0]!["spec"]!.AsObject();
        Assert.True(spec.ContainsKey("batchSource"));
        Assert.Equal("86400s", (string?)spec["ttl"]);
        Assert.Equal("event_timestamp", (string?)spec["batchSource"]!["timestampField"]);
        Assert.Contains(root["entities"]!.AsArray(), e => (string?)e!["spec"]!["joinKey"] == "driver_id");
        Assert.Equal(["driver_activity_v1", "driver_activity_v2", "driver_activity_v3"], root["featureServices"]!.AsArray().Select(s => (string?)s!["spec"]!["name"]));
        Assert.Equal(["driver_hourly_stats_source", "driver_stats_push_source", "vals_to_add"], root["dataSources"]!.AsArray().Select(s => (string?)s!["name"]));
        Assert.Equal(["transformed_conv_rate", "transformed_conv_rate_fresh"], root["onDemandFeatureViews"]!.AsArray().Select(v => (string?)v!["spec"]!["name"]));
        AssertNoSnakeCaseKeys(root, "$");
    }

    [Fact]
    public async Task RegistryDump_RepoWithStreamViewsAndPermissions_IncludesThem()
    {
        var dump = (await repos.Extended.RunAsync("registry-dump")).ExpectOk();

        var root = Assert.IsType<JsonObject>(JsonNode.Parse(dump.Stdout));
        AssertKeysSorted(root, "$");
        Assert.Equal(["driver_pushed_stream", "driver_trips_stream"], root["streamFeatureViews"]!.AsArray().Select(v => (string?)v!["spec"]!["name"]));
        Assert.Equal(["admins", "readers"], root["permissions"]!.AsArray().Select(p => (string?)p!["spec"]!["name"]));
    }

    /// <summary>Every object's keys are in ordinal order, as Python's <c>json.dumps(..., sort_keys=True)</c> writes them.</summary>
    internal static void AssertKeysSorted(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                var keys = obj.Select(kv => kv.Key).ToList();
                Assert.True(keys.SequenceEqual(keys.Order(StringComparer.Ordinal)), $"keys of {path} are not sorted: {string.Join(", ", keys)}");
                foreach (var (key, value) in obj) AssertKeysSorted(value, $"{path}.{key}");
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) AssertKeysSorted(array[i], $"{path}[{i}]");
                break;
        }
    }

    private static void AssertNoSnakeCaseKeys(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    // Map keys such as tag names are user data; field names are camelCase.
                    var isMap = path.EndsWith(".tags", StringComparison.Ordinal) || path.EndsWith(".sources", StringComparison.Ordinal);
                    Assert.False(!isMap && key.Contains('_', StringComparison.Ordinal), $"{path}.{key} is not camelCase");
                    AssertNoSnakeCaseKeys(value, $"{path}.{key}");
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) AssertNoSnakeCaseKeys(array[i], $"{path}[{i}]");
                break;
        }
    }
}
