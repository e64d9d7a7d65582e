using Feast.Offline;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>
/// The reference join checked against answers worked out by hand, so that the conformance suite's yardstick is itself
/// right. No store is involved.
/// </summary>
public class ReferencePointInTimeJoinTests
{
    private static readonly DateTimeOffset T0 = SmallDataset.T0;
    private static readonly TimeSpan Micro = SmallDataset.Micro;

    private static TestTable Source(params (long Driver, long Value, DateTimeOffset Ts, DateTimeOffset Created)[] rows)
    {
        var table = new TestTable(new TestColumn("driver_id", ColumnType.Int64), new TestColumn("value", ColumnType.Int64),
            new TestColumn("event_timestamp", ColumnType.Timestamp), new TestColumn("created", ColumnType.Timestamp));
        foreach (var (driver, value, ts, created) in rows) table.Add(driver, value, ts, created);
        return table;
    }

    private static TestTable Entities(params (long Driver, object Ts)[] rows)
    {
        var table = new TestTable(new TestColumn("driver_id", ColumnType.Int64), new TestColumn("event_timestamp", ColumnType.Timestamp));
        foreach (var (driver, ts) in rows) table.Add(driver, ts);
        return table;
    }

    private static ReferenceView View(TestTable source, TimeSpan ttl, string name = "stats", bool created = true, IReadOnlyList<Entity>? entities = null,
        IReadOnlyDictionary<string, string>? fieldMapping = null, string feature = "value")
    {
        var file = new FileSource($"data/{name}.parquet", "event_timestamp", name: name, createdTimestampColumn: created ? "created" : "", fieldMapping: fieldMapping);
        var view = new FeatureView(name, file, entities ?? [UniversalDataset.Driver], ttl, [new Field(feature, FeastType.Int64)]);
        return new ReferenceView(new FeatureViewRequest(view, view.Projection, view.Features), source);
    }

    private static object?[] Column(TestTable table, string column) => [.. table.Rows.Select(r => r[table.IndexOf(column)])];

    [Fact]
    public void Join_SmallDataset_MatchesHandComputedValues()
    {
        var result = ReferencePointInTimeJoin.Join(SmallDataset.EntityRows(), [SmallDataset.Reference()], fullFeatureNames: false);

        Assert.Equal(SmallDataset.ExpectedConvRate.Select(v => (object?)v), Column(result, "conv_rate"));
        Assert.Equal(SmallDataset.ExpectedLabel, Column(result, "label"));
        Assert.Equal(["trip_id", "event_timestamp", "fare", "driver_id", "vip", "conv_rate", "acc_rate", "trips32", "trips", "active", "label"], result.ColumnNames);
    }

    [Fact]
    public void Join_TtlBounds_AreInclusiveAtBothEnds()
    {
        var source = Source((1, 7, T0, T0));
        var entities = Entities((1, T0 - Micro), (1, T0), (1, T0.AddHours(1)), (1, T0.AddHours(1) + Micro));

        var result = ReferencePointInTimeJoin.Join(entities, [View(source, TimeSpan.FromHours(1))], false);

        Assert.Equal([null, 7L, 7L, null], Column(result, "value"));
    }

    [Fact]
    public void Join_ZeroTtl_HasNoLowerBound()
    {
        var source = Source((1, 7, T0, T0));
        var entities = Entities((1, T0.AddDays(1000)), (1, T0 - Micro));

        var result = ReferencePointInTimeJoin.Join(entities, [View(source, TimeSpan.Zero)], false);

        Assert.Equal([7L, null], Column(result, "value"));
    }

    [Fact]
    public void Join_Backfills_LaterCreatedBreaksTiesButLaterEventWins()
    {
        var now = UniversalDataset.Now;
        var source = Source((1001, 10, now, now), (1001, 20, now, now.AddDays(1)), (1002, 30, now, now.AddDays(1)), (1002, 40, now.AddDays(1), now));
        var entities = Entities((1001, now.AddDays(2)), (1002, now.AddDays(2)));

        var result = ReferencePointInTimeJoin.Join(entities, [View(source, TimeSpan.FromDays(3))], false);

        Assert.Equal([20L, 40L], Column(result, "value"));
    }

    [Fact]
    public void Join_LatestRowWithNullFeature_ReturnsNullNotAnOlderValue()
    {
        var source = Source((1, 7, T0, T0));
        source.Add(1L, null, T0.AddHours(1), T0);

        var result = ReferencePointInTimeJoin.Join(Entities((1, T0.AddHours(2))), [View(source, TimeSpan.Zero)], false);

        Assert.Equal([null], Column(result, "value"));
    }

