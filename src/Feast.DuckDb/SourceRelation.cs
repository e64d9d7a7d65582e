using DuckDB.NET.Data;

namespace Feast.DuckDb;

/// <summary>
/// A <see cref="FileSource"/> as a DuckDB relation: the resolved path, the scan expression (<c>read_parquet</c> or
/// <c>read_csv</c> over a file, a folder or a glob), and the columns the files have. Names the view and the file in
/// every error.
/// </summary>
internal sealed class SourceRelation
{
    private readonly Dictionary<string, SqlColumn> _columns;

    private SourceRelation(FileSource source, string owner, string path, SourceShape shape, string scan, IReadOnlyList<SqlColumn> columns)
    {
        Source = source;
        Owner = owner;
        Path = path;
        Shape = shape;
        Scan = scan;
        Columns = columns;
        _columns = columns.GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    public FileSource Source { get; }

    /// <summary>Who reads the source, for messages ("Feature view 'driver_stats'").</summary>
    public string Owner { get; }

    /// <summary>The absolute path (file or folder) or glob.</summary>
    public string Path { get; }

    public SourceShape Shape { get; }

    /// <summary>A FROM-able scan of the source's files.</summary>
    public string Scan { get; }

    /// <summary>The columns of the files, as stored (before the field mapping).</summary>
    public IReadOnlyList<SqlColumn> Columns { get; }

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
        var extension = format == FileFormat.Csv ? "csv" : "parquet";
        var target = shape == SourceShape.Folder ? System.IO.Path.Combine(path, "**", "*." + extension) : path;
        var many = shape == SourceShape.File ? "" : ", union_by_name = true";
        return format == FileFormat.Csv
            ? $"read_csv({Sql.Literal(target)}, auto_detect = true, header = true{many})"
            : $"read_parquet({Sql.Literal(target)}{many})";
    }

    /// <summary>Resolves <paramref name="source"/>, checks its files exist, and reads their schema.</summary>
    /// <param name="session">The session to describe the files with.</param>
    /// <param name="source">The source (a <see cref="FileSource"/>; other kinds are rejected).</param>
    /// <param name="repoPath">The repo directory relative paths are taken from.</param>
    /// <param name="owner">Who reads the source, for messages ("Feature view 'driver_stats'").</param>
    /// <param name="cancellationToken">Cancels the schema read.</param>
    public static SourceRelation Open(DuckDbSession session, DataSource source, string repoPath, string owner, CancellationToken cancellationToken)
    {
        if (source is not FileSource file)
            throw new FeastException($"{owner}: its batch source '{source.Name}' is a {source.SourceTypeName}; the DuckDB offline store reads FileSource (Parquet or CSV) sources only.");
        var path = Resolve(repoPath, file.Path);
        var shape = ShapeOf(path);
        var local = !path.Contains("://", StringComparison.Ordinal);
        switch (shape)
        {
            case SourceShape.File when local && !File.Exists(path):
                throw new FeastException($"{owner}: its source file '{path}' does not exist (source '{file.Name}', path '{file.Path}', relative to the repo '{repoPath}'). Create the file or fix the FileSource path.");
            case SourceShape.Folder when local && !Directory.EnumerateFiles(path, "*." + Extension(file.FileFormat), SearchOption.AllDirectories).Any():
                throw new FeastException($"{owner}: its source folder '{path}' has no .{Extension(file.FileFormat)} files (source '{file.Name}'). Add data files or fix the FileSource path.");
            case SourceShape.Glob when local && Convert.ToInt64(session.Scalar($"SELECT count(*) FROM glob({Sql.Literal(path)})", cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0:
                throw new FeastException($"{owner}: no file matches its source pattern '{path}' (source '{file.Name}'). Add data files or fix the FileSource path.");
        }

        var scan = ScanOf(path, shape, file.FileFormat);
        IReadOnlyList<SqlColumn> columns;
        try
        {
            columns = session.Describe("SELECT * FROM " + scan, cancellationToken);
        }
        catch (DuckDBException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FeastException($"{owner}: DuckDB cannot read its source '{path}' as {file.FileFormat}: {e.Message}", e);
        }
        return new SourceRelation(file, owner, path, shape, scan, columns);
    }

    public bool Has(string column) => _columns.ContainsKey(column);

    public SqlColumn Column(string column) => _columns[column];

    /// <summary>
    /// The stored column holding <paramref name="name"/>, a feature or join key as the view names it: the column the
    /// field mapping renames to it, else the column of that name.
    /// </summary>
    public SqlColumn Mapped(string name, string role)
    {
        var stored = Source.FieldMapping.FirstOrDefault(m => m.Value == name).Key ?? name;
        return Require(stored, stored == name ? $"{role} '{name}'" : $"{role} '{name}' (field mapping '{stored}' → '{name}')");
    }

    /// <summary>A stored column named as written in the source definition (timestamp and created columns).</summary>
    public SqlColumn Stored(string name, string role)
    {
        if (Has(name))
            return _columns[name];
        // A timestamp column may be declared by its mapped name; accept it when the mapping says where it comes from.
        var stored = Source.FieldMapping.FirstOrDefault(m => m.Value == name).Key;
        return stored is not null && Has(stored) ? _columns[stored] : Require(name, $"{role} '{name}'");
    }

    private SqlColumn Require(string column, string role) =>
        _columns.TryGetValue(column, out var found) ? found
        : throw new FeastValidationException(
            $"{Owner}: source '{Path}' has no column '{column}', which holds its {role}. Its columns are: "
            + $"{string.Join(", ", Columns.Select(c => c.Name))}. Fix the source's schema or field_mapping, or the view's schema.");

    private static string Extension(FileFormat format) => format == FileFormat.Csv ? "csv" : "parquet";
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
