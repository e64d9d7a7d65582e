using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using System.Data.Common;

namespace Feast.Registry;

using Feast.Protos.Core;
using RegistryProto = Feast.Protos.Core.Registry;

/// <summary>Identifies one row: object name, project and (for version history only) version number.</summary>
internal readonly record struct RowKey(string Name, string Project, int Version = 0);

/// <summary>
/// One table of Feast's SQL registry (<c>sdk/python/feast/infra/registry/sql.py</c>): how its rows are
/// cut out of a <see cref="RegistryProto"/>, put back into one, and read and written. A row's value is
/// the serialized bytes that identify its content, so rows are compared by value to write only changes.
/// </summary>
internal abstract class SqlRegistryTable(string name, string kind, string createSql)
{
    public string Name { get; } = name;

    /// <summary>What the rows are, for messages ("entity", "feature view", ...).</summary>
    public string Kind { get; } = kind;

    public string CreateSql { get; } = createSql;

    public abstract IEnumerable<(RowKey Key, byte[] Value)> Extract(RegistryProto registry);

    public abstract void Load(RegistryProto registry, RowKey key, byte[] value);

    public abstract Task<List<(RowKey Key, byte[] Value)>> ReadAsync(DbConnection connection, DbTransaction transaction, SqlRegistryDialect dialect, CancellationToken cancellationToken);

    public abstract Task InsertAsync(DbConnection connection, DbTransaction transaction, RowKey key, byte[] value, long now, CancellationToken cancellationToken);

    public abstract Task UpdateAsync(DbConnection connection, DbTransaction transaction, RowKey key, byte[] value, long now, CancellationToken cancellationToken);

    public abstract Task DeleteAsync(DbConnection connection, DbTransaction transaction, RowKey key, CancellationToken cancellationToken);

    /// <summary>Called once after all rows are loaded, to tidy what per-row loading cannot.</summary>
    public virtual void Finish(RegistryProto registry)
    {
    }

