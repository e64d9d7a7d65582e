// SqliteOnlineStore: reads - chunked SELECTs on pooled reader connections, decoded into an OnlineReadResult.
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

    /// <summary>A pooled reader connection with its prepared SELECTs per (table, number of keys).</summary>
    private sealed class ReadConnection(SqliteConnection connection, int generation) : IDisposable
    {
        private readonly Dictionary<(string Table, int Keys), sqlite3_stmt> _selects = [];
        private readonly sqlite3 _db = connection.Handle!;

        public int Generation { get; } = generation;

        /// <summary>The connection, for statements the read path does not prepare (document search).</summary>
        public SqliteConnection Connection { get; } = connection;

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
            Connection.Dispose();
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
