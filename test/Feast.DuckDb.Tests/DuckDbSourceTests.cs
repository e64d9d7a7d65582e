using Apache.Arrow;
using DuckDB.NET.Data;
using Feast.Offline;
using static Feast.DuckDb.Tests.T;

namespace Feast.DuckDb.Tests;

/// <summary>The DuckDB offline store reading and writing <see cref="DuckDbSource"/>s: tables of database files, and queries.</summary>
public class DuckDbSourceTests
{
    private static readonly TimeSpan OneMicrosecond = TimeSpan.FromTicks(10);

    private static readonly Dictionary<string, string> Mapping = new() { ["id"] = "driver_id", ["rate"] = "conv_rate" };

    // Driver 1: three rows at T0-1h (created T0, T0+1d, NULL): the latest created (2.0) wins; a later row at T0+1h.
    // Driver 2: one row 3 hours old, outside a 2-hour TTL at T0. Driver 3: one row exactly at T0.
    private static string Rows() => $"""
        SELECT * FROM (VALUES
          (1::BIGINT, {Ts(T0.AddHours(-1))}, {Ts(T0)}, 1.0::FLOAT),
          (1::BIGINT, {Ts(T0.AddHours(-1))}, {Ts(T0.AddDays(1))}, 2.0::FLOAT),
          (1::BIGINT, {Ts(T0.AddHours(-1))}, NULL, 9.0::FLOAT),
          (1::BIGINT, {Ts(T0.AddHours(1))}, {Ts(T0)}, 3.0::FLOAT),
          (2::BIGINT, {Ts(T0.AddHours(-3))}, {Ts(T0)}, 4.0::FLOAT),
          (3::BIGINT, {Ts(T0)}, {Ts(T0)}, 5.0::FLOAT)
        ) t(id, ts, created, rate)
        """;

    private static EntityData Entities() => T.Rows(
        [("driver_id", 1L), ("event_timestamp", T0)],
        [("driver_id", 2L), ("event_timestamp", T0)],
        [("driver_id", 3L), ("event_timestamp", T0)],
        [("driver_id", 1L), ("event_timestamp", T0.AddHours(2))],
        [("driver_id", 4L), ("event_timestamp", T0)]);

    private static readonly List<object?> Expected = [2.0f, null, 5.0f, 3.0f, null];

    private static FeatureView ViewOf(DataSource source, TimeSpan? ttl = null) =>
        View("driver_stats", source, ttl ?? TimeSpan.FromHours(2), [Driver], new Field("driver_id", FeastType.Int64), new Field("conv_rate", FeastType.Float32));

    private static DuckDbSource TableSource(string table = "analytics.driver_stats", string database = "data/feast.duckdb") =>
        new("driver_stats_source", table: table, database: database, timestampField: "ts", createdTimestampColumn: "created", fieldMapping: Mapping);

