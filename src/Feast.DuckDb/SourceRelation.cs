using Feast.Offline.Sql;

namespace Feast.DuckDb;

/// <summary>
/// Opens a batch source as a DuckDB relation (<see cref="SqlSourceRelation"/>): the scan expression (<c>read_parquet</c>
/// or <c>read_csv</c> over a <see cref="FileSource"/>'s file, folder or glob; a <see cref="DuckDbSource"/>'s table in its
/// attached database, or its query) and the columns it has. Its label is a file source's absolute path or glob
/// (<c>'/repo/data/x.parquet'</c>), or a DuckDB source's name and what it reads
/// (<c>'driver_stats' (DuckDB table "t" in '/repo/feast.duckdb')</c>).
/// </summary>
internal static class SourceRelation
{
    /// <summary>The absolute path (or glob) of a source path: relative paths are taken from the repo directory.</summary>
    public static string Resolve(string repoPath, string path)
    {
        if (path.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
            path = path["file://".Length..];
        if (path.Contains("://", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(path))
            return path;
        var root = repoPath.Length == 0 ? Directory.GetCurrentDirectory() : repoPath;
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(root, path));
    }

    public static SourceShape ShapeOf(string path) =>
        path.IndexOfAny(['*', '?', '[']) >= 0 ? SourceShape.Glob
        : Directory.Exists(path) ? SourceShape.Folder
        : SourceShape.File;

    /// <summary>The scan expression for the files at <paramref name="path"/>.</summary>
    public static string ScanOf(string path, SourceShape shape, FileFormat format)
    {
        var target = shape == SourceShape.Folder ? System.IO.Path.Combine(path, "**", "*." + FileFormats.Extension(format)) : path;
        var many = shape == SourceShape.File ? "" : ", union_by_name = true";
        return format == FileFormat.Csv
            ? $"read_csv({Sql.Literal(target)}, auto_detect = true, header = true{many})"
            : $"read_parquet({Sql.Literal(target)}{many})";
    }

    /// <summary>Resolves <paramref name="source"/>, checks that what it reads exists, and reads its schema.</summary>
    /// <param name="session">The session to describe the source with (and attach database files to).</param>
    /// <param name="source">The source (a <see cref="FileSource"/> or <see cref="DuckDbSource"/>; other kinds are rejected).</param>
    /// <param name="repoPath">The repo directory relative paths are taken from.</param>
    /// <param name="owner">Who reads the source, for messages ("Feature view 'driver_stats'").</param>
    /// <param name="cancellationToken">Cancels the schema read.</param>
    public static SqlSourceRelation Open(DuckDbSession session, DataSource source, string repoPath, string owner, CancellationToken cancellationToken) =>
        source switch
        {
            FileSource file => OpenFile(session, file, repoPath, owner, cancellationToken),
            DuckDbSource duck => OpenDuckDb(session, duck, repoPath, owner, cancellationToken),
            _ => throw SqlSourceRelation.Unsupported(owner, source, "the DuckDB offline store", "FileSource (Parquet or CSV) and DuckDbSource sources"),
        };

    private static SqlSourceRelation OpenFile(DuckDbSession session, FileSource file, string repoPath, string owner, CancellationToken cancellationToken)
    {
        var path = Resolve(repoPath, file.Path);
        var shape = ShapeOf(path);
        var local = !path.Contains("://", StringComparison.Ordinal);
        switch (shape)
        {
            case SourceShape.File when local && !File.Exists(path):
                throw new FeastException($"{owner}: its source file '{path}' does not exist (source '{file.Name}', path '{file.Path}', relative to the repo '{repoPath}'). Create the file or fix the FileSource path.");
            case SourceShape.Folder when local && !Directory.EnumerateFiles(path, "*." + FileFormats.Extension(file.FileFormat), SearchOption.AllDirectories).Any():
                throw new FeastException($"{owner}: its source folder '{path}' has no .{FileFormats.Extension(file.FileFormat)} files (source '{file.Name}'). Add data files or fix the FileSource path.");
            case SourceShape.Glob when local && Convert.ToInt64(session.Scalar($"SELECT count(*) FROM glob({Sql.Literal(path)})", cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0:
                throw new FeastException($"{owner}: no file matches its source pattern '{path}' (source '{file.Name}'). Add data files or fix the FileSource path.");
        }

        var scan = ScanOf(path, shape, file.FileFormat);
        IReadOnlyList<SqlColumn> columns;
        try
        {
            columns = session.Describe("SELECT * FROM " + scan, cancellationToken);
        }
        catch (DuckDbError e)
        {
            throw new FeastException($"{owner}: DuckDB cannot read its source '{path}' as {file.FileFormat}: {e.Reason}", e);
        }
        return new SqlSourceRelation(DuckDbDialect.Instance, file, owner, $"'{path}'", scan, columns);
    }

    private static SqlSourceRelation OpenDuckDb(DuckDbSession session, DuckDbSource source, string repoPath, string owner, CancellationToken cancellationToken)
    {
        var parts = DuckDbSourceRules.TableParts(source, owner);
        string? databasePath = null, alias = null;
        if (source.Database is not null)
        {
            databasePath = Resolve(repoPath, source.Database);
            alias = Attach(session, source, databasePath, repoPath, owner, cancellationToken);
        }

        string scan, label;
        if (parts is not null)
        {
            scan = Sql.Ident(alias!) + "." + string.Join(".", parts.Select(Sql.Ident));
            label = $"'{source.Name}' (DuckDB table {string.Join(".", parts.Select(Sql.Ident))} in '{databasePath}')";
        }
        else
        {
            var text = source.Query!.Trim().TrimEnd(';').Trim();
            if (databasePath is not null)
            {
                if (session.CurrentDatabasePath is { } current && current != databasePath)
                    throw new FeastException(
                        $"{owner}: its DuckDB source '{source.Name}' is a query over database '{databasePath}', but this call already reads a query over database '{current}'. "
                        + "Table names in queries resolve in one database per call: read one of them as a table source (table + database) instead.");
                session.Use(databasePath, cancellationToken);
            }
            // On its own lines, so a trailing -- comment in the query cannot swallow the closing parenthesis.
            scan = "(\n" + text + "\n)";
            label = databasePath is null ? $"'{source.Name}' (DuckDB query)" : $"'{source.Name}' (DuckDB query over '{databasePath}')";
        }

        IReadOnlyList<SqlColumn> columns;
        try
        {
            columns = session.Describe("SELECT * FROM " + scan, cancellationToken);
        }
        catch (DuckDbError e)
        {
            throw new FeastException($"{owner}: DuckDB cannot read its source {label}: {e.Reason}", e);
        }
        return new SqlSourceRelation(DuckDbDialect.Instance, source, owner, label, scan, columns);
    }

    /// <summary>Attaches a DuckDB source's database file read-only to the session (once per session); returns its alias.</summary>
    private static string Attach(DuckDbSession session, DuckDbSource source, string path, string repoPath, string owner, CancellationToken cancellationToken)
    {
        DuckDbSourceRules.RequireDatabaseFile(source, path, repoPath, owner);
        try
        {
            return session.AttachReadOnly(path, cancellationToken);
        }
        catch (DuckDbError e)
        {
            throw new FeastException($"{owner}: DuckDB cannot open the database file '{path}' of source '{source.Name}': {e.Reason}", e);
        }
    }
}

/// <summary>How a file source's path names its files.</summary>
internal enum SourceShape
{
    /// <summary>One file.</summary>
    File,

    /// <summary>A folder of part files (read recursively).</summary>
    Folder,

    /// <summary>A glob pattern.</summary>
    Glob,
}
