using System.Globalization;
using DuckDB.NET.Data;
using Feast.Benchmarks.Harness;
using Feast.Benchmarks.Historical;
using Feast.DuckDb;
using Feast.Offline;
using Feast.Online;
using Feast.Protos.Types;
using Feast.Values;
using FeatureColumn = Feast.Benchmarks.Historical.FeatureColumn;
using Microsoft.Data.Sqlite;

namespace Feast.Benchmarks.Materialize;

/// <summary>The measured bodies of the materialization cases.</summary>
internal static class MaterializeRuns
{
    /// <summary>Entity rows per write transaction of the raw baselines (the store uses the same).</summary>
    public const int RowsPerTransaction = 10_000;

    private static readonly Entity Driver = new("driver", [MaterializeData.JoinKey], ValueType.Int64);

    private static string Table => SqliteOnlineStore.TableName(MaterializeData.Project, MaterializeData.ViewName);

    /// <summary>
    /// Feast.NET: a repo on disk, the view applied (not measured), then <c>MaterializeAsync</c> over the whole day and
    /// the store disposed (its last WAL checkpoint is part of the write).
    /// </summary>
    public static async Task FeastAsync(CaseContext context)
    {
        var data = MaterializeData.Open(context.Options);
        var repo = Path.Combine(context.ScratchDirectory, "repo");
        BenchRepo.Create(repo, MaterializeData.Project);
        var store = BenchRepo.Open(repo);
        var view = View(data);
        await store.ApplyAsync([new Project(MaterializeData.Project), Driver, view.BatchSource, view]);
        using (context.Measure())
        {
            var results = await store.MaterializeAsync(MaterializeData.Start, MaterializeData.End, [MaterializeData.ViewName]);
            context.Rows = results.Sum(r => r.Rows);
            await store.DisposeAsync();
        }
        if (context.Verify)
            context.Digest = OnlineRows.Digest(Path.Combine(repo, BenchRepo.OnlineDb), Table);
    }

    /// <summary>
    /// Raw baseline: the source read through a streaming DuckDB reader (timestamps as epoch seconds by DuckDB), keys and
    /// value bytes written into reused buffers, one prepared upsert, a transaction per 10k entity rows, WAL. The table
    /// is created by the store beforehand, so the layout is the store's. <paramref name="variant"/> changes one thing
    /// at a time for the what-if diagnostics.
    /// </summary>
    public static async Task RawAsync(CaseContext context, RawVariant variant)
    {
        var data = MaterializeData.Open(context.Options);
        var path = Path.Combine(context.ScratchDirectory, "online.db");
        await CreateTableAsync(path, data);
        if (variant.WithoutEntityKeyIndex)
        {
            using var connection = OnlineRows.Open(path);
            using var drop = connection.CreateCommand();
            drop.CommandText = $"DROP INDEX {OnlineRows.Quote(Table + "_ek")}";
            drop.ExecuteNonQuery();
        }
        var keys = new Int64KeyWriter(MaterializeData.JoinKey);
        keys.Check(0);
        keys.Check(data.Rows - 1);
        var columns = MaterializeData.Columns;
        using (context.Measure())
        {
            using var duck = OpenDuck();
            using var sqlite = OnlineRows.Open(path);
            if (variant.CacheMiB is { } cache)
            {
                using var pragma = sqlite.CreateCommand();
                pragma.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA cache_size = -{cache * 1024}");
                pragma.ExecuteNonQuery();
            }
            using Insert insert = variant.MultiRow ? MultiRowInsert.Create(sqlite, Table, columns) : SingleRowInsert.Create(sqlite, Table, columns);
            using var command = duck.CreateCommand();
            command.CommandText = ReadSql(data);
            command.UseStreamingMode = true;
            using var reader = command.ExecuteReader();
            var buffer = new RowBuffer(variant.SortedKeys ? RowsPerTransaction : 1, columns.Count);
            long rows = 0;
            void Flush()
            {
                using var transaction = sqlite.BeginTransaction();
                insert.Enlist(transaction);
                foreach (var row in buffer.Order(sorted: variant.SortedKeys))
                    insert.Write(keys.Write(buffer.Ids[row]), buffer.EventTs[row], buffer.CreatedTs[row], buffer, row);
                transaction.Commit();
                buffer.Count = 0;
            }

            if (variant.SortedKeys)
            {
                while (reader.Read())
                {
                    buffer.Fill(reader, columns);
                    if (++rows % RowsPerTransaction == 0)
                        Flush();
                }
                Flush();
            }
            else
            {
                // Streaming: one row in the buffer at a time, a transaction per 10k rows.
                var transaction = sqlite.BeginTransaction();
                insert.Enlist(transaction);
                while (reader.Read())
                {
                    buffer.Fill(reader, columns);
                    insert.Write(keys.Write(buffer.Ids[0]), buffer.EventTs[0], buffer.CreatedTs[0], buffer, 0);
                    buffer.Count = 0;
                    if (++rows % RowsPerTransaction == 0)
                    {
                        transaction.Commit();
                        transaction.Dispose();
                        transaction = sqlite.BeginTransaction();
                        insert.Enlist(transaction);
                    }
                }
                transaction.Commit();
                transaction.Dispose();
            }
            context.Rows = rows;
        }
        if (context.Verify)
            context.Digest = OnlineRows.Digest(path, Table);
    }

