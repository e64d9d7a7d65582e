using System.Security.Cryptography;
using System.Text;
using Apache.Arrow;
using Feast.DuckDb.Tests.Conformance;
using Feast.Offline;
using Feast.Postgres.Offline;
using Npgsql;

namespace Feast.Postgres.Tests.Offline;

/// <summary>
/// Feast's point-in-time semantics, checked on the PostgreSQL offline store with the suite the DuckDB store passes. The
/// suite writes its fixtures as Parquet files behind <see cref="FileSource"/>s; <see cref="ParquetTablesStore"/> loads
/// each file into a table of a throwaway schema and hands the store <see cref="PostgreSQLSource"/>s over those tables,
/// so every join runs in PostgreSQL.
/// </summary>
public sealed class PostgresOfflineStoreConformanceTests(Xunit.Abstractions.ITestOutputHelper output) : OfflineStoreConformanceTests
{
    private readonly List<PostgresTestSchema> _schemas = [];

    private protected override void Log(string message) => output.WriteLine(message);

    /// <summary>Tables with timestamptz, naive, millisecond and second timestamps; queries with those and ISO text cast by the query.</summary>
    private protected override IReadOnlyList<(MatrixSource Source, MatrixTimestamps Timestamps)> MatrixCells =>
    [
        .. new[] { MatrixTimestamps.Naive, MatrixTimestamps.WithOffsets, MatrixTimestamps.Milliseconds, MatrixTimestamps.Seconds }
            .SelectMany(t => new[] { (MatrixSource.PostgresTable, t), (MatrixSource.PostgresQuery, t) }),
        (MatrixSource.PostgresQuery, MatrixTimestamps.IsoText),
    ];

    private protected override async Task<DataSource> WriteMatrixSourceAsync(string repo, MatrixCase matrixCase, TestTable rows, string name)
    {
        var schema = await PostgresTestSchema.CreateAsync("matrix");
        lock (_schemas) _schemas.Add(schema);
        var raw = Path.Combine(repo, "data", name + ".raw.parquet");
        await ParquetFiles.WriteAsync(rows, raw);
        var table = $"{schema.Quoted}.{PostgresConnections.Quote(name)}";
        await ParquetTablesStore.LoadAsync(raw, table);
        var timestamps = rows.Columns.Where(c => c.Type == ColumnType.Timestamp).Select(c => PostgresConnections.Quote(c.Name)).ToList();
        foreach (var column in timestamps)
        {
            var alter = matrixCase.Timestamps switch
            {
                MatrixTimestamps.Naive => $"timestamp USING {column} AT TIME ZONE 'UTC'",
                MatrixTimestamps.Milliseconds => $"timestamp(3) USING {column} AT TIME ZONE 'UTC'",
                MatrixTimestamps.Seconds => "timestamptz(0)",
                // ISO 8601 text at +05:30, read by a query that casts it back.
                MatrixTimestamps.IsoText => $"text USING to_char({column} AT TIME ZONE 'UTC' + interval '5 hours 30 minutes', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+05:30'",
                _ => null,
            };
            if (alter is not null) await PostgresTestSchema.ExecuteAsync($"ALTER TABLE {table} ALTER COLUMN {column} TYPE {alter}");
        }
        var (c, select) = (matrixCase, string.Join(", ", rows.Columns.Select(col => PostgresConnections.Quote(col.Name) is var q && col.Type == ColumnType.Timestamp && matrixCase.Timestamps == MatrixTimestamps.IsoText ? $"{q}::timestamptz AS {q}" : q)));
        return c.Source == MatrixSource.PostgresTable
            ? new PostgreSQLSource(name, table: table, timestampField: c.TimestampField, createdTimestampColumn: c.CreatedColumn, fieldMapping: c.FieldMapping)
            : new PostgreSQLSource(name, query: $"SELECT {select} FROM {table} -- a query source", timestampField: c.TimestampField, createdTimestampColumn: c.CreatedColumn, fieldMapping: c.FieldMapping);
    }

    protected override FeastBackends Backends() => new FeastBackends().UsePostgres();

    protected override IOfflineStore CreateStore(string repoPath)
    {
        var schema = PostgresTestSchema.CreateAsync("conformance").GetAwaiter().GetResult();
        lock (_schemas) _schemas.Add(schema);
        return new ParquetTablesStore(repoPath, schema);
    }

    /// <summary>The PostgreSQL store takes no entity files (it says so, naming the file).</summary>
    protected override bool ReadsEntityFiles => false;

    /// <summary>Loads the entity file into a table and selects from it: SQL entity data on the store's own server.</summary>
    protected override async Task<string?> EntityQueryForParquetFileAsync(string parquetPath)
    {
        var schema = await PostgresTestSchema.CreateAsync("entities");
        lock (_schemas) _schemas.Add(schema);
        var table = $"{schema.Quoted}.\"entities\"";
        await ParquetTablesStore.LoadAsync(parquetPath, table);
        return $"SELECT * FROM {table}";
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var schema in _schemas) schema.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// The PostgreSQL offline store behind a translation of file sources: before every read, each Parquet file a request's
/// sources name is (re)loaded, when it changed, into a table named after the file, and the request goes to the
/// store with a <see cref="PostgreSQLSource"/> over that table. A missing file leaves the table missing.
/// </summary>
internal sealed class ParquetTablesStore(string repoPath, PostgresTestSchema schema) : IOfflineStore
{
    private readonly PostgresOfflineStore _store = new(schema.Options());
    private readonly Dictionary<string, (DateTime Written, long Length)> _loaded = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public PostgresOfflineStore Inner => _store;

