namespace Feast.Cli.Init;

/// <summary>The text files of the local template, filled in with the project name.</summary>
internal static class TemplateFiles
{
    /// <summary>The name of the definitions file.</summary>
    public const string DefinitionsFileName = "driver_repo.cs";

    /// <summary>
    /// <c>feature_store.yaml</c> in the shape of Feast's local template (same keys, order and comments), plus the
    /// offline store Feast.NET reads the Parquet sample data with.
    /// </summary>
    public static string FeatureStoreYaml(string project) => $"""
        project: {ProjectName.ToYamlScalar(project)}
        # By default, the registry is a file (but can be turned into a more scalable SQL-backed registry)
        registry: data/registry.db
        # The provider primarily specifies default offline / online stores & storing the registry in a given cloud
        provider: local
        online_store:
            type: sqlite
            path: data/online_store.db
        # The offline store reads the file sources (data/driver_stats.parquet) for training data and materialization
        offline_store:
            type: duckdb
        entity_key_serialization_version: 3
        # By default, no_auth for authentication and authorization, other possible values kubernetes and oidc. Refer the documentation for more details.
        auth:
            type: no_auth

        """;

    /// <summary>
    /// <c>driver_repo.cs</c>: Feast's <c>example_repo.py</c> in C#. Static fields are declared in dependency order
    /// because C# runs static field initializers in textual order; a use before the declaration would see null.
    /// </summary>
    public static string DriverRepo(string project) => $$"""
        using Feast;

        // This is an example feature definition file: the C# counterpart of Feast's example_repo.py.
        //
        // `feast apply` compiles every .cs file in this folder and registers each public static field or
        // property that holds a definition (Project, Entity, data sources, feature views, on demand feature
        // views, feature services, permissions). The field names are yours to choose; the names passed to
        // the constructors are what Feast stores and serves.
        //
        // C# runs static field initializers from top to bottom, so every definition below comes after the
        // definitions it uses.

        /// <summary>
        /// The driver example: hourly driver statistics read from a Parquet file, features computed from
        /// request data, and the feature services a model uses.
        /// </summary>
        public static class DriverRepo
        {
            // Define a project for the feature repo. Its name must match `project` in feature_store.yaml.
            public static readonly Project Project = new("{{project}}", description: "A project for driver statistics");

            // Define an entity for the driver. You can think of an entity as a primary key used to fetch
            // features: data rows and online requests identify a driver by its driver_id.
            public static readonly Entity Driver = new("driver", joinKeys: ["driver_id"], valueType: ValueType.Int64);

            // Read data from parquet files. Parquet is convenient for local development mode. For production,
            // you can use your favorite data warehouse. See the Feast documentation for more info.
            // Relative paths are relative to this folder.
            public static readonly FileSource DriverStatsSource = new(
                path: "data/driver_stats.parquet",
                timestampField: "event_timestamp",
                name: "driver_hourly_stats_source",
                createdTimestampColumn: "created");

            // Our parquet file contains sample data that includes a driver_id column, timestamps and three
            // feature columns. Here we define a feature view that will allow us to serve this data to our
            // model online.
            public static readonly FeatureView DriverStatsFv = new(
                // The unique name of this feature view. Two feature views in a single project cannot have
                // the same name.
                name: "driver_hourly_stats",
                source: DriverStatsSource,
                entities: [Driver],
                ttl: TimeSpan.FromDays(1),
                // The list of features defined below act as a schema both to define features for
                // materialization into a store, and as references during retrieval for building a training
                // dataset or serving features.
                schema:
                [
                    new Field("conv_rate", FeastType.Float32),
                    new Field("acc_rate", FeastType.Float32),
                    new Field("avg_daily_trips", FeastType.Int64, description: "Average daily trips"),
                ],
                online: true,
                // Tags are user defined key/value pairs that are attached to each feature view.
                tags: new Dictionary<string, string> { ["team"] = "driver_performance" });

            // Define a request data source which encodes features / information only available at request
            // time (e.g. part of the user initiated HTTP request).
            public static readonly RequestSource InputRequest = new(
                name: "vals_to_add",
                schema:
                [
                    new Field("val_to_add", FeastType.Int64),
                    new Field("val_to_add_2", FeastType.Int64),
                ]);

            // Define an on demand feature view which can generate new features based on existing feature
            // views and RequestSource features. The transformation is the C# method TransformedConvRate at
            // the end of this class; feast apply stores its source text in the registry.
            public static readonly OnDemandFeatureView TransformedConvRateView = new(
                name: "transformed_conv_rate",
                sources: [DriverStatsFv, InputRequest],
                schema:
                [
                    new Field("conv_rate_plus_val1", FeastType.Float64),
                    new Field("conv_rate_plus_val2", FeastType.Float64),
                ],
                transform: TransformedConvRate);

            // This groups features into a model version.
            public static readonly FeatureService DriverActivityV1 = new(
                name: "driver_activity_v1",
                features:
                [
                    DriverStatsFv.Select("conv_rate"), // Sub-selects a feature from a feature view
                    TransformedConvRateView, // Selects all features from the feature view
                ]);

            public static readonly FeatureService DriverActivityV2 = new(
                name: "driver_activity_v2",
                features: [DriverStatsFv, TransformedConvRateView]);

            // Defines a way to push data (to be available offline, online or both) into Feast.
            public static readonly PushSource DriverStatsPushSource = new(
                name: "driver_stats_push_source",
                batchSource: DriverStatsSource);

            // Defines a slightly modified version of the feature view from above, where the source has been
            // changed to the push source. This allows fresh features to be directly pushed to the online
            // store for this feature view.
            public static readonly FeatureView DriverStatsFreshFv = new(
                name: "driver_hourly_stats_fresh",
                source: DriverStatsPushSource, // Changed from above
                entities: [Driver],
                ttl: TimeSpan.FromDays(1),
                schema:
                [
                    new Field("conv_rate", FeastType.Float32),
                    new Field("acc_rate", FeastType.Float32),
                    new Field("avg_daily_trips", FeastType.Int64),
                ],
                online: true,
                tags: new Dictionary<string, string> { ["team"] = "driver_performance" });

            // Define an on demand feature view which can generate new features based on existing feature
            // views and RequestSource features. One C# method can back several views.
            public static readonly OnDemandFeatureView TransformedConvRateFreshView = new(
                name: "transformed_conv_rate_fresh",
                sources: [DriverStatsFreshFv, InputRequest], // Relies on the fresh version of the feature view
                schema:
                [
                    new Field("conv_rate_plus_val1", FeastType.Float64),
                    new Field("conv_rate_plus_val2", FeastType.Float64),
                ],
                transform: TransformedConvRate);

            public static readonly FeatureService DriverActivityV3 = new(
                name: "driver_activity_v3",
                features: [DriverStatsFreshFv, TransformedConvRateFreshView]);

            /// <summary>
            /// The transformation of transformed_conv_rate and transformed_conv_rate_fresh: adds each request
            /// value to the conversion rate.
            /// </summary>
            /// <param name="inputs">
            /// One row's inputs by feature name: conv_rate from the feature view, val_to_add and val_to_add_2
            /// from the request.
            /// </param>
            /// <returns>The outputs by the names in the view's schema.</returns>
            public static IReadOnlyDictionary<string, object?> TransformedConvRate(IReadOnlyDictionary<string, object?> inputs)
            {
                // Values arrive boxed (conv_rate as a float, the request values as longs) and may be null
                // when a value is missing; a missing input gives a missing output.
                static double? ToDouble(object? value) =>
                    value is null ? null : Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);

                var convRate = ToDouble(inputs["conv_rate"]);
                return new Dictionary<string, object?>
                {
                    ["conv_rate_plus_val1"] = convRate + ToDouble(inputs["val_to_add"]),
                    ["conv_rate_plus_val2"] = convRate + ToDouble(inputs["val_to_add_2"]),
                };
            }
        }

        """;

