using Apache.Arrow;
using Feast.Transformations;
using Microsoft.Data.Analysis;

namespace Feast.Offline;

/// <summary>
/// A lazy historical retrieval. Nothing runs until a result is asked for; each call runs the query again.
/// Rows come back in the entity data's order, with all its columns first and then the requested features.
/// </summary>
public abstract class RetrievalJob
{
    /// <summary>Streams the result as Arrow record batches; memory stays bounded by the batch size.</summary>
    public abstract IAsyncEnumerable<RecordBatch> ToArrowAsync(CancellationToken cancellationToken = default);

    /// <summary>The SQL the offline store runs for this retrieval (for inspection and debugging).</summary>
    public abstract string ToSql();

    /// <summary>Writes the result to a Parquet file, replacing it atomically.</summary>
    /// <remarks>
    /// By default streams <see cref="ToArrowAsync"/> into the file one batch at a time (a sibling temp file, then renamed
    /// over the target). A store that can export natively (say with a SQL <c>COPY</c>) overrides it.
    /// </remarks>
    /// <exception cref="FeastException">The file cannot be written, or a column's type has no Parquet representation here.</exception>
    public virtual Task ToParquetAsync(string path, CancellationToken cancellationToken = default) =>
        ArrowFiles.WriteAsync(ToArrowAsync(cancellationToken), path, FileFormat.Parquet, cancellationToken);

    /// <summary>Writes the result to a CSV file with a header row, replacing it atomically.</summary>
    /// <remarks>By default streams <see cref="ToArrowAsync"/> into the file, as <see cref="ToParquetAsync"/> does.</remarks>
    /// <exception cref="FeastException">The file cannot be written, or a column's type has no CSV representation here.</exception>
    public virtual Task ToCsvAsync(string path, CancellationToken cancellationToken = default) =>
        ArrowFiles.WriteAsync(ToArrowAsync(cancellationToken), path, FileFormat.Csv, cancellationToken);

    /// <summary>The whole result in memory as an Arrow table.</summary>
    public async Task<Apache.Arrow.Table> ToTableAsync(CancellationToken cancellationToken = default)
    {
        var batches = new List<RecordBatch>();
        Schema? schema = null;
        await foreach (var batch in ToArrowAsync(cancellationToken).ConfigureAwait(false))
        {
            schema ??= batch.Schema;
            batches.Add(batch);
        }
        return Apache.Arrow.Table.TableFromRecordBatches(schema ?? new Schema([], null), batches);
    }

    /// <summary>The whole result in memory as a <see cref="DataFrame"/>.</summary>
    public async Task<DataFrame> ToDataFrameAsync(CancellationToken cancellationToken = default)
    {
        DataFrame? frame = null;
        await foreach (var batch in ToArrowAsync(cancellationToken).ConfigureAwait(false))
        {
            // FromArrowRecordBatch wraps the batch's buffers without copying. Those buffers may be native memory
            // released when the batch is disposed or finalized, so the frame takes its own copy while the batch is alive.
            DataFrame part;
            using (batch)
                part = DataFrame.FromArrowRecordBatch(batch).Clone();
            frame = frame is null ? part : frame.Append(part.Rows, inPlace: true);
        }
        return frame ?? new DataFrame();
    }
}
