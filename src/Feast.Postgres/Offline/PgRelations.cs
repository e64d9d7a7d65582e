using Feast.Offline;
using Npgsql;

namespace Feast.Postgres.Offline;

/// <summary>
/// A <see cref="PostgreSQLSource"/> as a relation: its FROM-able SQL (the table as written, or the query in parentheses)
/// and its columns as stored. Names the view and the source in every error.
/// </summary>
internal sealed class PgSourceRelation
{
    private readonly Dictionary<string, PgColumn> _columns;

    private PgSourceRelation(PostgreSQLSource source, string owner, string label, string scan, IReadOnlyList<PgColumn> columns)
    {
        Source = source;
        Owner = owner;
        Label = label;
        Scan = scan;
        Columns = columns;
        _columns = columns.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    public PostgreSQLSource Source { get; }

    /// <summary>Who reads the source, for messages ("Feature view 'driver_stats'").</summary>
    public string Owner { get; }

    /// <summary>The source for messages: <c>'driver_stats_source' (table public.driver_stats)</c>.</summary>
    public string Label { get; }

    /// <summary>A FROM-able relation of the source's rows (give it an alias).</summary>
    public string Scan { get; }

    public IReadOnlyList<PgColumn> Columns { get; }

    /// <summary>The FROM-able text of a source: its table as written, or its query in parentheses on their own lines.</summary>
    public static string ScanOf(PostgreSQLSource source) =>
        source.Table is { } table ? table : "(\n" + source.Query!.Trim().TrimEnd(';').Trim() + "\n)";

    public static string LabelOf(PostgreSQLSource source) =>
        source.Table is { } table ? $"'{source.Name}' (table {table})" : $"'{source.Name}' (query)";

    /// <summary>Checks the source kind, reads its columns, and turns a missing table or a failing query into a clear error.</summary>
    public static async Task<PgSourceRelation> OpenAsync(NpgsqlConnection connection, DataSource source, string owner, CancellationToken cancellationToken)
    {
        var batch = source.BatchSourceOrSelf();
        if (batch is not PostgreSQLSource postgres)
            throw new FeastException($"{owner}: its batch source '{batch.Name}' is a {batch.SourceTypeName}; the PostgreSQL offline store reads PostgreSQLSource sources only (a table or a query on the offline store's server).");
        var scan = ScanOf(postgres);
        var label = LabelOf(postgres);
        try
        {
            var columns = await PgArrow.DescribeAsync(connection, scan + " AS " + PostgresConnections.Quote(PgTypes.HelperPrefix + "src"), cancellationToken).ConfigureAwait(false);
            return new PgSourceRelation(postgres, owner, label, scan, columns);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable && postgres.Table is not null)
        {
            throw new FeastException($"{owner}: the table {postgres.Table} of source '{postgres.Name}' does not exist in database '{connection.Database}' ({e.MessageText}). Create the table, or fix the PostgreSQLSource table (schema-qualify it, e.g. analytics.driver_stats, or set db_schema).", e);
        }
        catch (PostgresException e)
        {
            throw new FeastException($"{owner}: PostgreSQL cannot read source {label}: {e.MessageText}", e);
        }
    }

    /// <summary>The stored column the field mapping renames to <paramref name="name"/>, or null.</summary>
    public static string? StoredNameOf(DataSource source, string name) =>
        source.FieldMapping.FirstOrDefault(m => m.Value == name).Key;

    /// <summary>The stored column holding <paramref name="name"/> (a feature or join key by the view's name), after the field mapping.</summary>
    public PgColumn Mapped(string name, string role)
    {
        var stored = StoredNameOf(Source, name) ?? name;
        return Require(stored, stored == name ? $"{role} '{name}'" : $"{role} '{name}' (field mapping '{stored}' → '{name}')");
    }

    /// <summary>A stored column named as written in the source definition (timestamp and created columns).</summary>
    public PgColumn Stored(string name, string role)
    {
        if (_columns.TryGetValue(name, out var column)) return column;
        var stored = StoredNameOf(Source, name);
        return stored is not null && _columns.TryGetValue(stored, out var mapped) ? mapped : Require(name, $"{role} '{name}'");
    }

    /// <summary>The event-time column, checked to hold timestamps.</summary>
    public PgColumn TimestampColumn()
    {
        if (Source.TimestampField.Length == 0)
            throw new FeastValidationException($"{Owner}: its source '{Source.Name}' has no timestamp_field. Set timestampField on the source to the event-time column.");
        var column = Stored(Source.TimestampField, "event timestamp");
        if (!PgTypes.IsTimeLike(column.Type))
            throw new FeastValidationException($"{Owner}: the event-timestamp column '{column.Name}' of source {Label} has type {column.Type}. It must be timestamptz, timestamp (read as UTC) or date; ALTER the column or cast it in a query source.");
        return column;
    }

    /// <summary>The created-timestamp column, or null when the source has none.</summary>
    public PgColumn? CreatedColumn()
    {
        if (Source.CreatedTimestampColumn.Length == 0) return null;
        var column = Stored(Source.CreatedTimestampColumn, "created timestamp");
        if (!PgTypes.IsTimeLike(column.Type))
            throw new FeastValidationException($"{Owner}: the created-timestamp column '{column.Name}' of source {Label} has type {column.Type}. It must be timestamptz, timestamp (read as UTC) or date.");
        return column;
    }

    private PgColumn Require(string column, string role) =>
        _columns.TryGetValue(column, out var found) ? found
        : throw new FeastValidationException(
            $"{Owner}: source {Label} has no column '{column}', which holds its {role}. Its columns are: "
            + $"{string.Join(", ", Columns.Select(c => c.Name))}. Fix the source's table or query, its field_mapping, or the view's schema.");
}

/// <summary>
/// The entity rows of a retrieval on the server: a FROM-able relation with the entity columns, a row number
/// (<see cref="RowColumn"/>) and the event time as an instant (<see cref="TimeColumn"/>).
/// </summary>
internal sealed class PgEntityRelation
{
    /// <summary>The temp table entity rows are uploaded to.</summary>
    public const string TableName = PgTypes.HelperPrefix + "entity_rows";

