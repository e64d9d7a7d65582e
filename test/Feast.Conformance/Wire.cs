namespace Feast.Tests;

/// <summary>Builds protobuf bytes by hand from field numbers, to check encodings against Feast's schema independently of generated code.</summary>
internal static class Wire
{
    public static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            if (value != 0) b |= 0x80;
            bytes.Add(b);
        } while (value != 0);
        return [.. bytes];
    }

    public static byte[] Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    public static byte[] VarintField(int field, long value) => [.. Tag(field, 0), .. Varint((ulong)value)];

    public static byte[] BytesField(int field, byte[] payload) => [.. Tag(field, 2), .. Varint((ulong)payload.Length), .. payload];

    public static byte[] StringField(int field, string value) => BytesField(field, System.Text.Encoding.UTF8.GetBytes(value));

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
