using Feast.Configuration;

namespace Feast.Redis.Tests.Configuration;

/// <summary>The Redis online store yaml keys, bound through the schema <c>UseRedis()</c> registers (moved from Feast.Tests' RepoConfigParseTests).</summary>
public class RedisConfigParseTests
{
    private const string Minimal = "project: my_project\nregistry: data/registry.db\n";

    private static RepoConfig ParseWith(string extraYaml) =>
        RepoConfigLoader.Parse(Minimal + extraYaml, Path.GetTempPath(), "feature_store.yaml", new FeastBackends().UseRedis());

    [Fact]
    public void Parse_OnlineStoreString_IsThatTypeWithDefaults()
    {
        var config = ParseWith("online_store: redis\n");

        Assert.Equal(new RedisOnlineStoreOptions(), config.OnlineStore);
        var redis = (RedisOnlineStoreOptions)config.OnlineStore!;
        Assert.Equal(RedisType.Redis, redis.RedisType);
        Assert.Equal("localhost:6379", redis.ConnectionString);
        Assert.Equal("mymaster", redis.SentinelMaster);
        Assert.Null(redis.KeyTtlSeconds);
        Assert.True(redis.FullScanForDeletion);
        Assert.False(redis.SkipDedup);
    }

    [Fact]
    public void Parse_RedisAllOptions_BindsEveryKey()
    {
        var config = ParseWith("""
            online_store:
              type: redis
              redis_type: redis_sentinel
              connection_string: "sentinel1:26379,sentinel2:26379,password=secret,ssl=true"
              sentinel_master: feast-master
              key_ttl_seconds: 86400
              full_scan_for_deletion: false
              skip_dedup: true
            """);

        Assert.Equal(
            new RedisOnlineStoreOptions
            {
                RedisType = RedisType.RedisSentinel,
                ConnectionString = "sentinel1:26379,sentinel2:26379,password=secret,ssl=true",
                SentinelMaster = "feast-master",
                KeyTtlSeconds = 86400,
                FullScanForDeletion = false,
                SkipDedup = true,
            },
            config.OnlineStore);
    }

    [Fact]
    public void Parse_RedisCluster_BindsRedisType()
    {
        var config = ParseWith("online_store:\n  type: redis\n  redis_type: redis_cluster\n");

        Assert.Equal(RedisType.RedisCluster, ((RedisOnlineStoreOptions)config.OnlineStore!).RedisType);
    }
}
