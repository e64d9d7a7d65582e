// SqliteOnlineStore: the vector_value column (vector_enabled) - what Feast writes there, and reading vectors back.
using System.Runtime.InteropServices;
using Feast.Protos.Types;
using SQLitePCL;

namespace Feast.Online;

public sealed partial class SqliteOnlineStore
{
    /// <summary>
    /// Fill the <c>vector_value</c> column as Feast does (yaml <c>vector_enabled</c>), which vector search reads; false
    /// leaves it NULL.
    /// </summary>
    public bool VectorEnabled { get; init; }

    /// <summary>Allow full-text search over the views' string features (yaml <c>text_search_enabled</c>).</summary>
    public bool TextSearchEnabled { get; init; }

    /// <summary>Per feature of a write, the declared length of its vectors: the view's vector field's length, else 0 (any).</summary>
    private static int[] VectorLengths(FeatureView view, IReadOnlyList<string> featureNames)
    {
        var lengths = new int[featureNames.Count];
        for (var i = 0; i < lengths.Length; i++)
        {
            var field = view.Features.FirstOrDefault(f => f.Name == featureNames[i]);
            lengths[i] = field is { VectorIndex: true } ? field.VectorLength : 0;
        }
        return lengths;
    }

    /// <summary>
    /// Binds Feast's <c>vector_value</c> for one value: a float (or double) list as float32 packed in native byte order
    /// (Python's <c>struct.pack('{n}f')</c>), any other value as Python's sqlite3 binds the plain value (text, integer,
    /// real, blob), and NULL for a null or a kind sqlite3 cannot bind.
    /// </summary>
    private static int BindVectorValue(sqlite3_stmt statement, int index, string feature, Value value, int declaredLength, ref byte[] buffer)
    {
        switch (value.ValCase)
        {
            case Value.ValOneofCase.FloatListVal:
            {
                var floats = value.FloatListVal.Val;
                CheckLength(feature, floats.Count, declaredLength);
                var bytes = Buffer(ref buffer, floats.Count);
                for (var i = 0; i < floats.Count; i++) bytes[i] = floats[i];
                return raw.sqlite3_bind_blob(statement, index, MemoryMarshal.AsBytes(bytes));
            }
            case Value.ValOneofCase.DoubleListVal:
            {
                var doubles = value.DoubleListVal.Val;
                CheckLength(feature, doubles.Count, declaredLength);
                var bytes = Buffer(ref buffer, doubles.Count);
                for (var i = 0; i < doubles.Count; i++) bytes[i] = (float)doubles[i];
                return raw.sqlite3_bind_blob(statement, index, MemoryMarshal.AsBytes(bytes));
            }
            case Value.ValOneofCase.StringVal: return raw.sqlite3_bind_text(statement, index, value.StringVal);
            case Value.ValOneofCase.Int32Val: return raw.sqlite3_bind_int64(statement, index, value.Int32Val);
            case Value.ValOneofCase.Int64Val: return raw.sqlite3_bind_int64(statement, index, value.Int64Val);
            case Value.ValOneofCase.UnixTimestampVal: return raw.sqlite3_bind_int64(statement, index, value.UnixTimestampVal);
            case Value.ValOneofCase.FloatVal: return raw.sqlite3_bind_double(statement, index, value.FloatVal);
            case Value.ValOneofCase.DoubleVal: return raw.sqlite3_bind_double(statement, index, value.DoubleVal);
            case Value.ValOneofCase.BoolVal: return raw.sqlite3_bind_int64(statement, index, value.BoolVal ? 1 : 0);
            case Value.ValOneofCase.BytesVal: return raw.sqlite3_bind_blob(statement, index, value.BytesVal.Span);
            default: return raw.sqlite3_bind_null(statement, index);
        }

        static Span<float> Buffer(ref byte[] buffer, int count)
        {
            if (buffer.Length < count * sizeof(float)) buffer = new byte[Math.Max(count * sizeof(float), buffer.Length * 2)];
            return MemoryMarshal.Cast<byte, float>(buffer.AsSpan(0, count * sizeof(float)));
        }
    }

    private static void CheckLength(string feature, int length, int declared)
    {
        if (declared > 0 && length != declared)
            throw new FeastValidationException(
                $"Feature '{feature}' is declared with vector_length={declared} but a row has {length} values. Write vectors of {declared} values, or change the field's vector_length.");
    }

    /// <summary>
    /// The vector stored for one row: <c>vector_value</c> read as native float32 when present, else the float or double
    /// list in the serialized <c>value</c> (a row written while vector_enabled was off). Null when the row has neither.
    /// </summary>
    private static float[]? StoredVector(ReadOnlySpan<byte> vectorValue, bool vectorIsBlob, ReadOnlySpan<byte> value)
    {
        if (vectorIsBlob && vectorValue.Length > 0 && vectorValue.Length % sizeof(float) == 0)
            return MemoryMarshal.Cast<byte, float>(vectorValue).ToArray();
        if (value.IsEmpty) return null;
        var parsed = Value.Parser.ParseFrom(value);
        return parsed.ValCase switch
        {
            Value.ValOneofCase.FloatListVal => [.. parsed.FloatListVal.Val],
            Value.ValOneofCase.DoubleListVal => [.. parsed.DoubleListVal.Val.Select(d => (float)d)],
            _ => null,
        };
    }
}
