using Google.Protobuf;
using PValueType = Feast.Protos.Types.ValueType.Types.Enum;
using RegistryProto = Feast.Protos.Core.Registry;

namespace Feast.Cli.Tests.Commands;

/// <summary>
/// <c>feast apply</c> on repos shaped like Feast's own template: entities without a value type, views whose schema lists
/// only features or nothing, sources without a timestamp field or created column, Parquet and CSV. Apply infers what
/// Feast infers, writes it as Feast does, and checks the sources unless told not to.
/// </summary>
public class ApplyInferenceTests
{
    private const string Header = "using Feast;\n\npublic static class Repo\n{\n";

    // The init repo's sample data: event_timestamp, driver_id, conv_rate (float), acc_rate (float), avg_daily_trips (int64), created.
    private const string TemplateShape = Header + """
            public static readonly Entity Driver = new(name: "driver", joinKeys: ["driver_id"]);

            public static readonly FileSource Stats = new(path: "data/driver_stats.parquet", timestampField: "event_timestamp",
                name: "driver_hourly_stats_source", createdTimestampColumn: "created");

            public static readonly FeatureView Typed = new(name: "driver_hourly_stats", source: Stats, entities: [Driver], ttl: TimeSpan.FromDays(1),
                schema: [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);

            public static readonly FeatureView Inferred = new(name: "driver_stats_inferred", source: Stats, entities: [Driver], ttl: TimeSpan.FromDays(3650));

            public static readonly FeatureService Service = new(name: "inferred_service", features: [Inferred]);
        }
        """;

