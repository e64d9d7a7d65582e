using System.Buffers;
using System.Buffers.Binary;
using Feast.Protos.Types;
using Feast.Values;
using Google.Protobuf;

namespace Feast;

public readonly partial struct FeatureValue
{
    /// <summary>
    /// Reads a value from its online-store bytes (Feast's <c>feast.types.Value</c> protobuf wire bytes, as every Feast
    /// online store keeps them). Empty bytes are Feast's null.
    /// </summary>
    /// <exception cref="InvalidProtocolBufferException">The bytes are not a serialized Feast value.</exception>
    public static FeatureValue Parse(ReadOnlySpan<byte> bytes) =>
        new(bytes.IsEmpty ? FeastValues.Null : Value.Parser.ParseFrom(bytes));

    /// <summary>The number of bytes <see cref="WriteTo(Span{byte})"/> writes (0 for null).</summary>
    public int GetSerializedSize()
    {
        var proto = Proto;
        return proto.ValCase switch
        {
            Value.ValOneofCase.Int64Val => 1 + FeastWire.VarintSize((ulong)proto.Int64Val),
            Value.ValOneofCase.UnixTimestampVal => 1 + FeastWire.VarintSize((ulong)proto.UnixTimestampVal),
            Value.ValOneofCase.Int32Val => 1 + FeastWire.VarintSize((ulong)(long)proto.Int32Val),
            Value.ValOneofCase.BoolVal => 2,
            Value.ValOneofCase.FloatVal => 5,
            Value.ValOneofCase.DoubleVal => 9,
            _ => proto.CalculateSize(),
        };
    }

    /// <summary>
    /// Writes the value's online-store bytes (Feast's <c>feast.types.Value</c> wire bytes, byte for byte what Feast's
    /// Python SDK writes) and returns how many were written. The common scalar types are encoded directly, without
    /// protobuf's writer.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="GetSerializedSize"/>.</exception>
    public int WriteTo(Span<byte> destination)
    {
        var proto = Proto;
        switch (proto.ValCase)
        {
            case Value.ValOneofCase.Int64Val:
                return Varint(destination, ProtoWire.Int64Tag, (ulong)proto.Int64Val);
            case Value.ValOneofCase.UnixTimestampVal:
                return Varint(destination, ProtoWire.UnixTimestampTag, (ulong)proto.UnixTimestampVal);
            case Value.ValOneofCase.Int32Val:
                return Varint(destination, ProtoWire.Int32Tag, (ulong)(long)proto.Int32Val); // negative int32 is sign-extended to 10 bytes, as protobuf does
            case Value.ValOneofCase.BoolVal:
                return Varint(destination, ProtoWire.BoolTag, proto.BoolVal ? 1UL : 0UL);
            case Value.ValOneofCase.FloatVal:
                Fit(destination, 5);
                destination[0] = ProtoWire.FloatTag;
                BinaryPrimitives.WriteSingleLittleEndian(destination[1..], proto.FloatVal);
                return 5;
            case Value.ValOneofCase.DoubleVal:
                Fit(destination, 9);
                destination[0] = ProtoWire.DoubleTag;
                BinaryPrimitives.WriteDoubleLittleEndian(destination[1..], proto.DoubleVal);
                return 9;
            default:
                var size = proto.CalculateSize();
                Fit(destination, size);
                if (size > 0) proto.WriteTo(destination[..size]);
                return size;
        }
    }

    /// <summary>Writes the value's online-store bytes (see <see cref="WriteTo(Span{byte})"/>) to <paramref name="destination"/>.</summary>
    public void WriteTo(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var size = GetSerializedSize();
        if (size == 0) return;
        destination.Advance(WriteTo(destination.GetSpan(size)));
    }

    /// <summary>The value's online-store bytes as a new array (empty for null).</summary>
    public byte[] ToByteArray()
    {
        var bytes = new byte[GetSerializedSize()];
        WriteTo(bytes);
        return bytes;
    }

    private static int Varint(Span<byte> destination, byte tag, ulong number)
    {
        Fit(destination, 1 + FeastWire.VarintSize(number));
        destination[0] = tag;
        return 1 + FeastWire.WriteVarint(number, destination[1..]);
    }

    private static void Fit(Span<byte> destination, int size)
    {
        if (destination.Length < size)
            throw new ArgumentException($"The value takes {size} bytes but the destination has {destination.Length}.", nameof(destination));
    }
}
