using System.Runtime.CompilerServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using Feast.Offline;
using Feast.Permissions;
using Feast.Registry;
using Feast.Server.Hosting;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Feast.Server.OfflineServer;

/// <summary>
/// What each api of Feast's offline server does with the served store: the reads (<c>get_historical_features</c>, the
/// pulls, a source's columns) as a stream of record batches straight from the store's job, never held whole; the writes
/// (<c>offline_write_batch</c>, <c>persist</c>, <c>validate_data_source</c>, <c>write_logged_features</c>). Views and data
/// sources are found by name in the server's own registry, as Feast's server finds them; READ_OFFLINE is checked on
/// what is read and WRITE_OFFLINE on what is written.
/// </summary>
internal sealed partial class OfflineApis(FeastServerState state, FeastAuthorization authorization)
{
    private static readonly AuthzedAction[] ReadOffline = [AuthzedAction.ReadOffline];
    private static readonly AuthzedAction[] WriteOffline = [AuthzedAction.WriteOffline];

    // A pull_all without dates reads everything; these bound it inside every engine's timestamp range.
    private static readonly DateTimeOffset Earliest = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Latest = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private FeatureStore Store => state.Store;

    /// <summary>The batches a read api answers with.</summary>
    public async IAsyncEnumerable<RecordBatch> ReadAsync(OfflineCommand command, PutTable table, ServerCallContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var http = context.GetHttpContext();
        IAsyncEnumerable<RecordBatch> batches = command.Api switch
        {
            OfflineApi.GetHistoricalFeatures => (await HistoricalAsync(command, table, http, cancellationToken).ConfigureAwait(false)).ToArrowAsync(cancellationToken),
            OfflineApi.PullAll or OfflineApi.PullLatest => await PullAsync(command, command.Api == OfflineApi.PullLatest, http, cancellationToken).ConfigureAwait(false),
            _ => SourceColumnsAsync(command, http, cancellationToken),
        };
        await foreach (var batch in batches.WithCancellation(cancellationToken).ConfigureAwait(false))
            yield return batch;
    }

    /// <summary>Runs a write api.</summary>
    public Task WriteAsync(OfflineCommand command, PutTable table, ServerCallContext context, CancellationToken cancellationToken)
    {
        var http = context.GetHttpContext();
        return command.Api switch
        {
            OfflineApi.OfflineWriteBatch => WriteBatchAsync(command, table, http, cancellationToken),
            OfflineApi.Persist => PersistAsync(command, table, http, cancellationToken),
            OfflineApi.ValidateDataSource => ValidateAsync(command, http, cancellationToken),
            _ => WriteLoggedFeaturesAsync(command, http, cancellationToken),
        };
    }

    // ---- get_historical_features -------------------------------------------------------------------------------

    private async Task<RetrievalJob> HistoricalAsync(OfflineCommand command, PutTable table, HttpContext http, CancellationToken cancellationToken)
    {
        var names = command.Names("feature_view_names");
        var aliases = command.Strings("name_aliases");
        if (aliases.Count != names.Count)
            throw new FeastValidationException($"The command has {names.Count} feature_view_names but {aliases.Count} name_aliases; send one alias (or null) per view.");
        var refs = command.Names("feature_refs");
        var project = command.String("project");
        var fullFeatureNames = command.Boolean("full_feature_names");
        var registry = await RegistryAsync(project, cancellationToken).ConfigureAwait(false);
        var views = names.Select(n => FindView(registry, n)).ToList();
        // On-demand views named by the references are computed here from their sources, so they are read too.
        var onDemand = refs.Select(r => r.Split(':')[0]).Distinct(StringComparer.Ordinal)
            .Where(registry.OnDemandFeatureViews.ContainsKey).Select(n => new SecuredResource(PermissionResourceType.OnDemandFeatureView, registry.OnDemandFeatureViews[n]));
        await AuthorizeAsync(http, [.. views, .. onDemand], ReadOffline, cancellationToken).ConfigureAwait(false);

        var start = command.Date("start_date");
        var end = command.Date("end_date");
        EntityData? entities = null;
        if (!table.IsPlaceholder)
        {
            entities = table.Batches.Count > 0 ? EntityData.FromArrow(table.Batches)
                : throw new FeastValidationException("The entity table has a schema but no record batches; send at least one batch (it may have zero rows).");
        }
        else if (command.OptionalString("entity_df_sql") is { } sql)
        {
            entities = EntityData.FromSql(sql);
        }
        return entities is null
            ? await Store.GetHistoricalFeaturesAsync(refs, start, end, fullFeatureNames, cancellationToken).ConfigureAwait(false)
            : await Store.GetHistoricalFeaturesAsync(entities, refs, fullFeatureNames, cancellationToken).ConfigureAwait(false);
    }