    [Fact]
    public async Task Apply_FeastTemplateShape_TypesJoinKeysAndInfersFeaturesThatServeOnline()
    {
        using var repo = await InitRepo.CreateAsync("driver_infer");
        repo.Write(TemplateShape_File, TemplateShape);

        (await repo.RunAsync("apply")).ExpectOk();

        var registry = repo.ReadRegistry();
        Assert.Equal(PValueType.Invalid, registry.Entities.Single(e => e.Spec.Name == "driver").Spec.ValueType);
        foreach (var view in registry.FeatureViews)
            Assert.Equal([("driver_id", PValueType.Int64)], view.Spec.EntityColumns.Select(c => (c.Name, c.ValueType)));
        var inferred = registry.FeatureViews.Single(v => v.Spec.Name == "driver_stats_inferred");
        Assert.Equal([("conv_rate", PValueType.Float), ("acc_rate", PValueType.Float), ("avg_daily_trips", PValueType.Int64)],
            inferred.Spec.Features.Select(f => (f.Name, f.ValueType)));
        Assert.Equal(["conv_rate", "acc_rate", "avg_daily_trips"], registry.FeatureServices.Single().Spec.Features.Single().FeatureColumns.Select(f => f.Name));

        // The inferred features are real: they materialize and are read back.
        (await repo.RunAsync("materialize", "2000-01-01T00:00:00", MaterializedRepoFixture.Arg(DateTimeOffset.UtcNow.AddDays(1)), "-v", "driver_stats_inferred")).ExpectOk();
        var online = (await repo.RunAsync("get-online-features", "-f", "driver_stats_inferred:avg_daily_trips", "-e", "driver_id=1001")).ExpectOk();
        Assert.Contains("\"PRESENT\"", online.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_InferringRepo_WritesTheRegistryOfTheSameRepoWithTypesSpeltOut()
    {
        // No timestampField (the created column is not a candidate), an untyped entity, a view without schema.
        const string inferring = Header + """
                public static readonly Entity Driver = new(name: "driver", joinKeys: ["driver_id"]);
                public static readonly FileSource Stats = new(path: "data/driver_stats.parquet", name: "stats", createdTimestampColumn: "created");
                public static readonly FeatureView View = new(name: "stats_view", source: Stats, entities: [Driver], ttl: TimeSpan.FromDays(1));
                public static readonly FeatureService Service = new(name: "svc", features: [View]);
            }
            """;
        const string speltOut = Header + """
                public static readonly Entity Driver = new(name: "driver", joinKeys: ["driver_id"]);
                public static readonly FileSource Stats = new(path: "data/driver_stats.parquet", name: "stats", timestampField: "event_timestamp", createdTimestampColumn: "created");
                public static readonly FeatureView View = new(name: "stats_view", source: Stats, entities: [Driver], ttl: TimeSpan.FromDays(1),
                    schema: [new Field("driver_id", FeastType.Int64), new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64)]);
                public static readonly FeatureService Service = new(name: "svc", features: [View]);
            }
            """;
        using var a = await InitRepo.CreateAsync("driver_same");
        using var b = await InitRepo.CreateAsync("driver_same");
        a.Write(TemplateShape_File, inferring);
        b.Write(TemplateShape_File, speltOut);

        (await a.RunAsync("apply")).ExpectOk();
        (await b.RunAsync("apply")).ExpectOk();

        Assert.Equal(Normalized(b.ReadRegistry()).ToByteArray(), Normalized(a.ReadRegistry()).ToByteArray());
        Assert.Contains("No changes", (await a.RunAsync("plan")).ExpectOk().Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_CsvWithoutTimestampFieldOrCreatedColumn_InfersBothAndSkipsInternalColumns()
    {
        using var repo = await InitRepo.CreateAsync("driver_csv");
        repo.Write("data/trips.csv", "driver_id,event_timestamp,trips,rating,__row__\n1001,2026-11-01 00:00:00,3,4.5,0\n1002,2026-11-01 01:00:00,5,3.5,1\n");
        repo.Write(TemplateShape_File, Header + """
                public static readonly Entity Driver = new(name: "driver", joinKeys: ["driver_id"]);
                public static readonly FileSource Trips = new(path: "data/trips.csv", name: "trips_source");
                public static readonly FeatureView View = new(name: "trips_view", source: Trips, entities: [Driver]);
            }
            """);

        (await repo.RunAsync("apply")).ExpectOk();

        var registry = repo.ReadRegistry();
        Assert.Equal("event_timestamp", registry.DataSources.Single().TimestampField);
        var view = registry.FeatureViews.Single();
        Assert.Equal("event_timestamp", view.Spec.BatchSource.TimestampField);
        Assert.Equal([("driver_id", PValueType.Int64)], view.Spec.EntityColumns.Select(c => (c.Name, c.ValueType)));
        Assert.Equal([("trips", PValueType.Int64), ("rating", PValueType.Double)], view.Spec.Features.Select(f => (f.Name, f.ValueType)));
    }

    [Fact]
    public async Task Apply_ParquetFolderWithFieldMapping_InfersMappedFeatureNames()
    {
        using var repo = await InitRepo.CreateAsync("driver_folder");
        Directory.CreateDirectory(Path.Combine(repo.Repo, "data", "parts"));
        File.Copy(Path.Combine(repo.Repo, "data", "driver_stats.parquet"), Path.Combine(repo.Repo, "data", "parts", "part-0.parquet"));
        repo.Write(TemplateShape_File, Header + """
                public static readonly Entity Driver = new(name: "driver", joinKeys: ["driver_id"]);
                public static readonly FileSource Parts = new(path: "data/parts", name: "parts", timestampField: "event_timestamp",
                    createdTimestampColumn: "created", fieldMapping: new Dictionary<string, string> { ["avg_daily_trips"] = "trips" });
                public static readonly FeatureView View = new(name: "parts_view", source: Parts, entities: [Driver]);
            }
            """);

        (await repo.RunAsync("apply")).ExpectOk();

        Assert.Equal(["conv_rate", "acc_rate", "trips"], repo.ReadRegistry().FeatureViews.Single().Spec.Features.Select(f => f.Name));
    }

    [Fact]
    public async Task Apply_TwoTimestampColumnsAndNoTimestampField_SaysToNameOne()
    {
        using var repo = await InitRepo.CreateAsync("driver_two_ts");
        repo.Write(TemplateShape_File, Header + """
                public static readonly Entity Driver = new(name: "driver", joinKeys: ["driver_id"], valueType: ValueType.Int64);
                public static readonly FileSource Stats = new(path: "data/driver_stats.parquet", name: "stats");
                public static readonly FeatureView View = new(name: "v", source: Stats, entities: [Driver], schema: [new Field("conv_rate", FeastType.Float32)]);
            }
            """);

        var result = (await repo.RunAsync("apply")).Expect(1);

        Assert.Contains("Data source 'stats'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("2 timestamp columns (event_timestamp, created)", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("timestampField: \"event_timestamp\"", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(repo.RegistryPath));
    }

    [Fact]
    public async Task Apply_MissingSourceFile_FailsNamingIt_AndSkipSourceValidationRegistersAnyway()
    {
        using var repo = await InitRepo.CreateAsync("driver_missing");
        repo.Write(TemplateShape_File, Header + """
                public static readonly Entity Driver = new(name: "driver", joinKeys: ["driver_id"], valueType: ValueType.Int64);
                public static readonly FileSource Later = new(path: "data/later.parquet", name: "later", timestampField: "event_timestamp");
                public static readonly FeatureView View = new(name: "v", source: Later, entities: [Driver], schema: [new Field("conv_rate", FeastType.Float32)]);
            }
            """);

        var plan = (await repo.RunAsync("plan")).Expect(1);
        var apply = (await repo.RunAsync("apply")).Expect(1);
        Assert.False(File.Exists(repo.RegistryPath));
        (await repo.RunAsync("apply", "--skip-source-validation")).ExpectOk();

        Assert.Contains(Path.Combine(repo.Repo, "data", "later.parquet"), plan.Stderr, StringComparison.Ordinal);
        Assert.Contains("does not exist", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains("--skip-source-validation", apply.Stderr, StringComparison.Ordinal);
        Assert.Equal(["v"], repo.ReadRegistry().FeatureViews.Select(v => v.Spec.Name));
    }

    [Fact]
    public async Task Apply_ViewWithoutSchemaOverMissingFile_FailsEvenWhenValidationIsSkipped()
    {
        using var repo = await InitRepo.CreateAsync("driver_missing_infer");
        repo.Write(TemplateShape_File, Header + """
                public static readonly Entity Driver = new(name: "driver", joinKeys: ["driver_id"]);
                public static readonly FileSource Later = new(path: "data/later.parquet", name: "later", timestampField: "event_timestamp");
                public static readonly FeatureView View = new(name: "v", source: Later, entities: [Driver]);
            }
            """);

        var result = (await repo.RunAsync("apply", "--skip-source-validation")).Expect(1);

        Assert.Contains("later.parquet' does not exist", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(repo.RegistryPath));
    }

    [Fact]
    public async Task Apply_FeatureOfTheWrongType_NamesViewColumnAndBothTypes()
    {
        using var repo = await InitRepo.CreateAsync("driver_wrong_type");
        repo.Write(TemplateShape_File, Header + """
                public static readonly Entity Driver = new(name: "driver", joinKeys: ["driver_id"]);
                public static readonly FileSource Stats = new(path: "data/driver_stats.parquet", name: "stats", timestampField: "event_timestamp");
                public static readonly FeatureView View = new(name: "v", source: Stats, entities: [Driver], schema: [new Field("conv_rate", FeastType.String)]);
            }
            """);

        var result = (await repo.RunAsync("apply")).Expect(1);

        Assert.Contains("FeatureView 'v': feature 'conv_rate' is declared String but column 'conv_rate' of source 'stats' has type FLOAT", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("FeastType.Float32", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(repo.RegistryPath));
    }

    private const string TemplateShape_File = "driver_repo.cs";

    /// <summary>The registry without what differs between two writes of the same content: times and generated ids.</summary>
    private static RegistryProto Normalized(RegistryProto registry)
    {
        var copy = registry.Clone();
        copy.VersionId = "";
        copy.LastUpdated = null;
#pragma warning disable CS0612 // Feast still writes the deprecated project metadata, with a random uuid.
        foreach (var metadata in copy.ProjectMetadata) metadata.ProjectUuid = "";
#pragma warning restore CS0612
        foreach (var p in copy.Projects) p.Meta = null;
        foreach (var e in copy.Entities) e.Meta = null;
        foreach (var d in copy.DataSources) d.Meta = null;
        foreach (var v in copy.FeatureViews) v.Meta = null;
        foreach (var s in copy.FeatureServices) s.Meta = null;
        return copy;
    }
}