    /// <summary><c>README.md</c>: what each file is and the commands to run next.</summary>
    public static string Readme(string project) => $"""
        # {project}

        A Feast.NET feature repo created by `feast init`: the driver example from Feast's quickstart, with
        its definitions written in C#.

        | Path | What it is |
        |---|---|
        | `feature_store.yaml` | The configuration: project `{project}`, a file registry (`data/registry.db`), a SQLite online store (`data/online_store.db`) and a DuckDB offline store. |
        | `{DefinitionsFileName}` | The definitions: the `driver` entity, the `driver_hourly_stats` feature views, the `vals_to_add` request source, the `transformed_conv_rate` on demand feature views and the `driver_activity_v1`..`v3` feature services. |
        | `data/driver_stats.parquet` | Sample data: one row per driver (1001–1005) per hour for the 15 days before `feast init` ran, with `conv_rate`, `acc_rate`, `avg_daily_trips` and the `event_timestamp`/`created` timestamps. |
        | `data/` | Where `feast apply` keeps the registry and the online store. |

        `feast apply` compiles every `.cs` file in this folder and registers each public static field or
        property that holds a definition. Keep helper code you do not want compiled outside this folder.

        ## Next steps

        Run these from this folder:

        ```sh
        feast plan                 # show what apply would add, change or remove
        feast apply                # register the definitions and create the online store tables
        feast registry-dump        # print the registry contents
        feast feature-views list   # list the registered feature views
        ```

        Then edit `{DefinitionsFileName}` (add a feature, change a TTL) and run `feast plan` again to see the
        difference before applying it.

        """;

    /// <summary>The name of the minimal template's definitions file.</summary>
    public const string MinimalDefinitionsFileName = "feature_definitions.cs";

    /// <summary>
    /// <c>feature_store.yaml</c> of <c>feast init --minimal</c>: Feast's minimal template (project, registry, provider, online
    /// store path), with paths inside the repo instead of Feast's <c>/path/to/...</c> placeholders so it works as written.
    /// </summary>
    public static string MinimalFeatureStoreYaml(string project) => $"""
        project: {ProjectName.ToYamlScalar(project)}
        registry: data/registry.db
        provider: local
        online_store:
            path: data/online_store.db
        entity_key_serialization_version: 3

        """;

    /// <summary>The minimal template's definitions file: no definitions yet, and a comment on how to add them.</summary>
    public static string MinimalDefinitions(string project) => $$"""
        using Feast;

        // Feature definitions of project {{project}}.
        //
        // `feast apply` compiles every .cs file in this folder and registers each public static field or property
        // that holds a definition: Entity, data sources (FileSource, PushSource, ...), FeatureView,
        // OnDemandFeatureView, FeatureService, Permission. For example:
        //
        //     public static readonly Entity Driver = new("driver", joinKeys: ["driver_id"], valueType: ValueType.Int64);
        //
        // `feast init` without --minimal creates a complete example.
        public static class FeatureDefinitions
        {
        }

        """;
}
