using Apache.Arrow;
using Feast.Offline;
using static Feast.DuckDb.Tests.T;

namespace Feast.DuckDb.Tests;

public class WriteBatchTests
{
    private static RecordBatch Batch(params (string Column, object? Value)[][] rows) =>
        EntityRows(rows.Select(r => (IReadOnlyDictionary<string, object?>)r.ToDictionary(c => c.Column, c => c.Value)));

    private static RecordBatch EntityRows(IEnumerable<IReadOnlyDictionary<string, object?>> rows) =>
        ((ArrowEntityData)EntityData.FromRows(rows)).Batches[0];

    [Fact]
    public async Task WriteBatchAsync_SingleParquetFile_AppendsRowsKeepingFileTypes()
    {
        await using var f = new StoreFixture();
        var path = f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var view = DriverView("driver.parquet", TimeSpan.Zero);

        await f.Store.WriteBatchAsync(view, Batch(
            [("conv_rate", 2.5), ("driver_id", 1L), ("event_timestamp", T0.AddHours(1))],
            [("conv_rate", 3.5), ("driver_id", 2L), ("event_timestamp", T0.AddHours(1))]));

        var rows = Duck.Query($"SELECT driver_id, conv_rate, typeof(conv_rate) FROM read_parquet('{path}')");
        Assert.Equal([[1L, 1.0f, "FLOAT"], [1L, 2.5f, "FLOAT"], [2L, 3.5f, "FLOAT"]], rows);
        Assert.Equal(["driver.parquet"], Directory.GetFiles(f.Root).Select(Path.GetFileName));
        var result = await RunAsync(f.Store, Rows([("driver_id", 1L), ("event_timestamp", T0.AddHours(2))]), Request(view));
        Assert.Equal([2.5f], result.Column("conv_rate"));
    }

    [Fact]
    public async Task WriteBatchAsync_ValueTheEngineCannotCast_OneLineNamingSourceStepAndHintFileUnchanged()
    {
        await using var f = new StoreFixture();
        var path = f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var before = File.ReadAllBytes(path);

        var e = await Assert.ThrowsAsync<FeastException>(() => f.Store.WriteBatchAsync(DriverView("driver.parquet", TimeSpan.Zero),
            Batch([("driver_id", "not a number"), ("event_timestamp", T0.AddHours(1)), ("conv_rate", 2.5)])));

        Assert.DoesNotContain('\n', e.Message);
        Assert.True(e.Message.StartsWith($"Feature view 'driver_stats', writing '{path}': ", StringComparison.Ordinal)
            && e.Message.Contains("DuckDB failed in writing rows to the offline store: Conversion Error", StringComparison.Ordinal), e.Message);
        Assert.True(e.Message.Contains("cast the columns", StringComparison.Ordinal), e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task WriteBatchAsync_FolderSource_AddsAPartFile()
    {
        await using var f = new StoreFixture();
        f.Write("driver/part-0.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var view = DriverView("driver", TimeSpan.Zero);

        await f.Store.WriteBatchAsync(view, Batch([("driver_id", 2L), ("event_timestamp", T0), ("conv_rate", 2.0)]));

        Assert.Equal(2, Directory.GetFiles(f.PathOf("driver"), "*.parquet").Length);
        Assert.Empty(Directory.GetFiles(f.PathOf("driver"), "*.tmp"));
        var result = await RunAsync(f.Store, Rows([("driver_id", 1L), ("event_timestamp", T0)], [("driver_id", 2L), ("event_timestamp", T0)]), Request(view));
        Assert.Equal([1.0f, 2.0f], result.Column("conv_rate"));
    }

    [Fact]
    public async Task WriteBatchAsync_FileDoesNotExistYet_CreatedFromDeclaredColumns()
    {
        await using var f = new StoreFixture();
        var source = new FileSource("new/driver.parquet", "ts", createdTimestampColumn: "created", fieldMapping: new Dictionary<string, string> { ["id"] = "driver_id" });
        var view = View("driver_stats", source, TimeSpan.Zero, [Driver], new Field("driver_id", FeastType.Int64), new Field("conv_rate", FeastType.Float64));

        await f.Store.WriteBatchAsync(view, Batch([("id", 1L), ("ts", T0), ("created", T0), ("conv_rate", 0.5)]));

        var result = await RunAsync(f.Store, Rows([("driver_id", 1L), ("event_timestamp", T0)]), Request(view));
        Assert.Equal([0.5], result.Column("conv_rate"));
    }

    [Fact]
    public async Task WriteBatchAsync_CsvFile_AppendsRows()
    {
        await using var f = new StoreFixture();
        var path = f.WriteText("driver.csv", "driver_id,event_timestamp,conv_rate\n1,2021-04-12 10:00:00,0.5\n");
        var view = DriverView("driver.csv", TimeSpan.Zero, "", new Field("conv_rate", FeastType.Float64));

        await f.Store.WriteBatchAsync(view, Batch([("driver_id", 2L), ("event_timestamp", T0), ("conv_rate", 1.5)]));

        Assert.Equal(3, File.ReadAllLines(path).Length);
        var result = await RunAsync(f.Store, Rows([("driver_id", 1L), ("event_timestamp", T0)], [("driver_id", 2L), ("event_timestamp", T0)]), Request(view));
        Assert.Equal([0.5, 1.5], result.Column("conv_rate"));
    }

    [Fact]
    public async Task WriteBatchAsync_ColumnsDifferFromSource_NamesMissingAndExtra()
    {
        await using var f = new StoreFixture();
        var path = f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0)} event_timestamp, 1.0::FLOAT conv_rate");
        var view = DriverView("driver.parquet", TimeSpan.Zero);

        var error = await Assert.ThrowsAsync<FeastValidationException>(() =>
            f.Store.WriteBatchAsync(view, Batch([("driver_id", 2L), ("event_timestamp", T0), ("acc_rate", 2.0)])));

        Assert.Contains("missing conv_rate", error.Message, StringComparison.Ordinal);
        Assert.Contains("not in the source: acc_rate", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Single(Duck.Query($"SELECT * FROM read_parquet('{path}')"));
    }

    [Fact]
    public async Task WriteBatchAsync_ConcurrentWritesToOneFile_NoRowLost()
    {
        await using var f = new StoreFixture();
        var path = f.Write("driver.parquet", $"SELECT 0::BIGINT driver_id, {Ts(T0)} event_timestamp, 0.0::FLOAT conv_rate");
        var view = DriverView("driver.parquet", TimeSpan.Zero);

        await Task.WhenAll(Enumerable.Range(1, 6).Select(i => Task.Run(() =>
            f.Store.WriteBatchAsync(view, Batch([("driver_id", (long)i), ("event_timestamp", T0), ("conv_rate", (double)i)])))));

        Assert.Equal(7, Duck.Query($"SELECT * FROM read_parquet('{path}')").Count);
    }
}
