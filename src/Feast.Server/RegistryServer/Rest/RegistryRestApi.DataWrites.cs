using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer.Rest;

/// <summary>The REST API's data-source writes and saved-dataset registration, as Feast's routes.</summary>
internal sealed partial class RegistryRestApi
{
    private const string FileSourceClass = "feast.infra.offline_stores.file_source.FileSource";

    /// <summary>
    /// Feast's <c>ApplyDataSourceRequestBody</c>: name, <c>type</c> (the <c>SourceType</c> number; inferred from the
    /// options when absent), timestamp columns, description, tags, owner and one of <c>file_options</c>,
    /// <c>bigquery_options</c>, <c>snowflake_options</c>, <c>redshift_options</c>, <c>kafka_options</c>,
    /// <c>spark_options</c>, <c>trino_options</c>, <c>athena_options</c>, <c>kinesis_options</c>, <c>custom_options</c>,
    /// with <c>data_source_class_type</c>. The source is read as the registry reads one: a kind Feast.NET cannot read
    /// is refused (422).
    /// </summary>
    public static IMessage DataSourceOf(RestBody body, P.Registry registry)
    {
        ArgumentNullException.ThrowIfNull(body);
        var source = new P.DataSource
        {
            Name = body.Required("name"),
            TimestampField = body.Optional("timestamp_field") ?? "",
            CreatedTimestampColumn = body.Optional("created_timestamp_column") ?? "",
            DatePartitionColumn = body.Optional("date_partition_column") ?? "",
            Description = body.Optional("description") ?? "",
            Owner = body.Optional("owner") ?? "",
        };
        source.Tags.Add(body.Map("tags"));
        P.DataSource.Types.SourceType inferred;
        if (body.Object("file_options") is { } file)
        {
            source.FileOptions = new P.DataSource.Types.FileOptions
            {
                Uri = file.Optional("uri") ?? "",
                S3EndpointOverride = file.Optional("s3_endpoint_override") ?? "",
                FileFormat = new P.FileFormat { ParquetFormat = new P.FileFormat.Types.ParquetFormat() },
            };
            (inferred, source.DataSourceClassType) = (P.DataSource.Types.SourceType.BatchFile, FileSourceClass);
        }
        else if (body.Object("bigquery_options") is { } bigquery)
        {
            source.BigqueryOptions = new P.DataSource.Types.BigQueryOptions { Table = bigquery.Optional("table") ?? "", Query = bigquery.Optional("query") ?? "" };
            inferred = P.DataSource.Types.SourceType.BatchBigquery;
        }
        else if (body.Object("snowflake_options") is { } snowflake)
        {
            source.SnowflakeOptions = new P.DataSource.Types.SnowflakeOptions
            {
                Table = snowflake.Optional("table") ?? "", Database = snowflake.Optional("database") ?? "",
                Schema = snowflake.Optional("schema_") ?? "", Query = snowflake.Optional("query") ?? "",
            };
            inferred = P.DataSource.Types.SourceType.BatchSnowflake;
        }
        else if (body.Object("redshift_options") is { } redshift)
        {
            source.RedshiftOptions = new P.DataSource.Types.RedshiftOptions
            {
                Table = redshift.Optional("table") ?? "", Database = redshift.Optional("database") ?? "",
                Schema = redshift.Optional("schema_") ?? "", Query = redshift.Optional("query") ?? "",
            };
            inferred = P.DataSource.Types.SourceType.BatchRedshift;
        }
        else if (body.Object("kafka_options") is { } kafka)
        {
            source.KafkaOptions = new P.DataSource.Types.KafkaOptions { KafkaBootstrapServers = kafka.Optional("kafka_bootstrap_servers") ?? "", Topic = kafka.Optional("topic") ?? "" };
            inferred = P.DataSource.Types.SourceType.StreamKafka;
        }
        else if (body.Object("spark_options") is { } spark)
        {
            source.SparkOptions = new P.DataSource.Types.SparkOptions
            {
                Table = spark.Optional("table") ?? "", Path = spark.Optional("path") ?? "", Query = spark.Optional("query") ?? "",
                FileFormat = spark.Optional("file_format") ?? "", DatePartitionColumnFormat = spark.Optional("date_partition_column_format") ?? "",
            };
            inferred = P.DataSource.Types.SourceType.BatchSpark;
        }
        else if (body.Object("trino_options") is { } trino)
        {
            source.TrinoOptions = new P.DataSource.Types.TrinoOptions { Table = trino.Optional("table") ?? "", Query = trino.Optional("query") ?? "" };
            inferred = P.DataSource.Types.SourceType.BatchTrino;
        }
        else if (body.Object("athena_options") is { } athena)
        {
            source.AthenaOptions = new P.DataSource.Types.AthenaOptions
            {
                Table = athena.Optional("table") ?? "", Query = athena.Optional("query") ?? "",
                Database = athena.Optional("database") ?? "", DataSource = athena.Optional("data_source") ?? "",
            };
            inferred = P.DataSource.Types.SourceType.BatchAthena;
        }
        else if (body.Object("kinesis_options") is { } kinesis)
        {
            source.KinesisOptions = new P.DataSource.Types.KinesisOptions { Region = kinesis.Optional("region") ?? "", StreamName = kinesis.Optional("stream_name") ?? "" };
            inferred = P.DataSource.Types.SourceType.StreamKinesis;
        }
        else if (body.Object("custom_options") is { } custom)
        {
            source.CustomOptions = new P.DataSource.Types.CustomSourceOptions { Configuration = ByteString.CopyFromUtf8(custom.Optional("configuration") ?? "") };
            inferred = P.DataSource.Types.SourceType.CustomSource;
        }
        else
        {
            throw new RestValidationException("Field required: the body names no options; give one of file_options, bigquery_options, snowflake_options, redshift_options, kafka_options, spark_options, trino_options, athena_options, kinesis_options or custom_options.");
        }
        if (body.Int("type") is { } type)
        {
            source.Type = EnumOf(P.DataSource.Descriptor, "SourceType").FindValueByNumber(type) is not null
                ? (P.DataSource.Types.SourceType)type
                : throw new RestValidationException($"Value error: field 'body.type' is {type}, which is no Feast DataSource.SourceType (1 is BATCH_FILE).");
        }
        else
        {
            source.Type = inferred;
        }
        if (body.Optional("data_source_class_type") is { Length: > 0 } classType) source.DataSourceClassType = classType;
        return source;
    }

