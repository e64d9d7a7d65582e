namespace Feast.Tests.Transformations;

public class ApplyValidationTests
{
    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);
    private static readonly FileSource Source = new("data/driver_stats.parquet", "event_timestamp", name: "driver_stats_source");
    private static readonly FeatureView Stats = new("driver_hourly_stats", Source, [Driver], TimeSpan.FromDays(1), [new Field("conv_rate", FeastType.Float32)]);
    private static readonly RequestSource Request = new("vals_to_add", [new Field("val_to_add", FeastType.Int64)]);

    private static FeatureStore Open(TempDir dir)
    {
        File.WriteAllText(dir.File("feature_store.yaml"), """
            project: odfv_apply
            registry: data/registry.db
            provider: local
            online_store:
              type: sqlite
              path: data/online_store.db
            entity_key_serialization_version: 3
            """);
        return FeatureStore.Open(dir.Path);
    }

    private static OnDemandFeatureView View(string bodyText, string mode = OnDemandFeatureView.CSharpMode) =>
        new("plus_one", [Stats, Request], [new Field("plus", FeastType.Float64)],
            udf: new UserDefinedFunction("PlusOne", bodyText, []), mode: mode);

    [Fact]
    public async Task ApplyAsync_TransformCallingARepoHelper_IsRejectedAndNothingIsWritten()
    {
        using var dir = new TempDir();
        await using var store = Open(dir);
        var view = View("""
            public static IReadOnlyDictionary<string, object?> PlusOne(IReadOnlyDictionary<string, object?> inputs) =>
                new Dictionary<string, object?> { ["plus"] = Helpers.Add(inputs["conv_rate"], 1) };
            """);

        var e = await Assert.ThrowsAsync<FeastValidationException>(() => store.ApplyAsync([Driver, Source, Stats, Request, view]));

        Assert.Contains("'plus_one'", e.Message, StringComparison.Ordinal);
        Assert.Contains("must be self-contained", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("data/registry.db")));
    }

    [Fact]
    public async Task PlanAsync_TransformThatDoesNotCompile_IsRejected()
    {
        using var dir = new TempDir();
        await using var store = Open(dir);

        await Assert.ThrowsAsync<FeastValidationException>(() => store.PlanAsync(Planning.RepoDefinitions.From([Driver, Source, Stats, Request, View("not C#")])));
    }

    [Fact]
    public async Task ApplyAsync_SelfContainedTransform_IsStoredAndRunsFromTheRegistry()
    {
        using var dir = new TempDir();
        await using var store = Open(dir);
        var view = View("""
            public static IReadOnlyDictionary<string, object?> PlusOne(IReadOnlyDictionary<string, object?> inputs) =>
                new Dictionary<string, object?> { ["plus"] = Convert.ToDouble(inputs["conv_rate"], CultureInfo.InvariantCulture) + 1 };
            """);

        await store.ApplyAsync([Driver, Source, Stats, Request, view]);

        var stored = (await store.GetRegistryAsync(allowCache: false)).OnDemandFeatureViews["plus_one"];
        Assert.Null(stored.Transform);
        var outputs = Feast.Transformations.OnDemandTransforms.Get(stored).Apply(new Dictionary<string, object?> { ["conv_rate"] = 0.5f });
        Assert.Equal(1.5, outputs["plus"]);
    }
}
