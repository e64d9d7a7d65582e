using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Feast.Protos.Types;
using Feast.Values;
using Google.Protobuf;
using Microsoft.Data.Sqlite;

namespace Feast.Online;

/// <summary>
/// The SQLite online store in Python Feast's layout: one file, one table per feature view named
/// <c>{project}_{view}</c>, one row per (entity key, feature).
/// </summary>
/// <remarks>
/// Connections are opened lazily and kept open: one writer (writes and schema changes take turns on it) and a small
/// pool of readers, each with its prepared statements. The database runs in WAL mode so reads proceed while a batch is
/// written. Microsoft.Data.Sqlite is synchronous underneath, so the work runs on the calling thread.
/// </remarks>
public sealed class SqliteOnlineStore : IOnlineStore
{
    /// <summary>The most keys one SELECT binds. Parameters are bound by name, which costs O(n²) in SQLite, so chunks stay small.</summary>
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
    private volatile bool _disposed;

    /// <summary>Creates the store over the database file at <paramref name="path"/> (created on first use).</summary>
    public SqliteOnlineStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        // Pooling is off because the store keeps its own connections open; disposing one really closes it.
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
            var writer = GetWriter();
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
            var writer = GetWriter();
            try
            {
                Write(writer, table, batch, cancellationToken);
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

    private static void Write(WriteConnection writer, string table, OnlineWriteBatch batch, CancellationToken cancellationToken)
    {
        var layout = writer.Table(table) ?? throw new MissingTableException();
        var features = batch.FeatureNames;
        var inserts = new List<InsertCommand>((features.Count + MaxFeaturesPerInsert - 1) / MaxFeaturesPerInsert);
        for (var start = 0; start < features.Count; start += MaxFeaturesPerInsert)
            inserts.Add(layout.Insert(writer.Connection, table, features, start, Math.Min(MaxFeaturesPerInsert, features.Count - start)));

        for (var chunk = 0; chunk < batch.Count; chunk += RowsPerTransaction)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var end = Math.Min(batch.Count, chunk + RowsPerTransaction);
            using var transaction = writer.Connection.BeginTransaction();
            foreach (var insert in inserts) insert.Command.Transaction = transaction;
            for (var row = chunk; row < end; row++)
            {
                if ((row & 1023) == 1023) cancellationToken.ThrowIfCancellationRequested();
                var key = batch.EntityKey(row);
                var eventTs = EpochSeconds(batch.EventTimestamp(row));
                object createdTs = batch.CreatedTimestamp(row) is { } created ? EpochSeconds(created) : DBNull.Value;
                var values = batch.Values(row);
                foreach (var insert in inserts)
                {
                    insert.Key.Value = key;
                    insert.EventTs.Value = eventTs;
                    insert.CreatedTs.Value = createdTs;
                    for (var i = 0; i < insert.Values.Length; i++)
                    {
                        var value = values[insert.Start + i];
                        // Feast's null is an empty Value: an empty blob, not SQL NULL.
                        insert.Values[i].Value = value.ValCase == Value.ValOneofCase.None ? Array.Empty<byte>() : value.ToByteArray();
                        insert.Texts[i].Value = (object?)FeastValues.ToValueText(value) ?? DBNull.Value;
                    }
                    insert.Command.ExecuteNonQuery();
                }
            }
            transaction.Commit();
        }
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
                var firstRow = new Dictionary<byte[], int>(keys.Count, ByteArrayComparer.Instance);
                var nextRow = new int[keys.Count];
                var lastRow = new int[keys.Count];
                var unique = new List<byte[]>(keys.Count);
                for (var row = 0; row < keys.Count; row++)
                {
                    var key = keys[row] ?? throw new ArgumentNullException(nameof(keys), $"Entity key {row} is null.");
                    nextRow[row] = -1;
                    ref var first = ref CollectionsMarshal.GetValueRefOrAddDefault(firstRow, key, out var exists);
                    if (exists)
                    {
                        nextRow[lastRow[first]] = row;
                        lastRow[first] = row;
                    }
                    else
                    {
                        first = row;
                        lastRow[row] = row;
                        unique.Add(key);
                    }
                }
                var rowsOf = new RowMap(firstRow, nextRow);
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
        OnlineReadResult result, RowMap? rowsOf)
    {
        var bucket = count <= 8 ? count : (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)count);
        var command = reader.Select(table, bucket);
        var parameters = command.Parameters;
        for (var i = 0; i < bucket; i++)
            parameters[i].Value = keys[start + Math.Min(i, count - 1)]; // padding repeats the last key

