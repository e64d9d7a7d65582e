using Feast.Configuration;
using Feast.Online;
using StackExchange.Redis;
using static Feast.Redis.Tests.R;

namespace Feast.Redis.Tests;

/// <summary>
/// Servers of the test's own that need a password, an ACL user, another database or TLS: writes (several chunks) and
/// reads go through the public API, so whatever connections the store opens for either are checked.
/// </summary>
public sealed class SecuredServerTests
{
    private const string Project = "p";

    /// <summary>More than two write chunks of <see cref="RedisOnlineStore.ChunkRows"/> rows.</summary>
    private static readonly long[] Ids = [.. Enumerable.Range(0, 5_000).Select(i => (long)i)];

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// For connections meant to fail: StackExchange.Redis sometimes reports a refused AUTH or TLS handshake at once and
    /// sometimes only when the connect timeout (5 s by default) runs out, so the tests shorten it to stay quick.
    /// </summary>
    private const string FailFast = ",socket_connect_timeout=1";

    [Fact]
    public async Task RequirePass_Password_WritesSeveralChunksAndReadsThemBack()
    {
        var server = OwnRedisServer.Start("--requirepass", "secret");
        try
        {
            await using var store = Store($"127.0.0.1:{server.Port},password=secret");
            var view = View("stats", "trips", "rides");

            await store.WriteBatchAsync(Project, view, Batch(view, T0, Ids)).WaitAsync(Limit);

            await AssertReadsBackAsync(store, view);
            await using var raw = await ConnectionMultiplexer.ConnectAsync(server.Raw("secret"));
            Assert.Equal(Ids.Length, await raw.GetServers()[0].DatabaseSizeAsync());
            Assert.True(await raw.GetDatabase().KeyExistsAsync(RedisKey(Ids[^1], Project)));
        }
        finally
        {
            server.Dispose();
        }
    }

