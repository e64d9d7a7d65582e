using System.Data;
using System.Net.Sockets;
using Feast.Registry;
using Npgsql;

namespace Feast.Postgres.Registry;

/// <summary>
/// Feast's SQL registry (<c>registry_type: sql</c>) on PostgreSQL, in the table layout of Python Feast's
/// <c>SqlRegistry</c>: one row per object holding its serialized proto (BYTEA), plus <c>feast_metadata</c>.
/// </summary>
/// <remarks>
/// <see cref="UpdateAsync(Func{RegistryData, CancellationToken, ValueTask{bool}}, CancellationToken)"/> runs in one transaction that first takes a transaction-scoped advisory lock on the
/// registry's schema, so concurrent writers in any process take turns: each reads the registry its predecessor
/// committed, and a failure rolls everything back. Reads run in one REPEATABLE READ transaction, so they see one
/// committed state. The tables live in the connection's current schema (the first of <c>search_path</c>, which the
/// URL can set with <c>?options=-csearch_path%3Dmy_schema</c>); a named schema is created when missing.
/// </remarks>
public sealed class PostgresRegistryStore : IRegistryStore
{
    internal static readonly SqlRegistryDialect Dialect = new(
        "BYTEA",
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
        " COLLATE \"C\"");

    private readonly PostgresRegistryUrl _url;
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _timeProvider;
    private volatile bool _layoutReady;

    /// <summary>Creates a store for a SQLAlchemy PostgreSQL URL; nothing is opened until the first call.</summary>
    /// <param name="url"><c>postgresql://user:password@host:port/database</c>, <c>postgresql+psycopg://…</c>, with optional <c>?sslmode=…</c>.</param>
    /// <param name="timeProvider">The clock for <c>last_updated</c>; the system clock when omitted.</param>
    /// <exception cref="RegistryException">The URL is not a usable PostgreSQL URL.</exception>
    public PostgresRegistryStore(string url, TimeProvider? timeProvider = null)
    {
        _url = PostgresRegistryUrl.Parse(url);
        _dataSource = NpgsqlDataSource.Create(_url.ConnectionString);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The URL with its password masked.</summary>
    public string Description => _url.Masked;

    /// <summary>How long a writer waits for another writer's transaction before giving up.</summary>
    internal TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <inheritdoc/>
    public async Task<RegistryData?> ReadAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var registry = await SqlRegistryRows.ReadAsync(connection, transaction, Dialect, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return registry;
                }
            }
        }
        catch (NpgsqlException e)
        {
            throw Error(e);
        }
    }

    /// <inheritdoc/>
    public Task<RegistryData> UpdateAsync(Func<RegistryData, bool> mutate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        return UpdateAsync((registry, _) => ValueTask.FromResult(mutate(registry)), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<RegistryData> UpdateAsync(Func<RegistryData, CancellationToken, ValueTask<bool>> mutate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                if (!_layoutReady)
                {
                    // The schema and tables are committed in a transaction of their own before the write: mutate may
                    // work on other connections while the write's transaction is open (apply creates online tables in
                    // the same schema), and those would wait forever on a schema this transaction had not committed.
                    var layout = await LockedTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
                    await using (layout.ConfigureAwait(false))
                    {
                        await EnsureSchemaAsync(connection, layout, cancellationToken).ConfigureAwait(false);
                        await SqlRegistryRows.CreateTablesAsync(connection, layout, Dialect, cancellationToken).ConfigureAwait(false);
                        await layout.CommitAsync(cancellationToken).ConfigureAwait(false);
                    }
                    _layoutReady = true;
                }
                var transaction = await LockedTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    return await SqlRegistryRows.UpdateAsync(connection, transaction, Dialect, mutate, _timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (NpgsqlException e)
        {
            throw Error(e);
        }
    }

    /// <inheritdoc/>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await LockedTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    await SqlRegistryRows.DeleteAllAsync(connection, transaction, Dialect, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (NpgsqlException e)
        {
            throw Error(e);
        }
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteIfEmptyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await LockedTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    return await SqlRegistryRows.DeleteIfEmptyAsync(connection, transaction, Dialect, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (NpgsqlException e)
        {
            throw Error(e);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            throw new RegistryException(PostgresErrors.ConnectFailed($"the PostgreSQL registry {Description}", _url.Host, _url.Port, _url.Database, _url.User, e), e);
        }
    }

    /// <summary>
    /// A READ COMMITTED transaction holding the registry's advisory lock: every statement after the lock sees what the
    /// previous holder committed, and the lock is released by the commit or rollback.
    /// </summary>
    private async Task<NpgsqlTransaction> LockedTransactionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        try
        {
            var timeout = (long)Math.Ceiling(LockTimeout.TotalMilliseconds);
            using var command = new NpgsqlCommand(
                $"SET LOCAL lock_timeout = {timeout.ToString(System.Globalization.CultureInfo.InvariantCulture)}; "
                + "SELECT pg_advisory_xact_lock(hashtext('feast registry'), hashtext(coalesce(current_schema(), @schema)))", connection, transaction);
            command.Parameters.AddWithValue("schema", _url.Schema);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task EnsureSchemaAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (_url.Schema.Length == 0) return;
        using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_namespace WHERE nspname = @schema", connection, transaction);
        exists.Parameters.AddWithValue("schema", _url.Schema);
        if ((long)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0) return;
        using var create = new NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS {PostgresConnections.Quote(_url.Schema)}", connection, transaction);
        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private RegistryException Error(NpgsqlException e) => e switch
    {
        PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable } => new RegistryException(
            $"The SQL registry {Description} stayed locked for {LockTimeout.TotalSeconds:0.#} s: another feast process is writing to it. Try again when it has finished.", e),
        PostgresException pg => new RegistryException($"The SQL registry {Description} failed: {pg.MessageText} (SQLSTATE {pg.SqlState}).", e),
        { InnerException: SocketException or TimeoutException or IOException } => new RegistryException(
            PostgresErrors.ConnectFailed($"the PostgreSQL registry {Description}", _url.Host, _url.Port, _url.Database, _url.User, e), e),
        _ => new RegistryException($"The SQL registry {Description} failed: {e.Message}", e),
    };
}
