using StackExchange.Redis;

namespace Feast.Redis.Tests;

public sealed class ServerTests
{
    [Fact]
    public async Task TheTestServersAnswer()
    {
        await using var single = await ConnectionMultiplexer.ConnectAsync(TestServers.Single);
        Assert.False(single.GetServers()[0].IsReplica);
        await using var cluster = await ConnectionMultiplexer.ConnectAsync(TestServers.Cluster);
        Assert.Equal(3, cluster.GetServers().Count(s => !s.IsReplica));
    }
}
