using Apache.Arrow;
using Microsoft.Data.Analysis;

namespace Feast.Offline;

/// <summary>
/// The entity rows of a historical retrieval ("entity df"): join-key values, an event timestamp per row, and any
/// other columns (kept in the output). Naive timestamps mean UTC.
/// </summary>
public abstract class EntityData
{
    private protected EntityData()
    {
    }

    /// <summary>Entity rows held as Arrow record batches (all with one schema).</summary>
    public static EntityData FromArrow(IEnumerable<RecordBatch> batches) => new ArrowEntityData([.. batches]);

    /// <summary>Entity rows held as an Arrow record batch.</summary>
    public static EntityData FromArrow(RecordBatch batch) => new ArrowEntityData([batch]);

    /// <summary>Entity rows in a <see cref="DataFrame"/>.</summary>
    public static EntityData FromDataFrame(DataFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var batches = new List<RecordBatch>();
        long offset = 0;
        foreach (var batch in frame.ToArrowRecordBatches())
        {
            batches.Add(WithTimestamps(frame, batch, offset));
            offset += batch.Length;
        }
        return new ArrowEntityData(batches);
    }

    // DataFrame exports DateTime columns as Arrow Date64 truncated to the day. They are instants here, so they are
    // rebuilt from the frame's values as microsecond timestamps; naive values mean UTC, as everywhere in Feast.
    private static RecordBatch WithTimestamps(DataFrame frame, RecordBatch batch, long offset)
    {
        if (!frame.Columns.Any(c => c.DataType == typeof(DateTime))) return batch;
        var type = new Apache.Arrow.Types.TimestampType(Apache.Arrow.Types.TimeUnit.Microsecond, "UTC");
        var fields = new List<Apache.Arrow.Field>(batch.ColumnCount);
        var arrays = new List<IArrowArray>(batch.ColumnCount);
        for (var i = 0; i < batch.ColumnCount; i++)
        {
            var field = batch.Schema.GetFieldByIndex(i);
            var column = frame.Columns[field.Name];
            if (column.DataType != typeof(DateTime))
            {
                arrays.Add(batch.Column(i));
                fields.Add(field);
                continue;
            }
            var builder = new TimestampArray.Builder(type);
            for (var row = offset; row < offset + batch.Length; row++)
            {
                if (column[row] is DateTime value)
                    builder.Append(new DateTimeOffset(value.Kind == DateTimeKind.Local ? value : DateTime.SpecifyKind(value, DateTimeKind.Utc)));
                else
                    builder.AppendNull();
            }
            arrays.Add(builder.Build());
            fields.Add(new Apache.Arrow.Field(field.Name, type, nullable: true));
        }
        return new RecordBatch(new Schema(fields, batch.Schema.Metadata), arrays, batch.Length);
    }

    /// <summary>Entity rows in a Parquet (<c>.parquet</c>) or CSV (<c>.csv</c>) file.</summary>
    public static EntityData FromFile(string path) => new FileEntityData(path);

    /// <summary>Entity rows produced by a SQL query the offline store runs (e.g. over a table it can read).</summary>
    public static EntityData FromSql(string query) => new SqlEntityData(query);

    /// <summary>
    /// Entity rows given as typed objects (records, classes, anonymous types): each public readable property is a
    /// column, named as the property (so name them like the join keys, e.g. <c>record Row(long driver_id, DateTime event_timestamp)</c>).
    /// </summary>
    public static EntityData FromRecords<T>(IEnumerable<T> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var properties = typeof(T).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .ToArray();
        if (properties.Length == 0)
            throw new FeastValidationException($"Entity rows of type {typeof(T).Name} have no public properties; give the type a property per column (join keys and event_timestamp).");
        var rows = records.Select(r => (IReadOnlyDictionary<string, object?>)properties.ToDictionary(p => p.Name, p => p.GetValue(r)));
        return new ArrowEntityData([EntityRows.ToRecordBatch(rows, [.. properties.Select(p => (p.Name, p.PropertyType))])]);
    }

    /// <summary>Entity rows given as records: each a column name → value map (values: numbers, strings, bools, DateTime/DateTimeOffset).</summary>
    public static EntityData FromRows(IEnumerable<IReadOnlyDictionary<string, object?>> rows) => new ArrowEntityData([EntityRows.ToRecordBatch(rows)]);
}

/// <summary>Entity rows held in memory as Arrow.</summary>
public sealed class ArrowEntityData : EntityData
{
    internal ArrowEntityData(IReadOnlyList<RecordBatch> batches)
    {
        if (batches.Count == 0)
            throw new FeastValidationException("The entity data has no record batches; pass at least one (it may have zero rows).");
        Batches = batches;
    }

    /// <summary>The batches, all with <see cref="Schema"/>.</summary>
    public IReadOnlyList<RecordBatch> Batches { get; }

