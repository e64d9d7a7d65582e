using System.Text;
using Feast.Online;
using Google.Protobuf;
using Feast.Protos.Types;
using Feast.Values;
using StackExchange.Redis;
using static Feast.Redis.Tests.R;

namespace Feast.Redis.Tests;

/// <summary>The bytes in Redis are Feast's: FEAST-FORMATS §2.3–2.5 golden vectors, checked by reading Redis directly.</summary>
public sealed class LayoutTests
{
    private const string GoldenKey1001 = "01000000 02000000 09000000 6472697665725f6964 04000000 08000000 e903000000000000";

    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("hello", 0x248bfa47u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x2e4ff723u)]
    [InlineData("a", 0x3c2569b2u)]
    [InlineData("abc", 0xb3dd93fau)]
    [InlineData("abcd", 0x43ed676au)]
    public void Murmur3_StandardVectors(string input, uint expected) =>
        Assert.Equal(expected, Murmur3.Hash32(Encoding.UTF8.GetBytes(input)));

    [Theory]
    [InlineData("conv_rate", "6160e3da")]
    [InlineData("acc_rate", "fa5e58ad")]
    [InlineData("avg_daily_trips", "18a5e5a3")]
    public void FeatureField_IsLittleEndianMurmur3OfViewColonFeature(string feature, string hex) =>
        Assert.Equal(hex, Convert.ToHexStringLower(RedisLayout.FeatureField("driver_hourly_stats", feature)));

    [Fact]
    public void FeatureField_GoldenHashValue() =>
        Assert.Equal(3672334433u, BitConverter.ToUInt32(RedisLayout.FeatureField("driver_hourly_stats", "conv_rate")));

    [Fact]
    public void Timestamp_IsProtobufTimestampBytes()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1700000000).AddMilliseconds(123);
        Assert.Equal("0880e2cfaa0610c0a9d33a", Convert.ToHexStringLower(RedisLayout.SerializeTimestamp(at)));
        Assert.Equal(at, RedisLayout.FromNanos(RedisLayout.ReadTimestampNanos(Hex("0880e2cfaa0610c0a9d33a"))));
        Assert.Equal(Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(at).ToByteArray(), RedisLayout.SerializeTimestamp(at));
        Assert.Empty(RedisLayout.SerializeTimestamp(DateTimeOffset.UnixEpoch));
        var before = DateTimeOffset.UnixEpoch.AddSeconds(-1.5);
        Assert.Equal(Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(before).ToByteArray(), RedisLayout.SerializeTimestamp(before));
        Assert.Equal(before, RedisLayout.FromNanos(RedisLayout.ReadTimestampNanos(RedisLayout.SerializeTimestamp(before))));
    }

    [Fact]
    public void Key_IsEntityKeyFollowedByProject() =>
        Assert.Equal(GoldenKey1001.Replace(" ", "", StringComparison.Ordinal) + "6d795f70726f6a656374",
            Convert.ToHexStringLower(RedisLayout.Key(DriverKey(1001), "my_project")));

    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task WriteBatch_StoresFeastBytes(Shape shape)
    {
        // The golden project name; each shape has its own server, and the key is cleaned before and after.
        const string Project = "my_project";
        var key = (RedisKey)Hex(GoldenKey1001 + "6d795f70726f6a656374");
        await using var raw = await RawAsync(shape);
        var db = raw.GetDatabase();
        await db.KeyDeleteAsync(key);
        var view = new FeatureView("driver_hourly_stats", Source, [Driver], schema:
            [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);
        await using var store = Store(shape);
        var batch = new OnlineWriteBatch(["conv_rate", "acc_rate", "avg_daily_trips"]);
        var at = DateTimeOffset.FromUnixTimeSeconds(1700000000).AddMilliseconds(123);
        batch.Add(DriverKey(1001), [new Value { FloatVal = 0.9273980259895325f }, null, new Value { Int64Val = 1001 }], at);

        try
        {
            await store.WriteBatchAsync(Project, view, batch);

            var hash = (await db.HashGetAllAsync(key)).ToDictionary(e => Convert.ToHexStringLower((byte[])e.Name!), e => Convert.ToHexStringLower((byte[])e.Value!));
            Assert.Equal(new Dictionary<string, string>
            {
                ["6160e3da"] = "35f5696d3f",                 // conv_rate: Value float_val
                ["fa5e58ad"] = "",                           // acc_rate: null is an empty Value
                ["18a5e5a3"] = "20e907",                     // avg_daily_trips: Value int64_val 1001
                [Convert.ToHexStringLower("_ts:driver_hourly_stats"u8)] = "0880e2cfaa0610c0a9d33a",
            }, hash);
            Assert.Null(await db.KeyTimeToLiveAsync(key)); // no key_ttl_seconds: no expiry
        }
        finally
        {
            await db.KeyDeleteAsync(key);
        }
    }

    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task Read_HashWrittenAsPythonFeastWritesIt_ReturnsItsValues(Shape shape)
    {
        var project = UniqueProject("py");
        // v3 {driver_id: 5001, customer_id: "abc"}, sorted: customer_id first.
        var entityKey = Hex("02000000 02000000 0b000000 637573746f6d65725f6964 02000000 09000000 6472697665725f6964 02000000 03000000 616263 04000000 08000000 8913000000000000");
        var key = (RedisKey)RedisLayout.Key(entityKey, project);
        await using var raw = await RawAsync(shape);
        var db = raw.GetDatabase();
        await db.HashSetAsync(key,
        [
            new HashEntry(Hex("6160e3da"), Hex("35f5696d3f")),
            new HashEntry(Hex("18a5e5a3"), Hex("20e907")),
            new HashEntry("_ts:driver_hourly_stats", Hex("0880e2cfaa0610c0a9d33a")),
            new HashEntry(Hex("01020304"), Hex("1203616263")), // another view's field: ignored
        ]);
        var customer = new Entity("customer", ["customer_id"], ValueType.String);
        var view = new FeatureView("driver_hourly_stats", Source, [Driver, customer], schema:
            [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);
        await using var store = Store(shape);
        var ourKey = EntityKeySerializer.Serialize(["driver_id", "customer_id"], [new Value { Int64Val = 5001 }, new Value { StringVal = "abc" }]);

        try
        {
            var result = await store.ReadAsync(project, view, [ourKey], ["avg_daily_trips", "acc_rate", "conv_rate"]);

            Assert.True(result.Found(0));
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000).AddMilliseconds(123), result.EventTimestamp(0));
            Assert.Equal(1001, result.Value(0, 0)!.Value.AsInt64());
            Assert.Null(result.Value(0, 1));
            Assert.Equal(0.9273980259895325f, result.Value(0, 2)!.Value.AsFloat());
        }
        finally
        {
            await db.KeyDeleteAsync(key);
        }
    }

    [Fact]
    public void ScanPattern_IsPrefixStarProject_WithGlobCharactersEscaped()
    {
        Assert.Equal("01000000020000000900000064726976 65725f69642a6d795f70726f6a656374".Replace(" ", "", StringComparison.Ordinal),
            Convert.ToHexStringLower(RedisLayout.ScanPattern(["driver_id"], "my_project")));
        // A 42-byte join key name has the length byte '*' (0x2a), which must not act as a wildcard.
        var pattern = RedisLayout.ScanPattern([new string('k', 42)], "p");
        Assert.Equal("5c2a000000", Convert.ToHexStringLower(pattern.AsSpan(8, 5)));
    }

    [Fact]
    public void EntityKeyLength_FindsTheEndOfAVersion3Key()
    {
        var key = DriverKey(1001);
        Assert.Equal(key.Length, RedisOnlineStore.EntityKeyLength([.. key, .. "my_project"u8]));
        Assert.Equal(-1, RedisOnlineStore.EntityKeyLength(key.AsSpan(0, key.Length - 1)));
    }
}

