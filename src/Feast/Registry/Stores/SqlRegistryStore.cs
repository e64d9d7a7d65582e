using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Feast.Registry;

using RegistryProto = Feast.Protos.Core.Registry;

/// <summary>
/// Feast's SQL registry (<c>registry_type: sql</c>) on SQLite, in the table layout Python Feast's
/// <c>SqlRegistry</c> uses: one row per object holding its serialized proto, plus <c>feast_metadata</c>
/// with each project's <c>last_updated_timestamp</c> and <c>project_uuid</c>.
/// </summary>
/// <remarks>
/// <see cref="UpdateAsync(Func{RegistryData, CancellationToken, ValueTask{bool}}, CancellationToken)"/> runs in one <c>BEGIN IMMEDIATE</c> transaction, so concurrent writers in
/// any process serialize on SQLite's database lock, and writes only the rows whose content changed.
/// The layout has no place for <c>version_id</c>: <see cref="ReadAsync"/> leaves it empty and takes
/// <c>last_updated</c> (whole seconds) from <c>feast_metadata</c>. Legacy <c>feature_tables</c> have
/// no table and are not stored, as in Python Feast.
/// </remarks>
public sealed class SqlRegistryStore : IRegistryStore
{
    private readonly string _url;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a store for a SQLAlchemy SQLite URL.</summary>
    /// <param name="url">
    /// <c>sqlite:///relative/path.db</c> (relative to <paramref name="baseDirectory"/>) or
    /// <c>sqlite:////absolute/path.db</c>.
    /// </param>
    /// <param name="baseDirectory">The directory relative database paths start from (the feature repo).</param>
    /// <param name="timeProvider">The clock for <c>last_updated</c>; the system clock when omitted.</param>
    /// <exception cref="RegistryException">The URL is not a SQLite file URL.</exception>
    public SqlRegistryStore(string url, string baseDirectory, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(baseDirectory);
        _url = url;
        DatabasePath = ResolveSqlitePath(url, baseDirectory);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The URL and the database file it resolves to.</summary>
    public string Description => $"{_url} ({DatabasePath})";

    /// <summary>The absolute path of the SQLite database file.</summary>
    internal string DatabasePath { get; }

    /// <summary>How long a writer waits for another writer's transaction before giving up.</summary>
    internal TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <inheritdoc/>
    public async Task<RegistryData?> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(DatabasePath))
            return null;
        try
        {
            var connection = await OpenAsync(create: false, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                // One read transaction, so all tables come from the same committed state.
                using var transaction = connection.BeginTransaction(deferred: true);
                return await SqlRegistryRows.ReadAsync(connection, transaction, SqlRegistryDialect.Sqlite, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SqliteException e)
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
            Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
            var connection = await OpenAsync(create: true, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                // Not deferred: BEGIN IMMEDIATE takes the write lock before reading, so two writers
                // cannot both read the old state and then overwrite each other.
                using var transaction = connection.BeginTransaction(deferred: false);
                await SqlRegistryRows.CreateTablesAsync(connection, transaction, SqlRegistryDialect.Sqlite, cancellationToken).ConfigureAwait(false);
                return await SqlRegistryRows.UpdateAsync(connection, transaction, SqlRegistryDialect.Sqlite, mutate, _timeProvider, cancellationToken)
                    .ConfigureAwait(false);
            }
        }
        catch (SqliteException e)
        {
            throw Error(e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RegistryException($"Cannot write the SQL registry {Description}: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(DatabasePath))
            return;
        try
        {
            var connection = await OpenAsync(create: false, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                using var transaction = connection.BeginTransaction(deferred: false);
                await SqlRegistryRows.DeleteAllAsync(connection, transaction, SqlRegistryDialect.Sqlite, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SqliteException e)
        {
            throw Error(e);
        }
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteIfEmptyAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(DatabasePath))
            return false;
        try
        {
            var connection = await OpenAsync(create: false, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                using var transaction = connection.BeginTransaction(deferred: false);
                return await SqlRegistryRows.DeleteIfEmptyAsync(connection, transaction, SqlRegistryDialect.Sqlite, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SqliteException e)
        {
            throw Error(e);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Turns a SQLAlchemy SQLite URL into an absolute database path.</summary>
    internal static string ResolveSqlitePath(string url, string baseDirectory)
    {
        const string Prefix = "sqlite:///";
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            throw new RegistryException(
                $"The sql registry path '{url}' is not a database URL. Use sqlite:///relative/path.db (relative to the feature repo) or sqlite:////absolute/path.db.");
        }
        var dialect = url[..schemeEnd].Split('+')[0];
        if (!dialect.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            throw new RegistryException(
                $"The sql registry URL '{url}' uses '{url[..schemeEnd]}', which this store cannot open: it opens sqlite:/// URLs; other databases need a SQL registry backend registered for their scheme (FeastBackends.AddSqlRegistry).");
        }
        var path = url.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? url[Prefix.Length..] : "";
        var query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
            path = path[..query];
        if (path.Length == 0 || path == ":memory:")
        {
            throw new RegistryException(
                $"The sql registry URL '{url}' names no database file (an in-memory database cannot hold a registry). Use sqlite:///relative/path.db or sqlite:////absolute/path.db.");
        }
        return Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(baseDirectory, path));
    }

    /// <summary>Every project a registry's objects, projects and project metadata name, sorted.</summary>
    internal static IReadOnlyList<string> ProjectsOf(RegistryProto registry)
    {
        var projects = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var table in SqlRegistryTable.All)
        {
            if (table is not InfraTable)
                projects.UnionWith(table.Extract(registry).Select(r => r.Key.Project));
        }
        projects.UnionWith(RegistryStamp.ProjectMetadata(registry).Select(m => m.Project));
        projects.Remove("");
        return [.. projects];
    }

    private async Task<SqliteConnection> OpenAsync(bool create, CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            // Without pooling no file handle outlives an operation, so disposing the store holds nothing.
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(BusyTimeout.TotalSeconds),
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var busyMilliseconds = (long)BusyTimeout.TotalMilliseconds;
            await SqlRegistryTable.ExecuteAsync(connection, null, $"PRAGMA busy_timeout = {busyMilliseconds.ToString(CultureInfo.InvariantCulture)}", cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private RegistryException Error(SqliteException e) => e.SqliteErrorCode switch
    {
        5 or 6 => new RegistryException(
            $"The SQL registry {Description} stayed locked for {BusyTimeout.TotalSeconds:0.#} s: another feast process is writing to it. Try again when it has finished.", e),
        26 => new RegistryException($"The SQL registry {Description} is not a SQLite database ({e.Message}).", e),
        _ => new RegistryException($"The SQL registry {Description} failed: {e.Message}", e),
    };
}
