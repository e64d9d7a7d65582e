using Apache.Arrow;
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
    public abstract Task ToParquetAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Writes the result to a CSV file with a header row, replacing it atomically.</summary>
    public abstract Task ToCsvAsync(string path, CancellationToken cancellationToken = default);

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
            var part = DataFrame.FromArrowRecordBatch(batch);
            frame = frame is null ? part : frame.Append(part.Rows, inPlace: true);
        }
        return frame ?? new DataFrame();
    }
}
