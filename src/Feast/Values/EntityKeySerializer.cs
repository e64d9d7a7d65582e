using System.Buffers.Binary;
using System.Text;
using Feast.Protos.Types;

namespace Feast.Values;

/// <summary>
/// Feast's entity-key serialization (FEAST-FORMATS §2.1): the bytes every online store keys rows by. Version 3 (the
/// default) writes a key count and per-key byte lengths; version 2 has neither; version 1 also writes int64 values
/// as 4 bytes. Join keys are sorted by ordinal string order; all integers are little-endian.
/// </summary>
public static class EntityKeySerializer
{
    private const uint StringTag = (uint)Value.ValOneofCase.StringVal;

    /// <summary>Serializes one entity key of a single join key.</summary>
    /// <exception cref="FeastValidationException">The value is null or of a type that cannot be part of an entity key.</exception>
    public static byte[] Serialize(string joinKey, FeatureValue value, int version = 3) => Serialize(joinKey, value.Proto, version);

    /// <summary>
    /// Serializes an entity key of several join keys; <paramref name="joinKeys"/> and <paramref name="values"/> are
    /// parallel and are sorted by join key here.
    /// </summary>
    /// <exception cref="FeastValidationException">A value's type cannot be part of an entity key, or the lists differ in length.</exception>
    public static byte[] Serialize(IReadOnlyList<string> joinKeys, IReadOnlyList<FeatureValue> values, int version = 3)
    {
        ArgumentNullException.ThrowIfNull(values);
        var protos = new Value[values.Count];
        for (var i = 0; i < protos.Length; i++) protos[i] = values[i].Proto;
        return Serialize(joinKeys, protos, version);
    }

    /// <summary>Serializes one entity key of a single join key, from its protobuf value.</summary>
    internal static byte[] Serialize(string joinKey, Value value, int version = 3)
    {
        ArgumentNullException.ThrowIfNull(joinKey);
        ArgumentNullException.ThrowIfNull(value);
        CheckVersion(version);
        var keyLength = Encoding.UTF8.GetByteCount(joinKey);
        var buffer = new byte[(version >= 3 ? 4 : 0) + KeyHeaderLength(version) + keyLength + 8 + PayloadLength(joinKey, value, version)];
        var span = buffer.AsSpan();
        var at = 0;
        if (version >= 3) Write(span, ref at, 1);
        WriteKey(span, ref at, joinKey, keyLength, version);
        WriteValue(span, ref at, joinKey, value, version);
        return buffer;
    }

    /// <summary>
    /// Serializes an entity key of several join keys; <paramref name="joinKeys"/> and <paramref name="values"/> are
    /// parallel and are sorted by join key here.
    /// </summary>
    /// <exception cref="FeastValidationException">A value's type cannot be part of an entity key, or the lists differ in length.</exception>
    internal static byte[] Serialize(IReadOnlyList<string> joinKeys, IReadOnlyList<Value> values, int version = 3)
    {
        ArgumentNullException.ThrowIfNull(joinKeys);
        ArgumentNullException.ThrowIfNull(values);
        if (joinKeys.Count != values.Count)
            throw new ArgumentException($"An entity key has {joinKeys.Count} join keys but {values.Count} values.", nameof(values));
        if (joinKeys.Count == 1) return Serialize(joinKeys[0], values[0], version);
        CheckVersion(version);

        var order = SortedOrder(joinKeys);
        var length = version >= 3 ? 4 : 0;
        foreach (var i in order)
            length += KeyHeaderLength(version) + Encoding.UTF8.GetByteCount(joinKeys[i]) + 8 + PayloadLength(joinKeys[i], values[i], version);
        var buffer = new byte[length];
        var span = buffer.AsSpan();
        var at = 0;
        if (version >= 3) Write(span, ref at, (uint)joinKeys.Count);
        foreach (var i in order)
            WriteKey(span, ref at, joinKeys[i], Encoding.UTF8.GetByteCount(joinKeys[i]), version);
        foreach (var i in order)
            WriteValue(span, ref at, joinKeys[i], values[i], version);
        return buffer;
    }

