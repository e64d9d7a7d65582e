using System.Globalization;
using Feast.Benchmarks.Harness;
using Feast.Offline;

namespace Feast.Benchmarks.Historical;

/// <summary>
/// The historical-retrieval scenarios: each Feast.NET call next to the hand-written DuckDB query that does the same
/// join (<see cref="RawQueries"/>), plus diagnostics that split the time between the query and the .NET side.
/// </summary>
internal static class HistoricalCases
{
    private static readonly Entity Driver = new("driver", ["driver_id"], Feast.ValueType.Int64);

    public static IReadOnlyList<Scenario> Scenarios { get; } =
    [
        new("s1", "1M entity rows × 10M feature rows, one view",
            "100k drivers × 100 hourly rows (every 10th hour repeats the previous event time with a later created time), "
            + "10 features (5 float32, 5 int64), TTL 1 day; 1M entity rows from a Parquet file, timestamps from 12 h "
            + "before the first feature row to 36 h after the last (so some rows match nothing and some are past the TTL).",
            DefaultReps: 3, ["i4", "f0"],
            [
                new("s1.raw-parquet", "raw DuckDB: COPY (ASOF query) TO parquet", CaseRole.Baseline, null,
                    c => Sync(() => Runs.RawParquet(c, S1Raw(c.Data, Dedup.OrderKey), "i4", "f0"))),
                new("s1.feast-parquet", "Feast.NET: GetHistoricalFeatures(...).ToParquetAsync", CaseRole.Feast, "s1.raw-parquet",
                    c => Runs.FeastParquetAsync(c, () => EntityData.FromFile(c.Data.S1Entities), e => S1Request(c.Data, e), "i4", "f0")),
                new("s1.raw-reader", "raw DuckDB: ASOF query through DbDataReader, every value read", CaseRole.Baseline, null,
                    c => Sync(() => Runs.RawReader(c, S1Raw(c.Data, Dedup.OrderKey), "i4", "f0"))),
                new("s1.feast-arrow", "Feast.NET: ToArrowAsync fully consumed, every value read", CaseRole.Feast, "s1.raw-reader",
                    c => Runs.FeastArrowAsync(c, () => EntityData.FromFile(c.Data.S1Entities), e => S1Request(c.Data, e), "i4", "f0")),
                new("s1.feast-sql-parquet", "diagnostic: the store's SQL (ToSql) run raw, COPY TO parquet", CaseRole.Diagnostic, "s1.raw-parquet",
                    async c => Runs.RawParquet(c, await Runs.FeastSqlAsync(c, S1Request(c.Data, EntityData.FromFile(c.Data.S1Entities))), "i4", "f0")),
                new("s1.feast-sql-cheap-instants", "diagnostic: the store's SQL with make_timestamptz(epoch_us(x)) for CAST(x AS TIMESTAMPTZ), COPY TO parquet", CaseRole.Diagnostic, "s1.raw-parquet",
                    async c => Runs.RawParquet(c, Runs.WithCheapInstants(await Runs.FeastSqlAsync(c, S1Request(c.Data, EntityData.FromFile(c.Data.S1Entities)))), "i4", "f0")),
                new("s1.raw-arrow", "diagnostic: raw ASOF query as DuckDB.NET Arrow chunks, every value read", CaseRole.Diagnostic, "s1.raw-reader",
                    c => Runs.RawArrowAsync(c, S1Raw(c.Data, Dedup.OrderKey), "i4", "f0")),
                new("s1.feast-sql-arrow", "diagnostic: the store's SQL (ToSql) run raw as DuckDB.NET Arrow chunks, every value read", CaseRole.Diagnostic, "s1.raw-reader",
                    async c => await Runs.RawArrowAsync(c, await Runs.FeastSqlAsync(c, S1Request(c.Data, EntityData.FromFile(c.Data.S1Entities))), "i4", "f0")),
                new("s1.feast-arrow-entities", "diagnostic: Feast.NET ToParquetAsync, entity rows given as an in-memory Arrow batch", CaseRole.Diagnostic, "s1.raw-parquet",
                    c => Runs.FeastParquetAsync(c, () => EntityData.FromArrow(Runs.ReadEntityBatch(c.Data.S1Entities)), e => S1Request(c.Data, e), "i4", "f0")),
                new("s1.raw-window-parquet", "diagnostic: raw query with the textbook row_number() dedup, COPY TO parquet", CaseRole.Diagnostic, "s1.raw-parquet",
                    c => Sync(() => Runs.RawParquet(c, S1Raw(c.Data, Dedup.Window), "i4", "f0"))),
            ]),
        new("s2", "feast#3003 shape: 17k entity rows × 10 views × 100 features",
            "10 views, each over its own source of 17k drivers × 3 daily rows × 100 features (50 float32, 50 int64), "
            + "TTL 1 day; 17k entity rows (each driver once) from a Parquet file, timestamps over the 3 days and one "
            + "day after; 1,000 feature columns out. Feast's file offline store took 30 minutes and 50 GB on this shape (feast#3003).",
            DefaultReps: 3, ["v9_f099", "v0_f000"],
            [
                new("s2.raw-parquet", "raw DuckDB: COPY (10-view ASOF query) TO parquet", CaseRole.Baseline, null,
                    c => Sync(() => Runs.RawParquet(c, S2Raw(c.Data), "v9_f099", "v0_f000"))),
                new("s2.feast-parquet", "Feast.NET: GetHistoricalFeatures(...).ToParquetAsync", CaseRole.Feast, "s2.raw-parquet",
                    c => Runs.FeastParquetAsync(c, () => EntityData.FromFile(c.Data.S2Entities), e => S2Request(c.Data, e), "v9_f099", "v0_f000")),
                new("s2.raw-reader", "raw DuckDB: 10-view ASOF query through DbDataReader, every value read", CaseRole.Baseline, null,
                    c => Sync(() => Runs.RawReader(c, S2Raw(c.Data), "v9_f099", "v0_f000"))),
                new("s2.feast-arrow", "Feast.NET: ToArrowAsync fully consumed, every value read", CaseRole.Feast, "s2.raw-reader",
                    c => Runs.FeastArrowAsync(c, () => EntityData.FromFile(c.Data.S2Entities), e => S2Request(c.Data, e), "v9_f099", "v0_f000")),
                new("s2.feast-sql-parquet", "diagnostic: the store's SQL (ToSql) run raw, COPY TO parquet", CaseRole.Diagnostic, "s2.raw-parquet",
                    async c => Runs.RawParquet(c, await Runs.FeastSqlAsync(c, S2Request(c.Data, EntityData.FromFile(c.Data.S2Entities))), "v9_f099", "v0_f000")),
                new("s2.feast-sql-cheap-instants", "diagnostic: the store's SQL with make_timestamptz(epoch_us(x)) for CAST(x AS TIMESTAMPTZ), COPY TO parquet", CaseRole.Diagnostic, "s2.raw-parquet",
                    async c => Runs.RawParquet(c, Runs.WithCheapInstants(await Runs.FeastSqlAsync(c, S2Request(c.Data, EntityData.FromFile(c.Data.S2Entities)))), "v9_f099", "v0_f000")),
                new("s2.raw-arrow", "diagnostic: raw 10-view query as DuckDB.NET Arrow chunks, every value read", CaseRole.Diagnostic, "s2.raw-reader",
                    c => Runs.RawArrowAsync(c, S2Raw(c.Data), "v9_f099", "v0_f000")),
            ]),
        new("s3", "1 entity row × 14M feature rows, one view",
            "100k drivers × 140 hourly rows = 14M rows × 11 features (6 float32, 5 int64), TTL 1 day; one entity row "
            + "(one driver, half an hour into the last hour), given in memory (EntityData.FromRows) to Feast.NET and as "
            + "a VALUES list to the raw query. Feast's file offline store took about 101 s on this shape.",
            DefaultReps: 5, ["i4", "f5"],
            [
                new("s3.raw-reader", "raw DuckDB: ASOF query through DbDataReader", CaseRole.Baseline, null,
                    c => Sync(() => Runs.RawReader(c, S3Raw(c.Data, Dedup.OrderKey, prune: false), "i4", "f5"))),
                new("s3.feast-arrow", "Feast.NET: ToArrowAsync fully consumed", CaseRole.Feast, "s3.raw-reader",
                    c => Runs.FeastArrowAsync(c, () => S3Entity(c.Data), e => S3Request(c.Data, e), "i4", "f5")),
                new("s3.raw-reader-warm", "raw DuckDB, warm: the second run of the query on one connection", CaseRole.Baseline, null,
                    c => Sync(() => Runs.RawReaderWarm(c, S3Raw(c.Data, Dedup.OrderKey, prune: false), "i4", "f5"))),
                new("s3.feast-arrow-warm", "Feast.NET, warm: the second ToArrowAsync call on one store", CaseRole.Feast, "s3.raw-reader-warm",
                    c => Runs.FeastArrowWarmAsync(c, () => S3Entity(c.Data), e => S3Request(c.Data, e), "i4", "f5")),
                new("s3.feast-sql-reader", "diagnostic: the store's SQL (ToSql) run raw over the same one-row temp table", CaseRole.Diagnostic, "s3.raw-reader",
                    async c => Runs.RawReader(c, await Runs.FeastSqlAsync(c, S3Request(c.Data, S3Entity(c.Data))), "i4", "f5", S3EntityTable(c.Data))),
                new("s3.feast-sql-cheap-instants", "diagnostic: the store's SQL with make_timestamptz(epoch_us(x)) for CAST(x AS TIMESTAMPTZ)", CaseRole.Diagnostic, "s3.raw-reader",
                    async c => Runs.RawReader(c, Runs.WithCheapInstants(await Runs.FeastSqlAsync(c, S3Request(c.Data, S3Entity(c.Data)))), "i4", "f5", S3EntityTable(c.Data))),
                new("s3.raw-pruned-reader", "diagnostic: raw query with the source cut to the entity keys and TTL window first", CaseRole.Diagnostic, "s3.raw-reader",
                    c => Sync(() => Runs.RawReader(c, S3Raw(c.Data, Dedup.OrderKey, prune: true), "i4", "f5"))),
            ]),
    ];

