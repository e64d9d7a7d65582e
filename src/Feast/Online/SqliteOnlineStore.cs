using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Feast.Protos.Types;
using Feast.Values;
using Google.Protobuf;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Feast.Online;

/// <summary>
/// The SQLite online store in Python Feast's layout: one file, one table per feature view named
/// <c>{project}_{view}</c>, one row per (entity key, feature).
/// </summary>
/// <remarks>
/// Connections are opened lazily and kept open: one writer (writes and schema changes take turns on it) and a small
/// pool of readers, each with its prepared statements. The database runs in WAL mode so reads proceed while a batch is
/// written. Writes sort a batch by entity key and upsert all features of a row in one statement; the hot loops bind
/// through SQLitePCL (the layer under Microsoft.Data.Sqlite, on the same connections) by index from reused buffers.
/// SQLite is synchronous, so the work runs on the calling thread; cancellation is checked between chunks of rows.
/// </remarks>
public sealed class SqliteOnlineStore : IOnlineStore
{
    /// <summary>
    /// The most keys one SELECT binds. Larger key lists are read in chunks; key counts are rounded up to a power of two
    /// (the last key repeated) so a handful of prepared statements per table serve every request size.
    /// </summary>
    internal const int MaxKeysPerQuery = 256;

    /// <summary>The most features one INSERT writes (two parameters each).</summary>
    internal const int MaxFeaturesPerInsert = 64;

    /// <summary>Entity rows per write transaction.</summary>
    internal const int RowsPerTransaction = 10_000;

    private const int MaxStatementsPerConnection = 128;
    private const long UnixEpochTicks = 621_355_968_000_000_000;

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Stack<ReadConnection> _idleReaders = new();
    private readonly int _maxIdleReaders = Math.Max(4, Environment.ProcessorCount);
    private WriteConnection? _writer;
    private int _generation;

    // The file the connections have open, once one was opened: a file deleted or replaced under the same path is noticed
    // (CheckStorageAsync, every write) instead of being read from, written to, or silently re-created empty.
    private volatile FileIdentity? _opened;
    private volatile bool _disposed;

    /// <summary>Creates the store over the database file at <paramref name="path"/> (created on first use).</summary>
    /// <param name="path">The database file.</param>
    /// <param name="lastWriteWins">
    /// Let every write replace what is stored (yaml <c>last_write_wins</c>). By default a row replaces the stored one
    /// only when its event timestamp is newer, or equal with a created timestamp that is not older.
    /// </param>
    public SqliteOnlineStore(string path, bool lastWriteWins = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        LastWriteWins = lastWriteWins;
        Path = System.IO.Path.GetFullPath(path);
        // Pooling is off because the store keeps its own connections open; disposing one really closes it.
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString();
    }

    /// <summary>The absolute path of the database file.</summary>
    public string Path { get; }

    /// <summary>Whether every write replaces what is stored, even a newer value.</summary>
    public bool LastWriteWins { get; }

    /// <summary>The table Feast uses for <paramref name="view"/> in <paramref name="project"/>.</summary>
    public static string TableName(string project, string view) => $"{project}_{view}";