    /// <summary>The schema of the entity rows.</summary>
    public Schema Schema => Batches[0].Schema;
}

/// <summary>Entity rows in a Parquet or CSV file.</summary>
public sealed class FileEntityData : EntityData
{
    internal FileEntityData(string path)
    {
        Guard.NotNullOrEmpty(path, "The entity data file path");
        Path = path;
        Format = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? FileFormat.Csv
            : path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) ? FileFormat.Parquet
            : throw new FeastValidationException($"Entity data file '{path}' is neither .parquet nor .csv. Give a Parquet or CSV file.");
    }

    /// <summary>The file path.</summary>
    public string Path { get; }

    /// <summary>The file format, from the extension.</summary>
    public FileFormat Format { get; }
}

/// <summary>Entity rows produced by a SQL query.</summary>
public sealed class SqlEntityData : EntityData
{
    internal SqlEntityData(string query)
    {
        Guard.NotNullOrEmpty(query, "The entity data SQL query");
        Query = query;
    }

    /// <summary>The query.</summary>
    public string Query { get; }
}

/// <summary>
/// No entity rows, a time range instead (Feast's <c>get_historical_features(start_date=, end_date=)</c>): the rows are
/// every distinct (join keys, event timestamp) of the requested views' sources with the event time in
/// [<see cref="Start"/>, <see cref="End"/>], both inclusive, each joined point-in-time like an entity row. Offline stores
/// receive it from <see cref="FeatureStore.GetHistoricalFeaturesAsync(IEnumerable{string}, DateTimeOffset?, DateTimeOffset?, bool, CancellationToken)"/>;
/// the rows' columns are <c>event_timestamp</c> and then <see cref="EntityColumns"/>.
/// </summary>
public sealed class TimeRangeEntityData : EntityData
{
    /// <summary>The default window when neither a start nor a TTL says how far back to look (Feast's 30 days).</summary>
    internal static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(30);

    /// <exception cref="FeastValidationException"><paramref name="start"/> is after <paramref name="end"/>.</exception>
    internal TimeRangeEntityData(DateTimeOffset start, DateTimeOffset end)
    {
        if (start > end)
            throw new FeastValidationException(
                $"The retrieval's time range starts ({start.UtcDateTime:yyyy-MM-dd HH:mm:ss.FFFFFF}Z) after it ends ({end.UtcDateTime:yyyy-MM-dd HH:mm:ss.FFFFFF}Z). Give a start date at or before the end date.");
        Start = start;
        End = end;
    }

    /// <summary>The start of the range, inclusive.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>The end of the range, inclusive.</summary>
    public DateTimeOffset End { get; }

    /// <summary>
    /// The range Feast uses for the given dates: no end means <paramref name="now"/>; no start means the end minus the
    /// longest TTL of <paramref name="views"/>, or minus <see cref="DefaultWindow"/> when no view has a TTL.
    /// </summary>
    internal static TimeRangeEntityData Resolve(IReadOnlyList<FeatureViewRequest> views, DateTimeOffset? start, DateTimeOffset? end, DateTimeOffset now)
    {
        var to = end ?? now;
        var ttl = views.Select(v => v.View.Ttl).Where(t => t > TimeSpan.Zero).DefaultIfEmpty(DefaultWindow).Max();
        return new TimeRangeEntityData(start ?? to - ttl, to);
    }

    /// <summary>
    /// The entity columns of the rows: per column, its name (the join key after the projection's join-key map) and, per
    /// view that supplies rows, that view's join key for it. Views with join keys supply the rows and must share them;
    /// entity-less views are joined onto those rows (and supply the rows, as times only, when every view is entity-less).
    /// </summary>
    /// <param name="views">The retrieval's views.</param>
    /// <exception cref="FeastValidationException">The views' join keys differ.</exception>
    public static (IReadOnlyList<string> Columns, IReadOnlyList<FeatureViewRequest> Suppliers) EntityColumns(IReadOnlyList<FeatureViewRequest> views)
    {
        ArgumentNullException.ThrowIfNull(views);
        var keyed = views.Where(v => !v.View.IsEntityless).ToList();
        if (keyed.Count == 0)
            return ([], views);
        var columns = keyed[0].JoinColumns.Select(c => c.EntityColumn).ToList();
        foreach (var view in keyed.Skip(1))
        {
            var other = view.JoinColumns.Select(c => c.EntityColumn).ToList();
            if (!other.ToHashSet(StringComparer.Ordinal).SetEquals(columns))
                throw new FeastValidationException(
                    $"Retrieval without entity rows needs every feature view to join on the same entity columns, but '{keyed[0].NameToUse}' joins on {string.Join(", ", columns)} "
                    + $"and '{view.NameToUse}' on {string.Join(", ", other)}. Retrieve them in separate calls, or give entity rows.");
        }
        return (columns, keyed);
    }
}