    /// <summary>Diagnostic: the raw baseline's read and serialization (keys, value bytes, value texts) without SQLite.</summary>
    public static Task RawReadAsync(CaseContext context)
    {
        var data = MaterializeData.Open(context.Options);
        var keys = new Int64KeyWriter(MaterializeData.JoinKey);
        var columns = MaterializeData.Columns;
        var encoders = columns.Select(_ => new ValueEncoder()).ToArray();
        long sink = 0;
        using (context.Measure())
        {
            using var duck = OpenDuck();
            using var command = duck.CreateCommand();
            command.CommandText = ReadSql(data);
            command.UseStreamingMode = true;
            using var reader = command.ExecuteReader();
            long rows = 0;
            while (reader.Read())
            {
                sink += keys.Write(reader.GetInt64(0))[^1] + reader.GetInt64(1) + reader.GetInt64(2);
                for (var j = 0; j < columns.Count; j++)
                {
                    if (columns[j].IsFloat)
                    {
                        var value = reader.GetFloat(j + 3);
                        sink += encoders[j].Float(value)[1] + ValueEncoder.FloatText(value).Length;
                    }
                    else
                    {
                        var value = reader.GetInt64(j + 3);
                        sink += encoders[j].Int64(value)[1] + ValueEncoder.Int64Text(value).Length;
                    }
                }
                rows++;
            }
            context.Rows = rows;
        }
        context.Metrics["sink"] = sink;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Diagnostic: the offline half of <c>MaterializeAsync</c>: the DuckDB store's <c>CountLatestAsync</c> and
    /// <c>PullLatestAsync</c> (latest row per key, as Arrow batches), batches read but not converted.
    /// </summary>
    public static async Task FeastPullAsync(CaseContext context)
    {
        var data = MaterializeData.Open(context.Options);
        var view = View(data);
        var request = new PullRequest(view.BatchSource, [MaterializeData.JoinKey], [.. MaterializeData.Columns.Select(c => c.Name)],
            MaterializeData.Start, MaterializeData.End);
        long rows = 0;
        using (context.Measure())
        {
            await using var offline = new DuckDbOfflineStore(data.Directory);
            context.Metrics["count"] = await offline.CountLatestAsync(request) ?? -1;
            await foreach (var batch in offline.PullLatestAsync(request))
            {
                context.FirstBatch();
                rows += batch.Length;
                batch.Dispose();
            }
        }
        context.Rows = rows;
    }

    /// <summary>
    /// Diagnostic: the online half: rows read raw from DuckDB, built into <see cref="OnlineWriteBatch"/>es of 10k rows
    /// with the SDK's key serializer and <see cref="Value"/> objects, and written with <c>SqliteOnlineStore.WriteBatchAsync</c>.
    /// </summary>
    public static Task StoreWriteAsync(CaseContext context) => StoreWriteAsync(context, lastWriteWins: false, rewrite: false);

    /// <summary>
    /// The store write alone; with <paramref name="rewrite"/> the rows are written once unmeasured and the measured pass
    /// writes them again (every row a conflict, the newer-row check evaluated); <paramref name="lastWriteWins"/> is the
    /// store's opt-out (its statement is the one used before the check existed).
    /// </summary>
    public static async Task StoreWriteAsync(CaseContext context, bool lastWriteWins, bool rewrite)
    {
        var data = MaterializeData.Open(context.Options);
        var path = Path.Combine(context.ScratchDirectory, "online.db");
        await CreateTableAsync(path, data);
        var view = View(data);
        if (rewrite)
        {
            await using var first = new SqliteOnlineStore(path, lastWriteWins);
            await WriteAllAsync(first, data, view);
        }
        using (context.Measure())
        {
            await using var store = new SqliteOnlineStore(path, lastWriteWins);
            context.Rows = await WriteAllAsync(store, data, view);
        }
        if (context.Verify)
            context.Digest = OnlineRows.Digest(path, Table);
    }

    private static async Task<long> WriteAllAsync(SqliteOnlineStore store, MaterializeData data, FeatureView view)
    {
        var columns = MaterializeData.Columns;
        var names = columns.Select(c => c.Name).ToArray();
        using var duck = OpenDuck();
        using var command = duck.CreateCommand();
        command.CommandText = ReadSql(data);
        command.UseStreamingMode = true;
        using var reader = command.ExecuteReader();
        var batch = new OnlineWriteBatch(names, RowsPerTransaction);
        var values = new FeatureValue[columns.Count];
        long rows = 0;
        while (reader.Read())
        {
            for (var j = 0; j < columns.Count; j++)
                values[j] = columns[j].IsFloat ? FeatureValue.FromFloat(reader.GetFloat(j + 3)) : FeatureValue.FromInt64(reader.GetInt64(j + 3));
            var key = EntityKeySerializer.Serialize(MaterializeData.JoinKey, FeatureValue.FromInt64(reader.GetInt64(0)), 3);
            batch.Add(key, values, DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(1)), DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(2)));
            if (batch.Count == RowsPerTransaction)
            {
                await store.WriteBatchAsync(MaterializeData.Project, view, batch);
                batch.Clear();
            }
            rows++;
        }
        if (batch.Count > 0)
            await store.WriteBatchAsync(MaterializeData.Project, view, batch);
        return rows;
    }

    /// <summary>The view over the generated source: driver_id, ten features, TTL 1 day.</summary>
    public static FeatureView View(MaterializeData data)
    {
        var source = new FileSource(data.Source, "event_timestamp", name: "driver_stats_source", createdTimestampColumn: "created");
        var schema = MaterializeData.Columns.Select(c => new Field(c.Name, c.IsFloat ? FeastType.Float32 : FeastType.Int64))
            .Prepend(new Field(MaterializeData.JoinKey, FeastType.Int64));
        return new FeatureView(MaterializeData.ViewName, source, [Driver], TimeSpan.FromDays(1), schema);
    }

    /// <summary>Creates the view's table with the store's own DDL (not measured).</summary>
    private static async Task CreateTableAsync(string path, MaterializeData data)
    {
        await using var store = new SqliteOnlineStore(path);
        await store.UpdateAsync(MaterializeData.Project, [View(data)], []);
    }

    /// <summary>The source rows in the window, timestamps as epoch seconds (what the table stores), features in column order.</summary>
    private static string ReadSql(MaterializeData data) => string.Create(CultureInfo.InvariantCulture, $"""
        SELECT driver_id, epoch_us(event_timestamp) // 1000000, epoch_us(created) // 1000000, {string.Join(", ", MaterializeData.Columns.Select(c => c.Name))}
        FROM read_parquet({DataSets.Literal(data.Source)})
        WHERE event_timestamp BETWEEN TIMESTAMP '{MaterializeData.Start:yyyy-MM-dd HH:mm:ss}' AND TIMESTAMP '{MaterializeData.End:yyyy-MM-dd HH:mm:ss}'
        """);

    private static DuckDBConnection OpenDuck()
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SET TimeZone = 'UTC'";
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>A prepared upsert and what it binds per entity row.</summary>
    private abstract class Insert : IDisposable
    {
        protected Insert(SqliteCommand command) => Command = command;

        protected SqliteCommand Command { get; }

        public void Enlist(SqliteTransaction transaction) => Command.Transaction = transaction;

        /// <summary>Writes the ten features of row <paramref name="row"/> of <paramref name="values"/>.</summary>
        public abstract void Write(byte[] key, long eventTs, long createdTs, RowBuffer values, int row);

        public void Dispose() => Command.Dispose();

        protected static string Upsert => " ON CONFLICT(entity_key, feature_name) DO UPDATE SET value = excluded.value, value_text = excluded.value_text, "
            + "event_ts = excluded.event_ts, created_ts = excluded.created_ts";
    }

    /// <summary>One row per statement: <c>INSERT … VALUES ($k, $f, $v, $t, $e, $c) ON CONFLICT … DO UPDATE</c>, executed ten times per entity row.</summary>
    private sealed class SingleRowInsert : Insert
    {
        private readonly IReadOnlyList<FeatureColumn> _columns;
        private readonly SqliteParameter _key, _feature, _value, _text, _event, _created;
        private readonly ValueEncoder _encoder = new();

        private SingleRowInsert(SqliteCommand command, IReadOnlyList<FeatureColumn> columns) : base(command)
        {
            _columns = columns;
            _key = command.Parameters.Add("$k", SqliteType.Blob);
            _feature = command.Parameters.Add("$f", SqliteType.Text);
            _value = command.Parameters.Add("$v", SqliteType.Blob);
            _text = command.Parameters.Add("$t", SqliteType.Text);
            _event = command.Parameters.Add("$e", SqliteType.Integer);
            _created = command.Parameters.Add("$c", SqliteType.Integer);
            command.Prepare();
        }

        public static SingleRowInsert Create(SqliteConnection connection, string table, IReadOnlyList<FeatureColumn> columns)
        {
            var command = connection.CreateCommand();
            command.CommandText = $"INSERT INTO {OnlineRows.Quote(table)} (entity_key, feature_name, value, value_text, event_ts, created_ts) "
                + "VALUES ($k, $f, $v, $t, $e, $c)" + Upsert;
            return new SingleRowInsert(command, columns);
        }

        public override void Write(byte[] key, long eventTs, long createdTs, RowBuffer values, int row)
        {
            _key.Value = key;
            _event.Value = eventTs;
            _created.Value = createdTs;
            for (var j = 0; j < _columns.Count; j++)
            {
                _feature.Value = _columns[j].Name;
                if (_columns[j].IsFloat)
                {
                    var value = values.Float(row, j);
                    _value.Value = _encoder.Float(value);
                    _text.Value = ValueEncoder.FloatText(value);
                }
                else
                {
                    var value = values.Int64(row, j);
                    _value.Value = _encoder.Int64(value);
                    _text.Value = ValueEncoder.Int64Text(value);
                }
                Command.ExecuteNonQuery();
            }
        }
    }

    /// <summary>All ten features in one statement (<c>VALUES ($k, 'f0', $v0, $t0, $e, $c), …</c>), the feature names as literals.</summary>
    private sealed class MultiRowInsert : Insert
    {
        private readonly IReadOnlyList<FeatureColumn> _columns;
        private readonly SqliteParameter _key, _event, _created;
        private readonly SqliteParameter[] _values, _texts;
        private readonly ValueEncoder[] _encoders;

        private MultiRowInsert(SqliteCommand command, IReadOnlyList<FeatureColumn> columns) : base(command)
        {
            _columns = columns;
            _key = command.Parameters.Add("$k", SqliteType.Blob);
            _event = command.Parameters.Add("$e", SqliteType.Integer);
            _created = command.Parameters.Add("$c", SqliteType.Integer);
            _values = [.. columns.Select((_, j) => command.Parameters.Add(string.Create(CultureInfo.InvariantCulture, $"$v{j}"), SqliteType.Blob))];
            _texts = [.. columns.Select((_, j) => command.Parameters.Add(string.Create(CultureInfo.InvariantCulture, $"$t{j}"), SqliteType.Text))];
            _encoders = [.. columns.Select(_ => new ValueEncoder())];
            command.Prepare();
        }

        public static MultiRowInsert Create(SqliteConnection connection, string table, IReadOnlyList<FeatureColumn> columns)
        {
            var command = connection.CreateCommand();
            var rows = columns.Select((c, j) => string.Create(CultureInfo.InvariantCulture, $"($k, '{c.Name}', $v{j}, $t{j}, $e, $c)"));
            command.CommandText = $"INSERT INTO {OnlineRows.Quote(table)} (entity_key, feature_name, value, value_text, event_ts, created_ts) VALUES "
                + string.Join(", ", rows) + Upsert;
            return new MultiRowInsert(command, columns);
        }

        public override void Write(byte[] key, long eventTs, long createdTs, RowBuffer values, int row)
        {
            _key.Value = key;
            _event.Value = eventTs;
            _created.Value = createdTs;
            for (var j = 0; j < _columns.Count; j++)
            {
                if (_columns[j].IsFloat)
                {
                    var value = values.Float(row, j);
                    _values[j].Value = _encoders[j].Float(value);
                    _texts[j].Value = ValueEncoder.FloatText(value);
                }
                else
                {
                    var value = values.Int64(row, j);
                    _values[j].Value = _encoders[j].Int64(value);
                    _texts[j].Value = ValueEncoder.Int64Text(value);
                }
            }
            Command.ExecuteNonQuery();
        }
    }

    /// <summary>Source rows held between the reader and the insert: one at a time when streaming, a transaction's worth when sorting.</summary>
    internal sealed class RowBuffer(int capacity, int columns)
    {
        private readonly float[] _floats = new float[capacity * columns];
        private readonly long[] _ints = new long[capacity * columns];
        private readonly int[] _order = new int[capacity];
        private readonly ulong[] _sortKeys = new ulong[capacity];

        public long[] Ids { get; } = new long[capacity];

        public long[] EventTs { get; } = new long[capacity];

        public long[] CreatedTs { get; } = new long[capacity];

        public int Count { get; set; }

        public float Float(int row, int column) => _floats[(row * columns) + column];

        public long Int64(int row, int column) => _ints[(row * columns) + column];

        /// <summary>Appends the reader's current row (id, event seconds, created seconds, then the features).</summary>
        public void Fill(DuckDBDataReader reader, IReadOnlyList<FeatureColumn> featureColumns)
        {
            var row = Count++;
            Ids[row] = reader.GetInt64(0);
            EventTs[row] = reader.GetInt64(1);
            CreatedTs[row] = reader.GetInt64(2);
            for (var j = 0; j < featureColumns.Count; j++)
            {
                if (featureColumns[j].IsFloat)
                    _floats[(row * columns) + j] = reader.GetFloat(j + 3);
                else
                    _ints[(row * columns) + j] = reader.GetInt64(j + 3);
            }
        }

        /// <summary>
        /// The rows in insert order: as read, or sorted by serialized entity key. The keys differ only in their last
        /// eight bytes, the little-endian id, so byte order is the order of the byte-reversed id.
        /// </summary>
        public ReadOnlySpan<int> Order(bool sorted)
        {
            for (var i = 0; i < Count; i++)
            {
                _order[i] = i;
                _sortKeys[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(unchecked((ulong)Ids[i]));
            }
            if (sorted)
                Array.Sort(_sortKeys, _order, 0, Count);
            return _order.AsSpan(0, Count);
        }
    }
}
