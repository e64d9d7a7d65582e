using Feast.Repo;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Feast.Tests.Repo;

public class RepoLoaderTests(ITestOutputHelper output)
{
    [Fact]
    public async Task LoadAsync_DriverExampleInTwoFiles_FindsEveryObjectByKind()
    {
        using var repo = new TempRepo()
            .Write("driver_repo.cs", RepoExamples.DriverDefinitions)
            .Write("services/driver_services.cs", RepoExamples.DriverServices);

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Equal(2, contents.FileCount);
        Assert.True(contents.CompileTime > TimeSpan.Zero);
        output.WriteLine($"compile time: {contents.CompileTime.TotalMilliseconds:F0} ms");

        var driver = Assert.Single(contents.Entities);
        Assert.Equal("driver", driver.Name);
        Assert.Equal(["driver_id"], driver.JoinKeys);

        Assert.Equal(["driver_hourly_stats", "driver_hourly_stats_fresh"], contents.FeatureViews.Select(v => v.Name));
        var stats = contents.FeatureViews[0];
        Assert.Equal(TimeSpan.FromDays(1), stats.Ttl);
        Assert.Equal(["conv_rate", "acc_rate", "avg_daily_trips"], stats.Features.Select(f => f.Name));
        Assert.Equal([FeastType.Float32, FeastType.Float32, FeastType.Int64], stats.Features.Select(f => f.Dtype));
        Assert.Equal(["driver"], stats.Entities);
        var fresh = contents.FeatureViews[1];
        Assert.IsType<PushSource>(fresh.StreamSource);
        Assert.Same(stats.BatchSource, fresh.BatchSource);
        Assert.Empty(contents.StreamFeatureViews);

        // The file source is exposed directly, is the views' batch source and the push source's batch source: listed once.
        Assert.Equal(
            ["driver_hourly_stats_source:FileSource", "driver_stats_push_source:PushSource", "vals_to_add:RequestSource"],
            contents.DataSources.Select(s => $"{s.Name}:{s.SourceTypeName}").Order(StringComparer.Ordinal));

        var service = Assert.Single(contents.FeatureServices);
        Assert.Equal("driver_activity_v1", service.Name);
        Assert.Equal(["conv_rate"], service.Projections[0].Features.Select(f => f.Name));

        var odfv = Assert.Single(contents.OnDemandFeatureViews);
        Assert.Equal("transformed_conv_rate", odfv.Name);
        Assert.NotNull(odfv.Transform);
        Assert.NotNull(odfv.Udf);
        Assert.Equal("AddValues", odfv.Udf.Name);
        Assert.StartsWith("public static Dictionary<string, object?> AddValues(IReadOnlyDictionary<string, object?> inputs)", odfv.Udf.BodyText, StringComparison.Ordinal);
        Assert.Contains("[\"conv_rate_plus_val2\"] = convRate + Convert.ToDouble(inputs[\"val_to_add_2\"]),", odfv.Udf.BodyText, StringComparison.Ordinal);
        Assert.EndsWith("}", odfv.Udf.BodyText, StringComparison.Ordinal);
        Assert.Empty(odfv.Udf.Body);

        var permission = Assert.Single(contents.Permissions);
        Assert.Equal("feast_admin_permission", permission.Name);
        Assert.Equal(["feast-admin"], Assert.IsType<RoleBasedPolicy>(permission.Policy).Roles);
        Assert.Equal("driver_project", Assert.Single(contents.Projects).Name);
    }

    [Fact]
    public async Task LoadAsync_TransformDelegate_RunsInTheHost()
    {
        using var repo = new TempRepo()
            .Write("driver_repo.cs", RepoExamples.DriverDefinitions)
            .Write("driver_services.cs", RepoExamples.DriverServices);

        var contents = await RepoLoader.LoadAsync(repo.Root);

        var transform = Assert.Single(contents.OnDemandFeatureViews).Transform!;
        var inputs = new Dictionary<string, object?> { ["conv_rate"] = 0.5, ["val_to_add"] = 1L, ["val_to_add_2"] = 2L };
        var result = Assert.IsType<Dictionary<string, object?>>(transform.DynamicInvoke(inputs));
        Assert.Equal(1.5, result["conv_rate_plus_val1"]);
        Assert.Equal(2.5, result["conv_rate_plus_val2"]);
    }