    /// <summary>Row position in the entity data, so output keeps the input order.</summary>
    public const string RowColumn = PgTypes.HelperPrefix + "row";

    /// <summary>The entity row's event time (timestamptz).</summary>
    public const string TimeColumn = PgTypes.HelperPrefix + "ts";

    private const string What = "The entity data";

    private PgEntityRelation(IReadOnlyList<PgColumn> columns, string relation)
    {
        var helper = columns.FirstOrDefault(c => c.Name.StartsWith(PgTypes.HelperPrefix, StringComparison.OrdinalIgnoreCase));
        if (helper is not null)
            throw new FeastValidationException($"{What} has column '{helper.Name}'; names starting with '{PgTypes.HelperPrefix}' are reserved for the PostgreSQL offline store's helper columns. Rename it.");
        Columns = columns;
        TimestampColumn = ChooseTimestampColumn(columns);
        Relation = relation;
    }

    /// <summary>The entity data's own columns, in order.</summary>
    public IReadOnlyList<PgColumn> Columns { get; }

    /// <summary>The event-timestamp column.</summary>
    public PgColumn TimestampColumn { get; }

    /// <summary>A FROM-able relation with the entity columns, <see cref="RowColumn"/> and <see cref="TimeColumn"/>.</summary>
    public string Relation { get; }

