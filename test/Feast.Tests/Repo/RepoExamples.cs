namespace Feast.Tests.Repo;

/// <summary>Definition files used by the repo loader tests: Feast's driver example, written in C#.</summary>
internal static class RepoExamples
{
    public const string DriverDefinitions = """
        using Feast;

        namespace DriverRepo;

        public static class Definitions
        {
            public static readonly Entity Driver = new("driver", joinKeys: ["driver_id"], description: "driver id");

            public static readonly FileSource DriverStatsSource = new(
                path: "data/driver_stats.parquet",
                timestampField: "event_timestamp",
                createdTimestampColumn: "created",
                name: "driver_hourly_stats_source");

            public static readonly FeatureView DriverStats = new(
                name: "driver_hourly_stats",
                source: DriverStatsSource,
                entities: [Driver],
                ttl: TimeSpan.FromDays(1),
                schema:
                [
                    new Field("conv_rate", FeastType.Float32),
                    new Field("acc_rate", FeastType.Float32),
                    new Field("avg_daily_trips", FeastType.Int64, description: "Average daily trips"),
                ],
                online: true,
                tags: new Dictionary<string, string> { ["team"] = "driver_performance" });

            public static readonly PushSource DriverStatsPush = new("driver_stats_push_source", batchSource: DriverStatsSource);

            public static readonly FeatureView DriverStatsFresh = new(
                name: "driver_hourly_stats_fresh",
                source: DriverStatsPush,
                entities: [Driver],
                ttl: TimeSpan.FromDays(1),
                schema:
                [
                    new Field("conv_rate", FeastType.Float32),
                    new Field("acc_rate", FeastType.Float32),
                    new Field("avg_daily_trips", FeastType.Int64),
                ]);
        }
        """;

    public const string DriverServices = """
        namespace DriverRepo;

        public static class Services
        {
            public static readonly RequestSource InputRequest = new(
                name: "vals_to_add",
                schema: [new Field("val_to_add", FeastType.Int64), new Field("val_to_add_2", FeastType.Int64)]);

            public static readonly OnDemandFeatureView TransformedConvRate = new(
                name: "transformed_conv_rate",
                sources: [Definitions.DriverStats, InputRequest],
                schema: [new Field("conv_rate_plus_val1", FeastType.Float64), new Field("conv_rate_plus_val2", FeastType.Float64)],
                transform: Transforms.AddValues);

            public static readonly FeatureService DriverActivityV1 = new(
                "driver_activity_v1",
                [Definitions.DriverStats.Select("conv_rate"), TransformedConvRate]);

            public static readonly Permission Admin = new(
                "feast_admin_permission",
                types: [PermissionResourceType.FeatureView, PermissionResourceType.FeatureService],
                actions: AuthzedActions.Crud,
                policy: new RoleBasedPolicy(["feast-admin"]));

            public static Project Project { get; } = new("driver_project", description: "A project for driver statistics");
        }

        internal static class Transforms
        {
            /// <summary>Adds the request values to the conversion rate.</summary>
            public static Dictionary<string, object?> AddValues(IReadOnlyDictionary<string, object?> inputs)
            {
                var convRate = Convert.ToDouble(inputs["conv_rate"]);
                return new()
                {
                    ["conv_rate_plus_val1"] = convRate + Convert.ToDouble(inputs["val_to_add"]),
                    ["conv_rate_plus_val2"] = convRate + Convert.ToDouble(inputs["val_to_add_2"]),
                };
            }
        }
        """;

    /// <summary>A file defining one entity named <paramref name="entityName"/> in class <paramref name="className"/>.</summary>
    public static string EntityFile(string className, string member, string entityName) => $$"""
        public static class {{className}}
        {
            public static readonly Entity {{member}} = new("{{entityName}}", joinKeys: ["{{entityName}}_id"]);
        }
        """;
}
