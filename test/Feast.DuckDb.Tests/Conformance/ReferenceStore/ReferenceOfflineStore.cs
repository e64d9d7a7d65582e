using System.Runtime.CompilerServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using Feast.Offline;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>
/// An <see cref="IOfflineStore"/> built on <see cref="ReferencePointInTimeJoin"/> and the test file readers. It exists only
/// to run the conformance suite against itself: that proves the suite's plumbing (files, registry round trip, result
/// reading, error checks) before a real backend meets it. It is slow, holds everything in memory, and supports only
/// historical retrieval over Parquet and CSV files.
/// </summary>
internal sealed class ReferenceOfflineStore(string repoPath) : IOfflineStore
{
    public RetrievalJob GetHistoricalFeatures(HistoricalRetrievalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new Job(this, request);
    }

    public IAsyncEnumerable<RecordBatch> PullLatestAsync(PullRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The reference store only does historical retrieval.");

    public IAsyncEnumerable<RecordBatch> PullAllAsync(PullRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The reference store only does historical retrieval.");

    public Task WriteBatchAsync(FeatureView view, RecordBatch batch, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The reference store only does historical retrieval.");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<TestTable> RunAsync(HistoricalRetrievalRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (request.Entities is TimeRangeEntityData range)
        {
            var sources = new List<ReferenceView>();
            foreach (var view in request.Views)
                sources.Add(new ReferenceView(view, await ReadSourceAsync(view.View, cancellationToken)));
            TimeRangeEntityData.EntityColumns(request.Views);
            return ReferencePointInTimeJoin.Join(ReferencePointInTimeJoin.RangeEntities(sources, range.Start, range.End), sources, request.FullFeatureNames);
        }
        var (entities, origin) = await ReadEntitiesAsync(request.Entities, cancellationToken);
        var stamp = entities.Columns.FirstOrDefault(c => c.Name == ReferencePointInTimeJoin.EventTimestamp);
        if (stamp is not null && stamp.Type != ColumnType.Timestamp)
            throw new FeastValidationException($"{origin}: column 'event_timestamp' holds values that are not timestamps (read as {stamp.Type}).");
        try
        {
            ReferencePointInTimeJoin.EntityTimestampColumn(entities);
        }
        catch (InvalidOperationException e)
        {
            throw new FeastValidationException($"{origin}: {e.Message} (columns: {string.Join(", ", entities.ColumnNames)}).");
        }

        var views = new List<ReferenceView>();
        foreach (var view in request.Views)
        {
            var missing = view.JoinColumns.FirstOrDefault(k => !entities.Has(k.EntityColumn));
            if (missing.EntityColumn is not null)
                throw new FeastValidationException($"{origin} has no column '{missing.EntityColumn}', the join key of feature view '{view.View.Name}'.");
            var source = await ReadSourceAsync(view.View, cancellationToken);
            var reference = new ReferenceView(view, source);
            var needed = view.JoinColumns.Select(k => k.JoinKey).Concat(view.Features.Select(f => f.Name)).Append(view.View.BatchSource.TimestampField);
            if (view.View.BatchSource.CreatedTimestampColumn.Length > 0) needed = needed.Append(view.View.BatchSource.CreatedTimestampColumn);
            foreach (var column in needed)
            {
                try
                {
                    ReferencePointInTimeJoin.SourceIndex(reference, column);
                }
                catch (InvalidOperationException)
                {
                    throw new FeastValidationException($"The source of feature view '{view.View.Name}' has no column '{column}' (columns: {string.Join(", ", source.ColumnNames)}).");
                }
            }
            views.Add(reference);
        }
        return ReferencePointInTimeJoin.Join(entities, views, request.FullFeatureNames);
    }

    private async Task<TestTable> ReadSourceAsync(FeatureView view, CancellationToken cancellationToken)
    {
        if (view.BatchSource is not FileSource file)
            throw new FeastValidationException($"Feature view '{view.Name}': the reference store reads only file sources.");
        var path = Path.IsPathRooted(file.Path) ? file.Path : Path.Combine(repoPath, file.Path);
        if (!File.Exists(path))
            throw new FeastException($"The source file '{path}' of feature view '{view.Name}' does not exist.");
        return file.FileFormat == FileFormat.Csv ? CsvFiles.Read(path) : await ParquetFiles.ReadAsync(path, cancellationToken);
    }

    private static async Task<(TestTable Table, string Origin)> ReadEntitiesAsync(EntityData data, CancellationToken cancellationToken)
    {
        switch (data)
        {
            case ArrowEntityData arrow:
                return (FromArrow(ArrowTables.FromBatches(arrow.Batches)), "The entity data");
            case FileEntityData file:
                if (!File.Exists(file.Path)) throw new FeastException($"The entity data file '{file.Path}' does not exist.");
                var table = file.Format == FileFormat.Csv ? CsvFiles.Read(file.Path) : await ParquetFiles.ReadAsync(file.Path, cancellationToken);
                return (table, $"Entity data file '{file.Path}'");
            default:
                throw new FeastValidationException($"The reference store cannot run {data.GetType().Name}.");
        }
    }

    private static TestTable FromArrow(ResultTable result)
    {
        var table = new TestTable(result.Columns.Select((name, i) => new TestColumn(name, result.Types[i] switch
        {
            Int32Type => ColumnType.Int32,
            Int64Type => ColumnType.Int64,
            FloatType => ColumnType.Float32,
            DoubleType => ColumnType.Float64,
            BooleanType => ColumnType.Bool,
            StringType => ColumnType.String,
            TimestampType => ColumnType.Timestamp,
            var other => throw new FeastValidationException($"Entity column '{name}' has Arrow type {other.Name}, which the reference store does not read."),
        })));
        foreach (var row in result.Rows) table.Add(row);
        return table;
    }

    private sealed class Job(ReferenceOfflineStore store, HistoricalRetrievalRequest request) : RetrievalJob
    {
        public override async IAsyncEnumerable<RecordBatch> ToArrowAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            yield return ArrowTables.ToRecordBatch(await store.RunAsync(request, cancellationToken));
        }

        public override string ToSql() => "-- the reference store joins in memory; there is no SQL";

        public override async Task ToParquetAsync(string path, CancellationToken cancellationToken = default)
        {
            var result = await store.RunAsync(request, cancellationToken);
            var temporary = path + ".tmp";
            await ParquetFiles.WriteAsync(result, temporary, cancellationToken);
            File.Move(temporary, path, overwrite: true);
        }

        public override async Task ToCsvAsync(string path, CancellationToken cancellationToken = default)
        {
            var result = await store.RunAsync(request, cancellationToken);
            var temporary = path + ".tmp";
            CsvFiles.Write(result, temporary);
            File.Move(temporary, path, overwrite: true);
        }
    }
}

/// <summary>The conformance suite run against <see cref="ReferenceOfflineStore"/>: a self-test of the suite.</summary>
public sealed class ReferenceOfflineStoreConformanceTests : OfflineStoreConformanceTests
{
    protected override IOfflineStore CreateStore(string repoPath) => new ReferenceOfflineStore(repoPath);

    // The nested-loop store checks the suite's plumbing, not its own speed: smaller loads keep it to a few seconds.
    private protected override int RandomSeeds => 10;

    private protected override int ManyEntityRows => 2_000;
}