    [Fact]
    public void Join_EntitylessView_TakesLatestOfAllRows()
    {
        var source = new TestTable(new TestColumn("rides", ColumnType.Int64), new TestColumn("event_timestamp", ColumnType.Timestamp))
            .Add(1L, T0).Add(2L, T0.AddHours(1)).Add(3L, T0.AddHours(5));
        var file = new FileSource("data/global.parquet", "event_timestamp", name: "global");
        var view = new FeatureView("global", file, [], TimeSpan.FromHours(2), [new Field("rides", FeastType.Int64)]);
        var entities = Entities((1, T0.AddHours(2)), (99, T0.AddHours(4)), (5, T0 - Micro));

        var result = ReferencePointInTimeJoin.Join(entities, [new ReferenceView(new FeatureViewRequest(view, view.Projection, view.Features), source)], false);

        Assert.Equal([2L, null, null], Column(result, "rides"));
    }

    [Fact]
    public void Join_JoinKeyMapAndAlias_JoinsOnMappedColumnAndNamesByAlias()
    {
        var source = new TestTable(new TestColumn("location_id", ColumnType.Int64), new TestColumn("temperature", ColumnType.Int32),
                new TestColumn("event_timestamp", ColumnType.Timestamp))
            .Add(1L, 10, T0).Add(2L, 20, T0);
        var location = new Entity("location", ["location_id"], ValueType.Int64);
        var view = new FeatureView("location_stats", new FileSource("data/loc.parquet", "event_timestamp", name: "loc"), [location], TimeSpan.Zero,
            [new Field("temperature", FeastType.Int32)]);
        var origin = view.WithName("origin").WithJoinKeyMap(new Dictionary<string, string> { ["location_id"] = "origin_id" }).Projection;
        var destination = view.WithName("destination").WithJoinKeyMap(new Dictionary<string, string> { ["location_id"] = "destination_id" }).Projection;
        var entities = new TestTable(new TestColumn("origin_id", ColumnType.Int64), new TestColumn("destination_id", ColumnType.Int64),
                new TestColumn("event_timestamp", ColumnType.Timestamp))
            .Add(1L, 2L, T0).Add(2L, 3L, T0);

        var result = ReferencePointInTimeJoin.Join(entities,
            [new ReferenceView(new FeatureViewRequest(view, origin, view.Features), source), new ReferenceView(new FeatureViewRequest(view, destination, view.Features), source)],
            fullFeatureNames: true);

        Assert.Equal(["origin_id", "destination_id", "event_timestamp", "origin__temperature", "destination__temperature"], result.ColumnNames);
        Assert.Equal([10, 20], Column(result, "origin__temperature"));
        Assert.Equal([20, null], Column(result, "destination__temperature"));
    }

    [Fact]
    public void Join_FieldMapping_ReadsRenamedJoinKeyAndFeature()
    {
        var source = new TestTable(new TestColumn("id", ColumnType.Int64), new TestColumn("column_name", ColumnType.Int64),
                new TestColumn("event_timestamp", ColumnType.Timestamp), new TestColumn("created", ColumnType.Timestamp))
            .Add(1L, 5L, T0, T0);
        var view = View(source, TimeSpan.Zero, feature: "feature_name",
            fieldMapping: new Dictionary<string, string> { ["id"] = "driver_id", ["column_name"] = "feature_name" });

        var result = ReferencePointInTimeJoin.Join(Entities((1, T0), (2, T0)), [view], fullFeatureNames: true);

        Assert.Equal(["driver_id", "event_timestamp", "stats__feature_name"], result.ColumnNames);
        Assert.Equal([5L, null], Column(result, "stats__feature_name"));
    }

    [Fact]
    public void Join_TwoEntities_MatchesOnBothKeys()
    {
        var source = new TestTable(new TestColumn("customer_id", ColumnType.Int64), new TestColumn("driver_id", ColumnType.Int64),
                new TestColumn("ok", ColumnType.Bool), new TestColumn("event_timestamp", ColumnType.Timestamp))
            .Add(1L, 10L, true, T0).Add(1L, 11L, false, T0).Add(2L, 10L, false, T0.AddHours(1));
        var view = new FeatureView("order", new FileSource("data/o.parquet", "event_timestamp", name: "o"), [UniversalDataset.Customer, UniversalDataset.Driver],
            TimeSpan.Zero, [new Field("ok", FeastType.Bool)]);
        var entities = new TestTable(new TestColumn("driver_id", ColumnType.Int64), new TestColumn("customer_id", ColumnType.Int64),
                new TestColumn("event_timestamp", ColumnType.Timestamp))
            .Add(10L, 1L, T0).Add(11L, 1L, T0).Add(10L, 2L, T0).Add(10L, 2L, T0.AddHours(1));

        var result = ReferencePointInTimeJoin.Join(entities, [new ReferenceView(new FeatureViewRequest(view, view.Projection, view.Features), source)], false);

        Assert.Equal([true, false, null, false], Column(result, "ok"));
    }

