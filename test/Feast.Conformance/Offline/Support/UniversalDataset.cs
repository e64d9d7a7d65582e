using Feast.Offline;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>
/// The shape of Feast's universal historical-retrieval dataset (FEAST-FORMATS.md §7.6; Feast's
/// <c>tests/universal/feature_repos</c> and <c>driver_test_data.py</c>), generated from a fixed seed at a fixed "now":
/// customers, drivers, locations, 20 orders as the entity rows with timestamps rotating through naive, UTC, +01:00 and
/// US/Pacific, and the views driver_stats (2h), customer_profile (2d), order (two entities), location_stats (joined twice
/// as origin and destination), global_stats (entity-less) and field_mapping (entity-less, renamed column).
/// </summary>
internal sealed class UniversalDataset
{
    /// <summary>The fixed "now" (µs precision); Feast's window ends at now truncated to the hour.</summary>
    public static readonly DateTimeOffset Now = new DateTimeOffset(2026, 1, 15, 10, 23, 45, TimeSpan.Zero).AddTicks(6_789_010);

    public static readonly DateTimeOffset End = new(Now.Year, Now.Month, Now.Day, Now.Hour, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset Start = End.AddDays(-3);

    public static readonly Entity Customer = new("customer", ["customer_id"], ValueType.Int64);
    public static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);
    public static readonly Entity Location = new("location", ["location_id"], ValueType.Int64);

    private const string Ts = "event_timestamp";
    private const string Created = "created";

    public static readonly IReadOnlyList<string> MainFeatureRefs =
    [
        "driver_stats:conv_rate",
        "driver_stats:avg_daily_trips",
        "customer_profile:current_balance",
        "customer_profile:avg_passenger_count",
        "customer_profile:lifetime_trip_count",
        "order:order_is_success",
        "global_stats:num_rides",
        "global_stats:avg_ride_length",
        "field_mapping:feature_name",
    ];

