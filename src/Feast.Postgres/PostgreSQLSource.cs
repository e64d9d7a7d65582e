namespace Feast.Postgres;

/// <summary>
/// Rows in PostgreSQL: a table or the result of a SQL query, read by the PostgreSQL offline store (Feast's
/// <c>PostgreSQLSource</c>).
/// </summary>
/// <remarks>
/// <para>Give a table or a query. As in Feast, the table is SQL text used as written (<c>driver_stats</c>,
/// <c>analytics.driver_stats</c>, <c>"Mixed Case"</c>), resolved with the connection's <c>search_path</c>
/// (<c>db_schema, public</c>); when both are given the table wins, as in Feast.</para>
/// <para>In the registry it is stored exactly as Python Feast stores it: a <c>CUSTOM_SOURCE</c> whose
/// <c>data_source_class_type</c> is Feast's class path and whose configuration is the JSON
/// <c>{"name": ..., "query": ..., "table": ...}</c>, so registries are shared both ways.</para>
/// </remarks>
public sealed record PostgreSQLSource : CustomDataSource
{
    /// <summary>Creates a PostgreSQL source.</summary>
    /// <param name="name">The unique source name.</param>
    /// <param name="table">The table, as SQL text (optionally schema-qualified); give this or <paramref name="query"/>.</param>
    /// <param name="query">A PostgreSQL SELECT producing the rows; give this or <paramref name="table"/>.</param>
    /// <param name="timestampField">The event-timestamp column.</param>
    /// <param name="createdTimestampColumn">The created-timestamp column ("" if none).</param>
    /// <param name="fieldMapping">Source column → feature or join-key name.</param>
    /// <param name="description">A human-readable description.</param>
    /// <param name="tags">Free-form key/value metadata.</param>
    /// <param name="owner">The owner, typically an email address.</param>
    /// <exception cref="FeastValidationException">Neither a table nor a query is given.</exception>
    public PostgreSQLSource(string name, string? table = null, string? query = null, string timestampField = "",
        string createdTimestampColumn = "", IReadOnlyDictionary<string, string>? fieldMapping = null, string description = "",
        IReadOnlyDictionary<string, string>? tags = null, string owner = "")
        : base(name, timestampField, createdTimestampColumn, fieldMapping, "", description, tags, owner)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new FeastValidationException("The name of a PostgreSQL source must not be empty.");
        Table = string.IsNullOrWhiteSpace(table) ? null : table;
        Query = string.IsNullOrWhiteSpace(query) ? null : query;
        if (Table is null && Query is null)
            throw new FeastValidationException($"PostgreSQL source '{name}' has neither a table nor a query. Give table (e.g. \"driver_stats\" or \"analytics.driver_stats\") or query (a PostgreSQL SELECT).");
    }

    /// <summary>The table as SQL text, or null for a query source.</summary>
    public string? Table { get; init; }

    /// <summary>The SELECT producing the rows, or null for a table source.</summary>
    public string? Query { get; init; }

    /// <inheritdoc/>
    public override string SourceTypeName => "PostgreSQLSource";

    /// <summary>Python Feast's class path for this kind, stored as Python stores it so either side reads the other's registry.</summary>
    public const string FeastClassType = "feast.infra.offline_stores.contrib.postgres_offline_store.postgres_source.PostgreSQLSource";

    /// <inheritdoc/>
    public override string ClassType => FeastClassType;

    /// <summary>
    /// The configuration as Python's <c>PostgreSQLOptions.to_proto</c> writes it: <c>json.dumps({"name": n, "query": q, "table": t})</c>,
    /// a missing value written as "".
    /// </summary>
    /// <returns>The UTF-8 JSON.</returns>
    public override byte[] WriteConfiguration() => CustomSourceJson.Write(("name", Name), ("query", Query), ("table", Table));

    /// <summary>Reads a source back from the registry (registered by <c>UsePostgres()</c>).</summary>
    /// <param name="definition">The source as the registry holds it.</param>
    /// <returns>The source.</returns>
    public static PostgreSQLSource FromRegistry(CustomSourceDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var options = CustomSourceJson.Read(definition, "PostgreSQL", "name", "query", "table");
        return new PostgreSQLSource(definition.Name, options["table"], options["query"], definition.TimestampField, definition.CreatedTimestampColumn,
            definition.FieldMapping, definition.Description, definition.Tags, definition.Owner)
        {
            DatePartitionColumn = definition.DatePartitionColumn,
        };
    }
}
