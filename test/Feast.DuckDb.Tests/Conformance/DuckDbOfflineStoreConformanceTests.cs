using Feast.Offline;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>Feast's point-in-time semantics, checked on the DuckDB offline store.</summary>
public sealed class DuckDbOfflineStoreConformanceTests : OfflineStoreConformanceTests
{
    protected override IOfflineStore CreateStore(string repoPath) => new DuckDbOfflineStore(repoPath);

    protected override Task<string?> EntityQueryForParquetFileAsync(string parquetPath) =>
        Task.FromResult<string?>($"SELECT * FROM read_parquet('{parquetPath.Replace("'", "''", StringComparison.Ordinal)}')");
}