    [Fact]
    public async Task LoadAsync_SecondCompileInProcess_ReportsCompileTimes()
    {
        using var repo = new TempRepo()
            .Write("driver_repo.cs", RepoExamples.DriverDefinitions)
            .Write("driver_services.cs", RepoExamples.DriverServices);
        var logger = new ListLogger();

        var first = await RepoLoader.LoadAsync(repo.Root, logger);
        var second = await RepoLoader.LoadAsync(repo.Root, logger);

        output.WriteLine($"first: {first.CompileTime.TotalMilliseconds:F0} ms, second: {second.CompileTime.TotalMilliseconds:F0} ms");
        Assert.Contains(logger.Messages, m => m.Level == LogLevel.Debug && m.Text.StartsWith("Compiled 2 definition file(s) of ", StringComparison.Ordinal));
        // Each load gets its own load context, yet the objects are the host's types and equal across loads.
        Assert.Equal(first.Entities[0], second.Entities[0]);
    }

    [Fact]
    public async Task LoadAsync_ValueTypeWithUsingSystem_MeansFeastValueType()
    {
        using var repo = new TempRepo().Write("entities.cs", """
            using System;
            using Feast;

            public static class Entities
            {
                public static readonly Entity Driver = new("driver", joinKeys: ["driver_id"], valueType: ValueType.Int64);
                public static readonly Field Rate = new("rate", FeastType.Float32);
                public static readonly Policy Everyone = Policy.AllowAll;
                public static readonly Permission Readers = new("readers", actions: AuthzedActions.Read, policy: Everyone);
                public static readonly Project Project = new("p");
            }
            """);

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Equal(ValueType.Int64, Assert.Single(contents.Entities).ValueType);
        Assert.Single(contents.Permissions);
        Assert.Single(contents.Projects);
    }

    [Fact]
    public async Task LoadAsync_FileWithNoUsings_CompilesWithTheGlobalUsings()
    {
        using var repo = new TempRepo().Write("entities.cs", """
            public static class Entities
            {
                public static readonly List<Entity> All = new[] { "driver", "customer" }.Select(n => new Entity(n)).ToList();
            }
            """);

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Equal(["driver", "customer"], contents.Entities.Select(e => e.Name));
    }