    /// <summary>
    /// <c>POST /saved_datasets</c> (Feast's <c>RegisterDatasetRequest</c>): registers a dataset already written at
    /// <c>storage_path</c>; features and join keys default to the feature service's; an existing name is 409 unless
    /// <c>allow_override</c>. Answers <c>{"status": "ok", "name", "project"}</c>.
    /// </summary>
    public RequestDelegate RegisterDataset() => HandleAsync(async (http, ct) =>
    {
        var body = await RestBody.ReadAsync(http.Request, ct).ConfigureAwait(false);
        var (name, project) = (body.Required("name").Trim(), body.Required("project").Trim());
        if (name.Length == 0) throw new RestBadRequestException("Dataset name is required.");
        if (project.Length == 0) throw new RestBadRequestException("Project is required.");
        var path = body.Optional("storage_path")?.Trim() ?? "";
        if (path.Length == 0) throw new RestBadRequestException("Storage path is required. Provide a file path or table reference.");
        var registry = await reader.GetAsync(allowCache: false, ct).ConfigureAwait(false);
        if (body.Bool("allow_override") != true && registry.SavedDatasets.Any(d => d.Spec?.Project == project && d.Spec.Name == name))
            throw new RestConflictException($"A dataset named \"{name}\" already exists in project \"{project}\". Use edit to update it.");
        var spec = new P.SavedDatasetSpec
        {
            Name = name,
            Project = project,
            FullFeatureNames = body.Bool("full_feature_names") ?? false,
            Storage = StorageOf(body.Optional("storage_type") ?? "file", path, body.Optional("storage_file_format")),
            Namespace = body.Optional("namespace") ?? "",
            Collection = body.Optional("collection") ?? "",
            Description = body.Optional("description") ?? "",
        };
        spec.Tags.Add(body.Map("tags"));
        var (features, joinKeys) = (body.Strings("features"), body.Strings("join_keys"));
        if (body.Optional("feature_service_name") is { Length: > 0 } serviceName)
        {
            spec.FeatureServiceName = serviceName;
            var (serviceFeatures, serviceKeys) = ServiceMetadata(registry, project, serviceName.Trim());
            if (features.Count == 0) features = serviceFeatures;
            if (joinKeys.Count == 0) joinKeys = serviceKeys;
        }
        spec.Features.Add(features);
        spec.JoinKeys.Add(joinKeys);
        await service.ApplySavedDatasetAsync(http, project, new P.SavedDataset { Spec = spec, Meta = new P.SavedDatasetMeta() }, ct).ConfigureAwait(false);
        return (StatusCodes.Status200OK, new JsonObject { ["status"] = "ok", ["name"] = name, ["project"] = project });
    });

    /// <summary>
    /// <c>POST /saved_datasets/create</c>: Feast runs a historical retrieval in its server and saves the result; this
    /// server runs no retrieval, so after Feast's checks of the body (400) it answers 501 saying what to do instead.
    /// </summary>
    public RequestDelegate CreateDataset() => HandleAsync(async (http, ct) =>
    {
        var body = await RestBody.ReadAsync(http.Request, ct).ConfigureAwait(false);
        if (body.Required("name").Trim().Length == 0) throw new RestBadRequestException("Dataset name is required.");
        if (body.Required("project").Trim().Length == 0) throw new RestBadRequestException("Project is required.");
        if ((body.Optional("storage_path") ?? "").Trim().Length == 0) throw new RestBadRequestException("Storage path (output destination) is required.");
        if (string.IsNullOrEmpty(body.Optional("feature_service_name")) && body.Strings("features").Count == 0)
            throw new RestBadRequestException("Either feature_service_name or features list is required.");
        throw new RestNotImplementedException(
            "Failed to create dataset: this registry server runs no historical retrievals. Run the retrieval with the SDK or the CLI " +
            "(get_historical_features) into storage_path, then register the result with POST /saved_datasets.");
    });

