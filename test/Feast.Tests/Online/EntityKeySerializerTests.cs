using Feast.Protos.Types;
using Feast.Values;
using Google.Protobuf;

namespace Feast.Tests.Online;

/// <summary>Entity-key bytes against the golden vectors of FEAST-FORMATS §2.5.</summary>
public sealed class EntityKeySerializerTests
{
    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static string Spaced(string hex) => hex.Replace(" ", "", StringComparison.Ordinal);

    private static Value Int64(long value) => new() { Int64Val = value };

    [Fact]
    public void Serialize_V3SingleInt64Key_MatchesGoldenVector()
    {
        Assert.Equal(Spaced("01000000 02000000 09000000 6472697665725f6964 04000000 08000000 e903000000000000"),
            Hex(EntityKeySerializer.Serialize("driver_id", Int64(1001))));
        Assert.Equal(Hex(EntityKeySerializer.Serialize("driver_id", Int64(1001))), Hex(EntityKeySerializer.Serialize(["driver_id"], [Int64(1001)])));
    }

    [Fact]
    public void Serialize_V2SingleInt64Key_MatchesGoldenVector()
    {
        Assert.Equal(Spaced("02000000 6472697665725f6964 04000000 08000000 e903000000000000"),
            Hex(EntityKeySerializer.Serialize("driver_id", Int64(1001), version: 2)));
    }

    [Fact]
    public void Serialize_V1Int64_WritesFourBytes()
    {
        Assert.Equal(Spaced("02000000 6472697665725f6964 04000000 04000000 ea030000"),
            Hex(EntityKeySerializer.Serialize("driver_id", Int64(1002), version: 1)));
    }

    [Fact]
    public void Serialize_V3TwoJoinKeys_SortsByJoinKey()
    {
        const string Expected = "02000000 02000000 0b000000 637573746f6d65725f6964 02000000 09000000 6472697665725f6964 " +
            "02000000 03000000 616263 04000000 08000000 8913000000000000";
        Assert.Equal(Spaced(Expected), Hex(EntityKeySerializer.Serialize(["driver_id", "customer_id"], [Int64(5001), new Value { StringVal = "abc" }])));
        Assert.Equal(Spaced(Expected), Hex(EntityKeySerializer.Serialize(["customer_id", "driver_id"], [new Value { StringVal = "abc" }, Int64(5001)])));
    }

    [Fact]
    public void Serialize_V2TwoJoinKeys_KeysThenValuesWithoutCountOrLengths()
    {
        Assert.Equal(Spaced("02000000 61 02000000 62 04000000 08000000 0100000000000000 04000000 08000000 0200000000000000"),
            Hex(EntityKeySerializer.Serialize(["b", "a"], [Int64(2), Int64(1)], version: 2)));
    }

    [Fact]
    public void Serialize_EntityLessDummyKey_MatchesGoldenVector()
    {
        Assert.Equal(Spaced("01000000 02000000 0a000000 5f5f64756d6d795f6964 02000000 00000000"),
            Hex(EntityKeySerializer.Serialize(Entity.DummyJoinKey, new Value { StringVal = "" })));
    }

    [Fact]
    public void Serialize_RedisKey_IsKeyFollowedByProject()
    {
        var key = EntityKeySerializer.Serialize("driver_id", Int64(1001));
        Assert.Equal(Spaced("01000000 02000000 09000000 6472697665725f6964 04000000 08000000 e903000000000000 6d795f70726f6a656374"),
            Hex([.. key, .. System.Text.Encoding.UTF8.GetBytes("my_project")]));
    }

    [Fact]
    public void SerializePrefix_V3_MatchesGoldenVector()
    {
        Assert.Equal(Spaced("01000000 02000000 09000000 6472697665725f6964"), Hex(EntityKeySerializer.SerializePrefix(["driver_id"])));
        var full = EntityKeySerializer.Serialize(["driver_id", "customer_id"], [Int64(1), new Value { StringVal = "x" }]);
        var prefix = EntityKeySerializer.SerializePrefix(["driver_id", "customer_id"]);
        Assert.Equal(Hex(prefix), Hex(full[..prefix.Length]));
    }

    [Theory]
    [InlineData("int32", "03000000 04000000 feffffff")]
    [InlineData("string", "02000000 03000000 e282ac")]
    [InlineData("bytes", "01000000 02000000 00ff")]
    [InlineData("ts", "08000000 08000000 00f1536500000000")]
    public void Serialize_OtherKeyTypes_WriteTagLengthPayload(string kind, string valueHex)
    {
        var value = kind switch
        {
            "int32" => new Value { Int32Val = -2 },
            "string" => new Value { StringVal = "€" },
            "bytes" => new Value { BytesVal = ByteString.CopyFrom(0, 255) },
            _ => new Value { UnixTimestampVal = 1700000000 },
        };
        Assert.Equal(Spaced("01000000 02000000 01000000 6b " + valueHex), Hex(EntityKeySerializer.Serialize("k", value)));
    }

    [Fact]
    public void Serialize_NonAsciiJoinKey_LengthIsUtf8Bytes()
    {
        // Feast 0.61+: the byte length of the UTF-8 key (2 bytes for "é"), not the character count.
        Assert.Equal(Spaced("01000000 02000000 02000000 c3a9 04000000 08000000 0100000000000000"),
            Hex(EntityKeySerializer.Serialize("é", Int64(1))));
    }

