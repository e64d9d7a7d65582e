using Feast.Planning;

namespace Feast.Tests.Model;

public class ValidationTests
{
    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);
    private static readonly FileSource Source = new("data/driver_stats.parquet", "event_timestamp", name: "driver_stats");

    private static FeatureView View(string name = "driver_hourly_stats", params Field[] schema) =>
        new(name, Source, [Driver], TimeSpan.FromDays(1), schema.Length == 0 ? [new Field("conv_rate", FeastType.Float32)] : schema);

    [Fact]
    public void Entity_TwoJoinKeys_IsRejectedNamingTheEntity()
    {
        var e = Assert.Throws<FeastValidationException>(() => new Entity("driver", ["a", "b"]));
        Assert.Contains("'driver'", e.Message, StringComparison.Ordinal);
        Assert.Contains("exactly one", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Entity_NoJoinKey_DefaultsToName()
    {
        Assert.Equal("customer", new Entity("customer").JoinKey);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Names_Empty_AreRejected(string name)
    {
        Assert.Throws<FeastValidationException>(() => new Entity(name));
        Assert.Throws<FeastValidationException>(() => new Field(name, FeastType.Int64));
        Assert.Throws<FeastValidationException>(() => new FileSource(name, "ts"));
    }

    [Fact]
    public void FeatureView_NegativeTtl_IsRejected()
    {
        var e = Assert.Throws<FeastValidationException>(() => new FeatureView("v", Source, [Driver], TimeSpan.FromSeconds(-1)));
        Assert.Contains("'v'", e.Message, StringComparison.Ordinal);
        Assert.Contains("ttl", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FeatureView_DuplicateFeature_IsRejected()
    {
        var e = Assert.Throws<FeastValidationException>(() => View("v", new Field("a", FeastType.Int64), new Field("a", FeastType.Float32)));
        Assert.Contains("feature 'a'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FeatureView_RequestSource_IsRejected()
    {
        var request = new RequestSource("r", [new Field("x", FeastType.Int64)]);
        var e = Assert.Throws<FeastValidationException>(() => new FeatureView("v", request));
        Assert.Contains("OnDemandFeatureView", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FeatureView_JoinKeyInSchema_BecomesEntityColumn()
    {
        var untyped = new Entity("driver", ["driver_id"]);
        var view = new FeatureView("v", Source, [untyped], schema: [new Field("driver_id", FeastType.Int64), new Field("conv_rate", FeastType.Float32)]);
        Assert.Equal(["conv_rate"], view.Features.Select(f => f.Name));
        Assert.Equal(FeastType.Int64, Assert.Single(view.EntityColumns).Dtype);
    }

    [Fact]
    public void FeatureView_PushSource_IsPushableWithBatchSource()
    {
        var push = new PushSource("push", Source);
        var view = new FeatureView("v", push, [Driver]);
        Assert.Same(Source, view.BatchSource);
        Assert.Same(push, view.StreamSource);
    }

    [Fact]
    public void Select_UnknownFeature_NamesTheViewAndItsFeatures()
    {
        var e = Assert.Throws<FeastValidationException>(() => View().Select("nope"));
        Assert.Contains("'nope'", e.Message, StringComparison.Ordinal);
        Assert.Contains("conv_rate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Projections_AreCopies_AndLeaveTheViewAlone()
    {
        var view = View("v", new Field("a", FeastType.Int64), new Field("b", FeastType.Int64));
        var projected = view.Select("b").WithName("origin").WithJoinKeyMap(new Dictionary<string, string> { ["driver_id"] = "origin_id" });

        Assert.Equal(["a", "b"], view.Projection.Features.Select(f => f.Name));
        Assert.Equal("", view.Projection.NameAlias);
        Assert.Equal(["b"], projected.Projection.Features.Select(f => f.Name));
        Assert.Equal("origin", projected.Projection.NameToUse);
        Assert.Equal("origin_id", projected.Projection.JoinKeyMap["driver_id"]);
    }

    [Fact]
    public void FeatureService_SameProjectionTwice_IsRejectedUnlessRenamed()
    {
        var view = View();
        var e = Assert.Throws<FeastValidationException>(() => new FeatureService("svc", [view, view]));
        Assert.Contains("WithName", e.Message, StringComparison.Ordinal);
        _ = new FeatureService("svc", [view, view.WithName("other")]);
    }

    [Fact]
    public void FeatureService_Empty_IsRejected() =>
        Assert.Throws<FeastValidationException>(() => new FeatureService("svc", []));

    [Fact]
    public void RequestSource_EmptySchema_IsRejected() =>
        Assert.Throws<FeastValidationException>(() => new RequestSource("r", []));

    [Fact]
    public void PushSource_WithPushBatchSource_IsRejected()
    {
        var push = new PushSource("p", Source);
        Assert.Throws<FeastValidationException>(() => new PushSource("p2", push));
    }

    [Fact]
    public void DataSource_SameTimestampAndCreatedColumn_IsRejected() =>
        Assert.Throws<FeastValidationException>(() => new FileSource("x.parquet", "ts", createdTimestampColumn: "ts"));

    [Fact]
    public void OnDemandFeatureView_NoSourcesOrSchema_IsRejected()
    {
        var request = new RequestSource("r", [new Field("x", FeastType.Int64)]);
        Assert.Throws<FeastValidationException>(() => new OnDemandFeatureView("o", [], [new Field("y", FeastType.Int64)]));
        Assert.Throws<FeastValidationException>(() => new OnDemandFeatureView("o", [request], []));
    }

    [Fact]
    public void StreamFeatureView_FileSource_IsRejected() =>
        Assert.Throws<FeastValidationException>(() => new StreamFeatureView("s", Source, [Driver]));

    [Fact]
    public void Permission_BadRegex_IsRejected()
    {
        var e = Assert.Throws<FeastValidationException>(() => new Permission("p", namePatterns: ["driver_(("]));
        Assert.Contains("driver_((", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FeastType_Arrays_MapToListValueTypes()
    {
        Assert.Equal(ValueType.Int64List, FeastType.Array(FeastType.Int64).ValueType);
        Assert.Equal(ValueType.FloatList, FeastType.Array(FeastType.Float32).ValueType);
        Assert.Equal("Array(Float32)", FeastType.Array(FeastType.Float32).Name);
        Assert.Equal(ValueType.StringSet, FeastType.Set(FeastType.String).ValueType);
        Assert.Equal(FeastType.Float32, FeastType.Array(FeastType.Float32).ElementType);
        Assert.Throws<FeastValidationException>(() => FeastType.Array(FeastType.Array(FeastType.Int64)));
    }

    [Fact]
    public void Validator_UnknownEntity_IsRejected()
    {
        var defs = new RepoDefinitions { FeatureViews = [View()] };
        var e = Assert.Throws<FeastValidationException>(() => RepoValidator.Prepare(defs, "p"));
        Assert.Contains("entity 'driver'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_UntypedJoinKey_IsTypedByTheViewSchema_AndTheEntityKeepsNoType()
    {
        // Without a source to infer from (SourceInference runs before), an untyped join key is an error.
        var untyped = new Entity("driver", ["driver_id"]);
        var view = new FeatureView("v", Source, [untyped], schema: [new Field("conv_rate", FeastType.Float32)]);
        var e = Assert.Throws<FeastValidationException>(() => RepoValidator.Prepare(new RepoDefinitions { Entities = [untyped], FeatureViews = [view] }, "p"));
        Assert.Contains("valueType", e.Message, StringComparison.Ordinal);

        // Like Feast, the view's entity column carries the type and the entity is registered without one (UNKNOWN).
        var typedView = new FeatureView("v", Source, [untyped], schema: [new Field("driver_id", FeastType.Int64), new Field("conv_rate", FeastType.Float32)]);
        var prepared = RepoValidator.Prepare(new RepoDefinitions { Entities = [untyped], FeatureViews = [typedView] }, "p");
        Assert.Equal(ValueType.Unknown, Assert.Single(prepared.Entities).ValueType);
        Assert.Equal(FeastType.Int64, Assert.Single(Assert.Single(prepared.FeatureViews).EntityColumns).Dtype);
    }

    [Fact]
    public void Validator_ViewNamesDifferingInCase_AreRejected()
    {
        var request = new RequestSource("r", [new Field("x", FeastType.Int64)]);
        var odfv = new OnDemandFeatureView("Driver_Hourly_Stats", [request], [new Field("y", FeastType.Int64)]);
        var defs = new RepoDefinitions { Entities = [Driver], FeatureViews = [View()], OnDemandFeatureViews = [odfv] };
        Assert.Throws<DuplicateObjectNameException>(() => RepoValidator.Prepare(defs, "p"));
    }

    [Fact]
    public void Validator_ServiceOverUnknownView_IsRejected()
    {
        var service = new FeatureService("svc", [View()]);
        var e = Assert.Throws<FeastValidationException>(() => RepoValidator.Prepare(new RepoDefinitions { Entities = [Driver], FeatureServices = [service] }, "p"));
        Assert.Contains("driver_hourly_stats", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_DifferentObjectsWithOneName_AreRejected()
    {
        var defs = new RepoDefinitions { Entities = [Driver, new Entity("driver", ["other_id"], ValueType.String)] };
        Assert.Throws<DuplicateObjectNameException>(() => RepoValidator.Prepare(defs, "p"));
    }
}
