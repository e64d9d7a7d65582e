// FeatureStore: online reads (get_online_features).
using Feast.Online;
using Feast.Registry;

namespace Feast;

public sealed partial class FeatureStore
{
    private OnlineRetriever? _onlineRetriever;

    /// <summary>The online reader once a read has been served (tests look at its plan cache).</summary>
    internal OnlineRetriever? OnlineRetrieverForTests => _onlineRetriever;

    private IOnlineStore RequireOnlineStore() =>
        OnlineStore ?? throw new Configuration.FeastConfigException($"Project '{Project}' has no online store configured; set online_store in feature_store.yaml (e.g. type: sqlite).");

    /// <summary>
    /// The latest values of <paramref name="features"/> for each of <paramref name="entityRows"/> from the online
    /// store (Feast's <c>get_online_features</c>), with on-demand features computed from them and the rows' request data.
    /// </summary>
    /// <param name="features">Feature references, <c>"view:feature"</c> (on-demand views too).</param>
    /// <param name="entityRows">Per row: join key → value, plus request-data fields of on-demand views.</param>
    /// <param name="fullFeatureNames">Name features <c>view__feature</c>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public Task<OnlineFeaturesResponse> GetOnlineFeaturesAsync(IEnumerable<string> features, IEnumerable<IReadOnlyDictionary<string, object?>> entityRows,
        bool fullFeatureNames = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        return GetOnlineFeaturesAsync(new OnlineFeaturesRequest(OnlineFeaturesRequest.Columns(entityRows)) { Features = [.. features], FullFeatureNames = fullFeatureNames },
            cancellationToken);
    }

    /// <summary>The latest values of a feature service's features; see <see cref="GetOnlineFeaturesAsync(IEnumerable{string}, IEnumerable{IReadOnlyDictionary{string, object}}, bool, CancellationToken)"/>.</summary>
    public Task<OnlineFeaturesResponse> GetOnlineFeaturesAsync(FeatureService featureService, IEnumerable<IReadOnlyDictionary<string, object?>> entityRows,
        bool fullFeatureNames = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(featureService);
        return GetOnlineFeaturesAsync(new OnlineFeaturesRequest(OnlineFeaturesRequest.Columns(entityRows)) { FeatureService = featureService.Name, FullFeatureNames = fullFeatureNames },
            cancellationToken);
    }

    /// <summary>An online read given column-major, as the feature server receives it.</summary>
    /// <exception cref="FeatureViewNotFoundException">A referenced view does not exist.</exception>
    /// <exception cref="FeatureServiceNotFoundException">The named service does not exist.</exception>
    /// <exception cref="RequestDataNotFoundInEntityRowsException">An on-demand view's request data is missing.</exception>
    /// <exception cref="FeastValidationException">A join key is missing, or a value does not fit its declared type.</exception>
    public async Task<OnlineFeaturesResponse> GetOnlineFeaturesAsync(OnlineFeaturesRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var store = RequireOnlineStore();
        var registry = await GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var retriever = Volatile.Read(ref _onlineRetriever) ?? PublishRetriever(store);
        return await retriever.GetAsync(registry, request, cancellationToken).ConfigureAwait(false);
    }

    // Requests racing on first use all get the one retriever published first (a loser's spare is dropped unused), so
    // they share one plan cache. Kept out of the read path so that a request after the first allocates no closure.
    private OnlineRetriever PublishRetriever(IOnlineStore store) =>
        LazyInitializer.EnsureInitialized(ref _onlineRetriever, () => new OnlineRetriever(store, Project,
            Config.EntityKeySerializationVersion, Config.OnlineStore?.EnforceTtl ?? false, _time, WithLocalTransform, _instruments));

    private string? _storageEnsuredFor;

    /// <summary>
    /// Creates the online storage (tables, key spaces) of every online view in the registry that this store has not
    /// created it for since the registry last changed; idempotent, and it never drops anything. A feature server calls it
    /// after each registry refresh, so a view applied by another process (through a registry server, by a client whose
    /// online store is remote) is served and written without an apply on the server's machine. Python Feast leaves this
    /// to a <c>feast apply</c> run beside the server.
    /// </summary>
    public async Task EnsureOnlineStorageAsync(CancellationToken cancellationToken = default)
    {
        if (OnlineStore is null) return;
        var registry = await GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (registry.VersionId.Length > 0 && registry.VersionId == Volatile.Read(ref _storageEnsuredFor)) return;
        List<FeatureView> views = [.. registry.FeatureViews.Values.Concat(registry.StreamFeatureViews.Values).Where(v => v.Online),
            .. registry.OnDemandFeatureViews.Values.Where(v => v.WriteToOnlineStore).Select(OnDemandStorage.ViewOf)];
        if (views.Count > 0) await OnlineStore.UpdateAsync(Project, views, [], cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _storageEnsuredFor, registry.VersionId);
    }
}
