namespace Feast.Values;

/// <summary>
/// Protobuf's base-128 varints, the building block of the bytes Feast's online stores keep (values, and the
/// <c>google.protobuf.Timestamp</c> event times of Feast's Redis layout), for backends that write those bytes directly.
/// </summary>
public static class FeastWire
{
    /// <summary>The number of bytes <paramref name="value"/> takes as a varint (1 to 10).</summary>
    public static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }
        return size;
    }

    /// <summary>Writes <paramref name="value"/> as a varint and returns the number of bytes written (see <see cref="VarintSize"/>).</summary>
    public static int WriteVarint(ulong value, Span<byte> destination)
    {
        var at = 0;
        while (value >= 0x80)
        {
            destination[at++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[at++] = (byte)value;
        return at;
    }
}
