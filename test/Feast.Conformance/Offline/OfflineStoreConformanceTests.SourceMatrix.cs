using System.Globalization;
using Feast.Offline;
using Feast.Planning;
using Microsoft.Extensions.Time.Testing;
using Xunit.Sdk;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>How a matrix source stores its rows: the kind of source the store reads.</summary>
public enum MatrixSource
{
    /// <summary>One Parquet file.</summary>
    ParquetFile,

    /// <summary>A folder of Parquet part files.</summary>
    ParquetFolder,

    /// <summary>A glob over Parquet part files.</summary>
    ParquetGlob,

    /// <summary>A CSV file (timestamps as text).</summary>
    Csv,

    /// <summary>A table of a DuckDB database file.</summary>
    DuckDbTable,

    /// <summary>A query over a DuckDB database file.</summary>
    DuckDbQuery,

    /// <summary>A PostgreSQL table.</summary>
    PostgresTable,

    /// <summary>A PostgreSQL query.</summary>
    PostgresQuery,
}

/// <summary>How a matrix source stores its timestamps.</summary>
public enum MatrixTimestamps
{
    /// <summary>Naive timestamps (meaning UTC); in CSV, naive ISO text.</summary>
    Naive,

    /// <summary>Time-zone-aware timestamps; in CSV and text, ISO strings with rotating offsets.</summary>
    WithOffsets,

    /// <summary>Nanosecond timestamps.</summary>
    Nanoseconds,

    /// <summary>Millisecond timestamps.</summary>
    Milliseconds,

    /// <summary>Second timestamps.</summary>
    Seconds,

    /// <summary>ISO strings with offsets in a text column, cast by a query source.</summary>
    IsoText,
}

/// <summary>One combination of the source matrix.</summary>
/// <param name="Source">The kind of source.</param>
/// <param name="Timestamps">How its timestamps are stored.</param>
/// <param name="Created">Whether it has a created-timestamp column.</param>
/// <param name="Mapped">Whether its columns are stored under other names and renamed by field_mapping.</param>
/// <param name="Entityless">Whether the view has no entities.</param>
public sealed record MatrixCase(MatrixSource Source, MatrixTimestamps Timestamps, bool Created, bool Mapped, bool Entityless)
{
    /// <summary>The stored name of a column: its own, or a short one the field mapping renames.</summary>
    internal string Stored(string name) => !Mapped ? name : name switch
    {
        "driver_id" => "id",
        "conv_rate" => "rate",
        "trips" => "n",
        "event_timestamp" => "ts",
        "created" => "cr",
        _ => name,
    };

    /// <summary>The source's field mapping (stored name → view name), or null when unmapped.</summary>
    internal IReadOnlyDictionary<string, string>? FieldMapping => !Mapped ? null
        : new Dictionary<string, string> { ["id"] = "driver_id", ["rate"] = "conv_rate", ["n"] = "trips" };

    /// <summary>The stored event-timestamp column.</summary>
    internal string TimestampField => Stored("event_timestamp");

    /// <summary>The stored created-timestamp column, or "".</summary>
    internal string CreatedColumn => Created ? Stored("created") : "";

    public override string ToString() =>
        $"{Source}/{Timestamps}/{(Created ? "created" : "no-created")}/{(Mapped ? "mapped" : "unmapped")}/{(Entityless ? "entity-less" : "keyed")}";
}

// Every kind of source the backend reads, with every way of storing timestamps, with and without a created column and a
// field mapping, keyed and entity-less, through historical retrieval (with entity rows and with a time range),
// pull-latest, pull-all and materialize, each compared with the reference. Each (source, timestamps) cell runs two
// combinations of the three yes/no dimensions, one the complement of the other, so every value of every dimension
// meets every cell and every other dimension's values (pairwise), at 2 runs per cell instead of 8.
public abstract partial class OfflineStoreConformanceTests
{
    private static readonly DateTimeOffset MatrixT0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan MatrixTtl = TimeSpan.FromHours(3);

