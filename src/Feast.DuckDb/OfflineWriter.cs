using Apache.Arrow;
using Feast.Offline;
using Feast.Offline.Sql;

namespace Feast.DuckDb;

/// <summary>
/// Appends pushed rows to a view's file source (Feast's <c>write_to_offline_store</c>). The batch must have exactly
/// the source's stored columns; rows are cast to the existing files' types so the source keeps one schema.
/// </summary>
internal static class OfflineWriter
{
    /// <summary>The temp table pushed rows are loaded into before they are written (to a file or a DuckDB table).</summary>
    internal const string BatchTable = Sql.HelperPrefix + "pushed_rows";

    public static string TargetPath(DuckDbOfflineStore store, FeatureView view) =>
        view.BatchSource is FileSource file ? SourceRelation.Resolve(store.RepoPath, file.Path) : view.BatchSource.Name;

    /// <summary>Appends the rows and returns how many were written.</summary>
    public static int Append(DuckDbSession session, DuckDbOfflineStore store, FeatureView view, RecordBatch batch, CancellationToken cancellationToken)
    {
        var owner = $"Feature view '{view.Name}'";
        if (view.BatchSource is not FileSource file)
            throw new FeastException($"{owner}: its batch source '{view.BatchSource.Name}' is a {view.BatchSource.SourceTypeName}; the DuckDB offline store writes to FileSource (Parquet or CSV) and DuckDbSource table sources only.");
        var path = SourceRelation.Resolve(store.RepoPath, file.Path);
        if (path.Contains("://", StringComparison.Ordinal))
            throw new FeastException($"{owner}: cannot append to remote source '{path}'; the DuckDB offline store writes local files only.");
        var shape = SourceRelation.ShapeOf(path);
        if (shape == SourceShape.Glob)
            throw new FeastException($"{owner}: cannot append to source '{path}', a glob pattern. Point the FileSource at a file or a folder to push rows offline.");

        var extension = FileFormats.Extension(file.FileFormat);
        var exists = shape == SourceShape.Folder
            ? Directory.EnumerateFiles(path, "*." + extension, SearchOption.AllDirectories).Any()
            : File.Exists(path);
        IReadOnlyList<SqlColumn>? stored = null;
        if (exists)
        {
            try
            {
                stored = session.Describe("SELECT * FROM " + SourceRelation.ScanOf(path, shape, file.FileFormat), cancellationToken);
            }
            catch (DuckDbError e)
            {
                throw new FeastException($"{owner}: DuckDB cannot read its source '{path}' as {file.FileFormat}: {e.Reason}", e);
            }
        }

        var expected = stored?.Select(c => c.Name).ToList() ?? DeclaredColumns(view, file);
        SqlWriteRules.RequireColumns(owner, $"'{path}'", expected, batch);
        if (batch.Length == 0)
            return 0;

        ArrowIngest.Load(session, BatchTable, [batch], batch.Schema, $"{owner}: the rows to write", null, cancellationToken);
        var columns = stored ?? [.. expected.Select(name => new SqlColumn(name, ""))];
        var pushed = string.Join(", ", columns.Select(c => c.Type.Length == 0
            ? Sql.Ident(c.Name)
            : $"CAST({Sql.Ident(c.Name)} AS {c.Type}) AS {Sql.Ident(c.Name)}"));
        var format = FileFormats.CopyOptions(file.FileFormat);
        var newRows = $"SELECT {pushed} FROM {Sql.Ident(BatchTable)}";

        if (shape == SourceShape.Folder)
        {
            var part = Path.Combine(path, $"part-{Guid.NewGuid():N}.{extension}");
            FileWrites.Replace(part, OfflineStep.OfflineWrite, temp => session.Execute($"COPY ({newRows}) TO {Sql.Literal(temp)} ({format})", cancellationToken),
                owner);
        }
        else
        {
            var rows = exists
                ? $"SELECT {string.Join(", ", columns.Select(c => Sql.Ident(c.Name)))} FROM {SourceRelation.ScanOf(path, shape, file.FileFormat)}\nUNION ALL\n{newRows}"
                : newRows;
            FileWrites.Replace(path, OfflineStep.OfflineWrite, temp => session.Execute($"COPY ({rows}) TO {Sql.Literal(temp)} ({format})", cancellationToken),
                owner);
        }
        session.Execute($"DROP TABLE {Sql.Ident(BatchTable)}", cancellationToken);
        return batch.Length;
    }

    /// <summary>The stored columns a source of <paramref name="view"/> has by its definition: keys, features, timestamps.</summary>
    private static List<string> DeclaredColumns(FeatureView view, FileSource file)
    {
        string Stored(string name) => SqlSourceRelation.StoredNameOf(file, name) ?? name;
        var columns = view.EntityColumns.Select(c => Stored(c.Name))
            .Concat(view.Features.Select(f => Stored(f.Name)))
            .Append(file.TimestampField);
        if (file.CreatedTimestampColumn.Length > 0)
            columns = columns.Append(file.CreatedTimestampColumn);
        return [.. columns.Where(c => c.Length > 0).Distinct(StringComparer.Ordinal)];
    }
}
