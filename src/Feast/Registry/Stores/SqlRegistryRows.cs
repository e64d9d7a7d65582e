using System.Data.Common;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace Feast.Registry;

using Feast.Protos.Core;
using RegistryProto = Feast.Protos.Core.Registry;

/// <summary>How one SQL engine spells what Feast's SQL registry layout needs; see <see cref="SqlRegistryRows"/>.</summary>
/// <param name="BinaryType">The column type of serialized protos (SQLAlchemy's <c>LargeBinary</c>: <c>BLOB</c>, <c>BYTEA</c>).</param>
/// <param name="ExistingTablesSql">A query returning the names of the tables that exist where the registry's tables live (one text column).</param>
/// <param name="Collate">Appended to text columns in ORDER BY so rows come back in ordinal order whatever the database collation (e.g. <c> COLLATE "C"</c>), or "".</param>
public sealed record SqlRegistryDialect(string BinaryType, string ExistingTablesSql, string Collate)
{
    /// <summary>SQLite's spelling.</summary>
    public static SqlRegistryDialect Sqlite { get; } = new("BLOB", "SELECT name FROM sqlite_master WHERE type = 'table'", "");
}

/// <summary>
/// The engine-neutral part of Feast's SQL registry (<c>registry_type: sql</c>, the table layout of Python Feast's
/// <c>SqlRegistry</c>): creating its tables, reading all rows inside a transaction into a <see cref="RegistryData"/>,
/// and writing only the rows that changed (plus <c>feast_metadata</c>). An <see cref="IRegistryStore"/> on a SQL
/// database supplies the connection, the transaction that holds its writers' lock and its <see cref="SqlRegistryDialect"/>,
/// and calls these; the SQLite and PostgreSQL stores differ only in how they connect, lock and name types.
/// </summary>
/// <remarks>
/// Statements use named parameters written <c>@name</c>, which the ADO.NET provider must accept. Every method runs in the
/// caller's transaction; only <see cref="UpdateAsync"/> and <see cref="DeleteIfEmptyAsync"/> commit it.
/// </remarks>
public static class SqlRegistryRows
{
    internal const string MetadataTable = "feast_metadata";
    internal const string LastUpdatedKey = "last_updated_timestamp";
    internal const string ProjectUuidKey = "project_uuid";

    private const string MetadataCreateSql =
        """
        CREATE TABLE IF NOT EXISTS feast_metadata (
            project_id TEXT NOT NULL,
            metadata_key TEXT NOT NULL,
            metadata_value TEXT NOT NULL,
            last_updated_timestamp BIGINT NOT NULL,
            PRIMARY KEY (project_id, metadata_key))
        """;

    /// <summary>Every table of the layout, <c>feast_metadata</c> last.</summary>
    public static IEnumerable<string> TableNames => SqlRegistryTable.All.Select(t => t.Name).Append(MetadataTable);