    /// <summary>The (source, timestamps) cells the backend reads; none (the default) skips the matrix.</summary>
    private protected virtual IReadOnlyList<(MatrixSource Source, MatrixTimestamps Timestamps)> MatrixCells => [];

    /// <summary>Stores <paramref name="rows"/> (stored column names) as a source of the given kind in <paramref name="repo"/>.</summary>
    private protected virtual Task<DataSource> WriteMatrixSourceAsync(string repo, MatrixCase matrixCase, TestTable rows, string name) =>
        throw new NotSupportedException("This backend declares no matrix cells.");

    /// <summary>Where the matrix says how many combinations ran.</summary>
    private protected virtual void Log(string message)
    {
    }

    /// <summary>The combinations the matrix runs for <see cref="MatrixCells"/>.</summary>
    private protected IReadOnlyList<MatrixCase> MatrixCases()
    {
        var cases = new List<MatrixCase>();
        for (var i = 0; i < MatrixCells.Count; i++)
        {
            var (source, timestamps) = MatrixCells[i];
            foreach (var bits in new[] { i % 8, 7 - (i % 8) })
                cases.Add(new MatrixCase(source, timestamps, (bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0));
        }
        return cases;
    }

    [Fact]
    public async Task SourceMatrix_EveryCombination_MatchesReferenceThroughRetrievalPullsAndMaterialize()
    {
        var cases = MatrixCases();
        var failures = new List<string>();
        foreach (var matrixCase in cases)
        {
            try
            {
                await RunMatrixCaseAsync(matrixCase);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failures.Add($"{matrixCase}: {e.GetType().Name}: {e.Message}");
            }
        }
        Log($"Source matrix: {cases.Count} combinations ({MatrixCells.Count} source x timestamp cells x 2 pairwise settings), 5 operations each, {failures.Count} failed.");
        if (failures.Count > 0)
            throw new XunitException($"{failures.Count} of {cases.Count} source-matrix combinations failed:\n" + string.Join("\n", failures));
    }

    private async Task RunMatrixCaseAsync(MatrixCase c)
    {
        var repo = NewRepo();
        File.WriteAllText(Path.Combine(repo, "feature_store.yaml"), "project: matrix\nregistry: data/registry.db\nonline_store:\n  type: sqlite\n  path: data/online.db\n");
        var rows = MatrixRows(c);
        var stored = Stored(rows, c);
        var source = await WriteMatrixSourceAsync(repo, c, stored, "stats");
        var entities = c.Entityless ? Array.Empty<Entity>() : [new Entity("driver", ["driver_id"], ValueType.Int64)];
        var schema = new List<Field> { new("conv_rate", FeastType.Float64), new("trips", FeastType.Int64) };
        if (!c.Entityless) schema.Insert(0, new Field("driver_id", FeastType.Int64));
        var view = new FeatureView("stats", source, entities, MatrixTtl, schema);
        var request = new FeatureViewRequest(view, view.Projection, view.Features);
        var reference = new ReferenceView(request, stored);
        var keys = c.Entityless ? Array.Empty<string>() : ["driver_id"];
        var (start, end) = (MatrixT0.AddHours(2), MatrixT0.AddHours(7));

        await using var store = new FeatureStore(Feast.Configuration.RepoConfigLoader.Load(repo), new FeatureStoreOptions
        {
            Backends = Backends(),
            OfflineStore = CreateStore(repo),
            TimeProvider = new FakeTimeProvider(MatrixT0.AddDays(1)),
        });
        await store.ApplyAsync(new RepoDefinitions { Entities = entities, DataSources = [source], FeatureViews = [view] });

        // 1. Historical retrieval with entity rows.
        var entityRows = new TestTable(new TestColumn("driver_id", ColumnType.Int64), new TestColumn("event_timestamp", ColumnType.Timestamp));
        for (var k = 1L; k <= 4; k++)
        {
            for (var h = 0; h <= 11; h += 2)
                entityRows.Add(k, MatrixT0.AddHours(h).AddMinutes(k * 7));
        }
        var retrieval = new HistoricalRetrievalRequest(ArrowTables.ToRows(entityRows), [request], false);
        TableAssert.Equal(ReferencePointInTimeJoin.Join(entityRows, [reference], false), await RunAsync(store.OfflineStore, retrieval), "historical retrieval:");

        // 2. Historical retrieval without entity rows: every distinct (keys, time) in the range, joined point-in-time.
        var rangeRows = ReferencePointInTimeJoin.RangeEntities([reference], start, end);
        var range = await ArrowTables.ReadAsync(await store.GetHistoricalFeaturesAsync(["stats:conv_rate", "stats:trips"], start, end));
        TableAssert.Equal(ReferencePointInTimeJoin.Join(rangeRows, [reference], false), range, "retrieval by time range:");

        // 3 and 4. Pull-all and pull-latest.
        var pull = new PullRequest(source, keys, ["conv_rate", "trips"], start, end);
        var inWindow = rows.Where(r => Values.Instant(r[rows.IndexOf("event_timestamp")]!) is var t && t >= start && t <= end);
        AssertSameRows(PullColumns(inWindow, c), await ReadPullAsync(store.OfflineStore.PullAllAsync(pull)), "pull-all:");
        var latest = Latest(inWindow, c);
        AssertSameRows(PullColumns(latest, c), await ReadPullAsync(store.OfflineStore.PullLatestAsync(pull)), "pull-latest:");

        // 5. Materialize, then read the online store.
        var materialized = Assert.Single(await store.MaterializeAsync(start, end, ["stats"]));
        if (materialized.Rows != latest.Count)
            throw new XunitException($"materialize: {materialized.Rows} rows written, expected {latest.Count}.");
        if (!c.Entityless)
        {
            var online = await store.GetOnlineFeaturesAsync(["stats:conv_rate", "stats:trips"],
                [.. Enumerable.Range(1, 5).Select(k => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = (long)k })]);
            var values = online.ToDictionary();
            for (var k = 1; k <= 5; k++)
            {
                var expected = latest.Rows.FirstOrDefault(r => (long)r[latest.IndexOf("driver_id")]! == k);
                var (conv, trips) = (values["conv_rate"][k - 1], values["trips"][k - 1]);
                if (!Values.Same(expected?[latest.IndexOf("conv_rate")], conv) || !Values.Same(expected?[latest.IndexOf("trips")], trips))
                    throw new XunitException($"materialize: driver {k} online has conv_rate={Values.Format(conv)}, trips={Values.Format(trips)}; expected {(expected is null ? "nothing" : latest.Describe(latest.Rows.ToList().IndexOf(expected)))}.");
            }
        }
    }