    /// <summary>The indexes of <paramref name="joinKeys"/> in serialization order: by name, in Unicode code-point order as Python sorts.</summary>
    /// <exception cref="FeastValidationException">A join key is listed twice.</exception>
    public static int[] SortedOrder(IReadOnlyList<string> joinKeys)
    {
        ArgumentNullException.ThrowIfNull(joinKeys);
        var order = new int[joinKeys.Count];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        if (order.Length > 1)
        {
            Array.Sort(order, (a, b) => CompareCodePoints(joinKeys[a], joinKeys[b]));
            for (var i = 1; i < order.Length; i++)
            {
                if (string.Equals(joinKeys[order[i - 1]], joinKeys[order[i]], StringComparison.Ordinal))
                    throw new FeastValidationException($"Join key '{joinKeys[order[i]]}' appears twice in one entity key; each join key can be given once.");
            }
        }
        return order;
    }

    /// <summary>
    /// Compares by Unicode code point (Python's string order). Ordinal UTF-16 order differs only where a surrogate pair
    /// meets a character in U+E000..U+FFFF: the pair is the larger code point but the smaller UTF-16 unit.
    /// </summary>
    internal static int CompareCodePoints(string left, string right)
    {
        var length = Math.Min(left.Length, right.Length);
        for (var i = 0; i < length; i++)
        {
            int x = left[i], y = right[i];
            if (x == y) continue;
            if (x >= 0xD800 && y >= 0xD800)
            {
                x = x >= 0xE000 ? x - 0x800 : x + 0x2000;
                y = y >= 0xE000 ? y - 0x800 : y + 0x2000;
            }
            return x - y;
        }
        return left.Length - right.Length;
    }

    /// <summary>The key header without values (v3): what Redis scans by for a view's keys.</summary>
    public static byte[] SerializePrefix(IReadOnlyList<string> joinKeys)
    {
        ArgumentNullException.ThrowIfNull(joinKeys);
        var order = SortedOrder(joinKeys);
        var length = 4;
        foreach (var key in joinKeys) length += 8 + Encoding.UTF8.GetByteCount(key);
        var buffer = new byte[length];
        var span = buffer.AsSpan();
        var at = 0;
        Write(span, ref at, (uint)joinKeys.Count);
        foreach (var i in order)
            WriteKey(span, ref at, joinKeys[i], Encoding.UTF8.GetByteCount(joinKeys[i]), 3);
        return buffer;
    }

    /// <summary>Reads a version-3 key back into its join keys and values (as Feast's <c>deserialize_entity_key</c>).</summary>
    /// <exception cref="FeastException">The bytes are not a version-3 entity key.</exception>
    public static EntityKeyParts Deserialize(ReadOnlySpan<byte> bytes)
    {
        var key = DeserializeProto(bytes);
        return new EntityKeyParts([.. key.JoinKeys], [.. key.EntityValues.Select(v => new FeatureValue(v))]);
    }

    /// <summary><see cref="Deserialize"/> as Feast's <c>EntityKey</c> protobuf message.</summary>
    internal static EntityKey DeserializeProto(ReadOnlySpan<byte> bytes)
    {
        var key = new EntityKey();
        var at = 0;
        var count = ReadUInt32(bytes, ref at);
        for (var i = 0; i < count; i++)
        {
            var tag = ReadUInt32(bytes, ref at);
            if (tag != StringTag) throw Malformed($"join key {i} has type tag {tag}, not STRING (2)");
            var length = (int)ReadUInt32(bytes, ref at);
            key.JoinKeys.Add(Encoding.UTF8.GetString(Take(bytes, ref at, length)).TrimEnd('\0'));
        }
        while (at < bytes.Length)
        {
            var tag = (Value.ValOneofCase)ReadUInt32(bytes, ref at);
            var payload = Take(bytes, ref at, (int)ReadUInt32(bytes, ref at));
            key.EntityValues.Add(tag switch
            {
                Value.ValOneofCase.StringVal => new Value { StringVal = Encoding.UTF8.GetString(payload) },
                Value.ValOneofCase.BytesVal => new Value { BytesVal = Google.Protobuf.ByteString.CopyFrom(payload) },
                Value.ValOneofCase.Int32Val when payload.Length == 4 => new Value { Int32Val = BinaryPrimitives.ReadInt32LittleEndian(payload) },
                Value.ValOneofCase.Int64Val when payload.Length == 8 => new Value { Int64Val = BinaryPrimitives.ReadInt64LittleEndian(payload) },
                Value.ValOneofCase.UnixTimestampVal when payload.Length == 8 => new Value { UnixTimestampVal = BinaryPrimitives.ReadInt64LittleEndian(payload) },
                _ => throw Malformed($"value of type tag {(int)tag} with {payload.Length} bytes cannot be read"),
            });
        }
        if (key.EntityValues.Count != key.JoinKeys.Count)
            throw Malformed($"{key.JoinKeys.Count} join keys but {key.EntityValues.Count} values");
        return key;
    }