    public static BenchCase Find(string id) =>
        Scenarios.SelectMany(s => s.Cases).FirstOrDefault(c => c.Id == id)
        ?? throw new ArgumentException($"No case '{id}'. Run 'list' for the ids.");

    internal static string S1Raw(DataSets data, Dedup dedup) =>
        RawQueries.PointInTime($"read_parquet({DataSets.Literal(data.S1Entities)})",
            [new RawQueries.View(data.S1Features, DataSets.S1Columns)], DataSets.Ttl, dedup);

    internal static HistoricalRetrievalRequest S1Request(DataSets data, EntityData entities) =>
        new(entities, [ViewRequest("driver_hourly", data.S1Features, DataSets.S1Columns)], FullFeatureNames: false);

    internal static string S2Raw(DataSets data) =>
        RawQueries.PointInTime($"read_parquet({DataSets.Literal(data.S2Entities)})",
            [.. data.S2Views.Select((path, v) => new RawQueries.View(path, data.S2Columns(v)))], DataSets.Ttl, Dedup.OrderKey);

    internal static HistoricalRetrievalRequest S2Request(DataSets data, EntityData entities) =>
        new(entities, [.. data.S2Views.Select((path, v) => ViewRequest(Invariant($"view{v}"), path, data.S2Columns(v)))], FullFeatureNames: false);