    /// <summary>
    /// Source rows under the view's names, whole seconds (so second-precision storage loses nothing): 4 drivers (or
    /// none), rows every ~25 minutes over 11 hours, some repeated event times told apart by created time.
    /// </summary>
    private static TestTable MatrixRows(MatrixCase c)
    {
        var columns = new List<TestColumn> { new("event_timestamp", ColumnType.Timestamp), new("conv_rate", ColumnType.Float64), new("trips", ColumnType.Int64) };
        if (c.Created) columns.Add(new TestColumn("created", ColumnType.Timestamp));
        if (!c.Entityless) columns.Insert(0, new TestColumn("driver_id", ColumnType.Int64));
        var table = new TestTable(columns);
        var random = new Random(c.ToString().Aggregate(17, (h, ch) => (h * 31) + ch));
        var keys = c.Entityless ? [0L] : new[] { 1L, 2L, 3L, 4L };
        var value = 0;
        foreach (var key in keys)
        {
            for (var minute = random.Next(0, 20); minute < 11 * 60; minute += random.Next(10, 40))
            {
                var ts = MatrixT0.AddMinutes(minute).AddSeconds(random.Next(0, 60));
                // With a created column, some event times repeat with a later created time (the later one wins).
                var copies = c.Created && random.Next(4) == 0 ? 2 : 1;
                for (var copy = 0; copy < copies; copy++)
                {
                    var row = new List<object?> { ts, ++value / 8.0, (long)value };
                    if (c.Created) row.Add(ts.AddMinutes(copy * 30).AddSeconds(random.Next(0, 30)));
                    if (!c.Entityless) row.Insert(0, key);
                    table.Add([.. row]);
                }
            }
        }
        return table;
    }

