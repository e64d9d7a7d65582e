using Apache.Arrow;
using Apache.Arrow.Types;
using Feast.Offline.Sql;
using NpgsqlTypes;

namespace Feast.Postgres.Offline;

/// <summary>
/// The one place PostgreSQL types meet Arrow types: which PostgreSQL type an Arrow column is uploaded as, and which
/// Arrow type a PostgreSQL result column is read into. Timestamps are instants: naive ones mean UTC.
/// </summary>
internal static class PgTypes
{
    /// <summary>Prefix of helper columns and relations in generated SQL; entity data may not use it.</summary>
    public const string HelperPrefix = SqlDialect.HelperPrefix;

    /// <summary>Arrow's UTC microsecond timestamp, the type every timestamp is returned as.</summary>
    public static TimestampType UtcMicros { get; } = new(TimeUnit.Microsecond, "UTC");

    /// <summary>
    /// The PostgreSQL type name without its modifier, wherever PostgreSQL prints it: <c>character varying(20)</c> →
    /// <c>character varying</c>, <c>timestamp(3) without time zone</c> → <c>timestamp without time zone</c>,
    /// <c>numeric(10,2)[]</c> → <c>numeric[]</c>.
    /// </summary>
    public static string Base(string type)
    {
        var open = type.IndexOf('(', StringComparison.Ordinal);
        var close = open < 0 ? -1 : type.IndexOf(')', open);
        return close < 0 ? type : type[..open].TrimEnd() + type[(close + 1)..];
    }

    public static bool IsTimestampTz(string type) => Base(type) == "timestamp with time zone";

    public static bool IsTimestamp(string type) => Base(type) is "timestamp with time zone" or "timestamp without time zone";

    /// <summary>Types an event-time column may have: timestamps (naive means UTC) and dates.</summary>
    public static bool IsTimeLike(string type) => IsTimestamp(type) || Base(type) == "date";

    public static bool IsNumeric(string type) =>
        Base(type) is "smallint" or "integer" or "bigint" or "real" or "double precision" or "numeric";

    public static bool IsText(string type) => Base(type) is "text" or "character varying" or "character" or "name";

    /// <summary>
    /// <paramref name="expression"/> as a <c>timestamptz</c>. The store's sessions run with <c>TimeZone=UTC</c>, so a naive
    /// timestamp or a date is read as UTC.
    /// </summary>
    public static string AsInstant(string expression, string type) =>
        IsTimestampTz(type) ? expression : $"CAST({expression} AS timestamptz)";

    /// <summary>An output column: timestamps become instants, everything else is kept.</summary>
    public static string Output(string expression, string type) => PgDialect.Instance.Output(expression, type);

    /// <summary>The PostgreSQL type an Arrow column is uploaded as, or null when it has none here.</summary>
    public static (string Sql, NpgsqlDbType Db)? FromArrow(IArrowType type) => type switch
    {
        Int8Type or Int16Type or UInt8Type => ("smallint", NpgsqlDbType.Smallint),
        Int32Type or UInt16Type => ("integer", NpgsqlDbType.Integer),
        Int64Type or UInt32Type or UInt64Type => ("bigint", NpgsqlDbType.Bigint),
        FloatType or HalfFloatType => ("real", NpgsqlDbType.Real),
        DoubleType => ("double precision", NpgsqlDbType.Double),
        BooleanType => ("boolean", NpgsqlDbType.Boolean),
        StringType or LargeStringType or StringViewType => ("text", NpgsqlDbType.Text),
        BinaryType or LargeBinaryType or BinaryViewType => ("bytea", NpgsqlDbType.Bytea),
        TimestampType => ("timestamp with time zone", NpgsqlDbType.TimestampTz),
        Date32Type or Date64Type => ("date", NpgsqlDbType.Date),
        _ => null,
    };

    /// <summary>The value at <paramref name="index"/> of an Arrow array as the CLR value Npgsql writes for <see cref="FromArrow"/>'s type (null for a null).</summary>
    public static object? Value(IArrowArray array, int index)
    {
        if (array.IsNull(index)) return null;
        return array switch
        {
            Int8Array a => (short)a.GetValue(index)!.Value,
            Int16Array a => a.GetValue(index)!.Value,
            UInt8Array a => (short)a.GetValue(index)!.Value,
            Int32Array a => a.GetValue(index)!.Value,
            UInt16Array a => (int)a.GetValue(index)!.Value,
            Int64Array a => a.GetValue(index)!.Value,
            UInt32Array a => (long)a.GetValue(index)!.Value,
            UInt64Array a => checked((long)a.GetValue(index)!.Value),
            FloatArray a => a.GetValue(index)!.Value,
            HalfFloatArray a => (float)a.GetValue(index)!.Value,
            DoubleArray a => a.GetValue(index)!.Value,
            BooleanArray a => a.GetValue(index)!.Value,
            StringArray a => a.GetString(index),
            LargeStringArray a => a.GetString(index),
            StringViewArray a => a.GetString(index),
            BinaryArray a => a.GetBytes(index).ToArray(),
            LargeBinaryArray a => a.GetBytes(index).ToArray(),
            BinaryViewArray a => a.GetBytes(index).ToArray(),
            // A naive Arrow timestamp means UTC, which is how Arrow reads it too.
            TimestampArray a => a.GetTimestamp(index)!.Value.UtcDateTime,
            Date32Array a => DateOnly.FromDateTime(a.GetDateTime(index)!.Value),
            Date64Array a => DateOnly.FromDateTime(a.GetDateTime(index)!.Value),
            _ => throw new FeastValidationException($"Arrow type {array.Data.DataType.Name} cannot be written to PostgreSQL."),
        };
    }

