using Feast.Configuration;
using Feast.Online;
using Feast.Tests.Online.Conformance;

namespace Feast.Redis.Tests.Conformance;

/// <summary>The online-store conformance suite against a single redis-server.</summary>
public sealed class RedisSingleConformanceTests : RedisConformanceTests
{
    protected override RedisOnlineStoreOptions Options => new() { ConnectionString = TestServers.Single };
}

/// <summary>The online-store conformance suite against a 3-master Redis Cluster.</summary>
public sealed class RedisClusterConformanceTests : RedisConformanceTests
{
    protected override RedisOnlineStoreOptions Options => new() { ConnectionString = TestServers.Cluster, RedisType = RedisType.RedisCluster };
}

public abstract class RedisConformanceTests : OnlineStoreConformanceTests
{
    protected abstract RedisOnlineStoreOptions Options { get; }

    /// <summary>Feast's Redis store skips every row that is not strictly newer than the stored event time.</summary>
    protected override bool TiesBrokenByCreatedTimestamp => false;

    protected override Task<IOnlineStore> CreateStoreAsync(string project) => Task.FromResult<IOnlineStore>(new RedisOnlineStore(Options));

    /// <summary>Feast's <c>skip_dedup</c>: writes without reading the stored event time.</summary>
    protected override Task<IOnlineStore> CreateLastWriteWinsStoreAsync(string project) =>
        Task.FromResult<IOnlineStore>(new RedisOnlineStore(Options with { SkipDedup = true }));

    /// <summary>Redis has no tables: the deleted view's fields are gone, so its keys read as not found.</summary>
    protected override async Task AssertReadOfDeletedViewAsync(FeatureView view, byte[] key)
    {
        var result = await Store.ReadAsync(Project, view, [key], ["conv_rate", "acc_rate", "avg_daily_trips"]);
        Assert.False(result.Found(0));
        Assert.Null(result.Value(0, 0));
    }

    public override async Task DisposeAsync()
    {
        // Leave nothing behind on the shared servers.
        await Store.TeardownAsync(Project, [DriverStats(), DriverStats("first"), DriverStats("second"), DriverStats("kept")]);
        await base.DisposeAsync();
    }
}
