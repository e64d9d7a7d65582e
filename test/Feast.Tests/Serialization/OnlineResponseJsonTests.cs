using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Feast.Online;
using Feast.Protos.Serving;
using Feast.Protos.Types;
using Feast.Serialization;
using Feast.Values;
using Google.Protobuf;

namespace Feast.Tests.Serialization;

public sealed class OnlineResponseJsonTests
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    private static string FixturePath => TestData.FeastOnlineFixture;

    private static FeatureColumn Column(string name, Value[] values, FeatureStatus[]? statuses = null, DateTimeOffset[]? timestamps = null) =>
        new(name, V(values), statuses ?? [.. values.Select(_ => FeatureStatus.Present)], timestamps ?? [.. values.Select(_ => Epoch)]);

    private static FeatureValue[] V(params Value[] values) => [.. values.Select(v => new FeatureValue(v))];

    private static string Json(params FeatureColumn[] columns) =>
        OnlineResponseJson.ToJson(new OnlineFeaturesResponse(columns, columns.Length == 0 ? 0 : columns[0].Values.Length));

    // The "values" array of a one-value column, as JSON text.
    private static string ValueJson(Value value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            OnlineResponseJson.WriteValue(writer, value);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void ToJson_FeastServerFixture_EqualsWhatFeastReturned()
    {
        var expected = JsonNode.Parse(File.ReadAllText(FixturePath))!["response"]!;
        var present = FeatureStatus.Present;
        var missing = FeatureStatus.NotFound;
        var at16 = new DateTimeOffset(2025, 11, 24, 16, 0, 0, TimeSpan.Zero);
        var at17 = new DateTimeOffset(2025, 11, 24, 17, 0, 0, TimeSpan.Zero);
        var response = new OnlineFeaturesResponse(
        [
            new FeatureColumn("driver_id", V(new Value { Int64Val = 1001 }, new Value { Int64Val = 1002 }, new Value { Int64Val = 9999 }),
                [present, present, present], [Epoch, Epoch, Epoch], IsJoinKey: true),
            new FeatureColumn("conv_rate", V(new Value { FloatVal = 0.5f }, new Value { FloatVal = 0.125f }, FeastValues.Null),
                [present, present, missing], [at16, at17, Epoch]),
            new FeatureColumn("avg_daily_trips", V(new Value { Int64Val = 11 }, new Value { Int64Val = 22 }, new Value()),
                [present, present, missing], [at16, at17, Epoch]),
        ], 3);

        var json = OnlineResponseJson.ToJson(response);

        var actual = JsonNode.Parse(json)!;
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected\n{expected.ToJsonString()}\nactual\n{json}");
        Assert.Equal(["results", "metadata"], actual.AsObject().Select(p => p.Key));
        Assert.Equal(["values", "statuses", "event_timestamps"], actual["results"]![0]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void ToJson_Compact_IsExactText()
    {
        var json = Json(Column("conv_rate", [new Value { FloatVal = 0.5f }, FeastValues.Null], [FeatureStatus.Present, FeatureStatus.NotFound],
            [new DateTimeOffset(2021, 4, 12, 10, 0, 0, TimeSpan.Zero), Epoch]));

        Assert.Equal("""
            {"results":[{"values":[0.5,null],"statuses":["PRESENT","NOT_FOUND"],"event_timestamps":["2021-04-12T10:00:00Z","1970-01-01T00:00:00Z"]}],"metadata":{"feature_names":["conv_rate"]}}
            """, json);
    }

    [Fact]
    public void ToJson_Indented_ParsesToTheSameDocument()
    {
        var columns = new[] { Column("driver_id", [new Value { Int64Val = 1 }]), Column("name", [new Value { StringVal = "é<>" }]) };
        var response = new OnlineFeaturesResponse(columns, 1);

        var indented = OnlineResponseJson.ToJson(response, indented: true);

        Assert.Contains("\n", indented, StringComparison.Ordinal);
        Assert.Contains("\"é<>\"", indented, StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(indented), JsonNode.Parse(OnlineResponseJson.ToJson(response))));
    }

    [Fact]
    public void ToJson_NoRows_WritesEmptyArraysWithoutTimestamps()
    {
        var json = Json(Column("driver_id", []));

        Assert.Equal("""{"results":[{"values":[],"statuses":[]}],"metadata":{"feature_names":["driver_id"]}}""", json);
    }

    [Fact]
    public void ToJson_Statuses_UseFeastEnumNames()
    {
        var statuses = new[] { FeatureStatus.Present, FeatureStatus.NotFound, FeatureStatus.NullValue, FeatureStatus.OutsideMaxAge, FeatureStatus.Invalid };
        var json = JsonNode.Parse(Json(Column("f", [.. statuses.Select(_ => FeastValues.Null)], statuses)))!;

        Assert.Equal(["PRESENT", "NOT_FOUND", "NULL_VALUE", "OUTSIDE_MAX_AGE", "INVALID"],
            json["results"]![0]!["statuses"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    public static TheoryData<string, Value> Scalars() => new()
    {
        { "null", new Value() },
        { "null", new Value { NullVal = Null.Null } },
        { "1001", new Value { Int64Val = 1001 } },
        { "-9223372036854775808", new Value { Int64Val = long.MinValue } },
        { "-7", new Value { Int32Val = -7 } },
        { "1700000000", new Value { UnixTimestampVal = 1_700_000_000 } },
        { "0.7037263512611389", new Value { FloatVal = (float)0.7037263512611389 } },
        { "0.1", new Value { DoubleVal = 0.1 } },
        { "1e+300", new Value { DoubleVal = 1e300 } },
        { "1.0", new Value { FloatVal = 1f } },
        { "-3.0", new Value { DoubleVal = -3 } },
        { "1e-05", new Value { DoubleVal = 0.00001 } },
        { "1234567890123456.8", new Value { DoubleVal = 1234567890123456.8 } },
        { "1e+16", new Value { DoubleVal = 1e16 } },
        { "null", new Value { DoubleVal = double.NaN } },
        { "null", new Value { FloatVal = float.PositiveInfinity } },
        { "true", new Value { BoolVal = true } },
        { "false", new Value { BoolVal = false } },
        { "\"abc\"", new Value { StringVal = "abc" } },
        { "\"say \\\"hi\\\"\"", new Value { StringVal = "say \"hi\"" } },
        { "\"AQID/w==\"", new Value { BytesVal = ByteString.CopyFrom(1, 2, 3, 255) } },
        { "\"{\\\"a\\\": 1}\"", new Value { JsonVal = "{\"a\": 1}" } },
        { "\"6f1d5c2e-0000-4000-8000-000000000001\"", new Value { UuidVal = "6f1d5c2e-0000-4000-8000-000000000001" } },
        { "\"6f1d5c2e-0000-1000-8000-000000000001\"", new Value { TimeUuidVal = "6f1d5c2e-0000-1000-8000-000000000001" } },
        { "\"12.50\"", new Value { DecimalVal = "12.50" } },
        { "\"2024-01-01T02:00:00+02:00\"", new Value { ZonedTimestampVal = new ZonedTimestamp { UnixTimestamp = 1_704_067_200, Zone = "+02:00" } } },
        { "\"2024-01-01T00:00:00+00:00\"", new Value { ZonedTimestampVal = new ZonedTimestamp { UnixTimestamp = 1_704_067_200 } } },
        { "\"2024-07-01T02:00:00+02:00\"", new Value { ZonedTimestampVal = new ZonedTimestamp { UnixTimestamp = 1_719_792_000, Zone = "Europe/Berlin" } } },
        { "null", new Value { ScalarMapVal = new ScalarMap() } },
    };

    [Theory]
    [MemberData(nameof(Scalars))]
    public void WriteValue_Scalar_FollowsFeastRules(string expected, Value value) =>
        Assert.Equal(expected, ValueJson(value));

    [Fact]
    public void WriteValue_Lists_AreArrays()
    {
        Value Make(Action<Value> set)
        {
            var v = new Value();
            set(v);
            return v;
        }

        Assert.Equal("[1,2]", ValueJson(Make(v => v.Int64ListVal = new Int64List { Val = { 1, 2 } })));
        Assert.Equal("[3]", ValueJson(Make(v => v.Int64SetVal = new Int64Set { Val = { 3 } })));
        Assert.Equal("[1,-2]", ValueJson(Make(v => v.Int32ListVal = new Int32List { Val = { 1, -2 } })));
        Assert.Equal("[4]", ValueJson(Make(v => v.Int32SetVal = new Int32Set { Val = { 4 } })));
        Assert.Equal("[0.5,0.25]", ValueJson(Make(v => v.DoubleListVal = new DoubleList { Val = { 0.5, 0.25 } })));
        Assert.Equal("[1.5]", ValueJson(Make(v => v.DoubleSetVal = new DoubleSet { Val = { 1.5 } })));
        Assert.Equal("[0.10000000149011612]", ValueJson(Make(v => v.FloatListVal = new FloatList { Val = { 0.1f } })));
        Assert.Equal("[2.0]", ValueJson(Make(v => v.FloatSetVal = new FloatSet { Val = { 2f } })));
        Assert.Equal("[true,false]", ValueJson(Make(v => v.BoolListVal = new BoolList { Val = { true, false } })));
        Assert.Equal("[true]", ValueJson(Make(v => v.BoolSetVal = new BoolSet { Val = { true } })));
        Assert.Equal("[\"a\",\"b\"]", ValueJson(Make(v => v.StringListVal = new StringList { Val = { "a", "b" } })));
        Assert.Equal("[\"c\"]", ValueJson(Make(v => v.StringSetVal = new StringSet { Val = { "c" } })));
        Assert.Equal("[\"AA==\",\"/w==\"]", ValueJson(Make(v => v.BytesListVal = new BytesList { Val = { ByteString.CopyFrom(0), ByteString.CopyFrom(255) } })));
        Assert.Equal("[\"AQ==\"]", ValueJson(Make(v => v.BytesSetVal = new BytesSet { Val = { ByteString.CopyFrom(1) } })));
        Assert.Equal("[1700000000]", ValueJson(Make(v => v.UnixTimestampListVal = new Int64List { Val = { 1_700_000_000 } })));
        Assert.Equal("[1]", ValueJson(Make(v => v.UnixTimestampSetVal = new Int64Set { Val = { 1 } })));
        Assert.Equal("[\"{}\"]", ValueJson(Make(v => v.JsonListVal = new StringList { Val = { "{}" } })));
        Assert.Equal("[\"u\"]", ValueJson(Make(v => v.UuidListVal = new StringList { Val = { "u" } })));
        Assert.Equal("[\"u\"]", ValueJson(Make(v => v.UuidSetVal = new StringSet { Val = { "u" } })));
        Assert.Equal("[\"t\"]", ValueJson(Make(v => v.TimeUuidListVal = new StringList { Val = { "t" } })));
        Assert.Equal("[\"t\"]", ValueJson(Make(v => v.TimeUuidSetVal = new StringSet { Val = { "t" } })));
        Assert.Equal("[\"1.5\"]", ValueJson(Make(v => v.DecimalListVal = new StringList { Val = { "1.5" } })));
        Assert.Equal("[\"2.5\"]", ValueJson(Make(v => v.DecimalSetVal = new StringSet { Val = { "2.5" } })));
        Assert.Equal("[]", ValueJson(Make(v => v.Int64ListVal = new Int64List())));
    }

    [Fact]
    public void WriteValue_NestedValues_AreArraysAndObjects()
    {
        var inner = new Value { Int64ListVal = new Int64List { Val = { 1, 2 } } };
        var list = new Value { ListVal = new RepeatedValue { Val = { inner, new Value(), new Value { StringVal = "x" } } } };
        var set = new Value { SetVal = new RepeatedValue { Val = { new Value { BoolVal = true } } } };
        var map = new Map { Val = { ["a"] = new Value { Int64Val = 1 }, ["b"] = new Value { StringListVal = new StringList { Val = { "s" } } }, ["c"] = new Value() } };
        var mapValue = new Value { MapVal = map };
        var structValue = new Value { StructVal = new Map { Val = { ["nested"] = mapValue } } };
        var mapList = new Value { MapListVal = new MapList { Val = { map, new Map() } } };
        var structList = new Value { StructListVal = new MapList { Val = { new Map { Val = { ["k"] = new Value { DoubleVal = 2.5 } } } } } };

        Assert.Equal("[[1,2],null,\"x\"]", ValueJson(list));
        Assert.Equal("[true]", ValueJson(set));
        Assert.Equal("{\"a\":1,\"b\":[\"s\"],\"c\":null}", ValueJson(mapValue));
        Assert.Equal("{\"nested\":{\"a\":1,\"b\":[\"s\"],\"c\":null}}", ValueJson(structValue));
        Assert.Equal("[{\"a\":1,\"b\":[\"s\"],\"c\":null},{}]", ValueJson(mapList));
        Assert.Equal("[{\"k\":2.5}]", ValueJson(structList));
    }

    [Fact]
    public void WriteValue_EveryOneofCase_IsHandled()
    {
        // A new case in Value.proto must get a JSON rule here rather than fall through to null unnoticed.
        var handledAsNull = new[] { Value.ValOneofCase.None, Value.ValOneofCase.NullVal, Value.ValOneofCase.ScalarMapVal };
        foreach (var field in Value.Descriptor.Oneofs[0].Fields)
        {
            var value = new Value();
            var accessor = field.Accessor;
            object sample = field.FieldType switch
            {
                Google.Protobuf.Reflection.FieldType.Message => ((IMessage)Activator.CreateInstance(field.MessageType.ClrType)!),
                Google.Protobuf.Reflection.FieldType.String => "s",
                Google.Protobuf.Reflection.FieldType.Bytes => ByteString.CopyFrom(1),
                Google.Protobuf.Reflection.FieldType.Int32 => 1,
                Google.Protobuf.Reflection.FieldType.Int64 => 1L,
                Google.Protobuf.Reflection.FieldType.Double => 1.0,
                Google.Protobuf.Reflection.FieldType.Float => 1.0f,
                Google.Protobuf.Reflection.FieldType.Bool => true,
                Google.Protobuf.Reflection.FieldType.Enum => Null.Null,
                _ => throw new InvalidOperationException(field.FieldType.ToString()),
            };
            accessor.SetValue(value, sample);
            var json = ValueJson(value);
            if (!handledAsNull.Contains(value.ValCase)) Assert.True(json != "null", $"{value.ValCase} is written as null");
        }
    }

    public static TheoryData<string, DateTimeOffset> Timestamps() => new()
    {
        { "1970-01-01T00:00:00Z", DateTimeOffset.UnixEpoch },
        { "2021-04-12T10:59:42Z", new DateTimeOffset(2021, 4, 12, 10, 59, 42, TimeSpan.Zero) },
        { "2021-04-12T08:59:42Z", new DateTimeOffset(2021, 4, 12, 10, 59, 42, TimeSpan.FromHours(2)) },
        { "2021-04-12T10:59:42.500Z", new DateTimeOffset(2021, 4, 12, 10, 59, 42, 500, TimeSpan.Zero) },
        { "2021-04-12T10:59:42.001Z", new DateTimeOffset(2021, 4, 12, 10, 59, 42, 1, TimeSpan.Zero) },
        { "2021-04-12T10:59:42.000001Z", new DateTimeOffset(2021, 4, 12, 10, 59, 42, TimeSpan.Zero).AddTicks(10) },
        { "2021-04-12T10:59:42.123456Z", new DateTimeOffset(2021, 4, 12, 10, 59, 42, TimeSpan.Zero).AddTicks(1_234_560) },
        { "2021-04-12T10:59:42.000000100Z", new DateTimeOffset(2021, 4, 12, 10, 59, 42, TimeSpan.Zero).AddTicks(1) },
        { "2021-04-12T10:59:42.123456700Z", new DateTimeOffset(2021, 4, 12, 10, 59, 42, TimeSpan.Zero).AddTicks(1_234_567) },
        { "0001-01-01T00:00:00Z", DateTimeOffset.MinValue },
        { "9999-12-31T23:59:59.999999900Z", DateTimeOffset.MaxValue },
    };

    [Theory]
    [MemberData(nameof(Timestamps))]
    public void FormatTimestamp_AdaptiveDigits_MatchesProtobufJson(string expected, DateTimeOffset timestamp)
    {
        Assert.Equal(expected, OnlineResponseJson.FormatTimestamp(timestamp));
        var json = JsonNode.Parse(Json(Column("f", [new Value()], [FeatureStatus.Present], [timestamp])))!;
        Assert.Equal(expected, json["results"]![0]!["event_timestamps"]![0]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Timestamps))]
    public void FormatTimestamp_AgreesWithProtobufTimestampFormatter(string expected, DateTimeOffset timestamp)
    {
        // Google.Protobuf's own JSON formatter applies the same 0/3/6/9-digit rule.
        var proto = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(timestamp);
        Assert.Equal($"\"{expected}\"", JsonFormatter.Default.Format(proto));
    }

    [Fact]
    public void Write_IntoCallersWriter_HonoursItsOptions()
    {
        var response = new OnlineFeaturesResponse([Column("driver_id", [new Value { Int64Val = 7 }])], 1);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            OnlineResponseJson.Write(writer, response);

        var text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.StartsWith("{\n  \"results\": [", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
