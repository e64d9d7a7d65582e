using Feast.Configuration;

namespace Feast.Remote;

/// <summary>Registers the remote online store (<c>online_store: {type: remote}</c>) with a <see cref="FeatureStore"/>.</summary>
public static class RemoteOnlineStoreExtensions
{
    /// <summary>
    /// Serves <c>online_store.type: remote</c>: online reads and writes go through the Feast feature server at
    /// <c>online_store.path</c> (<see cref="RemoteOnlineStore"/>), with the bearer token of the <c>auth:</c> section.
    /// </summary>
    /// <param name="backends">The backends to register it in.</param>
    /// <returns><paramref name="backends"/>, for chaining.</returns>
    public static FeastBackends UseRemoteOnlineStore(this FeastBackends backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        // The section's keys are Feast's and built into core; this package adds the store behind them.
        var schema = (OptionsSchema<RemoteOnlineStoreOptions>)new RemoteOnlineStoreOptions().YamlKeys();
        return backends.AddOnlineStore("remote", schema, (options, context) => new RemoteOnlineStore(options, context.Config, context.LoggerFactory),
            "feast.infra.online_stores.remote.RemoteOnlineStore");
    }

    /// <summary>Registers the remote online store in <paramref name="options"/>' backends; see <see cref="UseRemoteOnlineStore(FeastBackends)"/>.</summary>
    /// <param name="options">The feature store options to register it in.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static FeatureStoreOptions UseRemoteOnlineStore(this FeatureStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Backends.UseRemoteOnlineStore();
        return options;
    }
}
