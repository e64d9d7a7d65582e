using Apache.Arrow;
using Feast.Offline;
using Feast.Protos.Types;
using Feast.Values;
using Microsoft.Extensions.Logging;

namespace Feast.Online;

/// <summary>
/// Turns pushed rows into what the stores take (Feast's <c>write_to_online_store</c> and <c>write_to_offline_store</c>):
/// columns found by their batch-source names (or the view's names), values typed by the view's schema, timestamps from
/// the batch source's timestamp field. Every row is converted before anything is written, so a bad value leaves nothing
/// half-written.
/// </summary>
internal sealed class FeatureWriter(int keyVersion, ILogger logger)
{
    /// <summary>The online rows of <paramref name="rows"/> for <paramref name="view"/>, or null when there is nothing to write.</summary>
    public OnlineWriteBatch? ToOnlineBatch(FeatureView view, FeatureRows rows)
    {
        if (rows.Count == 0)
        {
            FeatureWriterLog.Skipped(logger, view.Name, "no rows");
            return null;
        }
        var source = view.BatchSource;
        var keyReaders = view.EntityColumns.Select(c => Typed(rows, view, source, c)).ToArray();
        var featureReaders = view.Features.Select(f => Typed(rows, view, source, f)).ToArray();
        var timestampColumn = TimestampColumn(view, source);
        var eventTs = Timestamps(rows, view, timestampColumn, required: true)!;
        var createdTs = source.CreatedTimestampColumn.Length > 0 && rows.HasColumn(source.CreatedTimestampColumn)
            ? Timestamps(rows, view, source.CreatedTimestampColumn, required: false)
            : null;

        var joinKeys = view.EntityColumns.Select(c => c.Name).ToArray();
        var dummy = view.IsEntityless ? EntityKeySerializer.Serialize(Entity.DummyJoinKey, new Value { StringVal = "" }, keyVersion) : null;
        var batch = new OnlineWriteBatch([.. view.Features.Select(f => f.Name)], rows.Count);
        var values = new Value?[featureReaders.Length];
        var keyValues = new Value[keyReaders.Length];
        var anyValue = false;
        for (var row = 0; row < rows.Count; row++)
        {
            for (var k = 0; k < keyReaders.Length; k++)
            {
                keyValues[k] = keyReaders[k](row);
                if (FeastValues.IsNull(keyValues[k]))
                    throw new FeastValidationException($"Feature view '{view.Name}': row {row} has no value for join key '{joinKeys[k]}'. Every row needs its join keys.");
            }
            for (var f = 0; f < featureReaders.Length; f++)
            {
                values[f] = featureReaders[f](row);
                anyValue |= !FeastValues.IsNull(values[f]);
            }
            var key = dummy ?? (keyValues.Length == 1
                ? EntityKeySerializer.Serialize(joinKeys[0], keyValues[0], keyVersion)
                : EntityKeySerializer.Serialize(joinKeys, keyValues, keyVersion));
            var stamp = eventTs(row)
                ?? throw new FeastValidationException($"Feature view '{view.Name}': row {row} has no value in timestamp column '{timestampColumn}'.");
            batch.Add(key, values, stamp, createdTs?.Invoke(row));
        }
        if (!anyValue && featureReaders.Length > 0)
        {
            FeatureWriterLog.Skipped(logger, view.Name, "every feature value is null");
            return null;
        }
        return batch;
    }

    /// <summary>
    /// The rows to store for on-demand view <paramref name="view"/> (write_to_online_store): its transformation run on
    /// each row of <paramref name="rows"/>, giving the join keys, the outputs and <c>event_timestamp</c> (taken from the
    /// rows' <c>event_timestamp</c> or <paramref name="timestampColumn"/> column when present, else <paramref name="now"/>).
    /// </summary>
    public static FeatureRows TransformForWrite(OnDemandFeatureView view, IReadOnlyDictionary<string, ValueType> inputTypes, FeatureRows rows,
        string? timestampColumn, DateTimeOffset now)
    {
        var transform = Transformations.OnDemandTransforms.Get(view);
        var names = rows.ColumnNames;
        var readers = names.Select(rows.Column).ToArray();
        foreach (var key in view.EntityColumns)
        {
            if (!names.Contains(key.Name))
                throw new FeastValidationException($"On demand feature view '{view.Name}' is keyed by '{key.Name}', but the rows have only: {string.Join(", ", names)}.");
        }
        var stampColumn = names.Contains("event_timestamp") ? "event_timestamp" : timestampColumn is not null && names.Contains(timestampColumn) ? timestampColumn : null;
        var output = new Dictionary<string, List<object?>>(StringComparer.Ordinal);
        foreach (var key in view.EntityColumns) output[key.Name] = new List<object?>(rows.Count);
        foreach (var feature in view.Features) output[feature.Name] = new List<object?>(rows.Count);
        output["event_timestamp"] = new List<object?>(rows.Count);

        var inputs = new Dictionary<string, object?>(names.Count, StringComparer.Ordinal);
        for (var row = 0; row < rows.Count; row++)
        {
            inputs.Clear();
            for (var c = 0; c < names.Count; c++)
            {
                var raw = readers[c](row);
                inputs[names[c]] = inputTypes.TryGetValue(names[c], out var type) ? FeastValues.ToObject(FeastValues.FromObject(raw, type, names[c])) : raw;
            }
            var computed = transform.Apply(inputs);
            foreach (var key in view.EntityColumns) output[key.Name].Add(inputs[key.Name]);
            foreach (var feature in view.Features) output[feature.Name].Add(computed.GetValueOrDefault(feature.Name));
            output["event_timestamp"].Add(stampColumn is null ? now : inputs[stampColumn]);
        }
        return FeatureRows.FromColumns(output.ToDictionary(p => p.Key, p => (IReadOnlyList<object?>)p.Value, StringComparer.Ordinal));
    }