    // ---- pulls ----------------------------------------------------------------------------------------------------

    private async Task<IAsyncEnumerable<RecordBatch>> PullAsync(OfflineCommand command, bool latest, HttpContext http, CancellationToken cancellationToken)
    {
        var sourceName = command.String("data_source_name");
        var joinKeys = command.Names("join_key_columns");
        var features = command.Names("feature_name_columns");
        var timestampField = command.String("timestamp_field");
        var createdField = command.OptionalString("created_timestamp_column");
        var start = command.Date("start_date");
        var end = command.Date("end_date");
        if (latest && (start is null || end is null))
            throw new FeastValidationException($"{OfflineApi.PullLatest} needs start_date and end_date (ISO 8601 dates).");
        var registry = await Store.GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var source = FindSource(registry, sourceName);
        await AuthorizeAsync(http, [new SecuredResource(PermissionResourceType.DataSource, source)], ReadOffline, cancellationToken).ConfigureAwait(false);
        var request = new PullRequest(source.BatchSourceOrSelf(), joinKeys, features, start ?? Earliest, end ?? Latest);
        var rows = latest ? Store.OfflineStore.PullLatestAsync(request, cancellationToken) : Store.OfflineStore.PullAllAsync(request, cancellationToken);
        // Feast's pulls name the time columns as the source does; the store's stream names them event_timestamp and created_timestamp.
        var names = new Dictionary<string, string>(StringComparer.Ordinal) { [PullRequest.EventTimestampColumn] = timestampField };
        if (!string.IsNullOrEmpty(createdField)) names[PullRequest.CreatedTimestampColumn] = createdField;
        return Renamed(rows, names, cancellationToken);
    }

    /// <summary>The batches of <paramref name="batches"/> with the columns of <paramref name="names"/> renamed (no data copied).</summary>
    internal static async IAsyncEnumerable<RecordBatch> Renamed(IAsyncEnumerable<RecordBatch> batches, IReadOnlyDictionary<string, string> names,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Schema? renamed = null;
        await foreach (var batch in batches.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            renamed ??= Rename(batch.Schema, names);
            yield return ReferenceEquals(renamed, batch.Schema) ? batch : new RecordBatch(renamed, batch.Arrays, batch.Length);
        }
    }

    /// <summary><paramref name="schema"/> with the fields of <paramref name="names"/> renamed; itself when none is.</summary>
    internal static Schema Rename(Schema schema, IReadOnlyDictionary<string, string> names)
    {
        if (!schema.FieldsList.Any(f => names.TryGetValue(f.Name, out var to) && to != f.Name)) return schema;
        var fields = schema.FieldsList.Select(f => names.TryGetValue(f.Name, out var to) ? new Apache.Arrow.Field(to, f.DataType, f.IsNullable, f.Metadata) : f);
        return new Schema(fields, schema.Metadata);
    }

    // ---- get_table_column_names_and_types_from_data_source -----------------------------------------------------

    private async IAsyncEnumerable<RecordBatch> SourceColumnsAsync(OfflineCommand command, HttpContext http, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var source = SourceFromProto(command);
        await AuthorizeAsync(http, [new SecuredResource(PermissionResourceType.DataSource, source)], ReadOffline, cancellationToken).ConfigureAwait(false);
        var columns = await Store.OfflineStore.GetSourceSchemaAsync(source, cancellationToken).ConfigureAwait(false)
            ?? throw new FeastValidationException($"The offline store of this server ({Store.Config.OfflineStore.Type}) cannot read the columns of {source.SourceTypeName} '{source.Name}'.");
        yield return SourceColumnTable.ToBatch(source, columns);
    }

    // ---- writes -----------------------------------------------------------------------------------------------------