    /// <summary>Creates the tables of the layout that do not exist yet (<c>CREATE TABLE IF NOT EXISTS</c>); does not commit.</summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The transaction to run in.</param>
    /// <param name="dialect">The engine's spelling.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public static async Task CreateTablesAsync(DbConnection connection, DbTransaction transaction, SqlRegistryDialect dialect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(dialect);
        foreach (var sql in SqlRegistryTable.All.Select(t => t.CreateSqlFor(dialect)).Append(MetadataCreateSql))
            await SqlRegistryTable.ExecuteAsync(connection, transaction, sql, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes every row of every existing table of the layout (what <c>feast teardown</c> does); does not commit.</summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The transaction to run in, holding the writers' lock.</param>
    /// <param name="dialect">The engine's spelling.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public static async Task DeleteAllAsync(DbConnection connection, DbTransaction transaction, SqlRegistryDialect dialect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(dialect);
        var existing = await ExistingTablesAsync(connection, transaction, dialect, cancellationToken).ConfigureAwait(false);
        foreach (var table in TableNames.Where(existing.Contains))
            await SqlRegistryTable.ExecuteAsync(connection, transaction, $"DELETE FROM {table}", cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<HashSet<string>> ExistingTablesAsync(DbConnection connection, DbTransaction transaction, SqlRegistryDialect dialect, CancellationToken cancellationToken)
    {
        using var command = SqlRegistryTable.Command(connection, transaction, dialect.ExistingTablesSql);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                names.Add(reader.GetString(0));
            return names;
        }
    }

    /// <summary>
    /// Reads the registry from the layout's tables (those that exist), all in <paramref name="transaction"/> so every
    /// table comes from one committed state. The layout has no place for <c>version_id</c>, which is left empty;
    /// <c>last_updated</c> is the latest of the projects' <c>feast_metadata</c> (whole seconds). Does not commit.
    /// </summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The transaction to read in.</param>
    /// <param name="dialect">The engine's spelling.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The registry, or <see langword="null"/> when the tables hold no row.</returns>
    /// <exception cref="RegistryException">A row is not a valid serialized object.</exception>
    public static async Task<RegistryData?> ReadAsync(DbConnection connection, DbTransaction transaction, SqlRegistryDialect dialect,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(dialect);
        var snapshot = await ReadSnapshotAsync(connection, transaction, dialect, cancellationToken).ConfigureAwait(false);
        return snapshot.IsEmpty ? null : new RegistryData(snapshot.ToRegistry());
    }

    /// <summary>
    /// The read-modify-write of every SQL registry store, run inside the transaction that holds its writers' lock:
    /// reads the rows, lets <paramref name="mutate"/> change the registry (an empty one when there is none), stamps it,
    /// and writes and commits only the rows that changed. When <paramref name="mutate"/> declines, the transaction still
    /// commits (whatever the store set up in it, such as its tables, stays for readers; no row changed) and the stored
    /// registry is returned.
    /// </summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The transaction holding the writers' lock; committed on success.</param>
    /// <param name="dialect">The engine's spelling.</param>
    /// <param name="mutate">Changes the registry in place; returns whether anything changed.</param>
    /// <param name="timeProvider">The clock for <c>last_updated</c>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The registry as written (or as stored, when <paramref name="mutate"/> declined).</returns>
    /// <exception cref="RegistryException">A row cannot be read, or the changed registry holds two objects of one kind with one name in a project.</exception>
    public static async Task<RegistryData> UpdateAsync(DbConnection connection, DbTransaction transaction, SqlRegistryDialect dialect,
        Func<RegistryData, CancellationToken, ValueTask<bool>> mutate, TimeProvider timeProvider, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(mutate);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var snapshot = await ReadSnapshotAsync(connection, transaction, dialect, cancellationToken).ConfigureAwait(false);
        var registry = new RegistryData(snapshot.IsEmpty ? RegistryStamp.Empty() : snapshot.ToRegistry());
        if (!await mutate(registry, cancellationToken).ConfigureAwait(false))
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            // What is stored, even if mutate changed its argument before declining.
            return new RegistryData(snapshot.IsEmpty ? RegistryStamp.Empty() : snapshot.ToRegistry());
        }
        registry.Stamp(timeProvider);
        var proto = registry.Proto;
        await WriteChangesAsync(connection, transaction, snapshot, proto, proto.LastUpdated.Seconds, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return registry;
    }

    /// <summary>
    /// Deletes every row of the layout if the registry holds no object of any project, deciding in the transaction that
    /// holds the writers' lock so a concurrent write is never lost (what <c>feast teardown</c> does after removing its
    /// project). Commits when it deletes.
    /// </summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The transaction holding the writers' lock.</param>
    /// <param name="dialect">The engine's spelling.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether the rows were deleted.</returns>
    public static async Task<bool> DeleteIfEmptyAsync(DbConnection connection, DbTransaction transaction, SqlRegistryDialect dialect,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(dialect);
        var snapshot = await ReadSnapshotAsync(connection, transaction, dialect, cancellationToken).ConfigureAwait(false);
        if (!snapshot.IsEmpty && !RegistryStamp.HoldsNothing(snapshot.ToRegistry()))
            return false;
        await DeleteAllAsync(connection, transaction, dialect, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    internal static async Task<Snapshot> ReadSnapshotAsync(DbConnection connection, DbTransaction transaction, SqlRegistryDialect dialect, CancellationToken cancellationToken)
    {
        var existing = await ExistingTablesAsync(connection, transaction, dialect, cancellationToken).ConfigureAwait(false);
        var snapshot = new Snapshot();
        foreach (var table in SqlRegistryTable.All)
        {
            snapshot.Rows[table] = existing.Contains(table.Name)
                ? await table.ReadAsync(connection, transaction, dialect, cancellationToken).ConfigureAwait(false)
                : [];
        }
        if (existing.Contains(MetadataTable))
        {
            using var command = SqlRegistryTable.Command(connection, transaction,
                $"SELECT project_id, metadata_key, metadata_value, last_updated_timestamp FROM feast_metadata ORDER BY project_id{dialect.Collate}, metadata_key{dialect.Collate}");
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    snapshot.Metadata.Add(new MetadataRow(
                        reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? "" : reader.GetString(2), reader.IsDBNull(3) ? 0 : reader.GetInt64(3)));
                }
            }
        }
        return snapshot;
    }

    internal static async Task WriteChangesAsync(
        DbConnection connection, DbTransaction transaction, Snapshot snapshot, RegistryProto registry, long now, CancellationToken cancellationToken)
    {
        var touched = new SortedSet<string>(StringComparer.Ordinal);
        var projectsBefore = new HashSet<string>(StringComparer.Ordinal);
        var projectsAfter = new HashSet<string>(StringComparer.Ordinal);

        foreach (var table in SqlRegistryTable.All)
        {
            var old = snapshot.Rows[table].ToDictionary(r => r.Key, r => r.Value);
            var fresh = new Dictionary<RowKey, byte[]>();
            foreach (var (key, value) in table.Extract(registry))
            {
                if (!fresh.TryAdd(key, value))
                {
                    throw new RegistryException(
                        $"The registry holds two {table.Kind} objects named '{key.Name}' in project '{key.Project}'; names must be unique within a project.");
                }
            }
            foreach (var (key, value) in fresh)
            {
                projectsAfter.Add(key.Project);
                if (!old.TryGetValue(key, out var previous))
                    await table.InsertAsync(connection, transaction, key, value, now, cancellationToken).ConfigureAwait(false);
                else if (!previous.AsSpan().SequenceEqual(value))
                    await table.UpdateAsync(connection, transaction, key, value, now, cancellationToken).ConfigureAwait(false);
                else
                    continue;
                touched.Add(key.Project);
            }
            foreach (var key in old.Keys)
            {
                projectsBefore.Add(key.Project);
                if (fresh.ContainsKey(key))
                    continue;
                await table.DeleteAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false);
                touched.Add(key.Project);
            }
        }

        var oldUuids = snapshot.Metadata.Where(m => m.Key == ProjectUuidKey).ToDictionary(m => m.Project, m => m.Value, StringComparer.Ordinal);
        var newUuids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var metadata in RegistryStamp.ProjectMetadata(registry))
        {
            if (newUuids.TryGetValue(metadata.Project, out var other) && other != metadata.ProjectUuid)
            {
                throw new RegistryException(
                    $"The registry holds two project_metadata entries for project '{metadata.Project}' with different uuids ({other}, {metadata.ProjectUuid}).");
            }
            newUuids[metadata.Project] = metadata.ProjectUuid;
        }
        projectsBefore.UnionWith(oldUuids.Keys);
        projectsAfter.UnionWith(newUuids.Keys);
        foreach (var (project, uuid) in newUuids)
        {
            if (oldUuids.TryGetValue(project, out var previous) && previous == uuid)
                continue;
            await SetMetadataAsync(connection, transaction, project, ProjectUuidKey, uuid, now, cancellationToken).ConfigureAwait(false);
            touched.Add(project);
        }
        foreach (var project in oldUuids.Keys.Where(p => !newUuids.ContainsKey(p)))
        {
            await SqlRegistryTable.ExecuteAsync(connection, transaction,
                "DELETE FROM feast_metadata WHERE project_id = @project AND metadata_key = @key",
                cancellationToken, ("@project", project), ("@key", ProjectUuidKey)).ConfigureAwait(false);
            touched.Add(project);
        }

