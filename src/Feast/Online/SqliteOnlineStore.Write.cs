// SqliteOnlineStore: writes - sorted, batched upserts through prepared statements on the writer connection.
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
                Write(writer, table, batch, LastWriteWins, VectorEnabled ? VectorLengths(view, batch.FeatureNames) : null, cancellationToken);
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

    // vectorLengths: with vector_enabled, per batch feature the declared length of its vectors (0: any), and vector_value
    // is written as Feast writes it; null leaves vector_value NULL.
    private static void Write(WriteConnection writer, string table, OnlineWriteBatch batch, bool lastWriteWins, int[]? vectorLengths,
        CancellationToken cancellationToken)
    {
        var layout = writer.Table(table) ?? throw new MissingTableException();
        if (vectorLengths is not null && !layout.HasVectorValue)
            throw new FeastException($"Table {table} has no vector_value column, which vector_enabled needs. Run `feast apply` to recreate it, or set vector_enabled: false.");
        var features = batch.FeatureNames;
        var inserts = new List<InsertCommand>((features.Count + MaxFeaturesPerInsert - 1) / MaxFeaturesPerInsert);
        for (var start = 0; start < features.Count; start += MaxFeaturesPerInsert)
            inserts.Add(layout.Insert(writer.Connection, table, features, start, Math.Min(MaxFeaturesPerInsert, features.Count - start), lastWriteWins,
                vectorLengths));

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

        public bool HasVectorValue => hasVectorValue;

        public InsertCommand Insert(SqliteConnection connection, string table, IReadOnlyList<string> features, int start, int count, bool lastWriteWins,
            int[]? vectorLengths)
        {
            var signature = new StringBuilder(lastWriteWins ? "w" : "n").Append(vectorLengths is null ? "\0" : "v\0");
            for (var i = start; i < start + count; i++) signature.Append(features[i]).Append('\0');
            var key = signature.ToString();
            if (_inserts.TryGetValue(key, out var insert))
            {
                insert.Start = start;
                insert.VectorLengths = vectorLengths;
                return insert;
            }
            if (_inserts.Count >= MaxStatementsPerConnection)
            {
                foreach (var old in _inserts.Values) old.Dispose();
                _inserts.Clear();
            }
            insert = new InsertCommand(connection, table, features, start, count, hasVectorValue, lastWriteWins, vectorLengths is not null)
            {
                VectorLengths = vectorLengths,
            };
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
    /// the key and timestamps are bound once (?1..?3), feature i binds its value (?(4+si)) and value text (?(5+si)), and
    /// with vectors its vector_value (?(6+si)); the stride s is 2, or 3 with vectors.
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

        private readonly int _stride;
        private readonly string[] _names;

        public InsertCommand(SqliteConnection connection, string table, IReadOnlyList<string> features, int start, int count, bool hasVectorValue,
            bool lastWriteWins, bool writesVectors)
        {
            Start = start;
            Count = count;
            _stride = writesVectors ? 3 : 2;
            _names = [.. features.Skip(start).Take(count)];
            var sql = new StringBuilder();
            sql.Append("INSERT INTO ").Append(Quote(table))
                .Append(" (entity_key, feature_name, value, value_text, ")
                .Append(hasVectorValue ? "vector_value, " : "")
                .Append("event_ts, created_ts) VALUES ");
            for (var i = 0; i < count; i++)
            {
                if (i > 0) sql.Append(", ");
                sql.Append("(?1, ").Append(Literal(features[start + i]))
                    .Append(CultureInfo.InvariantCulture, $", ?{4 + _stride * i}, ?{5 + _stride * i}, ")
                    .Append(writesVectors ? string.Create(CultureInfo.InvariantCulture, $"?{6 + _stride * i}, ") : hasVectorValue ? "NULL, " : "")
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

        /// <summary>Per batch feature, its declared vector length (0: any) when vectors are written.</summary>
        public int[]? VectorLengths { get; set; }

        public int Count { get; }

        /// <summary>Writes features Start..Start+Count of one row.</summary>
        public void Execute(byte[] key, long eventTs, long? createdTs, ReadOnlySpan<FeatureValue> values, ref byte[] valueBuffer, ref byte[] textBuffer)
        {
            var statement = _statement;
            Check(raw.sqlite3_bind_blob(statement, 1, key));
            Check(raw.sqlite3_bind_int64(statement, 2, eventTs));
            Check(createdTs is { } created ? raw.sqlite3_bind_int64(statement, 3, created) : raw.sqlite3_bind_null(statement, 3));
            for (var i = 0; i < Count; i++)
            {
                var value = values[Start + i];
                // Feast's null is an empty Value: an empty blob (zeroblob, so it is not bound as SQL NULL).
                var size = value.GetSerializedSize();
                var at = 4 + _stride * i;
                if (size == 0)
                {
                    Check(raw.sqlite3_bind_zeroblob(statement, at, 0));
                }
                else
                {
                    if (size > valueBuffer.Length) valueBuffer = new byte[Math.Max(size, valueBuffer.Length * 2)];
                    var bytes = valueBuffer.AsSpan(0, size);
                    value.WriteTo(bytes);
                    Check(raw.sqlite3_bind_blob(statement, at, bytes));
                }
                var length = FeastValues.WriteValueTextUtf8(value.Proto, ref textBuffer);
                Check(length switch
                {
                    < 0 => raw.sqlite3_bind_null(statement, at + 1),
                    0 => raw.sqlite3_bind_text(statement, at + 1, string.Empty),
                    _ => raw.sqlite3_bind_text(statement, at + 1, textBuffer.AsSpan(0, length)),
                });
                if (VectorLengths is { } lengths) Check(BindVectorValue(statement, at + 2, _names[i], value.Proto, lengths[Start + i], ref valueBuffer));
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
}