    [Fact]
    public async Task LoadAsync_TypeError_ThrowsRepoCompilationExceptionWithFileAndLine()
    {
        using var repo = new TempRepo()
            .Write("good.cs", RepoExamples.EntityFile("Good", "Driver", "driver"))
            .Write("sub/bad.cs", """
                public static class Bad
                {
                    public static readonly Entity Customer = new("customer");

                    public static readonly Entity Broken = new(42);
                }
                """);

        var e = await Assert.ThrowsAsync<RepoCompilationException>(() => RepoLoader.LoadAsync(repo.Root));

        var line = Assert.Single(e.Diagnostics);
        Assert.StartsWith("sub/bad.cs:5: error CS1503: ", line, StringComparison.Ordinal);
        Assert.Contains(line, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_SyntaxErrors_ListsEveryErrorWithItsLine()
    {
        using var repo = new TempRepo().Write("broken.cs", """
            public static class Broken
            {
                public static readonly Entity Driver = new("driver")

                public static readonly Entity Customer = new(UnknownName);
            }
            """);

        var e = await Assert.ThrowsAsync<RepoCompilationException>(() => RepoLoader.LoadAsync(repo.Root));

        Assert.Equal(2, e.Diagnostics.Count);
        Assert.StartsWith("broken.cs:3: error CS1002: ; expected", e.Diagnostics[0], StringComparison.Ordinal);
        Assert.StartsWith("broken.cs:5: error CS0103: ", e.Diagnostics[1], StringComparison.Ordinal);
        Assert.All(e.Diagnostics, d => Assert.Matches(@"^broken\.cs:\d+: error CS\d{4}: ", d));
    }

    [Fact]
    public async Task LoadAsync_Warnings_DoNotFail()
    {
        using var repo = new TempRepo().Write("warn.cs", """
            public static class Warn
            {
                public static readonly Entity Driver = new("driver", description: null);
            }
            """);

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Single(contents.Entities);
    }

    [Fact]
    public async Task LoadAsync_ValidationErrorInStaticInitializer_ThrowsFeastExceptionWithFileLineAndMessage()
    {
        using var repo = new TempRepo()
            .Write("driver_repo.cs", RepoExamples.DriverDefinitions)
            .Write("views/bad_view.cs", """
                namespace DriverRepo;

                public static class BadViews
                {
                    public static readonly FeatureView Twice = new(
                        name: "twice",
                        source: Definitions.DriverStatsSource,
                        schema: [new Field("a", FeastType.Int64), new Field("a", FeastType.Int64)]);
                }
                """);

        var e = await Assert.ThrowsAsync<FeastException>(() => RepoLoader.LoadAsync(repo.Root));

        output.WriteLine(e.Message);
        Assert.Equal("views/bad_view.cs:5: feature view 'twice' defines feature 'a' 2 times. Feature names must be unique within a view.", e.Message);
        Assert.IsType<FeastValidationException>(e.InnerException);
    }

    [Fact]
    public async Task LoadAsync_ExceptionThrownInRepoHelper_PointsAtTheThrowingLine()
    {
        using var repo = new TempRepo().Write("helpers.cs", """
            public static class Helpers
            {
                public static readonly Entity Driver = Make("driver");

                private static Entity Make(string name)
                {
                    if (name.Length > 0)
                        throw new InvalidOperationException("no entities today");
                    return new Entity(name);
                }
            }
            """);

        var e = await Assert.ThrowsAsync<FeastException>(() => RepoLoader.LoadAsync(repo.Root));

        Assert.Equal("helpers.cs:8: InvalidOperationException: no entities today", e.Message);
    }

    [Fact]
    public async Task LoadAsync_ValidationErrorInPropertyGetter_ThrowsFeastExceptionNamingTheLine()
    {
        using var repo = new TempRepo().Write("getter.cs", """
            namespace Repo;

            public class Getters
            {
                public static Entity TooManyKeys => new("driver", joinKeys: ["a", "b"]);
            }
            """);

        var e = await Assert.ThrowsAsync<FeastException>(() => RepoLoader.LoadAsync(repo.Root));

        Assert.StartsWith("getter.cs:5: Entity 'driver' has 2 join keys", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_ErrorWithoutSourceLine_NamesClassAndMember()
    {
        using var repo = new TempRepo().Write("hidden.cs", """
            namespace Repo;

            public static class Hidden
            {
            #line hidden
                public static readonly Entity Bad = new("driver", joinKeys: ["a", "b"]);
            #line default
            }
            """);

        var e = await Assert.ThrowsAsync<FeastException>(() => RepoLoader.LoadAsync(repo.Root));

        Assert.StartsWith("Repo.Hidden.Bad: Entity 'driver' has 2 join keys", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_DuplicateEntityNamesAcrossFiles_ThrowsDuplicateObjectNameExceptionNamingBothPlaces()
    {
        using var repo = new TempRepo()
            .Write("a.cs", RepoExamples.EntityFile("First", "Driver", "driver"))
            .Write("b.cs", """
                public static class Second
                {
                    public static readonly Entity OtherDriver = new("driver", joinKeys: ["other_driver_id"]);
                }
                """);

        var e = await Assert.ThrowsAsync<DuplicateObjectNameException>(() => RepoLoader.LoadAsync(repo.Root));

        Assert.Contains("Entity", e.Message, StringComparison.Ordinal);
        Assert.Contains("'driver'", e.Message, StringComparison.Ordinal);
        Assert.Contains("First.Driver (a.cs:3)", e.Message, StringComparison.Ordinal);
        Assert.Contains("Second.OtherDriver (b.cs:3)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_SameObjectExposedTwice_RegisteredOnce()
    {
        using var repo = new TempRepo().Write("aliases.cs", """
            public static class Aliases
            {
                public static readonly Entity Driver = new("driver");
                public static Entity SameDriver => Driver;
                public static readonly Entity[] AllEntities = [Driver];
                public static readonly Project P1 = new("p");
                public static readonly Project P2 = new("p");
            }
            """);

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Single(contents.Entities);
        Assert.Single(contents.Projects);
    }

    [Fact]
    public async Task LoadAsync_EqualDefinitionsInTwoFiles_RegisteredOnce()
    {
        using var repo = new TempRepo()
            .Write("a.cs", RepoExamples.EntityFile("First", "Driver", "driver"))
            .Write("b.cs", RepoExamples.EntityFile("Second", "Driver", "driver"));

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Single(contents.Entities);
    }

    [Fact]
    public async Task LoadAsync_TwoDifferentSourcesWithOneName_ThrowsNamingBoth()
    {
        using var repo = new TempRepo().Write("sources.cs", """
            public static class Sources
            {
                public static readonly FileSource Stats = new("data/a.parquet", "ts", name: "stats");

                public static readonly FeatureView View = new(
                    "view",
                    new FileSource("data/b.parquet", "ts", name: "stats"),
                    schema: [new Field("x", FeastType.Int64)]);
            }
            """);

        var e = await Assert.ThrowsAsync<DuplicateObjectNameException>(() => RepoLoader.LoadAsync(repo.Root));

        Assert.IsAssignableFrom<FeastValidationException>(e);
        Assert.Contains("DataSource", e.Message, StringComparison.Ordinal);
        Assert.Contains("'stats'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Sources.Stats (sources.cs:3)", e.Message, StringComparison.Ordinal);
        Assert.Contains("batch source of FeatureView 'view' in Sources.View (sources.cs:5)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_SourceOnlyReachableThroughAView_IsListed()
    {
        using var repo = new TempRepo().Write("views.cs", """
            public static class Views
            {
                public static readonly FeatureView View = new(
                    "view",
                    new PushSource("push", new FileSource("data/b.parquet", "ts", name: "file")),
                    schema: [new Field("x", FeastType.Int64)]);
            }
            """);

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Equal(["file", "push"], contents.DataSources.Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task LoadAsync_StreamFeatureView_ListedSeparatelyWithItsSources()
    {
        using var repo = new TempRepo().Write("stream.cs", """
            public static class Streams
            {
                public static readonly FileSource Batch = new("data/t.parquet", "ts", name: "trips_batch");

                public static readonly KafkaSource Trips = new(
                    "trips_stream", "ts", "localhost:9092", "trips", StreamFormat.Json("driver_id integer, trips integer"),
                    batchSource: Batch);

                public static readonly StreamFeatureView TripsView = new(
                    "trips_view", Trips, schema: [new Field("trips", FeastType.Int64)]);
            }
            """);

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Empty(contents.FeatureViews);
        Assert.Equal("trips_view", Assert.Single(contents.StreamFeatureViews).Name);
        Assert.Equal(["trips_batch", "trips_stream"], contents.DataSources.Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task LoadAsync_ProjectionsExposedAsStatics_NotRegisteredAsViews()
    {
        using var repo = new TempRepo()
            .Write("driver_repo.cs", RepoExamples.DriverDefinitions)
            .Write("projections.cs", """
                namespace DriverRepo;

                public static class Projections
                {
                    public static readonly BaseFeatureView ConvRateOnly = Definitions.DriverStats.Select("conv_rate");
                    public static readonly BaseFeatureView Renamed = Definitions.DriverStats.WithName("stats_v2");
                    public static readonly BaseFeatureView Remapped = Definitions.DriverStats.WithJoinKeyMap(new Dictionary<string, string> { ["driver_id"] = "other_id" });
                    public static readonly FeatureService Service = new("svc", [ConvRateOnly, Renamed]);
                }
                """);

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Equal(["driver_hourly_stats", "driver_hourly_stats_fresh"], contents.FeatureViews.Select(v => v.Name));
        Assert.Single(contents.FeatureServices);
    }

    [Fact]
    public async Task LoadAsync_LambdaTransform_UdfHoldsTheLambdaText()
    {
        using var repo = new TempRepo().Write("odfv.cs", """
            public static class OnDemand
            {
                public static readonly RequestSource Request = new("req", [new Field("x", FeastType.Int64)]);

                public static readonly OnDemandFeatureView Doubled = new(
                    "doubled",
                    [Request],
                    [new Field("x2", FeastType.Int64)],
                    transform: (Func<long, long>)(x => x * 2));
            }
            """);

        var contents = await RepoLoader.LoadAsync(repo.Root);

        var udf = Assert.Single(contents.OnDemandFeatureViews).Udf;
        Assert.NotNull(udf);
        Assert.Equal("<lambda>", udf.Name);
        Assert.Equal("x => x * 2", udf.BodyText);
    }

    [Fact]
    public async Task LoadAsync_OdfvWithUdfGiven_KeepsIt()
    {
        using var repo = new TempRepo().Write("odfv.cs", """
            public static class OnDemand
            {
                public static readonly OnDemandFeatureView Given = new(
                    "given",
                    [new RequestSource("req", [new Field("x", FeastType.Int64)])],
                    [new Field("x2", FeastType.Int64)],
                    udf: new UserDefinedFunction("f", "return x;", []),
                    transform: Twice);

                public static long Twice(long x) => x * 2;
            }
            """);

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Equal("return x;", Assert.Single(contents.OnDemandFeatureViews).Udf!.BodyText);
    }

    [Fact]
    public async Task LoadAsync_OverloadedTransform_UdfIsTheMatchingOverload()
    {
        using var repo = new TempRepo().Write("odfv.cs", """
            public static class OnDemand
            {
                public static readonly OnDemandFeatureView View = new(
                    "view",
                    [new RequestSource("req", [new Field("x", FeastType.Int64)])],
                    [new Field("x2", FeastType.Int64)],
                    transform: (Func<long, long>)Nested.Twice);

                internal static class Nested
                {
                    public static int Twice(int x) => x * 2;
                    public static long Twice(long x) => x + x;
                }
            }
            """);

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Equal("public static long Twice(long x) => x + x;", Assert.Single(contents.OnDemandFeatureViews).Udf!.BodyText);
    }

    [Fact]
    public async Task LoadAsync_VisibilityOfDeclaringTypes_PublicAndInternalOnly()
    {
        using var repo = new TempRepo().Write("visibility.cs", """
            namespace Repo.Nested;

            internal static class Outer
            {
                public static readonly Entity A = new("a");

                public static class Inner
                {
                    public static Entity B { get; } = new("b");
                }

                internal class InternalInner
                {
                    public static readonly IEnumerable<FeastObject> Many = [new Entity("c"), new Project("proj")];
                }

                private static class Hidden
                {
                    public static readonly Entity D = new("d");
                }

                internal static readonly Entity NotPublic = new("e");
            }
            """);

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Equal(["a", "b", "c"], contents.Entities.Select(e => e.Name));
        Assert.Equal("proj", Assert.Single(contents.Projects).Name);
    }

    [Fact]
    public async Task LoadAsync_FeastIgnoreListsBrokenFile_RepoCompiles()
    {
        using var repo = new TempRepo()
            .Write("good.cs", RepoExamples.EntityFile("Good", "Driver", "driver"))
            .Write("wip/broken.cs", "this is not C#")
            .Write("scratch.cs", "neither is this")
            .Write("deep/er/generated_x.cs", "nor this")
            .Write(".feastignore", """
                # work in progress
                wip/
                scratch.cs   # a comment after a pattern

                **/generated_*.cs
                """);

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Equal(1, contents.FileCount);
        Assert.Single(contents.Entities);
    }

    [Fact]
    public async Task LoadAsync_BinObjAndHiddenFolders_AreSkipped()
    {
        using var repo = new TempRepo()
            .Write("good.cs", RepoExamples.EntityFile("Good", "Driver", "driver"))
            .Write("bin/Debug/x.cs", "broken")
            .Write("obj/y.cs", "broken")
            .Write("sub/obj/z.cs", "broken")
            .Write(".git/hooks/h.cs", "broken")
            .Write(".hidden.cs", "broken")
            .Write("notes.txt", "not C#");

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Equal(1, contents.FileCount);
    }

    [Fact]
    public async Task LoadAsync_NoDefinitionFiles_ThrowsSuggestingFeastInit()
    {
        using var repo = new TempRepo().Write("bin/ignored.cs", "class A {}");

        var e = await Assert.ThrowsAsync<FeastException>(() => RepoLoader.LoadAsync(repo.Root));

        Assert.Contains("No definition files", e.Message, StringComparison.Ordinal);
        Assert.Contains(repo.Root, e.Message, StringComparison.Ordinal);
        Assert.Contains("feast init", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_MissingFolder_ThrowsFeastException()
    {
        var missing = Path.Combine(Path.GetTempPath(), "feast-repo-tests", Guid.NewGuid().ToString("N"));

        var e = await Assert.ThrowsAsync<FeastException>(() => RepoLoader.LoadAsync(missing));

        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_CancelledToken_Throws()
    {
        using var repo = new TempRepo().Write("good.cs", RepoExamples.EntityFile("Good", "Driver", "driver"));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RepoLoader.LoadAsync(repo.Root, cancellationToken: cts.Token));
    }

    [Fact]
    public async Task LoadAsync_PythonFilesBesideCSharp_WarnsNamingThemAndTheCSharpLayout()
    {
        using var repo = new TempRepo()
            .Write("good.cs", RepoExamples.EntityFile("Good", "Driver", "driver"))
            .Write("example_repo.py", "from feast import Entity\n")
            .Write("more/features.py", "")
            .Write(".venv/lib/site.py", "");

        var contents = await RepoLoader.LoadAsync(repo.Root);

        var warning = Assert.Single(contents.Warnings);
        Assert.StartsWith("example_repo.py, more/features.py are not read: Feast.NET does not read Python definitions. Definitions are C#: *.cs files", warning, StringComparison.Ordinal);
        Assert.Contains("public static field or property", warning, StringComparison.Ordinal);
        Assert.Single(contents.Entities);
    }

    [Fact]
    public async Task LoadAsync_PythonFilesInFeastIgnore_NoWarning()
    {
        using var repo = new TempRepo()
            .Write("good.cs", RepoExamples.EntityFile("Good", "Driver", "driver"))
            .Write("example_repo.py", "")
            .Write(".feastignore", "*.py\n");

        var contents = await RepoLoader.LoadAsync(repo.Root);

        Assert.Empty(contents.Warnings);
    }

    [Fact]
    public async Task LoadAsync_OnlyPythonFiles_FailsSayingPythonIsNotRead()
    {
        using var repo = new TempRepo().Write("example_repo.py", "from feast import Entity\n");

        var e = await Assert.ThrowsAsync<FeastException>(() => RepoLoader.LoadAsync(repo.Root));

        Assert.Contains("No definition files (*.cs) were found", e.Message, StringComparison.Ordinal);
        Assert.Contains("example_repo.py is Python, which Feast.NET does not read. Definitions are C#", e.Message, StringComparison.Ordinal);
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Text)> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add((logLevel, formatter(state, exception)));
    }
}
