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
internal static class ProtoConverter
{
    // Python class paths Feast stores in DataSource.data_source_class_type; Python dispatches on them when reading.
    internal const string FileSourceClass = "feast.infra.offline_stores.file_source.FileSource";
    internal const string PushSourceClass = "feast.data_source.PushSource";
    internal const string RequestSourceClass = "feast.data_source.RequestSource";
    internal const string KafkaSourceClass = "feast.data_source.KafkaSource";

    // Feast.NET's own source kind, stored as a CUSTOM_SOURCE the way Python stores its PostgreSQLSource. Python Feast
    // cannot import this class path and fails on it; Feast.NET reads it back as a DuckDbSource.
    internal const string DuckDbSourceClass = "feast_dotnet.duckdb.DuckDbSource";

    // Python Feast's PostgreSQLSource, stored as Python stores it so either side reads the other's registry.
    internal const string PostgreSQLSourceClass = "feast.infra.offline_stores.contrib.postgres_offline_store.postgres_source.PostgreSQLSource";

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

    public static FeatureView FromProto(P.FeatureView proto)
    {
        var s = proto.Spec;
        var batch = FromProto(s.BatchSource ?? throw new RegistryException($"Feature view '{s.Name}' in the registry has no batch source."));
        var view = new FeatureView(s.Name, batch, ttl: FromDuration(s.Ttl), schema: s.Features.Select(FromProto),
            online: s.Online, offline: s.Offline, description: s.Description, tags: s.Tags, owner: s.Owner)
        {
            StreamSource = s.StreamSource is null ? null : FromProto(s.StreamSource),
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

    public static StreamFeatureView FromProto(P.StreamFeatureView proto)
    {
        var s = proto.Spec;
        var stream = FromProto(s.StreamSource ?? throw new RegistryException($"Stream feature view '{s.Name}' in the registry has no stream source."));
        // The view's offline rows: its own batch_source, else its stream source's. A Kafka source stored without one
        // borrows the view's to construct, and is put back unchanged so the registry round trip stays exact.
        var batchSource = s.BatchSource is null ? null : FromProto(s.BatchSource);
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

    // ---- services, permissions ----

    public static P.FeatureService ToProto(FeatureService service, string project)
    {
        var spec = new P.FeatureServiceSpec { Name = service.Name, Project = project, Description = service.Description, Owner = service.Owner };
        spec.Features.Add(service.Projections.Select(ToProto));
        AddAll(spec.Tags, service.Tags);
        return new P.FeatureService
        {
            Spec = spec,
            Meta = new P.FeatureServiceMeta { CreatedTimestamp = ToTimestamp(service.CreatedTimestamp), LastUpdatedTimestamp = ToTimestamp(service.LastUpdatedTimestamp) },
        };
    }

    public static FeatureService FromProto(P.FeatureService proto)
    {
        var s = proto.Spec;
        var service = new FeatureService(s.Name, [.. s.Features.Select(FromProto)], s.Description, s.Tags, s.Owner);
        return WithMeta(service, proto.Meta?.CreatedTimestamp, proto.Meta?.LastUpdatedTimestamp);
    }

    public static P.Permission ToProto(Permission permission, string project)
    {
        var spec = new P.PermissionSpec { Name = permission.Name, Project = project, Policy = ToProto(permission.Policy) };
        spec.Types_.Add(permission.Types.Select(t => (P.PermissionSpec.Types.Type)(int)t));
        spec.NamePatterns.Add(permission.NamePatterns);
        AddAll(spec.RequiredTags, permission.RequiredTags);
        spec.Actions.Add(permission.Actions.Select(a => (P.PermissionSpec.Types.AuthzedAction)(int)a));
        AddAll(spec.Tags, permission.Tags);
        return new P.Permission
        {
            Spec = spec,
            Meta = new P.PermissionMeta { CreatedTimestamp = ToTimestamp(permission.CreatedTimestamp), LastUpdatedTimestamp = ToTimestamp(permission.LastUpdatedTimestamp) },
        };
    }

    public static Permission FromProto(P.Permission proto)
    {
        var s = proto.Spec;
        var permission = new Permission(s.Name, s.Types_.Select(t => (PermissionResourceType)(int)t), s.NamePatterns,
            s.Actions.Select(a => (AuthzedAction)(int)a), FromProto(s.Policy), s.RequiredTags, s.Tags);
        return WithMeta(permission, proto.Meta?.CreatedTimestamp, proto.Meta?.LastUpdatedTimestamp);
    }

    private static P.Policy ToProto(Policy policy)
    {
        var proto = new P.Policy();
        switch (policy)
        {
            case RoleBasedPolicy role:
                proto.RoleBasedPolicy = new P.RoleBasedPolicy();
                proto.RoleBasedPolicy.Roles.Add(role.Roles);
                break;
            case GroupBasedPolicy group:
                proto.GroupBasedPolicy = new P.GroupBasedPolicy();
                proto.GroupBasedPolicy.Groups.Add(group.Groups);
                break;
            case NamespaceBasedPolicy ns:
                proto.NamespaceBasedPolicy = new P.NamespaceBasedPolicy();
                proto.NamespaceBasedPolicy.Namespaces.Add(ns.Namespaces);
                break;
            case CombinedGroupNamespacePolicy combined:
                proto.CombinedGroupNamespacePolicy = new P.CombinedGroupNamespacePolicy();
                proto.CombinedGroupNamespacePolicy.Groups.Add(combined.Groups);
                proto.CombinedGroupNamespacePolicy.Namespaces.Add(combined.Namespaces);
                break;
            default:
                break; // AllowAll is an empty Policy message, as Python writes it.
        }
        return proto;
    }

    private static Policy FromProto(P.Policy? proto) => proto?.PolicyTypeCase switch
    {
        P.Policy.PolicyTypeOneofCase.RoleBasedPolicy => new RoleBasedPolicy(proto.RoleBasedPolicy.Roles),
        P.Policy.PolicyTypeOneofCase.GroupBasedPolicy => new GroupBasedPolicy(proto.GroupBasedPolicy.Groups),
        P.Policy.PolicyTypeOneofCase.NamespaceBasedPolicy => new NamespaceBasedPolicy(proto.NamespaceBasedPolicy.Namespaces),
        P.Policy.PolicyTypeOneofCase.CombinedGroupNamespacePolicy => new CombinedGroupNamespacePolicy(
            proto.CombinedGroupNamespacePolicy.Groups, proto.CombinedGroupNamespacePolicy.Namespaces),
        _ => Policy.AllowAll,
    };
}