        using var rows = command.ExecuteReader();
        while (rows.Read())
        {
            var eventTs = ReadTimestamp(rows, 3);
            var feature = features.IndexOf(rows.GetString(1));
            Value? value = null;
            if (feature >= 0 && !rows.IsDBNull(2))
                value = Value.Parser.ParseFrom(rows.GetFieldValue<byte[]>(2));
            else if (feature >= 0)
                value = FeastValues.Null;

            if (rowsOf is null)
            {
                Apply(result, 0, feature, value, eventTs);
                continue;
            }
            var key = rows.GetFieldValue<byte[]>(0);
            for (var row = rowsOf.First(key); row >= 0; row = rowsOf.Next(row))
                Apply(result, row, feature, value, eventTs);
        }
    }

    private static void Apply(OnlineReadResult result, int row, int feature, Value? value, DateTimeOffset eventTs)
    {
        // Feast reports one timestamp per key; with rows written at different times the newest one is reported.
        if (result.EventTimestamp(row) is not { } seen || eventTs > seen) result.SetFound(row, eventTs);
        if (value is not null) result.SetValue(row, feature, value);
    }

    private static DateTimeOffset ReadTimestamp(SqliteDataReader rows, int ordinal)
    {
        if (rows.IsDBNull(ordinal)) return DateTimeOffset.UnixEpoch;
        var type = rows.GetFieldType(ordinal);
        if (type == typeof(long)) return DateTimeOffset.FromUnixTimeSeconds(rows.GetInt64(ordinal));
        if (type == typeof(double)) return DateTimeOffset.UnixEpoch.AddSeconds(rows.GetDouble(ordinal));
        // Feast before 0.42 stored ISO text such as "2021-04-12 10:59:42.123456" (naive UTC).
        var text = rows.GetString(ordinal);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed
            : throw new FeastException($"An event_ts of the SQLite online store is '{text}', which is not a timestamp.");
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

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            // WAL lets readers run while a batch is written; NORMAL syncs at checkpoints, not at every commit.
            Execute(connection, null, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
            return connection;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new FeastException($"The SQLite online store {Path} could not be opened: {e.Message}", e);
        }
    }

    private WriteConnection GetWriter() => _writer ??= new WriteConnection(Open());

    private ReadConnection RentReader()
    {
        var generation = Volatile.Read(ref _generation);
        lock (_idleReaders)
        {
            while (_idleReaders.TryPop(out var idle))
            {
                if (idle.Generation == generation) return idle;
                idle.Dispose();
            }
        }
        return new ReadConnection(Open(), generation);
    }

    private void ReturnReader(ReadConnection reader, bool healthy)
    {
        if (healthy && !_disposed && reader.Generation == Volatile.Read(ref _generation))
        {
            lock (_idleReaders)
            {
                if (_idleReaders.Count < _maxIdleReaders)
                {
                    _idleReaders.Push(reader);
                    return;
                }
            }
        }
        reader.Dispose();
    }

    private void InvalidateReaders()
    {
        Interlocked.Increment(ref _generation);
        lock (_idleReaders)
        {
            while (_idleReaders.TryPop(out var idle)) idle.Dispose();
        }
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

        public InsertCommand Insert(SqliteConnection connection, string table, IReadOnlyList<string> features, int start, int count)
        {
            var signature = new StringBuilder();
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
            insert = new InsertCommand(connection, table, features, start, count, hasVectorValue);
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
    /// the key and timestamps are bound once, each feature binds its value and value text.
    /// </summary>
    private sealed class InsertCommand : IDisposable
    {
        public InsertCommand(SqliteConnection connection, string table, IReadOnlyList<string> features, int start, int count, bool hasVectorValue)
        {
            Start = start;
            Command = connection.CreateCommand();
            var sql = new StringBuilder();
            sql.Append("INSERT INTO ").Append(Quote(table))
                .Append(" (entity_key, feature_name, value, value_text, ")
                .Append(hasVectorValue ? "vector_value, " : "")
                .Append("event_ts, created_ts) VALUES ");
            for (var i = 0; i < count; i++)
            {
                if (i > 0) sql.Append(", ");
                sql.Append("($k, ").Append(Literal(features[start + i]))
                    .Append(CultureInfo.InvariantCulture, $", $v{i}, $t{i}, ")
                    .Append(hasVectorValue ? "NULL, " : "")
                    .Append("$e, $c)");
            }
            sql.Append(" ON CONFLICT(entity_key, feature_name) DO UPDATE SET value = excluded.value, value_text = excluded.value_text, ")
                .Append(hasVectorValue ? "vector_value = excluded.vector_value, " : "")
                .Append("event_ts = excluded.event_ts, created_ts = excluded.created_ts");
            Command.CommandText = sql.ToString();

            Key = Command.Parameters.Add("$k", SqliteType.Blob);
            EventTs = Command.Parameters.Add("$e", SqliteType.Integer);
            CreatedTs = Command.Parameters.Add("$c", SqliteType.Integer);
            Values = new SqliteParameter[count];
            Texts = new SqliteParameter[count];
            for (var i = 0; i < count; i++)
            {
                Values[i] = Command.Parameters.Add(string.Create(CultureInfo.InvariantCulture, $"$v{i}"), SqliteType.Blob);
                Texts[i] = Command.Parameters.Add(string.Create(CultureInfo.InvariantCulture, $"$t{i}"), SqliteType.Text);
            }
            Command.Prepare();
        }

        public SqliteCommand Command { get; }

        public int Start { get; set; }

        public SqliteParameter Key { get; }

        public SqliteParameter EventTs { get; }

        public SqliteParameter CreatedTs { get; }

        public SqliteParameter[] Values { get; }

        public SqliteParameter[] Texts { get; }

        public void Dispose() => Command.Dispose();
    }

    /// <summary>A pooled reader connection with its prepared SELECTs per (table, number of keys).</summary>
    private sealed class ReadConnection(SqliteConnection connection, int generation) : IDisposable
    {
        private readonly Dictionary<(string Table, int Keys), SqliteCommand> _selects = [];

        public int Generation { get; } = generation;

        public SqliteCommand Select(string table, int keyCount)
        {
            if (_selects.TryGetValue((table, keyCount), out var command)) return command;
            if (_selects.Count >= MaxStatementsPerConnection)
            {
                foreach (var old in _selects.Values) old.Dispose();
                _selects.Clear();
            }
            command = connection.CreateCommand();
            var sql = new StringBuilder("SELECT entity_key, feature_name, value, event_ts FROM ").Append(Quote(table)).Append(" WHERE entity_key IN (");
            for (var i = 0; i < keyCount; i++)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"$k{i}");
                sql.Append(i > 0 ? ", " : "").Append(name);
                command.Parameters.Add(name, SqliteType.Blob);
            }
            command.CommandText = sql.Append(')').ToString();
            try
            {
                command.Prepare();
            }
            catch
            {
                command.Dispose();
                throw;
            }
            _selects[(table, keyCount)] = command;
            return command;
        }

        public void Dispose()
        {
            foreach (var command in _selects.Values) command.Dispose();
            _selects.Clear();
            connection.Dispose();
        }
    }

    /// <summary>Requested feature name → index; a linear scan for the usual handful of features.</summary>
    private sealed class FeatureLookup
    {
        private readonly IReadOnlyList<string> _names;
        private readonly Dictionary<string, int>? _index;

        public FeatureLookup(IReadOnlyList<string> names)
        {
            _names = names;
            if (names.Count > 16)
            {
                _index = new Dictionary<string, int>(names.Count, StringComparer.Ordinal);
                for (var i = names.Count - 1; i >= 0; i--) _index[names[i]] = i;
            }
        }

        public int IndexOf(string name)
        {
            if (_index is not null) return _index.TryGetValue(name, out var found) ? found : -1;
            for (var i = 0; i < _names.Count; i++)
            {
                if (string.Equals(_names[i], name, StringComparison.Ordinal)) return i;
            }
            return -1;
        }
    }

    /// <summary>Distinct key → the request rows that asked for it (a chain through <c>next</c>).</summary>
    private sealed class RowMap(Dictionary<byte[], int> first, int[] next)
    {
        public int First(byte[] key) => first.TryGetValue(key, out var row) ? row : -1;

        public int Next(int row) => next[row];
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static ByteArrayComparer Instance { get; } = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}
