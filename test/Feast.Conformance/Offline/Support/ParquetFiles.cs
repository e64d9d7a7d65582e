using Feast.Transformations;
using Parquet;
using Parquet.Schema;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>Writes and reads <see cref="TestTable"/>s as Parquet with Parquet.Net (6.x API), with the types Feast's files have.</summary>
internal static class ParquetFiles
{
    /// <summary>
    /// Writes <paramref name="table"/> as one row group. Every column is nullable; timestamps are INT64 microsecond
    /// timestamps, UTC-adjusted unless the column is <see cref="TestColumn.Naive"/> (then the UTC wall clock is written
    /// without the flag, as pandas writes naive datetimes), with correct statistics (see <see cref="ParquetTimestamps"/>).
    /// </summary>
    public static async Task WriteAsync(TestTable table, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        var fields = table.Columns.Select(Field).ToList();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await using var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, cancellationToken: cancellationToken);
        using var group = writer.CreateRowGroup();
        for (var i = 0; i < fields.Count; i++)
        {
            var column = table.Columns[i];
            var field = fields[i];
            var values = table.Rows.Select(r => r[i]).ToList();
            switch (column.Type)
            {
                case ColumnType.Int32: await group.WriteAsync<int>(field, values.Select(v => (int?)v).ToArray().AsMemory(), cancellationToken: cancellationToken); break;
                case ColumnType.Int64: await group.WriteAsync<long>(field, values.Select(v => (long?)v).ToArray().AsMemory(), cancellationToken: cancellationToken); break;
                case ColumnType.Float32: await group.WriteAsync<float>(field, values.Select(v => (float?)v).ToArray().AsMemory(), cancellationToken: cancellationToken); break;
                case ColumnType.Float64: await group.WriteAsync<double>(field, values.Select(v => (double?)v).ToArray().AsMemory(), cancellationToken: cancellationToken); break;
                case ColumnType.Bool: await group.WriteAsync<bool>(field, values.Select(v => (bool?)v).ToArray().AsMemory(), cancellationToken: cancellationToken); break;
                case ColumnType.String: await group.WriteAsync(field, values.Select(v => (string?)v).ToArray()!, null); break;
                case ColumnType.Timestamp:
                    // As raw microseconds (the UTC wall clock for a naive column), so the statistics are right.
                    var micros = values.Select(v => v is null ? (long?)null : ParquetTimestamps.Micros(Values.Instant(v))).ToArray();
                    await ParquetTimestamps.WriteAsync(group, field, micros, cancellationToken);
                    break;
                default: throw new NotSupportedException(column.Type.ToString());
            }
        }
    }

    /// <summary>Reads a file written by <see cref="WriteAsync"/> (or any file with only the seven column types) back into a table.</summary>
    public static async Task<TestTable> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken);
        var fields = reader.Schema.DataFields;
        var columns = fields.Select(f => new TestColumn(f.Name, TypeOf(f, path))).ToList();
        var table = new TestTable(columns);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var count = checked((int)group.RowCount);
            var data = new object?[fields.Length][];
            for (var c = 0; c < fields.Length; c++)
                data[c] = await ReadColumnAsync(group, fields[c], columns[c].Type, count, cancellationToken);
            for (var r = 0; r < count; r++) table.Add([.. data.Select(d => d[r])]);
        }
        return table;
    }

    /// <summary>The column names and row count of a file, whatever its column types (for checking files a store wrote).</summary>
    public static async Task<(IReadOnlyList<string> Columns, long Rows)> ReadShapeAsync(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        var rows = 0L;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            rows += group.RowCount;
        }
        return ([.. reader.Schema.DataFields.Select(f => f.Name)], rows);
    }

    private static DataField Field(TestColumn column) => column.Type switch
    {
        ColumnType.Int32 => new DataField(column.Name, typeof(int), isNullable: true),
        ColumnType.Int64 => new DataField(column.Name, typeof(long), isNullable: true),
        ColumnType.Float32 => new DataField(column.Name, typeof(float), isNullable: true),
        ColumnType.Float64 => new DataField(column.Name, typeof(double), isNullable: true),
        ColumnType.Bool => new DataField(column.Name, typeof(bool), isNullable: true),
        ColumnType.String => new DataField(column.Name, typeof(string), isNullable: true),
        ColumnType.Timestamp => ParquetTimestamps.Field(column.Name, utc: !column.Naive),
        _ => throw new NotSupportedException(column.Type.ToString()),
    };

    private static ColumnType TypeOf(DataField field, string path)
    {
        var type = field.ClrType;
        if (type == typeof(int)) return ColumnType.Int32;
        if (type == typeof(long)) return ColumnType.Int64;
        if (type == typeof(float)) return ColumnType.Float32;
        if (type == typeof(double)) return ColumnType.Float64;
        if (type == typeof(bool)) return ColumnType.Bool;
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>)) return ColumnType.String;
        if (type == typeof(DateTime)) return ColumnType.Timestamp;
        throw new NotSupportedException($"'{path}': column '{field.Name}' has CLR type {type.Name}, which the test reader does not handle.");
    }

    private static async Task<object?[]> ReadColumnAsync(ParquetRowGroupReader group, DataField field, ColumnType type, int count, CancellationToken cancellationToken)
    {
        switch (type)
        {
            case ColumnType.Int32: return Box(await ReadAsync<int>(group, field, count, cancellationToken));
            case ColumnType.Int64: return Box(await ReadAsync<long>(group, field, count, cancellationToken));
            case ColumnType.Float32: return Box(await ReadAsync<float>(group, field, count, cancellationToken));
            case ColumnType.Float64: return Box(await ReadAsync<double>(group, field, count, cancellationToken));
            case ColumnType.Bool: return Box(await ReadAsync<bool>(group, field, count, cancellationToken));
            case ColumnType.String:
                var strings = new string?[count];
                await group.ReadAsync(field, strings.AsMemory(), cancellationToken: cancellationToken);
                return [.. strings.Cast<object?>()];
            case ColumnType.Timestamp:
                var stamps = await ReadAsync<DateTime>(group, field, count, cancellationToken);
                // Naive and UTC-adjusted columns both hold the UTC wall clock (Parquet.Net may label naive ones Local).
                return [.. stamps.Select(s => s is null ? null : (object)new DateTimeOffset(DateTime.SpecifyKind(s.Value, DateTimeKind.Utc)))];
            default: throw new NotSupportedException(type.ToString());
        }
    }

    private static async Task<T?[]> ReadAsync<T>(ParquetRowGroupReader group, DataField field, int count, CancellationToken cancellationToken)
        where T : struct
    {
        var values = new T?[count];
        await group.ReadAsync<T>(field, values.AsMemory(), cancellationToken: cancellationToken);
        return values;
    }

    private static object?[] Box<T>(T?[] values) where T : struct => [.. values.Select(v => v is null ? null : (object)v.Value)];
}
