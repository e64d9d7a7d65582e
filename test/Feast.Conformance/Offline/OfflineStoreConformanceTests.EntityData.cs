using Feast.Offline;

namespace Feast.DuckDb.Tests.Conformance;

// Every way of handing entity rows to the store gives the same join (FEAST-FORMATS.md §7.1–7.2): in-memory rows, Arrow,
// Parquet and CSV files, SQL; naive timestamps are UTC, offsets are honoured, the timestamp column may be inferred.
public abstract partial class OfflineStoreConformanceTests
{
    /// <summary>A repo holding the universal dataset's files (no registry; requests go straight to the store).</summary>
    private async Task<(string Repo, UniversalDataset Data)> UniversalFilesAsync()
    {
        var repo = NewRepo();
        var data = new UniversalDataset();
        await data.WriteAsync(repo);
        return (repo, data);
    }

    /// <summary>The universal feature refs plus both location projections, with full names.</summary>
    private static IReadOnlyList<ReferenceView> UniversalViews(UniversalDataset data) =>
    [
        .. data.Reference(UniversalDataset.MainFeatureRefs),
        data.Reference(data.LocationStats, data.Origin.Projection, ["temperature"]),
        data.Reference(data.LocationStats, data.Destination.Projection, ["temperature"]),
    ];

    private async Task AssertUniversalAsync(EntityData entities, TestTable expectedEntities, string context)
    {
        var (repo, data) = await UniversalFilesAsync();
        var views = UniversalViews(data);
        await using var store = CreateStore(repo);
        if (entities is FileEntityData file && !ReadsEntityFiles)
        {
            var refused = await ThrowsFeastErrorAsync(store, new HistoricalRetrievalRequest(entities, [.. views.Select(v => v.Request)], FullFeatureNames: true));
            TableAssert.Mentions(refused.Message, Path.GetFileName(file.Path));
            return;
        }

        var actual = await RunAsync(store, new HistoricalRetrievalRequest(entities, [.. views.Select(v => v.Request)], FullFeatureNames: true));

        TableAssert.Equal(ReferencePointInTimeJoin.Join(expectedEntities, views, fullFeatureNames: true), actual, context);
    }

    [Fact]
    public Task GetHistoricalFeatures_EntitiesFromArrow_MatchesReference()
    {
        var entities = new UniversalDataset().EntityRows;
        return AssertUniversalAsync(EntityData.FromArrow(ArrowTables.ToRecordBatch(entities)), entities, "EntityData.FromArrow");
    }

    [Fact]
    public async Task GetHistoricalFeatures_EntitiesFromParquetFile_MatchesReference()
    {
        var entities = new UniversalDataset().EntityRows;
        var path = Path.Combine(NewRepo(), "entities.parquet");
        await ParquetFiles.WriteAsync(entities, path);

        await AssertUniversalAsync(EntityData.FromFile(path), entities, "EntityData.FromFile(.parquet)");
    }

    [Fact]
    public async Task GetHistoricalFeatures_EntitiesFromNaiveParquetFile_ReadsTimestampsAsUtc()
    {
        var entities = new UniversalDataset().EntityRows;
        var naive = new TestTable(entities.Columns.Select(c => c.Type == ColumnType.Timestamp ? c with { Naive = true } : c));
        foreach (var row in entities.Rows) naive.Add(row);
        var path = Path.Combine(NewRepo(), "entities.parquet");
        await ParquetFiles.WriteAsync(naive, path);

        await AssertUniversalAsync(EntityData.FromFile(path), entities, "EntityData.FromFile(.parquet) with naive (non-UTC-adjusted) timestamps");
    }

    [Fact]
    public async Task GetHistoricalFeatures_EntitiesFromCsvFile_MatchesReference()
    {
        var entities = new UniversalDataset().EntityRows;
        var path = Path.Combine(NewRepo(), "entities.csv");
        CsvFiles.Write(entities, path);

        await AssertUniversalAsync(EntityData.FromFile(path), entities, "EntityData.FromFile(.csv), naive UTC timestamps");
    }

    [Fact]
    public async Task GetHistoricalFeatures_EntitiesFromCsvWithMixedOffsets_NormalisesToUtc()
    {
        var entities = new UniversalDataset().EntityRows;
        var path = Path.Combine(NewRepo(), "entities.csv");
        CsvFiles.Write(entities, path, CsvFiles.RotatingOffsets);

        await AssertUniversalAsync(EntityData.FromFile(path), entities, "EntityData.FromFile(.csv), timestamps rotating naive/Z/+01:00/-08:00");
    }

    [Fact]
    public async Task GetHistoricalFeatures_EntitiesFromSql_MatchesReference()
    {
        var entities = new UniversalDataset().EntityRows;
        var path = Path.Combine(NewRepo(), "entities.parquet");
        await ParquetFiles.WriteAsync(entities, path);
        var query = await EntityQueryForParquetFileAsync(path);
        if (query is null) return; // The backend takes no SQL entity data.

        await AssertUniversalAsync(EntityData.FromSql(query), entities, $"EntityData.FromSql({query})");
    }

    [Fact]
    public async Task GetHistoricalFeatures_TimestampColumnNotNamedEventTimestamp_UsesTheOnlyTimestampColumn()
    {
        var entities = new UniversalDataset().EntityRows.Rename("event_timestamp", "order_time");

        await AssertUniversalAsync(ArrowTables.ToRows(entities), entities, "entity timestamp column 'order_time'");
    }
}
