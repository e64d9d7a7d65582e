using Apache.Arrow.Types;
using Feast.Offline;

namespace Feast.DuckDb.Tests.Conformance;

// The shape of a result (FEAST-FORMATS.md §7.4 plus the RetrievalJob contract): input order, every entity column first,
// feature types kept, the result written to files, and a lazy job that runs again on every read.
public abstract partial class OfflineStoreConformanceTests
{
    [Fact]
    public async Task GetHistoricalFeatures_HandComputedEdges_MatchFeastSemantics()
    {
        await using var small = await SmallAsync();
        var store = small.Store;
        var entities = SmallDataset.EntityRows();

        var result = await RunAsync(store, Request(ArrowTables.ToRows(entities), SmallDataset.View));

        // Inclusive bounds at T - ttl and T, a microsecond outside each excluded; the latest row wins even when its
        // features are null; unknown keys give nulls; duplicate entity rows stay; input order is kept.
        Assert.Equal(entities.Count, result.Count);
        Assert.Equal(SmallDataset.ExpectedConvRate.Select(v => (object?)v), result.Rows.Select(r => r[result.IndexOf("conv_rate")]), new SameValue());
        Assert.Equal(SmallDataset.ExpectedLabel, result.Rows.Select(r => (string?)r[result.IndexOf("label")]));
        Assert.Equal(entities.Rows.Select(r => r[0]), result.Rows.Select(r => r[result.IndexOf("trip_id")]));
        TableAssert.Equal(ReferencePointInTimeJoin.Join(entities, [SmallDataset.Reference()], fullFeatureNames: false), result);
    }

    [Fact]
    public async Task GetHistoricalFeatures_ExtraEntityColumns_KeptInInputOrderBeforeFeatures()
    {
        await using var small = await SmallAsync();
        var store = small.Store;
        var entities = SmallDataset.EntityRows();

        var result = await RunAsync(store, Request(ArrowTables.ToRows(entities), SmallDataset.View, false, "label", "conv_rate"));

        Assert.Equal(["trip_id", "event_timestamp", "fare", "driver_id", "vip", "label", "conv_rate"], result.Columns);
        for (var r = 0; r < entities.Count; r++)
        {
            for (var c = 0; c < entities.Columns.Count; c++)
                Assert.True(Values.Same(entities.Rows[r][c], result.Rows[r][c]), Invariant($"Row {r}, entity column '{entities.Columns[c].Name}' changed: {Values.Format(entities.Rows[r][c])} became {Values.Format(result.Rows[r][c])}."));
        }
    }

