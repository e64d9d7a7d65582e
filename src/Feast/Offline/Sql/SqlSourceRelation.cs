namespace Feast.Offline.Sql;

/// <summary>
/// A batch source as a SQL relation: the FROM-able text of its rows, its columns as stored, and the rules that find a
/// feature, join key or timestamp column in them through the source's field mapping. Names the reader and the source
/// in every error, the same way for every SQL offline store. Each store opens its own source kinds into one.
/// </summary>
public sealed class SqlSourceRelation
{
    private readonly Dictionary<string, SqlColumn> _columns;

    /// <summary>A source opened by a store.</summary>
    /// <param name="dialect">The store's SQL dialect.</param>
    /// <param name="source">The batch source.</param>
    /// <param name="owner">Who reads the source, for messages ("Feature view 'driver_stats'").</param>
    /// <param name="label">
    /// The source for messages, quoted: a file's path (<c>'/repo/data/x.parquet'</c>), or the source's name and what it
    /// reads (<c>'driver_stats' (table public.driver_stats)</c>).
    /// </param>
    /// <param name="scan">A FROM-able relation of the source's rows (a table, a table function, a parenthesized query).</param>
    /// <param name="columns">The source's columns, as stored (before the field mapping).</param>
    public SqlSourceRelation(SqlDialect dialect, DataSource source, string owner, string label, string scan, IReadOnlyList<SqlColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(columns);
        Dialect = dialect;
        Source = source;
        Owner = owner;
        Label = label;
        Scan = scan;
        Columns = columns;
        _columns = columns.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    /// <summary>The store's SQL dialect.</summary>
    public SqlDialect Dialect { get; }

    /// <summary>The batch source.</summary>
    public DataSource Source { get; }

    /// <summary>Who reads the source, for messages ("Feature view 'driver_stats'").</summary>
    public string Owner { get; }

    /// <summary>The source for messages, quoted (see the constructor).</summary>
    public string Label { get; }

    /// <summary>A FROM-able relation of the source's rows.</summary>
    public string Scan { get; }

    /// <summary>The columns of the source, as stored (before the field mapping).</summary>
    public IReadOnlyList<SqlColumn> Columns { get; }

    /// <summary>The source for engine-error messages: <c>Source 'driver_stats' ('/repo/data/stats.csv')</c>.</summary>
    public string Subject =>
        Label.StartsWith($"'{Source.Name}'", StringComparison.Ordinal) ? $"Source {Label}" : $"Source '{Source.Name}' ({Label})";

    /// <summary>The stored column the field mapping of <paramref name="source"/> renames to <paramref name="name"/>, or null.</summary>
    /// <param name="source">The source.</param>
    /// <param name="name">The name as the view uses it.</param>
    public static string? StoredNameOf(DataSource source, string name)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.FieldMapping.FirstOrDefault(m => m.Value == name).Key;
    }

    /// <summary>
    /// The error for a source of a kind the store cannot read: names the reader, the source and its kind, and what the
    /// store reads.
    /// </summary>
    /// <param name="owner">Who reads the source.</param>
    /// <param name="source">The source.</param>
    /// <param name="store">What reads it ("the DuckDB offline store").</param>
    /// <param name="reads">What the store reads ("FileSource (Parquet or CSV) sources").</param>
    public static FeastException Unsupported(string owner, DataSource source, string store, string reads)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new FeastException($"{owner}: its batch source '{source.Name}' is a {source.SourceTypeName}; {store} reads {reads} only.");
    }

    /// <summary>Whether the source has a column of that stored name.</summary>
    /// <param name="column">The stored name.</param>
    public bool Has(string column) => _columns.ContainsKey(column);

    /// <summary>
    /// The stored column holding <paramref name="name"/>, a feature or join key as the view names it: the column the
    /// field mapping renames to it, else the column of that name.
    /// </summary>
    /// <param name="name">The feature or join key.</param>
    /// <param name="role">What it is, for the message ("feature", "join key").</param>
    /// <exception cref="FeastValidationException">The source has no such column.</exception>
    public SqlColumn Mapped(string name, string role)
    {
        var stored = StoredNameOf(Source, name) ?? name;
        return Require(stored, stored == name ? $"{role} '{name}'" : $"{role} '{name}' (field mapping '{stored}' → '{name}')");
    }

    /// <summary>A stored column named as written in the source definition (timestamp and created columns).</summary>
    /// <param name="name">The name in the source definition; a mapped name is accepted when the mapping says where it comes from.</param>
    /// <param name="role">What it is, for the message.</param>
    /// <exception cref="FeastValidationException">The source has no such column.</exception>
    public SqlColumn Stored(string name, string role)
    {
        if (_columns.TryGetValue(name, out var column))
            return column;
        var stored = StoredNameOf(Source, name);
        return stored is not null && _columns.TryGetValue(stored, out var mapped) ? mapped : Require(name, $"{role} '{name}'");
    }

    /// <summary>The event-time column (the source's <c>timestamp_field</c>), checked to hold times.</summary>
    /// <exception cref="FeastValidationException">The source has no timestamp field, no such column, or its type holds no time.</exception>
    public SqlColumn TimestampColumn()
    {
        if (Source.TimestampField.Length == 0)
            throw new FeastValidationException($"{Owner}: its source '{Source.Name}' has no timestamp_field. Set timestampField on the source to the event-time column.");
        return TimeColumn(Stored(Source.TimestampField, "event timestamp"), "event-timestamp");
    }

    /// <summary>The created-time column, checked to hold times, or null when the source has none.</summary>
    /// <exception cref="FeastValidationException">The source has no such column, or its type holds no time.</exception>
    public SqlColumn? CreatedColumn() =>
        Source.CreatedTimestampColumn.Length == 0 ? null
        : TimeColumn(Stored(Source.CreatedTimestampColumn, "created timestamp"), "created-timestamp");

    private SqlColumn TimeColumn(SqlColumn column, string role) =>
        Dialect.IsEventTimeType(column.Type) ? column
        : throw new FeastValidationException(
            $"{Owner}: the {role} column '{column.Name}' of source {Label} has type {column.Type}. It must be {Dialect.EventTimeTypes}; change the column's type, or cast it in a query source.");

    private SqlColumn Require(string column, string role) =>
        _columns.TryGetValue(column, out var found) ? found
        : throw new FeastValidationException(
            $"{Owner}: source {Label} has no column '{column}', which holds its {role}. Its columns are: "
            + $"{string.Join(", ", Columns.Select(c => c.Name))}. Fix the source's data, table or query, its field_mapping, or the view's schema.");
}