    [Fact]
    public async Task RequirePass_WrongPassword_WriteAndReadFailNamingTheEndpointButNotThePassword()
    {
        const string wrong = "Wr0ngPassw0rd";
        var server = OwnRedisServer.Start("--requirepass", "secret");
        try
        {
            var endpoint = $"127.0.0.1:{server.Port}";
            var view = View("stats", "trips", "rides");
            await using var store = Store($"{endpoint},password={wrong}{FailFast}");
            await using var readFirst = Store($"{endpoint},password={wrong}{FailFast}");

            var write = await Assert.ThrowsAnyAsync<FeastException>(() => store.WriteBatchAsync(Project, view, Batch(view, T0, Ids)).WaitAsync(Limit));
            var read = await Assert.ThrowsAnyAsync<FeastException>(() => store.ReadAsync(Project, view, [DriverKey(1)], ["trips"]).WaitAsync(Limit));
            var firstRead = await Assert.ThrowsAnyAsync<FeastException>(() => readFirst.ReadAsync(Project, view, [DriverKey(1)], ["trips"]).WaitAsync(Limit));

            foreach (var error in new[] { write, read, firstRead })
            {
                Assert.Contains(endpoint, error.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(wrong, error.ToString(), StringComparison.Ordinal); // nor in an inner exception
                Assert.DoesNotContain("secret", error.ToString(), StringComparison.Ordinal);
            }
            await using var raw = await ConnectionMultiplexer.ConnectAsync(server.Raw("secret"));
            Assert.Equal(0, await raw.GetServers()[0].DatabaseSizeAsync());
        }
        finally
        {
            server.Dispose();
        }
    }

    [Fact]
    public async Task AclUser_UsernameAndPassword_WritesSeveralChunksAndReadsThemBack()
    {
        // The default user has another password, so the store only gets in by sending the user name as well.
        var server = OwnRedisServer.Start("--requirepass", "adminpw");
        try
        {
            await using var raw = await ConnectionMultiplexer.ConnectAsync(server.Raw("adminpw"));
            await raw.GetDatabase().ExecuteAsync("ACL", "SETUSER", "feast", "on", ">pw", "~*", "+@all");
            await using var store = Store($"127.0.0.1:{server.Port},username=feast,password=pw");
            var view = View("stats", "trips", "rides");

            await store.WriteBatchAsync(Project, view, Batch(view, T0, Ids)).WaitAsync(Limit);

            await AssertReadsBackAsync(store, view);
            Assert.Equal(Ids.Length, await raw.GetServers()[0].DatabaseSizeAsync());
            var clients = (string)(await raw.GetDatabase().ExecuteAsync("CLIENT", "LIST"))!;
            Assert.Contains(" user=feast ", clients, StringComparison.Ordinal);
        }
        finally
        {
            server.Dispose();
        }
    }

    [Fact]
    public async Task AclUser_DefaultUsersPassword_IsRefused()
    {
        var server = OwnRedisServer.Start("--requirepass", "adminpw");
        try
        {
            await using var raw = await ConnectionMultiplexer.ConnectAsync(server.Raw("adminpw"));
            await raw.GetDatabase().ExecuteAsync("ACL", "SETUSER", "feast", "on", ">pw", "~*", "+@all");
            await using var store = Store($"127.0.0.1:{server.Port},username=feast,password=adminpw{FailFast}");
            var view = View("stats", "trips");

            var write = await Assert.ThrowsAnyAsync<FeastException>(() => store.WriteBatchAsync(Project, view, Batch(view, T0, 1, 2, 3)).WaitAsync(Limit));

            Assert.Contains($"127.0.0.1:{server.Port}", write.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("adminpw", write.ToString(), StringComparison.Ordinal);
            Assert.Equal(0, await raw.GetServers()[0].DatabaseSizeAsync());
        }
        finally
        {
            server.Dispose();
        }
    }

    [Fact]
    public async Task Db3_RowsLandInDatabase3_AndReadBack()
    {
        var server = OwnRedisServer.Start();
        try
        {
            await using var store = Store($"127.0.0.1:{server.Port},db=3");
            var view = View("stats", "trips", "rides");

            await store.WriteBatchAsync(Project, view, Batch(view, T0, Ids)).WaitAsync(Limit);

            await using var raw = await ConnectionMultiplexer.ConnectAsync(server.Raw());
            foreach (var id in new[] { Ids[0], Ids[2_500], Ids[^1] })
            {
                Assert.True(await raw.GetDatabase(3).KeyExistsAsync(RedisKey(id, Project)));
                Assert.False(await raw.GetDatabase(0).KeyExistsAsync(RedisKey(id, Project)));
            }
            Assert.Equal(Ids.Length, await raw.GetServers()[0].DatabaseSizeAsync(3));
            Assert.Equal(0, await raw.GetServers()[0].DatabaseSizeAsync(0));
            await AssertReadsBackAsync(store, view);
        }
        finally
        {
            server.Dispose();
        }
    }

    [Fact]
    public async Task Tls_CertificateChecksOff_WritesSeveralChunksAndReadsThemBack()
    {
        var tls = TlsFiles.Create();
        OwnRedisServer? server = null;
        try
        {
            server = OwnRedisServer.StartTls(tls);
            await using var store = Store($"127.0.0.1:{server.Port},ssl=true,ssl_cert_reqs=none");
            var view = View("stats", "trips", "rides");

            await store.WriteBatchAsync(Project, view, Batch(view, T0, Ids)).WaitAsync(Limit);

            await AssertReadsBackAsync(store, view);
        }
        finally
        {
            server?.Dispose();
            tls.Dispose();
        }
    }

    [Fact]
    public async Task Tls_UntrustedCertificate_WriteAndReadFailClearly()
    {
        var tls = TlsFiles.Create();
        OwnRedisServer? server = null;
        try
        {
            server = OwnRedisServer.StartTls(tls);
            var endpoint = $"127.0.0.1:{server.Port}";
            await using var store = Store($"{endpoint},ssl=true{FailFast}");
            var view = View("stats", "trips", "rides");

            var write = await Assert.ThrowsAnyAsync<FeastException>(() => store.WriteBatchAsync(Project, view, Batch(view, T0, Ids)).WaitAsync(Limit));
            var read = await Assert.ThrowsAnyAsync<FeastException>(() => store.ReadAsync(Project, view, [DriverKey(1)], ["trips"]).WaitAsync(Limit));

            foreach (var error in new[] { write, read })
            {
                Assert.Contains(endpoint, error.Message, StringComparison.Ordinal);
                Assert.Contains("ssl", error.Message, StringComparison.Ordinal); // what to check, besides the server being up
            }
        }
        finally
        {
            server?.Dispose();
            tls.Dispose();
        }
    }

    [Fact]
    public async Task KeyTtl_WithPassword_EveryChunksKeysExpire()
    {
        var server = OwnRedisServer.Start("--requirepass", "secret");
        try
        {
            await using var store = new RedisOnlineStore(new RedisOnlineStoreOptions
            {
                ConnectionString = $"127.0.0.1:{server.Port},password=secret",
                KeyTtlSeconds = 3600,
            });
            var view = View("stats", "trips", "rides");

            await store.WriteBatchAsync(Project, view, Batch(view, T0, Ids)).WaitAsync(Limit);

            await using var raw = await ConnectionMultiplexer.ConnectAsync(server.Raw("secret"));
            foreach (var id in new[] { Ids[0], Ids[RedisOnlineStore.ChunkRows], Ids[^1] })
            {
                var ttl = await raw.GetDatabase().KeyTimeToLiveAsync(RedisKey(id, Project));
                Assert.NotNull(ttl);
                Assert.InRange(ttl.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3600));
            }
            await AssertReadsBackAsync(store, view);
        }
        finally
        {
            server.Dispose();
        }
    }

    private static RedisOnlineStore Store(string connectionString) => new(new RedisOnlineStoreOptions { ConnectionString = connectionString });

    /// <summary>Reads every written id (and one never written) back through the store: values as <see cref="Batch"/> wrote them, at <see cref="T0"/>.</summary>
    private static async Task AssertReadsBackAsync(RedisOnlineStore store, FeatureView view)
    {
        var result = await store.ReadAsync(Project, view, [.. Ids.Select(DriverKey), DriverKey(-1)], ["trips", "rides"]).WaitAsync(Limit);

        for (var row = 0; row < Ids.Length; row++)
        {
            var id = Ids[row];
            Assert.True(result.Found(row), $"driver {id} not found");
            Assert.Equal(T0, result.EventTimestamp(row));
            Assert.Equal(id * 10, result.Value(row, 0)!.Value.AsInt64());
            Assert.Equal(id * 10 + 1, result.Value(row, 1)!.Value.AsInt64());
        }
        Assert.False(result.Found(Ids.Length));
    }
}
