using System.Buffers.Binary;
using Apache.Arrow;
using Feast.Online;
using Google.Protobuf;
using Value = Feast.Protos.Types.Value;
using ValueType = Feast.Protos.Types.ValueType.Types.Enum;

namespace Feast.Values;

/// <summary>
/// Arrow columns written straight into a serialized <see cref="OnlineWriteBatch"/>: each cell's <c>Value</c> protobuf
/// bytes, byte-identical to what <see cref="ArrowValues.Reader"/>'s Value would serialize to, without the Value. The
/// common scalar columns have their own loops; every other column goes through the Value.
/// </summary>
internal static class ArrowValueBytes
{
    /// <summary>Writes column <paramref name="array"/> as feature <paramref name="feature"/> of the first rows of <paramref name="batch"/>.</summary>
    public static void WriteColumn(OnlineWriteBatch batch, int feature, IArrowArray array, ValueType type, string column)
    {
        var rows = Math.Min(batch.Count, array.Length);
        switch (array, type)
        {
            case (Int64Array a, ValueType.Int64):
            {
                var values = a.Values;
                for (var i = 0; i < rows; i++)
                {
                    if (a.IsNull(i)) batch.ValueBytes(i, feature, 0);
                    else Varint(batch, i, feature, ProtoWire.Int64Tag, (ulong)values[i]);
                }
                return;
            }
            case (Int32Array a, ValueType.Int64):
            {
                var values = a.Values;
                for (var i = 0; i < rows; i++)
                {
                    if (a.IsNull(i)) batch.ValueBytes(i, feature, 0);
                    else Varint(batch, i, feature, ProtoWire.Int64Tag, (ulong)(long)values[i]);
                }
                return;
            }
            case (Int32Array a, ValueType.Int32):
            {
                var values = a.Values;
                for (var i = 0; i < rows; i++)
                {
                    // A negative int32 is sign-extended to ten bytes, as protobuf writes it.
                    if (a.IsNull(i)) batch.ValueBytes(i, feature, 0);
                    else Varint(batch, i, feature, ProtoWire.Int32Tag, (ulong)(long)values[i]);
                }
                return;
            }
            case (FloatArray a, ValueType.Float):
            {
                var values = a.Values;
                for (var i = 0; i < rows; i++) Float(batch, i, feature, a.IsNull(i) ? float.NaN : values[i]);
                return;
            }
            case (DoubleArray a, ValueType.Float):
            {
                var values = a.Values;
                for (var i = 0; i < rows; i++) Float(batch, i, feature, a.IsNull(i) ? float.NaN : (float)values[i]);
                return;
            }
            case (DoubleArray a, ValueType.Double):
            {
                var values = a.Values;
                for (var i = 0; i < rows; i++) Double(batch, i, feature, a.IsNull(i) ? double.NaN : values[i]);
                return;
            }
            case (FloatArray a, ValueType.Double):
            {
                var values = a.Values;
                for (var i = 0; i < rows; i++) Double(batch, i, feature, a.IsNull(i) ? double.NaN : values[i]);
                return;
            }
            case (BooleanArray a, ValueType.Bool):
                for (var i = 0; i < rows; i++)
                {
                    if (a.IsNull(i)) batch.ValueBytes(i, feature, 0);
                    else Varint(batch, i, feature, ProtoWire.BoolTag, a.GetValue(i) == true ? 1UL : 0UL);
                }
                return;
            case (StringArray a, ValueType.String):
                // Arrow strings are UTF-8 already: protobuf's bytes are the tag, the length and the same bytes.
                for (var i = 0; i < rows; i++) LengthDelimited(batch, i, feature, ProtoWire.StringTag, a.IsNull(i), a.GetBytes(i));
                return;
            case (BinaryArray a, ValueType.Bytes):
                for (var i = 0; i < rows; i++) LengthDelimited(batch, i, feature, ProtoWire.BytesTag, a.IsNull(i), a.GetBytes(i));
                return;
            default:
            {
                var read = ArrowValues.Reader(array, type, column);
                for (var i = 0; i < rows; i++)
                {
                    var value = read(i);
                    var size = value.CalculateSize();
                    var bytes = batch.ValueBytes(i, feature, size);
                    if (size > 0) value.WriteTo(bytes);
                }
                return;
            }
        }
    }

    private static void Varint(OnlineWriteBatch batch, int row, int feature, byte tag, ulong number)
    {
        var bytes = batch.ValueBytes(row, feature, 1 + FeastWire.VarintSize(number));
        bytes[0] = tag;
        FeastWire.WriteVarint(number, bytes[1..]);
    }

    // NaN is Feast's null for floating-point features (as ArrowValues.Reader reads it).
    private static void Float(OnlineWriteBatch batch, int row, int feature, float number)
    {
        if (float.IsNaN(number))
        {
            batch.ValueBytes(row, feature, 0);
            return;
        }
        var bytes = batch.ValueBytes(row, feature, 5);
        bytes[0] = ProtoWire.FloatTag;
        BinaryPrimitives.WriteSingleLittleEndian(bytes[1..], number);
    }

    private static void Double(OnlineWriteBatch batch, int row, int feature, double number)
    {
        if (double.IsNaN(number))
        {
            batch.ValueBytes(row, feature, 0);
            return;
        }
        var bytes = batch.ValueBytes(row, feature, 9);
        bytes[0] = ProtoWire.DoubleTag;
        BinaryPrimitives.WriteDoubleLittleEndian(bytes[1..], number);
    }

    private static void LengthDelimited(OnlineWriteBatch batch, int row, int feature, byte tag, bool isNull, ReadOnlySpan<byte> payload)
    {
        if (isNull)
        {
            batch.ValueBytes(row, feature, 0);
            return;
        }
        var bytes = batch.ValueBytes(row, feature, 1 + FeastWire.VarintSize((ulong)payload.Length) + payload.Length);
        bytes[0] = tag;
        var at = 1 + FeastWire.WriteVarint((ulong)payload.Length, bytes[1..]);
        payload.CopyTo(bytes[at..]);
    }
}
