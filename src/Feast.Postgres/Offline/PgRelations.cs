using Feast.Offline;
using Feast.Offline.Sql;
using Npgsql;

namespace Feast.Postgres.Offline;

/// <summary>
/// Opens a <see cref="PostgreSQLSource"/> as a relation (<see cref="SqlSourceRelation"/>): its FROM-able SQL (the table
/// as written, or the query in parentheses) and its columns as stored. Its label is
/// <c>'driver_stats_source' (table public.driver_stats)</c>.
/// </summary>
internal static class PgSourceRelation
{
    /// <summary>The FROM-able text of a source: its table as written, or its query in parentheses on their own lines.</summary>
    public static string ScanOf(PostgreSQLSource source) =>
        source.Table is { } table ? table : "(\n" + source.Query!.Trim().TrimEnd(';').Trim() + "\n)";

    /// <summary>The source for messages: its name and its table, or that it is a query.</summary>
    public static string LabelOf(PostgreSQLSource source) =>
        source.Table is { } table ? $"'{source.Name}' (table {table})" : $"'{source.Name}' (query)";

    /// <summary>Checks the source kind, reads its columns, and turns a missing table or a failing query into a clear error.</summary>
    public static async Task<SqlSourceRelation> OpenAsync(NpgsqlConnection connection, DataSource source, string owner, CancellationToken cancellationToken)
    {
        var batch = source.BatchSourceOrSelf();
        if (batch is not PostgreSQLSource postgres)
            throw SqlSourceRelation.Unsupported(owner, batch, "the PostgreSQL offline store", "PostgreSQLSource sources (a table or a query on the offline store's server)");
        var scan = ScanOf(postgres);
        var label = LabelOf(postgres);
        try
        {
            var columns = await PgArrow.DescribeAsync(connection, scan + " AS " + PostgresConnections.Quote(PgTypes.HelperPrefix + "src"), cancellationToken).ConfigureAwait(false);
            return new SqlSourceRelation(PgDialect.Instance, postgres, owner, label, scan, columns);
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

    private PgEntityRelation(IReadOnlyList<SqlColumn> columns, string relation)
    {
        Columns = columns;
        TimestampColumn = SqlEntityRules.TimestampColumn(PgDialect.Instance, columns);
        Relation = relation;
    }

    /// <summary>The entity data's own columns, in order.</summary>
    public IReadOnlyList<SqlColumn> Columns { get; }

    /// <summary>The event-timestamp column.</summary>
    public SqlColumn TimestampColumn { get; }

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
                IReadOnlyList<SqlColumn> columns;
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
}
