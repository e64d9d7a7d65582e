using System.Net;
using Feast.Configuration;
using static Feast.Redis.Tests.R;

namespace Feast.Redis.Tests;

public sealed class ConfigurationTests
{
    [Fact]
    public void ConnectionString_FeastSyntax_MapsToClientOptions()
    {
        var options = RedisConnectionSettings.Parse(new RedisOnlineStoreOptions
        {
            ConnectionString = "redis-1.example:6380, 10.0.0.2:7000,ssl=true,password=\"s3cret\",db=2,username=feast",
        });

        Assert.Equal([new DnsEndPoint("redis-1.example", 6380), new IPEndPoint(IPAddress.Parse("10.0.0.2"), 7000)], options.EndPoints);
        Assert.True(options.Ssl);
        Assert.Equal("s3cret", options.Password);
        Assert.Equal("feast", options.User);
        Assert.Equal(2, options.DefaultDatabase);
    }

    [Fact]
    public void ConnectionString_HostWithoutPort_UsesRedisDefaultPort() =>
        Assert.Equal([new DnsEndPoint("localhost", 6379)], RedisConnectionSettings.Parse(new RedisOnlineStoreOptions { ConnectionString = "localhost" }).EndPoints);

    [Theory]
    [InlineData("localhost:6379,retry_on_timeout=true", "retry_on_timeout")]
    [InlineData("localhost:6379,db=x", "db=x")]
    [InlineData("ssl=true", "names no Redis server")]
    [InlineData("localhost:port", "not a number")]
    public void ConnectionString_Malformed_IsAConfigError(string connectionString, string expected)
    {
        var error = Assert.Throws<FeastConfigException>(() => new RedisOnlineStore(new RedisOnlineStoreOptions { ConnectionString = connectionString }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RedisSentinel_EmptyMasterName_IsAConfigError()
    {
        var error = Assert.Throws<FeastConfigException>(() => new RedisOnlineStore(new RedisOnlineStoreOptions { RedisType = RedisType.RedisSentinel, SentinelMaster = " " }));
        Assert.Contains("sentinel_master is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RedisSentinel_MasterNameIsTheServiceName() =>
        Assert.Equal("cache", RedisConnectionSettings.Parse(new RedisOnlineStoreOptions
        {
            RedisType = RedisType.RedisSentinel,
            SentinelMaster = "cache",
            ConnectionString = "sentinel-1:26379,sentinel-2:26379",
        }).ServiceName);

    [Fact]
    public async Task RedisClusterType_PointedAtASingleServer_IsAConfigError()
    {
        await using var store = new RedisOnlineStore(new RedisOnlineStoreOptions { ConnectionString = TestServers.Single, RedisType = RedisType.RedisCluster });

        var error = await Assert.ThrowsAsync<FeastConfigException>(() => store.ReadAsync("p", View("v", "f"), [DriverKey(1)], ["f"]));
        Assert.Contains("not a Redis Cluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NothingListening_ClearErrorNamingTheEndpoint()
    {
        var port = FreePort();
        await using var store = new RedisOnlineStore(new RedisOnlineStoreOptions { ConnectionString = $"127.0.0.1:{port},password=hidden" });

        var error = await Assert.ThrowsAsync<RedisOnlineStoreException>(() => store.ReadAsync("p", View("v", "f"), [DriverKey(1)], ["f"]));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("connection_string", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseRedis_RegistersTheRedisFactory()
    {
        var options = new FeatureStoreOptions().UseRedis();
        Assert.Contains("redis", options.Backends.OnlineStoreTypes);
    }

    internal static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
