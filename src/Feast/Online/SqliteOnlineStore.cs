using Microsoft.Data.Sqlite;

namespace Feast.Online;

/// <summary>
/// The SQLite online store in Python Feast's layout: one file, one table per feature view named
/// <c>{project}_{view}</c>, one row per (entity key, feature).
/// </summary>
public sealed class SqliteOnlineStore : IOnlineStore
{
    private readonly string _connectionString;

    /// <summary>Creates the store over the database file at <paramref name="path"/> (created on first use).</summary>
    public SqliteOnlineStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString();
    }

    /// <summary>The absolute path of the database file.</summary>
    public string Path { get; }

    /// <summary>The table Feast uses for <paramref name="view"/> in <paramref name="project"/>.</summary>
    public static string TableName(string project, string view) => $"{project}_{view}";

    /// <inheritdoc/>
    public string DescribeStorage(string project, FeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return $"SQLite table {TableName(project, view.Name)}";
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <inheritdoc/>
    public async Task UpdateAsync(string project, IReadOnlyList<FeatureView> viewsToKeep, IReadOnlyList<FeatureView> viewsToDelete,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(viewsToKeep);
        ArgumentNullException.ThrowIfNull(viewsToDelete);
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);

        try
        {
            await UpdateTablesAsync(project, viewsToKeep, viewsToDelete, cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw new FeastException($"The SQLite online store {Path} could not be updated: {e.Message}", e);
        }
    }

    private async Task UpdateTablesAsync(string project, IReadOnlyList<FeatureView> viewsToKeep, IReadOnlyList<FeatureView> viewsToDelete,
        CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await using var connectionScope = connection.ConfigureAwait(false);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        foreach (var view in viewsToKeep)
        {
            var table = TableName(project, view.Name);
            await ExecuteAsync(connection, transaction,
                $"CREATE TABLE IF NOT EXISTS {Quote(table)} (entity_key BLOB, feature_name TEXT, value BLOB, value_text TEXT, " +
                "vector_value BLOB, event_ts timestamp, created_ts timestamp, PRIMARY KEY(entity_key, feature_name))",
                cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction,
                $"CREATE INDEX IF NOT EXISTS {Quote(table + "_ek")} ON {Quote(table)} (entity_key)", cancellationToken).ConfigureAwait(false);
        }
        foreach (var view in viewsToDelete)
        {
            await ExecuteAsync(connection, transaction, $"DROP TABLE IF EXISTS {Quote(TableName(project, view.Name))}", cancellationToken)
                .ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task TeardownAsync(string project, IReadOnlyList<FeatureView> views, CancellationToken cancellationToken = default)
    {
        // Feast deletes the whole database file on teardown.
        cancellationToken.ThrowIfCancellationRequested();
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
        return Task.CompletedTask;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using var commandScope = command.ConfigureAwait(false);
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task WriteBatchAsync(string project, FeatureView view, OnlineWriteBatch batch, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <inheritdoc/>
    public Task<OnlineReadResult> ReadAsync(string project, FeatureView view, IReadOnlyList<byte[]> entityKeys, IReadOnlyList<string> featureNames,
        CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