    private static FeastException Malformed(string detail) =>
        new($"The bytes are not a version-3 Feast entity key: {detail}. Keys written with entity_key_serialization_version 1 or 2 cannot be decoded.");

    /// <summary>Per join key: the STRING tag, and from version 3 the key's byte length.</summary>
    private static int KeyHeaderLength(int version) => version >= 3 ? 8 : 4;

    private static void CheckVersion(int version)
    {
        if (version is < 1 or > 3)
            throw new ArgumentOutOfRangeException(nameof(version), version, "Feast entity key serialization versions are 1, 2 and 3.");
    }

    private static int PayloadLength(string joinKey, Value value, int version) => value.ValCase switch
    {
        Value.ValOneofCase.StringVal => Encoding.UTF8.GetByteCount(value.StringVal),
        Value.ValOneofCase.BytesVal => value.BytesVal.Length,
        Value.ValOneofCase.Int32Val => 4,
        Value.ValOneofCase.Int64Val => version <= 1 ? 4 : 8,
        Value.ValOneofCase.UnixTimestampVal => 8,
        Value.ValOneofCase.None or Value.ValOneofCase.NullVal =>
            throw new FeastValidationException($"Join key '{joinKey}' has no value. Every entity row needs a value for each join key."),
        _ => throw new FeastValidationException(
            $"Join key '{joinKey}' holds a {value.ValCase} value; entity keys can only be strings, bytes, int32, int64 or unix timestamps."),
    };

    private static void WriteKey(Span<byte> span, ref int at, string joinKey, int byteLength, int version)
    {
        Write(span, ref at, StringTag);
        if (version >= 3) Write(span, ref at, (uint)byteLength);
        at += Encoding.UTF8.GetBytes(joinKey, span[at..]);
    }

    private static void WriteValue(Span<byte> span, ref int at, string joinKey, Value value, int version)
    {
        var length = PayloadLength(joinKey, value, version);
        Write(span, ref at, (uint)value.ValCase);
        Write(span, ref at, (uint)length);
        switch (value.ValCase)
        {
            case Value.ValOneofCase.StringVal:
                at += Encoding.UTF8.GetBytes(value.StringVal, span[at..]);
                break;
            case Value.ValOneofCase.BytesVal:
                value.BytesVal.Span.CopyTo(span[at..]);
                at += length;
                break;
            case Value.ValOneofCase.Int32Val:
                BinaryPrimitives.WriteInt32LittleEndian(span[at..], value.Int32Val);
                at += 4;
                break;
            case Value.ValOneofCase.Int64Val when version <= 1:
                BinaryPrimitives.WriteInt32LittleEndian(span[at..], unchecked((int)value.Int64Val));
                at += 4;
                break;
            case Value.ValOneofCase.Int64Val:
                BinaryPrimitives.WriteInt64LittleEndian(span[at..], value.Int64Val);
                at += 8;
                break;
            default:
                BinaryPrimitives.WriteInt64LittleEndian(span[at..], value.UnixTimestampVal);
                at += 8;
                break;
        }
    }

    private static void Write(Span<byte> span, ref int at, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], value);
        at += 4;
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> bytes, ref int at) =>
        BinaryPrimitives.ReadUInt32LittleEndian(Take(bytes, ref at, 4));

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> bytes, ref int at, int length)
    {
        // Compared as a difference: a huge length read from bad bytes must not overflow at + length.
        if (length < 0 || length > bytes.Length - at)
            throw Malformed($"it ends at byte {bytes.Length} but a field needs bytes {at}..{at + length}");
        var slice = bytes.Slice(at, length);
        at += length;
        return slice;
    }
}

/// <summary>A deserialized entity key: its join keys (in serialized order) and, parallel to them, their values.</summary>
/// <param name="JoinKeys">The join key names.</param>
/// <param name="Values">The value of each join key.</param>
public sealed record EntityKeyParts(IReadOnlyList<string> JoinKeys, IReadOnlyList<FeatureValue> Values);