    public UniversalDataset(bool noTtl = false)
    {
        var random = new Random(20210412);
        var created = Now;
        var hours = (int)(End - Start).TotalHours;

        DriverStatsTable = new TestTable(new TestColumn("driver_id", ColumnType.Int64), new TestColumn("conv_rate", ColumnType.Float32),
            new TestColumn("acc_rate", ColumnType.Float32), new TestColumn("avg_daily_trips", ColumnType.Int64),
            new TestColumn(Ts, ColumnType.Timestamp), new TestColumn(Created, ColumnType.Timestamp));
        foreach (var driver in DriverIds)
        {
            for (var h = 0; h < hours; h++)
                DriverStatsTable.Add(driver, random.NextSingle(), random.NextSingle(), random.NextInt64(0, 1000), Start.AddHours(h), created);
        }
        // Feast's driver data also has one old fixed row, and one row duplicated twice.
        DriverStatsTable.Add(DriverIds[0], 0.5f, 0.25f, 7L, new DateTimeOffset(2021, 4, 12, 7, 0, 0, TimeSpan.Zero), created);
        DriverStatsTable.Add(DriverStatsTable.Rows[30]);
        DriverStatsTable.Add(DriverStatsTable.Rows[30]);

        // Naive timestamps in the source file: Feast reads them as UTC.
        CustomerProfileTable = new TestTable(new TestColumn("customer_id", ColumnType.Int64), new TestColumn("current_balance", ColumnType.Float32),
            new TestColumn("avg_passenger_count", ColumnType.Float64), new TestColumn("lifetime_trip_count", ColumnType.Int64),
            new TestColumn(Ts, ColumnType.Timestamp, Naive: true), new TestColumn(Created, ColumnType.Timestamp, Naive: true));
        foreach (var customer in CustomerIds)
        {
            // The last three customers have only a month-old profile: null with a 2-day TTL, found without one.
            IEnumerable<DateTimeOffset> days = customer >= 1017 ? [Start.AddDays(-30)] : Enumerable.Range(0, 3).Select(d => Start.AddDays(d));
            foreach (var day in days)
                CustomerProfileTable.Add(customer, random.NextSingle() * 100, random.NextDouble() * 4, random.NextInt64(0, 500), day, created);
        }

        LocationTable = new TestTable(new TestColumn("location_id", ColumnType.Int64), new TestColumn("temperature", ColumnType.Int32),
            new TestColumn(Ts, ColumnType.Timestamp), new TestColumn(Created, ColumnType.Timestamp));
        foreach (var location in LocationIds)
        {
            for (var h = 0; h < hours; h++) LocationTable.Add(location, random.Next(-10, 40), Start.AddHours(h), created);
        }

        GlobalTable = new TestTable(new TestColumn("num_rides", ColumnType.Int32), new TestColumn("avg_ride_length", ColumnType.Float32),
            new TestColumn(Ts, ColumnType.Timestamp), new TestColumn(Created, ColumnType.Timestamp));
        for (var d = 0; d < 3; d++) GlobalTable.Add(random.Next(0, 1000), random.NextSingle() * 30, Start.AddDays(d), created);

        FieldMappingTable = new TestTable(new TestColumn("column_name", ColumnType.Int64), new TestColumn(Ts, ColumnType.Timestamp),
            new TestColumn(Created, ColumnType.Timestamp));
        for (var i = 0; i < 10; i++) FieldMappingTable.Add((long)(i + 1), Start + ((End - Start) * i / 10), created);

        // 20 orders, evenly spaced over the window; they are both the order view's rows and the entity rows.
        OrdersTable = new TestTable(new TestColumn("order_id", ColumnType.Int64), new TestColumn("driver_id", ColumnType.Int64),
            new TestColumn("customer_id", ColumnType.Int64), new TestColumn("origin_id", ColumnType.Int64),
            new TestColumn("destination_id", ColumnType.Int64), new TestColumn("order_is_success", ColumnType.Bool),
            new TestColumn(Ts, ColumnType.Timestamp));
        EntityRows = new TestTable(new TestColumn("customer_id", ColumnType.Int64), new TestColumn("driver_id", ColumnType.Int64),
            new TestColumn("order_id", ColumnType.Int64), new TestColumn("origin_id", ColumnType.Int64),
            new TestColumn("destination_id", ColumnType.Int64), new TestColumn(Ts, ColumnType.Timestamp),
            new TestColumn("driver_age", ColumnType.Int64));
        for (var i = 0; i < 20; i++)
        {
            var ts = Values.Micros(Start + ((End - Start) * i / 20));
            var driver = DriverIds[random.Next(DriverIds.Count)];
            var customer = CustomerIds[random.Next(CustomerIds.Count)];
            var origin = LocationIds[random.Next(LocationIds.Count)];
            var destination = LocationIds[random.Next(LocationIds.Count)];
            OrdersTable.Add((long)(i + 1), driver, customer, origin, destination, random.Next(2) == 1, ts);
            EntityRows.Add(customer, driver, (long)(i + 1), origin, destination, RotateZone(ts, i), (long)(i + 100));
        }

        var zero = noTtl ? TimeSpan.Zero : TimeSpan.FromDays(2);
        DriverStatsSource = new FileSource("data/driver_stats.parquet", Ts, name: "driver_stats_source", createdTimestampColumn: Created);
        CustomerSource = new FileSource("data/customer_profile.parquet", Ts, name: "customer_profile_source", createdTimestampColumn: Created);
        OrdersSource = new FileSource("data/orders.parquet", Ts, name: "orders_source");
        LocationSource = new FileSource("data/location_stats.parquet", Ts, name: "location_stats_source", createdTimestampColumn: Created);
        GlobalSource = new FileSource("data/global_stats.parquet", Ts, name: "global_stats_source", createdTimestampColumn: Created);
        FieldMappingSource = new FileSource("data/field_mapping.parquet", Ts, name: "field_mapping_source", createdTimestampColumn: Created,
            fieldMapping: new Dictionary<string, string> { ["column_name"] = "feature_name" });

        DriverStats = new FeatureView("driver_stats", DriverStatsSource, [Driver], TimeSpan.FromHours(2),
            [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);
        CustomerProfile = new FeatureView("customer_profile", CustomerSource, [Customer], zero,
            [new Field("current_balance", FeastType.Float32), new Field("avg_passenger_count", FeastType.Float64), new Field("lifetime_trip_count", FeastType.Int64)]);
        Order = new FeatureView("order", OrdersSource, [Customer, Driver], zero, [new Field("order_is_success", FeastType.Bool)]);
        LocationStats = new FeatureView("location_stats", LocationSource, [Location], TimeSpan.FromDays(2), [new Field("temperature", FeastType.Int32)]);
        GlobalStats = new FeatureView("global_stats", GlobalSource, [], zero,
            [new Field("num_rides", FeastType.Int32), new Field("avg_ride_length", FeastType.Float32)]);
        FieldMapping = new FeatureView("field_mapping", FieldMappingSource, [], zero, [new Field("feature_name", FeastType.Int64)]);

        Origin = (FeatureView)LocationStats.WithName("origin").WithJoinKeyMap(new Dictionary<string, string> { ["location_id"] = "origin_id" });
        Destination = (FeatureView)LocationStats.WithName("destination").WithJoinKeyMap(new Dictionary<string, string> { ["location_id"] = "destination_id" });
        LocationService = new FeatureService("location_service", [Origin, Destination]);
        DriverService = new FeatureService("driver_service", [DriverStats.Select("conv_rate"), CustomerProfile]);
    }

    public static IReadOnlyList<long> CustomerIds { get; } = [.. Enumerable.Range(1001, 19).Select(i => (long)i)];

    public static IReadOnlyList<long> DriverIds { get; } = [.. Enumerable.Range(5001, 19).Select(i => (long)i)];

    public static IReadOnlyList<long> LocationIds { get; } = [.. Enumerable.Range(1, 49).Select(i => (long)i)];

    public TestTable DriverStatsTable { get; }
    public TestTable CustomerProfileTable { get; }
    public TestTable LocationTable { get; }
    public TestTable GlobalTable { get; }
    public TestTable FieldMappingTable { get; }
    public TestTable OrdersTable { get; }

    /// <summary>The entity rows: orders[customer_id, driver_id, order_id, origin_id, destination_id, event_timestamp] plus request data (driver_age).</summary>
    public TestTable EntityRows { get; }

    public FileSource DriverStatsSource { get; }
    public FileSource CustomerSource { get; }
    public FileSource OrdersSource { get; }
    public FileSource LocationSource { get; }
    public FileSource GlobalSource { get; }
    public FileSource FieldMappingSource { get; }

    public FeatureView DriverStats { get; }
    public FeatureView CustomerProfile { get; }
    public FeatureView Order { get; }
    public FeatureView LocationStats { get; }
    public FeatureView GlobalStats { get; }
    public FeatureView FieldMapping { get; }

    /// <summary>location_stats as "origin", joined on origin_id.</summary>
    public FeatureView Origin { get; }

    /// <summary>location_stats as "destination", joined on destination_id.</summary>
    public FeatureView Destination { get; }

    /// <summary>Both location projections; without full names their features collide.</summary>
    public FeatureService LocationService { get; }

    /// <summary>driver_stats[conv_rate] and all of customer_profile.</summary>
    public FeatureService DriverService { get; }

    /// <summary>Everything <c>ApplyAsync</c> needs.</summary>
    public IReadOnlyList<FeastObject> Objects =>
    [
        Customer, Driver, Location,
        DriverStatsSource, CustomerSource, OrdersSource, LocationSource, GlobalSource, FieldMappingSource,
        DriverStats, CustomerProfile, Order, LocationStats, GlobalStats, FieldMapping,
        LocationService, DriverService,
    ];

    /// <summary>The source rows of every view, by source name.</summary>
    public TestTable SourceOf(FeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.BatchSource.Name switch
        {
            "driver_stats_source" => DriverStatsTable,
            "customer_profile_source" => CustomerProfileTable,
            "orders_source" => OrdersTable,
            "location_stats_source" => LocationTable,
            "global_stats_source" => GlobalTable,
            "field_mapping_source" => FieldMappingTable,
            _ => throw new ArgumentException($"Unknown source '{view.BatchSource.Name}'.", nameof(view)),
        };
    }

    public async Task WriteAsync(string repoPath)
    {
        await ParquetFiles.WriteAsync(DriverStatsTable, Path.Combine(repoPath, DriverStatsSource.Path));
        await ParquetFiles.WriteAsync(CustomerProfileTable, Path.Combine(repoPath, CustomerSource.Path));
        await ParquetFiles.WriteAsync(OrdersTable, Path.Combine(repoPath, OrdersSource.Path));
        await ParquetFiles.WriteAsync(LocationTable, Path.Combine(repoPath, LocationSource.Path));
        await ParquetFiles.WriteAsync(GlobalTable, Path.Combine(repoPath, GlobalSource.Path));
        await ParquetFiles.WriteAsync(FieldMappingTable, Path.Combine(repoPath, FieldMappingSource.Path));
    }

    /// <summary>The reference inputs for feature references "view:feature", grouped by view in first-mention order (as the resolver does).</summary>
    public IReadOnlyList<ReferenceView> Reference(IEnumerable<string> featureRefs)
    {
        var views = new[] { DriverStats, CustomerProfile, Order, LocationStats, GlobalStats, FieldMapping }.ToDictionary(v => v.Name);
        return [.. featureRefs
            .Select(r => r.Split(':'))
            .GroupBy(p => p[0])
            .Select(g => Reference(views[g.Key], views[g.Key].Projection, [.. g.Select(p => p[1]).Distinct()]))];
    }

    /// <summary>The reference inputs for one projection of <paramref name="view"/>.</summary>
    public ReferenceView Reference(FeatureView view, FeatureViewProjection projection, IReadOnlyList<string> features)
    {
        ArgumentNullException.ThrowIfNull(view);
        var fields = features.Select(f => view.Features.Single(x => x.Name == f)).ToList();
        return new ReferenceView(new FeatureViewRequest(view, projection, fields), SourceOf(view));
    }

    /// <summary>The same instant as naive, UTC, +01:00 and US/Pacific (-08:00 in January) values, by row (Feast's EventTimestampType(idx % 4)).</summary>
    // Each arm is cast to object: otherwise the switch's type is DateTimeOffset (DateTime converts to it) and the
    // naive and UTC DateTimes silently become DateTimeOffsets.
    public static object RotateZone(DateTimeOffset instant, int row) => (row % 4) switch
    {
        0 => (object)DateTime.SpecifyKind(instant.UtcDateTime, DateTimeKind.Unspecified),
        1 => (object)instant.UtcDateTime,
        2 => (object)instant.ToOffset(TimeSpan.FromHours(1)),
        _ => (object)instant.ToOffset(TimeSpan.FromHours(-8)),
    };
}
