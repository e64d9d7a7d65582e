using Feast.Offline;
using Xunit.Abstractions;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>Feast's point-in-time semantics, checked on the DuckDB offline store.</summary>
public sealed class DuckDbOfflineStoreConformanceTests(ITestOutputHelper output) : OfflineStoreConformanceTests
{
    private static readonly MatrixTimestamps[] Stored =
        [MatrixTimestamps.Naive, MatrixTimestamps.WithOffsets, MatrixTimestamps.Nanoseconds, MatrixTimestamps.Milliseconds, MatrixTimestamps.Seconds];

    protected override FeastBackends Backends() => new FeastBackends().UseDuckDb();

    protected override IOfflineStore CreateStore(string repoPath) => new DuckDbOfflineStore(repoPath);

    protected override Task<string?> EntityQueryForParquetFileAsync(string parquetPath) =>
        Task.FromResult<string?>($"SELECT * FROM read_parquet('{Quote(parquetPath)}')");

    private protected override void Log(string message) => output.WriteLine(message);

    /// <summary>Parquet (file, folder, glob) and DuckDB (table, query) with every timestamp type; CSV with naive and offset ISO text.</summary>
    private protected override IReadOnlyList<(MatrixSource Source, MatrixTimestamps Timestamps)> MatrixCells =>
    [
        .. new[] { MatrixSource.ParquetFile, MatrixSource.ParquetFolder, MatrixSource.ParquetGlob, MatrixSource.DuckDbTable, MatrixSource.DuckDbQuery }
            .SelectMany(s => Stored.Select(t => (s, t))),
        (MatrixSource.Csv, MatrixTimestamps.Naive),
        (MatrixSource.Csv, MatrixTimestamps.WithOffsets),
    ];

    private protected override async Task<DataSource> WriteMatrixSourceAsync(string repo, MatrixCase matrixCase, TestTable rows, string name)
    {
        var (c, data) = (matrixCase, Path.Combine(repo, "data"));
        if (c.Source == MatrixSource.Csv)
        {
            CsvFiles.Write(rows, Path.Combine(data, name + ".csv"), c.Timestamps == MatrixTimestamps.Naive ? CsvFiles.NaiveUtc : CsvFiles.RotatingOffsets);
            return new FileSource($"data/{name}.csv", c.TimestampField, name, c.CreatedColumn, c.FieldMapping, FileFormat.Csv);
        }

        var raw = Path.Combine(data, name + ".raw.parquet");
        await ParquetFiles.WriteAsync(rows, raw);
        var select = "SELECT " + string.Join(", ", rows.Columns.Select(col => col.Type == ColumnType.Timestamp
            ? $"{Cast($"\"{col.Name}\"", c.Timestamps)} AS \"{col.Name}\"" : $"\"{col.Name}\""));
        var scan = $"read_parquet('{Quote(raw)}', file_row_number = true)";
        string Copy(string where, string path) => $"COPY ({select} FROM {scan} WHERE {where}) TO '{Quote(path)}' (FORMAT parquet);";
        switch (c.Source)
        {
            case MatrixSource.ParquetFile:
                Duck.Execute(Copy("true", Path.Combine(data, name + ".parquet")));
                return new FileSource($"data/{name}.parquet", c.TimestampField, name, c.CreatedColumn, c.FieldMapping);
            case MatrixSource.ParquetFolder or MatrixSource.ParquetGlob:
                var folder = Path.Combine(data, name + "_parts", "nested");
                Directory.CreateDirectory(folder);
                Duck.Execute(Copy("file_row_number % 2 = 0", Path.Combine(folder, "part-0.parquet")) + Copy("file_row_number % 2 = 1", Path.Combine(folder, "part-1.parquet")));
                var path = c.Source == MatrixSource.ParquetFolder ? $"data/{name}_parts" : $"data/{name}_parts/nested/part-*.parquet";
                return new FileSource(path, c.TimestampField, name, c.CreatedColumn, c.FieldMapping);
            default:
                var database = Path.Combine(data, "warehouse.duckdb");
                Duck.Execute($"ATTACH '{Quote(database)}' AS w; CREATE TABLE w.\"{name}\" AS {select} FROM {scan}; DETACH w;");
                return c.Source == MatrixSource.DuckDbTable
                    ? new DuckDbSource(name, table: name, database: "data/warehouse.duckdb", timestampField: c.TimestampField, createdTimestampColumn: c.CreatedColumn, fieldMapping: c.FieldMapping)
                    : new DuckDbSource(name, query: $"SELECT * FROM \"{name}\" WHERE true -- a query source", database: "data/warehouse.duckdb",
                        timestampField: c.TimestampField, createdTimestampColumn: c.CreatedColumn, fieldMapping: c.FieldMapping);
        }
    }

    private static string Cast(string column, MatrixTimestamps timestamps) => timestamps switch
    {
        MatrixTimestamps.Naive => $"CAST({column} AS TIMESTAMP)",
        MatrixTimestamps.Nanoseconds => $"CAST(CAST({column} AS TIMESTAMP) AS TIMESTAMP_NS)",
        MatrixTimestamps.Milliseconds => $"CAST(CAST({column} AS TIMESTAMP) AS TIMESTAMP_MS)",
        MatrixTimestamps.Seconds => $"CAST(CAST({column} AS TIMESTAMP) AS TIMESTAMP_S)",
        _ => column,
    };

    private static string Quote(string text) => text.Replace("'", "''", StringComparison.Ordinal);
}