    /// <summary><c>DELETE /saved_datasets/{name}?project=</c>: <c>{"status": "ok", "name", "project"}</c>.</summary>
    public RequestDelegate DeleteDataset() => HandleAsync(async (http, ct) =>
    {
        var name = http.Request.RouteValues["name"] as string ?? "";
        var project = new RestQuery(http.Request).Project;
        await service.DeleteSavedDatasetAsync(http, project, name, ct).ConfigureAwait(false);
        return (StatusCodes.Status200OK, new JsonObject { ["status"] = "ok", ["name"] = name, ["project"] = project });
    });

    /// <summary>The storage of a registered dataset, as Feast's route builds it from <c>storage_type</c> (default: a file).</summary>
    private static P.SavedDatasetStorage StorageOf(string type, string path, string? fileFormat)
    {
        static P.DataSource.Types.CustomSourceOptions Custom(object config) =>
            new() { Configuration = ByteString.CopyFrom(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(config))) };
        return type switch
        {
            "bigquery" => new() { BigqueryStorage = new() { Table = path } },
            "redshift" => new() { RedshiftStorage = new() { Table = path } },
            "snowflake" => new() { SnowflakeStorage = new() { Table = path } },
            "trino" => new() { TrinoStorage = new() { Table = path } },
            "spark" => new() { SparkStorage = new() { Path = path, FileFormat = fileFormat is { Length: > 0 } f ? f : "parquet" } },
            "athena" => new() { AthenaStorage = new() { Table = path } },
            "postgres" or "clickhouse" => new() { CustomStorage = Custom(new Dictionary<string, string?> { ["name"] = null, ["query"] = null, ["table"] = path }) },
            "couchbase" => new() { CustomStorage = Custom(CouchbaseConfig(path)) },
            "custom" => new() { CustomStorage = new() { Configuration = ByteString.CopyFromUtf8(path) } },
            _ => new() { FileStorage = new() { Uri = path } },
        };
    }

    private static Dictionary<string, string?> CouchbaseConfig(string path)
    {
        var parts = path.Split('.', 3);
        return new()
        {
            ["name"] = null,
            ["query"] = null,
            ["database"] = parts[0],
            ["scope"] = parts.Length > 1 ? parts[1] : "",
            ["collection"] = parts.Length > 2 ? parts[2] : "",
        };
    }

    /// <summary>A feature service's feature references (<c>view:feature</c>) and its views' join keys (Feast's <c>resolve_feature_service_metadata</c>).</summary>
    private static (List<string> Features, List<string> JoinKeys) ServiceMetadata(P.Registry registry, string project, string name)
    {
        var featureService = registry.FeatureServices.LastOrDefault(s => s.Spec?.Project == project && s.Spec.Name == name);
        if (featureService is null) return ([], []);
        var features = new List<string>();
        var keys = new List<string>();
        foreach (var projection in featureService.Spec.Features)
        {
            var view = string.IsNullOrEmpty(projection.FeatureViewNameAlias) ? projection.FeatureViewName : projection.FeatureViewNameAlias;
            features.AddRange(projection.FeatureColumns.Select(c => $"{view}:{c.Name}"));
            var spec = registry.FeatureViews.LastOrDefault(v => v.Spec?.Project == project && v.Spec.Name == projection.FeatureViewName)?.Spec;
            foreach (var entity in spec?.Entities ?? [])
            {
                var key = registry.Entities.LastOrDefault(e => e.Spec?.Project == project && e.Spec.Name == entity)?.Spec.JoinKey;
                if (key is { Length: > 0 } && entity != "__dummy" && !keys.Contains(key)) keys.Add(key);
            }
        }
        return (features, keys);
    }
}

/// <summary>A write that clashes with what the registry holds: HTTP 409 with <c>error_type</c> <c>HTTPException</c>, as Feast's route raises it.</summary>
internal sealed class RestConflictException(string message) : FeastValidationException(message)
{
    /// <inheritdoc/>
    public override string FeastErrorClass => "HTTPException";
}

/// <summary>A route this server cannot serve: HTTP 501 with <c>error_type</c> <c>HTTPException</c>.</summary>
internal sealed class RestNotImplementedException(string message) : FeastValidationException(message)
{
    /// <inheritdoc/>
    public override string FeastErrorClass => "HTTPException";
}