    private async Task WriteBatchAsync(OfflineCommand command, PutTable table, HttpContext http, CancellationToken cancellationToken)
    {
        var names = command.Names("feature_view_names");
        var aliases = command.Strings("name_aliases");
        if (names.Count != 1) throw new FeastValidationException("feature_view_names list should only have one item: offline_write_batch writes to one feature view.");
        if (aliases.Count != 1) throw new FeastValidationException("name_aliases list should only have one item: offline_write_batch writes to one feature view.");
        var registry = await Store.GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var view = FindView(registry, names[0]);
        await AuthorizeAsync(http, [view], WriteOffline, cancellationToken).ConfigureAwait(false);
        if (table.Concatenated() is not { Length: > 0 } batch) return;
        // The rows were all received before this point; once the write starts it completes (or fails) as a whole,
        // even when the client goes away, so a cut connection never leaves part of a batch behind.
        await Store.OfflineStore.WriteBatchAsync((FeatureView)view.Resource, batch, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task ValidateAsync(OfflineCommand command, HttpContext http, CancellationToken cancellationToken)
    {
        var source = SourceFromProto(command);
        await AuthorizeAsync(http, [new SecuredResource(PermissionResourceType.DataSource, source)], ReadOffline, cancellationToken).ConfigureAwait(false);
        await Store.OfflineStore.GetSourceSchemaAsync(source, cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteLoggedFeaturesAsync(OfflineCommand command, HttpContext http, CancellationToken cancellationToken)
    {
        var name = command.String("feature_service_name");
        var registry = await Store.GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var service = registry.GetFeatureService(name);
        await AuthorizeAsync(http, [new SecuredResource(PermissionResourceType.FeatureService, service)], WriteOffline, cancellationToken).ConfigureAwait(false);
        throw new FeastValidationException(
            $"write_logged_features is not supported by Feast.NET's offline server: feature logging (feature service '{ServerErrors.Clip(name)}') is not implemented. Log features with Python Feast, or write them with offline_write_batch to a feature view.");
    }

    // ---- lookups --------------------------------------------------------------------------------------------------

    private async Task<RegistrySnapshot> RegistryAsync(string project, CancellationToken cancellationToken)
    {
        var registry = await Store.GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (project != registry.Project)
            throw new FeastValidationException($"This offline server serves project '{registry.Project}', not '{ServerErrors.Clip(project)}'. Point offline_store at the server of project '{ServerErrors.Clip(project)}', or set project to '{registry.Project}'.");
        return registry;
    }

    /// <summary>The feature view or stream feature view called <paramref name="name"/>, as Feast's server looks it up.</summary>
    private static SecuredResource FindView(RegistrySnapshot registry, string name) =>
        registry.FeatureViews.TryGetValue(name, out var view) ? new SecuredResource(PermissionResourceType.FeatureView, view)
        : registry.StreamFeatureViews.TryGetValue(name, out var stream) ? new SecuredResource(PermissionResourceType.StreamFeatureView, stream)
        : throw new FeatureViewNotFoundException(name, registry.Project);

    /// <summary>The data source called <paramref name="name"/>: a registered one, else a feature view's batch source of that name.</summary>
    private static DataSource FindSource(RegistrySnapshot registry, string name) =>
        registry.DataSources.TryGetValue(name, out var source) ? source
        : registry.FeatureViews.Values.Concat(registry.StreamFeatureViews.Values).Select(v => v.BatchSource).FirstOrDefault(s => s?.Name == name)
        ?? throw new DataSourceObjectNotFoundException(name, registry.Project);

    private DataSource SourceFromProto(OfflineCommand command)
    {
        var json = command.String("data_source_proto");
        try
        {
            var parser = new Google.Protobuf.JsonParser(Google.Protobuf.JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
            var message = parser.Parse<Feast.Protos.Core.DataSource>(json);
            return (DataSource)FeastObjectBytes.Read("DataSource", Google.Protobuf.MessageExtensions.ToByteArray(message), Store.Backends);
        }
        catch (Exception e) when (e is Google.Protobuf.InvalidProtocolBufferException or InvalidOperationException or FormatException or RegistryException)
        {
            throw new FeastValidationException($"data_source_proto is not a feast.core.DataSource in protobuf JSON ({ServerErrors.ForClient(e.Message)}). Send str(data_source) as Feast's client does.");
        }
    }

    private ValueTask AuthorizeAsync(HttpContext http, IReadOnlyList<SecuredResource> resources, AuthzedAction[] actions, CancellationToken cancellationToken) =>
        authorization.AuthorizeAsync(http, resources, (_, r) => r, actions, cancellationToken);
}
