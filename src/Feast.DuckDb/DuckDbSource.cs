namespace Feast.DuckDb;

/// <summary>
/// Rows in DuckDB: a table of a DuckDB database file, or the result of a SQL query. Read by the DuckDB offline store.
/// </summary>
/// <remarks>
/// <para>Give exactly one of <see cref="Table"/> and <see cref="Query"/>.</para>
/// <para>A table needs <see cref="Database"/>, the DuckDB database file holding it (a path relative to the repo, or
/// absolute). The store attaches the file read-only to read it and read-write only to append pushed rows. The table
/// may be qualified by its schema (<c>analytics.driver_stats</c>); parts may be double-quoted.</para>
/// <para>A query is any DuckDB <c>SELECT</c>. Without a database it reads what it names itself, e.g.
/// <c>SELECT * FROM read_parquet('data/x.parquet')</c>. Paths inside the query are passed to DuckDB as written and
/// are <em>not</em> rewritten against the repo: relative ones are taken from the process's current directory, so
/// prefer absolute paths. With a database, the query runs with that database as DuckDB's current database, so the
/// table names it uses (schema-qualified or not) resolve there.</para>
/// <para>In the registry it is stored the way Feast stores its <c>PostgreSQLSource</c>: a <c>CUSTOM_SOURCE</c> whose
/// configuration is the JSON <c>{"name": ..., "query": ..., "table": ..., "database": ...}</c>.</para>
/// </remarks>
public sealed record DuckDbSource : CustomDataSource
{
    /// <summary>Creates a DuckDB source.</summary>
    /// <param name="name">The unique source name.</param>
    /// <param name="table">The table (optionally <c>schema.table</c>) in <paramref name="database"/>; give this or <paramref name="query"/>.</param>
    /// <param name="query">A DuckDB SELECT producing the rows; give this or <paramref name="table"/>.</param>
    /// <param name="database">The DuckDB database file holding the table (or the tables the query reads), relative to the repo or absolute; null when the query reads files itself.</param>
    /// <param name="timestampField">The event-timestamp column.</param>
    /// <param name="createdTimestampColumn">The created-timestamp column ("" if none).</param>
    /// <param name="fieldMapping">Source column → feature or join-key name.</param>
    /// <param name="description">A human-readable description.</param>
    /// <param name="tags">Free-form key/value metadata.</param>
    /// <param name="owner">The owner, typically an email address.</param>
    /// <exception cref="FeastValidationException">Both or neither of table and query are given, or a table has no database.</exception>
    public DuckDbSource(string name, string? table = null, string? query = null, string? database = null, string timestampField = "",
        string createdTimestampColumn = "", IReadOnlyDictionary<string, string>? fieldMapping = null, string description = "",
        IReadOnlyDictionary<string, string>? tags = null, string owner = "")
        : base(name, timestampField, createdTimestampColumn, fieldMapping, "", description, tags, owner)
    {
        Table = string.IsNullOrWhiteSpace(table) ? null : table;
        Query = string.IsNullOrWhiteSpace(query) ? null : query;
        Database = string.IsNullOrWhiteSpace(database) ? null : database;
        if (Table is not null && Query is not null)
            throw new FeastValidationException($"DuckDB source '{name}' has both a table ('{Table}') and a query. Give one: table (with database) to read a table, or query to read the result of a SELECT.");
        if (Table is null && Query is null)
            throw new FeastValidationException($"DuckDB source '{name}' has neither a table nor a query. Give one: table (with database, the .duckdb file holding it) or query (a DuckDB SELECT).");
        if (Table is not null && Database is null)
            throw new FeastValidationException($"DuckDB source '{name}' names table '{Table}' but no database. Give database: the path of the DuckDB database file holding the table (relative to the repo or absolute).");
    }

    /// <summary>The table (optionally <c>schema.table</c>) in <see cref="Database"/>, or null for a query source.</summary>
    public string? Table { get; init; }

    /// <summary>The DuckDB SELECT producing the rows, or null for a table source. Paths in it are not rewritten.</summary>
    public string? Query { get; init; }

    /// <summary>The DuckDB database file as the user wrote it (relative to the repo or absolute), or null.</summary>
    public string? Database { get; init; }

    /// <inheritdoc/>
    public override string SourceTypeName => "DuckDbSource";

    /// <summary>
    /// Feast.NET's own class path for this kind. Python Feast cannot import it and fails on it; Feast.NET reads it back
    /// as a <see cref="DuckDbSource"/> when the DuckDB backend is registered.
    /// </summary>
    public const string FeastClassType = "feast_dotnet.duckdb.DuckDbSource";

    /// <inheritdoc/>
    public override string ClassType => FeastClassType;

    /// <summary>
    /// The configuration: UTF-8 JSON <c>{"name": n, "query": q, "table": t, "database": d}</c> exactly as Python's
    /// <c>json.dumps</c> writes it, a missing value written as "", the way Feast's PostgreSQLSource writes its options.
    /// </summary>
    /// <returns>The UTF-8 JSON.</returns>
    public override byte[] WriteConfiguration() =>
        CustomSourceJson.Write(("name", Name), ("query", Query), ("table", Table), ("database", Database));

    /// <summary>Reads a source back from the registry (registered by <c>UseDuckDb()</c>).</summary>
    /// <param name="definition">The source as the registry holds it.</param>
    /// <returns>The source.</returns>
    public static DuckDbSource FromRegistry(CustomSourceDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var options = CustomSourceJson.Read(definition, "DuckDB", "table", "query", "database");
        return new DuckDbSource(definition.Name, options["table"], options["query"], options["database"], definition.TimestampField,
            definition.CreatedTimestampColumn, definition.FieldMapping, definition.Description, definition.Tags, definition.Owner)
        {
            DatePartitionColumn = definition.DatePartitionColumn,
        };
    }
}