    [Fact]
    public void Join_TimestampsWithOffsets_CompareAsInstants()
    {
        var source = Source((1, 7, T0, T0));
        // 09:00+01:00 is T0; 00:00-08:00 is T0 exactly too; a naive DateTime is UTC.
        var entities = Entities((1, T0.ToOffset(TimeSpan.FromHours(1))), (1, T0.ToOffset(TimeSpan.FromHours(-8))),
            (1, DateTime.SpecifyKind(T0.UtcDateTime, DateTimeKind.Unspecified)), (1, (T0 - Micro).ToOffset(TimeSpan.FromHours(1))));

        var result = ReferencePointInTimeJoin.Join(entities, [View(source, TimeSpan.FromHours(1))], false);

        Assert.Equal([7L, 7L, 7L, null], Column(result, "value"));
    }

    [Fact]
    public void Join_DuplicateUnsortedEntityRows_KeepInputOrder()
    {
        var source = Source((1, 1, T0, T0), (1, 2, T0.AddHours(1), T0), (2, 3, T0, T0));
        var entities = Entities((1, T0.AddHours(1)), (2, T0), (1, T0), (1, T0.AddHours(1)), (2, T0));

        var result = ReferencePointInTimeJoin.Join(entities, [View(source, TimeSpan.Zero)], false);

        Assert.Equal([2L, 3L, 1L, 2L, 3L], Column(result, "value"));
        Assert.Equal(entities.Rows.Select(r => r[1]), Column(result, "event_timestamp"));
    }

    [Fact]
    public void EntityTimestampColumn_OnlyOneTimestampColumn_IsUsed()
    {
        var entities = new TestTable(new TestColumn("driver_id", ColumnType.Int64), new TestColumn("order_time", ColumnType.Timestamp)).Add(1L, T0);

        var result = ReferencePointInTimeJoin.Join(entities, [View(Source((1, 7, T0, T0)), TimeSpan.Zero)], false);

        Assert.Equal("order_time", ReferencePointInTimeJoin.EntityTimestampColumn(entities));
        Assert.Equal([7L], Column(result, "value"));
    }

    [Fact]
    public void EntityTimestampColumn_TwoTimestampColumnsNoneNamedEventTimestamp_Throws()
    {
        var entities = new TestTable(new TestColumn("a", ColumnType.Timestamp), new TestColumn("b", ColumnType.Timestamp));

        Assert.Throws<InvalidOperationException>(() => ReferencePointInTimeJoin.EntityTimestampColumn(entities));
    }

    [Fact]
    public void Join_FullTieWithDifferentFeatures_ThrowsRatherThanGuess()
    {
        var source = Source((1, 7, T0, T0), (1, 8, T0, T0));

        Assert.Throws<InvalidOperationException>(() => ReferencePointInTimeJoin.Join(Entities((1, T0)), [View(source, TimeSpan.Zero)], false));
    }

    [Fact]
    public void Join_ExactDuplicateSourceRows_AreNotAmbiguous()
    {
        var source = Source((1, 7, T0, T0), (1, 7, T0, T0));

        var result = ReferencePointInTimeJoin.Join(Entities((1, T0)), [View(source, TimeSpan.Zero, created: false)], false);

        Assert.Equal([7L], Column(result, "value"));
    }

    [Fact]
    public void Join_FullTieBrokenByLaterTimestamp_IsNotAmbiguous()
    {
        var source = Source((1, 7, T0, T0), (1, 8, T0, T0), (1, 9, T0.AddHours(1), T0));

        var result = ReferencePointInTimeJoin.Join(Entities((1, T0.AddHours(1))), [View(source, TimeSpan.Zero)], false);

        Assert.Equal([9L], Column(result, "value"));
    }

    [Fact]
    public void Join_StringKeys_CompareExactly()
    {
        var source = new TestTable(new TestColumn("code", ColumnType.String), new TestColumn("value", ColumnType.Int64), new TestColumn("event_timestamp", ColumnType.Timestamp))
            .Add("ams", 1L, T0).Add("AMS", 2L, T0);
        var region = new Entity("region", ["code"], ValueType.String);
        var view = new FeatureView("r", new FileSource("data/r.parquet", "event_timestamp", name: "r"), [region], TimeSpan.Zero, [new Field("value", FeastType.Int64)]);
        var entities = new TestTable(new TestColumn("code", ColumnType.String), new TestColumn("event_timestamp", ColumnType.Timestamp))
            .Add("ams", T0).Add("AMS", T0).Add("ams ", T0).Add(null, T0);

        var result = ReferencePointInTimeJoin.Join(entities, [new ReferenceView(new FeatureViewRequest(view, view.Projection, view.Features), source)], false);

        Assert.Equal([1L, 2L, null, null], Column(result, "value"));
    }

    [Fact]
    public void Join_FullFeatureNamesOff_UsesBareFeatureNames()
    {
        var result = ReferencePointInTimeJoin.Join(Entities((1, T0)), [View(Source((1, 7, T0, T0)), TimeSpan.Zero)], fullFeatureNames: false);

        Assert.Equal(["driver_id", "event_timestamp", "value"], result.ColumnNames);
    }
}
