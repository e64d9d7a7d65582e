using System.Text.Json;
using Apache.Arrow;
using Feast.Protos.Types;
using Feast.Values;
using Google.Protobuf;

namespace Feast.Tests.Online;

/// <summary>Value bytes against FEAST-FORMATS §2.5, the .NET conversions and Python's <c>str()</c> for value_text.</summary>
public sealed class FeastValuesTests
{
    private static string Hex(IMessage message) => Convert.ToHexString(message.ToByteArray()).ToLowerInvariant();

    [Fact]
    public void ValueBytes_MatchGoldenVectors()
    {
        Assert.Equal("35f5696d3f", Hex(new Value { FloatVal = 0.9273980259895325f }));
        Assert.Equal("20e907", Hex(new Value { Int64Val = 1001 }));
        Assert.Equal("29000000000000f83f", Hex(new Value { DoubleVal = 1.5 }));
        Assert.Equal("1203616263", Hex(new Value { StringVal = "abc" }));
        Assert.Equal("3801", Hex(new Value { BoolVal = true }));
        Assert.Equal("3800", Hex(new Value { BoolVal = false }));
        Assert.Equal("18ffffffffffffffffff01", Hex(new Value { Int32Val = -1 }));
        Assert.Equal("4080e2cfaa06", Hex(new Value { UnixTimestampVal = 1700000000 }));
        Assert.Equal("82010a0a080000803f00000040", Hex(new Value { FloatListVal = new FloatList { Val = { 1f, 2f } } }));
        Assert.Equal("72040a020102", Hex(new Value { Int64ListVal = new Int64List { Val = { 1, 2 } } }));
        Assert.Equal("980100", Hex(new Value { NullVal = Null.Null }));
        Assert.Equal("", Hex(new Value()));
        Assert.Equal("", Hex(FeastValues.Null));
        Assert.Equal("0880e2cfaa0610c0a9d33a", Hex(new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = 1700000000, Nanos = 123000000 }));
    }

    [Fact]
    public void FromObject_ConvertsToTheDeclaredType_ProducingGoldenBytes()
    {
        Assert.Equal("35f5696d3f", Hex(FeastValues.FromObject(0.9273980259895325, ValueType.Float, "c")));
        Assert.Equal("20e907", Hex(FeastValues.FromObject(1001, ValueType.Int64, "c")));
        Assert.Equal("20e907", Hex(FeastValues.FromObject("1001", ValueType.Int64, "c")));
        Assert.Equal("20e907", Hex(FeastValues.FromObject(1001.0, ValueType.Int64, "c")));
        Assert.Equal("29000000000000f83f", Hex(FeastValues.FromObject(1.5f, ValueType.Double, "c")));
        Assert.Equal("29000000000000f83f", Hex(FeastValues.FromObject("1.5", ValueType.Double, "c")));
        Assert.Equal("18ffffffffffffffffff01", Hex(FeastValues.FromObject(-1L, ValueType.Int32, "c")));
        Assert.Equal("3801", Hex(FeastValues.FromObject(true, ValueType.Bool, "c")));
        Assert.Equal("3800", Hex(FeastValues.FromObject("false", ValueType.Bool, "c")));
        Assert.Equal("3801", Hex(FeastValues.FromObject(1, ValueType.Bool, "c")));
        Assert.Equal("1203616263", Hex(FeastValues.FromObject("abc", ValueType.String, "c")));
        Assert.Equal("4080e2cfaa06", Hex(FeastValues.FromObject(DateTimeOffset.FromUnixTimeSeconds(1700000000), ValueType.UnixTimestamp, "c")));
        Assert.Equal("4080e2cfaa06", Hex(FeastValues.FromObject(new DateTime(2023, 11, 14, 22, 13, 20), ValueType.UnixTimestamp, "c")));
        Assert.Equal("4080e2cfaa06", Hex(FeastValues.FromObject("2023-11-14T22:13:20Z", ValueType.UnixTimestamp, "c")));
        Assert.Equal("4080e2cfaa06", Hex(FeastValues.FromObject(1700000000L, ValueType.UnixTimestamp, "c")));
        Assert.Equal("82010a0a080000803f00000040", Hex(FeastValues.FromObject(new[] { 1.0, 2.0 }, ValueType.FloatList, "c")));
        Assert.Equal("72040a020102", Hex(FeastValues.FromObject(new List<int> { 1, 2 }, ValueType.Int64List, "c")));
        Assert.Equal("0a03010203", Hex(FeastValues.FromObject(new byte[] { 1, 2, 3 }, ValueType.Bytes, "c")));
    }

    [Fact]
    public void FromObject_NullsAndNaN_BecomeTheEmptyValue()
    {
        Assert.Same(FeastValues.Null, FeastValues.FromObject(null, ValueType.Int64, "c"));
        Assert.Same(FeastValues.Null, FeastValues.FromObject(DBNull.Value, ValueType.String, "c"));
        Assert.Same(FeastValues.Null, FeastValues.FromObject(double.NaN, ValueType.Double, "c"));
        Assert.Same(FeastValues.Null, FeastValues.FromObject(float.NaN, ValueType.Float, "c"));
        Assert.Same(FeastValues.Null, FeastValues.FromObject(JsonDocument.Parse("null").RootElement, ValueType.Int64, "c"));
        Assert.True(FeastValues.IsNull(null));
        Assert.True(FeastValues.IsNull(new Value { NullVal = Null.Null }));
        Assert.False(FeastValues.IsNull(new Value { Int64Val = 0 }));
    }

    [Fact]
    public void FromObject_ValueProto_IsPassedThrough()
    {
        var value = new Value { StringVal = "x" };
        Assert.Same(value, FeastValues.FromObject(value, ValueType.Int64, "c"));
    }

    [Fact]
    public void FromObject_Json_FollowsTheDeclaredType()
    {
        static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
        Assert.Equal(new Value { Int64Val = 7 }, FeastValues.FromObject(Json("7"), ValueType.Int64, "c"));
        Assert.Equal(new Value { DoubleVal = 7 }, FeastValues.FromObject(Json("7"), ValueType.Double, "c"));
        Assert.Equal(new Value { FloatVal = 0.5f }, FeastValues.FromObject(Json("0.5"), ValueType.Float, "c"));
        Assert.Equal(new Value { StringVal = "7" }, FeastValues.FromObject(Json("\"7\""), ValueType.String, "c"));
        Assert.Equal(new Value { Int64Val = 7 }, FeastValues.FromObject(Json("\"7\""), ValueType.Int64, "c"));
        Assert.Equal(new Value { BoolVal = true }, FeastValues.FromObject(Json("true"), ValueType.Bool, "c"));
        Assert.Equal(new Value { JsonVal = "{\"a\":1}" }, FeastValues.FromObject(Json("{\"a\":1}"), ValueType.Json, "c"));
        Assert.Equal("72040a020102", Hex(FeastValues.FromObject(Json("[1, 2]"), ValueType.Int64List, "c")));
        // Unknown type: what Python would infer.
        Assert.Equal(new Value { Int64Val = 7 }, FeastValues.FromObject(Json("7"), ValueType.Unknown, "c"));
        Assert.Equal(new Value { DoubleVal = 7.5 }, FeastValues.FromObject(Json("7.5"), ValueType.Unknown, "c"));
        Assert.Equal(ValueType.StringList, (ValueType)FeastValues.FromObject(Json("[\"a\"]"), ValueType.Unknown, "c").ValCase);
        Assert.Equal(ValueType.DoubleList, (ValueType)FeastValues.FromObject(Json("[1, 2.5]"), ValueType.Unknown, "c").ValCase);
    }

    [Theory]
    [InlineData("abc", ValueType.Int64, "\"abc\"", "Int64")]
    [InlineData(1.5, ValueType.Int64, "1.5 (Double)", "Int64")]
    [InlineData(3_000_000_000L, ValueType.Int32, "3000000000 (Int64)", "Int32")]
    [InlineData("yes", ValueType.Bool, "\"yes\"", "Bool")]
    [InlineData(2, ValueType.Bool, "2 (Int32)", "Bool")]
    [InlineData("x", ValueType.Double, "\"x\"", "Float64")]
    [InlineData("not a time", ValueType.UnixTimestamp, "\"not a time\"", "UnixTimestamp")]
    [InlineData("abc", ValueType.Int64List, "\"abc\"", "Array(Int64)")]
    [InlineData(true, ValueType.Int64, "True (Boolean)", "Int64")]
    [InlineData(true, ValueType.Double, "True (Boolean)", "Float64")]
    public void FromObject_BadValue_NamesColumnValueAndType(object value, ValueType type, string shownValue, string typeName)
    {
        var error = Assert.Throws<FeastValidationException>(() => FeastValues.FromObject(value, type, "my_col"));

        Assert.Contains("'my_col'", error.Message, StringComparison.Ordinal);
        Assert.Contains(shownValue, error.Message, StringComparison.Ordinal);
        Assert.Contains(typeName, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromObject_BadListElement_NamesTheElement()
    {
        var error = Assert.Throws<FeastValidationException>(() => FeastValues.FromObject(new object[] { 1, "x" }, ValueType.Int64List, "scores"));
        Assert.Contains("'scores[1]'", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"x\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromObject_BadJsonNumber_NamesColumnAndValue()
    {
        var error = Assert.Throws<FeastValidationException>(() => FeastValues.FromObject(JsonDocument.Parse("1.5").RootElement, ValueType.Int64, "trips"));
        Assert.Contains("'trips'", error.Message, StringComparison.Ordinal);
        Assert.Contains("1.5", error.Message, StringComparison.Ordinal);
        Assert.Contains("Int64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromObject_UnsupportedType_SaysSo()
    {
        var error = Assert.Throws<FeastValidationException>(() => FeastValues.FromObject(1, ValueType.Map, "m"));
        Assert.Contains("'m'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Map", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Infer_NetValues_GiveWhatPythonWouldSend()
    {
        Assert.Equal(new Value { Int64Val = 3 }, FeastValues.Infer(3, "c"));
        Assert.Equal(new Value { DoubleVal = 0.5 }, FeastValues.Infer(0.5, "c"));
        Assert.Equal(new Value { FloatVal = 0.5f }, FeastValues.Infer(0.5f, "c"));
        Assert.Equal(new Value { BoolVal = true }, FeastValues.Infer(true, "c"));
        Assert.Equal(new Value { StringVal = "s" }, FeastValues.Infer("s", "c"));
        Assert.Equal(new Value { UnixTimestampVal = 1700000000 }, FeastValues.Infer(DateTimeOffset.FromUnixTimeSeconds(1700000000), "c"));
        Assert.Equal("72040a020102", Hex(FeastValues.Infer(new long[] { 1, 2 }, "c")));
        var error = Assert.Throws<FeastValidationException>(() => FeastValues.Infer(new Uri("http://x"), "req"));
        Assert.Contains("'req'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5, "0.5")]
    [InlineData(1.0, "1.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e-05, "1e-05")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(9999999999999998.0, "9999999999999998.0")]
    [InlineData(1.2345678901234568e+17, "1.2345678901234568e+17")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00012345, "0.00012345")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(0.0, "0.0")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(100.0, "100.0")]
    [InlineData(12345.678, "12345.678")]
    [InlineData(1e22, "1e+22")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(0.30000000000000004, "0.30000000000000004")]
    [InlineData(double.NaN, "nan")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(double.NegativeInfinity, "-inf")]
    public void PythonFloat_MatchesPythonStr(double value, string expected)
    {
        // Expected texts are Python 3's str(float) for the same doubles.
        Assert.Equal(expected, FeastValues.PythonFloat(value));
        Assert.Equal(expected, FeastValues.ToValueText(new Value { DoubleVal = value }));
    }

    [Fact]
    public void ToValueText_FollowsFeastsSqliteValueText()
    {
        Assert.Equal("abc", FeastValues.ToValueText(new Value { StringVal = "abc" }));
        Assert.Equal("", FeastValues.ToValueText(new Value { StringVal = "" }));
        Assert.Equal("-7", FeastValues.ToValueText(new Value { Int64Val = -7 }));
        Assert.Equal("7", FeastValues.ToValueText(new Value { Int32Val = 7 }));
        Assert.Equal("True", FeastValues.ToValueText(new Value { BoolVal = true }));
        Assert.Equal("False", FeastValues.ToValueText(new Value { BoolVal = false }));
        // A float32 is widened to a Python float first: str(np.float32(0.1)) as Feast's proto float_val gives the double digits.
        Assert.Equal("0.10000000149011612", FeastValues.ToValueText(new Value { FloatVal = 0.1f }));
        Assert.Equal("0.9273980259895325", FeastValues.ToValueText(new Value { FloatVal = 0.9273980259895325f }));
        Assert.Equal("0.5", FeastValues.ToValueText(new Value { FloatVal = 0.5f }));
        Assert.Equal("1.0", FeastValues.ToValueText(new Value { FloatVal = 1f }));
        Assert.Null(FeastValues.ToValueText(new Value()));
        Assert.Null(FeastValues.ToValueText(new Value { NullVal = Null.Null }));
        Assert.Null(FeastValues.ToValueText(new Value { BytesVal = ByteString.CopyFrom(1) }));
        Assert.Null(FeastValues.ToValueText(new Value { UnixTimestampVal = 1 }));
        Assert.Null(FeastValues.ToValueText(new Value { Int64ListVal = new Int64List { Val = { 1 } } }));
    }

    [Fact]
    public void WriteValueTextUtf8_AgreesWithToValueText()
    {
        var random = new Random(7);
        var values = new List<Value>
        {
            new() { StringVal = "" }, new() { StringVal = "héllo ✓" }, new() { StringVal = new string('é', 700) }, new() { BoolVal = true },
            new() { BoolVal = false }, new() { Int64Val = long.MinValue }, new() { Int32Val = int.MaxValue }, new() { DoubleVal = double.NaN },
            new() { DoubleVal = -0.0 }, new() { DoubleVal = 1e15 }, new() { DoubleVal = 1e16 }, new() { DoubleVal = 123456789012345678 },
            new() { FloatVal = float.PositiveInfinity }, new() { FloatVal = 3e-7f }, new(), new() { NullVal = Null.Null },
            new() { Int64ListVal = new Int64List { Val = { 1 } } },
        };
        for (var i = 0; i < 2000; i++)
        {
            var magnitude = Math.Pow(10, random.Next(-30, 30));
            values.Add(new Value { DoubleVal = (random.NextDouble() - 0.5) * magnitude });
            values.Add(new Value { FloatVal = (float)((random.NextDouble() - 0.5) * magnitude) });
            values.Add(new Value { DoubleVal = Math.Round(random.NextDouble() * magnitude) });
            values.Add(new Value { Int64Val = random.NextInt64(long.MinValue, long.MaxValue) });
        }
        var buffer = System.Array.Empty<byte>();
        foreach (var value in values)
        {
            var length = FeastValues.WriteValueTextUtf8(value, ref buffer);
            var expected = FeastValues.ToValueText(value);
            Assert.Equal(expected, length < 0 ? null : System.Text.Encoding.UTF8.GetString(buffer, 0, length));
        }
    }

    [Fact]
    public void ToObject_RoundTripsThroughFromObject()
    {
        var cases = new (object? Value, ValueType Type)[]
        {
            (42L, ValueType.Int64), (-3, ValueType.Int32), (0.25, ValueType.Double), (0.5f, ValueType.Float), (true, ValueType.Bool),
            ("s", ValueType.String), (new byte[] { 1, 2 }, ValueType.Bytes), (DateTimeOffset.FromUnixTimeSeconds(1700000000), ValueType.UnixTimestamp),
            (new long[] { 1, 2 }, ValueType.Int64List), (new[] { 1, 2 }, ValueType.Int32List), (new[] { 0.5, 1.5 }, ValueType.DoubleList),
            (new[] { 0.5f }, ValueType.FloatList), (new[] { true, false }, ValueType.BoolList), (new[] { "a", "" }, ValueType.StringList),
            (new[] { DateTimeOffset.FromUnixTimeSeconds(5) }, ValueType.UnixTimestampList), ("{\"a\":1}", ValueType.Json), (null, ValueType.Int64),
        };
        foreach (var (value, type) in cases)
        {
            var proto = FeastValues.FromObject(value, type, "c");
            var back = FeastValues.ToObject(proto);
            Assert.Equal(value, back);
            Assert.Equal(Hex(proto), Hex(FeastValues.FromObject(back, type, "c")));
        }
        Assert.Null(FeastValues.ToObject(null));
        Assert.Null(FeastValues.ToObject(new Value { NullVal = Null.Null }));
    }

    [Fact]
    public void FromEpochSeconds_NaTSentinel_IsMinValue()
    {
        Assert.Equal(DateTimeOffset.MinValue, FeastValues.FromEpochSeconds(long.MinValue));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1), FeastValues.FromEpochSeconds(1));
    }

    [Fact]
    public void ToTimestamp_AcceptsFeastsTimestampShapes()
    {
        var expected = new DateTimeOffset(2024, 5, 13, 10, 59, 42, TimeSpan.Zero);
        Assert.Equal(expected, FeastValues.ToTimestamp("2024-05-13 10:59:42+00:00"));
        Assert.Equal(expected, FeastValues.ToTimestamp("2024-05-13T10:59:42"));
        Assert.Equal(expected, FeastValues.ToTimestamp(new DateTime(2024, 5, 13, 10, 59, 42, DateTimeKind.Unspecified)));
        Assert.Equal(expected, FeastValues.ToTimestamp(new DateTimeOffset(2024, 5, 13, 12, 59, 42, TimeSpan.FromHours(2))));
        Assert.Equal(TimeSpan.Zero, FeastValues.ToTimestamp(new DateTimeOffset(2024, 5, 13, 12, 59, 42, TimeSpan.FromHours(2))).Offset);
        // A number is nanoseconds since the epoch, as pandas.to_datetime reads Feast's pushed event timestamps.
        Assert.Equal(expected, FeastValues.ToTimestamp(expected.ToUnixTimeSeconds() * 1_000_000_000L));
        Assert.Throws<FormatException>(() => FeastValues.ToTimestamp(expected.ToUnixTimeSeconds()));
        Assert.Throws<FormatException>(() => FeastValues.ToTimestamp(1.5m));
        Assert.Throws<FormatException>(() => FeastValues.ToTimestamp("07/12/2026 06:00"));
    }

    [Fact]
    public void ArrowValues_Reader_ConvertsColumnsToValues()
    {
        var ints = new Int64Array.Builder().Append(1001).AppendNull().Build();
        var doubles = new DoubleArray.Builder().Append(0.5).Append(double.NaN).Build();
        var strings = new StringArray.Builder().Append("abc").AppendNull().Build();

        Assert.Equal("20e907", Hex(ArrowValues.Reader(ints, ValueType.Int64, "id")(0)));
        Assert.Same(FeastValues.Null, ArrowValues.Reader(ints, ValueType.Int64, "id")(1));
        Assert.Equal(new Value { FloatVal = 0.5f }, ArrowValues.Reader(doubles, ValueType.Float, "x")(0));
        Assert.Same(FeastValues.Null, ArrowValues.Reader(doubles, ValueType.Double, "x")(1));
        Assert.Equal("1203616263", Hex(ArrowValues.Reader(strings, ValueType.String, "s")(0)));
        Assert.Same(FeastValues.Null, ArrowValues.Reader(strings, ValueType.String, "s")(1));
        // Slow path: a conversion through FromObject.
        Assert.Equal(new Value { StringVal = "1001" }, ArrowValues.Reader(ints, ValueType.String, "id")(0));
        var error = Assert.Throws<FeastValidationException>(() => ArrowValues.Reader(strings, ValueType.Int64, "s")(0));
        Assert.Contains("'s'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ArrowValues_TimestampReader_ReadsUtc()
    {
        var type = new Apache.Arrow.Types.TimestampType(Apache.Arrow.Types.TimeUnit.Microsecond, "UTC");
        var timestamps = new TimestampArray.Builder(type).Append(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)).AppendNull().Build();
        var strings = new StringArray.Builder().Append("2025-01-01T00:00:00Z").Append("soon").Build();

        Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), ArrowValues.TimestampReader(timestamps, "ts")(0));
        Assert.Null(ArrowValues.TimestampReader(timestamps, "ts")(1));
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), ArrowValues.TimestampReader(strings, "ts")(0));
        var error = Assert.Throws<FeastValidationException>(() => ArrowValues.TimestampReader(strings, "ts")(1));
        Assert.Contains("'ts'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ArrowValues_GetObject_ReadsListsAsTypedArrays()
    {
        var builder = new ListArray.Builder(Apache.Arrow.Types.Int64Type.Default);
        var values = (Int64Array.Builder)builder.ValueBuilder;
        builder.Append();
        values.Append(1).Append(2);
        builder.AppendNull();
        var list = builder.Build();

        Assert.Equal(new long[] { 1, 2 }, ArrowValues.GetObject(list, 0));
        Assert.Null(ArrowValues.GetObject(list, 1));
        Assert.Equal("72040a020102", Hex(ArrowValues.Reader(list, ValueType.Int64List, "l")(0)));
    }
}
