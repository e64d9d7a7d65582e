namespace Feast.DuckDb;

/// <summary>
/// The rules a <see cref="DuckDbSource"/> must keep to be read or written, checked in one place for the reader
/// (<see cref="SourceRelation"/>) and the writer (<see cref="DuckDbTableWriter"/>) so they say the same thing.
/// </summary>
internal static class DuckDbSourceRules
{
    /// <summary>
    /// Checks that <paramref name="source"/> has exactly one of table and query, and a database with a table, and
    /// returns the table name's parts (one or two), or null for a query source.
    /// </summary>
    /// <param name="source">The source.</param>
    /// <param name="owner">Who reads or writes the source, for messages ("Feature view 'driver_stats'").</param>
    public static IReadOnlyList<string>? TableParts(DuckDbSource source, string owner)
    {
        // The constructor enforces these; a record copied with `with` can still break them.
        if ((source.Table is null) == (source.Query is null))
            throw new FeastValidationException($"{owner}: DuckDB source '{source.Name}' must have exactly one of table and query.");
        if (source.Table is null)
            return null;
        if (source.Database is null)
            throw new FeastValidationException($"{owner}: DuckDB source '{source.Name}' names table '{source.Table}' but no database. Give database: the path of the DuckDB database file holding it.");
        return DuckDbTableName.Parse(source.Table)
            ?? throw new FeastValidationException($"{owner}: DuckDB source '{source.Name}' has table '{source.Table}', which is not a table name. Give 'table' or 'schema.table' (double-quote a part that has dots or quotes in it, doubling inner quotes).");
    }

    /// <summary>Fails unless the local database file <paramref name="path"/> (the resolved database of <paramref name="source"/>) exists; remote paths pass.</summary>
    /// <param name="source">The source.</param>
    /// <param name="path">The database path, resolved against the repo.</param>
    /// <param name="repoPath">The repo directory relative paths are taken from, for the message.</param>
    /// <param name="owner">Who reads or writes the source, for the message.</param>
    public static void RequireDatabaseFile(DuckDbSource source, string path, string repoPath, string owner)
    {
        if (!path.Contains("://", StringComparison.Ordinal) && !File.Exists(path))
            throw new FeastException($"{owner}: the DuckDB database file '{path}' of source '{source.Name}' does not exist (database '{source.Database}', relative to the repo '{repoPath}'). Create the database or fix the DuckDbSource database path.");
    }
}
