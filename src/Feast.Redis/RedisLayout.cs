using System.Buffers.Binary;
using System.Text;
using Feast.Values;

namespace Feast.Redis;

/// <summary>
/// Feast's Redis layout (<c>feast/infra/online_stores/helpers.py</c> and <c>redis.py</c>): one hash per entity key and
/// project, keyed by the serialized entity key followed by the UTF-8 project name; one field per feature named by the
/// 4-byte little-endian MurmurHash3 of <c>"{view}:{feature}"</c>; one field <c>"_ts:{view}"</c> holding the event time
/// as a serialized <c>google.protobuf.Timestamp</c>.
/// </summary>
internal static class RedisLayout
{
    private const long UnixEpochTicks = 621_355_968_000_000_000;

    /// <summary>The Redis key of an entity: <paramref name="entityKey"/> (serialized) ‖ UTF-8 <paramref name="project"/>.</summary>
    public static byte[] Key(ReadOnlySpan<byte> entityKey, string project)
    {
        ArgumentNullException.ThrowIfNull(project);
        var key = new byte[entityKey.Length + Encoding.UTF8.GetByteCount(project)];
        entityKey.CopyTo(key);
        Encoding.UTF8.GetBytes(project, key.AsSpan(entityKey.Length));
        return key;
    }

    /// <summary>The hash field of feature <paramref name="feature"/> of view <paramref name="view"/> (Feast's <c>_mmh3</c>).</summary>
    public static byte[] FeatureField(string view, string feature)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(feature);
        var field = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(field, Murmur3.Hash32(Encoding.UTF8.GetBytes(view + ":" + feature)));
        return field;
    }

    /// <summary>The hash field holding the event timestamp of view <paramref name="view"/>: ASCII <c>_ts:{view}</c>.</summary>
    public static byte[] TimestampField(string view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return Encoding.UTF8.GetBytes("_ts:" + view);
    }

    /// <summary>
    /// The SCAN pattern matching every key of <paramref name="project"/> whose entity has <paramref name="joinKeys"/>
    /// (Feast's <c>prefix*project</c>), glob characters escaped. Keys of serialization versions before 3 have no
    /// prefix of their own, so only the project suffix is matched.
    /// </summary>
    public static byte[] ScanPattern(IReadOnlyList<string> joinKeys, string project, int keyVersion = 3)
    {
        ArgumentNullException.ThrowIfNull(joinKeys);
        ArgumentNullException.ThrowIfNull(project);
        var pattern = new List<byte>();
        if (keyVersion >= 3) AppendEscaped(pattern, EntityKeySerializer.SerializePrefix(joinKeys));
        pattern.Add((byte)'*');
        AppendEscaped(pattern, Encoding.UTF8.GetBytes(project));
        return [.. pattern];
    }

    private static void AppendEscaped(List<byte> pattern, byte[] literal)
    {
        foreach (var b in literal)
        {
            if (b is (byte)'*' or (byte)'?' or (byte)'[' or (byte)']' or (byte)'\\') pattern.Add((byte)'\\');
            pattern.Add(b);
        }
    }

    /// <summary>The size of <paramref name="timestamp"/> as a serialized <c>google.protobuf.Timestamp</c>.</summary>
    internal static int TimestampSize(DateTimeOffset timestamp)
    {
        var (seconds, nanos) = Split(timestamp);
        return (seconds != 0 ? 1 + FeastWire.VarintSize((ulong)seconds) : 0) + (nanos != 0 ? 1 + FeastWire.VarintSize((uint)nanos) : 0);
    }

    /// <summary>
    /// Writes <paramref name="timestamp"/> as a serialized <c>google.protobuf.Timestamp</c> (seconds and nanoseconds
    /// since the Unix epoch, zero fields omitted) and returns the number of bytes written.
    /// </summary>
    internal static int WriteTimestamp(DateTimeOffset timestamp, Span<byte> destination)
    {
        var (seconds, nanos) = Split(timestamp);
        var at = 0;
        if (seconds != 0)
        {
            destination[at++] = 0x08;
            at += FeastWire.WriteVarint((ulong)seconds, destination[at..]);
        }
        if (nanos != 0)
        {
            destination[at++] = 0x10;
            at += FeastWire.WriteVarint((uint)nanos, destination[at..]);
        }
        return at;
    }

    /// <summary>Serializes <paramref name="timestamp"/> as a <c>google.protobuf.Timestamp</c>.</summary>
    public static byte[] SerializeTimestamp(DateTimeOffset timestamp)
    {
        var bytes = new byte[TimestampSize(timestamp)];
        WriteTimestamp(timestamp, bytes);
        return bytes;
    }

    /// <summary>Reads a serialized <c>google.protobuf.Timestamp</c> as nanoseconds since the Unix epoch.</summary>
    /// <exception cref="FormatException">The bytes are not a Timestamp.</exception>
    public static long ReadTimestampNanos(ReadOnlySpan<byte> bytes)
    {
        long seconds = 0, nanos = 0;
        var at = 0;
        while (at < bytes.Length)
        {
            var tag = ReadVarint(bytes, ref at);
            switch (tag)
            {
                case 0x08:
                    seconds = (long)ReadVarint(bytes, ref at);
                    break;
                case 0x10:
                    nanos = (int)ReadVarint(bytes, ref at);
                    break;
                default:
                    SkipField(bytes, ref at, tag);
                    break;
            }
        }
        return seconds * 1_000_000_000 + nanos;
    }

    /// <summary>Nanoseconds since the Unix epoch → a UTC timestamp (to the 100 ns tick).</summary>
    public static DateTimeOffset FromNanos(long nanos) => new(UnixEpochTicks + nanos / 100, TimeSpan.Zero);

    /// <summary>A timestamp → nanoseconds since the Unix epoch, as Feast compares event times.</summary>
    public static long ToNanos(DateTimeOffset timestamp) => (timestamp.UtcTicks - UnixEpochTicks) * 100;

    private static (long Seconds, int Nanos) Split(DateTimeOffset timestamp)
    {
        var ticks = timestamp.UtcTicks - UnixEpochTicks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }
        return (seconds, (int)(rest * 100));
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= bytes.Length) throw new FormatException("A protobuf varint is cut short.");
            var b = bytes[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
        throw new FormatException("A protobuf varint is longer than 10 bytes.");
    }

    private static void SkipField(ReadOnlySpan<byte> bytes, ref int at, ulong tag)
    {
        switch (tag & 7)
        {
            case 0:
                ReadVarint(bytes, ref at);
                break;
            case 1:
                at += 8;
                break;
            case 2:
                at += checked((int)ReadVarint(bytes, ref at));
                break;
            case 5:
                at += 4;
                break;
            default:
                throw new FormatException($"Unexpected protobuf wire type {tag & 7} in a Timestamp.");
        }
        if (at > bytes.Length) throw new FormatException("A protobuf field is cut short.");
    }
}
