using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Feast.Configuration;
using Feast.Online;
using Npgsql;
using NpgsqlTypes;

namespace Feast.Postgres.Online;

/// <summary>
/// The PostgreSQL online store in Python Feast's layout: in schema <c>db_schema</c>, one table per feature view named
/// <c>{project}_{view}</c>, one row per (entity key, feature) holding the <see cref="FeatureValue"/> protobuf bytes.
/// </summary>
/// <remarks>
/// Writes copy a batch with binary COPY into a temporary staging table and move it into the view's table with one
/// <c>INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE</c> the incoming row is newer (by event timestamp, then created
/// timestamp; with <c>last_write_wins</c> every write replaces, as in Feast), all in one transaction: a failure leaves
/// the table as it was. Reads are one prepared <c>SELECT … WHERE entity_key = ANY($1) AND feature_name = ANY($2)</c>
/// per view and request.
/// </remarks>
public sealed class PostgresOnlineStore : IOnlineStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresConnectionOptions _connection;
    private readonly ConcurrentDictionary<string, string> _selects = new(StringComparer.Ordinal);

    /// <summary>Creates the store for <paramref name="options"/>; nothing is opened until the first call.</summary>
    /// <exception cref="FeastConfigException">The options ask for something Feast.NET does not support yet, or name an unknown sslmode.</exception>
    public PostgresOnlineStore(PostgresOnlineStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.VectorEnabled || options.EnableOpenaiCompatibleStore)
        {
            throw new FeastConfigException(
                "feature_store.yaml: online_store (postgres): vector_enabled and enable_openai_compatible_store are not supported by Feast.NET yet. Remove them or set them to false.");
        }
        _connection = options.Connection;
        LastWriteWins = options.LastWriteWins;
        Schema = string.IsNullOrEmpty(_connection.DbSchema) ? "public" : _connection.DbSchema;
        _dataSource = PostgresConnections.CreateDataSource(_connection);
    }

    /// <summary>The schema holding the tables (<c>db_schema</c>).</summary>
    public string Schema { get; }

    /// <summary>Whether every write replaces what is stored, even a newer value (yaml <c>last_write_wins</c>).</summary>
    public bool LastWriteWins { get; }

    /// <summary>The table Feast uses for <paramref name="view"/> in <paramref name="project"/>.</summary>
    public static string TableName(string project, string view) => $"{project}_{view}";

    private string Qualified(string table) => PostgresConnections.Quote(Schema) + "." + PostgresConnections.Quote(table);

    private string Where => $"{_connection.Host}:{_connection.Port}/{_connection.Database}";

    /// <inheritdoc/>
    public string DescribeStorage(string project, FeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return $"PostgreSQL table {Schema}.{TableName(project, view.Name)}";
    }

    /// <inheritdoc/>
    public async Task UpdateAsync(string project, IReadOnlyList<FeatureView> viewsToKeep, IReadOnlyList<FeatureView> viewsToDelete,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(viewsToKeep);
        ArgumentNullException.ThrowIfNull(viewsToDelete);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    // Concurrent CREATE … IF NOT EXISTS of the same object can still collide in the catalog; take turns.
                    await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext('feast online store'), hashtext(@schema))",
                        cancellationToken, ("schema", Schema)).ConfigureAwait(false);
                    if (viewsToKeep.Count > 0) await EnsureSchemaAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                    foreach (var view in viewsToKeep)
                    {
                        var table = TableName(project, view.Name);
                        var qualified = Qualified(table);
                        await ExecuteAsync(connection, transaction,
                            $"""
                            CREATE TABLE IF NOT EXISTS {qualified} (
                                entity_key BYTEA,
                                feature_name TEXT,
                                value BYTEA,
                                value_text TEXT NULL,
                                vector_value BYTEA NULL,
                                event_ts TIMESTAMPTZ,
                                created_ts TIMESTAMPTZ,
                                PRIMARY KEY(entity_key, feature_name))
                            """, cancellationToken).ConfigureAwait(false);
                        // Tables written by Feast before value_text existed get it the way Feast adds it.
                        await ExecuteAsync(connection, transaction, $"ALTER TABLE {qualified} ADD COLUMN IF NOT EXISTS value_text TEXT NULL", cancellationToken)
                            .ConfigureAwait(false);
                        await ExecuteAsync(connection, transaction,
                            $"CREATE INDEX IF NOT EXISTS {PostgresConnections.Quote(table + "_ek")} ON {qualified} (entity_key)", cancellationToken).ConfigureAwait(false);
                        if (view.Features.Any(f => f.Dtype == FeastType.String))
                        {
                            await ExecuteAsync(connection, transaction,
                                $"CREATE INDEX IF NOT EXISTS {PostgresConnections.Quote(table + "_fts_idx")} ON {qualified} USING GIN (to_tsvector('english', value_text))",
                                cancellationToken).ConfigureAwait(false);
                        }
                    }
                    foreach (var view in viewsToDelete)
                        await ExecuteAsync(connection, transaction, $"DROP TABLE IF EXISTS {Qualified(TableName(project, view.Name))}", cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (PostgresException e)
            {
                throw new FeastException($"The PostgreSQL online store at {Where} could not be updated: {e.MessageText} (SQLSTATE {e.SqlState}).", e);
            }
        }
    }

    /// <inheritdoc/>
    public async Task TeardownAsync(string project, IReadOnlyList<FeatureView> views, CancellationToken cancellationToken = default) =>
        await UpdateAsync(project, [], views, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async Task WriteBatchAsync(string project, FeatureView view, OnlineWriteBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0 || batch.FeatureNames.Count == 0) return;

        var table = TableName(project, view.Name);
        var (rows, features) = LastWrites(batch, LastWriteWins);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    await ExecuteAsync(connection, transaction,
                        "CREATE TEMP TABLE feast_online_stage (entity_key BYTEA, feature_name TEXT, value BYTEA, value_text TEXT, event_ts TIMESTAMPTZ, created_ts TIMESTAMPTZ) ON COMMIT DROP",
                        cancellationToken).ConfigureAwait(false);
                    await CopyAsync(connection, batch, rows, features, cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, transaction,
                        $"""
                        INSERT INTO {Qualified(table)} AS stored (entity_key, feature_name, value, value_text, event_ts, created_ts)
                        SELECT entity_key, feature_name, value, value_text, event_ts, created_ts FROM feast_online_stage
                        ON CONFLICT (entity_key, feature_name) DO UPDATE SET
                            value = EXCLUDED.value, value_text = EXCLUDED.value_text, event_ts = EXCLUDED.event_ts, created_ts = EXCLUDED.created_ts
                        {(LastWriteWins ? "" : NewerOnly)}
                        """, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
            {
                throw MissingTable(table, view.Name, e);
            }
            catch (PostgresException e)
            {
                throw new FeastException($"Writing to table {Schema}.{table} of the PostgreSQL online store at {Where} failed: {e.MessageText} (SQLSTATE {e.SqlState}).", e);
            }
        }
    }

    /// <summary>
    /// The rows and features to write: when a key (or a feature name) occurs more than once, only its last occurrence,
    /// since one upsert cannot touch a row twice, and the last write wins anyway.
    /// </summary>
    /// <summary>Only a newer row replaces the stored one: a newer event timestamp, or the same one and a created timestamp not older.</summary>
    private const string NewerOnly = """
        WHERE stored.event_ts IS NULL OR EXCLUDED.event_ts > stored.event_ts
           OR (EXCLUDED.event_ts = stored.event_ts AND COALESCE(EXCLUDED.created_ts, '-infinity') >= COALESCE(stored.created_ts, '-infinity'))
        """;

    /// <summary>
    /// The rows to stage, one per entity key (an upsert may touch a row once): the batch's last row of each key, or with
    /// <paramref name="lastWriteWins"/> false its newest (ties to the later row), as the upsert itself decides.
    /// </summary>
    private static (int[]? Rows, int[]? Features) LastWrites(OnlineWriteBatch batch, bool lastWriteWins)
    {
        int[]? features = null;
        var names = batch.FeatureNames;
        if (names.Count > 1 && names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            var last = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < names.Count; i++) last[names[i]] = i;
            features = [.. last.Values.Order()];
        }

        var seen = new HashSet<byte[]>(batch.Count, ByteArrayComparer.Instance);
        var duplicates = false;
        for (var row = 0; row < batch.Count && !duplicates; row++) duplicates = !seen.Add(batch.EntityKey(row));
        if (!duplicates) return (null, features);
        var winner = new Dictionary<byte[], int>(batch.Count, ByteArrayComparer.Instance);
        for (var row = 0; row < batch.Count; row++)
        {
            var key = batch.EntityKey(row);
            if (lastWriteWins || !winner.TryGetValue(key, out var current) || !Older(batch, row, current)) winner[key] = row;
        }
        return ([.. winner.Values.Order()], features);
    }

    private static bool Older(OnlineWriteBatch batch, int row, int than)
    {
        var (eventTs, otherEventTs) = (batch.EventTimestamp(row), batch.EventTimestamp(than));
        if (eventTs != otherEventTs) return eventTs < otherEventTs;
        return (batch.CreatedTimestamp(row) ?? DateTimeOffset.MinValue) < (batch.CreatedTimestamp(than) ?? DateTimeOffset.MinValue);
    }

    private static async Task CopyAsync(NpgsqlConnection connection, OnlineWriteBatch batch, int[]? rows, int[]? features, CancellationToken cancellationToken)
    {
        var names = batch.FeatureNames;
        var featureCount = features?.Length ?? names.Count;
        var importer = await connection.BeginBinaryImportAsync(
            "COPY feast_online_stage (entity_key, feature_name, value, value_text, event_ts, created_ts) FROM STDIN (FORMAT BINARY)", cancellationToken)
            .ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            var rowCount = rows?.Length ?? batch.Count;
            for (var i = 0; i < rowCount; i++)
            {
                var row = rows is null ? i : rows[i];
                var key = batch.EntityKey(row);
                var eventTs = batch.EventTimestamp(row).UtcDateTime;
                var createdTs = batch.CreatedTimestamp(row)?.UtcDateTime;
                for (var f = 0; f < featureCount; f++)
                {
                    var feature = features is null ? f : features[f];
                    var value = batch.Value(row, feature);
                    await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(key, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(names[feature], NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    // Feast's null is an empty Value: empty bytes, not SQL NULL.
                    await importer.WriteAsync(value.ToByteArray(), NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                    if (value.ToValueText() is { } text)
                        await importer.WriteAsync(text, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    else
                        await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(eventTs, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                    if (createdTs is { } created)
                        await importer.WriteAsync(created, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                    else
                        await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task<OnlineReadResult> ReadAsync(string project, FeatureView view, IReadOnlyList<byte[]> entityKeys, IReadOnlyList<string> featureNames,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(entityKeys);
        ArgumentNullException.ThrowIfNull(featureNames);
        return (await ReadManyAsync(project, [new OnlineViewRead(view, entityKeys, featureNames)], cancellationToken).ConfigureAwait(false))[0];
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One round trip for all the views of a request: a batch of one prepared <c>SELECT … WHERE entity_key = ANY($1)
    /// AND feature_name = ANY($2)</c> per view, on one pooled connection, read result set by result set.
    /// </remarks>
    public async Task<OnlineReadResult[]> ReadManyAsync(string project, IReadOnlyList<OnlineViewRead> reads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(reads);
        var results = new OnlineReadResult[reads.Count];
        var parts = new List<(int Read, EntityKeyRows Rows, Dictionary<string, int> Features, string Table, NpgsqlBatchCommand Command)>();
        using var batch = new NpgsqlBatch();
        for (var r = 0; r < reads.Count; r++)
        {
            var (view, entityKeys, featureNames) = reads[r] ?? throw new ArgumentException("A read is null.", nameof(reads));
            results[r] = new OnlineReadResult(entityKeys.Count, featureNames);
            if (entityKeys.Count == 0) continue;

            // Each distinct key is asked for once; request rows that repeat a key share its answer.
            var rows = new EntityKeyRows(entityKeys);
            var featureIndex = new Dictionary<string, int>(featureNames.Count, StringComparer.Ordinal);
            for (var i = featureNames.Count - 1; i >= 0; i--) featureIndex[featureNames[i]] = i; // the first of repeated names wins
            var table = TableName(project, view.Name);
            var command = new NpgsqlBatchCommand(_selects.GetOrAdd(table, t =>
                $"SELECT entity_key, feature_name, value, event_ts FROM {Qualified(t)} WHERE entity_key = ANY($1) AND feature_name = ANY($2)"));
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, TypedValue = [.. rows.Unique] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = [.. featureNames] });
            batch.BatchCommands.Add(command);
            parts.Add((r, rows, featureIndex, table, command));
        }
        if (parts.Count == 0) return results;

        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            batch.Connection = connection;
            try
            {
                // Prepared once per physical connection; later calls on the same connection skip the parse.
                await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
                var reader = await batch.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    for (var p = 0; p < parts.Count; p++)
                    {
                        if (p > 0) await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                        var (read, rows, featureIndex, _, _) = parts[p];
                        var result = results[read];
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            var key = reader.GetFieldValue<byte[]>(0);
                            var name = reader.GetString(1);
                            var value = reader.IsDBNull(2) ? FeatureValue.Null : FeatureValue.Parse(reader.GetFieldValue<byte[]>(2));
                            var eventTs = reader.IsDBNull(3) ? DateTimeOffset.UnixEpoch : new DateTimeOffset(reader.GetFieldValue<DateTime>(3), TimeSpan.Zero);
                            var feature = featureIndex.TryGetValue(name, out var index) ? index : -1;
                            for (var row = rows.First(key); row >= 0; row = rows.Next(row))
                            {
                                // Feast reports one timestamp per key; with rows written at different times the newest one is reported.
                                if (result.EventTimestamp(row) is not { } seen || eventTs > seen) result.SetFound(row, eventTs);
                                if (feature >= 0) result.SetValue(row, feature, value);
                            }
                        }
                    }
                }
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
            {
                // The failing statement, if Npgsql says which; else the table PostgreSQL names ("relation … does not exist").
                var failed = parts.FirstOrDefault(p => ReferenceEquals(p.Command, e.BatchCommand));
                if (failed.Command is null) failed = parts.FirstOrDefault(p => e.MessageText.Contains('"' + p.Table + '"', StringComparison.Ordinal)
                    || e.MessageText.Contains('.' + p.Table + '"', StringComparison.Ordinal));
                if (failed.Command is null) failed = parts[0];
                throw MissingTable(failed.Table, reads[failed.Read].View.Name, e);
            }
            catch (PostgresException e)
            {
                var tables = string.Join(", ", parts.Select(p => Schema + "." + p.Table).Distinct());
                throw new FeastException($"Reading {(parts.Count > 1 ? "tables" : "table")} {tables} of the PostgreSQL online store at {Where} failed: {e.MessageText} (SQLSTATE {e.SqlState}).", e);
            }
        }
        return results;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private FeastException MissingTable(string table, string viewName, Exception inner) => new(
        $"The PostgreSQL online store at {Where} has no table {Schema}.{table} for feature view '{viewName}'. Run `feast apply` to create the online tables of the project's feature views.",
        inner);

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            throw new FeastException(PostgresErrors.ConnectFailed("the PostgreSQL online store", _connection.Host, _connection.Port, _connection.Database, _connection.User, e), e);
        }
    }

    private async Task EnsureSchemaAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        // Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the database even when the schema exists.
        using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_namespace WHERE nspname = @schema", connection, transaction);
        exists.Parameters.AddWithValue("schema", Schema);
        if ((long)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0) return;
        await ExecuteAsync(connection, transaction, $"CREATE SCHEMA IF NOT EXISTS {PostgresConnections.Quote(Schema)} AUTHORIZATION CURRENT_USER", cancellationToken)
            .ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object Value)[] parameters)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

}
