// ProtoConverter: feature views, stream feature views and on-demand feature views (with their meta and transformations).
using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using P = Feast.Protos.Core;
using PT = Feast.Protos.Types;

// Python Feast still writes and reads the deprecated user_defined_function fields, so this converter must too.
#pragma warning disable CS0612

namespace Feast.Model.Proto;

internal static partial class ProtoConverter
{
    // ---- feature views ----

    public static P.FeatureView ToProto(FeatureView view, string project)
    {
        if (view is StreamFeatureView)
            throw new ArgumentException("Stream feature views are stored in their own list; use the StreamFeatureView overload.", nameof(view));
        var spec = new P.FeatureViewSpec
        {
            Name = view.Name,
            Project = project,
            Description = view.Description,
            Owner = view.Owner,
            Ttl = Duration.FromTimeSpan(view.Ttl),
            BatchSource = ToProto(view.BatchSource, project),
            StreamSource = view.StreamSource is null ? null : ToProto(view.StreamSource, project),
            Online = view.Online,
            Offline = view.Offline,
            Version = "latest",
        };
        AddColumns(view, spec.Entities, spec.Features, spec.EntityColumns, spec.Tags);
        return new P.FeatureView { Spec = spec, Meta = ToMeta(view) };
    }

    public static FeatureView FromProto(P.FeatureView proto, FeastBackends? backends = null)
    {
        var s = proto.Spec;
        var batch = FromProto(s.BatchSource ?? throw new RegistryException($"Feature view '{s.Name}' in the registry has no batch source."), backends);
        var view = new FeatureView(s.Name, batch, ttl: FromDuration(s.Ttl), schema: s.Features.Select(FromProto),
            online: s.Online, offline: s.Offline, description: s.Description, tags: s.Tags, owner: s.Owner)
        {
            StreamSource = s.StreamSource is null ? null : FromProto(s.StreamSource, backends),
            Entities = EntityNames(s.Entities),
            EntityColumns = [.. s.EntityColumns.Select(FromProto)],
            MaterializationIntervals = Intervals(proto.Meta),
            State = (FeatureViewState)(int)(proto.Meta?.State ?? P.FeatureViewState.StateUnspecified),
        };
        return WithMeta(view, proto.Meta?.CreatedTimestamp, proto.Meta?.LastUpdatedTimestamp);
    }

    // FeatureViewSpec and StreamFeatureViewSpec share these fields but no generated base type.
    private static void AddColumns(FeatureView view, RepeatedField<string> entities, RepeatedField<P.FeatureSpecV2> features,
        RepeatedField<P.FeatureSpecV2> entityColumns, MapField<string, string> tags)
    {
        entities.Add(view.IsEntityless ? [Entity.DummyName] : view.Entities);
        features.Add(view.Features.Select(ToProto));
        entityColumns.Add(view.EntityColumns.Select(ToProto));
        AddAll(tags, view.Tags);
    }

    private static P.FeatureViewMeta ToMeta(FeatureView view)
    {
        var meta = new P.FeatureViewMeta
        {
            CreatedTimestamp = ToTimestamp(view.CreatedTimestamp),
            LastUpdatedTimestamp = ToTimestamp(view.LastUpdatedTimestamp),
            State = (P.FeatureViewState)(int)view.State,
        };
        meta.MaterializationIntervals.Add(view.MaterializationIntervals.Select(i => new P.MaterializationInterval
        {
            StartTime = Timestamp.FromDateTimeOffset(i.Start),
            EndTime = Timestamp.FromDateTimeOffset(i.End),
        }));
        return meta;
    }

    private static List<string> EntityNames(RepeatedField<string> names) =>
        names.Count == 1 && names[0] == Entity.DummyName ? [] : [.. names];

    private static List<MaterializationInterval> Intervals(P.FeatureViewMeta? meta) =>
        meta is null ? [] : [.. meta.MaterializationIntervals.Select(i => new MaterializationInterval(i.StartTime.ToDateTimeOffset(), i.EndTime.ToDateTimeOffset()))];

    public static P.StreamFeatureView ToProto(StreamFeatureView view, string project)
    {
        var spec = new P.StreamFeatureViewSpec
        {
            Name = view.Name,
            Project = project,
            Description = view.Description,
            Owner = view.Owner,
            Ttl = Duration.FromTimeSpan(view.Ttl),
            BatchSource = ToProto(view.BatchSource, project),
            StreamSource = view.StreamSource is null ? null : ToProto(view.StreamSource, project),
            Online = view.Online,
            Mode = view.Mode,
            TimestampField = view.TimestampField,
        };
        AddColumns(view, spec.Entities, spec.Features, spec.EntityColumns, spec.Tags);
        spec.Aggregations.Add(view.Aggregations.Select(a => new P.Aggregation
        {
            Column = a.Column,
            Function = a.Function,
            TimeWindow = Duration.FromTimeSpan(a.TimeWindow),
            SlideInterval = Duration.FromTimeSpan(a.SlideInterval),
            Name = a.Name,
        }));
        if (view.Udf is { } udf)
        {
            spec.UserDefinedFunction = new P.UserDefinedFunction { Name = udf.Name, Body = ByteString.CopyFrom(udf.Body), BodyText = udf.BodyText };
            spec.FeatureTransformation = ToTransformation(udf, view.Mode);
        }
        return new P.StreamFeatureView { Spec = spec, Meta = ToMeta(view) };
    }