    [Fact]
    public async Task GetHistoricalFeatures_AllFeatureTypes_KeepTheirArrowTypes()
    {
        await using var small = await SmallAsync();
        var store = small.Store;

        var result = await RunAsync(store, Request(EntityData.FromArrow(ArrowTables.ToRecordBatch(SmallDataset.EntityRows())), SmallDataset.View, fullFeatureNames: true));

        Assert.IsType<FloatType>(result.TypeOf("driver_all__conv_rate"));
        Assert.IsType<DoubleType>(result.TypeOf("driver_all__acc_rate"));
        Assert.IsType<Int32Type>(result.TypeOf("driver_all__trips32"));
        Assert.IsType<Int64Type>(result.TypeOf("driver_all__trips"));
        Assert.IsType<BooleanType>(result.TypeOf("driver_all__active"));
        Assert.True(result.TypeOf("driver_all__label") is StringType or LargeStringType or StringViewType, $"label is {result.TypeOf("driver_all__label").Name}, not a string type.");
        Assert.IsType<TimestampType>(result.TypeOf("event_timestamp"));
        Assert.IsType<Int64Type>(result.TypeOf("driver_id"));
        Assert.IsType<DoubleType>(result.TypeOf("fare"));
        Assert.IsType<BooleanType>(result.TypeOf("vip"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_StringAndCompositeKeys_MatchOnEveryKey()
    {
        var repo = NewRepo();
        var t0 = SmallDataset.T0;
        var region = new Entity("region", ["region_code"], ValueType.String);
        var source = new TestTable(new TestColumn("region_code", ColumnType.String), new TestColumn("driver_id", ColumnType.Int64),
                new TestColumn("surge", ColumnType.Float64), new TestColumn("event_timestamp", ColumnType.Timestamp))
            .Add("ams", 1001L, 1.0, t0)
            .Add("ams", 1002L, 2.0, t0)
            .Add("ber", 1001L, 3.0, t0)
            .Add("AMS", 1001L, 4.0, t0);
        await ParquetFiles.WriteAsync(source, Path.Combine(repo, "data", "surge.parquet"));
        var view = new FeatureView("surge", new FileSource("data/surge.parquet", "event_timestamp", name: "surge_source"),
            [region, UniversalDataset.Driver], TimeSpan.Zero, [new Field("surge", FeastType.Float64)]);
        var entities = new TestTable(new TestColumn("driver_id", ColumnType.Int64), new TestColumn("region_code", ColumnType.String),
                new TestColumn("event_timestamp", ColumnType.Timestamp))
            .Add(1001L, "ams", t0).Add(1002L, "ams", t0).Add(1001L, "ber", t0).Add(1002L, "ber", t0).Add(1001L, "AMS", t0).Add(1001L, "ams ", t0);
        await using var store = CreateStore(repo);

        var result = await RunAsync(store, Request(ArrowTables.ToRows(entities), view));

        // Keys compare exactly: case and trailing spaces matter.
        Assert.Equal([1.0, 2.0, 3.0, null, 4.0, null], result.Rows.Select(r => (double?)r[3]));
    }

    /// <summary>The entity rows of <see cref="GetHistoricalFeatures_ManyEntityRows_KeepInputOrderAcrossBatches"/>.</summary>
    private protected virtual int ManyEntityRows => 30_000;

    [Fact]
    public async Task GetHistoricalFeatures_ManyEntityRows_KeepInputOrderAcrossBatches()
    {
        // Enough rows for several batches and parallel scans, where an engine that does not restore the input order
        // gives the rows back in another one. Each driver's value is its id times ten, so the answer needs no reference.
        var rows = ManyEntityRows;
        var repo = NewRepo();
        var t0 = SmallDataset.T0;
        var source = new TestTable(new TestColumn("driver_id", ColumnType.Int64), new TestColumn("value", ColumnType.Int64),
            new TestColumn("event_timestamp", ColumnType.Timestamp));
        for (var d = 1L; d <= 1000; d++) source.Add(d, d * 10, t0);
        await ParquetFiles.WriteAsync(source, Path.Combine(repo, "data", "many.parquet"));
        var view = new FeatureView("many", new FileSource("data/many.parquet", "event_timestamp", name: "many_source"),
            [UniversalDataset.Driver], TimeSpan.Zero, [new Field("value", FeastType.Int64)]);
        var random = new Random(30_000);
        var entities = new TestTable(new TestColumn("row_no", ColumnType.Int64), new TestColumn("driver_id", ColumnType.Int64),
            new TestColumn("event_timestamp", ColumnType.Timestamp));
        for (var r = 0L; r < rows; r++) entities.Add(r, (long)random.Next(1, 1101), t0.AddMinutes(random.Next(-60, 6000)));
        await using var store = CreateStore(repo);

        var result = await RunAsync(store, Request(EntityData.FromArrow(ArrowTables.ToRecordBatch(entities)), view));

        Assert.Equal(rows, result.Count);
        for (var r = 0; r < rows; r++)
        {
            Assert.True(Values.Same((long)r, result.Rows[r][0]), Invariant($"Row {r} holds entity row {Values.Format(result.Rows[r][0])}: the input order was lost."));
            var driver = (long)entities.Rows[r][1]!;
            var expected = driver <= 1000 && Values.Instant(entities.Rows[r][2]!) >= t0 ? (object?)(driver * 10) : null;
            Assert.True(Values.Same(expected, result.Rows[r][3]), Invariant($"Row {r} ({entities.Describe(r)}): expected {Values.Format(expected)}, got {Values.Format(result.Rows[r][3])}."));
        }
    }

    [Fact]
    public async Task ToParquetAsync_Result_WritesFileWithSameColumnsAndRows()
    {
        await using var small = await SmallAsync();
        var (repo, store) = (small.Path, small.Store);
        var job = store.GetHistoricalFeatures(Request(ArrowTables.ToRows(SmallDataset.EntityRows()), SmallDataset.View));
        var path = Path.Combine(repo, "out", "training.parquet");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "an old file the job must replace");

        await job.ToParquetAsync(path);

        var (columns, rows) = await ParquetFiles.ReadShapeAsync(path);
        var expected = await ArrowTables.ReadAsync(job);
        Assert.Equal(expected.Columns, columns);
        Assert.Equal(expected.Count, rows);
    }

    [Fact]
    public async Task ToCsvAsync_Result_WritesHeaderAndSameRows()
    {
        await using var small = await SmallAsync();
        var (repo, store) = (small.Path, small.Store);
        var job = store.GetHistoricalFeatures(Request(ArrowTables.ToRows(SmallDataset.EntityRows()), SmallDataset.View));
        var path = Path.Combine(repo, "training.csv");

        await job.ToCsvAsync(path);

        var (columns, rows) = CsvFiles.ReadShape(path);
        Assert.Equal(["trip_id", "event_timestamp", "fare", "driver_id", "vip", .. SmallDataset.View.Features.Select(f => f.Name)], columns);
        Assert.Equal(SmallDataset.EntityRows().Count, rows);
    }

    [Fact]
    public async Task ToDataFrameAsync_Result_HasOneRowPerEntityRow()
    {
        await using var small = await SmallAsync();
        var store = small.Store;
        var job = store.GetHistoricalFeatures(Request(ArrowTables.ToRows(SmallDataset.EntityRows()), SmallDataset.View, false, "conv_rate", "trips"));

        var frame = await job.ToDataFrameAsync();

        Assert.Equal(SmallDataset.EntityRows().Count, frame.Rows.Count);
        Assert.Equal(["trip_id", "event_timestamp", "fare", "driver_id", "vip", "conv_rate", "trips"], frame.Columns.Select(c => c.Name));
    }

    [Fact]
    public async Task ToTableAsync_Result_EqualsStreamedBatches()
    {
        await using var small = await SmallAsync();
        var store = small.Store;
        var job = store.GetHistoricalFeatures(Request(ArrowTables.ToRows(SmallDataset.EntityRows()), SmallDataset.View));

        var table = ArrowTables.FromTable(await job.ToTableAsync());

        TableAssert.Equal(ReferencePointInTimeJoin.Join(SmallDataset.EntityRows(), [SmallDataset.Reference()], fullFeatureNames: false), table);
    }

    [Fact]
    public async Task ToSql_Job_ReturnsQueryText()
    {
        await using var small = await SmallAsync();
        var store = small.Store;

        var sql = store.GetHistoricalFeatures(Request(ArrowTables.ToRows(SmallDataset.EntityRows()), SmallDataset.View)).ToSql();

        Assert.False(string.IsNullOrWhiteSpace(sql));
    }

    [Fact]
    public async Task GetHistoricalFeatures_SourceWrittenAfterJobCreated_ReadsItWhenResultsAreAsked()
    {
        var repo = NewRepo();
        await using var store = CreateStore(repo);
        var job = store.GetHistoricalFeatures(Request(ArrowTables.ToRows(SmallDataset.EntityRows()), SmallDataset.View));

        await SmallDataset.WriteAsync(repo);
        var result = await ArrowTables.ReadAsync(job);

        Assert.Equal(SmallDataset.ExpectedConvRate.Select(v => (object?)v), result.Rows.Select(r => r[result.IndexOf("conv_rate")]), new SameValue());
    }

    [Fact]
    public async Task GetHistoricalFeatures_SourceRewrittenBetweenReads_EachReadRunsAgain()
    {
        await using var small = await SmallAsync();
        var (repo, store) = (small.Path, small.Store);
        var job = store.GetHistoricalFeatures(Request(ArrowTables.ToRows(SmallDataset.EntityRows()), SmallDataset.View, false, "trips"));
        var first = await ArrowTables.ReadAsync(job);

        var source = SmallDataset.SourceRows();
        var trips = source.IndexOf("trips");
        var doubled = new TestTable(source.Columns);
        foreach (var row in source.Rows) doubled.Add([.. row.Select((v, i) => i == trips && v is long n ? n * 2 : v)]);
        await ParquetFiles.WriteAsync(doubled, Path.Combine(repo, SmallDataset.SourcePath));
        var second = await ArrowTables.ReadAsync(job);

        Assert.Equal(40L, first.Get(0, "trips"));
        Assert.Equal(80L, second.Get(0, "trips"));
    }

    [Fact]
    public async Task ToArrowAsync_CancelledToken_ThrowsOperationCanceled()
    {
        await using var small = await SmallAsync();
        var store = small.Store;
        var job = store.GetHistoricalFeatures(Request(ArrowTables.ToRows(SmallDataset.EntityRows()), SmallDataset.View));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ArrowTables.ReadAsync(job, cancelled.Token));
    }

    /// <summary>Compares values by <see cref="Values.Same"/> (widths and boxing aside).</summary>
    private sealed class SameValue : IEqualityComparer<object?>
    {
        public new bool Equals(object? x, object? y) => Values.Same(x, y);

        public int GetHashCode(object? obj) => 0;
    }
}
