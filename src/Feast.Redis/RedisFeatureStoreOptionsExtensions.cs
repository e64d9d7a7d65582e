using Feast.Configuration;

namespace Feast.Redis;

/// <summary>Registers the Redis online store with a <see cref="FeatureStore"/>.</summary>
public static class RedisFeatureStoreOptionsExtensions
{
    /// <summary>
    /// Serves <c>online_store.type: redis</c> (single server, Redis Cluster and Sentinel): its yaml keys
    /// (<see cref="RedisOnlineStoreOptions"/>) and its store.
    /// </summary>
    /// <param name="backends">The backends to register it in.</param>
    /// <returns><paramref name="backends"/>, for chaining.</returns>
    public static FeastBackends UseRedis(this FeastBackends backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        return backends.AddOnlineStore(
            "redis",
            RedisConfiguration.Schema,
            (redis, context) => new RedisOnlineStore(redis, context.Config.EntityKeySerializationVersion),
            "feast.infra.online_stores.redis.RedisOnlineStore");
    }

    /// <summary>Registers Redis in <paramref name="options"/>' backends; see <see cref="UseRedis(FeastBackends)"/>.</summary>
    /// <param name="options">The feature store options to register the backend in.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static FeatureStoreOptions UseRedis(this FeatureStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Backends.UseRedis();
        return options;
    }
}