    /// <summary>Creates (or opens) the DuckDB database file <paramref name="relative"/> in the repo and runs <paramref name="sql"/> in it.</summary>
    private static string Database(StoreFixture f, string relative, string sql)
    {
        var path = f.PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var connection = new DuckDBConnection(new DuckDBConnectionStringBuilder { DataSource = path }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SET TimeZone = 'UTC'; " + sql;
        command.ExecuteNonQuery();
        return path;
    }

    private static string DriverDatabase(StoreFixture f) =>
        Database(f, "data/feast.duckdb", $"CREATE SCHEMA analytics; CREATE TABLE analytics.driver_stats AS {Rows()};");

    /// <summary>Rows of <paramref name="select"/> run in the database file at <paramref name="path"/>, opened read-only.</summary>
    private static List<object?[]> QueryDatabase(string path, string select) =>
        Duck.Query(new DuckDBConnectionStringBuilder { DataSource = path, ["ACCESS_MODE"] = "READ_ONLY" }.ToString(), select);

    private static RecordBatch Batch(params (string Column, object? Value)[][] rows) =>
        ((ArrowEntityData)EntityData.FromRows(rows.Select(r => (IReadOnlyDictionary<string, object?>)r.ToDictionary(c => c.Column, c => c.Value)))).Batches[0];

    // ---- point-in-time joins ----

    [Fact]
    public async Task GetHistoricalFeatures_SchemaQualifiedTableInRelativeDatabase_FieldMappingTtlAndCreatedTieBreak()
    {
        await using var f = new StoreFixture();
        DriverDatabase(f);

        var result = await RunAsync(f.Store, Entities(), Request(ViewOf(TableSource())));

        Assert.Equal(["driver_id", "event_timestamp", "conv_rate"], result.Columns);
        Assert.Equal(Expected, result.Column("conv_rate"));
        Assert.Equal([1L, 2L, 3L, 1L, 4L], result.Column("driver_id"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_TableInDefaultSchemaWithNaiveTimestamps_ReadAsUtc()
    {
        await using var f = new StoreFixture();
        var path = Database(f, "naive.duckdb", $"CREATE TABLE driver_stats AS SELECT id, CAST(ts AS TIMESTAMP) AS ts, CAST(created AS TIMESTAMP) AS created, rate FROM ({Rows()});");

        var result = await RunAsync(f.Store, Entities(), Request(ViewOf(TableSource("driver_stats", path))));

        Assert.Equal(Expected, result.Column("conv_rate"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_QueryReadingAParquetFile_SameAsTheFile()
    {
        await using var f = new StoreFixture();
        var parquet = f.Write("driver.parquet", Rows());
        // Paths in a query are not rewritten against the repo, so the test gives an absolute one.
        var source = new DuckDbSource("driver_query", query: $"SELECT * FROM read_parquet('{parquet}') -- rows of the parquet file;",
            timestampField: "ts", createdTimestampColumn: "created", fieldMapping: Mapping);

        var result = await RunAsync(f.Store, Entities(), Request(ViewOf(source)));

        Assert.Equal(Expected, result.Column("conv_rate"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_QueryOverDatabase_ResolvesItsTableNamesInTheDatabase()
    {
        await using var f = new StoreFixture();
        DriverDatabase(f);
        Database(f, "data/feast.duckdb", "CREATE TABLE excluded AS SELECT 3::BIGINT AS id;");
        var source = new DuckDbSource("driver_query",
            query: "SELECT s.* FROM analytics.driver_stats s WHERE s.id NOT IN (SELECT id FROM excluded)", database: "data/feast.duckdb",
            timestampField: "ts", createdTimestampColumn: "created", fieldMapping: Mapping);

        var result = await RunAsync(f.Store, Entities(), Request(ViewOf(source)));

        Assert.Equal([2.0f, null, null, 3.0f, null], result.Column("conv_rate"));
    }

    [Fact]
    public async Task GetHistoricalFeatures_FileTableAndQueryViewsTogether_EachJoinedAndDatabaseAttachedOnce()
    {
        await using var f = new StoreFixture();
        DriverDatabase(f);
        Database(f, "data/feast.duckdb", $"CREATE TABLE trips AS SELECT 3::BIGINT AS driver_id, {Ts(T0)} AS ts, 11 AS trips");
        f.Write("driver.parquet", $"SELECT 1::BIGINT driver_id, {Ts(T0.AddHours(-1))} event_timestamp, 0.5::DOUBLE acc_rate");
        var fileView = View("acc", new FileSource("driver.parquet", "event_timestamp"), TimeSpan.Zero, [Driver],
            new Field("driver_id", FeastType.Int64), new Field("acc_rate", FeastType.Float64));
        var tableView = ViewOf(TableSource());
        var tripsView = View("trips", new DuckDbSource("trips", table: "main.trips", database: "data/feast.duckdb", timestampField: "ts"),
            TimeSpan.Zero, [Driver], new Field("driver_id", FeastType.Int64), new Field("trips", FeastType.Int32));
        var queryView = View("constant", new DuckDbSource("constant", query: "SELECT id AS driver_id, ts, 7 AS seven FROM analytics.driver_stats",
            database: "data/feast.duckdb", timestampField: "ts"), TimeSpan.Zero, [Driver], new Field("driver_id", FeastType.Int64), new Field("seven", FeastType.Int32));
        FeatureViewRequest[] views = [Request(fileView), Request(tableView), Request(tripsView), Request(queryView)];

        var result = await RunAsync(f.Store, Entities(), views);
        var sql = f.Store.GetHistoricalFeatures(new HistoricalRetrievalRequest(Entities(), views, false)).ToSql();

        Assert.Equal([0.5, null, null, 0.5, null], result.Column("acc_rate"));
        Assert.Equal(Expected, result.Column("conv_rate"));
        Assert.Equal([null, null, 11, null, null], result.Column("trips"));
        Assert.Equal([7, 7, 7, 7, null], result.Column("seven"));
        // Both tables are read through one attachment of the database file.
        var aliases = System.Text.RegularExpressions.Regex.Matches(sql, "\"(__feast_db_[0-9]+)\"\\.").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, aliases.Count);
        Assert.Single(aliases.Distinct());
    }

    [Fact]
    public async Task GetHistoricalFeatures_TableChangedBetweenCalls_SecondCallSeesTheNewRows()
    {
        await using var f = new StoreFixture();
        var path = DriverDatabase(f);
        var view = ViewOf(TableSource());
        var entities = T.Rows([("driver_id", 5L), ("event_timestamp", T0)]);

        var before = await RunAsync(f.Store, entities, Request(view));
        // Writable by another connection after the call: the store detached the file.
        Database(f, "data/feast.duckdb", $"INSERT INTO analytics.driver_stats VALUES (5, {Ts(T0)}, {Ts(T0)}, 6.0)");
        var after = await RunAsync(f.Store, entities, Request(view));

        Assert.Equal([null], before.Column("conv_rate"));
        Assert.Equal([6.0f], after.Column("conv_rate"));
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task GetHistoricalFeatures_QuotedTableNameWithDots_Read()
    {
        await using var f = new StoreFixture();
        Database(f, "q.duckdb", $"CREATE SCHEMA \"my.schema\"; CREATE TABLE \"my.schema\".\"driver \"\"stats\"\"\" AS {Rows()};");

        var result = await RunAsync(f.Store, Entities(), Request(ViewOf(TableSource("\"my.schema\".\"driver \"\"stats\"\"\"", "q.duckdb"))));

        Assert.Equal(Expected, result.Column("conv_rate"));
    }

    // ---- pulls ----

    [Fact]
    public async Task PullLatestAsync_Table_LatestEventThenLatestCreatedPerKeyInWindow()
    {
        await using var f = new StoreFixture();
        DriverDatabase(f);

        var result = await CollectAsync(f.Store.PullLatestAsync(new PullRequest(TableSource(), ["driver_id"], ["conv_rate"], T0.AddHours(-2), T0)));

        Assert.Equal(["driver_id", "conv_rate", "event_timestamp", "created_timestamp"], result.Columns);
        var rows = result.Rows.OrderBy(r => (long)r[0]!).ToList();
        Assert.Equal([1L, 2.0f, T0.AddHours(-1), T0.AddDays(1)], rows[0]);
        Assert.Equal([3L, 5.0f, T0, T0], rows[1]);
        Assert.Equal(2, rows.Count);
    }

    [Fact]
    public async Task PullAllAsync_Query_EveryRowInTheInclusiveWindow()
    {
        await using var f = new StoreFixture();
        DriverDatabase(f);
        var source = new DuckDbSource("q", query: "SELECT * FROM analytics.driver_stats", database: "data/feast.duckdb",
            timestampField: "ts", createdTimestampColumn: "created", fieldMapping: Mapping);

        var result = await CollectAsync(f.Store.PullAllAsync(new PullRequest(source, ["driver_id"], ["conv_rate"], T0.AddHours(-1), T0.AddHours(1))));

        Assert.Equal([1.0f, 2.0f, 3.0f, 5.0f, 9.0f], result.Column("conv_rate").Order());
    }

    [Fact]
    public async Task PullLatestAsync_PushSourceOverTable_ReadsTheBatchTable()
    {
        await using var f = new StoreFixture();
        DriverDatabase(f);
        var push = new PushSource("driver_push", TableSource());

        var result = await CollectAsync(f.Store.PullLatestAsync(new PullRequest(push, ["driver_id"], ["conv_rate"], T0.AddHours(-2), T0)));

        Assert.Equal(2, result.Rows.Count);
    }

    // ---- writes ----

    [Fact]
    public async Task WriteBatchAsync_Table_AppendsRowsCastToTheTableTypes()
    {
        await using var f = new StoreFixture();
        var path = DriverDatabase(f);
        var view = ViewOf(TableSource());

        await f.Store.WriteBatchAsync(view, Batch(
            [("rate", 7.5), ("id", 6L), ("ts", T0), ("created", T0)],
            [("rate", 8.5), ("id", 7L), ("ts", T0), ("created", null)]));

        var rows = QueryDatabase(path, "SELECT id, rate, typeof(rate) FROM analytics.driver_stats WHERE id >= 6 ORDER BY id");
        Assert.Equal([[6L, 7.5f, "FLOAT"], [7L, 8.5f, "FLOAT"]], rows);
        Assert.Equal(8L, QueryDatabase(path, "SELECT count(*) FROM analytics.driver_stats")[0][0]);
        var result = await RunAsync(f.Store, T.Rows([("driver_id", 6L), ("event_timestamp", T0)], [("driver_id", 7L), ("event_timestamp", T0)]), Request(view));
        Assert.Equal([7.5f, 8.5f], result.Column("conv_rate"));
    }

    [Fact]
    public async Task WriteBatchAsync_Query_ThrowsNeedsATableOrFile()
    {
        await using var f = new StoreFixture();
        var view = ViewOf(new DuckDbSource("q", query: "SELECT 1 AS id", timestampField: "ts"));

        var error = await Assert.ThrowsAsync<FeastException>(() => f.Store.WriteBatchAsync(view, Batch([("id", 1L), ("ts", T0)])));

        Assert.Contains("'q'", error.Message, StringComparison.Ordinal);
        Assert.Contains("needs a table or a file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteBatchAsync_ColumnsDifferFromTable_NamesThemAndWritesNothing()
    {
        await using var f = new StoreFixture();
        var path = DriverDatabase(f);
        var view = ViewOf(TableSource());

        var error = await Assert.ThrowsAsync<FeastValidationException>(() =>
            f.Store.WriteBatchAsync(view, Batch([("id", 6L), ("ts", T0), ("acc", 1.0)])));

        Assert.Contains("missing created, rate", error.Message, StringComparison.Ordinal);
        Assert.Contains("not in the source: acc", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal(6L, QueryDatabase(path, "SELECT count(*) FROM analytics.driver_stats")[0][0]);
    }

    [Fact]
    public async Task WriteBatchAsync_ValueNotCastable_RollsBackAndNamesTheSource()
    {
        await using var f = new StoreFixture();
        var path = DriverDatabase(f);
        var view = ViewOf(TableSource());

        var error = await Assert.ThrowsAsync<FeastException>(() => f.Store.WriteBatchAsync(view, Batch(
            [("id", 6L), ("ts", T0), ("created", T0), ("rate", "1.5")],
            [("id", 7L), ("ts", T0), ("created", T0), ("rate", "not a number")])));

        Assert.Contains("'driver_stats_source'", error.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was written", error.Message, StringComparison.Ordinal);
        Assert.Equal(6L, QueryDatabase(path, "SELECT count(*) FROM analytics.driver_stats")[0][0]);
    }

    [Fact]
    public async Task WriteBatchAsync_ConcurrentWithReads_NoRowLostAndEveryReadSucceeds()
    {
        await using var f = new StoreFixture();
        var path = DriverDatabase(f);
        var view = ViewOf(TableSource(), TimeSpan.Zero);

        var writes = Enumerable.Range(10, 6).Select(i => Task.Run(() =>
            f.Store.WriteBatchAsync(view, Batch([("id", (long)i), ("ts", T0), ("created", T0), ("rate", (double)i)]))));
        var reads = Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
            RunAsync(f.Store, T.Rows([("driver_id", 3L), ("event_timestamp", T0)]), Request(view))));
        var results = await Task.WhenAll(reads);
        await Task.WhenAll(writes);

        Assert.All(results, r => Assert.Equal([5.0f], r.Column("conv_rate")));
        Assert.Equal(12L, QueryDatabase(path, "SELECT count(*) FROM analytics.driver_stats")[0][0]);
    }

    // ---- bad inputs ----

    [Fact]
    public async Task GetHistoricalFeatures_MissingDatabaseFile_NamesResolvedPathAndSource()
    {
        await using var f = new StoreFixture();

        var error = await Assert.ThrowsAsync<FeastException>(() => RunAsync(f.Store, Entities(), Request(ViewOf(TableSource(database: "missing/feast.duckdb")))));

        Assert.Contains(f.PathOf("missing/feast.duckdb"), error.Message, StringComparison.Ordinal);
        Assert.Contains("'driver_stats_source'", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteBatchAsync_MissingDatabaseFile_NamesResolvedPathAndCreatesNothing()
    {
        await using var f = new StoreFixture();

        var error = await Assert.ThrowsAsync<FeastException>(() =>
            f.Store.WriteBatchAsync(ViewOf(TableSource(database: "missing.duckdb")), Batch([("id", 1L)])));

        Assert.Contains(f.PathOf("missing.duckdb"), error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(f.PathOf("missing.duckdb")));
    }

    [Fact]
    public async Task GetHistoricalFeatures_NotADatabaseFile_NamesThePathAndDuckDbMessage()
    {
        await using var f = new StoreFixture();
        var path = f.WriteText("data/feast.duckdb", "not a database");

        var error = await Assert.ThrowsAsync<FeastException>(() => RunAsync(f.Store, Entities(), Request(ViewOf(TableSource()))));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid DuckDB database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_UnknownTable_NamesSourceAndDuckDbMessage()
    {
        await using var f = new StoreFixture();
        DriverDatabase(f);

        var error = await Assert.ThrowsAsync<FeastException>(() => RunAsync(f.Store, Entities(), Request(ViewOf(TableSource("analytics.nope")))));

        Assert.Contains("'driver_stats_source'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Catalog Error", error.Message, StringComparison.Ordinal);
        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_BadQuery_NamesSourceAndDuckDbMessage()
    {
        await using var f = new StoreFixture();
        var source = new DuckDbSource("broken_query", query: "SELEC id FROM nowhere", timestampField: "ts");

        var error = await Assert.ThrowsAsync<FeastException>(() => RunAsync(f.Store, Entities(), Request(ViewOf(source))));

        Assert.Contains("'broken_query'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Parser Error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullAllAsync_QueryNamingUnknownTable_NamesSourceAndDuckDbMessage()
    {
        await using var f = new StoreFixture();
        var source = new DuckDbSource("lost_query", query: "SELECT * FROM no_such_table", timestampField: "ts");

        var error = await Assert.ThrowsAsync<FeastException>(() =>
            CollectAsync(f.Store.PullAllAsync(new PullRequest(source, ["driver_id"], ["conv_rate"], T0, T0))));

        Assert.Contains("'lost_query'", error.Message, StringComparison.Ordinal);
        Assert.Contains("no_such_table", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_MappedColumnMissingFromTable_NamesTheSource()
    {
        await using var f = new StoreFixture();
        Database(f, "data/feast.duckdb", $"CREATE TABLE t AS SELECT 1::BIGINT id, {Ts(T0)} ts");
        var source = new DuckDbSource("thin", table: "t", database: "data/feast.duckdb", timestampField: "ts", fieldMapping: Mapping);

        var error = await Assert.ThrowsAsync<FeastValidationException>(() => RunAsync(f.Store, Entities(), Request(ViewOf(source))));

        Assert.Contains("'thin' (DuckDB table \"t\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("no column 'rate'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistoricalFeatures_QueriesOverTwoDatabases_ThrowsNamingBoth()
    {
        await using var f = new StoreFixture();
        var first = DriverDatabase(f);
        var second = Database(f, "other.duckdb", $"CREATE TABLE trips AS SELECT 1::BIGINT id, {Ts(T0)} ts, 3 trips");
        var tripsView = View("trips", new DuckDbSource("trips", query: "SELECT * FROM trips", database: "other.duckdb", timestampField: "ts",
            fieldMapping: Mapping), TimeSpan.Zero, [Driver], new Field("driver_id", FeastType.Int64), new Field("trips", FeastType.Int32));
        var statsView = ViewOf(new DuckDbSource("stats", query: "SELECT * FROM analytics.driver_stats", database: "data/feast.duckdb",
            timestampField: "ts", fieldMapping: Mapping));

        var error = await Assert.ThrowsAsync<FeastException>(() => RunAsync(f.Store, Entities(), Request(statsView), Request(tripsView)));

        Assert.Contains(first, error.Message, StringComparison.Ordinal);
        Assert.Contains(second, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.b.c")]
    [InlineData("a..b")]
    [InlineData("\"unterminated")]
    [InlineData("a\"b")]
    public async Task GetHistoricalFeatures_BadTableName_ThrowsBeforeOpeningTheDatabase(string table)
    {
        await using var f = new StoreFixture();

        var error = await Assert.ThrowsAsync<FeastValidationException>(() =>
            RunAsync(f.Store, Entities(), Request(ViewOf(TableSource(table, "missing.duckdb")))));

        Assert.Contains("not a table name", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, "x.duckdb")]
    [InlineData("", " ", null)]
    [InlineData("t", "SELECT 1", "x.duckdb")]
    [InlineData("t", null, null)]
    public void Constructor_NotExactlyOneOfTableAndQuery_OrTableWithoutDatabase_Throws(string? table, string? query, string? database)
    {
        var error = Assert.Throws<FeastValidationException>(() => new DuckDbSource("bad_source", table, query, database));

        Assert.Contains("'bad_source'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("t", new[] { "t" })]
    [InlineData(" analytics . driver_stats ", new[] { "analytics", "driver_stats" })]
    [InlineData("\"a.b\".\"c\"\"d\"", new[] { "a.b", "c\"d" })]
    public void TableName_Parse_SplitsSchemaAndTable(string text, string[] parts)
    {
        Assert.Equal(parts, DuckDbTableName.Parse(text));
    }
}