    /// <summary>A builder turning one PostgreSQL result column into an Arrow array.</summary>
    public static ColumnReader ReaderFor(string type) => Base(type) switch
    {
        "smallint" => new ColumnReader<Int32Array.Builder>(Int32Type.Default, () => new(), (b, r, i) => b.Append(r.GetInt16(i)), b => b.AppendNull(), b => b.Build()),
        "integer" => new ColumnReader<Int32Array.Builder>(Int32Type.Default, () => new(), (b, r, i) => b.Append(r.GetInt32(i)), b => b.AppendNull(), b => b.Build()),
        "bigint" => new ColumnReader<Int64Array.Builder>(Int64Type.Default, () => new(), (b, r, i) => b.Append(r.GetInt64(i)), b => b.AppendNull(), b => b.Build()),
        "real" => new ColumnReader<FloatArray.Builder>(FloatType.Default, () => new(), (b, r, i) => b.Append(r.GetFloat(i)), b => b.AppendNull(), b => b.Build()),
        "double precision" => new ColumnReader<DoubleArray.Builder>(DoubleType.Default, () => new(), (b, r, i) => b.Append(r.GetDouble(i)), b => b.AppendNull(), b => b.Build()),
        "numeric" => new ColumnReader<DoubleArray.Builder>(DoubleType.Default, () => new(), (b, r, i) => b.Append((double)r.GetDecimal(i)), b => b.AppendNull(), b => b.Build()),
        "boolean" => new ColumnReader<BooleanArray.Builder>(BooleanType.Default, () => new(), (b, r, i) => b.Append(r.GetBoolean(i)), b => b.AppendNull(), b => b.Build()),
        "bytea" => new ColumnReader<BinaryArray.Builder>(BinaryType.Default, () => new(), (b, r, i) => b.Append(r.GetFieldValue<byte[]>(i).AsSpan()), b => b.AppendNull(), b => b.Build()),
        "timestamp with time zone" or "timestamp without time zone" => new ColumnReader<TimestampArray.Builder>(UtcMicros, () => new(UtcMicros),
            (b, r, i) => b.Append(new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc))), b => b.AppendNull(), b => b.Build()),
        "date" => new ColumnReader<Date32Array.Builder>(Date32Type.Default, () => new(), (b, r, i) => b.Append(r.GetFieldValue<DateOnly>(i).ToDateTime(TimeOnly.MinValue)), b => b.AppendNull(), b => b.Build()),
        "integer[]" => ListReader(Int32Type.Default, (Int32Array.Builder b, int v) => b.Append(v), b => b.AppendNull()),
        "bigint[]" => ListReader(Int64Type.Default, (Int64Array.Builder b, long v) => b.Append(v), b => b.AppendNull()),
        "real[]" => ListReader(FloatType.Default, (FloatArray.Builder b, float v) => b.Append(v), b => b.AppendNull()),
        "double precision[]" => ListReader(DoubleType.Default, (DoubleArray.Builder b, double v) => b.Append(v), b => b.AppendNull()),
        "boolean[]" => ListReader(BooleanType.Default, (BooleanArray.Builder b, bool v) => b.Append(v), b => b.AppendNull()),
        "text[]" or "character varying[]" => ListReader(StringType.Default, (StringArray.Builder b, string v) => b.Append(v), b => b.AppendNull()),
        // Text and anything without an Arrow counterpart here (uuid, json, interval...) is read as its text.
        _ => new ColumnReader<StringArray.Builder>(StringType.Default, () => new(),
            (b, r, i) => b.Append(r.GetFieldType(i) == typeof(string) ? r.GetString(i) : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)),
            b => b.AppendNull(), b => b.Build()),
    };

    private static ColumnReader<ListArray.Builder> ListReader<TBuilder, T>(IArrowType element, Action<TBuilder, T> append, Action<TBuilder> appendNull)
        where TBuilder : IArrowArrayBuilder
    {
        var type = new ListType(new Apache.Arrow.Field("item", element, nullable: true));
        return new ColumnReader<ListArray.Builder>(type, () => new(element),
            (b, r, i) =>
            {
                var values = r.GetFieldValue<T?[]>(i);
                b.Append();
                var inner = (TBuilder)b.ValueBuilder;
                foreach (var v in values)
                {
                    if (v is null) appendNull(inner);
                    else append(inner, v);
                }
            },
            b => b.AppendNull(), b => b.Build());
    }
}

/// <summary>Reads one column of a result, row by row, into an Arrow array.</summary>
internal abstract class ColumnReader
{
    public abstract IArrowType Type { get; }

    public abstract void Append(Npgsql.NpgsqlDataReader reader, int ordinal);

    /// <summary>The array of the rows appended since the last call; the reader starts over.</summary>
    public abstract IArrowArray Flush();
}

internal sealed class ColumnReader<TBuilder>(IArrowType type, Func<TBuilder> create, Action<TBuilder, Npgsql.NpgsqlDataReader, int> append,
    Action<TBuilder> appendNull, Func<TBuilder, IArrowArray> build) : ColumnReader
    where TBuilder : IArrowArrayBuilder
{
    private TBuilder _builder = create();

    public override IArrowType Type => type;

    public override void Append(Npgsql.NpgsqlDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal)) appendNull(_builder);
        else append(_builder, reader, ordinal);
    }

    public override IArrowArray Flush()
    {
        var array = build(_builder);
        _builder = create();
        return array;
    }
}
