using Feast.Offline;
using Feast.Offline.Sql;

namespace Feast.Tests.Offline.Sql;

/// <summary>
/// The shared SQL offline rules and queries, through a test dialect that plugs in with the public API only: what they
/// check, the messages they give (the same whatever the engine), and the statements they write around the dialect's parts.
/// </summary>
public class SqlRulesTests
{
    private static readonly DateTimeOffset T0 = new(2021, 4, 12, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T1 = T0.AddHours(2);
    private static readonly TestDialect Dialect = new("TestEngine");

    private static readonly FileSource Source = new("data/stats.parquet", "ts", name: "stats", createdTimestampColumn: "created",
        fieldMapping: new Dictionary<string, string> { ["rate_raw"] = "rate" });

    private static readonly SqlColumn[] Columns =
        [new("id", "INT"), new("ts", "TS"), new("created", "TEXT"), new("rate_raw", "REAL")];

    private static SqlSourceRelation Relation(SqlDialect? dialect = null, DataSource? source = null, IReadOnlyList<SqlColumn>? columns = null) =>
        new(dialect ?? Dialect, source ?? Source, "Feature view 'driver'", "'/repo/data/stats.parquet'", "scan(stats)", columns ?? Columns);

    [Fact]
    public void Mapped_MissingColumn_SameMessageWhateverTheDialect()
    {
        var one = Assert.Throws<FeastValidationException>(() => Relation(new TestDialect("A")).Mapped("speed", "feature"));
        var other = Assert.Throws<FeastValidationException>(() => Relation(new TestDialect("B")).Mapped("speed", "feature"));

        Assert.Equal(one.Message, other.Message);
        Assert.Equal(
            "Feature view 'driver': source '/repo/data/stats.parquet' has no column 'speed', which holds its feature 'speed'. "
            + "Its columns are: id, ts, created, rate_raw. Fix the source's data, table or query, its field_mapping, or the view's schema.",
            one.Message);
    }

    [Fact]
    public void Mapped_FieldMapping_ReadsTheStoredColumnAndNamesTheMappingWhenMissing()
    {
        Assert.Equal(new SqlColumn("rate_raw", "REAL"), Relation().Mapped("rate", "feature"));

        var error = Assert.Throws<FeastValidationException>(() => Relation(columns: [new("id", "INT"), new("ts", "TS")]).Mapped("rate", "feature"));

        Assert.Contains("has no column 'rate_raw', which holds its feature 'rate' (field mapping 'rate_raw' → 'rate')", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stored_DeclaredByItsMappedName_ReadsTheStoredColumn()
    {
        var source = new FileSource("x.parquet", "event_time", name: "x", fieldMapping: new Dictionary<string, string> { ["ts"] = "event_time" });

        Assert.Equal(new SqlColumn("ts", "TS"), Relation(source: source).TimestampColumn());
    }

    [Fact]
    public void TimestampColumn_NoTimestampField_SaysHowToSetIt()
    {
        var error = Assert.Throws<FeastValidationException>(() => Relation(source: new FileSource("x.parquet", name: "x")).TimestampColumn());

        Assert.Equal("Feature view 'driver': its source 'x' has no timestamp_field. Set timestampField on the source to the event-time column.", error.Message);
    }

    [Fact]
    public void TimeColumns_TypeHoldingNoTime_NameTheDialectsTimeTypes()
    {
        SqlColumn[] columns = [new("id", "INT"), new("ts", "INT"), new("created", "INT")];

        var eventError = Assert.Throws<FeastValidationException>(() => Relation(columns: columns).TimestampColumn());
        var createdError = Assert.Throws<FeastValidationException>(() => Relation(columns: columns).CreatedColumn());

        Assert.Equal(
            "Feature view 'driver': the event-timestamp column 'ts' of source '/repo/data/stats.parquet' has type INT. It must be TS or TEXT; "
            + "change the column's type, or cast it in a query source.", eventError.Message);
        Assert.StartsWith("Feature view 'driver': the created-timestamp column 'created' of source '/repo/data/stats.parquet' has type INT.", createdError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreatedColumn_SourceWithoutOne_IsNull() =>
        Assert.Null(Relation(source: new FileSource("x.parquet", "ts", name: "x")).CreatedColumn());

    [Fact]
    public void Subject_NamesTheSourceOnce()
    {
        Assert.Equal("Source 'stats' ('/repo/data/stats.parquet')", Relation().Subject);
        var table = new SqlSourceRelation(Dialect, Source, "o", "'stats' (table public.stats)", "public.stats", Columns);
        Assert.Equal("Source 'stats' (table public.stats)", table.Subject);
    }

    [Fact]
    public void Unsupported_NamesTheSourceKindAndWhatTheStoreReads()
    {
        var error = SqlSourceRelation.Unsupported("Feature view 'driver'", Source, "the test offline store", "TestSource sources");

        Assert.Equal("Feature view 'driver': its batch source 'stats' is a FileSource; the test offline store reads TestSource sources only.", error.Message);
    }

    [Fact]
    public void EntityTimestamp_PrefersEventTimestampThenTheOnlyTimestamp()
    {
        Assert.Equal("event_timestamp", SqlEntityRules.TimestampColumn(Dialect, [new("at", "TS"), new("event_timestamp", "TEXT")]).Name);
        Assert.Equal("at", SqlEntityRules.TimestampColumn(Dialect, [new("id", "INT"), new("at", "TS")]).Name);
    }

    [Fact]
    public void EntityTimestamp_Ambiguous_ListsTheCandidates()
    {
        var error = Assert.Throws<FeastValidationException>(() => SqlEntityRules.TimestampColumn(Dialect, [new("id", "INT"), new("a", "TS"), new("b", "TS")]));

        Assert.Equal(
            "The entity data has no event_timestamp column and 2 timestamp columns (a, b), so its event time is ambiguous. "
            + "Its columns are: id (INT), a (TS), b (TS). Name the event-time column event_timestamp.", error.Message);
    }

    [Fact]
    public void EntityTimestamp_WrongTypeOrHelperName_Rejected()
    {
        var type = Assert.Throws<FeastValidationException>(() => SqlEntityRules.TimestampColumn(Dialect, [new("event_timestamp", "INT")]));
        var helper = Assert.Throws<FeastValidationException>(() => SqlEntityRules.TimestampColumn(Dialect, [new("__feast_row", "INT"), new("event_timestamp", "TS")]));

        Assert.Equal("The entity data: the event-timestamp column 'event_timestamp' has type INT. It must hold timestamps (or ISO 8601 timestamp strings).", type.Message);
        Assert.Equal("The entity data has column '__feast_row'; names starting with '__feast_' are reserved for the TestEngine offline store's helper columns. Rename it.", helper.Message);
    }

    [Fact]
    public void EntityOutputs_EventTimeAsTheJoinsInstantOtherTimestampsAsInstants()
    {
        SqlColumn[] columns = [new("id", "INT"), new("at", "TEXT"), new("seen", "TS"), new("when", "DATE")];

        var outputs = SqlEntityRules.Outputs(Dialect, columns, columns[1], "e", "__feast_ts");

        Assert.Equal(["e.\"id\"", "e.\"__feast_ts\" AS \"at\"", "e.\"seen\" AS \"seen\"", "e.\"when\""], outputs);
    }

    [Fact]
    public void WriteColumns_NotTheSourcesColumns_NamesMissingAndExtra()
    {
        var batch = new Apache.Arrow.RecordBatch.Builder()
            .Append("id", false, c => c.Int64(v => v.Append(1)))
            .Append("speed", false, c => c.Double(v => v.Append(1.0)))
            .Build();

        var error = Assert.Throws<FeastValidationException>(() => SqlWriteRules.RequireColumns("Feature view 'driver'", "'/repo/stats.parquet'", ["id", "rate"], batch));

        Assert.Equal(
            "Feature view 'driver': the rows to write have columns id, speed, but source '/repo/stats.parquet' has columns id, rate (missing rate; not in the source: speed). "
            + "Give exactly the source's columns (its stored names, before field_mapping).", error.Message);
    }

    private const string Window = "FROM scan(stats) AS s\nWHERE \"ts\" BETWEEN TIMESTAMPTZ '2021-04-12 10:00:00.000000+00' AND TIMESTAMPTZ '2021-04-12 12:00:00.000000+00'";

    [Fact]
    public void Pull_All_SelectsKeysFeaturesAndTimesByTheViewsNames()
    {
        var sql = SqlPullQuery.Build(new PullRequest(Source, ["id"], ["rate"], T0, T1), Relation(), latest: false);

        Assert.Equal(
            "SELECT \"id\" AS \"id\", \"rate_raw\" AS \"rate\", \"ts\" AS \"event_timestamp\", instant(\"created\") AS \"created_timestamp\"\n" + Window, sql);
    }

    [Fact]
    public void Pull_Latest_LeavesTheLatestRowPerKeyToTheDialect()
    {
        var sql = SqlPullQuery.Build(new PullRequest(Source, ["id"], ["rate"], T0, T1), Relation(), latest: true);
        var keyless = SqlPullQuery.Build(new PullRequest(Source, [], ["rate"], T0, T1), Relation(), latest: true);

        Assert.Equal("LATEST BY id OF rate, event_timestamp, created_timestamp ORDER \"ts\" DESC, instant(\"created\") DESC\n" + Window, sql);
        Assert.Equal(
            "SELECT \"rate_raw\" AS \"rate\", \"ts\" AS \"event_timestamp\", instant(\"created\") AS \"created_timestamp\"\n" + Window
            + "\nORDER BY \"ts\" DESC, instant(\"created\") DESC\nLIMIT 1", keyless);
    }

    [Fact]
    public void Pull_WindowStartsAfterItEnds_Rejected()
    {
        var error = Assert.Throws<FeastValidationException>(() => SqlPullQuery.Build(new PullRequest(Source, ["id"], ["rate"], T1, T0), Relation(), latest: true));

        Assert.StartsWith("Feature view 'driver': the pull window starts (", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Count_DistinctKeysInTheWindow()
    {
        Assert.Equal($"SELECT count(*) FROM (SELECT DISTINCT \"id\" {Window}) AS d", SqlPullQuery.Count(new PullRequest(Source, ["id"], ["rate"], T0, T1), Relation()));
        Assert.Equal($"SELECT least(count(*), 1) {Window}", SqlPullQuery.Count(new PullRequest(Source, [], ["rate"], T0, T1), Relation()));
    }

    [Fact]
    public void TimeRange_DistinctKeysAndTimesOfTheSuppliers()
    {
        var driver = new Entity("driver", ["driver_id"], ValueType.Int64);
        var view = new FeatureView("driver_stats", Source, [driver], TimeSpan.Zero, [new Field("driver_id", FeastType.Int64), new Field("rate", FeastType.Float64)]);
        var request = new FeatureViewRequest(view, view.Projection, [new Field("rate", FeastType.Float64)]);
        SqlColumn[] columns = [new("driver_id", "INT"), new("ts", "TEXT"), new("created", "TEXT"), new("rate_raw", "REAL")];

        var sql = SqlTimeRangeQuery.Build(new TimeRangeEntityData(T0, T1), [new SqlViewInput(request, Relation(columns: columns))]);

        Assert.Equal(
            "SELECT DISTINCT * FROM (\n  SELECT instant(\"ts\") AS \"event_timestamp\", \"driver_id\" AS \"driver_id\" FROM scan(stats) AS s "
            + "WHERE instant(\"ts\") BETWEEN TIMESTAMPTZ '2021-04-12 10:00:00.000000+00' AND TIMESTAMPTZ '2021-04-12 12:00:00.000000+00'\n) AS r "
            + "ORDER BY \"event_timestamp\", \"driver_id\"", sql);
    }

    /// <summary>A dialect of an imaginary engine: TS is its timestamp type, TEXT its text; only the public API is used.</summary>
    private sealed class TestDialect(string engine) : SqlDialect
    {
        public override string EngineName => engine;

        public override string EventTimeTypes => "TS or TEXT";

        public override bool IsTimestamp(string type) => type == "TS";

        public override bool IsEventTimeType(string type) => type is "TS" or "TEXT";

        public override bool IsEntityTimeType(string type) => IsEventTimeType(type);

        public override string AsInstant(string expression, string type) => type == "TS" ? expression : $"instant({expression})";

        public override string LatestFirst(string eventTime, string? createdTime) =>
            createdTime is null ? $"{eventTime} DESC" : $"{eventTime} DESC, {createdTime} DESC";

        public override string LatestPerKey(SqlLatestQuery query) =>
            $"LATEST BY {string.Join(", ", query.Keys.Select(k => k.Name))} OF {string.Join(", ", query.Values.Select(v => v.Name))} "
            + $"ORDER {LatestFirst(query.EventTime, query.CreatedTime)}\n{query.From}";
    }
}