    protected T ParseRow<T>(MessageParser<T> parser, RowKey key, byte[] value) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(value);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RegistryException($"The {Kind} row '{key.Name}' of project '{key.Project}' in table {Name} is not a valid protobuf message ({e.Message}).", e);
        }
    }

    internal static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (parameterName, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = parameterName;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>
    /// The <c>CREATE TABLE IF NOT EXISTS</c> statement for <paramref name="dialect"/>: the same columns everywhere, with
    /// the dialect's type for the proto columns (SQLAlchemy's <c>LargeBinary</c>: BLOB on SQLite, BYTEA on PostgreSQL).
    /// </summary>
    public string CreateSqlFor(SqlRegistryDialect dialect) => CreateSql.Replace(" BLOB", " " + dialect.BinaryType, StringComparison.Ordinal);

    internal static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every table of Feast's SQL registry, in the order their objects appear in a registry.</summary>
    public static IReadOnlyList<SqlRegistryTable> All { get; } =
    [
        new ProtoTable<Project>("projects", "project", "project_name", "project_proto", Project.Parser,
            """
            CREATE TABLE IF NOT EXISTS projects (
                project_id TEXT NOT NULL PRIMARY KEY,
                project_name TEXT NOT NULL,
                last_updated_timestamp BIGINT NOT NULL,
                project_proto BLOB NOT NULL)
            """,
            r => r.Projects.Select(p => (p.Spec?.Name ?? "", p.Spec?.Name ?? "", p)), (r, p) => r.Projects.Add(p)),
        new ProtoTable<Entity>("entities", "entity", "entity_name", "entity_proto", Entity.Parser,
            ObjectTableSql("entities", "entity_name", "entity_proto"),
            r => r.Entities.Select(e => (e.Spec?.Name ?? "", e.Spec?.Project ?? "", e)), (r, e) => r.Entities.Add(e)),
        new ProtoTable<DataSource>("data_sources", "data source", "data_source_name", "data_source_proto", DataSource.Parser,
            ObjectTableSql("data_sources", "data_source_name", "data_source_proto"),
            r => r.DataSources.Select(d => (d.Name, d.Project, d)), (r, d) => r.DataSources.Add(d)),
        new ProtoTable<FeatureView>("feature_views", "feature view", "feature_view_name", "feature_view_proto", FeatureView.Parser,
            """
            CREATE TABLE IF NOT EXISTS feature_views (
                feature_view_name TEXT NOT NULL,
                project_id TEXT NOT NULL,
                last_updated_timestamp BIGINT NOT NULL,
                materialized_intervals BLOB,
                feature_view_proto BLOB NOT NULL,
                user_metadata BLOB,
                PRIMARY KEY (feature_view_name, project_id))
            """,
            r => r.FeatureViews.Select(v => (v.Spec?.Name ?? "", v.Spec?.Project ?? "", v)), (r, v) => r.FeatureViews.Add(v)),
        new ProtoTable<StreamFeatureView>("stream_feature_views", "stream feature view", "feature_view_name", "feature_view_proto", StreamFeatureView.Parser,
            FeatureViewTableSql("stream_feature_views"),
            r => r.StreamFeatureViews.Select(v => (v.Spec?.Name ?? "", v.Spec?.Project ?? "", v)), (r, v) => r.StreamFeatureViews.Add(v)),
        new ProtoTable<OnDemandFeatureView>("on_demand_feature_views", "on demand feature view", "feature_view_name", "feature_view_proto", OnDemandFeatureView.Parser,
            FeatureViewTableSql("on_demand_feature_views"),
            r => r.OnDemandFeatureViews.Select(v => (v.Spec?.Name ?? "", v.Spec?.Project ?? "", v)), (r, v) => r.OnDemandFeatureViews.Add(v)),
        new ProtoTable<LabelView>("label_views", "label view", "feature_view_name", "feature_view_proto", LabelView.Parser,
            FeatureViewTableSql("label_views"),
            r => r.LabelViews.Select(v => (v.Spec?.Name ?? "", v.Spec?.Project ?? "", v)), (r, v) => r.LabelViews.Add(v)),
        new ProtoTable<FeatureService>("feature_services", "feature service", "feature_service_name", "feature_service_proto", FeatureService.Parser,
            ObjectTableSql("feature_services", "feature_service_name", "feature_service_proto"),
            r => r.FeatureServices.Select(s => (s.Spec?.Name ?? "", s.Spec?.Project ?? "", s)), (r, s) => r.FeatureServices.Add(s)),
        new ProtoTable<SavedDataset>("saved_datasets", "saved dataset", "saved_dataset_name", "saved_dataset_proto", SavedDataset.Parser,
            ObjectTableSql("saved_datasets", "saved_dataset_name", "saved_dataset_proto"),
            r => r.SavedDatasets.Select(d => (d.Spec?.Name ?? "", d.Spec?.Project ?? "", d)), (r, d) => r.SavedDatasets.Add(d)),
        new ProtoTable<ValidationReference>("validation_references", "validation reference", "validation_reference_name", "validation_reference_proto", ValidationReference.Parser,
            ObjectTableSql("validation_references", "validation_reference_name", "validation_reference_proto"),
            r => r.ValidationReferences.Select(v => (v.Name, v.Project, v)), (r, v) => r.ValidationReferences.Add(v)),
        new ProtoTable<Permission>("permissions", "permission", "permission_name", "permission_proto", Permission.Parser,
            ObjectTableSql("permissions", "permission_name", "permission_proto"),
            r => r.Permissions.Select(p => (p.Spec?.Name ?? "", p.Spec?.Project ?? "", p)), (r, p) => r.Permissions.Add(p)),
        new InfraTable(),
        new VersionHistoryTable(),
    ];

    private static string ObjectTableSql(string table, string nameColumn, string protoColumn) =>
        $"""
        CREATE TABLE IF NOT EXISTS {table} (
            {nameColumn} TEXT NOT NULL,
            project_id TEXT NOT NULL,
            last_updated_timestamp BIGINT NOT NULL,
            {protoColumn} BLOB NOT NULL,
            PRIMARY KEY ({nameColumn}, project_id))
        """;

    private static string FeatureViewTableSql(string table) =>
        $"""
        CREATE TABLE IF NOT EXISTS {table} (
            feature_view_name TEXT NOT NULL,
            project_id TEXT NOT NULL,
            last_updated_timestamp BIGINT NOT NULL,
            feature_view_proto BLOB NOT NULL,
            user_metadata BLOB,
            PRIMARY KEY (feature_view_name, project_id))
        """;
}

