namespace Feast;

/// <summary>Where raw feature rows live. Subclasses mirror Feast's source classes.</summary>
public abstract record DataSource : FeastObject
{
    /// <summary>
    /// The source whose rows hold this source's data offline: a push source's (or Kafka source's) batch source, else
    /// this source itself.
    /// </summary>
    public DataSource BatchSourceOrSelf() => this switch
    {
        PushSource push => push.BatchSource,
        KafkaSource { BatchSource: { } batch } => batch,
        _ => this,
    };

    private protected DataSource(string name, string timestampField, string createdTimestampColumn,
        IReadOnlyDictionary<string, string>? fieldMapping, string datePartitionColumn,
        string description, IReadOnlyDictionary<string, string>? tags, string owner)
        : base(name, description, tags, owner, "data source")
    {
        TimestampField = timestampField ?? "";
        CreatedTimestampColumn = createdTimestampColumn ?? "";
        FieldMapping = Guard.Tags(fieldMapping);
        DatePartitionColumn = datePartitionColumn ?? "";
        if (TimestampField.Length > 0 && TimestampField == CreatedTimestampColumn)
            throw new FeastValidationException($"Data source '{name}': timestampField and createdTimestampColumn are both '{TimestampField}'. They must be different columns.");
    }

    /// <summary>The event-timestamp column.</summary>
    public string TimestampField { get; init; }

    /// <summary>The created-timestamp column used to break ties between rows with one event timestamp ("" if none).</summary>
    public string CreatedTimestampColumn { get; init; }

    /// <summary>Source column → feature or join-key name.</summary>
    public IReadOnlyDictionary<string, string> FieldMapping { get; init; }

    /// <summary>A date partition column ("" if none).</summary>
    public string DatePartitionColumn { get; init; }

    /// <inheritdoc/>
    public override string Kind => "DataSource";

    /// <summary>The source type name as Feast's CLI prints it.</summary>
    public abstract string SourceTypeName { get; }
}

/// <summary>The format of a <see cref="FileSource"/>.</summary>
public enum FileFormat
{
    /// <summary>Apache Parquet (Feast's default).</summary>
    Parquet,

    /// <summary>Comma-separated text with a header row.</summary>
    Csv,
}

/// <summary>Rows in Parquet or CSV files: one file, a folder of files, or a glob.</summary>
public sealed record FileSource : DataSource
{
    /// <summary>Creates a file source.</summary>
    /// <param name="path">The file, folder or glob, relative to the repo or absolute.</param>
    /// <param name="timestampField">The event-timestamp column.</param>
    /// <param name="name">The unique source name; defaults to the path.</param>
    /// <param name="createdTimestampColumn">The created-timestamp column ("" if none).</param>
    /// <param name="fieldMapping">Source column → feature or join-key name.</param>
    /// <param name="fileFormat">The file format; inferred from the extension when null (<c>.csv</c> is CSV, anything else Parquet).</param>
    /// <param name="s3EndpointOverride">An S3 endpoint override, kept for compatibility.</param>
    /// <param name="datePartitionColumn">A date partition column ("" if none).</param>
    /// <param name="description">A human-readable description.</param>
    /// <param name="tags">Free-form key/value metadata.</param>
    /// <param name="owner">The owner, typically an email address.</param>
    public FileSource(string path, string timestampField = "", string? name = null, string createdTimestampColumn = "",
        IReadOnlyDictionary<string, string>? fieldMapping = null, FileFormat? fileFormat = null, string s3EndpointOverride = "",
        string datePartitionColumn = "", string description = "", IReadOnlyDictionary<string, string>? tags = null, string owner = "")
        : base(name ?? path, timestampField, createdTimestampColumn, fieldMapping, datePartitionColumn, description, tags, owner)
    {
        Guard.NotNullOrEmpty(path, $"The path of file source '{name}'");
        Path = path;
        var csvPath = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        // Feast's registry records Parquet only; a CSV source is known by its extension when read back.
        if (fileFormat == Feast.FileFormat.Csv && !csvPath)
            throw new FeastValidationException($"File source '{name ?? path}': a CSV source's path must end in .csv (a file, or a glob like 'data/stats/*.csv'), because the registry recognises CSV by the extension. Got '{path}'.");
        FileFormat = fileFormat ?? (csvPath ? Feast.FileFormat.Csv : Feast.FileFormat.Parquet);
        S3EndpointOverride = s3EndpointOverride ?? "";
    }

    /// <summary>The file, folder or glob, as the user wrote it.</summary>
    public string Path { get; init; }

    /// <summary>The file format.</summary>
    public FileFormat FileFormat { get; init; }

    /// <summary>An S3 endpoint override, kept for compatibility.</summary>
    public string S3EndpointOverride { get; init; }

    /// <inheritdoc/>
    public override string SourceTypeName => "FileSource";
}

/// <summary>Data supplied with each request, used as input to on-demand feature views.</summary>
public sealed record RequestSource : DataSource, IOnDemandSource
{
    /// <summary>Creates a request source.</summary>
    /// <param name="name">The unique source name.</param>
    /// <param name="schema">The request fields and their types.</param>
    /// <param name="description">A human-readable description.</param>
    /// <param name="tags">Free-form key/value metadata.</param>
    /// <param name="owner">The owner, typically an email address.</param>
    public RequestSource(string name, IEnumerable<Field> schema, string description = "",
        IReadOnlyDictionary<string, string>? tags = null, string owner = "")
        : base(name, "", "", null, "", description, tags, owner)
    {
        Schema = Guard.List(schema);
        if (Schema.Count == 0)
            throw new FeastValidationException($"Request source '{name}' has an empty schema. List the request fields, e.g. schema: [new Field(\"val_to_add\", FeastType.Int64)].");
    }

