namespace Feast.Values;

/// <summary>
/// The few pieces of protobuf's wire format that the hand-written encoders need (Arrow columns straight to Value bytes,
/// Redis hash fields and <c>_ts</c> timestamps): the tags (varints are in <see cref="FeastWire"/>) of <c>feast.types.Value</c>'s scalar
/// fields. The tag is <c>(field number &lt;&lt; 3) | wire type</c>.
/// </summary>
internal static class ProtoWire
{
    public const byte BytesTag = 0x0A;       // bytes_val = 1, length-delimited
    public const byte StringTag = 0x12;      // string_val = 2, length-delimited
    public const byte Int32Tag = 0x18;       // int32_val = 3, varint
    public const byte Int64Tag = 0x20;       // int64_val = 4, varint
    public const byte DoubleTag = 0x29;      // double_val = 5, 64-bit
    public const byte FloatTag = 0x35;       // float_val = 6, 32-bit
    public const byte BoolTag = 0x38;        // bool_val = 7, varint
    public const byte UnixTimestampTag = 0x40; // unix_timestamp_val = 8, varint
}
