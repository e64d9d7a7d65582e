using System.Diagnostics;
using Feast.Configuration;
using StackExchange.Redis;
using static Feast.Redis.Tests.R;
using RedisType = Feast.Redis.RedisType;

namespace Feast.Redis.Tests;

/// <summary>
/// <c>redis_type: redis_sentinel</c> against a master, a replica and a sentinel of the test's own: the store finds the
/// master through the sentinel, and after a failover a write fails clearly or lands on the new master.
/// </summary>
public sealed class SentinelTests
{
    private const string Master = "feastmaster";

    [Fact]
    public async Task Sentinel_WritesAndReadsGoToTheMasterItNames_AndFollowAFailover()
    {
        using var master = OwnRedisServer.Start("--requirepass", "pw", "--masterauth", "pw");
        using var replica = OwnRedisServer.Start("--requirepass", "pw", "--masterauth", "pw", "--replicaof", "127.0.0.1", master.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var sentinel = OwnRedisServer.StartSentinel(Master, master.Port, "pw");
        await WaitAsync(async () => (await CliAsync(sentinel, "SENTINEL", "REPLICAS", Master)).Contains("slave", StringComparison.Ordinal), "the sentinel to see the replica");
        await using var store = new RedisOnlineStore(new RedisOnlineStoreOptions
        {
            RedisType = RedisType.RedisSentinel,
            SentinelMaster = Master,
            ConnectionString = $"127.0.0.1:{sentinel.Port},password=pw",
        });
        var view = View("stats", "trips", "rides");
        var ids = Enumerable.Range(0, 5_000).Select(i => (long)i).ToArray();

        await store.WriteBatchAsync("p", view, Batch(view, T0, ids));

        var result = await store.ReadAsync("p", view, [.. ids.Select(DriverKey)], ["trips", "rides"]);
        Assert.All(ids, id => Assert.Equal(id * 10 + 1, result.Value((int)id, 1)!.Value.AsInt64()));
        await using (var raw = await ConnectionMultiplexer.ConnectAsync(master.Raw("pw")))
            Assert.Equal(5_000, await raw.GetServers()[0].DatabaseSizeAsync());

        // Fail over to the replica: writes end up on the new master (the store may first say the old one is read-only).
        // The sentinel refuses (NOGOODSLAVE) until it has judged the replica in sync, which can lag its listing it.
        var failover = "";
        await WaitAsync(async () => !(failover = await CliAsync(sentinel, "SENTINEL", "FAILOVER", Master)).StartsWith("NOGOODSLAVE", StringComparison.Ordinal),
            "the sentinel to accept a failover");
        Assert.Equal("OK", failover);
        await WaitAsync(async () => (await CliAsync(sentinel, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", Master)).EndsWith(replica.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal),
            "the sentinel to promote the replica");
        var later = Batch(view, T0.AddHours(1), 7, 8);
        await using var promoted = await ConnectionMultiplexer.ConnectAsync(replica.Raw("pw"));
        var failures = new List<string>();
        // Redis Sentinel replicates asynchronously: a write the old master took during the switch can be lost when it is
        // demoted, so the write is repeated (it is idempotent) until the new master holds it.
        await WaitAsync(async () =>
        {
            try
            {
                await store.WriteBatchAsync("p", view, later);
            }
            catch (RedisOnlineStoreException e)
            {
                failures.Add(e.Message);
                return false;
            }
            var stored = await promoted.GetDatabase().HashGetAsync(RedisKey(7, "p"), "_ts:stats");
            return stored.HasValue && ((byte[])stored!).AsSpan().SequenceEqual(RedisLayout.SerializeTimestamp(T0.AddHours(1)));
        }, "a write to land on the new master");

        // A failed attempt said which write failed and where (the old master turned read-only, or went away).
        Assert.All(failures, f => Assert.Contains("feature view stats (project p)", f, StringComparison.Ordinal));
        Assert.Equal(81, (await store.ReadAsync("p", view, [DriverKey(8)], ["rides"])).Value(0, 0)!.Value.AsInt64());
    }

    [Fact]
    public async Task Sentinel_UnknownMasterName_FailsNamingTheSentinels()
    {
        using var master = OwnRedisServer.Start();
        using var sentinel = OwnRedisServer.StartSentinel(Master, master.Port, null);
        await using var store = new RedisOnlineStore(new RedisOnlineStoreOptions
        {
            RedisType = RedisType.RedisSentinel,
            SentinelMaster = "nosuchmaster",
            ConnectionString = $"127.0.0.1:{sentinel.Port},socket_connect_timeout=2",
        });

        var error = await Assert.ThrowsAsync<RedisOnlineStoreException>(() => store.ReadAsync("p", View("v", "f"), [DriverKey(1)], ["f"]))
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains($"127.0.0.1:{sentinel.Port}", error.Message, StringComparison.Ordinal);
    }

    /// <summary>redis-cli against a test server: its output, trimmed.</summary>
    private static async Task<string> CliAsync(OwnRedisServer server, params string[] command)
    {
        var info = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])["-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. command]) info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("redis-cli did not start");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Trim();
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(45)) throw new TimeoutException($"Waited 45 s for {what}.");
            await Task.Delay(250);
        }
    }
}