/// <summary>The store's own encoder of common scalar values writes protobuf's bytes exactly.</summary>
public sealed class ValueEncodingTests
{
    [Fact]
    public void Serialize_EveryKindOfValue_MatchesProtobuf()
    {
        var values = Feast.Tests.Online.Conformance.OnlineStoreConformanceTests.AllValues().Select(v => v.Value).Concat(
        [
            new Value { Int64Val = long.MinValue }, new Value { Int64Val = -1 }, new Value { Int64Val = 127 }, new Value { Int64Val = 128 },
            new Value { Int32Val = int.MaxValue }, new Value { Int32Val = int.MinValue }, new Value { Int32Val = 0 },
            new Value { FloatVal = float.NaN }, new Value { FloatVal = -0f }, new Value { DoubleVal = double.NegativeInfinity }, new Value { DoubleVal = 0 },
            new Value { UnixTimestampVal = -5 }, new Value { BoolVal = false },
        ]);
        var buffer = new Resp.RespCommandBuffer();
        foreach (var value in values)
        {
            buffer.Clear();
            buffer.ValueArgument(new FeatureValue(value));
            var expected = value.ToByteArray();
            // One RESP bulk argument: $len CRLF bytes CRLF.
            Assert.Equal(Convert.ToHexString([.. System.Text.Encoding.ASCII.GetBytes($"${expected.Length}\r\n"), .. expected, .. "\r\n"u8]),
                Convert.ToHexString(buffer.Written.Span));
        }
    }

    [Fact]
    public void CommandBuffer_WritesRespMultiBulkRequests()
    {
        var buffer = new Resp.RespCommandBuffer(256);
        buffer.Command(4);
        buffer.Argument("HSET"u8);
        buffer.Argument("k"u8, "ey"u8);
        buffer.Argument(new byte[300]);
        buffer.Argument(-12);

        Assert.Equal(1, buffer.Commands);
        var text = System.Text.Encoding.ASCII.GetString(buffer.Written.Span);
        Assert.Equal("*4\r\n$4\r\nHSET\r\n$3\r\nkey\r\n$300\r\n" + new string('\0', 300) + "\r\n$3\r\n-12\r\n", text);
    }
}
