using System.Globalization;
using System.Runtime.CompilerServices;
using Apache.Arrow;
using Feast.Configuration;
using Feast.Offline;
using Feast.Offline.Sql;
using Npgsql;

namespace Feast.Postgres.Offline;

/// <summary>
/// The offline store on PostgreSQL (<c>offline_store.type: postgres</c>): reads <see cref="PostgreSQLSource"/> tables
/// and queries, pushes each point-in-time join down as one SQL statement, and streams results as Arrow record batches
/// read with Npgsql's binary protocol.
/// </summary>
/// <remarks>
/// Every call or job execution takes its own pooled connection, whose session time zone is UTC (so naive timestamps
/// and dates mean UTC, as in Feast). Arrow entity rows are uploaded by binary COPY into a temp table of that
/// connection; SQL entity data runs on the same server, copied into a temp table or embedded as a sub-select
/// (<see cref="PostgresOfflineStoreOptions.EntitySelectMode"/>). Timestamps come back as <c>timestamp[us, UTC]</c>.
/// </remarks>
public sealed class PostgresOfflineStore : IOfflineStore
{
    private readonly NpgsqlDataSource _dataSource;
    private bool _disposed;

    /// <summary>Creates the store for the <c>offline_store</c> options of <c>feature_store.yaml</c>.</summary>
    /// <param name="options">The connection settings and entity select mode.</param>
    public PostgresOfflineStore(PostgresOfflineStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        var builder = new NpgsqlConnectionStringBuilder(PostgresConnections.ConnectionString(options.Connection)) { Timezone = "UTC" };
        _dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    /// <summary>The <c>offline_store</c> options.</summary>
    public PostgresOfflineStoreOptions Options { get; }

    internal bool EmbedQuery => Options.EntitySelectMode == PostgresEntitySelectMode.EmbedQuery;

    /// <inheritdoc/>
    public RetrievalJob GetHistoricalFeatures(HistoricalRetrievalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new PostgresRetrievalJob(this, request);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<RecordBatch> PullLatestAsync(PullRequest request, CancellationToken cancellationToken = default) =>
        PullAsync(request, latest: true, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<RecordBatch> PullAllAsync(PullRequest request, CancellationToken cancellationToken = default) =>
        PullAsync(request, latest: false, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Reads a <see cref="PostgreSQLSource"/>'s table or query columns (the query is planned, not run: <c>LIMIT 0</c>).</remarks>
    public async Task<IReadOnlyList<SourceColumn>?> GetSourceSchemaAsync(DataSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var relation = await PgSourceRelation.OpenAsync(connection, source, $"Source '{source.BatchSourceOrSelf().Name}'", cancellationToken).ConfigureAwait(false);
            return [.. relation.Columns.Select(PgFeastTypes.Column)];
        }
    }

    /// <inheritdoc/>
    public async Task<long?> CountLatestAsync(PullRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var source = await PgSourceRelation.OpenAsync(connection, request.Source, $"Source '{request.Source.Name}'", cancellationToken).ConfigureAwait(false);
            using var command = PgPullQuery.Count(connection, request, source);
            var count = await Run(() => command.ExecuteScalarAsync(cancellationToken), OfflineStep.Count, source.Subject, cancellationToken).ConfigureAwait(false);
            return Convert.ToInt64(count, CultureInfo.InvariantCulture);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The view's batch source must be a <see cref="PostgreSQLSource"/> table. The batch's columns must be the table's
    /// columns (as a set, by their stored names before the field mapping); rows are copied into a temp table and
    /// inserted in one statement, cast to the table's column types.
    /// </remarks>
    public async Task WriteBatchAsync(FeatureView view, RecordBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var owner = $"Feature view '{view.Name}'";
        var source = view.BatchSource.BatchSourceOrSelf();
        if (source is not PostgreSQLSource { Table: { } table })
            throw new FeastException($"{owner}: its batch source '{source.Name}' is not a PostgreSQL table source; the PostgreSQL offline store writes pushed rows to a PostgreSQLSource with a table only.");
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var relation = await PgSourceRelation.OpenAsync(connection, source, owner, cancellationToken).ConfigureAwait(false);
            SqlWriteRules.RequireColumns(owner, relation.Label, [.. relation.Columns.Select(c => c.Name)], batch);
            if (batch.Length == 0) return;
            var staging = PostgresConnections.Quote(PgTypes.HelperPrefix + "pushed_rows");
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await PgArrow.CreateAndCopyAsync(connection, staging, temporary: true, batch.Schema, [batch], $"{owner}: the rows to write", null, cancellationToken).ConfigureAwait(false);
                var columns = string.Join(", ", relation.Columns.Select(c => PostgresConnections.Quote(c.Name)));
                var casts = string.Join(", ", relation.Columns.Select(c => $"CAST({PostgresConnections.Quote(c.Name)} AS {c.Type})"));
                try
                {
                    await ExecuteAsync(connection, $"INSERT INTO {table} ({columns}) SELECT {casts} FROM {staging}", cancellationToken).ConfigureAwait(false);
                }
                catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw PostgresErrors.In(e, OfflineStep.OfflineWrite, $"{owner}: its table {table} (nothing was written)");
                }
                await ExecuteAsync(connection, $"DROP TABLE {staging}", cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A new pooled connection (session time zone UTC).</summary>
    internal async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            var c = Options.Connection;
            throw new FeastException($"Cannot connect to the PostgreSQL offline store at {c.Host}:{c.Port}, database '{c.Database}': {e.Message}. Check offline_store host, port, database, user, password and sslmode in feature_store.yaml.", e);
        }
    }

    internal static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> Run<T>(Func<Task<T>> action, OfflineStep step, string subject, CancellationToken cancellationToken)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw PostgresErrors.In(e, step, subject);
        }
    }

    private async IAsyncEnumerable<RecordBatch> PullAsync(PullRequest request, bool latest, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var source = await PgSourceRelation.OpenAsync(connection, request.Source, $"Source '{request.Source.Name}'", cancellationToken).ConfigureAwait(false);
            using var command = PgPullQuery.Build(connection, request, source, latest);
            await foreach (var batch in Stream(command, OfflineStep.Pull, source.Subject, cancellationToken).ConfigureAwait(false))
                yield return batch;
        }
    }

    /// <summary>Streams <paramref name="command"/>, turning PostgreSQL errors into one-line <see cref="FeastException"/>s that name the step and the subject.</summary>
    internal static async IAsyncEnumerable<RecordBatch> Stream(NpgsqlCommand command, OfflineStep step, string subject, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var batches = PgArrow.ReadAsync(command, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (batches.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await batches.MoveNextAsync().ConfigureAwait(false))
                        break;
                }
                catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested && (e as PostgresException)?.SqlState != PostgresErrorCodes.QueryCanceled)
                {
                    throw PostgresErrors.In(e, step, subject);
                }
                yield return batches.Current;
            }
        }
    }
}
