// ProtoConverter: data sources (file, request, push, Kafka, stream formats, and backends' custom sources).
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
    // ---- data sources ----

    public static P.DataSource ToProto(DataSource source, string project)
    {
        if (source is OpaqueDataSource opaque)
        {
            var copy = P.DataSource.Parser.ParseFrom(opaque.Proto);
            copy.Project = project;
            return copy;
        }

        var proto = new P.DataSource
        {
            Name = source.Name,
            Project = project,
            TimestampField = source.TimestampField,
            CreatedTimestampColumn = source.CreatedTimestampColumn,
            DatePartitionColumn = source.DatePartitionColumn,
            Description = source.Description,
            Owner = source.Owner,
        };
        AddAll(proto.FieldMapping, source.FieldMapping);
        AddAll(proto.Tags, source.Tags);
        if (source.CreatedTimestamp is not null || source.LastUpdatedTimestamp is not null)
        {
            proto.Meta = new P.DataSource.Types.SourceMeta
            {
                CreatedTimestamp = ToTimestamp(source.CreatedTimestamp),
                LastUpdatedTimestamp = ToTimestamp(source.LastUpdatedTimestamp),
            };
        }

        switch (source)
        {
            case FileSource file:
                proto.Type = P.DataSource.Types.SourceType.BatchFile;
                proto.DataSourceClassType = FileSourceClass;
                proto.FileOptions = new P.DataSource.Types.FileOptions { Uri = file.Path, S3EndpointOverride = file.S3EndpointOverride };
                if (file.FileFormat == FileFormat.Parquet)
                    proto.FileOptions.FileFormat = new P.FileFormat { ParquetFormat = new P.FileFormat.Types.ParquetFormat() };
                break;
            case RequestSource request:
                proto.Type = P.DataSource.Types.SourceType.RequestSource;
                proto.DataSourceClassType = RequestSourceClass;
                proto.RequestDataOptions = new P.DataSource.Types.RequestDataOptions();
                proto.RequestDataOptions.Schema.Add(request.Schema.Select(ToProto));
                break;
            case PushSource push:
                proto.Type = P.DataSource.Types.SourceType.PushSource;
                proto.DataSourceClassType = PushSourceClass;
                proto.PushOptions = new P.DataSource.Types.PushOptions();
                proto.BatchSource = ToProto(push.BatchSource, project);
                break;
            case KafkaSource kafka:
                proto.Type = P.DataSource.Types.SourceType.StreamKafka;
                proto.DataSourceClassType = KafkaSourceClass;
                proto.KafkaOptions = new P.DataSource.Types.KafkaOptions
                {
                    KafkaBootstrapServers = kafka.KafkaBootstrapServers,
                    Topic = kafka.Topic,
                    MessageFormat = ToProto(kafka.MessageFormat),
                    WatermarkDelayThreshold = Duration.FromTimeSpan(kafka.WatermarkDelayThreshold),
                };
                if (kafka.BatchSource is not null) proto.BatchSource = ToProto(kafka.BatchSource, project);
                break;
            case CustomDataSource custom:
                proto.Type = P.DataSource.Types.SourceType.CustomSource;
                proto.DataSourceClassType = custom.ClassType;
                proto.CustomOptions = new P.DataSource.Types.CustomSourceOptions { Configuration = ByteString.CopyFrom(custom.WriteConfiguration()) };
                break;
            default:
                throw new FeastValidationException($"Data source '{source.Name}' is a {source.GetType().Name}, which cannot be stored in the registry.");
        }
        return proto;
    }

    public static DataSource FromProto(P.DataSource proto, FeastBackends? backends = null)
    {
        DataSource source = proto.Type switch
        {
            P.DataSource.Types.SourceType.BatchFile => new FileSource(
                proto.FileOptions?.Uri ?? "", proto.TimestampField, proto.Name, proto.CreatedTimestampColumn, proto.FieldMapping,
                proto.FileOptions?.FileFormat?.FormatCase == P.FileFormat.FormatOneofCase.ParquetFormat ? FileFormat.Parquet : null,
                proto.FileOptions?.S3EndpointOverride ?? "", proto.DatePartitionColumn, proto.Description, proto.Tags, proto.Owner),
            P.DataSource.Types.SourceType.RequestSource => new RequestSource(
                proto.Name, RequestSchema(proto.RequestDataOptions), proto.Description, proto.Tags, proto.Owner)
            {
                TimestampField = proto.TimestampField,
            },
            P.DataSource.Types.SourceType.PushSource when proto.BatchSource is not null => new PushSource(
                proto.Name, FromProto(proto.BatchSource, backends), proto.Description, proto.Tags, proto.Owner)
            {
                TimestampField = proto.TimestampField,
                CreatedTimestampColumn = proto.CreatedTimestampColumn,
                FieldMapping = Guard.Tags(proto.FieldMapping),
                DatePartitionColumn = proto.DatePartitionColumn,
            },
            P.DataSource.Types.SourceType.StreamKafka when proto.KafkaOptions is not null => new KafkaSource(
                proto.Name, proto.TimestampField, proto.KafkaOptions.KafkaBootstrapServers, proto.KafkaOptions.Topic,
                FromProto(proto.KafkaOptions.MessageFormat), proto.BatchSource is null ? null : FromProto(proto.BatchSource, backends),
                FromDuration(proto.KafkaOptions.WatermarkDelayThreshold), proto.CreatedTimestampColumn, proto.FieldMapping,
                proto.Description, proto.Tags, proto.Owner),
            P.DataSource.Types.SourceType.CustomSource when backends?.FindDataSource(proto.DataSourceClassType) is { } read
                => read(CustomDefinition(proto)),
            _ => new OpaqueDataSource(proto.Name, proto.Type.ToString(), proto.ToByteArray(), proto.TimestampField,
                proto.CreatedTimestampColumn, proto.FieldMapping, proto.Description, proto.Tags, proto.Owner),
        };
        return WithMeta(source, proto.Meta?.CreatedTimestamp, proto.Meta?.LastUpdatedTimestamp);
    }

    /// <summary>What a backend's reader gets of a <c>CUSTOM_SOURCE</c>.</summary>
    private static CustomSourceDefinition CustomDefinition(P.DataSource proto) => new(
        proto.Name, proto.DataSourceClassType, proto.CustomOptions?.Configuration.ToByteArray() ?? [], proto.TimestampField,
        proto.CreatedTimestampColumn, Guard.Tags(proto.FieldMapping), proto.DatePartitionColumn, proto.Description, Guard.Tags(proto.Tags), proto.Owner);

    private static List<Field> RequestSchema(P.DataSource.Types.RequestDataOptions? options)
    {
        if (options is null) return [];
        if (options.Schema.Count > 0) return [.. options.Schema.Select(FromProto)];
        // Registries from before Feast moved to FeatureSpecV2 keep a name → type map.
        return [.. options.DeprecatedSchema.Select(kv => new Field(kv.Key, FeastType.FromValueType((ValueType)(int)kv.Value)))];
    }

    private static P.StreamFormat ToProto(StreamFormat format) => format.Kind switch
    {
        "avro" => new P.StreamFormat { AvroFormat = new P.StreamFormat.Types.AvroFormat { SchemaJson = format.Schema } },
        "proto" => new P.StreamFormat { ProtoFormat = new P.StreamFormat.Types.ProtoFormat { ClassPath = format.Schema } },
        _ => new P.StreamFormat { JsonFormat = new P.StreamFormat.Types.JsonFormat { SchemaJson = format.Schema } },
    };

    private static StreamFormat FromProto(P.StreamFormat? format) => format?.FormatCase switch
    {
        P.StreamFormat.FormatOneofCase.AvroFormat => StreamFormat.Avro(format.AvroFormat.SchemaJson),
        P.StreamFormat.FormatOneofCase.ProtoFormat => StreamFormat.Proto(format.ProtoFormat.ClassPath),
        P.StreamFormat.FormatOneofCase.JsonFormat => StreamFormat.Json(format.JsonFormat.SchemaJson),
        _ => StreamFormat.Json(""),
    };
}
