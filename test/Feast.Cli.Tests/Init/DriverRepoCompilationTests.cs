using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Feast.Cli.Init;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.Extensions.Time.Testing;

namespace Feast.Cli.Tests.Init;

/// <summary>The generated driver_repo.cs, compiled with Roslyn the way feast apply compiles a repo, and loaded.</summary>
public sealed class CompiledDriverRepo : IAsyncLifetime
{
    // The implicit usings feast apply adds to every repo file.
    public const string GlobalUsings =
        "global using System; global using System.Collections.Generic; global using System.Linq; global using Feast; global using ValueType = Feast.ValueType;";

    public const string ProjectName = "driver_quickstart";

    public ImmutableArray<Diagnostic> Diagnostics { get; private set; }

    public Type? DriverRepo { get; private set; }

    public async Task InitializeAsync()
    {
        using var temp = new TempDir();
        var repo = await RepoTemplate.CreateAsync(temp.File(ProjectName), new FakeTimeProvider(), CancellationToken.None);
        var path = Path.Combine(repo, "driver_repo.cs");
        var source = await File.ReadAllTextAsync(path);

        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "DriverRepo_" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(source, parseOptions, path), CSharpSyntaxTree.ParseText(GlobalUsings, parseOptions, "GlobalUsings.cs")],
            [.. Basic.Reference.Assemblies.Net100.References.All, MetadataReference.CreateFromFile(typeof(FeastObject).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        Diagnostics = result.Diagnostics;
        if (!result.Success) return;
        image.Position = 0;
        DriverRepo = AssemblyLoadContext.Default.LoadFromStream(image).GetType("DriverRepo", throwOnError: true);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public class DriverRepoCompilationTests(CompiledDriverRepo compiled) : IClassFixture<CompiledDriverRepo>
{
    [Fact]
    public void DriverRepo_CompiledWithFeastApplysUsings_HasNoErrorsOrWarnings()
    {
        Assert.Empty(compiled.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()));
        Assert.NotNull(compiled.DriverRepo);
    }

    [Fact]
    public void DriverRepo_PublicStaticFields_HoldEveryDefinitionInitialized()
    {
        // Reading the fields runs the static initializers: a field used before its declaration would be null here,
        // or would make a constructor throw (TypeInitializationException).
        var fields = Definitions();

        Assert.Equal(
            ["Project", "Driver", "DriverStatsSource", "DriverStatsFv", "InputRequest", "TransformedConvRateView", "DriverActivityV1",
             "DriverActivityV2", "DriverStatsPushSource", "DriverStatsFreshFv", "TransformedConvRateFreshView", "DriverActivityV3"],
            fields.Keys);
        Assert.All(fields.Values, Assert.NotNull);
        Assert.Equal(
            ["Project", "Entity", "DataSource", "FeatureView", "DataSource", "OnDemandFeatureView", "FeatureService",
             "FeatureService", "DataSource", "FeatureView", "OnDemandFeatureView", "FeatureService"],
            fields.Values.Select(o => o.Kind));
        Assert.Equal(
            [CompiledDriverRepo.ProjectName, "driver", "driver_hourly_stats_source", "driver_hourly_stats", "vals_to_add", "transformed_conv_rate",
             "driver_activity_v1", "driver_activity_v2", "driver_stats_push_source", "driver_hourly_stats_fresh", "transformed_conv_rate_fresh",
             "driver_activity_v3"],
            fields.Values.Select(o => o.Name));
    }

    [Fact]
    public void DriverRepo_Definitions_MatchFeastsDriverExample()
    {
        var fields = Definitions();

        var project = Assert.IsType<Project>(fields["Project"]);
        Assert.Equal("A project for driver statistics", project.Description);

        var driver = Assert.IsType<Entity>(fields["Driver"]);
        Assert.Equal("driver_id", driver.JoinKey);
        Assert.Equal(ValueType.Int64, driver.ValueType);

        var source = Assert.IsType<FileSource>(fields["DriverStatsSource"]);
        Assert.Equal("data/driver_stats.parquet", source.Path);
        Assert.Equal(FileFormat.Parquet, source.FileFormat);
        Assert.Equal("event_timestamp", source.TimestampField);
        Assert.Equal("created", source.CreatedTimestampColumn);

        var view = Assert.IsType<FeatureView>(fields["DriverStatsFv"]);
        Assert.Same(source, view.BatchSource);
        Assert.Null(view.StreamSource);
        Assert.Equal(["driver"], view.Entities);
        Assert.Equal([new Field("driver_id", FeastType.Int64)], view.EntityColumns);
        Assert.Equal(TimeSpan.FromDays(1), view.Ttl);
        Assert.True(view.Online);
        Assert.Equal(
            [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32),
             new Field("avg_daily_trips", FeastType.Int64, description: "Average daily trips")],
            view.Features);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "driver_performance" }, view.Tags);

        var request = Assert.IsType<RequestSource>(fields["InputRequest"]);
        Assert.Equal([new Field("val_to_add", FeastType.Int64), new Field("val_to_add_2", FeastType.Int64)], request.Schema);