    internal static string S3Raw(DataSets data, Dedup dedup, bool prune) =>
        RawQueries.PointInTime(Invariant($"(VALUES ({data.S3Driver}::BIGINT, TIMESTAMP '{data.S3Time:yyyy-MM-dd HH:mm:ss}')) AS t(driver_id, event_timestamp)"),
            [new RawQueries.View(data.S3Features, DataSets.S3Columns)], DataSets.Ttl, dedup, prune);

    private static EntityData S3Entity(DataSets data) =>
        EntityData.FromRows([new Dictionary<string, object?> { ["driver_id"] = data.S3Driver, ["event_timestamp"] = data.S3Time }]);

    /// <summary>The temp table the store would have loaded the one entity row into (for running its SQL raw).</summary>
    private static string S3EntityTable(DataSets data) => Invariant(
        $"CREATE TEMP TABLE __feast_entity_rows AS SELECT {data.S3Driver}::BIGINT AS driver_id, TIMESTAMPTZ '{data.S3Time:yyyy-MM-dd HH:mm:ss}+00' AS event_timestamp, 0::BIGINT AS __feast_row");

    internal static HistoricalRetrievalRequest S3Request(DataSets data, EntityData entities) =>
        new(entities, [ViewRequest("driver_hourly", data.S3Features, DataSets.S3Columns)], FullFeatureNames: false);

    /// <summary>A view over one generated source: keyed by driver_id, with event and created timestamps and the TTL.</summary>
    private static FeatureViewRequest ViewRequest(string name, string path, IEnumerable<FeatureColumn> columns)
    {
        var source = new FileSource(path, "event_timestamp", name: name + "_source", createdTimestampColumn: "created");
        var schema = columns.Select(c => new Field(c.Name, c.IsFloat ? FeastType.Float32 : FeastType.Int64))
            .Prepend(new Field("driver_id", FeastType.Int64));
        var view = new FeatureView(name, source, [Driver], DataSets.Ttl, schema);
        return new FeatureViewRequest(view, view.Projection, view.Features);
    }

    private static Task Sync(Action action)
    {
        action();
        return Task.CompletedTask;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
