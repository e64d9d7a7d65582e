// ProtoConverter: source-class names, fields and values, entities, projects and projections; the other object kinds are in ProtoConverter.*.cs.
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

/// <summary>
/// Converts definitions to and from Feast's protobuf messages, field for field as Python Feast writes them.
/// Protobuf stays at this edge: everything else works with the model records.
/// </summary>
internal static partial class ProtoConverter
{
    // Python class paths Feast stores in DataSource.data_source_class_type; Python dispatches on them when reading.
    internal const string FileSourceClass = "feast.infra.offline_stores.file_source.FileSource";
    internal const string PushSourceClass = "feast.data_source.PushSource";
    internal const string RequestSourceClass = "feast.data_source.RequestSource";
    internal const string KafkaSourceClass = "feast.data_source.KafkaSource";

    // ---- fields and values ----

    public static P.FeatureSpecV2 ToProto(Field field)
    {
        var proto = new P.FeatureSpecV2
        {
            Name = field.Name,
            ValueType = (PT.ValueType.Types.Enum)(int)field.Dtype.ValueType,
            Description = field.Description,
            VectorIndex = field.VectorIndex,
            VectorLength = field.VectorLength,
            VectorSearchMetric = field.VectorSearchMetric,
        };
        AddAll(proto.Tags, field.Tags);
        return proto;
    }

    public static Field FromProto(P.FeatureSpecV2 proto) =>
        new(proto.Name, FeastType.FromValueType((ValueType)(int)proto.ValueType), proto.Description, proto.Tags,
            proto.VectorIndex, proto.VectorLength, proto.VectorSearchMetric);

    private static Timestamp? ToTimestamp(DateTimeOffset? value) => value is { } v ? Timestamp.FromDateTimeOffset(v) : null;

    private static DateTimeOffset? FromTimestamp(Timestamp? value) => value?.ToDateTimeOffset();

    private static TimeSpan FromDuration(Duration? value) => value?.ToTimeSpan() ?? TimeSpan.Zero;

    private static void AddAll(MapField<string, string> target, IReadOnlyDictionary<string, string> source)
    {
        foreach (var (key, value) in source) target[key] = value;
    }

    private static T WithMeta<T>(T obj, Timestamp? created, Timestamp? updated) where T : FeastObject =>
        obj with { CreatedTimestamp = FromTimestamp(created), LastUpdatedTimestamp = FromTimestamp(updated) };

    // ---- entities and projects ----

    public static P.Entity ToProto(Entity entity, string project)
    {
        var spec = new P.EntitySpecV2
        {
            Name = entity.Name,
            ValueType = (PT.ValueType.Types.Enum)(int)entity.ValueType,
            Description = entity.Description,
            JoinKey = entity.JoinKey,
            Project = project,
            Owner = entity.Owner,
        };
        AddAll(spec.Tags, entity.Tags);
        return new P.Entity
        {
            Spec = spec,
            Meta = new P.EntityMeta { CreatedTimestamp = ToTimestamp(entity.CreatedTimestamp), LastUpdatedTimestamp = ToTimestamp(entity.LastUpdatedTimestamp) },
        };
    }

    public static Entity FromProto(P.Entity proto)
    {
        var s = proto.Spec;
        var entity = new Entity(s.Name, [s.JoinKey.Length > 0 ? s.JoinKey : s.Name], (ValueType)(int)s.ValueType, s.Description, s.Tags, s.Owner);
        return WithMeta(entity, proto.Meta?.CreatedTimestamp, proto.Meta?.LastUpdatedTimestamp);
    }

    public static P.Project ToProto(Project project)
    {
        var spec = new P.ProjectSpec { Name = project.Name, Description = project.Description, Owner = project.Owner };
        AddAll(spec.Tags, project.Tags);
        return new P.Project
        {
            Spec = spec,
            Meta = new P.ProjectMeta { CreatedTimestamp = ToTimestamp(project.CreatedTimestamp), LastUpdatedTimestamp = ToTimestamp(project.LastUpdatedTimestamp) },
        };
    }

    public static Project FromProto(P.Project proto)
    {
        var s = proto.Spec;
        return WithMeta(new Project(s.Name, s.Description, s.Tags, s.Owner), proto.Meta?.CreatedTimestamp, proto.Meta?.LastUpdatedTimestamp);
    }

    // ---- projections ----

    public static P.FeatureViewProjection ToProto(FeatureViewProjection projection)
    {
        var proto = new P.FeatureViewProjection { FeatureViewName = projection.Name, FeatureViewNameAlias = projection.NameAlias };
        proto.FeatureColumns.Add(projection.Features.Select(ToProto));
        AddAll(proto.JoinKeyMap, projection.JoinKeyMap);
        return proto;
    }

    public static FeatureViewProjection FromProto(P.FeatureViewProjection proto) =>
        new(proto.FeatureViewName, proto.FeatureViewNameAlias, [.. proto.FeatureColumns.Select(FromProto)], Guard.Tags(proto.JoinKeyMap));
}
