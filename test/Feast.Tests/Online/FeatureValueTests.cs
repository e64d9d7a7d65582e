using System.Buffers;
using Feast.Tests.Online.Conformance;
using Feast.Online;
using Feast.Protos.Serving;
using Feast.Protos.Types;
using Feast.Values;
using Google.Protobuf;

namespace Feast.Tests.Online;

/// <summary>
/// The public value type: its online-store bytes equal protobuf's <c>Value</c> bytes for every kind, the typed
/// factories and accessors, .NET conversions, equality and null; and the response's hand-written gRPC bytes.
/// </summary>
public sealed class FeatureValueTests
{
    public static TheoryData<string> Kinds() => [.. OnlineStoreConformanceTests.AllValues().Select(v => v.Name)];

    private static Value Proto(string kind) => OnlineStoreConformanceTests.AllValues().Single(v => v.Name == kind).Value;

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Bytes_EveryKind_EqualProtobufAndRoundTrip(string kind)
    {
        var proto = Proto(kind);
        var expected = proto.ToByteArray();
        var value = new FeatureValue(proto);

        Assert.Equal(expected.Length, value.GetSerializedSize());
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(value.ToByteArray()));
        var span = new byte[expected.Length + 3];
        Assert.Equal(expected.Length, value.WriteTo(span));
        Assert.Equal(expected, span[..expected.Length]);
        var buffer = new ArrayBufferWriter<byte>();
        value.WriteTo(buffer);
        Assert.Equal(expected, buffer.WrittenSpan.ToArray());

