using Apache.Arrow;
using Apache.Arrow.Types;
using DuckDB.NET.Data;
using Feast.Offline.Sql;

namespace Feast.DuckDb;

/// <summary>
/// Loads Arrow record batches into a DuckDB temp table through DuckDB's appender (no per-row SQL). Column types are
/// kept: integers, floats, strings, booleans, binary, dates, and timestamps with time zone (instants) or without
/// (naive, meaning UTC).
/// </summary>
internal static class ArrowIngest
{
    /// <summary>The DuckDB column type for an Arrow type, or null if it cannot be ingested.</summary>
    public static string? DuckType(IArrowType type) => type switch
    {
        Int8Type => "TINYINT",
        Int16Type => "SMALLINT",
        Int32Type => "INTEGER",
        Int64Type => "BIGINT",
        UInt8Type => "UTINYINT",
        UInt16Type => "USMALLINT",
        UInt32Type => "UINTEGER",
        UInt64Type => "UBIGINT",
        HalfFloatType or FloatType => "FLOAT",
        DoubleType => "DOUBLE",
        StringType or LargeStringType or StringViewType => "VARCHAR",
        BooleanType => "BOOLEAN",
        BinaryType or LargeBinaryType or BinaryViewType => "BLOB",
        Date32Type or Date64Type => "DATE",
        TimestampType ts => string.IsNullOrEmpty(ts.Timezone) ? "TIMESTAMP" : "TIMESTAMP WITH TIME ZONE",
        _ => null,
    };

    /// <summary>The columns of <paramref name="schema"/> as DuckDB would store them.</summary>
    /// <param name="schema">The Arrow schema.</param>
    /// <param name="what">What the rows are, for error messages ("The entity data").</param>
    public static IReadOnlyList<SqlColumn> Columns(Schema schema, string what) =>
        [.. schema.FieldsList.Select(f => new SqlColumn(f.Name, DuckType(f.DataType)
            ?? throw new FeastValidationException($"{what}: column '{f.Name}' has Arrow type {f.DataType.Name}, which the DuckDB offline store cannot load. Use integers, floats, strings, booleans, binary, dates or timestamps.")))];

    /// <summary>
    /// Creates temp table <paramref name="table"/> with the batches' columns (plus <paramref name="rowNumberColumn"/>,
    /// the 0-based row position across batches, if given) and appends every row.
    /// </summary>
    public static void Load(DuckDbSession session, string table, IReadOnlyList<RecordBatch> batches, Schema schema,
        string what, string? rowNumberColumn, CancellationToken cancellationToken)
    {
        var columns = Columns(schema, what);
        var duplicate = columns.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new FeastValidationException($"{what} has column '{duplicate.Key}' more than once (DuckDB column names ignore case). Give each column its own name.");

        var definitions = columns.Select(c => $"{Sql.Ident(c.Name)} {c.Type}").ToList();
        if (rowNumberColumn is not null)
            definitions.Add($"{Sql.Ident(rowNumberColumn)} BIGINT");
        session.Execute($"CREATE OR REPLACE TEMP TABLE {Sql.Ident(table)} ({string.Join(", ", definitions)})", cancellationToken);

        // The appender talks to DuckDB directly, so its failures are translated like the session's commands.
        DuckDbSession.Run(() =>
        {
            long row = 0;
            // Named in full: after a query source's USE, an unqualified name would resolve in a read-only database.
            using var appender = session.Connection.CreateAppender("temp", "main", table);
            foreach (var batch in batches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (batch.ColumnCount != columns.Count || !batch.Schema.FieldsList.Select(f => f.Name).SequenceEqual(schema.FieldsList.Select(f => f.Name)))
                    throw new FeastValidationException($"{what}: record batches have different columns ({string.Join(", ", batch.Schema.FieldsList.Select(f => f.Name))} vs {string.Join(", ", schema.FieldsList.Select(f => f.Name))}). Give batches one schema.");
                var writers = new Func<IDuckDBAppenderRow, int, IDuckDBAppenderRow>[columns.Count];
                for (var c = 0; c < writers.Length; c++)
                    writers[c] = Writer(batch.Column(c), schema.FieldsList[c].Name, what);
                for (var i = 0; i < batch.Length; i++)
                {
                    var target = appender.CreateRow();
                    foreach (var write in writers)
                        target = write(target, i);
                    if (rowNumberColumn is not null)
                        target = target.AppendValue(row);
                    target.EndRow();
                    row++;
                }
            }
            appender.Close();
        }, cancellationToken);
    }

    private static Func<IDuckDBAppenderRow, int, IDuckDBAppenderRow> Writer(IArrowArray array, string column, string what) => array switch
    {
        Int8Array a => (r, i) => r.AppendValue(a.GetValue(i)),
        Int16Array a => (r, i) => r.AppendValue(a.GetValue(i)),
        Int32Array a => (r, i) => r.AppendValue(a.GetValue(i)),
        Int64Array a => (r, i) => r.AppendValue(a.GetValue(i)),
        UInt8Array a => (r, i) => r.AppendValue(a.GetValue(i)),
        UInt16Array a => (r, i) => r.AppendValue(a.GetValue(i)),
        UInt32Array a => (r, i) => r.AppendValue(a.GetValue(i)),
        UInt64Array a => (r, i) => r.AppendValue(a.GetValue(i)),
        HalfFloatArray a => (r, i) => r.AppendValue(a.GetValue(i) is { } h ? (float)h : null),
        FloatArray a => (r, i) => r.AppendValue(a.GetValue(i)),
        DoubleArray a => (r, i) => r.AppendValue(a.GetValue(i)),
        BooleanArray a => (r, i) => r.AppendValue(a.GetValue(i)),
        StringArray a => (r, i) => a.IsNull(i) ? r.AppendNullValue() : r.AppendValue(a.GetString(i)),
        LargeStringArray a => (r, i) => a.IsNull(i) ? r.AppendNullValue() : r.AppendValue(a.GetString(i)),
        StringViewArray a => (r, i) => a.IsNull(i) ? r.AppendNullValue() : r.AppendValue(a.GetString(i)),
        BinaryArray a => (r, i) => a.IsNull(i) ? r.AppendNullValue() : r.AppendValue(a.GetBytes(i).ToArray()),
        LargeBinaryArray a => (r, i) => a.IsNull(i) ? r.AppendNullValue() : r.AppendValue(a.GetBytes(i).ToArray()),
        BinaryViewArray a => (r, i) => a.IsNull(i) ? r.AppendNullValue() : r.AppendValue(a.GetBytes(i).ToArray()),
        Date32Array a => (r, i) => r.AppendValue(a.GetDateOnly(i)),
        Date64Array a => (r, i) => r.AppendValue(a.GetDateOnly(i)),
        TimestampArray a when string.IsNullOrEmpty(((TimestampType)a.Data.DataType).Timezone) =>
            (r, i) => r.AppendValue(a.GetTimestamp(i) is { } t ? t.UtcDateTime : null),
        TimestampArray a => (r, i) => r.AppendValue(a.GetTimestamp(i)),
        _ => throw new FeastValidationException($"{what}: column '{column}' has Arrow type {array.Data.DataType.Name}, which the DuckDB offline store cannot load. Use integers, floats, strings, booleans, binary, dates or timestamps."),
    };
}
