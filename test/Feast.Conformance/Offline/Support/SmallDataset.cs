namespace Feast.DuckDb.Tests.Conformance;

/// <summary>
/// A tiny, hand-checkable dataset: one view (ttl 2h) with a feature of every type, and entity rows chosen at the TTL
/// and event-time edges, unsorted, with a duplicate and extra columns. <see cref="ExpectedConvRate"/> is worked out by
/// hand, not by the reference.
/// </summary>
internal static class SmallDataset
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 15, 8, 0, 0, TimeSpan.Zero);

    public static readonly TimeSpan Micro = TimeSpan.FromTicks(TimeSpan.TicksPerMicrosecond);

    public const string SourcePath = "data/driver_all.parquet";

    public static readonly FileSource Source = new(SourcePath, "event_timestamp", name: "driver_all_source", createdTimestampColumn: "created");

    public static readonly FeatureView View = new("driver_all", Source, [UniversalDataset.Driver], TimeSpan.FromHours(2),
    [
        new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float64), new Field("trips32", FeastType.Int32),
        new Field("trips", FeastType.Int64), new Field("active", FeastType.Bool), new Field("label", FeastType.String),
    ]);

    /// <summary>The source rows: A, B for driver 1001; C, and D (all features null) for driver 1002.</summary>
    public static TestTable SourceRows() =>
        new TestTable(new TestColumn("driver_id", ColumnType.Int64), new TestColumn("conv_rate", ColumnType.Float32),
                new TestColumn("acc_rate", ColumnType.Float64), new TestColumn("trips32", ColumnType.Int32), new TestColumn("trips", ColumnType.Int64),
                new TestColumn("active", ColumnType.Bool), new TestColumn("label", ColumnType.String),
                new TestColumn("event_timestamp", ColumnType.Timestamp), new TestColumn("created", ColumnType.Timestamp))
            .Add(1001L, 1.5f, 2.25, 3, 4L, true, "a", T0, T0)                                   // A
            .Add(1001L, 10.5f, 20.25, 30, 40L, false, "b", T0.AddHours(1), T0)                  // B
            .Add(1002L, 100.5f, 200.25, 300, 400L, true, "c", T0, T0)                           // C
            .Add(1002L, null, null, null, null, null, null, T0.AddHours(2), T0);                // D

    /// <summary>Entity rows, unsorted, with the timestamp in the middle and extra columns of several types.</summary>
    public static TestTable EntityRows() =>
        new TestTable(new TestColumn("trip_id", ColumnType.String), new TestColumn("event_timestamp", ColumnType.Timestamp),
                new TestColumn("fare", ColumnType.Float64), new TestColumn("driver_id", ColumnType.Int64), new TestColumn("vip", ColumnType.Bool))
            .Add("e0", T0.AddHours(3), 1.25, 1001L, true)                 // B: B's ts is exactly T - ttl (inclusive)
            .Add("e1", T0.AddHours(3) + Micro, 2.5, 1001L, false)         // none: B is 1 µs older than T - ttl
            .Add("e2", T0.AddHours(2), 3.75, 1002L, true)                 // D: the latest row, whose features are null
            .Add("e3", T0.AddHours(2) - Micro, 5.0, 1002L, false)         // C: D is 1 µs in the future
            .Add("e4", T0, 6.25, 1001L, true)                             // A: ts == T (inclusive)
            .Add("e5", T0 - Micro, 7.5, 1001L, false)                     // none: A is 1 µs in the future
            .Add("e6", T0.AddHours(1), 8.75, 1003L, true)                 // none: unknown driver
            .Add("e0", T0.AddHours(3), 1.25, 1001L, true)                 // duplicate of e0: its own output row
            .Add("e8", T0.AddMinutes(30), 10.0, 1001L, false);            // A

    /// <summary>conv_rate per entity row, by hand.</summary>
    public static readonly float?[] ExpectedConvRate = [10.5f, null, null, 100.5f, 1.5f, null, null, 10.5f, 1.5f];

    /// <summary>label per entity row, by hand.</summary>
    public static readonly string?[] ExpectedLabel = ["b", null, null, "c", "a", null, null, "b", "a"];

    public static Task WriteAsync(string repoPath) => ParquetFiles.WriteAsync(SourceRows(), Path.Combine(repoPath, SourcePath));

    public static ReferenceView Reference() =>
        new(new Feast.Offline.FeatureViewRequest(View, View.Projection, View.Features), SourceRows());
}
