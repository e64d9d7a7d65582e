using Apache.Arrow;
using Feast.Offline;
using Feast.Offline.Sql;

namespace Feast.DuckDb;

/// <summary>
/// Appends pushed rows to a <see cref="DuckDbSource"/>'s table (Feast's <c>write_to_offline_store</c>). The database
/// file is attached read-write only for the append, which runs in one transaction: all rows or none. The batch must
/// have exactly the table's columns; values are cast to the table's column types.
/// </summary>
internal static class DuckDbTableWriter
{
    /// <summary>Appends the rows; returns how many were written and the table, for the log.</summary>
    public static async Task<(int Rows, string Table)> AppendAsync(DuckDbOfflineStore store, FeatureView view, DuckDbSource source,
        RecordBatch batch, CancellationToken cancellationToken)
    {
        var owner = $"Feature view '{view.Name}'";
        if (source is { Table: null, Query: not null })
            throw new FeastException($"{owner}: cannot write rows to its batch source '{source.Name}', a DuckDB query. An offline push needs a table or a file: give the DuckDbSource a table (and database), or use a FileSource.");
        var parts = DuckDbSourceRules.TableParts(source, owner)!;
        var path = SourceRelation.Resolve(store.RepoPath, source.Database!);
        var table = string.Join(".", parts.Select(Sql.Ident));
        var label = $"'{source.Name}' (DuckDB table {table} in '{path}')";
        if (path.Contains("://", StringComparison.Ordinal))
            throw new FeastException($"{owner}: cannot append to its source {label}: the database is remote; the DuckDB offline store writes local database files only.");
        DuckDbSourceRules.RequireDatabaseFile(source, path, store.RepoPath, owner);

        // Wait for this store's reads of the file to finish; they attached it read-only and would not see the rows.
        using var writing = await store.DatabaseFiles.GateFor(path).EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        using var session = store.OpenSession();
        string alias;
        try
        {
            alias = session.AttachReadWrite(path, cancellationToken);
        }
        catch (DuckDbError e)
        {
            throw new FeastException($"{owner}: DuckDB cannot open the database file '{path}' of source '{source.Name}' for writing: {e.Reason}", e);
        }

        var target = Sql.Ident(alias) + "." + table;
        IReadOnlyList<SqlColumn> stored;
        try
        {
            stored = session.Describe("SELECT * FROM " + target, cancellationToken);
        }
        catch (DuckDbError e)
        {
            throw new FeastException($"{owner}: DuckDB cannot read its source {label}: {e.Reason}", e);
        }
        SqlWriteRules.RequireColumns(owner, label, [.. stored.Select(c => c.Name)], batch);
        if (batch.Length == 0)
            return (0, label);

        ArrowIngest.Load(session, OfflineWriter.BatchTable, [batch], batch.Schema, $"{owner}: the rows to write", null, cancellationToken);
        var columns = string.Join(", ", stored.Select(c => Sql.Ident(c.Name)));
        var values = string.Join(", ", stored.Select(c => $"CAST({Sql.Ident(c.Name)} AS {c.Type})"));
        var committed = false;
        session.Execute("BEGIN TRANSACTION", cancellationToken);
        try
        {
            session.Execute($"INSERT INTO {target} ({columns}) SELECT {values} FROM {Sql.Ident(OfflineWriter.BatchTable)}", cancellationToken);
            session.Execute("COMMIT", cancellationToken);
            committed = true;
        }
        catch (DuckDbError e)
        {
            throw e.In(OfflineStep.OfflineWrite, $"{owner}: its source {label} (nothing was written)");
        }
        finally
        {
            if (!committed)
                Rollback(session);
        }
        session.Execute($"DROP TABLE {Sql.Ident(OfflineWriter.BatchTable)}", cancellationToken);
        return (batch.Length, label);
    }

    private static void Rollback(DuckDbSession session)
    {
        try
        {
            session.Execute("ROLLBACK", CancellationToken.None);
        }
        catch (DuckDbError)
        {
            // DuckDB already rolled the failed transaction back; the session ends next.
        }
    }
}
