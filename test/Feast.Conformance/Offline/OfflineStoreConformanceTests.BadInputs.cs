using Apache.Arrow;
using Feast.Offline;

namespace Feast.DuckDb.Tests.Conformance;

// Bad inputs fail with a Feast error (FeastException or a subclass) whose message names what is wrong, whether the store
// finds it when the job is built or when it runs; an empty entity set is not an error.
public abstract partial class OfflineStoreConformanceTests
{
    /// <summary>A repo holding <see cref="SmallDataset"/>'s source file, and the store under test over it.</summary>
    private async Task<StoreRepo> SmallAsync()
    {
        var repo = NewRepo();
        await SmallDataset.WriteAsync(repo);
        return new StoreRepo(repo, CreateStore(repo));
    }

    [Fact]
    public async Task GetHistoricalFeatures_EntityDataMissingJoinKey_ThrowsNamingTheColumn()
    {
        await using var small = await SmallAsync();
        var store = small.Store;
        var entities = SmallDataset.EntityRows().Without("driver_id");

        var error = await ThrowsFeastErrorAsync(store, Request(ArrowTables.ToRows(entities), SmallDataset.View));

        TableAssert.Mentions(error.Message, "driver_id");
    }

    [Fact]
    public async Task GetHistoricalFeatures_EntityDataWithoutTimestamp_ThrowsNamingEventTimestamp()
    {
        await using var small = await SmallAsync();
        var store = small.Store;
        var entities = SmallDataset.EntityRows().Without("event_timestamp");

        var error = await ThrowsFeastErrorAsync(store, Request(ArrowTables.ToRows(entities), SmallDataset.View));

        TableAssert.Mentions(error.Message, "event_timestamp");
    }

    [Fact]
    public async Task GetHistoricalFeatures_TwoTimestampColumnsNoneNamedEventTimestamp_ThrowsNamingThem()
    {
        await using var small = await SmallAsync();
        var store = small.Store;
        var entities = new TestTable(new TestColumn("driver_id", ColumnType.Int64), new TestColumn("pickup", ColumnType.Timestamp),
                new TestColumn("dropoff", ColumnType.Timestamp))
            .Add(1001L, SmallDataset.T0, SmallDataset.T0.AddHours(1));

        var error = await ThrowsFeastErrorAsync(store, Request(ArrowTables.ToRows(entities), SmallDataset.View));

        TableAssert.Mentions(error.Message, "pickup", "dropoff", "event_timestamp");
    }

    [Fact]
    public async Task GetHistoricalFeatures_CsvEntityFileWithUnparseableTimestamp_ThrowsNamingColumnOrFile()
    {
        await using var small = await SmallAsync();
        var (repo, store) = (small.Path, small.Store);
        var path = Path.Combine(repo, "bad_entities.csv");
        await File.WriteAllTextAsync(path, "driver_id,event_timestamp\n1001,2026-01-15 10:00:00\n1002,not a timestamp\n");

        var error = await ThrowsFeastErrorAsync(store, Request(EntityData.FromFile(path), SmallDataset.View));

        TableAssert.Mentions(error.Message, "event_timestamp", "bad_entities.csv");
    }

    [Fact]
    public async Task GetHistoricalFeatures_EntityFileMissing_ThrowsNamingTheFile()
    {
        await using var small = await SmallAsync();
        var (repo, store) = (small.Path, small.Store);

        var error = await ThrowsFeastErrorAsync(store, Request(EntityData.FromFile(Path.Combine(repo, "no_such_entities.parquet")), SmallDataset.View));

        TableAssert.Mentions(error.Message, "no_such_entities.parquet");
    }

    [Fact]
    public async Task GetHistoricalFeatures_SourceFileMissing_ThrowsNamingTheFile()
    {
        await using var small = await SmallAsync();
        var store = small.Store;
        var view = SmallDataset.View with { BatchSource = SmallDataset.Source with { Path = "data/no_such_source.parquet" } };

        var error = await ThrowsFeastErrorAsync(store, Request(ArrowTables.ToRows(SmallDataset.EntityRows()), view));

        TableAssert.Mentions(error.Message, "no_such_source.parquet");
    }

    [Fact]
    public async Task GetHistoricalFeatures_SourceMissingDeclaredFeature_ThrowsNamingTheColumn()
    {
        await using var small = await SmallAsync();
        var store = small.Store;
        var view = new FeatureView("driver_all", SmallDataset.Source, [UniversalDataset.Driver], TimeSpan.FromHours(2),
            [new Field("conv_rate", FeastType.Float32), new Field("no_such_column", FeastType.Float32)]);

        var error = await ThrowsFeastErrorAsync(store, Request(ArrowTables.ToRows(SmallDataset.EntityRows()), view));

        TableAssert.Mentions(error.Message, "no_such_column");
    }

    [Fact]
    public async Task GetHistoricalFeatures_SourceMissingTimestampField_ThrowsNamingTheColumn()
    {
        await using var small = await SmallAsync();
        var store = small.Store;
        var view = SmallDataset.View with { BatchSource = SmallDataset.Source with { TimestampField = "no_such_ts" } };

        var error = await ThrowsFeastErrorAsync(store, Request(ArrowTables.ToRows(SmallDataset.EntityRows()), view));

        TableAssert.Mentions(error.Message, "no_such_ts");
    }

    [Fact]
    public async Task GetHistoricalFeatures_SourceMissingJoinKey_ThrowsNamingTheColumn()
    {
        await using var small = await SmallAsync();
        var store = small.Store;
        // A view keyed by rider_id over a file that has only driver_id; the entity rows do have rider_id.
        var rider = new Entity("rider", ["rider_id"], ValueType.Int64);
        var view = new FeatureView("rider_stats", SmallDataset.Source, [rider], TimeSpan.FromHours(2), [new Field("conv_rate", FeastType.Float32)]);
        var entities = SmallDataset.EntityRows().Rename("driver_id", "rider_id");

        var error = await ThrowsFeastErrorAsync(store, Request(ArrowTables.ToRows(entities), view));

        TableAssert.Mentions(error.Message, "rider_id");
    }

    [Fact]
    public async Task GetHistoricalFeatures_EmptyEntityData_ReturnsNoRowsWithAllColumns()
    {
        await using var small = await SmallAsync();
        var store = small.Store;
        var empty = SmallDataset.EntityRows().Where(_ => false);

        var result = await RunAsync(store, Request(EntityData.FromArrow(ArrowTables.ToRecordBatch(empty)), SmallDataset.View, fullFeatureNames: true));

        Assert.Equal(0, result.Count);
        Assert.Equal([.. empty.ColumnNames, .. SmallDataset.View.Features.Select(f => "driver_all__" + f.Name)], result.Columns);
    }
}
