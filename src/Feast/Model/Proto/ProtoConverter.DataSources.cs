// ProtoConverter: data sources (file, DuckDB, PostgreSQL, request, push, stream formats) and their Python-compatible JSON options.
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
            case DuckDbSource duck:
                proto.Type = P.DataSource.Types.SourceType.CustomSource;
                proto.DataSourceClassType = DuckDbSourceClass;
                proto.CustomOptions = new P.DataSource.Types.CustomSourceOptions { Configuration = ByteString.CopyFrom(DuckDbConfiguration(duck)) };
                break;
            case PostgreSQLSource postgres:
                proto.Type = P.DataSource.Types.SourceType.CustomSource;
                proto.DataSourceClassType = PostgreSQLSourceClass;
                proto.CustomOptions = new P.DataSource.Types.CustomSourceOptions { Configuration = ByteString.CopyFrom(PostgresConfiguration(postgres)) };
                break;
            default:
                throw new FeastValidationException($"Data source '{source.Name}' is a {source.GetType().Name}, which cannot be stored in the registry.");
        }
        return proto;
    }

    public static DataSource FromProto(P.DataSource proto)
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
                proto.Name, FromProto(proto.BatchSource), proto.Description, proto.Tags, proto.Owner)
            {
                TimestampField = proto.TimestampField,
                CreatedTimestampColumn = proto.CreatedTimestampColumn,
                FieldMapping = Guard.Tags(proto.FieldMapping),
                DatePartitionColumn = proto.DatePartitionColumn,
            },
            P.DataSource.Types.SourceType.StreamKafka when proto.KafkaOptions is not null => new KafkaSource(
                proto.Name, proto.TimestampField, proto.KafkaOptions.KafkaBootstrapServers, proto.KafkaOptions.Topic,
                FromProto(proto.KafkaOptions.MessageFormat), proto.BatchSource is null ? null : FromProto(proto.BatchSource),
                FromDuration(proto.KafkaOptions.WatermarkDelayThreshold), proto.CreatedTimestampColumn, proto.FieldMapping,
                proto.Description, proto.Tags, proto.Owner),
            P.DataSource.Types.SourceType.CustomSource when proto.DataSourceClassType == DuckDbSourceClass => DuckDbFromProto(proto),
            P.DataSource.Types.SourceType.CustomSource when proto.DataSourceClassType == PostgreSQLSourceClass => PostgresFromProto(proto),
            _ => new OpaqueDataSource(proto.Name, proto.Type.ToString(), proto.ToByteArray(), proto.TimestampField,
                proto.CreatedTimestampColumn, proto.FieldMapping, proto.Description, proto.Tags, proto.Owner),
        };
        return WithMeta(source, proto.Meta?.CreatedTimestamp, proto.Meta?.LastUpdatedTimestamp);
    }

    /// <summary>
    /// The <c>custom_options.configuration</c> of a <see cref="DuckDbSource"/>: UTF-8 JSON
    /// <c>{"name": n, "query": q, "table": t, "database": d}</c> exactly as Python's <c>json.dumps</c> writes it
    /// (that key order, separators <c>", "</c> and <c>": "</c>, non-ASCII escaped), a missing value written as "",
    /// the way Feast's PostgreSQLSource writes its options.
    /// </summary>
    internal static byte[] DuckDbConfiguration(DuckDbSource source) =>
        PythonJsonObject(("name", source.Name), ("query", source.Query), ("table", source.Table), ("database", source.Database));

    /// <summary>
    /// The <c>custom_options.configuration</c> of a <see cref="PostgreSQLSource"/>, as Python's
    /// <c>PostgreSQLOptions.to_proto</c> writes it: <c>json.dumps({"name": n, "query": q, "table": t})</c>, a missing
    /// value written as "".
    /// </summary>
    internal static byte[] PostgresConfiguration(PostgreSQLSource source) =>
        PythonJsonObject(("name", source.Name), ("query", source.Query), ("table", source.Table));

    /// <summary>A flat JSON object of strings as Python's <c>json.dumps</c> writes it (key order kept, <c>", "</c> and <c>": "</c>).</summary>
    private static byte[] PythonJsonObject(params (string Key, string? Value)[] entries)
    {
        var json = new StringBuilder("{");
        void Add(string key, string? value)
        {
            if (json.Length > 1) json.Append(", ");
            PythonJsonString(json, key);
            json.Append(": ");
            PythonJsonString(json, value ?? "");
        }
        foreach (var (key, value) in entries)
            Add(key, value);
        json.Append('}');
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    /// <summary>A JSON string as Python's <c>json.dumps</c> (ensure_ascii) writes it: anything outside printable ASCII as <c>\uXXXX</c> (lowercase hex, UTF-16 units).</summary>
    private static void PythonJsonString(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case >= ' ' and <= '~': json.Append(c); break;
                default: json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
            }
        }
        json.Append('"');
    }

    private static PostgreSQLSource PostgresFromProto(P.DataSource proto)
    {
        var options = CustomJson(proto, "PostgreSQL", "name", "query", "table");
        return new PostgreSQLSource(proto.Name, options["table"], options["query"], proto.TimestampField, proto.CreatedTimestampColumn,
            proto.FieldMapping, proto.Description, proto.Tags, proto.Owner)
        {
            DatePartitionColumn = proto.DatePartitionColumn,
        };
    }

    /// <summary>The string values of <paramref name="keys"/> in a custom source's JSON configuration (null when absent or null).</summary>
    private static Dictionary<string, string?> CustomJson(P.DataSource proto, string kind, params string[] keys)
    {
        try
        {
            using var document = JsonDocument.Parse(proto.CustomOptions?.Configuration.Memory ?? ReadOnlyMemory<byte>.Empty);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new RegistryException($"{kind} source '{proto.Name}' in the registry has a configuration that is not a JSON object.");
            var values = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var key in keys)
            {
                values[key] = document.RootElement.TryGetProperty(key, out var value) ? value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Null => null,
                    _ => throw new RegistryException($"{kind} source '{proto.Name}' in the registry has a non-string \"{key}\" in its configuration."),
                } : null;
            }
            return values;
        }
        catch (JsonException e)
        {
            throw new RegistryException($"{kind} source '{proto.Name}' in the registry has a configuration that is not valid JSON: {e.Message}", e);
        }
    }

    private static DuckDbSource DuckDbFromProto(P.DataSource proto)
    {
        string? table, query, database;
        try
        {
            using var document = JsonDocument.Parse(proto.CustomOptions?.Configuration.Memory ?? ReadOnlyMemory<byte>.Empty);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new RegistryException($"DuckDB source '{proto.Name}' in the registry has a configuration that is not a JSON object.");
            string? Get(string key) => document.RootElement.TryGetProperty(key, out var value) ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null => null,
                _ => throw new RegistryException($"DuckDB source '{proto.Name}' in the registry has a non-string \"{key}\" in its configuration."),
            } : null;
            (table, query, database) = (Get("table"), Get("query"), Get("database"));
        }
        catch (JsonException e)
        {
            throw new RegistryException($"DuckDB source '{proto.Name}' in the registry has a configuration that is not valid JSON: {e.Message}", e);
        }
        return new DuckDbSource(proto.Name, table, query, database, proto.TimestampField, proto.CreatedTimestampColumn, proto.FieldMapping,
            proto.Description, proto.Tags, proto.Owner)
        {
            DatePartitionColumn = proto.DatePartitionColumn,
        };
    }

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