        foreach (var project in touched.Where(projectsAfter.Contains))
        {
            await SetMetadataAsync(connection, transaction, project, LastUpdatedKey, now.ToString(CultureInfo.InvariantCulture), now, cancellationToken)
                .ConfigureAwait(false);
        }
        // A project with nothing left loses its metadata too, as Python's delete_project does.
        foreach (var project in projectsBefore.Where(p => !projectsAfter.Contains(p)))
        {
            await SqlRegistryTable.ExecuteAsync(connection, transaction,
                "DELETE FROM feast_metadata WHERE project_id = @project", cancellationToken, ("@project", project)).ConfigureAwait(false);
        }
    }

    private static async Task SetMetadataAsync(
        DbConnection connection, DbTransaction transaction, string project, string key, string value, long now, CancellationToken cancellationToken)
    {
        // Update, then insert: works whether or not the table (perhaps created elsewhere) has its primary key.
        using var update = SqlRegistryTable.Command(connection, transaction,
            "UPDATE feast_metadata SET metadata_value = @value, last_updated_timestamp = @now WHERE project_id = @project AND metadata_key = @key",
            ("@project", project), ("@key", key), ("@value", value), ("@now", now));
        if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0)
            return;
        await SqlRegistryTable.ExecuteAsync(connection, transaction,
            "INSERT INTO feast_metadata (project_id, metadata_key, metadata_value, last_updated_timestamp) VALUES (@project, @key, @value, @now)",
            cancellationToken, ("@project", project), ("@key", key), ("@value", value), ("@now", now)).ConfigureAwait(false);
    }

    internal sealed record MetadataRow(string Project, string Key, string Value, long LastUpdatedTimestamp);

    /// <summary>All rows as read inside one transaction.</summary>
    internal sealed class Snapshot
    {
        public Dictionary<SqlRegistryTable, List<(RowKey Key, byte[] Value)>> Rows { get; } = [];

        public List<MetadataRow> Metadata { get; } = [];

        public bool IsEmpty => Metadata.Count == 0 && Rows.Values.All(r => r.Count == 0);

        public RegistryProto ToRegistry()
        {
            var registry = RegistryStamp.Empty();
            foreach (var table in SqlRegistryTable.All)
            {
                foreach (var (key, value) in Rows[table])
                    table.Load(registry, key, value);
                table.Finish(registry);
            }
            RegistryStamp.ProjectMetadata(registry).Add(Metadata
                .Where(m => m.Key == ProjectUuidKey)
                .Select(m => new ProjectMetadata { Project = m.Project, ProjectUuid = m.Value }));
            var lastUpdated = Metadata
                .Where(m => m.Key == LastUpdatedKey)
                .Select(m => long.TryParse(m.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? seconds : m.LastUpdatedTimestamp)
                .DefaultIfEmpty(-1)
                .Max();
            if (lastUpdated >= 0)
                registry.LastUpdated = new Timestamp { Seconds = lastUpdated };
            return registry;
        }
    }
}
