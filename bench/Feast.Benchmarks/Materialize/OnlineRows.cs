using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Feast.Protos.Types;
using Feast.Values;
using Microsoft.Data.Sqlite;

namespace Feast.Benchmarks.Materialize;

/// <summary>
/// The raw side of the SQLite layout Feast uses (<c>entity_key, feature_name, value, value_text, event_ts, created_ts</c>):
/// entity keys and <see cref="Value"/> bytes written straight into reused buffers, a connection set up as the store sets
/// its own up, and a content digest of a table to check that two writers wrote the same rows.
/// </summary>
internal static class OnlineRows
{
    /// <summary>Opens <paramref name="path"/> with WAL and <c>synchronous=NORMAL</c>, as the store's connections are.</summary>
    public static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
        command.ExecuteNonQuery();
        return connection;
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// An order-independent digest of a table's rows: the count and the wrapping sum of a 64-bit FNV-1a hash of each
    /// row's six columns. Two tables agree only when they hold the same rows with the same bytes.
    /// </summary>
    public static string Digest(string path, string table)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT entity_key, feature_name, value, value_text, event_ts, created_ts FROM {Quote(table)}";
        using var reader = command.ExecuteReader();
        long rows = 0;
        ulong sum = 0;
        var buffer = new byte[256];
        while (reader.Read())
        {
            var hash = Fnv.Offset;
            for (var column = 0; column < 6; column++)
            {
                if (reader.IsDBNull(column))
                {
                    hash = Fnv.Add(hash, [0xFF]);
                    continue;
                }
                switch (reader.GetFieldType(column).Name)
                {
                    case nameof(Int64):
                        BinaryPrimitives.WriteInt64LittleEndian(buffer, reader.GetInt64(column));
                        hash = Fnv.Add(hash, buffer.AsSpan(0, 8));
                        break;
                    case nameof(String):
                        hash = Fnv.Add(hash, Encoding.UTF8.GetBytes(reader.GetString(column)));
                        break;
                    default:
                        hash = Fnv.Add(hash, reader.GetFieldValue<byte[]>(column));
                        break;
                }
                hash = Fnv.Add(hash, [(byte)column]);
            }
            sum = unchecked(sum + hash);
            rows++;
        }
        return string.Create(CultureInfo.InvariantCulture, $"rows={rows} fnv-sum={sum:x16}");
    }

    private static class Fnv
    {
        public const ulong Offset = 14695981039346656037;
        private const ulong Prime = 1099511628211;

        public static ulong Add(ulong hash, ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes)
                hash = unchecked((hash ^ b) * Prime);
            return hash;
        }
    }
}

/// <summary>
/// Serialized entity keys of one int64 join key without allocating: the version-3 bytes of id 0 from the SDK's
/// serializer, with the last eight bytes (the little-endian value) overwritten per id.
/// </summary>
internal sealed class Int64KeyWriter
{
    private readonly string _joinKey;

    public Int64KeyWriter(string joinKey)
    {
        _joinKey = joinKey;
        Buffer = EntityKeySerializer.Serialize(joinKey, FeatureValue.FromInt64(0), 3);
    }

    /// <summary>The key of the id last written; overwritten by the next <see cref="Write"/>.</summary>
    public byte[] Buffer { get; }

    public byte[] Write(long id)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Buffer.AsSpan(Buffer.Length - 8), id);
        return Buffer;
    }

    /// <summary>Checks the shortcut against the SDK's serializer (outside any measured section).</summary>
    public void Check(long id)
    {
        if (!Write(id).AsSpan().SequenceEqual(EntityKeySerializer.Serialize(_joinKey, FeatureValue.FromInt64(id), 3)))
            throw new InvalidOperationException($"The key shortcut disagrees with EntityKeySerializer for id {id}.");
    }
}

/// <summary>
/// A serialized <see cref="Value"/> (protobuf bytes) of a float32 or int64, written into a buffer per length, so one
/// encoder per bound parameter allocates nothing after its first values. The bytes are what
/// <c>new Value { FloatVal = x }.ToByteArray()</c> gives: tag 0x35 and four little-endian bytes; tag 0x20 and a varint.
/// </summary>
internal sealed class ValueEncoder
{
    private readonly byte[]?[] _byLength = new byte[12][];

    public byte[] Float(float value)
    {
        var buffer = Buffer(5);
        buffer[0] = 0x35;
        BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(1), value);
        return buffer;
    }

    public byte[] Int64(long value)
    {
        var bits = unchecked((ulong)value);
        var length = 2;
        for (var rest = bits >> 7; rest != 0; rest >>= 7)
            length++;
        var buffer = Buffer(length);
        buffer[0] = 0x20;
        var at = 1;
        while (bits >= 0x80)
        {
            buffer[at++] = (byte)(bits | 0x80);
            bits >>= 7;
        }
        buffer[at] = (byte)bits;
        return buffer;
    }

    /// <summary>The value text the store writes for a float32: Python's repr of the float widened to double.</summary>
    public static string FloatText(float value) => FeatureValue.FromFloat(value).ToValueText()!;

    public static string Int64Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private byte[] Buffer(int length) => _byLength[length] ??= new byte[length];
}
