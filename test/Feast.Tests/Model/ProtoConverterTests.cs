using Feast.Model.Proto;
using Google.Protobuf;
using P = Feast.Protos.Core;

namespace Feast.Tests.Model;

public class ProtoConverterTests
{
    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64, description: "A driver", tags: new Dictionary<string, string> { ["team"] = "x" }, owner: "a@b.c");

    private static readonly FileSource DriverSource = new("data/driver_stats.parquet", timestampField: "event_timestamp",
        name: "driver_hourly_stats_source", createdTimestampColumn: "created");

    private static FeatureView DriverView() => new(
        name: "driver_hourly_stats", source: DriverSource, entities: [Driver], ttl: TimeSpan.FromDays(1),
        schema: [new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64, "Average daily trips")],
        tags: new Dictionary<string, string> { ["team"] = "driver_performance" });

    [Fact]
    public void EntityToProto_Driver_MatchesGoldenBytesFromFeastFieldNumbers()
    {
        var entity = new Entity("driver", ["driver_id"], ValueType.Int64);
        var spec = Wire.Concat(
            Wire.StringField(1, "driver"),     // name
            Wire.VarintField(2, 4),            // value_type INT64
            Wire.StringField(4, "driver_id"),  // join_key
            Wire.StringField(9, "my_project")); // project
        var expected = Wire.Concat(Wire.BytesField(1, spec), Wire.BytesField(2, []));

        var proto = ProtoConverter.ToProto(entity, "my_project");

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(proto.ToByteArray()));
    }

    [Fact]
    public void FieldToProto_Float32_IsFeastFloatValueType()
    {
        var bytes = ProtoConverter.ToProto(new Field("conv_rate", FeastType.Float32)).ToByteArray();
        var expected = Wire.Concat(Wire.StringField(1, "conv_rate"), Wire.VarintField(2, 6));
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(bytes));
    }

    [Fact]
    public void VectorFieldToProto_UsesFeastFieldNumbers5To7_AndRoundTripsByteForByte()
    {
        var field = new Field("embedding", FeastType.Array(FeastType.Float32), vectorIndex: true, vectorLength: 384, vectorSearchMetric: "COSINE");
        var expected = Wire.Concat(
            Wire.StringField(1, "embedding"),
            Wire.VarintField(2, 16),          // value_type FLOAT_LIST
            Wire.VarintField(5, 1),           // vector_index
            Wire.StringField(6, "COSINE"),    // vector_search_metric
            Wire.VarintField(7, 384));        // vector_length

        var bytes = ProtoConverter.ToProto(field).ToByteArray();
        var back = ProtoConverter.FromProto(P.FeatureSpecV2.Parser.ParseFrom(expected));

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(bytes));
        Assert.Equal(field, back);
        var view = new FeatureView("docs", DriverSource, [Driver], TimeSpan.FromDays(1), [field, new Field("title", FeastType.String)]);
        var viewBytes = ProtoConverter.ToProto(view, "p").ToByteArray();
        Assert.Equal(Convert.ToHexString(viewBytes),
            Convert.ToHexString(ProtoConverter.ToProto(ProtoConverter.FromProto(P.FeatureView.Parser.ParseFrom(viewBytes)), "p").ToByteArray()));
    }

    [Fact]
    public void FileSourceToProto_Parquet_MatchesPythonFeastLayout()
    {
        var proto = ProtoConverter.ToProto(DriverSource, "my_project");
        var fileOptions = Wire.Concat(
            Wire.BytesField(1, Wire.BytesField(1, [])), // file_format { parquet_format {} }
            Wire.StringField(2, "data/driver_stats.parquet")); // uri
        var expected = Wire.Concat(
            Wire.VarintField(1, 1),                                   // type BATCH_FILE
            Wire.StringField(3, "event_timestamp"),                   // timestamp_field
            Wire.StringField(5, "created"),                           // created_timestamp_column
            Wire.BytesField(11, fileOptions),                         // file_options
            Wire.StringField(17, ProtoConverter.FileSourceClass),     // data_source_class_type
            Wire.StringField(20, "driver_hourly_stats_source"),       // name
            Wire.StringField(21, "my_project"));                      // project
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(proto.ToByteArray()));
    }

    [Fact]
    public void FeatureViewToProto_TtlAndEntityColumns_UseFeastFieldNumbers()
    {
        var proto = ProtoConverter.ToProto(DriverView(), "my_project");

        Assert.Equal(["driver"], proto.Spec.Entities);
        Assert.Equal(86400, proto.Spec.Ttl.Seconds);
        Assert.Equal("driver_id", Assert.Single(proto.Spec.EntityColumns).Name);
        Assert.Equal(["conv_rate", "acc_rate", "avg_daily_trips"], proto.Spec.Features.Select(f => f.Name));
        Assert.True(proto.Spec.Online);
        // ttl is field 6 of FeatureViewSpec, a Duration{seconds=1}.
        var specBytes = proto.Spec.ToByteArray();
        var ttl = Wire.BytesField(6, Wire.VarintField(1, 86400));
        Assert.Contains(Convert.ToHexString(ttl), Convert.ToHexString(specBytes), StringComparison.Ordinal);
    }

    [Fact]
    public void FeatureView_EntitylessRoundTrip_UsesDummyEntity()
    {
        var view = new FeatureView("global_stats", DriverSource, ttl: TimeSpan.FromDays(2), schema: [new Field("num_rides", FeastType.Int32)]);
        var proto = ProtoConverter.ToProto(view, "p");

        Assert.Equal([Entity.DummyName], proto.Spec.Entities);
        var back = ProtoConverter.FromProto(proto);
        Assert.True(back.IsEntityless);
        Assert.Equal(proto, ProtoConverter.ToProto(back, "p"));
    }

    [Fact]
    public void RoundTrip_EveryKind_IsExact()
    {
        var view = DriverView();
        var push = new PushSource("driver_stats_push_source", DriverSource);
        var pushView = new FeatureView("driver_hourly_stats_fresh", push, [Driver], TimeSpan.FromDays(1), view.Features);
        var request = new RequestSource("vals_to_add", [new Field("val_to_add", FeastType.Int64), new Field("val_to_add_2", FeastType.Int64)]);
        var odfv = new OnDemandFeatureView("transformed_conv_rate", [view, request],
            [new Field("conv_rate_plus_val1", FeastType.Float64)], new UserDefinedFunction("f", "static double F() => 1;", []));
        var kafka = new KafkaSource("drivers_stream", "event_timestamp", "localhost:9092", "drivers", StreamFormat.Json("driver_id integer"),
            batchSource: DriverSource, watermarkDelayThreshold: TimeSpan.FromMinutes(5));
        var sfv = new StreamFeatureView("driver_stream", kafka, [Driver], TimeSpan.FromHours(1), [new Field("conv_rate", FeastType.Float32)],
            [new Aggregation("conv_rate", "max", TimeSpan.FromHours(1))], mode: "spark", timestampField: "event_timestamp");
        var service = new FeatureService("svc", [view.Select("conv_rate"), view.WithName("origin").WithJoinKeyMap(new Dictionary<string, string> { ["driver_id"] = "origin_id" }), odfv]);
        var permission = new Permission("readers", [PermissionResourceType.FeatureView], ["driver_.*"], AuthzedActions.Read, new RoleBasedPolicy(["reader"]));
        var allowAll = new Permission("all");
        var project = new Project("my_project", "desc", new Dictionary<string, string> { ["a"] = "b" }, "me");
        var created = new DateTimeOffset(2025, 11, 24, 16, 0, 0, TimeSpan.Zero);

        AssertRoundTrip(Driver with { CreatedTimestamp = created, LastUpdatedTimestamp = created }, e => ProtoConverter.ToProto(e, "p"), ProtoConverter.FromProto);
        AssertRoundTrip(view with { MaterializationIntervals = [new MaterializationInterval(created, created.AddHours(1))] }, v => ProtoConverter.ToProto(v, "p"), p => ProtoConverter.FromProto(p));
        AssertRoundTrip(pushView, v => ProtoConverter.ToProto(v, "p"), p => ProtoConverter.FromProto(p));
        AssertRoundTrip(odfv, v => ProtoConverter.ToProto(v, "p"), p => ProtoConverter.FromProto(p));
        AssertRoundTrip(sfv, v => ProtoConverter.ToProto(v, "p"), p => ProtoConverter.FromProto(p));
        AssertRoundTrip(service, s => ProtoConverter.ToProto(s, "p"), ProtoConverter.FromProto);
        AssertRoundTrip(permission, s => ProtoConverter.ToProto(s, "p"), ProtoConverter.FromProto);
        AssertRoundTrip(allowAll, s => ProtoConverter.ToProto(s, "p"), ProtoConverter.FromProto);
        AssertRoundTrip(project, ProtoConverter.ToProto, ProtoConverter.FromProto);
        foreach (var source in new DataSource[] { DriverSource, push, request, kafka, new FileSource("data/x.csv", "ts") })
            AssertRoundTrip(source, s => ProtoConverter.ToProto(s, "p"), p => ProtoConverter.FromProto(p));
    }

    [Fact]
    public void RoundTrip_Model_PreservesModelValues()
    {
        var view = DriverView();
        var back = ProtoConverter.FromProto(ProtoConverter.ToProto(view, "p"));

        Assert.Equal(view.Name, back.Name);
        Assert.Equal(view.Entities, back.Entities);
        Assert.Equal(view.EntityColumns, back.EntityColumns);
        Assert.Equal(view.Features, back.Features);
        Assert.Equal(view.Ttl, back.Ttl);
        Assert.Equal(view.Tags, back.Tags);
        Assert.Equal(view.Projection, back.Projection);
        var source = Assert.IsType<FileSource>(back.BatchSource);
        Assert.Equal(DriverSource.Path, source.Path);
        Assert.Equal(FileFormat.Parquet, source.FileFormat);
        Assert.Equal("created", source.CreatedTimestampColumn);

        var permission = ProtoConverter.FromProto(ProtoConverter.ToProto(new Permission("all"), "p"));
        Assert.IsType<AllowAllPolicy>(permission.Policy);
        Assert.Equal([10, 0, 1, 2, 3, 11, 4, 5, 6, 7, 8, 9], permission.Types.Select(t => (int)t));
        Assert.Equal(8, permission.Actions.Count);
    }

    [Fact]
    public void AllowAllPolicy_SerializesAsEmptyPolicyMessage()
    {
        var proto = ProtoConverter.ToProto(new Permission("all"), "p");
        Assert.NotNull(proto.Spec.Policy);
        Assert.Empty(proto.Spec.Policy.ToByteArray());
    }

    [Fact]
    public void FeastWrittenRegistry_LoadsIntoModel_AndReserializesUnchanged()
    {
        var registry = P.Registry.Parser.ParseFrom(File.ReadAllBytes(TestData.FeastRegistryDb));

        var fv = ProtoConverter.FromProto(registry.FeatureViews.Single(v => v.Spec.Name == "driver_hourly_stats"));
        Assert.Equal(["driver"], fv.Entities);
        Assert.Equal(TimeSpan.FromDays(1), fv.Ttl);
        Assert.Equal(["conv_rate", "acc_rate", "avg_daily_trips", "driver_config"], fv.Features.Select(f => f.Name));
        Assert.Equal(FeastType.Json, fv.Features[3].Dtype);
        Assert.Single(fv.MaterializationIntervals);
        Assert.Equal("driver_id", Assert.Single(fv.EntityColumns).Name);

        var fresh = ProtoConverter.FromProto(registry.FeatureViews.Single(v => v.Spec.Name == "driver_hourly_stats_fresh"));
        Assert.Equal("driver_stats_push_source", Assert.IsType<PushSource>(fresh.StreamSource).Name);

        var odfv = ProtoConverter.FromProto(Assert.Single(registry.OnDemandFeatureViews));
        Assert.Equal("pandas", odfv.Mode);
        Assert.Equal(["vals_to_add", "driver_hourly_stats"], odfv.Sources.Select(s => s.Name));
        Assert.NotEmpty(odfv.Udf!.Body);
        Assert.Contains("def transformed_conv_rate", odfv.Udf.BodyText, StringComparison.Ordinal);

        var service = ProtoConverter.FromProto(Assert.Single(registry.FeatureServices));
        Assert.Equal(["driver_hourly_stats", "transformed_conv_rate"], service.Projections.Select(p => p.Name));

        var permission = ProtoConverter.FromProto(Assert.Single(registry.Permissions));
        Assert.Equal(["reader"], Assert.IsType<RoleBasedPolicy>(permission.Policy).Roles);

        // Every object Feast wrote converts back to the same message.
        foreach (var e in registry.Entities) Assert.Equal(e, ProtoConverter.ToProto(ProtoConverter.FromProto(e), e.Spec.Project));
        foreach (var d in registry.DataSources) Assert.Equal(d, ProtoConverter.ToProto(ProtoConverter.FromProto(d), d.Project));
        foreach (var v in registry.FeatureViews) Assert.Equal(v, ProtoConverter.ToProto(ProtoConverter.FromProto(v), v.Spec.Project));
        foreach (var o in registry.OnDemandFeatureViews) Assert.Equal(o, ProtoConverter.ToProto(ProtoConverter.FromProto(o), o.Spec.Project));
        foreach (var s in registry.FeatureServices) Assert.Equal(s, ProtoConverter.ToProto(ProtoConverter.FromProto(s), s.Spec.Project));
        foreach (var p in registry.Permissions) Assert.Equal(p, ProtoConverter.ToProto(ProtoConverter.FromProto(p), p.Spec.Project));
        foreach (var p in registry.Projects) Assert.Equal(p, ProtoConverter.ToProto(ProtoConverter.FromProto(p)));
    }

    [Fact]
    public void UnknownSourceKind_IsKeptByteForByte()
    {
        var bigQuery = new P.DataSource
        {
            Name = "bq",
            Project = "p",
            Type = P.DataSource.Types.SourceType.BatchBigquery,
            BigqueryOptions = new P.DataSource.Types.BigQueryOptions { Table = "proj.ds.table" },
            TimestampField = "ts",
        };
        var model = ProtoConverter.FromProto(bigQuery);

        Assert.IsType<OpaqueDataSource>(model);
        Assert.Equal("BatchBigquery", model.SourceTypeName);
        Assert.Equal(bigQuery, ProtoConverter.ToProto(model, "p"));
    }

    private static void AssertRoundTrip<TModel, TProto>(TModel model, Func<TModel, TProto> toProto, Func<TProto, TModel> fromProto)
        where TProto : IMessage<TProto>
    {
        var first = toProto(model);
        var second = toProto(fromProto(P.Registry.Parser.ParseFrom(new P.Registry().ToByteArray()) is not null ? Reparse(first) : first));
        Assert.Equal(first, second);
        Assert.Equal(Convert.ToHexString(first.ToByteArray()), Convert.ToHexString(second.ToByteArray()));
    }

    private static TProto Reparse<TProto>(TProto message) where TProto : IMessage<TProto>
    {
        var parser = (MessageParser<TProto>)typeof(TProto).GetProperty("Parser")!.GetValue(null)!;
        return parser.ParseFrom(message.ToByteArray());
    }

    [Fact]
    public void FromProto_KafkaStreamViewWithoutNestedBatchSource_LoadsAndRoundTrips()
    {
        var driver = new Entity("driver", ["driver_id"], ValueType.Int64);
        var batch = new FileSource("data/x.parquet", "ts", name: "batch");
        var kafka = new KafkaSource("k", "ts", "localhost:9092", "t", StreamFormat.Json("x"), batchSource: batch);
        var view = new StreamFeatureView("s", kafka, [driver], schema: [new Field("x", FeastType.Int64)]);
        var proto = ProtoConverter.ToProto(view, "p");
        proto.Spec.StreamSource.BatchSource = null; // as a Python registry may store it

        var loaded = ProtoConverter.FromProto(proto);

        Assert.Equal("batch", loaded.BatchSource.Name);
        Assert.Null(((KafkaSource)loaded.StreamSource!).BatchSource);
        Assert.Equal(proto, ProtoConverter.ToProto(loaded, "p"));
    }

    [Fact]
    public void FromProto_StreamViewWithNoBatchSourceAnywhere_ThrowsNamingTheView()
    {
        var batch = new FileSource("data/x.parquet", "ts", name: "batch");
        var kafka = new KafkaSource("k", "ts", "localhost:9092", "t", StreamFormat.Json("x"), batchSource: batch);
        var view = new StreamFeatureView("s", kafka, [new Entity("driver", ["driver_id"], ValueType.Int64)], schema: [new Field("x", FeastType.Int64)]);
        var proto = ProtoConverter.ToProto(view, "p");
        proto.Spec.StreamSource.BatchSource = null;
        proto.Spec.BatchSource = null;

        var e = Assert.Throws<RegistryException>(() => ProtoConverter.FromProto(proto));

        Assert.Contains("'s'", e.Message, StringComparison.Ordinal);
    }
}