    /// <summary>
    /// Resolves the entity rows. Arrow rows are uploaded by binary COPY to a temp table on <paramref name="connection"/>
    /// (when <paramref name="load"/>; <c>ToSql</c> only derives the schema). A SQL query is copied into a temp table
    /// (<see cref="PostgresEntitySelectMode.TempTable"/>) or embedded as a sub-select.
    /// </summary>
    public static async Task<PgEntityRelation> OpenAsync(NpgsqlConnection connection, EntityData data, bool embedQuery, bool load, CancellationToken cancellationToken)
    {
        var table = PostgresConnections.Quote(TableName);
        switch (data)
        {
            case ArrowEntityData arrow:
            {
                var columns = PgArrow.Columns(arrow.Schema, What);
                var relation = new PgEntityRelation(columns, "");
                if (load)
                {
                    await ExecuteAsync(connection, $"DROP TABLE IF EXISTS pg_temp.{table}", cancellationToken).ConfigureAwait(false);
                    await PgArrow.CreateAndCopyAsync(connection, table, temporary: true, arrow.Schema, arrow.Batches, What, RowColumn, cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, $"ANALYZE {table}", cancellationToken).ConfigureAwait(false);
                }
                return relation.WithRelation(table);
            }
            case SqlEntityData sql:
            {
                var query = "(\n" + sql.Query.Trim().TrimEnd(';').Trim() + "\n)";
                IReadOnlyList<PgColumn> columns;
                try
                {
                    columns = await PgArrow.DescribeAsync(connection, query + " AS " + PostgresConnections.Quote(PgTypes.HelperPrefix + "q"), cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException e)
                {
                    throw new FeastException($"PostgreSQL cannot run the entity SQL query: {e.MessageText}", e);
                }
                var relation = new PgEntityRelation(columns, "");
                // row_number() OVER () numbers rows in the order the query produces them.
                var numbered = $"(SELECT *, row_number() OVER () - 1 AS {PostgresConnections.Quote(RowColumn)} FROM {query} AS {PostgresConnections.Quote(PgTypes.HelperPrefix + "q")})";
                if (embedQuery)
                    return relation.WithRelation(numbered);
                if (load)
                {
                    await ExecuteAsync(connection, $"DROP TABLE IF EXISTS pg_temp.{table}", cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, $"CREATE TEMP TABLE {table} AS SELECT * FROM {numbered} AS n", cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, $"ANALYZE {table}", cancellationToken).ConfigureAwait(false);
                }
                return relation.WithRelation(table);
            }
            case FileEntityData file:
                throw new FeastException(
                    $"The PostgreSQL offline store reads entity rows from Arrow, in-memory rows or a SQL query on its server, not from the file '{Path.GetFullPath(file.Path)}'. "
                    + "Load the file into a table and pass EntityData.FromSql(\"SELECT ... FROM that_table\"), or read it into Arrow and pass EntityData.FromArrow(...).");
            default:
                throw new FeastException($"The PostgreSQL offline store does not support entity data of type {data.GetType().Name}.");
        }
    }

    private PgEntityRelation WithRelation(string source)
    {
        var ts = PgTypes.AsInstant(PostgresConnections.Quote(TimestampColumn.Name), TimestampColumn.Type);
        return new PgEntityRelation(Columns, $"(SELECT *, {ts} AS {PostgresConnections.Quote(TimeColumn)} FROM {source} AS s)");
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static PgColumn ChooseTimestampColumn(IReadOnlyList<PgColumn> columns)
    {
        var named = columns.FirstOrDefault(c => c.Name == PullRequest.EventTimestampColumn);
        if (named is not null)
        {
            if (!PgTypes.IsTimeLike(named.Type) && !PgTypes.IsText(named.Type))
                throw new FeastValidationException($"{What}: the event-timestamp column '{named.Name}' has type {named.Type}. It must hold timestamps.");
            return named;
        }
        var timestamps = columns.Where(c => PgTypes.IsTimestamp(c.Type)).ToList();
        if (timestamps.Count == 1)
            return timestamps[0];
        var found = timestamps.Count == 0 ? "" : $" ({string.Join(", ", timestamps.Select(c => c.Name))})";
        throw new FeastValidationException(
            $"{What} has no {PullRequest.EventTimestampColumn} column and {timestamps.Count} timestamp columns{found}, so its event time is ambiguous. "
            + $"Its columns are: {string.Join(", ", columns.Select(c => $"{c.Name} ({c.Type})"))}. Name the event-time column {PullRequest.EventTimestampColumn}.");
    }
}