        var parsed = FeatureValue.Parse(expected);
        Assert.Equal(value, parsed);
        Assert.Equal(value.Type, parsed.Type);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(parsed.ToByteArray()));
    }

    public static TheoryData<Value> Scalars() =>
    [
        new Value { Int64Val = 0 }, new Value { Int64Val = -1 }, new Value { Int64Val = long.MinValue }, new Value { Int64Val = 127 },
        new Value { Int64Val = 128 }, new Value { Int32Val = int.MinValue }, new Value { Int32Val = -1 }, new Value { Int32Val = 300 },
        new Value { BoolVal = false }, new Value { BoolVal = true }, new Value { FloatVal = float.NaN }, new Value { FloatVal = -0f },
        new Value { DoubleVal = double.NegativeInfinity }, new Value { DoubleVal = -0.0 }, new Value { UnixTimestampVal = -62135596800 },
        new Value { UnixTimestampVal = 0 },
    ];

    [Theory]
    [MemberData(nameof(Scalars))]
    public void Bytes_DirectScalarEncoding_EqualsProtobuf(Value proto)
    {
        var value = new FeatureValue(proto);

        Assert.Equal(proto.CalculateSize(), value.GetSerializedSize());
        Assert.Equal(Convert.ToHexString(proto.ToByteArray()), Convert.ToHexString(value.ToByteArray()));
        Assert.Equal(value, FeatureValue.Parse(value.ToByteArray()));
    }

    [Fact]
    public void WriteTo_ShortDestination_Throws()
    {
        Assert.Throws<ArgumentException>(() => FeatureValue.FromInt64(1001).WriteTo(new byte[2]));
        Assert.Throws<ArgumentException>(() => FeatureValue.FromString("abc").WriteTo(new byte[4]));
    }

    [Fact]
    public void Null_IsEmptyBytes_AndEqualsEveryNull()
    {
        var empty = FeatureValue.Parse([]);
        var nullVal = new FeatureValue(new Value { NullVal = Null.Null });

        Assert.True(FeatureValue.Null.IsNull);
        Assert.True(default(FeatureValue).IsNull);
        Assert.Equal(ValueType.Null, FeatureValue.Null.Type);
        Assert.Empty(FeatureValue.Null.ToByteArray());
        Assert.Equal(0, FeatureValue.Null.GetSerializedSize());
        Assert.Null(FeatureValue.Null.ToObject());
        Assert.Null(FeatureValue.Null.ToValueText());
        Assert.Equal(FeatureValue.Null, empty);
        Assert.Equal(FeatureValue.Null, nullVal);
        Assert.Equal(FeatureValue.Null.GetHashCode(), nullVal.GetHashCode());
        Assert.NotEqual(FeatureValue.Null, FeatureValue.FromInt64(0));
        Assert.Equal("Null", FeatureValue.Null.ToString());
    }

    [Fact]
    public void Factories_AndAccessors_RoundTrip()
    {
        var at = new DateTimeOffset(2024, 5, 13, 10, 59, 42, TimeSpan.Zero);

        Assert.Equal(-7, FeatureValue.FromInt32(-7).AsInt32());
        Assert.Equal(long.MaxValue, FeatureValue.FromInt64(long.MaxValue).AsInt64());
        Assert.Equal(0.5f, FeatureValue.FromFloat(0.5f).AsFloat());
        Assert.Equal(1.5e-300, FeatureValue.FromDouble(1.5e-300).AsDouble());
        Assert.True(FeatureValue.FromBool(true).AsBool());
        Assert.Equal("héllo", FeatureValue.FromString("héllo").AsString());
        Assert.Equal(new byte[] { 0, 1, 255 }, FeatureValue.FromBytes([0, 1, 255]).AsBytes().ToArray());
        Assert.Equal(at, FeatureValue.FromUnixTimestamp(at.AddMilliseconds(300)).AsUnixTimestamp());
        Assert.Equal(1715597982, FeatureValue.FromUnixTimestamp(1715597982).AsUnixTimestampSeconds());
        Assert.Equal([1, -2], FeatureValue.FromInt32List([1, -2]).AsInt32List());
        Assert.Equal([1L, 2L], FeatureValue.FromInt64List([1L, 2L]).AsInt64List());
        Assert.Equal([1f, 2.5f], FeatureValue.FromFloatList([1f, 2.5f]).AsFloatList());
        Assert.Equal([0.1, 0.2], FeatureValue.FromDoubleList([0.1, 0.2]).AsDoubleList());
        Assert.Equal([true, false], FeatureValue.FromBoolList([true, false]).AsBoolList());
        Assert.Equal(["a", ""], FeatureValue.FromStringList(["a", ""]).AsStringList());
        Assert.Equal([new byte[] { 1 }, []], FeatureValue.FromBytesList([[1], []]).AsBytesList());
        Assert.Equal([0L, 1700000000L], FeatureValue.FromUnixTimestampList([0L, 1700000000L]).AsInt64List());

        Assert.Equal(ValueType.Int64, FeatureValue.FromInt64(1).Type);
        Assert.Equal(ValueType.FloatList, FeatureValue.FromFloatList([1f]).Type);
        Assert.Equal(ValueType.UnixTimestampList, FeatureValue.FromUnixTimestampList([1L]).Type);
        Assert.Equal(ValueType.Int64Set, new FeatureValue(Proto("int64_set")).Type);
        Assert.Equal([3L, 1L], new FeatureValue(Proto("int64_set")).AsInt64List());
        Assert.Equal("{\"a\": [1, 2]}", new FeatureValue(Proto("json")).AsString());
    }

    [Fact]
    public void Accessors_WrongType_ThrowNamingTheType()
    {
        var error = Assert.Throws<InvalidOperationException>(() => FeatureValue.FromString("x").AsInt64());
        Assert.Contains("String", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => FeatureValue.Null.AsFloat());
        Assert.Throws<InvalidOperationException>(() => FeatureValue.FromInt64(1).AsInt64List());
        Assert.Throws<InvalidOperationException>(() => FeatureValue.FromInt32(1).AsString());
    }

    [Fact]
    public void Lists_AreReadOnly()
    {
        var list = FeatureValue.FromInt64List([1L, 2L]).AsInt64List();
        Assert.Throws<NotSupportedException>(() => ((IList<long>)list).Add(3));
    }

    [Fact]
    public void FromObject_ToObject_ConvertAsFeastValuesDoes()
    {
        Assert.Equal(1001L, FeatureValue.FromObject(1001, ValueType.Int64).ToObject());
        Assert.Equal(1001, FeatureValue.FromObject(1001L, ValueType.Int32).ToObject());
        Assert.Equal(1.5, FeatureValue.FromObject("1.5", ValueType.Double).ToObject());
        Assert.Equal(0.5f, FeatureValue.FromObject(0.5, ValueType.Float).ToObject());
        Assert.Equal("abc", FeatureValue.FromObject("abc", ValueType.Unknown).ToObject());
        Assert.Equal(7L, FeatureValue.FromObject(7, ValueType.Unknown).ToObject());
        Assert.Equal(new long[] { 1, 2 }, FeatureValue.FromObject(new[] { 1, 2 }, ValueType.Int64List).ToObject());
        Assert.True(FeatureValue.FromObject(null, ValueType.Int64).IsNull);
        Assert.True(FeatureValue.FromObject(double.NaN, ValueType.Double).IsNull);
        var value = FeatureValue.FromInt64(5);
        Assert.Equal(value, FeatureValue.FromObject(value, ValueType.String));
        Assert.Same(value.Proto, FeastValues.FromObject(value, ValueType.Int64, "driver_id")); // a request may carry FeatureValues
        Assert.Same(value.Proto, FeastValues.Infer(value, "val_to_add"));
        foreach (var (name, _, proto) in OnlineStoreConformanceTests.AllValues())
            Assert.Equal(FeastValues.ToObject(proto), new FeatureValue(proto).ToObject());

        var error = Assert.Throws<FeastValidationException>(() => FeatureValue.FromObject("abc", ValueType.Int64, "driver_id"));
        Assert.Contains("driver_id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToValueText_IsWhatFeastStoresBesideTheBytes()
    {
        Assert.Equal("0.5", FeatureValue.FromFloat(0.5f).ToValueText());
        Assert.Equal("1.0", FeatureValue.FromDouble(1).ToValueText());
        Assert.Equal("True", FeatureValue.FromBool(true).ToValueText());
        Assert.Equal("12", FeatureValue.FromInt64(12).ToValueText());
        Assert.Null(FeatureValue.FromInt64List([1L]).ToValueText());
    }

    [Fact]
    public void Equality_IsByTypeAndContents()
    {
        Assert.Equal(FeatureValue.FromInt64(1), FeatureValue.FromInt64(1));
        Assert.True(FeatureValue.FromInt64(1) == FeatureValue.Parse(FeatureValue.FromInt64(1).ToByteArray()));
        Assert.True(FeatureValue.FromInt64(1) != FeatureValue.FromInt32(1));
        Assert.NotEqual(FeatureValue.FromString("a"), FeatureValue.FromString("b"));
        Assert.Equal(FeatureValue.FromStringList(["a"]).GetHashCode(), FeatureValue.FromStringList(["a"]).GetHashCode());
        Assert.False(FeatureValue.FromInt64(1).Equals((object)1L));
        Assert.Equal("Int64 1001", FeatureValue.FromInt64(1001).ToString());
    }

    [Fact]
    public void EntityKeySerializer_PublicOverloads_EqualTheProtoOnes()
    {
        Assert.Equal(EntityKeySerializer.Serialize("driver_id", new Value { Int64Val = 1001 }), EntityKeySerializer.Serialize("driver_id", FeatureValue.FromInt64(1001)));
        Assert.Equal(
            EntityKeySerializer.Serialize(["b", "a"], [new Value { StringVal = "x" }, new Value { Int32Val = 2 }], 2),
            EntityKeySerializer.Serialize(["b", "a"], [FeatureValue.FromString("x"), FeatureValue.FromInt32(2)], 2));
        var key = EntityKeySerializer.Deserialize(EntityKeySerializer.Serialize(["b", "a"], [FeatureValue.FromString("x"), FeatureValue.FromInt32(2)]));
        Assert.Equal(["a", "b"], key.JoinKeys);
        Assert.Equal([FeatureValue.FromInt32(2), FeatureValue.FromString("x")], key.Values);
        Assert.Throws<FeastValidationException>(() => EntityKeySerializer.Serialize("driver_id", FeatureValue.Null));
    }

    [Fact]
    public void FeatureStatus_IsNumberedAsFeast()
    {
        foreach (var status in Enum.GetValues<FieldStatus>())
            Assert.Equal(status.ToString(), ((FeatureStatus)(int)status).ToString());
        Assert.Equal(Enum.GetValues<FieldStatus>().Length, Enum.GetValues<FeatureStatus>().Length);
    }

    [Fact]
    public void Response_WriteTo_EqualsTheProtobufMessageBytes()
    {
        var times = new[]
        {
            DateTimeOffset.UnixEpoch, new DateTimeOffset(2021, 4, 12, 10, 0, 0, TimeSpan.Zero), new DateTimeOffset(2021, 4, 12, 10, 0, 0, 123, TimeSpan.FromHours(2)).AddTicks(4567),
            new DateTimeOffset(1969, 12, 31, 23, 59, 59, 500, TimeSpan.Zero), DateTimeOffset.MinValue.AddDays(1), new DateTimeOffset(9999, 12, 30, 0, 0, 0, TimeSpan.Zero),
        };
        var all = OnlineStoreConformanceTests.AllValues();
        var statuses = Enum.GetValues<FeatureStatus>();
        var columns = new List<FeatureColumn>
        {
            new("driver_id", [.. Enumerable.Range(0, all.Count).Select(i => FeatureValue.FromInt64(1000 + i))],
                [.. Enumerable.Repeat(FeatureStatus.Present, all.Count)], [.. Enumerable.Repeat(DateTimeOffset.UnixEpoch, all.Count)], IsJoinKey: true),
            new("everything__é✓", [.. all.Select(v => new FeatureValue(v.Value))], [.. all.Select((_, i) => statuses[i % statuses.Length])],
                [.. all.Select((_, i) => times[i % times.Length])]),
            new("defaults", [.. Enumerable.Repeat(default(FeatureValue), all.Count)], [.. Enumerable.Repeat(FeatureStatus.NotFound, all.Count)],
                [.. Enumerable.Repeat(DateTimeOffset.UnixEpoch, all.Count)]),
        };
        var response = new OnlineFeaturesResponse(columns, all.Count);

        var buffer = new ArrayBufferWriter<byte>();
        response.WriteTo(buffer);

        Assert.Equal(response.GetSerializedSize(), buffer.WrittenCount);
        Assert.Equal(Convert.ToHexString(response.ToProto().ToByteArray()), Convert.ToHexString(buffer.WrittenSpan));
        var parsed = GetOnlineFeaturesResponse.Parser.ParseFrom(buffer.WrittenSpan);
        Assert.Equal(response.ToProto(), parsed);
    }

    [Fact]
    public void Response_WriteTo_EmptyResponses_EqualTheProtobufMessageBytes()
    {
        foreach (var response in new[]
        {
            new OnlineFeaturesResponse([], 0),
            new OnlineFeaturesResponse([new FeatureColumn("f", [], [], [])], 0),
        })
        {
            var buffer = new ArrayBufferWriter<byte>();
            response.WriteTo(buffer);
            Assert.Equal(Convert.ToHexString(response.ToProto().ToByteArray()), Convert.ToHexString(buffer.WrittenSpan));
        }
    }
}
