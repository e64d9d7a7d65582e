using System.Text.Json.Nodes;
using Feast.Serialization;

namespace Feast.Tests.Online;

/// <summary>
/// The whole online read path against a registry and an online store both written by Python Feast: the same request
/// must give the same JSON Feast's feature server gave (test/testdata/feast_online_sqlite/get_online_features.json).
/// </summary>
public class PythonFeastStoreTests
{
    private static FeatureStore OpenPythonWrittenRepo(TempDir dir) => TestData.OpenPythonWrittenRepo(dir);

    [Fact]
    public async Task GetOnlineFeatures_PythonRegistryAndStore_AnswersAsFeastDid()
    {
        using var dir = new TempDir();
        await using var store = OpenPythonWrittenRepo(dir);
        var fixture = JsonNode.Parse(await File.ReadAllTextAsync(TestData.FeastOnlineFixture))!;
        var request = OnlineRequestJson.Parse(fixture["request"]!.ToJsonString());

        var response = await store.GetOnlineFeaturesAsync(request);

        var expected = fixture["response"]!;
        var actual = JsonNode.Parse(OnlineResponseJson.ToJson(response))!;
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected.ToJsonString()}\nactual   {actual.ToJsonString()}");
    }

    [Fact]
    public async Task GetOnlineFeatures_PythonPickledOnDemandView_IsReportedAsUnsupported()
    {
        using var dir = new TempDir();
        await using var store = OpenPythonWrittenRepo(dir);
        var registry = await store.GetRegistryAsync();
        var odfv = Assert.Single(registry.OnDemandFeatureViews.Values);
        var feature = odfv.Features[0].Name;

        var error = await Assert.ThrowsAnyAsync<FeastException>(() => store.GetOnlineFeaturesAsync(
            [$"{odfv.Name}:{feature}"],
            [new Dictionary<string, object?> { ["driver_id"] = 1001L, ["val_to_add"] = 1L, ["val_to_add_2"] = 2L }]));

        Assert.Contains(odfv.Name, error.Message, StringComparison.Ordinal);
        Assert.Contains("Python", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PushThenRead_IntoPythonWrittenStore_KeepsTheOtherRows()
    {
        using var dir = new TempDir();
        await using var store = OpenPythonWrittenRepo(dir);
        var registry = await store.GetRegistryAsync();
        var view = registry.FeatureViews["driver_hourly_stats"];

        await store.WriteToOnlineStoreAsync(view.Name, FeatureRows.FromRows([new Dictionary<string, object?>
        {
            ["driver_id"] = 1003L, [view.BatchSource.TimestampField] = new DateTimeOffset(2025, 11, 25, 0, 0, 0, TimeSpan.Zero),
            ["conv_rate"] = 0.875f, ["acc_rate"] = 0.5f, ["avg_daily_trips"] = 33L, ["driver_config"] = "{\"tier\": \"gold\"}",
        }]));

        var response = await store.GetOnlineFeaturesAsync(["driver_hourly_stats:conv_rate"],
            [new Dictionary<string, object?> { ["driver_id"] = 1001L }, new Dictionary<string, object?> { ["driver_id"] = 1003L }]);
        Assert.Equal([0.5f, 0.875f], response.ToDictionary()["conv_rate"]);
        var config = await store.GetOnlineFeaturesAsync(["driver_hourly_stats:driver_config"], [new Dictionary<string, object?> { ["driver_id"] = 1003L }]);
        Assert.Equal(["{\"tier\": \"gold\"}"], config.ToDictionary()["driver_config"]);
    }
}
