using Feast.Configuration;
using Feast.Offline;
using Feast.Planning;
using static Feast.DuckDb.Tests.T;

namespace Feast.DuckDb.Tests;

/// <summary>
/// <see cref="DuckDbOfflineStore.GetSourceSchemaAsync"/> over every source shape, and what <c>FeatureStore.ApplyAsync</c>
/// and <c>PlanAsync</c> infer and validate with it.
/// </summary>
public class SourceSchemaTests
{
    private const string Row = "SELECT 1001::BIGINT driver_id, TIMESTAMPTZ '2021-04-12 10:00:00+00' event_timestamp, 0.5::FLOAT conv_rate, 7::INTEGER trips, 'a' note, [1, 2]::BIGINT[] history, 1.5::DECIMAL(10, 2) price";

    [Fact]
    public async Task GetSourceSchema_ParquetFileFolderAndGlob_GiveFeastTypesInColumnOrder()
    {
        await using var f = new StoreFixture();
        f.Write("data/one.parquet", Row);
        f.Write("data/parts/part-0.parquet", Row);
        f.Write("data/parts/part-1.parquet", Row);

        foreach (var path in new[] { "data/one.parquet", "data/parts", "data/parts/*.parquet" })
        {
            var columns = await f.Store.GetSourceSchemaAsync(new FileSource(path, name: "s"));

            Assert.NotNull(columns);
            Assert.Equal(["driver_id", "event_timestamp", "conv_rate", "trips", "note", "history", "price"], columns.Select(c => c.Name));
            Assert.Equal([FeastType.Int64, FeastType.UnixTimestamp, FeastType.Float32, FeastType.Int32, FeastType.String, FeastType.Array(FeastType.Int64), FeastType.Float64],
                columns.Select(c => c.Type));
            Assert.Equal([false, true, false, false, false, false, false], columns.Select(c => c.IsTimestamp));
        }
    }

    [Fact]
    public async Task GetSourceSchema_CsvAndDuckDbTableAndQuery_GiveFeastTypes()
    {
        await using var f = new StoreFixture();
        f.WriteText("data/stats.csv", "driver_id,event_timestamp,conv_rate\n1001,2021-04-12 10:00:00,0.5\n");
        var database = f.PathOf("feast.duckdb");
        Duck.Execute($"ATTACH '{database}' AS db; CREATE TABLE db.stats AS {Row}; DETACH db;");

        var csv = await f.Store.GetSourceSchemaAsync(new FileSource("data/stats.csv", name: "csv"));
        var table = await f.Store.GetSourceSchemaAsync(new DuckDbSource("t", table: "stats", database: "feast.duckdb"));
        var query = await f.Store.GetSourceSchemaAsync(new DuckDbSource("q", query: "SELECT driver_id, conv_rate * 2 AS doubled, count(*) OVER () AS n FROM stats", database: "feast.duckdb"));

        Assert.Equal([("driver_id", FeastType.Int64), ("event_timestamp", FeastType.UnixTimestamp), ("conv_rate", FeastType.Float64)], csv!.Select(c => (c.Name, c.Type)));
        Assert.Equal(FeastType.Int32, table!.Single(c => c.Name == "trips").Type);
        Assert.Equal([("driver_id", FeastType.Int64), ("doubled", FeastType.Float32), ("n", FeastType.Int64)], query!.Select(c => (c.Name, c.Type)));
    }