    public static StreamFeatureView FromProto(P.StreamFeatureView proto, FeastBackends? backends = null)
    {
        var s = proto.Spec;
        var stream = FromProto(s.StreamSource ?? throw new RegistryException($"Stream feature view '{s.Name}' in the registry has no stream source."), backends);
        // The view's offline rows: its own batch_source, else its stream source's. A Kafka source stored without one
        // borrows the view's to construct, and is put back unchanged so the registry round trip stays exact.
        var batchSource = s.BatchSource is null ? null : FromProto(s.BatchSource, backends);
        var original = stream;
        if (stream is KafkaSource { BatchSource: null } kafka)
        {
            stream = kafka with
            {
                BatchSource = batchSource ?? throw new RegistryException($"Stream feature view '{s.Name}' in the registry has no batch source, and neither has its Kafka source '{kafka.Name}'. Feast.NET needs one to read the view's offline rows; give the KafkaSource a batch_source."),
            };
        }
        var view = new StreamFeatureView(s.Name, stream, ttl: FromDuration(s.Ttl), schema: s.Features.Select(FromProto),
            aggregations: s.Aggregations.Select(a => new Aggregation(a.Column, a.Function, FromDuration(a.TimeWindow), FromDuration(a.SlideInterval), a.Name)),
            mode: s.Mode, timestampField: s.TimestampField, udf: FromProto(s.FeatureTransformation, s.UserDefinedFunction),
            online: s.Online, description: s.Description, tags: s.Tags, owner: s.Owner)
        {
            Entities = EntityNames(s.Entities),
            EntityColumns = [.. s.EntityColumns.Select(FromProto)],
            MaterializationIntervals = Intervals(proto.Meta),
            State = (FeatureViewState)(int)(proto.Meta?.State ?? P.FeatureViewState.StateUnspecified),
            StreamSource = original,
        };
        if (batchSource is not null) view = view with { BatchSource = batchSource };
        return WithMeta(view, proto.Meta?.CreatedTimestamp, proto.Meta?.LastUpdatedTimestamp);
    }

    private static P.FeatureTransformationV2 ToTransformation(UserDefinedFunction udf, string mode) => new()
    {
        UserDefinedFunction = new P.UserDefinedFunctionV2 { Name = udf.Name, Body = ByteString.CopyFrom(udf.Body), BodyText = udf.BodyText, Mode = mode },
    };

    private static UserDefinedFunction? FromProto(P.FeatureTransformationV2? transformation, P.UserDefinedFunction? legacy)
    {
        if (transformation?.UserDefinedFunction is { } v2)
            return new UserDefinedFunction(v2.Name, v2.BodyText, v2.Body.ToByteArray());
        return legacy is null ? null : new UserDefinedFunction(legacy.Name, legacy.BodyText, legacy.Body.ToByteArray());
    }

    public static P.OnDemandFeatureView ToProto(OnDemandFeatureView view, string project)
    {
        var spec = new P.OnDemandFeatureViewSpec
        {
            Name = view.Name,
            Project = project,
            Description = view.Description,
            Owner = view.Owner,
            Mode = view.Mode,
            WriteToOnlineStore = view.WriteToOnlineStore,
            Singleton = view.Singleton,
        };
        spec.Features.Add(view.Features.Select(ToProto));
        AddAll(spec.Tags, view.Tags);
        foreach (var source in view.Sources)
        {
            spec.Sources[source.Name] = source.Projection is { } projection
                ? new P.OnDemandSource { FeatureViewProjection = ToProto(projection) }
                : new P.OnDemandSource { RequestDataSource = ToProto(source.RequestSource!, project) };
        }
        spec.Entities.Add(view.Entities);
        spec.EntityColumns.Add(view.EntityColumns.Select(ToProto));
        if (view.Udf is { } udf)
        {
            // Python Feast writes both the deprecated field and the transformation; readers use either.
            spec.UserDefinedFunction = new P.UserDefinedFunction { Name = udf.Name, Body = ByteString.CopyFrom(udf.Body), BodyText = udf.BodyText };
            spec.FeatureTransformation = ToTransformation(udf, view.Mode);
        }
        return new P.OnDemandFeatureView
        {
            Spec = spec,
            Meta = new P.OnDemandFeatureViewMeta { CreatedTimestamp = ToTimestamp(view.CreatedTimestamp), LastUpdatedTimestamp = ToTimestamp(view.LastUpdatedTimestamp) },
        };
    }

    public static OnDemandFeatureView FromProto(P.OnDemandFeatureView proto)
    {
        var s = proto.Spec;
        var sources = new List<IOnDemandSource>(s.Sources.Count);
        foreach (var (_, source) in s.Sources)
        {
            sources.Add(source.SourceCase switch
            {
                P.OnDemandSource.SourceOneofCase.FeatureViewProjection => new FeatureViewProjectionSource(FromProto(source.FeatureViewProjection)),
                P.OnDemandSource.SourceOneofCase.FeatureView => FromProto(source.FeatureView),
                P.OnDemandSource.SourceOneofCase.RequestDataSource => (RequestSource)FromProto(source.RequestDataSource),
                _ => throw new RegistryException($"On demand feature view '{s.Name}' in the registry has a source with no content."),
            });
        }
        var view = new OnDemandFeatureView(s.Name, sources, s.Features.Select(FromProto), FromProto(s.FeatureTransformation, s.UserDefinedFunction),
            mode: s.Mode, writeToOnlineStore: s.WriteToOnlineStore, singleton: s.Singleton, description: s.Description, tags: s.Tags, owner: s.Owner)
        {
            Entities = [.. s.Entities],
            EntityColumns = [.. s.EntityColumns.Select(FromProto)],
        };
        return WithMeta(view, proto.Meta?.CreatedTimestamp, proto.Meta?.LastUpdatedTimestamp);
    }
}
