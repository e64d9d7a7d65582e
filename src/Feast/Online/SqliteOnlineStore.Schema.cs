// SqliteOnlineStore: schema (DDL) - creating, altering and dropping the per-view tables.
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Feast.Protos.Types;
using Feast.Values;
using Google.Protobuf;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Feast.Online;

public sealed partial class SqliteOnlineStore
{
    /// <inheritdoc/>
    public async Task UpdateAsync(string project, IReadOnlyList<FeatureView> viewsToKeep, IReadOnlyList<FeatureView> viewsToDelete,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(viewsToKeep);
        ArgumentNullException.ThrowIfNull(viewsToDelete);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // feast apply may (re)create the file: let go of a deleted or replaced one first.
            if (Moved() is not null)
            {
                CloseConnections();
                _opened = null;
            }
            var writer = GetWriter(create: true);
            try
            {
                UpdateTables(writer.Connection, project, viewsToKeep, viewsToDelete, cancellationToken);
            }
            finally
            {
                // Statements prepared against the old schema are dropped everywhere.
                writer.ClearTables();
                InvalidateReaders();
            }
        }
        catch (SqliteException e)
        {
            throw new FeastException($"The SQLite online store {Path} could not be updated: {e.Message}", e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static void UpdateTables(SqliteConnection connection, string project, IReadOnlyList<FeatureView> viewsToKeep,
        IReadOnlyList<FeatureView> viewsToDelete, CancellationToken cancellationToken)
    {
        using var transaction = connection.BeginTransaction();
        foreach (var view in viewsToKeep)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var table = TableName(project, view.Name);
            Execute(connection, transaction,
                $"CREATE TABLE IF NOT EXISTS {Quote(table)} (entity_key BLOB, feature_name TEXT, value BLOB, value_text TEXT, " +
                "vector_value BLOB, event_ts timestamp, created_ts timestamp, PRIMARY KEY(entity_key, feature_name))");
            Execute(connection, transaction, $"CREATE INDEX IF NOT EXISTS {Quote(table + "_ek")} ON {Quote(table)} (entity_key)");
            // Tables written by Feast before 0.66 have no value_text; Feast adds it the same way.
            if (!ReadColumns(connection, transaction, table).Contains("value_text"))
                Execute(connection, transaction, $"ALTER TABLE {Quote(table)} ADD COLUMN value_text TEXT");
        }
        foreach (var view in viewsToDelete)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Execute(connection, transaction, $"DROP TABLE IF EXISTS {Quote(TableName(project, view.Name))}");
        }
        transaction.Commit();
    }

    /// <inheritdoc/>
    public async Task TeardownAsync(string project, IReadOnlyList<FeatureView> views, CancellationToken cancellationToken = default)
    {
        // Feast deletes the whole database file on teardown; every connection is closed first.
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            CloseConnections();
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { Path, Path + "-wal", Path + "-shm", Path + "-journal" })
            {
                try
                {
                    if (File.Exists(file)) File.Delete(file);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new FeastException($"The SQLite online store file {file} could not be removed: {e.Message}", e);
                }
            }
            _opened = null;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static HashSet<string> ReadColumns(SqliteConnection connection, SqliteTransaction? transaction, string table)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"PRAGMA table_info({Quote(table)})";
        using var reader = command.ExecuteReader();
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (reader.Read()) columns.Add(reader.GetString(1));
        return columns;
    }
}
