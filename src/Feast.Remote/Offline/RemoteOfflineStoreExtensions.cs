using Feast.Remote.Offline;

namespace Feast.Remote;

/// <summary>Registers the remote offline store (<c>offline_store: {type: remote}</c>) with a <see cref="FeatureStore"/>.</summary>
public static class RemoteOfflineStoreExtensions
{
    /// <summary>
    /// Serves <c>offline_store: {type: remote, host, port, scheme, cert}</c>: training data, pulls (materialization),
    /// offline writes and source schemas through a Feast offline server over Arrow Flight (<see cref="RemoteOfflineStore"/>),
    /// with the bearer token of the <c>auth:</c> section.
    /// </summary>
    /// <param name="backends">The backends to register it in.</param>
    /// <returns><paramref name="backends"/>, for chaining.</returns>
    public static FeastBackends UseRemoteOfflineStore(this FeastBackends backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        return backends.AddOfflineStore("remote", RemoteOfflineStoreOptions.Schema,
            (options, context) => new RemoteOfflineStore(options, context.Config),
            "feast.infra.offline_stores.remote.RemoteOfflineStore");
    }

    /// <summary>Registers the remote offline store in <paramref name="options"/>' backends; see <see cref="UseRemoteOfflineStore(FeastBackends)"/>.</summary>
    /// <param name="options">The feature store options to register it in.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static FeatureStoreOptions UseRemoteOfflineStore(this FeatureStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Backends.UseRemoteOfflineStore();
        return options;
    }
}
