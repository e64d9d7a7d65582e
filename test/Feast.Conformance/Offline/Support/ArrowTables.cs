using Apache.Arrow;
using Apache.Arrow.Types;
using Feast.Offline;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>A store's result read out of Arrow: column names, Arrow types, and rows of plain CLR values.</summary>
/// <param name="Columns">The column names, in order.</param>
/// <param name="Types">The Arrow type of each column.</param>
/// <param name="Rows">The rows; timestamps as UTC <see cref="DateTimeOffset"/>s.</param>
internal sealed record ResultTable(IReadOnlyList<string> Columns, IReadOnlyList<IArrowType> Types, IReadOnlyList<object?[]> Rows)
{
    public int Count => Rows.Count;

    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i] == column) return i;
        }
        throw new ArgumentException($"The result has no column '{column}' (columns: {string.Join(", ", Columns)}).", nameof(column));
    }

    public object? Get(int row, string column) => Rows[row][IndexOf(column)];

    public IArrowType TypeOf(string column) => Types[IndexOf(column)];
}

/// <summary>Conversions between <see cref="TestTable"/>, Arrow and <see cref="EntityData"/>.</summary>
internal static class ArrowTables
{
    public static TimestampType UtcMicros { get; } = new(TimeUnit.Microsecond, "UTC");

    /// <summary>Entity rows through <see cref="EntityData.FromRows"/>: each row a name → value map, values passed as they are.</summary>
    public static EntityData ToRows(TestTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return EntityData.FromRows(table.Rows.Select(row =>
            (IReadOnlyDictionary<string, object?>)table.Columns.Select((c, i) => (c.Name, row[i])).ToDictionary(p => p.Name, p => p.Item2)));
    }

    /// <summary>A record batch with each column's exact type (float32 stays float32, timestamps are µs UTC).</summary>
    public static RecordBatch ToRecordBatch(TestTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var fields = new List<Apache.Arrow.Field>();
        var arrays = new List<IArrowArray>();
        for (var c = 0; c < table.Columns.Count; c++)
        {
            var column = table.Columns[c];
            var values = table.Rows.Select(r => r[c]).ToList();
            IArrowArray array = column.Type switch
            {
                ColumnType.Int32 => Build<int, Int32Array, Int32Array.Builder>(new Int32Array.Builder(), values),
                ColumnType.Int64 => Build<long, Int64Array, Int64Array.Builder>(new Int64Array.Builder(), values),
                ColumnType.Float32 => Build<float, FloatArray, FloatArray.Builder>(new FloatArray.Builder(), values),
                ColumnType.Float64 => Build<double, DoubleArray, DoubleArray.Builder>(new DoubleArray.Builder(), values),
                ColumnType.Bool => BuildBools(values),
                ColumnType.String => BuildStrings(values),
                ColumnType.Timestamp => BuildTimestamps(values),
                _ => throw new NotSupportedException(column.Type.ToString()),
            };
            fields.Add(new Apache.Arrow.Field(column.Name, array.Data.DataType, nullable: true));
            arrays.Add(array);
        }
        return new RecordBatch(new Schema(fields, null), arrays, table.Count);
    }

    /// <summary>Reads a whole retrieval job through <see cref="RetrievalJob.ToArrowAsync"/>.</summary>
    public static async Task<ResultTable> ReadAsync(RetrievalJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var batches = new List<RecordBatch>();
        await foreach (var batch in job.ToArrowAsync(cancellationToken)) batches.Add(batch);
        if (batches.Count == 0)
            throw new Xunit.Sdk.XunitException("ToArrowAsync yielded no record batch. A result, even an empty one, must yield at least one batch so its columns are known.");
        return FromBatches(batches);
    }

