using Feast.Configuration;

namespace Feast.Redis;

/// <summary>Registers the Redis online store with a <see cref="FeatureStore"/>.</summary>
public static class RedisFeatureStoreOptionsExtensions
{
    /// <summary>Serves <c>online_store.type: redis</c> (single server and Redis Cluster).</summary>
    /// <param name="options">The feature store options to register the factory in.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static FeatureStoreOptions UseRedis(this FeatureStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.OnlineStoreFactories["redis"] = config => config.OnlineStore is RedisOnlineStoreOptions redis
            ? new RedisOnlineStore(redis, config.EntityKeySerializationVersion)
            : throw new FeastConfigException($"feature_store.yaml: online_store type '{config.OnlineStore?.Type}' is not a Redis store.");
        return options;
    }
}