/// <summary>A table with one serialized message per (name, project) row.</summary>
internal class ProtoTable<T>(
    string name,
    string kind,
    string nameColumn,
    string protoColumn,
    MessageParser<T> parser,
    string createSql,
    Func<RegistryProto, IEnumerable<(string Name, string Project, T Message)>> extract,
    Action<RegistryProto, T> load) : SqlRegistryTable(name, kind, createSql)
    where T : IMessage<T>
{
    public override IEnumerable<(RowKey Key, byte[] Value)> Extract(RegistryProto registry) =>
        extract(registry).Select(o => (new RowKey(o.Name, o.Project), o.Message.ToByteArray()));

    public override void Load(RegistryProto registry, RowKey key, byte[] value) => load(registry, ParseRow(parser, key, value));

    public override async Task<List<(RowKey Key, byte[] Value)>> ReadAsync(DbConnection connection, DbTransaction transaction, SqlRegistryDialect dialect, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, $"SELECT {nameColumn}, project_id, {protoColumn} FROM {Name} ORDER BY project_id{dialect.Collate}, {nameColumn}{dialect.Collate}");
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var rows = new List<(RowKey, byte[])>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                rows.Add((new RowKey(reader.GetString(0), reader.GetString(1)), (byte[])reader.GetValue(2)));
            return rows;
        }
    }

    public override Task InsertAsync(DbConnection connection, DbTransaction transaction, RowKey key, byte[] value, long now, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            $"INSERT INTO {Name} ({nameColumn}, project_id, last_updated_timestamp, {protoColumn}) VALUES (@name, @project, @now, @proto)",
            cancellationToken, ("@name", key.Name), ("@project", key.Project), ("@now", now), ("@proto", value));

    // Only the proto and the timestamp change: columns Feast.NET does not manage (user_metadata,
    // materialized_intervals) keep what Python Feast put there.
    public override Task UpdateAsync(DbConnection connection, DbTransaction transaction, RowKey key, byte[] value, long now, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            $"UPDATE {Name} SET {protoColumn} = @proto, last_updated_timestamp = @now WHERE {nameColumn} = @name AND project_id = @project",
            cancellationToken, ("@name", key.Name), ("@project", key.Project), ("@now", now), ("@proto", value));

    public override Task DeleteAsync(DbConnection connection, DbTransaction transaction, RowKey key, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            $"DELETE FROM {Name} WHERE {nameColumn} = @name AND project_id = @project",
            cancellationToken, ("@name", key.Name), ("@project", key.Project));
}

