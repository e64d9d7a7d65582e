using System.Globalization;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;
using Feast.Values;
using Parquet;
using Parquet.Schema;

namespace Feast.Transformations;

/// <summary>
/// Writes a stream of Arrow record batches to a Parquet or CSV file, one batch at a time (memory stays bounded by the
/// batch size), replacing the target atomically: a sibling temp file is written, then renamed over it.
/// </summary>
internal static class ArrowFiles
{
    /// <summary>Writes <paramref name="batches"/> (all with one schema) to <paramref name="path"/>.</summary>
    /// <exception cref="FeastException">The file cannot be written, or a column's type has no file representation here.</exception>
    public static async Task WriteAsync(IAsyncEnumerable<RecordBatch> batches, string path, FileFormat format, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var target = Path.GetFullPath(path);
        string? temp = null;
        try
        {
            var directory = Path.GetDirectoryName(target) ?? ".";
            Directory.CreateDirectory(directory);
            temp = Path.Combine(directory, "." + Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 16, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                if (format == FileFormat.Csv)
                    await WriteCsvAsync(batches, stream, cancellationToken).ConfigureAwait(false);
                else
                    await WriteParquetAsync(batches, stream, cancellationToken).ConfigureAwait(false);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FeastException($"Could not write the retrieval result to '{target}': {e.Message}", e);
        }
        finally
        {
            if (temp is not null && File.Exists(temp))
                File.Delete(temp);
        }
    }

    // ---- CSV: a header row, then one line per row; values as DuckDB's COPY writes them. ----

    private static async Task WriteCsvAsync(IAsyncEnumerable<RecordBatch> batches, Stream stream, CancellationToken cancellationToken)
    {
        var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16);
        await using (writer.ConfigureAwait(false))
        {
            var header = false;
            var line = new StringBuilder();
            await foreach (var batch in batches.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (!header)
                {
                    await writer.WriteLineAsync(string.Join(",", batch.Schema.FieldsList.Select(f => Quote(f.Name)))).ConfigureAwait(false);
                    header = true;
                }
                for (var row = 0; row < batch.Length; row++)
                {
                    line.Clear();
                    for (var column = 0; column < batch.ColumnCount; column++)
                    {
                        if (column > 0) line.Append(',');
                        line.Append(Quote(CsvText(batch.Column(column), row)));
                    }
                    await writer.WriteLineAsync(line, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private static string Quote(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string CsvText(IArrowArray array, int index)
    {
        if (array.IsNull(index))
            return "";
        if (array is TimestampArray timestamps)
        {
            var value = timestamps.GetTimestamp(index)!.Value.UtcDateTime;
            var text = value.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            var micros = value.Ticks % TimeSpan.TicksPerSecond / 10;
            if (micros != 0)
                text += "." + micros.ToString("000000", CultureInfo.InvariantCulture).TrimEnd('0');
            return string.IsNullOrEmpty(((TimestampType)timestamps.Data.DataType).Timezone) ? text : text + "+00";
        }
        if (array is ListArray list)
        {
            var start = list.ValueOffsets[index];
            var items = Enumerable.Range(start, list.ValueOffsets[index + 1] - start)
                .Select(i => list.Values.IsNull(i) ? "NULL" : CsvText(list.Values, i));
            return "[" + string.Join(", ", items) + "]";
        }
        return ArrowValues.GetObject(array, index) switch
        {
            string s => s,
            bool b => b ? "true" : "false",
            float f => FeastValues.PythonFloat(double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)),
            double d => FeastValues.PythonFloat(d),
            byte[] bytes => Convert.ToBase64String(bytes),
            DateTimeOffset date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            var other => other?.ToString() ?? "",
        };
    }

    // ---- Parquet: one row group per batch, Arrow types mapped to their Parquet counterparts. ----

    private static async Task WriteParquetAsync(IAsyncEnumerable<RecordBatch> batches, Stream stream, CancellationToken cancellationToken)
    {
        ParquetWriter? writer = null;
        try
        {
            Parquet.Schema.Field[]? fields = null;
            await foreach (var batch in batches.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (writer is null)
                {
                    fields = [.. batch.Schema.FieldsList.Select(ParquetField)];
                    writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                if (batch.Length == 0)
                    continue;
                using var group = writer.CreateRowGroup();
                for (var column = 0; column < batch.ColumnCount; column++)
                    await WriteColumnAsync(group, fields![column], batch.Column(column), cancellationToken).ConfigureAwait(false);
            }
            if (writer is null)
                throw new FeastException("The retrieval returned no record batches, so there is no schema to write.");
        }
        finally
        {
            if (writer is not null)
                await writer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static Parquet.Schema.Field ParquetField(Apache.Arrow.Field field) => field.DataType switch
    {
        ListType list => new ListField(field.Name, ParquetItem(field.Name, list.ValueDataType)),
        var type => ParquetData(field.Name, type)
            ?? throw new FeastException($"Column '{field.Name}' has Arrow type {type.Name}, which cannot be written to Parquet here."),
    };

    private static DataField ParquetItem(string column, IArrowType type) => type switch
    {
        Int64Type or Int32Type or FloatType or DoubleType or BooleanType or StringType or TimestampType => ParquetData("element", type)!,
        _ => throw new FeastException($"Column '{column}' is a list of {type.Name}, which cannot be written to Parquet here."),
    };

    private static DataField? ParquetData(string name, IArrowType type) => type switch
    {
        Int8Type => new DataField<sbyte?>(name),
        Int16Type => new DataField<short?>(name),
        Int32Type => new DataField<int?>(name),
        Int64Type => new DataField<long?>(name),
        UInt8Type => new DataField<byte?>(name),
        UInt16Type => new DataField<ushort?>(name),
        UInt32Type => new DataField<uint?>(name),
        UInt64Type => new DataField<ulong?>(name),
        FloatType => new DataField<float?>(name),
        DoubleType => new DataField<double?>(name),
        BooleanType => new DataField<bool?>(name),
        StringType or LargeStringType => new DataField<string>(name, true),
        BinaryType => new DataField<byte[]>(name, true),
        // Microseconds, as pyarrow writes Feast's timestamps; written as raw values so the statistics are right.
        TimestampType ts => ParquetTimestamps.Field(name, utc: !string.IsNullOrEmpty(ts.Timezone)),
        Date32Type or Date64Type => new DateTimeDataField(name, DateTimeFormat.Date, isNullable: true),
        Decimal128Type d => new DecimalDataField(name, d.Precision, d.Scale, isNullable: true),
        _ => null,
    };

    private static Task WriteColumnAsync(ParquetRowGroupWriter group, Parquet.Schema.Field field, IArrowArray array, CancellationToken cancellationToken)
    {
        var data = field as DataField;
        return array switch
        {
            Int8Array a => group.WriteAsync<sbyte>(data!, Nullables(a.Length, a.GetValue), cancellationToken: cancellationToken),
            Int16Array a => group.WriteAsync<short>(data!, Nullables(a.Length, a.GetValue), cancellationToken: cancellationToken),
            Int32Array a => group.WriteAsync<int>(data!, Nullables(a.Length, a.GetValue), cancellationToken: cancellationToken),
            Int64Array a => group.WriteAsync<long>(data!, Nullables(a.Length, a.GetValue), cancellationToken: cancellationToken),
            UInt8Array a => group.WriteAsync<byte>(data!, Nullables(a.Length, a.GetValue), cancellationToken: cancellationToken),
            UInt16Array a => group.WriteAsync<ushort>(data!, Nullables(a.Length, a.GetValue), cancellationToken: cancellationToken),
            UInt32Array a => group.WriteAsync<uint>(data!, Nullables(a.Length, a.GetValue), cancellationToken: cancellationToken),
            UInt64Array a => group.WriteAsync<ulong>(data!, Nullables(a.Length, a.GetValue), cancellationToken: cancellationToken),
            FloatArray a => group.WriteAsync<float>(data!, Nullables(a.Length, a.GetValue), cancellationToken: cancellationToken),
            DoubleArray a => group.WriteAsync<double>(data!, Nullables(a.Length, a.GetValue), cancellationToken: cancellationToken),
            BooleanArray a => group.WriteAsync<bool>(data!, Nullables(a.Length, a.GetValue), cancellationToken: cancellationToken),
            StringArray a => group.WriteAsync(data!, Enumerable.Range(0, a.Length).Select(i => a.GetString(i)).ToArray()!, null),
            LargeStringArray a => group.WriteAsync(data!, Enumerable.Range(0, a.Length).Select(i => a.GetString(i)).ToArray()!, null),
            BinaryArray a => group.WriteAsync(data!, Enumerable.Range(0, a.Length).Select(i => a.IsNull(i) ? null : a.GetBytes(i).ToArray()).ToArray()!, null),
            TimestampArray a => ParquetTimestamps.WriteAsync(group, data!, Nullables(a.Length, i => MicrosOf(a, i)), cancellationToken),
            Date32Array a => group.WriteAsync<DateTime>(data!, Nullables(a.Length, i => a.GetDateTime(i)), cancellationToken: cancellationToken),
            Date64Array a => group.WriteAsync<DateTime>(data!, Nullables(a.Length, i => a.GetDateTime(i)), cancellationToken: cancellationToken),
            Decimal128Array a => group.WriteAsync<decimal>(data!, Nullables(a.Length, a.GetValue), cancellationToken: cancellationToken),
            ListArray a => WriteListAsync(group, (DataField)((ListField)field).Item, a, cancellationToken),
            _ => throw new FeastException($"Column '{field.Name}' has Arrow type {array.Data.DataType.Name}, which cannot be written to Parquet here."),
        };
    }

    private static T?[] Nullables<T>(int length, Func<int, T?> get) where T : struct
    {
        var values = new T?[length];
        for (var i = 0; i < length; i++) values[i] = get(i);
        return values;
    }

    // An instant column is written as its UTC instant; a naive one as its wall clock (Arrow gives it with offset zero).
    private static long? MicrosOf(TimestampArray array, int index) =>
        array.GetTimestamp(index) is { } value ? ParquetTimestamps.Micros(value) : null;

    /// <summary>
    /// A list column through Parquet's levels. The list and its items are optional, so the definition level is 0 for a
    /// null list, 1 for an empty one, 2 for a null item and 3 for a present item; the repetition level is 1 for every
    /// item after a list's first. Only present items are passed as values.
    /// </summary>
    private static Task WriteListAsync(ParquetRowGroupWriter group, DataField item, ListArray list, CancellationToken cancellationToken)
    {
        if (item.MaxDefinitionLevel != 3 || item.MaxRepetitionLevel != 1)
            throw new InvalidOperationException($"Unexpected Parquet levels for list column '{item.Path}'.");
        var definitions = new List<int>(list.Length);
        var repetitions = new List<int>(list.Length);
        var present = new List<int>();
        for (var i = 0; i < list.Length; i++)
        {
            if (list.IsNull(i))
            {
                definitions.Add(0);
                repetitions.Add(0);
                continue;
            }
            var start = list.ValueOffsets[i];
            var length = list.ValueOffsets[i + 1] - start;
            if (length == 0)
            {
                definitions.Add(1);
                repetitions.Add(0);
                continue;
            }
            for (var j = 0; j < length; j++)
            {
                repetitions.Add(j == 0 ? 0 : 1);
                var index = start + j;
                if (list.Values.IsNull(index))
                {
                    definitions.Add(2);
                }
                else
                {
                    definitions.Add(3);
                    present.Add(index);
                }
            }
        }

        var defs = definitions.ToArray();
        var reps = repetitions.ToArray();
        return list.Values switch
        {
            Int64Array a => group.WriteAllPartsAsync<long>(item, present.Select(i => a.GetValue(i)!.Value).ToArray(), defs, reps, cancellationToken),
            Int32Array a => group.WriteAllPartsAsync<int>(item, present.Select(i => a.GetValue(i)!.Value).ToArray(), defs, reps, cancellationToken),
            FloatArray a => group.WriteAllPartsAsync<float>(item, present.Select(i => a.GetValue(i)!.Value).ToArray(), defs, reps, cancellationToken),
            DoubleArray a => group.WriteAllPartsAsync<double>(item, present.Select(i => a.GetValue(i)!.Value).ToArray(), defs, reps, cancellationToken),
            BooleanArray a => group.WriteAllPartsAsync<bool>(item, present.Select(i => a.GetValue(i)!.Value).ToArray(), defs, reps, cancellationToken),
            StringArray a => group.WriteAllPartsAsync<ReadOnlyMemory<char>>(item, present.Select(i => a.GetString(i).AsMemory()).ToArray(), defs, reps, cancellationToken),
            TimestampArray a => ParquetTimestamps.WriteListItemsAsync(group, item, present.Select(i => MicrosOf(a, i)!.Value).ToArray(), defs, reps, cancellationToken),
            var values => throw new FeastException($"Column '{item.Path}' is a list of {values.Data.DataType.Name}, which cannot be written to Parquet here."),
        };
    }
}