        var odfv = Assert.IsType<OnDemandFeatureView>(fields["TransformedConvRateView"]);
        Assert.Equal(["driver_hourly_stats", "vals_to_add"], odfv.Sources.Select(s => s.Name));
        Assert.Equal(view.Projection, odfv.Sources[0].Projection);
        Assert.Same(request, odfv.Sources[1].RequestSource);
        Assert.Equal([new Field("conv_rate_plus_val1", FeastType.Float64), new Field("conv_rate_plus_val2", FeastType.Float64)], odfv.Features);
        Assert.Equal(OnDemandFeatureView.CSharpMode, odfv.Mode);
        Assert.Equal("TransformedConvRate", odfv.Transform?.Method.Name);

        var push = Assert.IsType<PushSource>(fields["DriverStatsPushSource"]);
        Assert.Same(source, push.BatchSource);

        var fresh = Assert.IsType<FeatureView>(fields["DriverStatsFreshFv"]);
        Assert.Same(push, fresh.StreamSource);
        Assert.Same(source, fresh.BatchSource);
        Assert.Equal(view.Entities, fresh.Entities);
        Assert.Equal(view.Ttl, fresh.Ttl);
        Assert.Equal(view.Features.Select(f => (f.Name, f.Dtype)), fresh.Features.Select(f => (f.Name, f.Dtype)));

        var freshOdfv = Assert.IsType<OnDemandFeatureView>(fields["TransformedConvRateFreshView"]);
        Assert.Equal(["driver_hourly_stats_fresh", "vals_to_add"], freshOdfv.Sources.Select(s => s.Name));
        Assert.Equal(odfv.Features, freshOdfv.Features);
        Assert.Equal("TransformedConvRate", freshOdfv.Transform?.Method.Name);
    }

    [Fact]
    public void DriverRepo_FeatureServices_ProjectTheViewsLikeFeast()
    {
        var fields = Definitions();

        var v1 = Assert.IsType<FeatureService>(fields["DriverActivityV1"]);
        Assert.Equal(["driver_hourly_stats", "transformed_conv_rate"], v1.Projections.Select(p => p.Name));
        Assert.Equal(["conv_rate"], v1.Projections[0].Features.Select(f => f.Name));
        Assert.Equal(["conv_rate_plus_val1", "conv_rate_plus_val2"], v1.Projections[1].Features.Select(f => f.Name));

        var v2 = Assert.IsType<FeatureService>(fields["DriverActivityV2"]);
        Assert.Equal(["driver_hourly_stats", "transformed_conv_rate"], v2.Projections.Select(p => p.Name));
        Assert.Equal(["conv_rate", "acc_rate", "avg_daily_trips"], v2.Projections[0].Features.Select(f => f.Name));
        Assert.Equal(2, v2.Projections[1].Features.Count);

        var v3 = Assert.IsType<FeatureService>(fields["DriverActivityV3"]);
        Assert.Equal(["driver_hourly_stats_fresh", "transformed_conv_rate_fresh"], v3.Projections.Select(p => p.Name));
        Assert.Equal(["conv_rate", "acc_rate", "avg_daily_trips"], v3.Projections[0].Features.Select(f => f.Name));
        Assert.All(v1.Projections.Concat(v2.Projections).Concat(v3.Projections), p => Assert.Equal("", p.NameAlias));
    }

    [Fact]
    public void TransformedConvRate_Row_AddsEachRequestValueToTheConvRate()
    {
        var outputs = Transform(new Dictionary<string, object?> { ["conv_rate"] = 0.5f, ["val_to_add"] = 1L, ["val_to_add_2"] = 2L });

        Assert.Equal(new Dictionary<string, object?> { ["conv_rate_plus_val1"] = 1.5, ["conv_rate_plus_val2"] = 2.5 }, outputs);
    }

    [Fact]
    public void TransformedConvRate_MissingValue_GivesNullOutput()
    {
        var outputs = Transform(new Dictionary<string, object?> { ["conv_rate"] = null, ["val_to_add"] = 1L, ["val_to_add_2"] = 2L });

        Assert.Null(outputs["conv_rate_plus_val1"]);
        Assert.Null(outputs["conv_rate_plus_val2"]);
    }

    private Dictionary<string, FeastObject> Definitions()
    {
        Assert.NotNull(compiled.DriverRepo);
        // Declaration order: GetFields returns metadata order, which Roslyn emits in source order.
        return compiled.DriverRepo.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => typeof(FeastObject).IsAssignableFrom(f.FieldType))
            .ToDictionary(f => f.Name, f => (FeastObject)f.GetValue(null)!);
    }

    private IReadOnlyDictionary<string, object?> Transform(IReadOnlyDictionary<string, object?> inputs)
    {
        Assert.NotNull(compiled.DriverRepo);
        var method = compiled.DriverRepo.GetMethod("TransformedConvRate", BindingFlags.Public | BindingFlags.Static);
        Assert.NotNull(method);
        return Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(method.Invoke(null, [inputs]));
    }
}