    [Fact]
    public async Task GetSourceSchema_MissingFileOrTable_NamesIt()
    {
        await using var f = new StoreFixture();
        Duck.Execute($"ATTACH '{f.PathOf("feast.duckdb")}' AS db; CREATE TABLE db.other (x INTEGER); DETACH db;");

        var file = await Assert.ThrowsAsync<FeastException>(() => f.Store.GetSourceSchemaAsync(new FileSource("data/missing.parquet", name: "gone")));
        var table = await Assert.ThrowsAnyAsync<FeastException>(() => f.Store.GetSourceSchemaAsync(new DuckDbSource("t", table: "stats", database: "feast.duckdb")));

        Assert.Contains(f.PathOf("data/missing.parquet"), file.Message, StringComparison.Ordinal);
        Assert.Contains("'t'", table.Message, StringComparison.Ordinal);
        Assert.Contains("stats", table.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_SdkWithoutSchemaOrTypes_InfersAndWritesTheTypes()
    {
        await using var f = new StoreFixture();
        f.Write("data/stats.parquet", Row);
        await using var store = Open(f, duckDb: true);
        var driver = new Entity("driver", ["driver_id"]);
        var source = new FileSource("data/stats.parquet", name: "stats", fieldMapping: new Dictionary<string, string> { ["note"] = "remark" });
        var view = new FeatureView("stats_view", source, [driver]);

        await store.ApplyAsync([driver, view, new FeatureService("svc", [view.Select("trips")])]);

        var registry = await store.GetRegistryAsync(allowCache: false);
        var applied = registry.FeatureViews["stats_view"];
        Assert.Equal("event_timestamp", applied.BatchSource.TimestampField);
        Assert.Equal([new Field("driver_id", FeastType.Int64)], applied.EntityColumns);
        Assert.Equal(["conv_rate", "trips", "remark", "history", "price"], applied.Features.Select(x => x.Name));
        Assert.Equal(FeastType.Int32, Assert.Single(registry.FeatureServices["svc"].Projections.Single().Features).Dtype);
        Assert.Equal(ValueType.Unknown, registry.Entities["driver"].ValueType);
    }

    [Fact]
    public async Task Apply_MissingSourceFile_FailsUnlessValidationIsSkipped()
    {
        await using var f = new StoreFixture();
        await using var store = Open(f, duckDb: true);
        var view = DriverView("data/missing.parquet", TimeSpan.Zero, features: [new Field("conv_rate", FeastType.Float32)]);

        var e = await Assert.ThrowsAsync<DataSourceValidationException>(() => store.ApplyAsync([Driver, view]));
        var plan = await store.ApplyAsync([Driver, view], new ApplyOptions { SkipSourceValidation = true });

        Assert.Contains(f.PathOf("data/missing.parquet"), e.Message, StringComparison.Ordinal);
        Assert.Contains("--skip-source-validation", e.Message, StringComparison.Ordinal);
        Assert.Contains(plan.Changes, c => c.Name == view.Name && c.Change == ChangeType.Add);
    }

    [Fact]
    public async Task Apply_WrongTypeOrMissingColumn_IsRejectedAndNothingIsWritten()
    {
        await using var f = new StoreFixture();
        f.Write("data/stats.parquet", Row);
        await using var store = Open(f, duckDb: true);

        var wrong = DriverView("data/stats.parquet", TimeSpan.Zero, features: [new Field("note", FeastType.Int64)]);
        var missing = DriverView("data/stats.parquet", TimeSpan.Zero, features: [new Field("speed", FeastType.Float32)]);

        var typeError = await Assert.ThrowsAsync<DataSourceValidationException>(() => store.ApplyAsync([Driver, wrong]));
        var missingError = await Assert.ThrowsAsync<DataSourceValidationException>(() => store.ApplyAsync([Driver, missing]));

        Assert.Contains("feature 'note' is declared Int64 but column 'note'", typeError.Message, StringComparison.Ordinal);
        Assert.Contains("FeastType.String", typeError.Message, StringComparison.Ordinal);
        Assert.Contains("has no column 'speed'", missingError.Message, StringComparison.Ordinal);
        Assert.Contains("conv_rate (FLOAT)", missingError.Message, StringComparison.Ordinal);
        Assert.True((await store.GetRegistryAsync(allowCache: false)).IsEmpty);
    }

    [Fact]
    public async Task Apply_NoTimestampColumnOrUntypableColumn_NamesSourceColumnAndFix()
    {
        await using var f = new StoreFixture();
        f.WriteText("data/no_time.csv", "driver_id,day,trips\n1001,monday,3\n");
        f.Write("data/nested.parquet", "SELECT 1001::BIGINT driver_id, TIMESTAMPTZ '2021-04-12 10:00:00+00' event_timestamp, {'a': 1} AS attrs");
        await using var store = Open(f, duckDb: true);
        var driver = new Entity("driver", ["driver_id"]);

        var noTime = await Assert.ThrowsAsync<RegistryInferenceException>(() =>
            store.ApplyAsync([driver, new FeatureView("v", new FileSource("data/no_time.csv", name: "no_time"), [driver])]));
        var nested = await Assert.ThrowsAsync<RegistryInferenceException>(() =>
            store.ApplyAsync([driver, new FeatureView("v", new FileSource("data/nested.parquet", name: "nested"), [driver])]));

        Assert.Contains("Data source 'no_time'", noTime.Message, StringComparison.Ordinal);
        Assert.Contains("no timestamp column", noTime.Message, StringComparison.Ordinal);
        Assert.Contains("day (VARCHAR)", noTime.Message, StringComparison.Ordinal);
        Assert.Contains("timestampField", noTime.Message, StringComparison.Ordinal);
        Assert.Contains("column 'attrs' of source 'nested' has type STRUCT", nested.Message, StringComparison.Ordinal);
        Assert.Contains("Give the view a schema", nested.Message, StringComparison.Ordinal);
        Assert.True((await store.GetRegistryAsync(allowCache: false)).IsEmpty);
    }

    [Fact]
    public async Task Plan_WithoutAnOfflineStore_SaysWhatToDo()
    {
        await using var f = new StoreFixture();
        f.Write("data/stats.parquet", Row);
        await using var store = Open(f, duckDb: false);
        var untyped = new Entity("driver", ["driver_id"]);

        var e = await Assert.ThrowsAsync<RegistryInferenceException>(() =>
            store.PlanAsync(RepoDefinitions.From([untyped, new FeatureView("v", new FileSource("data/stats.parquet", "event_timestamp", name: "s"), [untyped])])));
        var spelt = await store.PlanAsync(RepoDefinitions.From([Driver, DriverView("data/stats.parquet", TimeSpan.Zero, features: [new Field("conv_rate", FeastType.Float32)])]));

        Assert.Contains("has no schema", e.Message, StringComparison.Ordinal);
        Assert.Contains("Feast's default type 'dask' has no backend registered in this program", e.Message, StringComparison.Ordinal);
        Assert.Contains("not validated", spelt.SourcesNotValidated, StringComparison.Ordinal);
        Assert.Contains("Register a backend for offline_store type 'dask' (FeatureStoreOptions.Backends; registered offline store types: (none))", spelt.SourcesNotValidated, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_SourceSharedByViews_IsReadOncePerApply()
    {
        await using var f = new StoreFixture();
        f.Write("data/stats.parquet", Row);
        var counting = new SchemaCountingStore(f.Store, readsSchemas: true);
        await using var store = Open(f, counting);
        var driver = new Entity("driver", ["driver_id"]);
        var source = new FileSource("data/stats.parquet", name: "stats");

        // Timestamp inference, join-key and feature inference for two views, and validation: one read.
        await store.ApplyAsync([driver, source, new FeatureView("a", source, [driver]), new FeatureView("b", source, [driver], schema: [new Field("trips", FeastType.Int64)])]);

        Assert.Equal(1, counting.SchemaReads);
    }

    [Fact]
    public async Task Apply_StoreThatCannotReadSchemas_FailsOnlyWhereSomethingMustBeInferred()
    {
        await using var f = new StoreFixture();
        f.Write("data/stats.parquet", Row);
        await using var store = Open(f, new SchemaCountingStore(f.Store, readsSchemas: false));
        var untyped = new Entity("driver", ["driver_id"]);

        var e = await Assert.ThrowsAsync<RegistryInferenceException>(() => store.ApplyAsync([untyped, new FeatureView("v", new FileSource("data/stats.parquet", "event_timestamp", name: "s"), [untyped],
            schema: [new Field("trips", FeastType.Int32)])]));
        var plan = await store.ApplyAsync([Driver, DriverView("data/stats.parquet", TimeSpan.Zero)]);

        Assert.Contains("join key 'driver_id'", e.Message, StringComparison.Ordinal);
        Assert.Contains("cannot read source schemas", e.Message, StringComparison.Ordinal);
        Assert.Contains("not validated", plan.SourcesNotValidated, StringComparison.Ordinal);
    }

    private static FeatureStore Open(StoreFixture f, IOfflineStore offline) =>
        new(RepoConfigLoader.Parse("project: schema_tests\nregistry: data/registry.db\nprovider: local\nonline_store: null\n", f.Root),
            new FeatureStoreOptions { OfflineStore = offline });

    /// <summary>The DuckDB store, counting schema reads; or, with <c>readsSchemas: false</c>, a store that keeps the interface's default (cannot read schemas).</summary>
    private sealed class SchemaCountingStore(DuckDbOfflineStore inner, bool readsSchemas) : IOfflineStore
    {
        public int SchemaReads { get; private set; }

        public RetrievalJob GetHistoricalFeatures(HistoricalRetrievalRequest request) => inner.GetHistoricalFeatures(request);

        public IAsyncEnumerable<Apache.Arrow.RecordBatch> PullLatestAsync(PullRequest request, CancellationToken cancellationToken = default) => inner.PullLatestAsync(request, cancellationToken);

        public IAsyncEnumerable<Apache.Arrow.RecordBatch> PullAllAsync(PullRequest request, CancellationToken cancellationToken = default) => inner.PullAllAsync(request, cancellationToken);

        public Task WriteBatchAsync(FeatureView view, Apache.Arrow.RecordBatch batch, CancellationToken cancellationToken = default) => inner.WriteBatchAsync(view, batch, cancellationToken);

        public Task<IReadOnlyList<SourceColumn>?> GetSourceSchemaAsync(DataSource source, CancellationToken cancellationToken = default)
        {
            if (!readsSchemas) return ((IOfflineStore)new NoSchemas()).GetSourceSchemaAsync(source, cancellationToken);
            SchemaReads++;
            return inner.GetSourceSchemaAsync(source, cancellationToken);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>A store that implements nothing of its own, to get the interface's default schema answer.</summary>
    private sealed class NoSchemas : IOfflineStore
    {
        public RetrievalJob GetHistoricalFeatures(HistoricalRetrievalRequest request) => throw new NotSupportedException();

        public IAsyncEnumerable<Apache.Arrow.RecordBatch> PullLatestAsync(PullRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public IAsyncEnumerable<Apache.Arrow.RecordBatch> PullAllAsync(PullRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task WriteBatchAsync(FeatureView view, Apache.Arrow.RecordBatch batch, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static FeatureStore Open(StoreFixture f, bool duckDb)
    {
        var config = RepoConfigLoader.Parse("project: schema_tests\nregistry: data/registry.db\nprovider: local\nonline_store: null\n", f.Root);
        return new FeatureStore(config, duckDb ? new FeatureStoreOptions().UseDuckDb() : new FeatureStoreOptions());
    }
}