/// <summary>
/// <c>managed_infra</c>: one row per project named <c>infra_obj</c>, while a registry has a single
/// <c>infra</c>. Reading concatenates the projects' objects; writing gives each project the objects
/// that name it (a SQLite table <c>{project}_{view}</c>, a Datastore table's project) plus those that
/// name no project.
/// </summary>
internal sealed class InfraTable() : ProtoTable<Infra>("managed_infra", "infra", "infra_name", "infra_proto", Infra.Parser,
    """
    CREATE TABLE IF NOT EXISTS managed_infra (
        infra_name TEXT NOT NULL,
        project_id TEXT NOT NULL,
        last_updated_timestamp BIGINT NOT NULL,
        infra_proto BLOB NOT NULL,
        PRIMARY KEY (infra_name, project_id))
    """,
    Split, (r, infra) => (r.Infra ??= new Infra()).InfraObjects.Add(infra.InfraObjects))
{
    public const string RowName = "infra_obj";

    public override void Finish(RegistryProto registry)
    {
        if (registry.Infra is null)
            return;
        // Objects shared by several projects were written to each of them: keep one copy.
        var seen = new HashSet<ByteString>();
        var unique = registry.Infra.InfraObjects.Where(o => seen.Add(o.ToByteString())).ToList();
        registry.Infra.InfraObjects.Clear();
        registry.Infra.InfraObjects.Add(unique);
    }

    private static IEnumerable<(string, string, Infra)> Split(RegistryProto registry)
    {
        if (registry.Infra is not { InfraObjects.Count: > 0 } infra)
            yield break;
        var projects = SqlRegistryStore.ProjectsOf(registry);
        var byProject = projects.ToDictionary(p => p, _ => new Infra(), StringComparer.Ordinal);
        var shared = new List<InfraObject>();
        foreach (var infraObject in infra.InfraObjects)
        {
            if (ProjectOf(infraObject, projects) is { } project && byProject.TryGetValue(project, out var own))
                own.InfraObjects.Add(infraObject);
            else
                shared.Add(infraObject);
        }
        foreach (var project in projects)
        {
            var rowInfra = byProject[project];
            rowInfra.InfraObjects.Add(shared);
            if (rowInfra.InfraObjects.Count > 0)
                yield return (RowName, project, rowInfra);
        }
    }

    private static string? ProjectOf(InfraObject infraObject, IReadOnlyCollection<string> projects) => infraObject.InfraObjectCase switch
    {
        InfraObject.InfraObjectOneofCase.DatastoreTable when infraObject.DatastoreTable.Project.Length > 0 => infraObject.DatastoreTable.Project,
        // Python names SQLite online tables "{project}_{feature view}"; the longest matching project wins.
        InfraObject.InfraObjectOneofCase.SqliteTable => projects
            .Where(p => infraObject.SqliteTable.Name.StartsWith(p + "_", StringComparison.Ordinal))
            .MaxBy(p => p.Length),
        _ => null,
    };
}