    /// <inheritdoc/>
    public string DescribeStorage(string project, FeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return $"SQLite table {TableName(project, view.Name)}";
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

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

    /// <inheritdoc/>
    public async Task WriteBatchAsync(string project, FeatureView view, OnlineWriteBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (batch.Count == 0 || batch.FeatureNames.Count == 0) return;

        var table = TableName(project, view.Name);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Moved() is { } moved)
            {
                // Never into a deleted copy, nor into a new file nobody applied: say so.
                CloseConnections();
                if (moved.Replaced) _opened = null;
                throw moved.Error;
            }
            var writer = GetWriter();
            try
            {
                Write(writer, table, batch, LastWriteWins, cancellationToken);
            }
            catch (MissingTableException e)
            {
                throw MissingTable(table, view.Name, e);
            }
            catch (SqliteException e)
            {
                // The schema may have changed under us (another process); forget what was prepared.
                writer.ClearTables();
                throw IsMissingTable(e) ? MissingTable(table, view.Name, e) : new FeastException(
                    $"Writing to table {table} of the SQLite online store {Path} failed: {e.Message}", e);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static void Write(WriteConnection writer, string table, OnlineWriteBatch batch, bool lastWriteWins, CancellationToken cancellationToken)
    {
        var layout = writer.Table(table) ?? throw new MissingTableException();
        var features = batch.FeatureNames;
        var inserts = new List<InsertCommand>((features.Count + MaxFeaturesPerInsert - 1) / MaxFeaturesPerInsert);
        for (var start = 0; start < features.Count; start += MaxFeaturesPerInsert)
            inserts.Add(layout.Insert(writer.Connection, table, features, start, Math.Min(MaxFeaturesPerInsert, features.Count - start), lastWriteWins));

        var order = KeyOrder(batch);
        for (var chunk = 0; chunk < batch.Count; chunk += RowsPerTransaction)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var end = Math.Min(batch.Count, chunk + RowsPerTransaction);
            using var transaction = writer.Connection.BeginTransaction();
            for (var i = chunk; i < end; i++)
            {
                if ((i & 1023) == 1023) cancellationToken.ThrowIfCancellationRequested();
                var row = order is null ? i : order[i];
                var key = batch.EntityKey(row);
                var eventTs = EpochSeconds(batch.EventTimestamp(row));
                long? createdTs = batch.CreatedTimestamp(row) is { } created ? EpochSeconds(created) : null;
                var values = batch.Values(row);
                foreach (var insert in inserts)
                    insert.Execute(key, eventTs, createdTs, values, ref writer.ValueBuffer, ref writer.TextBuffer);
            }
            transaction.Commit();
        }
    }

    /// <summary>
    /// The batch's rows ordered by entity key (SQLite's blob order), or null when they already are. Both of Feast's
    /// indexes lead with the entity key, so inserting in key order touches each B-tree page once instead of at random:
    /// several times faster on large batches. The sort is stable, so a key written twice still ends with its last row.
    /// </summary>
    private static int[]? KeyOrder(OnlineWriteBatch batch)
    {
        var sorted = true;
        for (var row = 1; row < batch.Count && sorted; row++)
            sorted = batch.EntityKey(row - 1).AsSpan().SequenceCompareTo(batch.EntityKey(row)) <= 0;
        if (sorted) return null;
        var keys = new byte[batch.Count][];
        var order = new int[batch.Count];
        for (var row = 0; row < order.Length; row++)
        {
            keys[row] = batch.EntityKey(row);
            order[row] = row;
        }
        Array.Sort(order, (a, b) =>
        {
            var byKey = keys[a].AsSpan().SequenceCompareTo(keys[b]);
            return byKey != 0 ? byKey : a.CompareTo(b);
        });
        return order;
    }

    /// <inheritdoc/>
    public Task<OnlineReadResult> ReadAsync(string project, FeatureView view, IReadOnlyList<byte[]> entityKeys, IReadOnlyList<string> featureNames,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(entityKeys);
        ArgumentNullException.ThrowIfNull(featureNames);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(Read(TableName(project, view.Name), view.Name, entityKeys, featureNames, cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<OnlineReadResult>(cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException<OnlineReadResult>(e);
        }
    }

    private OnlineReadResult Read(string table, string viewName, IReadOnlyList<byte[]> keys, IReadOnlyList<string> featureNames,
        CancellationToken cancellationToken)
    {
        var result = new OnlineReadResult(keys.Count, featureNames);
        if (keys.Count == 0) return result;
        var features = new FeatureLookup(featureNames);

        var reader = RentReader();
        var healthy = false;
        try
        {
            if (keys.Count == 1)
            {
                ArgumentNullException.ThrowIfNull(keys[0], nameof(keys));
                ReadChunk(reader, table, [keys[0]], 0, 1, features, result, rowsOf: null);
            }
            else
            {
                // Each distinct key is asked for once; requests that repeat a key share its answer.
                var rowsOf = new EntityKeyRows(keys);
                var unique = rowsOf.Unique;
                for (var start = 0; start < unique.Count; start += MaxKeysPerQuery)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    ReadChunk(reader, table, unique, start, Math.Min(MaxKeysPerQuery, unique.Count - start), features, result, rowsOf);
                }
            }
            healthy = true;
        }
        catch (SqliteException e)
        {
            throw IsMissingTable(e) ? MissingTable(table, viewName, e) : new FeastException(
                $"Reading table {table} of the SQLite online store {Path} failed: {e.Message}", e);
        }
        finally
        {
            ReturnReader(reader, healthy);
        }
        return result;
    }

    private static void ReadChunk(ReadConnection reader, string table, List<byte[]> keys, int start, int count, FeatureLookup features,
        OnlineReadResult result, EntityKeyRows? rowsOf)
    {
        var bucket = count <= 8 ? count : (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)count);
        var statement = reader.Select(table, bucket);
        try
        {
            for (var i = 0; i < bucket; i++)
                reader.Check(raw.sqlite3_bind_blob(statement, i + 1, keys[start + Math.Min(i, count - 1)])); // padding repeats the last key

            int rc;
            while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
            {
                var eventTs = ReadTimestamp(statement, 3);
                var feature = features.IndexOf(raw.sqlite3_column_blob(statement, 1));
                Value? value = null;
                if (feature >= 0)
                {
                    value = raw.sqlite3_column_type(statement, 2) == raw.SQLITE_NULL
                        ? FeastValues.Null
                        : Value.Parser.ParseFrom(raw.sqlite3_column_blob(statement, 2));
                }

                if (rowsOf is null)
                {
                    Apply(result, 0, feature, value, eventTs);
                    continue;
                }
                for (var row = rowsOf.First(raw.sqlite3_column_blob(statement, 0)); row >= 0; row = rowsOf.Next(row))
                    Apply(result, row, feature, value, eventTs);
            }
            if (rc != raw.SQLITE_DONE) reader.Check(rc);
        }
        finally
        {
            // A statement left un-reset keeps its read transaction open, which would stop WAL checkpoints.
            raw.sqlite3_reset(statement);
            raw.sqlite3_clear_bindings(statement);
        }
    }

    private static void Apply(OnlineReadResult result, int row, int feature, Value? value, DateTimeOffset eventTs)
    {
        // Feast reports one timestamp per key; with rows written at different times the newest one is reported.
        if (result.EventTimestamp(row) is not { } seen || eventTs > seen) result.SetFound(row, eventTs);
        if (value is not null) result.SetValue(row, feature, value);
    }

    private static DateTimeOffset ReadTimestamp(sqlite3_stmt statement, int column)
    {
        switch (raw.sqlite3_column_type(statement, column))
        {
            case raw.SQLITE_INTEGER:
                return DateTimeOffset.FromUnixTimeSeconds(raw.sqlite3_column_int64(statement, column));
            case raw.SQLITE_FLOAT:
                return DateTimeOffset.UnixEpoch.AddSeconds(raw.sqlite3_column_double(statement, column));
            case raw.SQLITE_NULL:
                return DateTimeOffset.UnixEpoch;
            default:
                // Feast before 0.42 stored ISO text such as "2021-04-12 10:59:42.123456" (naive UTC).
                var text = raw.sqlite3_column_text(statement, column).utf8_to_string();
                return FeastTimestamp.TryParse(text, out var parsed)
                    ? parsed
                    : throw new FeastException($"An event_ts of the SQLite online store is '{text}', which is not a timestamp.");
        }
    }

    /// <summary>Python's <c>int(datetime.timestamp())</c>: whole seconds, truncated toward zero.</summary>
    private static long EpochSeconds(DateTimeOffset timestamp) => (timestamp.UtcTicks - UnixEpochTicks) / TimeSpan.TicksPerSecond;

    private static bool IsMissingTable(SqliteException e) =>
        e.SqliteErrorCode == 1 && e.Message.Contains("no such table", StringComparison.OrdinalIgnoreCase);

    private FeastException MissingTable(string table, string viewName, Exception inner) => new(
        $"The SQLite online store {Path} has no table {table} for feature view '{viewName}'. Run `feast apply` to create the online tables of the project's feature views.",
        inner);

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

    /// <inheritdoc/>
    public Task CheckStorageAsync(CancellationToken cancellationToken = default)
    {
        if (Moved() is not { } moved) return Task.CompletedTask;
        // Readers of the old file are not pooled again. A replaced file is adopted when the writer can let go of the old
        // one now (otherwise at the next write); a deleted one stays an error until it is restored or re-applied.
        InvalidateReaders();
        if (moved.Replaced && _writeLock.Wait(0, CancellationToken.None))
        {
            try
            {
                CloseConnections();
                _opened = null;
            }
            finally
            {
                _writeLock.Release();
            }
        }
        return Task.FromException(moved.Error);
    }

    /// <summary>Whether the file the connections have open was deleted or replaced; null when it is still there (or none was opened).</summary>
    private (bool Replaced, FeastException Error)? Moved()
    {
        if (_opened is not { } opened) return null;
        var now = FileIdentity.Of(Path);
        if (now is null)
        {
            return (false, new FeastException(
                $"The SQLite online store file {Path} was deleted while in use; nothing is read from or written to the deleted copy. " +
                "Restore the file, or run feast apply to create a new one and materialize again."));
        }
        return now == opened ? null : (true, new FeastException(
            $"The SQLite online store file {Path} was replaced by another file while in use; the store now opens the new file. " +
            "Check what replaced it, then retry."));
    }

    private SqliteConnection Open(bool create = false)
    {
        // A file that existed and is gone was deleted under us: opening would create an empty one in its place.
        if (!create && _opened is not null && !File.Exists(Path))
            throw Moved()?.Error ?? new FeastException($"The SQLite online store file {Path} is gone.");
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            // WAL lets readers run while a batch is written; NORMAL syncs at checkpoints, not at every commit.
            Execute(connection, null, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;");
            _opened ??= FileIdentity.Of(Path);
            return connection;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new FeastException($"The SQLite online store {Path} could not be opened: {e.Message}", e);
        }
    }

    private WriteConnection GetWriter(bool create = false)
    {
        if (_writer is not null) return _writer;
        var connection = Open(create);
        // Up to 64 MiB of page cache for the writer (allocated as used): large batches then rarely spill pages mid-transaction.
        Execute(connection, null, "PRAGMA cache_size=-65536;");
        return _writer = new WriteConnection(connection);
    }

    // The generation changes (under the pool's lock) whenever the schema changes or the file goes away; a reader of an
    // older generation is closed instead of being pooled again, so its prepared statements never outlive the schema.
    private ReadConnection RentReader()
    {
        int generation;
        lock (_idleReaders)
        {
            generation = _generation;
            if (_idleReaders.TryPop(out var idle)) return idle;
        }
        return new ReadConnection(Open(), generation);
    }

    private void ReturnReader(ReadConnection reader, bool healthy)
    {
        lock (_idleReaders)
        {
            if (healthy && !_disposed && reader.Generation == _generation && _idleReaders.Count < _maxIdleReaders)
            {
                _idleReaders.Push(reader);
                return;
            }
        }
        reader.Dispose();
    }

    private void InvalidateReaders()
    {
        List<ReadConnection> idle;
        lock (_idleReaders)
        {
            _generation++;
            idle = [.. _idleReaders];
            _idleReaders.Clear();
        }
        foreach (var reader in idle) reader.Dispose();
    }

    private void CloseConnections()
    {
        _writer?.Dispose();
        _writer = null;
        InvalidateReaders();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        // Waits for a write in progress; readers in use close when they are returned.
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            CloseConnections();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The writer connection and, per table, its layout and prepared upserts. Used under the write lock only.</summary>
    private sealed class WriteConnection(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<string, TableWriter> _tables = new(StringComparer.Ordinal);

        /// <summary>Reused for each serialized value.</summary>
        public byte[] ValueBuffer = new byte[256];

        /// <summary>Reused for each value text (UTF-8).</summary>
        public byte[] TextBuffer = new byte[256];

        public SqliteConnection Connection { get; } = connection;

        /// <summary>The table's writer, or null when the table does not exist.</summary>
        public TableWriter? Table(string table)
        {
            if (_tables.TryGetValue(table, out var writer)) return writer;
            if (_tables.Count >= MaxStatementsPerConnection) ClearTables();
            var columns = ReadColumns(Connection, null, table);
            if (columns.Count == 0) return null;
            if (!columns.Contains("value_text"))
            {
                // A table written by Feast before 0.66: add the column as Feast's own update does.
                Execute(Connection, null, $"ALTER TABLE {Quote(table)} ADD COLUMN value_text TEXT");
                columns.Add("value_text");
            }
            writer = new TableWriter(columns.Contains("vector_value"));
            _tables[table] = writer;
            return writer;
        }

        public void ClearTables()
        {
            foreach (var writer in _tables.Values) writer.Dispose();
            _tables.Clear();
        }

        public void Dispose()
        {
            ClearTables();
            Connection.Dispose();
        }
    }

    /// <summary>Thrown inside the write path when the table is missing; turned into the user-facing message.</summary>
    private sealed class MissingTableException : Exception;

    /// <summary>Prepared upserts for one table, per list of features.</summary>
    private sealed class TableWriter(bool hasVectorValue) : IDisposable
    {
        private readonly Dictionary<string, InsertCommand> _inserts = new(StringComparer.Ordinal);

        public InsertCommand Insert(SqliteConnection connection, string table, IReadOnlyList<string> features, int start, int count, bool lastWriteWins)
        {
            var signature = new StringBuilder(lastWriteWins ? "w\0" : "n\0");
            for (var i = start; i < start + count; i++) signature.Append(features[i]).Append('\0');
            var key = signature.ToString();
            if (_inserts.TryGetValue(key, out var insert))
            {
                insert.Start = start;
                return insert;
            }
            if (_inserts.Count >= MaxStatementsPerConnection)
            {
                foreach (var old in _inserts.Values) old.Dispose();
                _inserts.Clear();
            }
            insert = new InsertCommand(connection, table, features, start, count, hasVectorValue, lastWriteWins);
            _inserts[key] = insert;
            return insert;
        }

        public void Dispose()
        {
            foreach (var insert in _inserts.Values) insert.Dispose();
            _inserts.Clear();
        }
    }

    /// <summary>
    /// One prepared multi-row upsert writing <c>count</c> features of one entity row: the feature names are literals,
    /// the key and timestamps are bound once (?1..?3), feature i binds its value (?(4+2i)) and value text (?(5+2i)).
    /// </summary>
    /// <remarks>
    /// The statement is driven through SQLitePCL directly (the library under Microsoft.Data.Sqlite, on the same
    /// connection handle): binding by index from reused buffers avoids a parameter-name lookup and several allocations
    /// per value, which is most of the managed cost of a million-value batch.
    /// </remarks>
    private sealed class InsertCommand : IDisposable
    {
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement;

        public InsertCommand(SqliteConnection connection, string table, IReadOnlyList<string> features, int start, int count, bool hasVectorValue, bool lastWriteWins)
        {
            Start = start;
            Count = count;
            var sql = new StringBuilder();
            sql.Append("INSERT INTO ").Append(Quote(table))
                .Append(" (entity_key, feature_name, value, value_text, ")
                .Append(hasVectorValue ? "vector_value, " : "")
                .Append("event_ts, created_ts) VALUES ");
            for (var i = 0; i < count; i++)
            {
                if (i > 0) sql.Append(", ");
                sql.Append("(?1, ").Append(Literal(features[start + i]))
                    .Append(CultureInfo.InvariantCulture, $", ?{4 + 2 * i}, ?{5 + 2 * i}, ")
                    .Append(hasVectorValue ? "NULL, " : "")
                    .Append("?2, ?3)");
            }
            sql.Append(" ON CONFLICT(entity_key, feature_name) DO UPDATE SET value = excluded.value, value_text = excluded.value_text, ")
                .Append(hasVectorValue ? "vector_value = excluded.vector_value, " : "")
                .Append("event_ts = excluded.event_ts, created_ts = excluded.created_ts");
            if (!lastWriteWins)
            {
                // Only a newer row replaces the stored one (ties: the newer or equal created timestamp). Feast before
                // 0.42 stored timestamps as text, which SQLite orders after every number: compare them as epoch seconds.
                var stored = Quote(table);
                string Seconds(string column) =>
                    $"(CASE typeof({stored}.{column}) WHEN 'text' THEN CAST(strftime('%s', {stored}.{column}) AS INTEGER) ELSE {stored}.{column} END)";
                sql.Append(" WHERE ").Append(Seconds("event_ts")).Append(" IS NULL OR excluded.event_ts > ").Append(Seconds("event_ts"))
                    .Append(" OR (excluded.event_ts = ").Append(Seconds("event_ts"))
                    .Append(" AND COALESCE(excluded.created_ts, 0) >= COALESCE(").Append(Seconds("created_ts")).Append(", 0))");
            }

            _db = connection.Handle!;
            var rc = raw.sqlite3_prepare_v3(_db, sql.ToString(), raw.SQLITE_PREPARE_PERSISTENT, out var statement);
            if (rc != raw.SQLITE_OK)
            {
                statement?.Dispose();
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
            _statement = statement!;
        }

        /// <summary>The index in the batch's features of this statement's first feature.</summary>
        public int Start { get; set; }

        public int Count { get; }

        /// <summary>Writes features Start..Start+Count of one row.</summary>
        public void Execute(byte[] key, long eventTs, long? createdTs, ReadOnlySpan<Value> values, ref byte[] valueBuffer, ref byte[] textBuffer)
        {
            var statement = _statement;
            Check(raw.sqlite3_bind_blob(statement, 1, key));
            Check(raw.sqlite3_bind_int64(statement, 2, eventTs));
            Check(createdTs is { } created ? raw.sqlite3_bind_int64(statement, 3, created) : raw.sqlite3_bind_null(statement, 3));
            for (var i = 0; i < Count; i++)
            {
                var value = values[Start + i];
                // Feast's null is an empty Value: an empty blob (zeroblob, so it is not bound as SQL NULL).
                var size = value.CalculateSize();
                if (size == 0)
                {
                    Check(raw.sqlite3_bind_zeroblob(statement, 4 + 2 * i, 0));
                }
                else
                {
                    if (size > valueBuffer.Length) valueBuffer = new byte[Math.Max(size, valueBuffer.Length * 2)];
                    var bytes = valueBuffer.AsSpan(0, size);
                    value.WriteTo(bytes);
                    Check(raw.sqlite3_bind_blob(statement, 4 + 2 * i, bytes));
                }
                var length = FeastValues.WriteValueTextUtf8(value, ref textBuffer);
                Check(length switch
                {
                    < 0 => raw.sqlite3_bind_null(statement, 5 + 2 * i),
                    0 => raw.sqlite3_bind_text(statement, 5 + 2 * i, string.Empty),
                    _ => raw.sqlite3_bind_text(statement, 5 + 2 * i, textBuffer.AsSpan(0, length)),
                });
            }
            var rc = raw.sqlite3_step(statement);
            raw.sqlite3_reset(statement);
            if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _db);
        }

        private void Check(int rc)
        {
            if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
        }

        public void Dispose() => _statement.Dispose();
    }

    /// <summary>A pooled reader connection with its prepared SELECTs per (table, number of keys).</summary>
    private sealed class ReadConnection(SqliteConnection connection, int generation) : IDisposable
    {
        private readonly Dictionary<(string Table, int Keys), sqlite3_stmt> _selects = [];
        private readonly sqlite3 _db = connection.Handle!;

        public int Generation { get; } = generation;

        public sqlite3_stmt Select(string table, int keyCount)
        {
            if (_selects.TryGetValue((table, keyCount), out var statement)) return statement;
            if (_selects.Count >= MaxStatementsPerConnection) DisposeStatements();
            var sql = new StringBuilder("SELECT entity_key, feature_name, value, event_ts FROM ").Append(Quote(table)).Append(" WHERE entity_key IN (");
            for (var i = 0; i < keyCount; i++) sql.Append(i > 0 ? ", ?" : "?");
            var rc = raw.sqlite3_prepare_v3(_db, sql.Append(')').ToString(), raw.SQLITE_PREPARE_PERSISTENT, out statement);
            if (rc != raw.SQLITE_OK)
            {
                statement?.Dispose();
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
            _selects[(table, keyCount)] = statement!;
            return statement!;
        }

        public void Check(int rc)
        {
            if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
        }

        private void DisposeStatements()
        {
            foreach (var statement in _selects.Values) statement.Dispose();
            _selects.Clear();
        }

        public void Dispose()
        {
            DisposeStatements();
            connection.Dispose();
        }
    }

    /// <summary>Requested feature name (as the UTF-8 bytes SQLite returns) → index; a linear scan for the usual handful of features.</summary>
    private sealed class FeatureLookup
    {
        private readonly byte[][] _names;
        private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>>? _index;

        public FeatureLookup(IReadOnlyList<string> names)
        {
            _names = new byte[names.Count][];
            for (var i = 0; i < names.Count; i++) _names[i] = Encoding.UTF8.GetBytes(names[i]);
            if (names.Count > 16)
            {
                var index = new Dictionary<byte[], int>(names.Count, ByteArrayComparer.Instance);
                for (var i = names.Count - 1; i >= 0; i--) index[_names[i]] = i; // the first of repeated names wins
                _index = index.GetAlternateLookup<ReadOnlySpan<byte>>();
            }
        }

        public int IndexOf(ReadOnlySpan<byte> name)
        {
            if (_index is { } index) return index.TryGetValue(name, out var found) ? found : -1;
            for (var i = 0; i < _names.Length; i++)
            {
                if (name.SequenceEqual(_names[i])) return i;
            }
            return -1;
        }
    }
}