    public RetrievalJob GetHistoricalFeatures(HistoricalRetrievalRequest request) => new Job(this, request);

    public async IAsyncEnumerable<RecordBatch> PullLatestAsync(PullRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var source = await TranslateAsync(request.Source);
        await foreach (var batch in _store.PullLatestAsync(request with { Source = source }, cancellationToken)) yield return batch;
    }

    public async IAsyncEnumerable<RecordBatch> PullAllAsync(PullRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var source = await TranslateAsync(request.Source);
        await foreach (var batch in _store.PullAllAsync(request with { Source = source }, cancellationToken)) yield return batch;
    }

    public async Task<long?> CountLatestAsync(PullRequest request, CancellationToken cancellationToken = default) =>
        await _store.CountLatestAsync(request with { Source = await TranslateAsync(request.Source) }, cancellationToken);

    public async Task WriteBatchAsync(FeatureView view, RecordBatch batch, CancellationToken cancellationToken = default) =>
        await _store.WriteBatchAsync(view with { BatchSource = await TranslateAsync(view.BatchSource) }, batch, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _gate.Dispose();
        return _store.DisposeAsync();
    }

    /// <summary>Creates <paramref name="table"/> from the Parquet file and fills it by the store's binary COPY.</summary>
    public static async Task LoadAsync(string path, string table)
    {
        var rows = await ParquetFiles.ReadAsync(path);
        var batch = ArrowTables.ToRecordBatch(rows);
        await using var connection = new NpgsqlConnection(TestServers.ConnectionString);
        await connection.OpenAsync();
        await using (var drop = new NpgsqlCommand($"DROP TABLE IF EXISTS {table}", connection))
            await drop.ExecuteNonQueryAsync();
        await PgArrow.CreateAndCopyAsync(connection, table, temporary: false, batch.Schema, [batch], $"'{path}'", null, CancellationToken.None);
        await using var analyze = new NpgsqlCommand($"ANALYZE {table}", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    private async Task<HistoricalRetrievalRequest> TranslateAsync(HistoricalRetrievalRequest request)
    {
        var views = new List<FeatureViewRequest>(request.Views.Count);
        foreach (var view in request.Views)
            views.Add(view with { View = view.View with { BatchSource = await TranslateAsync(view.View.BatchSource) } });
        return request with { Views = views };
    }

    private async Task<DataSource> TranslateAsync(DataSource source)
    {
        switch (source)
        {
            case PushSource push:
                return push with { BatchSource = await TranslateAsync(push.BatchSource) };
            case not FileSource:
                return source;
        }
        var file = (FileSource)source;
        var path = Path.IsPathRooted(file.Path) ? file.Path : Path.GetFullPath(Path.Combine(repoPath, file.Path));
        var name = Path.GetFileName(path) + "#" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(path)))[..8];
        if (Encoding.UTF8.GetByteCount(name) > 63) name = name[^63..];
        var table = $"{schema.Quoted}.{PostgresConnections.Quote(name)}";
        await _gate.WaitAsync();
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                _loaded.Remove(path);
                await PostgresTestSchema.ExecuteAsync($"DROP TABLE IF EXISTS {table}");
            }
            else if (!_loaded.TryGetValue(path, out var seen) || seen != (info.LastWriteTimeUtc, info.Length))
            {
                await LoadAsync(path, table);
                _loaded[path] = (info.LastWriteTimeUtc, info.Length);
            }
        }
        finally
        {
            _gate.Release();
        }
        return new PostgreSQLSource(file.Name, table: table, timestampField: file.TimestampField, createdTimestampColumn: file.CreatedTimestampColumn,
            fieldMapping: file.FieldMapping, description: file.Description, tags: file.Tags, owner: file.Owner);
    }

    private sealed class Job(ParquetTablesStore owner, HistoricalRetrievalRequest request) : RetrievalJob
    {
        private async Task<RetrievalJob> InnerAsync() => owner._store.GetHistoricalFeatures(await owner.TranslateAsync(request));

        public override async IAsyncEnumerable<RecordBatch> ToArrowAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var job = await InnerAsync();
            await foreach (var batch in job.ToArrowAsync(cancellationToken)) yield return batch;
        }

        public override string ToSql() => InnerAsync().GetAwaiter().GetResult().ToSql();

        public override async Task ToParquetAsync(string path, CancellationToken cancellationToken = default) =>
            await (await InnerAsync()).ToParquetAsync(path, cancellationToken);

        public override async Task ToCsvAsync(string path, CancellationToken cancellationToken = default) =>
            await (await InnerAsync()).ToCsvAsync(path, cancellationToken);
    }
}
