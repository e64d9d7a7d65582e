using System.Text;
using static Feast.Redis.Tests.R;

namespace Feast.Redis.Tests;

/// <summary>The public layout (<see cref="FeastRedisLayout"/>) gives Feast's bytes: the golden vectors of <see cref="LayoutTests"/>.</summary>
public sealed class PublicLayoutTests
{
    [Fact]
    public void Key_IsEntityKeyFollowedByProject() =>
        Assert.Equal("0100000002000000090000006472697665725f69640400000008000000e903000000000000" + "6d795f70726f6a656374",
            Convert.ToHexStringLower(FeastRedisLayout.Key(DriverKey(1001), "my_project")));

    [Fact]
    public void FeatureField_IsLittleEndianMurmur3OfViewColonFeature() =>
        Assert.Equal("6160e3da", Convert.ToHexStringLower(FeastRedisLayout.FeatureField("driver_hourly_stats", "conv_rate")));

    [Fact]
    public void TimestampFieldAndValue_AreTsColonViewAndProtobufTimestampBytes()
    {
        Assert.Equal("_ts:driver_hourly_stats", Encoding.UTF8.GetString(FeastRedisLayout.TimestampField("driver_hourly_stats")));
        Assert.Equal("0880e2cfaa0610c0a9d33a",
            Convert.ToHexStringLower(FeastRedisLayout.TimestampValue(DateTimeOffset.FromUnixTimeSeconds(1700000000).AddMilliseconds(123))));
    }
}
