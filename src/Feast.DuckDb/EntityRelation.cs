using Feast.Offline;
using Feast.Offline.Sql;

namespace Feast.DuckDb;

/// <summary>
/// The entity rows of a retrieval as a DuckDB relation: where they come from (a temp table of ingested Arrow
/// batches, a Parquet or CSV file, or the user's SQL), their columns, and the column holding each row's event time.
/// </summary>
internal sealed class EntityRelation
{
    /// <summary>The temp table Arrow entity rows are loaded into.</summary>
    public const string TableName = Sql.HelperPrefix + "entity_rows";

    /// <summary>Row position in the entity data, so output keeps the input order.</summary>
    public const string RowColumn = Sql.HelperPrefix + "row";

    /// <summary>The entity row's event time as an instant (TIMESTAMPTZ, UTC).</summary>
    public const string TimeColumn = Sql.HelperPrefix + "ts";

    private const string What = "The entity data";

    private EntityRelation(EntityData data, string source, bool hasRowColumn, IReadOnlyList<SqlColumn> columns)
    {
        Data = data;
        Source = source;
        HasRowColumn = hasRowColumn;
        Columns = columns;
        TimestampColumn = SqlEntityRules.TimestampColumn(DuckDbDialect.Instance, columns);
    }

    public EntityData Data { get; }

    /// <summary>A FROM-able SQL expression for the raw rows.</summary>
    public string Source { get; }

    /// <summary>Whether <see cref="Source"/> already carries <see cref="RowColumn"/>.</summary>
    public bool HasRowColumn { get; }

    /// <summary>The entity data's own columns, in order.</summary>
    public IReadOnlyList<SqlColumn> Columns { get; }

    /// <summary>The event-timestamp column.</summary>
    public SqlColumn TimestampColumn { get; }

    /// <summary>
    /// Resolves the entity rows' source and schema. With <paramref name="load"/>, Arrow rows are loaded into
    /// <see cref="TableName"/>; without (for <c>ToSql</c>), only the schema is derived.
    /// </summary>
    public static EntityRelation Open(DuckDbSession session, EntityData data, bool load, CancellationToken cancellationToken)
    {
        switch (data)
        {
            case ArrowEntityData arrow:
                // The constructor validates the columns before any row is loaded.
                var relation = new EntityRelation(data, Sql.Ident(TableName), true, ArrowIngest.Columns(arrow.Schema, What));
                if (load)
                    ArrowIngest.Load(session, TableName, arrow.Batches, arrow.Schema, What, RowColumn, cancellationToken);
                return relation;

            case FileEntityData file:
                var path = Path.GetFullPath(file.Path);
                if (!File.Exists(path))
                    throw new FeastException($"The entity data file '{path}' does not exist. Check the path (relative paths are taken from the current directory, '{Directory.GetCurrentDirectory()}').");
                if (IsBlank(path))
                    throw new FeastValidationException($"The entity data file '{path}' is empty. " + (file.Format == FileFormat.Csv
                        ? $"Write the entity rows to it: a header line with the join keys and {PullRequest.EventTimestampColumn} (e.g. driver_id,{PullRequest.EventTimestampColumn}), then one line per row (1001,2021-04-12 10:59:42)."
                        : $"Write the entity rows to it as Parquet, with the join keys and an {PullRequest.EventTimestampColumn} column."));
                var scan = SourceRelation.ScanOf(path, SourceShape.File, file.Format);
                return new EntityRelation(data, scan, false, Describe(session, scan, $"the entity data file '{path}'", cancellationToken));

            case SqlEntityData query:
                var text = query.Query.Trim().TrimEnd(';').Trim();
                var subquery = "(" + text + ")";
                return new EntityRelation(data, subquery, false, Describe(session, subquery, "the entity SQL query", cancellationToken));

            default:
                throw new FeastException($"The DuckDB offline store does not support entity data of type {data.GetType().Name}.");
        }
    }

    /// <summary>The rows of a retrieval without entity rows: <paramref name="query"/> (see <see cref="SqlTimeRangeQuery"/>).</summary>
    public static EntityRelation OpenTimeRange(DuckDbSession session, TimeRangeEntityData data, string query, CancellationToken cancellationToken)
    {
        var subquery = "(\n" + query + "\n)";
        return new EntityRelation(data, subquery, false, Describe(session, subquery, "the source rows of the time range", cancellationToken));
    }

    /// <summary>
    /// The SELECT defining the entity relation the join reads: every entity column, the event time as an instant in
    /// <see cref="TimeColumn"/>, and the row position in <see cref="RowColumn"/>.
    /// </summary>
    public string Select()
    {
        var time = Sql.Ident(TimestampColumn.Name);
        var instant = Sql.AsInstant(time, TimestampColumn.Type);
        // row_number() OVER () is a streaming window: it numbers rows in scan order, which DuckDB preserves.
        var row = HasRowColumn ? "" : $", row_number() OVER () - 1 AS {Sql.Ident(RowColumn)}";
        return $"SELECT *, {instant} AS {Sql.Ident(TimeColumn)}{row} FROM {Source}";
    }

    /// <summary>Fails with the column and an offending value when event-timestamp strings do not parse.</summary>
    public void ValidateTimestamps(DuckDbSession session, CancellationToken cancellationToken)
    {
        // The column's type was checked when the relation was opened (SqlEntityRules): text and dates remain.
        if (Sql.IsTimestamp(TimestampColumn.Type))
            return;
        var column = Sql.Ident(TimestampColumn.Name);
        object? bad;
        try
        {
            bad = session.Scalar(
                $"SELECT CAST({column} AS VARCHAR) FROM {Source} WHERE {column} IS NOT NULL AND TRY_CAST({column} AS TIMESTAMPTZ) IS NULL LIMIT 1",
                cancellationToken);
        }
        catch (DuckDbError e)
        {
            // The first statement to read the entity rows themselves, so a query that only fails when run fails here.
            throw new FeastException($"DuckDB cannot read the entity data: {e.Reason}", e);
        }
        if (bad is not null)
            throw new FeastValidationException($"{What}: column '{TimestampColumn.Name}' has a value that is not a timestamp: '{bad}'. Use ISO 8601 timestamps such as '2021-04-12 10:59:42' (UTC) or '2021-04-12T10:59:42+01:00'.");
    }

    /// <summary>
    /// Whether the file has nothing in it (0 bytes, or only white space): DuckDB would read such a CSV as one column
    /// "column0" and blame the missing event-timestamp column instead.
    /// </summary>
    private static bool IsBlank(string path)
    {
        var info = new FileInfo(path);
        if (info.Length == 0)
            return true;
        if (info.Length > 4096)
            return false;
        return File.ReadAllText(path).Trim().Length == 0;
    }

    private static IReadOnlyList<SqlColumn> Describe(DuckDbSession session, string source, string what, CancellationToken cancellationToken)
    {
        try
        {
            return session.Describe("SELECT * FROM " + source, cancellationToken);
        }
        catch (DuckDbError e)
        {
            throw new FeastException($"DuckDB cannot read {what}: {e.Reason}", e);
        }
    }
}
