using System.Runtime.CompilerServices;
using Apache.Arrow;
using Feast.Configuration;
using Feast.Offline;
using Feast.Registry;

namespace Feast.Remote.Offline;

/// <summary>
/// The remote offline store (<c>offline_store: {type: remote}</c>): every read and write of the offline store goes to a
/// Feast offline server (<c>feast serve_offline</c>) over Arrow Flight, as Python Feast's <c>RemoteOfflineStore</c> does,
/// so a client needs no source files or database credentials. Training data is a lazy <see cref="RetrievalJob"/> whose
/// exports (Arrow, Parquet, CSV, DataFrame) stream the server's batches; on-demand views are computed by the caller's
/// <see cref="FeatureStore"/>, as for any offline store.
/// </summary>
public sealed class RemoteOfflineStore : IOfflineStore
{
    private readonly OfflineFlightClient _client;
    private readonly string _project;

    /// <summary>Connects (lazily: nothing is sent until a call) to the server <paramref name="options"/> names.</summary>
    /// <param name="options">The <c>offline_store</c> section.</param>
    /// <param name="config">The repo's configuration: its project, repo path (for <c>cert</c>) and <c>auth</c> section.</param>
    /// <param name="tokens">The bearer token source; from <c>auth</c> (<see cref="ClientTokens.Create"/>) when null.</param>
    public RemoteOfflineStore(RemoteOfflineStoreOptions options, RepoConfig config, IClientTokenSource? tokens = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(config);
        _project = config.Project;
        _client = new OfflineFlightClient(options, tokens ?? ClientTokens.Create(config.Auth), config.RepoPath);
    }

    /// <summary>The server's address (<c>http://host:port</c>, or https).</summary>
    public Uri Address => _client.Address;

    /// <inheritdoc/>
    public RetrievalJob GetHistoricalFeatures(HistoricalRetrievalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new RemoteRetrievalJob(_client, _project, request);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<RecordBatch> PullLatestAsync(PullRequest request, CancellationToken cancellationToken = default) =>
        PullAsync("pull_latest_from_table_or_query", request, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<RecordBatch> PullAllAsync(PullRequest request, CancellationToken cancellationToken = default) =>
        PullAsync("pull_all_from_table_or_query", request, cancellationToken);

    private async IAsyncEnumerable<RecordBatch> PullAsync(string api, PullRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var source = request.Source;
        var timestampField = source.TimestampField.Length > 0 ? source.TimestampField : PullRequest.EventTimestampColumn;
        var createdField = source.CreatedTimestampColumn.Length > 0 ? source.CreatedTimestampColumn : null;
        var parameters = new Dictionary<string, object?>
        {
            ["data_source_name"] = source.Name,
            ["join_key_columns"] = request.JoinKeys,
            ["feature_name_columns"] = request.FeatureColumns,
            ["timestamp_field"] = timestampField,
            ["created_timestamp_column"] = createdField,
            ["start_date"] = IsoDate(request.Start),
            ["end_date"] = IsoDate(request.End),
        };
        // The server names the time columns as the source does; the store's contract names them event_timestamp and created_timestamp.
        var names = new Dictionary<string, string>(StringComparer.Ordinal) { [timestampField] = PullRequest.EventTimestampColumn };
        if (createdField is not null) names[createdField] = PullRequest.CreatedTimestampColumn;
        await foreach (var batch in _client.GetAsync(api, parameters, null, cancellationToken).ConfigureAwait(false))
            yield return Columns.Renamed(batch, names);
    }

    /// <inheritdoc/>
    public async Task WriteBatchAsync(FeatureView view, RecordBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(batch);
        var parameters = new Dictionary<string, object?>
        {
            ["feature_view_names"] = new[] { view.Name },
            ["progress"] = null,
            ["name_aliases"] = new string?[] { null },
        };
        await _client.PutAsync("offline_write_batch", parameters, new OutgoingTable(batch.Schema, [batch]), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SourceColumn>?> GetSourceSchemaAsync(DataSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var parameters = new Dictionary<string, object?> { ["data_source_proto"] = FeastObjectJson.Format(source, _project) };
        var columns = new List<SourceColumn>();
        await foreach (var batch in _client.GetAsync("get_table_column_names_and_types_from_data_source", parameters, null, cancellationToken).ConfigureAwait(false))
        {
            using (batch)
                columns.AddRange(Columns.SourceColumns(batch));
        }
        return columns;
    }

    /// <summary>A time as Python's <c>datetime.isoformat()</c> writes an aware one.</summary>
    internal static string IsoDate(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
