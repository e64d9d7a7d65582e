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
                    c => Sync(() => Runs.RawParquet(c, S1Raw(c.Data, Dedup.AsofStruct), "i4", "f0"))),
                new("s1.feast-parquet", "Feast.NET: GetHistoricalFeatures(...).ToParquetAsync", CaseRole.Feast, "s1.raw-parquet",
                    c => Runs.FeastParquetAsync(c, () => EntityData.FromFile(c.Data.S1Entities), e => S1Request(c.Data, e), "i4", "f0")),
                new("s1.raw-reader", "raw DuckDB: ASOF query through DbDataReader, every value read", CaseRole.Baseline, null,
                    c => Sync(() => Runs.RawReader(c, S1Raw(c.Data, Dedup.AsofStruct), "i4", "f0"))),
                new("s1.feast-arrow", "Feast.NET: ToArrowAsync fully consumed, every value read", CaseRole.Feast, "s1.raw-reader",
                    c => Runs.FeastArrowAsync(c, () => EntityData.FromFile(c.Data.S1Entities), e => S1Request(c.Data, e), "i4", "f0")),
                new("s1.feast-sql-parquet", "diagnostic: the store's own SQL (ToSql) run raw, COPY TO parquet", CaseRole.Diagnostic, "s1.raw-parquet",
                    async c => Runs.RawParquet(c, await Runs.FeastSqlAsync(c, S1Request(c.Data, EntityData.FromFile(c.Data.S1Entities))), "i4", "f0")),
                new("s1.raw-arrow", "diagnostic: raw ASOF query as DuckDB.NET Arrow chunks, every value read", CaseRole.Diagnostic, "s1.raw-reader",
                    c => Runs.RawArrowAsync(c, S1Raw(c.Data, Dedup.AsofStruct), "i4", "f0")),
                new("s1.feast-arrow-entities", "diagnostic: Feast.NET ToParquetAsync, entity rows given as an in-memory Arrow batch", CaseRole.Diagnostic, "s1.raw-parquet",
                    c => Runs.FeastParquetAsync(c, () => EntityData.FromArrow(Runs.ReadEntityBatch(c.Data.S1Entities)), e => S1Request(c.Data, e), "i4", "f0")),
                new("s1.raw-window-parquet", "diagnostic: raw query with the textbook row_number() dedup, COPY TO parquet", CaseRole.Diagnostic, "s1.raw-parquet",
                    c => Sync(() => Runs.RawParquet(c, S1Raw(c.Data, Dedup.Window), "i4", "f0"))),
            ]),
    ];

    public static BenchCase Find(string id) =>
        Scenarios.SelectMany(s => s.Cases).FirstOrDefault(c => c.Id == id)
        ?? throw new ArgumentException($"No case '{id}'. Run 'list' for the ids.");

    private static string S1Raw(DataSets data, Dedup dedup) =>
        RawQueries.PointInTime($"read_parquet({DataSets.Literal(data.S1Entities)})",
            [new RawQueries.View(data.S1Features, DataSets.S1Columns)], DataSets.Ttl, dedup);

    private static HistoricalRetrievalRequest S1Request(DataSets data, EntityData entities) =>
        new(entities, [ViewRequest("driver_hourly", data.S1Features, DataSets.S1Columns)], FullFeatureNames: false);

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
