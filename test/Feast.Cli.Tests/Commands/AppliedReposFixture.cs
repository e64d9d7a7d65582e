namespace Feast.Cli.Tests.Commands;

/// <summary>
/// Two applied repos the read-only commands (list, describe, registry-dump) share, so the repo compiles only twice:
/// the plain driver example, and the driver example plus a permission, a Kafka source and two stream feature views.
/// </summary>
public sealed class AppliedReposFixture : IAsyncLifetime
{
    public const string PlainProject = "driver_listing";

    public const string ExtendedProject = "driver_extended";

    /// <summary>Definitions added to the extended repo: kinds the template does not use.</summary>
    public const string ExtraDefinitions = """
        public static class Extras
        {
            public static readonly KafkaSource DriverTrips = new(
                name: "driver_trips_kafka",
                timestampField: "event_timestamp",
                kafkaBootstrapServers: "localhost:9092",
                topic: "driver_trips",
                messageFormat: StreamFormat.Json("{\"type\": \"record\"}"),
                batchSource: DriverRepo.DriverStatsSource);

            public static readonly StreamFeatureView DriverTripsStream = new(
                name: "driver_trips_stream",
                source: DriverTrips,
                entities: [DriverRepo.Driver],
                ttl: TimeSpan.FromHours(2),
                schema: [new Field("trips_last_hour", FeastType.Int64)],
                tags: new Dictionary<string, string> { ["team"] = "realtime" });

            public static readonly StreamFeatureView DriverPushedStream = new(
                name: "driver_pushed_stream",
                source: DriverRepo.DriverStatsPushSource,
                entities: [DriverRepo.Driver],
                schema: [new Field("pushed_rate", FeastType.Float32)],
                tags: new Dictionary<string, string> { ["team"] = "driver_performance", ["tier"] = "gold" });

            // Short names: the list table wraps at 80 columns and would break longer ones (see ObjectCommandsTests).
            public static readonly Permission FeatureReaders = new(
                name: "readers",
                types: [PermissionResourceType.FeatureView, PermissionResourceType.FeatureService],
                namePatterns: ["driver_.*"],
                actions: AuthzedActions.Read,
                policy: new RoleBasedPolicy(["reader"]),
                tags: new Dictionary<string, string> { ["team"] = "driver_performance" });

            public static readonly Permission Admins = new(name: "admins", types: [PermissionResourceType.Project], policy: new GroupBasedPolicy(["feast-admins"]));
        }

        """;

    private InitRepo? _plain;
    private InitRepo? _extended;

    public InitRepo Plain => _plain ?? throw new InvalidOperationException("not initialized");

    public InitRepo Extended => _extended ?? throw new InvalidOperationException("not initialized");

    public async Task InitializeAsync()
    {
        _plain = await InitRepo.CreateAsync(PlainProject);
        _extended = await InitRepo.CreateAsync(ExtendedProject);
        _extended.Write("extras.cs", ExtraDefinitions);
        await Task.WhenAll(
            Apply(_plain),
            Apply(_extended));

        static async Task Apply(InitRepo repo) => (await repo.RunAsync("apply")).ExpectOk();
    }

    public Task DisposeAsync()
    {
        _plain?.Dispose();
        _extended?.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class AppliedReposCollection : ICollectionFixture<AppliedReposFixture>
{
    public const string Name = "Applied driver repos";
}
