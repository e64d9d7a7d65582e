using Feast.Materialization;
using Feast.Online;

namespace Feast;

public sealed partial class FeatureStore
{
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
    public Task<OnlineFeaturesResponse> GetOnlineFeaturesAsync(OnlineFeaturesRequest request, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>
    /// Loads the latest row per entity with an event timestamp in [<paramref name="start"/>, <paramref name="end"/>]
    /// into the online store, for every online view (or <paramref name="views"/>), and records the interval.
    /// </summary>
    public Task<IReadOnlyList<ViewMaterialization>> MaterializeAsync(DateTimeOffset start, DateTimeOffset end, IEnumerable<string>? views = null,
        IProgress<MaterializationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>
    /// Materializes each view from where its last run ended (or now − ttl the first time) to <paramref name="end"/>.
    /// </summary>
    public Task<IReadOnlyList<ViewMaterialization>> MaterializeIncrementalAsync(DateTimeOffset end, IEnumerable<string>? views = null,
        IProgress<MaterializationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Writes <paramref name="rows"/> to every view fed by push source <paramref name="pushSourceName"/>, online and/or offline.</summary>
    public Task PushAsync(string pushSourceName, FeatureRows rows, PushMode to = PushMode.Online, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Writes <paramref name="rows"/> to the online storage of view <paramref name="featureViewName"/>.</summary>
    public Task WriteToOnlineStoreAsync(string featureViewName, FeatureRows rows, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Appends <paramref name="rows"/> to the batch source of view <paramref name="featureViewName"/>.</summary>
    public Task WriteToOfflineStoreAsync(string featureViewName, FeatureRows rows, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}
