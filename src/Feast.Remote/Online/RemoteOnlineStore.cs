using Feast.Configuration;
using Feast.Online;
using Feast.Values;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Feast.Remote;

/// <summary>
/// Feast's remote online store (<c>online_store: {type: remote, path, cert}</c>): the online store of a Feast feature
/// server (<c>feast serve</c>), read through its <c>POST /get-online-features</c> and written through its
/// <c>POST /write-to-online-store</c>, as Python Feast's <c>RemoteOnlineStore</c> does. So <c>feast materialize</c>, push
/// and <c>write_to_online_store</c> of a client write through the server, and online reads come back with the values,
/// statuses and event timestamps the server's store holds, each value decoded as its feature's declared type.
/// </summary>
/// <remarks>
/// Beyond Python's client: views of the same entities are read in one request (full feature names keep them apart),
/// compound entity keys are sent whole, every row keeps its own event timestamp, and timestamps are sent under the names
/// the view's batch source gives them. The server owns the storage: <see cref="UpdateAsync"/> and
/// <see cref="TeardownAsync"/> do nothing, as in Feast. Entity keys must use <c>entity_key_serialization_version: 3</c>
/// (the default), the only version whose keys can be read back into join keys and values. JSON has no NaN: a NaN value
/// comes back as null.
/// </remarks>
public sealed class RemoteOnlineStore : IOnlineStore
{
    private const string ReadEndpoint = "/get-online-features";
    private const string WriteEndpoint = "/write-to-online-store";

    private readonly FeatureServerClient _client;
    private readonly ILogger _logger;

    /// <summary>Creates the store for <paramref name="options"/>.</summary>
    /// <param name="options">The <c>online_store</c> section.</param>
    /// <param name="config">The repo's configuration: its <c>auth</c> section, repo path (for a relative <c>cert</c>) and key version.</param>
    /// <param name="loggerFactory">Where the store logs.</param>
    /// <param name="tokens">The bearer token source; from <c>auth</c> (<see cref="ClientTokens.Create"/>) when null.</param>
    /// <exception cref="FeastConfigException">The path is not a URL, the certificate cannot be read, the key version is not 3, or the auth section gives no token.</exception>
    public RemoteOnlineStore(RemoteOnlineStoreOptions options, RepoConfig config, ILoggerFactory? loggerFactory = null, IClientTokenSource? tokens = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(config);
        if (config.EntityKeySerializationVersion != 3)
        {
            throw new FeastConfigException(
                $"feature_store.yaml: online_store type remote needs entity_key_serialization_version: 3 (the default), not {config.EntityKeySerializationVersion}: " +
                "the store sends entity keys to the feature server as join key values, and only version 3 keys can be read back. Set it to 3 (the server's own store is not affected).");
        }
        _client = new FeatureServerClient(options, config.RepoPath, tokens ?? ClientTokens.Create(config.Auth));
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Feast.Remote.RemoteOnlineStore");
    }

    /// <summary>The feature server's URL.</summary>
    public Uri Address => _client.Address;

    /// <summary>Batches go to the server four at a time (they never share a key, and the server writes them in its own store).</summary>
    public int MaterializationWritesInFlight => 4;

    /// <summary>Does nothing: the feature server's store keeps its own tables (its <c>feast apply</c> makes them).</summary>
    public Task UpdateAsync(string project, IReadOnlyList<FeatureView> viewsToKeep, IReadOnlyList<FeatureView> viewsToDelete, CancellationToken cancellationToken = default) =>
        Task.CompletedTask;

    /// <inheritdoc/>
    public string DescribeStorage(string project, FeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return $"feature server {_client.Address} (view {view.Name})";
    }

    /// <inheritdoc/>
    public async Task WriteBatchAsync(string project, FeatureView view, OnlineWriteBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0) return;
        var body = RemoteOnlineJson.WriteRequest(view, batch);
        await _client.PostAsync(WriteEndpoint, body, cancellationToken).ConfigureAwait(false);
        RemoteOnlineLog.Wrote(_logger, batch.Count, view.Name, _client.Address);
    }

    /// <inheritdoc/>
    public async Task<OnlineReadResult> ReadAsync(string project, FeatureView view, IReadOnlyList<byte[]> entityKeys, IReadOnlyList<string> featureNames,
        CancellationToken cancellationToken = default) =>
        (await ReadManyAsync(project, [new OnlineViewRead(view, entityKeys, featureNames)], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Reads the views of each set of entity keys (the reads sharing one key list) in one request.</summary>
    /// <inheritdoc/>
    public async Task<OnlineReadResult[]> ReadManyAsync(string project, IReadOnlyList<OnlineViewRead> reads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reads);
        var results = new OnlineReadResult[reads.Count];
        var groups = new List<(IReadOnlyList<byte[]> Keys, List<int> Reads)>();
        for (var r = 0; r < reads.Count; r++)
        {
            var group = groups.FindIndex(g => ReferenceEquals(g.Keys, reads[r].EntityKeys));
            if (group < 0) groups.Add((reads[r].EntityKeys, [r]));
            else groups[group].Reads.Add(r);
        }
        var tasks = groups.Select(g => ReadGroupAsync(reads, g.Keys, g.Reads, results, cancellationToken)).ToArray();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return results;
    }

    private async Task ReadGroupAsync(IReadOnlyList<OnlineViewRead> all, IReadOnlyList<byte[]> keys, List<int> indexes, OnlineReadResult[] results,
        CancellationToken cancellationToken)
    {
        var reads = indexes.Select(i => all[i]).ToArray();
        var groupResults = new OnlineReadResult[reads.Length];
        if (keys.Count == 0 || reads.All(r => r.FeatureNames.Count == 0))
        {
            for (var i = 0; i < reads.Length; i++) groupResults[i] = new OnlineReadResult(keys.Count, reads[i].FeatureNames);
        }
        else
        {
            var parts = new EntityKeyParts[keys.Count];
            for (var k = 0; k < parts.Length; k++) parts[k] = EntityKeySerializer.Deserialize(keys[k]);
            var answer = await _client.PostAsync(ReadEndpoint, RemoteOnlineJson.ReadRequest(reads, parts), cancellationToken).ConfigureAwait(false);
            RemoteOnlineJson.ReadAnswer(answer, reads, groupResults, keys.Count, _client.Address);
        }
        for (var i = 0; i < reads.Length; i++) results[indexes[i]] = groupResults[i];
    }

    /// <summary>Does nothing: the feature server's store is torn down where it runs (its <c>feast teardown</c>).</summary>
    public Task TeardownAsync(string project, IReadOnlyList<FeatureView> views, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}

internal static partial class RemoteOnlineLog
{
    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "Wrote {RowCount} rows of feature view {View} through the feature server {Address}")]
    public static partial void Wrote(ILogger logger, int rowCount, string view, Uri address);
}