    /// <summary>The rows under their stored names.</summary>
    private static TestTable Stored(TestTable rows, MatrixCase c)
    {
        var stored = new TestTable(rows.Columns.Select(col => col with { Name = c.Stored(col.Name) }));
        foreach (var row in rows.Rows) stored.Add(row);
        return stored;
    }

    /// <summary>The latest row per key (greatest event time, then created time).</summary>
    private static TestTable Latest(TestTable rows, MatrixCase c)
    {
        var latest = new TestTable(rows.Columns);
        var groups = rows.Rows.GroupBy(r => c.Entityless ? 0L : (long)r[rows.IndexOf("driver_id")]!);
        foreach (var group in groups.OrderBy(g => g.Key))
        {
            latest.Add(group.OrderByDescending(r => Values.Instant(r[rows.IndexOf("event_timestamp")]!))
                .ThenByDescending(r => c.Created ? Values.Instant(r[rows.IndexOf("created")]!) : default).First());
        }
        return latest;
    }

    /// <summary>Rows in a pull's column order: keys, features, event_timestamp, created_timestamp.</summary>
    private static TestTable PullColumns(TestTable rows, MatrixCase c)
    {
        var names = new List<string> { "conv_rate", "trips", "event_timestamp" };
        if (!c.Entityless) names.Insert(0, "driver_id");
        if (c.Created) names.Add("created");
        var table = new TestTable(names.Select(n => rows.Columns[rows.IndexOf(n)] with { Name = n == "created" ? "created_timestamp" : n }));
        foreach (var row in rows.Rows) table.Add([.. names.Select(n => row[rows.IndexOf(n)])]);
        return table;
    }

    private static async Task<ResultTable> ReadPullAsync(IAsyncEnumerable<Apache.Arrow.RecordBatch> batches)
    {
        var list = new List<Apache.Arrow.RecordBatch>();
        await foreach (var batch in batches) list.Add(batch);
        return ArrowTables.FromBatches(list);
    }

    /// <summary>Asserts the same rows in any order (pulls promise no order).</summary>
    private static void AssertSameRows(TestTable expected, ResultTable actual, string context)
    {
        static string Key(IEnumerable<object?> row) => string.Join("|", row.Select(v => v is null ? "null" : Values.IsTimestamp(v) ? Values.Instant(v).UtcTicks.ToString(CultureInfo.InvariantCulture) : Convert.ToString(v is float f ? (double)f : v, CultureInfo.InvariantCulture)));
        if (!expected.ColumnNames.SequenceEqual(actual.Columns, StringComparer.Ordinal))
            throw new XunitException($"{context} columns differ: expected {string.Join(", ", expected.ColumnNames)}, actual {string.Join(", ", actual.Columns)}.");
        var want = expected.Rows.Select(Key).Order(StringComparer.Ordinal).ToList();
        var got = actual.Rows.Select(Key).Order(StringComparer.Ordinal).ToList();
        if (!want.SequenceEqual(got, StringComparer.Ordinal))
            throw new XunitException($"{context} {got.Count} rows, expected {want.Count}; first difference: expected {want.Except(got).FirstOrDefault() ?? "-"}, unexpected {got.Except(want).FirstOrDefault() ?? "-"}.");
    }
}
