using Feast.Configuration;

namespace Feast.Remote;

/// <summary>Registers the remote registry (<c>registry_type: remote</c>) with a <see cref="FeatureStore"/>.</summary>
public static class RemoteRegistryExtensions
{
    /// <summary>
    /// Serves <c>registry_type: remote</c>: the registry is read and written through the Feast registry server at
    /// <c>registry.path</c> (<see cref="RemoteRegistryStore"/>), with the bearer token of the <c>auth:</c> section.
    /// </summary>
    /// <param name="backends">The backends to register it in.</param>
    /// <returns><paramref name="backends"/>, for chaining.</returns>
    public static FeastBackends UseRemoteRegistry(this FeastBackends backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        return backends.AddRegistryStore(RegistryType.Remote, context => new RemoteRegistryStore(context.Config, context.LoggerFactory));
    }

    /// <summary>Registers the remote registry in <paramref name="options"/>' backends; see <see cref="UseRemoteRegistry(FeastBackends)"/>.</summary>
    /// <param name="options">The feature store options to register it in.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static FeatureStoreOptions UseRemoteRegistry(this FeatureStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Backends.UseRemoteRegistry();
        return options;
    }
}