    /// <summary>The request fields and their types.</summary>
    public IReadOnlyList<Field> Schema { get; init; }

    /// <inheritdoc/>
    public override string SourceTypeName => "RequestSource";
}

/// <summary>A source that applications push rows into; feature views using it become pushable.</summary>
public sealed record PushSource : DataSource
{
    /// <summary>Creates a push source.</summary>
    /// <param name="name">The unique source name, used in push requests.</param>
    /// <param name="batchSource">The batch source holding the same rows for offline use.</param>
    /// <param name="description">A human-readable description.</param>
    /// <param name="tags">Free-form key/value metadata.</param>
    /// <param name="owner">The owner, typically an email address.</param>
    public PushSource(string name, DataSource batchSource, string description = "",
        IReadOnlyDictionary<string, string>? tags = null, string owner = "")
        : base(name, "", "", null, "", description, tags, owner)
    {
        if (batchSource is null)
            throw new FeastValidationException($"Push source '{name}' needs a batchSource (the offline source holding the same rows) and got null. {Guard.OrderHint}");
        if (batchSource is PushSource or RequestSource)
            throw new FeastValidationException($"Push source '{name}': its batchSource '{batchSource.Name}' is a {batchSource.SourceTypeName}; it must be a batch source such as a FileSource.");
        BatchSource = batchSource;
    }

    /// <summary>The batch source holding the same rows for offline use.</summary>
    public DataSource BatchSource { get; init; }

    /// <inheritdoc/>
    public override string SourceTypeName => "PushSource";
}

/// <summary>The message format of a stream source.</summary>
/// <param name="Kind"><c>json</c>, <c>avro</c> or <c>proto</c>.</param>
/// <param name="Schema">The JSON or Avro schema, or the protobuf class path.</param>
public sealed record StreamFormat(string Kind, string Schema)
{
    /// <summary>JSON messages described by a schema string such as <c>"driver_id integer, conv_rate double"</c>.</summary>
    public static StreamFormat Json(string schemaJson) => new("json", schemaJson);

    /// <summary>Avro messages with the given schema.</summary>
    public static StreamFormat Avro(string schemaJson) => new("avro", schemaJson);

    /// <summary>Protobuf messages of the given class.</summary>
    public static StreamFormat Proto(string classPath) => new("proto", classPath);
}

/// <summary>A Kafka topic feeding stream feature views (definition only; no consumer runs yet).</summary>
public sealed record KafkaSource : DataSource
{
    /// <summary>Creates a Kafka source.</summary>
    public KafkaSource(string name, string timestampField, string kafkaBootstrapServers, string topic, StreamFormat messageFormat,
        DataSource? batchSource = null, TimeSpan? watermarkDelayThreshold = null, string createdTimestampColumn = "",
        IReadOnlyDictionary<string, string>? fieldMapping = null, string description = "",
        IReadOnlyDictionary<string, string>? tags = null, string owner = "")
        : base(name, timestampField, createdTimestampColumn, fieldMapping, "", description, tags, owner)
    {
        Guard.NotNullOrEmpty(kafkaBootstrapServers, $"kafkaBootstrapServers of Kafka source '{name}'");
        Guard.NotNullOrEmpty(topic, $"topic of Kafka source '{name}'");
        ArgumentNullException.ThrowIfNull(messageFormat);
        KafkaBootstrapServers = kafkaBootstrapServers;
        Topic = topic;
        MessageFormat = messageFormat;
        BatchSource = batchSource;
        WatermarkDelayThreshold = watermarkDelayThreshold ?? TimeSpan.Zero;
    }

    /// <summary>The Kafka bootstrap servers.</summary>
    public string KafkaBootstrapServers { get; init; }

    /// <summary>The topic.</summary>
    public string Topic { get; init; }

    /// <summary>The message format.</summary>
    public StreamFormat MessageFormat { get; init; }

    /// <summary>The batch source holding the same rows for offline use.</summary>
    public DataSource? BatchSource { get; init; }

    /// <summary>How late events may arrive.</summary>
    public TimeSpan WatermarkDelayThreshold { get; init; }

    /// <inheritdoc/>
    public override string SourceTypeName => "KafkaSource";
}

/// <summary>
/// A source of a kind Feast.NET does not model (BigQuery, Snowflake, Spark, ...), read from a registry Python Feast wrote.
/// It is kept byte for byte so writing the registry back loses nothing.
/// </summary>
public sealed record OpaqueDataSource : DataSource
{
    internal OpaqueDataSource(string name, string typeName, byte[] proto, string timestampField, string createdTimestampColumn,
        IReadOnlyDictionary<string, string>? fieldMapping, string description, IReadOnlyDictionary<string, string>? tags, string owner)
        : base(name, timestampField, createdTimestampColumn, fieldMapping, "", description, tags, owner)
    {
        SourceTypeName = typeName;
        Proto = proto;
    }

    /// <summary>The serialized <c>feast.core.DataSource</c> message.</summary>
    internal byte[] Proto { get; init; }

    /// <inheritdoc/>
    public override string SourceTypeName { get; }
}
