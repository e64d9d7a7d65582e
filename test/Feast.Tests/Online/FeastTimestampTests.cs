using System.Globalization;
using System.Text.Json;
using Feast.Values;

namespace Feast.Tests.Online;

/// <summary>The one timestamp reader every input path uses: ISO 8601 / RFC 3339 text and epoch nanoseconds, nothing else.</summary>
public sealed class FeastTimestampTests
{
    private static readonly DateTimeOffset Noon = new(2026, 7, 12, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("2026-07-12 12:00:00")]
    [InlineData("2026-07-12T12:00:00")]
    [InlineData("2026-07-12t12:00:00z")]
    [InlineData("2026-07-12T12:00")]
    [InlineData("2026-07-12T12:00:00Z")]
    [InlineData("2026-07-12T12:00:00.000000Z")]
    [InlineData("2026-07-12T12:00:00,0Z")]
    [InlineData("2026-07-12 12:00:00+00:00")]
    [InlineData("2026-07-12T14:00:00+02:00")]
    [InlineData("2026-07-12T14:00:00+0200")]
    [InlineData("2026-07-12T14:00:00+02")]
    [InlineData("2026-07-12T07:00:00-05:00")]
    [InlineData("  2026-07-12T12:00:00Z  ")]
    public void TryParse_IsoForms_AreTheSameInstant(string text)
    {
        Assert.True(FeastTimestamp.TryParse(text, out var value), text);
        Assert.Equal(Noon, value);
        Assert.Equal(TimeSpan.Zero, value.Offset);
    }

    [Fact]
    public void TryParse_DateAlone_IsMidnightUtc_AndFractionsKeepTicks()
    {
        Assert.True(FeastTimestamp.TryParse("2026-07-12", out var date));
        Assert.Equal(new DateTimeOffset(2026, 7, 12, 0, 0, 0, TimeSpan.Zero), date);
        Assert.True(FeastTimestamp.TryParse("2026-07-12T12:00:00.123456789Z", out var fine));
        Assert.Equal(Noon.AddTicks(1_234_567), fine);
        Assert.True(FeastTimestamp.TryParse("2026-07-12T12:00:00.5", out var half));
        Assert.Equal(Noon.AddMilliseconds(500), half);
    }

    [Theory]
    [InlineData("07/12/2026")]
    [InlineData("12/07/2026 06:00")]
    [InlineData("2026/07/12 06:00")]
    [InlineData("12.07.2026")]
    [InlineData("July 12, 2026")]
    [InlineData("Sun, 12 Jul 2026 12:00:00 GMT")]
    [InlineData("2026-7-12")]
    [InlineData("2026-02-30")]
    [InlineData("2026-07-12T25:00:00")]
    [InlineData("2026-07-12T12:00:00+15:00")]
    [InlineData("2026-07-12T12:00:00 UTC")]
    [InlineData("yesterday")]
    [InlineData("")]
    public void TryParse_NotIso_IsRejected(string text) => Assert.False(FeastTimestamp.TryParse(text, out _), text);

    [Fact]
    public void Parse_Numbers_AreEpochNanoseconds_AsFeastReadsThem()
    {
        var nanoseconds = Noon.ToUnixTimeSeconds() * 1_000_000_000L;
        Assert.Equal(Noon, FeastTimestamp.Parse(nanoseconds, "event_timestamp", 0));
        Assert.Equal(Noon, FeastTimestamp.Parse((double)nanoseconds, "event_timestamp", 0));
        Assert.Equal(Noon, FeastTimestamp.Parse(JsonDocument.Parse(nanoseconds.ToString(CultureInfo.InvariantCulture)).RootElement, "event_timestamp", 0));
    }

    [Theory]
    [InlineData(1783857600L, "seconds", "1783857600000000000")]
    [InlineData(1783857600000L, "milliseconds", "1783857600000000000")]
    [InlineData(1783857600000000L, "microseconds", "1783857600000000000")]
    public void Parse_SmallNumbers_AreRejectedWithTheUnitTheyLookLike(long value, string unit, string asNanoseconds)
    {
        var error = Assert.Throws<FeastValidationException>(() => FeastTimestamp.Parse(value, "event_timestamp", 3));

        Assert.StartsWith($"Column 'event_timestamp', row 3: {value} is read as nanoseconds", error.Message, StringComparison.Ordinal);
        Assert.Contains($"looks like {unit}", error.Message, StringComparison.Ordinal);
        Assert.Contains(asNanoseconds, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Text_NamesColumnRowAndValue_AndSaysWhySlashesFail()
    {
        var error = Assert.Throws<FeastValidationException>(() => FeastTimestamp.Parse("07/12/2026", "ts", 2));

        Assert.StartsWith("Column 'ts', row 2: \"07/12/2026\" is not an ISO 8601 timestamp (a date with '/' is ambiguous: day first or month first).", error.Message, StringComparison.Ordinal);
        Assert.Contains("2024-05-13T12:59:42+02:00", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DateTimes_AreUtc_NaiveMeaningUtc()
    {
        Assert.Equal(Noon, FeastTimestamp.Parse(new DateTime(2026, 7, 12, 12, 0, 0, DateTimeKind.Unspecified), "ts"));
        Assert.Equal(Noon, FeastTimestamp.Parse(new DateTimeOffset(2026, 7, 12, 14, 0, 0, TimeSpan.FromHours(2)), "ts"));
        Assert.Throws<FeastValidationException>(() => FeastTimestamp.Parse(true, "ts"));
    }
}