    [Fact]
    public void SortedOrder_SupplementaryCharacters_SortByCodePointAsPython()
    {
        // Python: sorted(["\uffff", "\U0001F600"]) == ["\uffff", "\U0001F600"]; UTF-16 ordinal order would swap them.
        Assert.Equal([1, 0], EntityKeySerializer.SortedOrder(["\U0001F600", "\uffff"]));
        Assert.Equal([0, 2, 1], EntityKeySerializer.SortedOrder(["a", "b", "ab"]));
    }

    [Fact]
    public void Serialize_DuplicateJoinKeys_Throws()
    {
        var error = Assert.Throws<FeastValidationException>(() => EntityKeySerializer.Serialize(["a", "a"], [Int64(1), Int64(2)]));
        Assert.Contains("'a'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("double")]
    [InlineData("float")]
    [InlineData("bool")]
    [InlineData("list")]
    public void Serialize_UnsupportedValueType_ThrowsNamingTheJoinKey(string kind)
    {
        var value = kind switch
        {
            "double" => new Value { DoubleVal = 1.5 },
            "float" => new Value { FloatVal = 1.5f },
            "bool" => new Value { BoolVal = true },
            _ => new Value { Int64ListVal = new Int64List { Val = { 1 } } },
        };

        var single = Assert.Throws<FeastValidationException>(() => EntityKeySerializer.Serialize("driver_id", value));
        var multi = Assert.Throws<FeastValidationException>(() => EntityKeySerializer.Serialize(["a", "driver_id"], [Int64(1), value]));

        Assert.Contains("'driver_id'", single.Message, StringComparison.Ordinal);
        Assert.Contains("'driver_id'", multi.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_NullValue_ThrowsNamingTheJoinKey()
    {
        var error = Assert.Throws<FeastValidationException>(() => EntityKeySerializer.Serialize("driver_id", new Value()));
        Assert.Contains("'driver_id'", error.Message, StringComparison.Ordinal);
        Assert.Throws<FeastValidationException>(() => EntityKeySerializer.Serialize("driver_id", new Value { NullVal = Null.Null }));
    }

    [Fact]
    public void Serialize_BadArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EntityKeySerializer.Serialize("k", Int64(1), version: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => EntityKeySerializer.Serialize("k", Int64(1), version: 0));
        Assert.Throws<ArgumentException>(() => EntityKeySerializer.Serialize(["a", "b"], [Int64(1)]));
    }

    [Fact]
    public void Deserialize_RoundTripsEveryKeyType()
    {
        var values = new[]
        {
            new Value { StringVal = "abc" }, new Value { BytesVal = ByteString.CopyFrom(1, 2) }, new Value { Int32Val = int.MinValue },
            Int64(long.MaxValue), new Value { UnixTimestampVal = -1 }, new Value { StringVal = "" },
        };
        string[] keys = ["s", "b", "i", "l", "t", "é"];

        var key = EntityKeySerializer.Deserialize(EntityKeySerializer.Serialize(keys, values));

        var order = EntityKeySerializer.SortedOrder(keys);
        Assert.Equal(order.Select(i => keys[i]), key.JoinKeys);
        Assert.Equal(order.Select(i => new FeatureValue(values[i])), key.Values);
    }

    [Fact]
    public void Deserialize_GoldenVector_ReadsDriverKey()
    {
        var key = EntityKeySerializer.Deserialize(Convert.FromHexString("0100000002000000090000006472697665725f69640400000008000000e903000000000000"));
        Assert.Equal("driver_id", Assert.Single(key.JoinKeys));
        Assert.Equal(1001, Assert.Single(key.Values).AsInt64());
    }

    [Fact]
    public void Deserialize_TrailingNulsInJoinKey_AreStripped()
    {
        var key = EntityKeySerializer.Deserialize(Convert.FromHexString("0100000002000000030000006b0000" + "0400000008000000" + "0100000000000000"));
        Assert.Equal("k", Assert.Single(key.JoinKeys));
    }

    [Theory]
    [InlineData("")]
    [InlineData("010000")]
    [InlineData("01000000 02000000 09000000 6472697665725f")]
    [InlineData("01000000 04000000 09000000 6472697665725f6964 04000000 08000000 e903000000000000")]
    [InlineData("01000000 02000000 09000000 6472697665725f6964 04000000 04000000 e9030000")]
    [InlineData("01000000 02000000 09000000 6472697665725f6964 05000000 08000000 0000000000000000")]
    [InlineData("01000000 02000000 09000000 6472697665725f6964 04000000 ffffff7f e903000000000000")]
    [InlineData("01000000 02000000 ffffffff 6472697665725f6964")]
    [InlineData("02000000 02000000 01000000 61 04000000 08000000 0100000000000000")]
    [InlineData("02000000 6472697665725f6964 04000000 08000000 e903000000000000")]
    public void Deserialize_MalformedBytes_ThrowsFeastException(string hex)
    {
        var error = Assert.Throws<FeastException>(() => EntityKeySerializer.Deserialize(Convert.FromHexString(Spaced(hex))));
        Assert.Contains("not a version-3 Feast entity key", error.Message, StringComparison.Ordinal);
    }
}
