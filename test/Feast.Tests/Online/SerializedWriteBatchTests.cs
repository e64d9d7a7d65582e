using Apache.Arrow;
using Apache.Arrow.Types;
using Feast.Online;
using Feast.Protos.Types;
using Feast.Values;
using Google.Protobuf;
using ValueType = Feast.Protos.Types.ValueType.Types.Enum;

namespace Feast.Tests.Online;

/// <summary>
/// Materialization's serialized batches: Arrow columns written as Value bytes must equal, byte for byte, the Values
/// the ordinary path reads from the same columns.
/// </summary>
public sealed class SerializedWriteBatchTests
{
    public static TheoryData<string> Columns() => [.. ColumnCases().Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Columns))]
    public void WriteColumn_EveryCell_MatchesTheValuePathsBytes(string name)
    {
        var (_, array, type) = ColumnCases().Single(c => c.Name == name);
        foreach (var column in new[] { array, Slice(array) })
        {
            var batch = OnlineWriteBatch.Serialized(["f"], column.Length);
            for (var i = 0; i < column.Length; i++) batch.AddRow([(byte)i], DateTimeOffset.UnixEpoch, null);

            ArrowValueBytes.WriteColumn(batch, 0, column, type, "f");

            var read = ArrowValues.Reader(column, type, "f");
            for (var i = 0; i < column.Length; i++)
            {
                Assert.True(batch.TryGetSerializedValue(i, 0, out var bytes));
                Assert.Equal(Convert.ToHexString(read(i).ToByteArray()), Convert.ToHexString(bytes));
                Assert.Equal(new FeatureValue(read(i)), batch.Value(i, 0)); // parsed back on demand
            }
        }
    }

    [Fact]
    public void SerializedBatch_ValuesParseOnce_AndRowsCannotBeAddedAsValues()
    {
        var batch = OnlineWriteBatch.Serialized(["a", "b"], 2);
        batch.AddRow([1], DateTimeOffset.UnixEpoch, null);
        ArrowValueBytes.WriteColumn(batch, 0, new Int64Array.Builder().Append(7).Build(), ValueType.Int64, "a");
        ArrowValueBytes.WriteColumn(batch, 1, new StringArray.Builder().AppendNull().Build(), ValueType.String, "b");

        var values = batch.Values(0);
        Assert.Equal(7, values[0].AsInt64());
        Assert.True(values[1].IsNull);
        Assert.Same(batch.Values(0)[0].Proto, values[0].Proto);
        Assert.True(batch.HasSerializedValues);
        Assert.Throws<InvalidOperationException>(() => batch.Add([2], [new Value { Int64Val = 1 }, null], DateTimeOffset.UnixEpoch));
        batch.AddRow([2], DateTimeOffset.UnixEpoch, null);
        Assert.Throws<InvalidOperationException>(() => batch.AddRow([3], DateTimeOffset.UnixEpoch, null));
    }

    [Fact]
    public void OrdinaryBatch_HasNoSerializedValues()
    {
        var batch = new OnlineWriteBatch(["a"]);
        batch.Add([1], [new Value { Int64Val = 1 }], DateTimeOffset.UnixEpoch);

        Assert.False(batch.HasSerializedValues);
        Assert.False(batch.TryGetSerializedValue(0, 0, out _));
    }

    private static IArrowArray Slice(IArrowArray array) => ArrowArrayFactory.Slice(array, 1, array.Length - 1);

    private static IEnumerable<(string Name, IArrowArray Array, ValueType Type)> ColumnCases()
    {
        yield return ("int64", new Int64Array.Builder().Append(0).Append(-1).AppendNull().Append(long.MaxValue).Append(long.MinValue).Append(127).Append(128).Build(), ValueType.Int64);
        yield return ("int32 as int64", new Int32Array.Builder().Append(5).Append(-5).AppendNull().Append(int.MinValue).Build(), ValueType.Int64);
        yield return ("int32", new Int32Array.Builder().Append(0).Append(-1).AppendNull().Append(int.MaxValue).Append(int.MinValue).Build(), ValueType.Int32);
        yield return ("float", new FloatArray.Builder().Append(0f).Append(-0f).Append(float.NaN).AppendNull().Append(float.PositiveInfinity).Append(0.92739f).Build(), ValueType.Float);
        yield return ("double as float", new DoubleArray.Builder().Append(1.5).Append(double.NaN).AppendNull().Append(1e300).Build(), ValueType.Float);
        yield return ("double", new DoubleArray.Builder().Append(1.5e-300).Append(double.NaN).AppendNull().Append(-0.0).Append(double.NegativeInfinity).Build(), ValueType.Double);
        yield return ("float as double", new FloatArray.Builder().Append(0.1f).Append(float.NaN).AppendNull().Build(), ValueType.Double);
        yield return ("bool", new BooleanArray.Builder().Append(true).Append(false).AppendNull().Append(true).Build(), ValueType.Bool);
        yield return ("string", new StringArray.Builder().Append("héllo ✓").Append("").AppendNull().Append(new string('x', 300)).Build(), ValueType.String);
        yield return ("bytes", new BinaryArray.Builder().Append([0, 1, 255]).Append(ReadOnlySpan<byte>.Empty).AppendNull().Append(new byte[200]).Build(), ValueType.Bytes);
        // Not one of the direct loops: written through the Value.
        yield return ("timestamp as unix timestamp", new TimestampArray.Builder(new TimestampType(TimeUnit.Microsecond, "UTC"))
            .Append(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)).AppendNull().Append(DateTimeOffset.UnixEpoch).Build(), ValueType.UnixTimestamp);
        yield return ("int16 as int32", new Int16Array.Builder().Append(-3).AppendNull().Append(short.MaxValue).Build(), ValueType.Int32);
    }
}