    /// <summary>
    /// The rows to store for on-demand view <paramref name="view"/> when they already carry its outputs
    /// (<c>transform_on_write: false</c>): the join keys and outputs as given, and <c>event_timestamp</c> from the rows
    /// or <paramref name="now"/>.
    /// </summary>
    public static FeatureRows Pretransformed(OnDemandFeatureView view, FeatureRows rows, DateTimeOffset now)
    {
        var names = rows.ColumnNames;
        var missing = view.EntityColumns.Concat(view.Features).Select(f => f.Name).Where(n => !names.Contains(n)).ToList();
        if (missing.Count > 0)
        {
            throw new FeastValidationException(
                $"On demand feature view '{view.Name}' is written without its transformation (transform_on_write is false), so the rows must carry its "
                + $"join keys and outputs, but {string.Join(", ", missing.Select(m => $"'{m}'"))} {(missing.Count == 1 ? "is" : "are")} missing. "
                + "Add the columns, or write with transform_on_write true.");
        }
        var output = new Dictionary<string, IReadOnlyList<object?>>(StringComparer.Ordinal);
        foreach (var field in view.EntityColumns.Concat(view.Features))
            output[field.Name] = Enumerable.Range(0, rows.Count).Select(rows.Column(field.Name)).ToList();
        output["event_timestamp"] = names.Contains("event_timestamp")
            ? Enumerable.Range(0, rows.Count).Select(rows.Column("event_timestamp")).ToList()
            : Enumerable.Repeat<object?>(now, rows.Count).ToList();
        return FeatureRows.FromColumns(output);
    }

    /// <summary>Appends <paramref name="rows"/> to the batch source of <paramref name="view"/>; the columns must be the source's columns.</summary>
    public async Task WriteOfflineAsync(IOfflineStore offline, FeatureView view, FeatureRows rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            FeatureWriterLog.Skipped(logger, view.Name, "no rows");
            return;
        }
        var source = view.BatchSource;
        var batch = rows.Arrow ?? ToArrow(view, source, rows);
        await offline.WriteBatchAsync(view, batch, cancellationToken).ConfigureAwait(false);
    }

    private static RecordBatch ToArrow(FeatureView view, DataSource source, FeatureRows rows)
    {
        var typed = view.EntityColumns.Concat(view.Features).ToDictionary(f => SourceName(source, f.Name), f => f, StringComparer.Ordinal);
        var timestampColumns = new[] { TimestampColumn(view, source), source.CreatedTimestampColumn }.Where(c => c.Length > 0).ToHashSet(StringComparer.Ordinal);
        var columns = rows.ColumnNames;
        var readers = columns.Select(c => rows.Column(c)).ToArray();
        var records = new List<IReadOnlyDictionary<string, object?>>(rows.Count);
        for (var row = 0; row < rows.Count; row++)
        {
            var record = new Dictionary<string, object?>(columns.Count, StringComparer.Ordinal);
            for (var c = 0; c < columns.Count; c++)
            {
                var name = columns[c];
                var raw = readers[c](row);
                record[name] = raw is null ? null
                    : typed.TryGetValue(name, out var field) ? FeastValues.ToObject(FeastValues.FromObject(raw, field.Dtype.ValueType, name))
                    : timestampColumns.Contains(name) ? FeastTimestamp.Parse(raw, name, row)
                    : raw is System.Text.Json.JsonElement json ? FeastValues.ToObject(FeastValues.Infer(json, name))
                    : raw;
            }
            records.Add(record);
        }
        return EntityRows.ToRecordBatch(records);
    }

    private static string TimestampColumn(FeatureView view, DataSource source) =>
        source.TimestampField.Length > 0 ? source.TimestampField
            : throw new FeastValidationException($"Feature view '{view.Name}': its batch source '{source.Name}' has no timestampField, so pushed rows cannot be timestamped.");

    /// <summary>The source column of view column <paramref name="name"/>: the field mapping's key that maps to it, or the name itself.</summary>
    private static string SourceName(DataSource source, string name)
    {
        foreach (var (from, to) in source.FieldMapping)
        {
            if (to == name) return from;
        }
        return name;
    }

    private static Func<int, Value> Typed(FeatureRows rows, FeatureView view, DataSource source, Field field)
    {
        var sourceName = SourceName(source, field.Name);
        var name = rows.HasColumn(sourceName) ? sourceName
            : rows.HasColumn(field.Name) ? field.Name
            : throw new FeastValidationException(
                $"Feature view '{view.Name}' needs column '{sourceName}' but the rows have only: {string.Join(", ", rows.ColumnNames)}. Give every join key, feature and the timestamp column '{source.TimestampField}'.");
        var column = rows.Column(name);
        var type = field.Dtype.ValueType;
        return row => FeastValues.FromObject(column(row), type, name);
    }

    private static Func<int, DateTimeOffset?>? Timestamps(FeatureRows rows, FeatureView view, string name, bool required)
    {
        if (!rows.HasColumn(name))
        {
            if (!required) return null;
            throw new FeastValidationException(
                $"Feature view '{view.Name}' needs timestamp column '{name}' but the rows have only: {string.Join(", ", rows.ColumnNames)}.");
        }
        var column = rows.Column(name);
        return row => column(row) is { } value ? FeastTimestamp.Parse(value, name, row) : null;
    }
}

internal static partial class FeatureWriterLog
{
    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Nothing written to {View}: {Reason}")]
    public static partial void Skipped(ILogger logger, string view, string reason);
}