    public static ResultTable FromBatches(IReadOnlyList<RecordBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var schema = batches[0].Schema;
        var rows = new List<object?[]>();
        foreach (var batch in batches)
        {
            for (var r = 0; r < batch.Length; r++)
                rows.Add([.. Enumerable.Range(0, batch.ColumnCount).Select(c => ValueAt(batch.Column(c), r))]);
        }
        return new ResultTable([.. schema.FieldsList.Select(f => f.Name)], [.. schema.FieldsList.Select(f => f.DataType)], rows);
    }

    public static ResultTable FromTable(Apache.Arrow.Table table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var rows = new List<object?[]>();
        var columns = Enumerable.Range(0, table.ColumnCount).Select(table.Column).ToList();
        for (var r = 0L; r < table.RowCount; r++) rows.Add([.. columns.Select(c => ChunkedValue(c.Data, r))]);
        return new ResultTable([.. columns.Select(c => c.Name)], [.. columns.Select(c => c.Type)], rows);
    }

    /// <summary>One Arrow value as a plain CLR value; timestamps and dates as UTC <see cref="DateTimeOffset"/>s.</summary>
    public static object? ValueAt(IArrowArray array, int index)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.IsNull(index)) return null;
        return array switch
        {
            BooleanArray a => a.GetValue(index),
            Int8Array a => a.GetValue(index),
            Int16Array a => a.GetValue(index),
            Int32Array a => a.GetValue(index),
            Int64Array a => a.GetValue(index),
            UInt8Array a => a.GetValue(index),
            UInt16Array a => a.GetValue(index),
            UInt32Array a => a.GetValue(index),
            UInt64Array a => a.GetValue(index),
            FloatArray a => a.GetValue(index),
            DoubleArray a => a.GetValue(index),
            StringArray a => a.GetString(index),
            LargeStringArray a => a.GetString(index),
            StringViewArray a => a.GetString(index),
            TimestampArray a => a.GetTimestamp(index)!.Value.ToUniversalTime(),
            Date32Array a => new DateTimeOffset(a.GetDateTime(index)!.Value, TimeSpan.Zero),
            Date64Array a => new DateTimeOffset(a.GetDateTime(index)!.Value, TimeSpan.Zero),
            Decimal128Array a => a.GetValue(index),
            DictionaryArray a => ValueAt(a.Dictionary, ((Int32Array)a.Indices).GetValue(index)!.Value),
            _ => throw new NotSupportedException($"The conformance suite cannot read Arrow type {array.Data.DataType.Name} yet."),
        };
    }

    private static object? ChunkedValue(ChunkedArray chunks, long row)
    {
        for (var i = 0; i < chunks.ArrayCount; i++)
        {
            var array = chunks.ArrowArray(i);
            if (row < array.Length) return ValueAt(array, (int)row);
            row -= array.Length;
        }
        throw new ArgumentOutOfRangeException(nameof(row));
    }

    private static TArray Build<T, TArray, TBuilder>(TBuilder builder, List<object?> values)
        where T : struct
        where TArray : IArrowArray
        where TBuilder : PrimitiveArrayBuilder<T, TArray, TBuilder>
    {
        foreach (var v in values)
        {
            if (v is null) builder.AppendNull();
            else builder.Append((T)v);
        }
        return builder.Build();
    }

    private static BooleanArray BuildBools(List<object?> values)
    {
        var builder = new BooleanArray.Builder();
        foreach (var v in values)
        {
            if (v is null) builder.AppendNull();
            else builder.Append((bool)v);
        }
        return builder.Build();
    }

    private static StringArray BuildStrings(List<object?> values)
    {
        var builder = new StringArray.Builder();
        foreach (var v in values) builder.Append((string?)v);
        return builder.Build();
    }

    private static TimestampArray BuildTimestamps(List<object?> values)
    {
        var builder = new TimestampArray.Builder(UtcMicros);
        foreach (var v in values)
        {
            if (v is null) builder.AppendNull();
            else builder.Append(Values.Instant(v));
        }
        return builder.Build();
    }
}
