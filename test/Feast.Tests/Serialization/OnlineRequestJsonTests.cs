using System.Text;
using System.Text.Json;
using Feast.Serialization;
using Feast.Values;

namespace Feast.Tests.Serialization;

public sealed class OnlineRequestJsonTests
{
    [Fact]
    public void Parse_FeastServerFixture_ReadsEntitiesAndFeatures()
    {
        var body = JsonDocument.Parse(File.ReadAllText(TestData.FeastOnlineFixture))
            .RootElement.GetProperty("request").GetRawText();

        var request = OnlineRequestJson.Parse(Encoding.UTF8.GetBytes(body));

        Assert.Equal(["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"], request.Features);
        Assert.Null(request.FeatureService);
        Assert.False(request.FullFeatureNames);
        var ids = request.Entities["driver_id"];
        Assert.Equal([1001L, 1002L, 9999L], ids.Select(v => ((JsonElement)v!).GetInt64()));
    }

    [Fact]
    public void Parse_ValuesStayJson_SoTheStoreTypesThemByJoinKey()
    {
        var request = OnlineRequestJson.Parse("""
            {"entities": {"driver_id": [1001, "1002"], "val_to_add": [1, 2.5], "flag": [true, null]},
             "features": ["transformed_conv_rate:conv_rate_plus_val1"], "full_feature_names": true,
             "include_feature_view_version_metadata": true, "something_else": {"x": 1}}
            """);

        Assert.True(request.FullFeatureNames);
        Assert.Equal(["driver_id", "val_to_add", "flag"], request.Entities.Keys);
        Assert.All(request.Entities.Values.SelectMany(v => v), v => Assert.IsType<JsonElement>(v));
        // The elements outlive the parse: they convert after the input is gone.
        Assert.Equal(1002, FeastValues.FromObject(request.Entities["driver_id"][1], Feast.ValueType.Int64, "driver_id").Int64Val);
        Assert.Equal("1001", FeastValues.FromObject(request.Entities["driver_id"][0], Feast.ValueType.String, "driver_id").StringVal);
        Assert.Equal(2.5, FeastValues.Infer(request.Entities["val_to_add"][1], "val_to_add").DoubleVal);
        Assert.True(FeastValues.IsNull(FeastValues.Infer(request.Entities["flag"][1], "flag")));
    }

    [Fact]
    public void Parse_FeatureService_WithoutFeatures()
    {
        var request = OnlineRequestJson.Parse("""{"entities": {"driver_id": [1]}, "feature_service": "driver_activity_v1"}""");

        Assert.Equal("driver_activity_v1", request.FeatureService);
        Assert.Null(request.Features);
    }

    [Fact]
    public void Parse_EmptyEntityColumns_AreZeroRows()
    {
        var request = OnlineRequestJson.Parse("""{"entities": {"driver_id": []}, "features": ["v:f"]}""");

        Assert.Empty(request.Entities["driver_id"]);
    }

    [Theory]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{"entities": {"driver_id": [1]}, "features": ["v:f"]""", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("""{"entities": {"driver_id": [1]}} {}""", "not valid JSON")]
    [InlineData("""{"features": ["v:f"]}""", "no \"entities\"")]
    [InlineData("""{"entities": [1001], "features": ["v:f"]}""", "\"entities\" must be an object")]
    [InlineData("""{"entities": {"driver_id": 1001}, "features": ["v:f"]}""", "\"entities\".\"driver_id\" must be a list")]
    [InlineData("""{"entities": {"driver_id": [1, 2], "val_to_add": [1]}, "features": ["v:f"]}""", "\"val_to_add\" has 1 value but \"driver_id\" has 2")]
    [InlineData("""{"entities": {"driver_id": [1]}, "features": "v:f"}""", "\"features\" must be a list")]
    [InlineData("""{"entities": {"driver_id": [1]}, "features": ["v:f", 3]}""", "\"features\"[1] must be a feature reference string")]
    [InlineData("""{"entities": {"driver_id": [1]}}""", "names no features")]
    [InlineData("""{"entities": {"driver_id": [1]}, "features": []}""", "names no features")]
    [InlineData("""{"entities": {"driver_id": [1]}, "feature_service": 5}""", "\"feature_service\" must be a feature service name")]
    [InlineData("""{"entities": {"driver_id": [1]}, "features": ["v:f"], "full_feature_names": "yes"}""", "\"full_feature_names\" must be true or false")]
    [InlineData("""{"entities": {"driver_id": [1], "driver_id": [2]}, "features": ["v:f"]}""", "twice")]
    public void Parse_BadBody_SaysWhatIsWrong(string body, string expected)
    {
        var error = Assert.Throws<FeastValidationException>(() => OnlineRequestJson.Parse(body));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