/// <summary>
/// <c>feature_view_version_history</c>: one row per version record. The columns follow
/// FEAST-FORMATS §3.6; their types and the key (name, project, version) are inferred [unverified].
/// <c>created_timestamp</c> is kept as epoch seconds, like every other timestamp column.
/// </summary>
internal sealed class VersionHistoryTable() : SqlRegistryTable("feature_view_version_history", "feature view version",
    """
    CREATE TABLE IF NOT EXISTS feature_view_version_history (
        feature_view_name TEXT NOT NULL,
        project_id TEXT NOT NULL,
        version_number INTEGER NOT NULL,
        feature_view_type TEXT NOT NULL,
        feature_view_proto BLOB NOT NULL,
        created_timestamp BIGINT NOT NULL,
        description TEXT,
        version_id TEXT,
        PRIMARY KEY (feature_view_name, project_id, version_number))
    """)
{
    public override IEnumerable<(RowKey Key, byte[] Value)> Extract(RegistryProto registry) =>
        registry.FeatureViewVersionHistory?.Records.Select(r => (Key(r), Normalize(r).ToByteArray())) ?? [];

    public override void Load(RegistryProto registry, RowKey key, byte[] value) =>
        (registry.FeatureViewVersionHistory ??= new FeatureViewVersionHistory()).Records.Add(ParseRow(FeatureViewVersionRecord.Parser, key, value));

    public override async Task<List<(RowKey Key, byte[] Value)>> ReadAsync(DbConnection connection, DbTransaction transaction, SqlRegistryDialect dialect, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction,
            $"SELECT feature_view_name, project_id, version_number, feature_view_type, feature_view_proto, created_timestamp, description, version_id FROM {Name} ORDER BY project_id{dialect.Collate}, feature_view_name{dialect.Collate}, version_number");
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var rows = new List<(RowKey, byte[])>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var record = new FeatureViewVersionRecord
                {
                    FeatureViewName = reader.GetString(0),
                    ProjectId = reader.GetString(1),
                    VersionNumber = reader.GetInt32(2),
                    FeatureViewType = reader.IsDBNull(3) ? "" : reader.GetString(3),
                    FeatureViewProto = reader.IsDBNull(4) ? ByteString.Empty : ByteString.CopyFrom((byte[])reader.GetValue(4)),
                    CreatedTimestamp = ReadTimestamp(reader.GetValue(5)),
                    Description = reader.IsDBNull(6) ? "" : reader.GetString(6),
                    VersionId = reader.IsDBNull(7) ? "" : reader.GetString(7),
                };
                rows.Add((Key(record), record.ToByteArray()));
            }
            return rows;
        }
    }

    public override Task InsertAsync(DbConnection connection, DbTransaction transaction, RowKey key, byte[] value, long now, CancellationToken cancellationToken)
    {
        var r = FeatureViewVersionRecord.Parser.ParseFrom(value);
        return ExecuteAsync(connection, transaction,
            $"""
            INSERT INTO {Name} (feature_view_name, project_id, version_number, feature_view_type, feature_view_proto, created_timestamp, description, version_id)
            VALUES (@name, @project, @version, @type, @proto, @created, @description, @versionId)
            """,
            cancellationToken, Parameters(r));
    }

    public override Task UpdateAsync(DbConnection connection, DbTransaction transaction, RowKey key, byte[] value, long now, CancellationToken cancellationToken)
    {
        var r = FeatureViewVersionRecord.Parser.ParseFrom(value);
        return ExecuteAsync(connection, transaction,
            $"""
            UPDATE {Name} SET feature_view_type = @type, feature_view_proto = @proto, created_timestamp = @created, description = @description, version_id = @versionId
            WHERE feature_view_name = @name AND project_id = @project AND version_number = @version
            """,
            cancellationToken, Parameters(r));
    }

    public override Task DeleteAsync(DbConnection connection, DbTransaction transaction, RowKey key, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            $"DELETE FROM {Name} WHERE feature_view_name = @name AND project_id = @project AND version_number = @version",
            cancellationToken, ("@name", key.Name), ("@project", key.Project), ("@version", key.Version));

    private static RowKey Key(FeatureViewVersionRecord r) => new(r.FeatureViewName, r.ProjectId, r.VersionNumber);

    /// <summary>The record as a row stores it: the creation time to whole seconds, epoch 0 meaning none.</summary>
    private static FeatureViewVersionRecord Normalize(FeatureViewVersionRecord record)
    {
        var normalized = record.Clone();
        normalized.CreatedTimestamp = FromSeconds(record.CreatedTimestamp?.Seconds ?? 0);
        return normalized;
    }

    private static Timestamp? FromSeconds(long seconds) => seconds == 0 ? null : new Timestamp { Seconds = seconds };

    private static Timestamp? ReadTimestamp(object value) => value switch
    {
        long seconds => FromSeconds(seconds),
        string text when Values.FeastTimestamp.TryParse(text, out var parsed) => FromSeconds(parsed.ToUnixTimeSeconds()),
        _ => null,
    };

    private static (string, object?)[] Parameters(FeatureViewVersionRecord r) =>
    [
        ("@name", r.FeatureViewName), ("@project", r.ProjectId), ("@version", r.VersionNumber),
        ("@type", r.FeatureViewType), ("@proto", r.FeatureViewProto.ToByteArray()),
        ("@created", r.CreatedTimestamp?.Seconds ?? 0), ("@description", r.Description), ("@versionId", r.VersionId),
    ];
}
