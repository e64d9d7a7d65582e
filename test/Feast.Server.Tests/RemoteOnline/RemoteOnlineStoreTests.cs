using Feast.Configuration;
using Feast.DuckDb;
using Feast.Online;
using Feast.Remote;
using Feast.Server.Tests.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Feast.Server.Tests.RemoteOnline;

/// <summary>
/// <c>online_store: {type: remote}</c> against a real feature server on loopback Kestrel: the same repo read directly and
/// through the remote store answers the same values (every scalar and list type, nulls, missing keys, compound keys),
/// statuses and event timestamps; materialize, write_to_online_store and push go through the server into its store;
/// errors name the server and the fix.
/// </summary>
public sealed class RemoteOnlineStoreTests
{
    private static readonly Entity Customer = new("customer", ["customer_id"], ValueType.String);

    private static readonly Field[] TypedFields =
    [
        new("i32", FeastType.Int32), new("i64", FeastType.Int64), new("f32", FeastType.Float32), new("f64", FeastType.Float64),
        new("flag", FeastType.Bool), new("text", FeastType.String), new("blob", FeastType.Bytes), new("stamp", FeastType.UnixTimestamp),
        new("doc", FeastType.Json), new("id", FeastType.Uuid), new("amount", FeastType.Decimal),
        new("i32s", FeastType.Array(FeastType.Int32)), new("i64s", FeastType.Array(FeastType.Int64)),
        new("f32s", FeastType.Array(FeastType.Float32)), new("f64s", FeastType.Array(FeastType.Float64)),
        new("flags", FeastType.Array(FeastType.Bool)), new("texts", FeastType.Array(FeastType.String)),
        new("blobs", FeastType.Array(FeastType.Bytes)), new("stamps", FeastType.Array(FeastType.UnixTimestamp)),
    ];

    private static readonly FeatureView Typed = new("typed", ServerRepo.Push, [ServerRepo.Driver], TimeSpan.Zero, TypedFields);

    private static readonly FeatureView Pairs = new("pairs", ServerRepo.Push, [ServerRepo.Driver, Customer], TimeSpan.Zero,
        [new Field("score", FeastType.Float64), new Field("label", FeastType.String)]);

    [Fact]
    public async Task Read_ThroughFeatureServer_EqualsDirectRead_ForEveryType_Nulls_MissingKeys_CompoundKeys()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await repo.Store.ApplyAsync([.. ServerRepo.Objects, Customer, Typed, Pairs], new Feast.Planning.ApplyOptions { SkipSourceValidation = true });
        var at = ServerRepo.T0.AddMinutes(5).AddTicks(1_234_567);
        await repo.Store.WriteToOnlineStoreAsync("typed", FeatureRows.FromRows([
            new Dictionary<string, object?>
            {
                ["driver_id"] = 1L, ["i32"] = -7, ["i64"] = long.MaxValue, ["f32"] = 0.7037263512611389f, ["f64"] = Math.PI,
                ["flag"] = true, ["text"] = "héllo \"wörld\"\n", ["blob"] = new byte[] { 0, 1, 255 }, ["stamp"] = ServerRepo.T0,
                ["doc"] = "{\"a\": [1, 2]}", ["id"] = "6f1c2a52-7d7b-4b8e-9d61-3a3c1c1e2f00", ["amount"] = "12.50",
                ["i32s"] = new[] { 1, -2 }, ["i64s"] = new[] { long.MinValue, 0L }, ["f32s"] = new[] { 0.1f, 1e-30f },
                ["f64s"] = new[] { 1.5, -2.25e100 }, ["flags"] = new[] { true, false }, ["texts"] = new[] { "a", "" },
                ["blobs"] = new[] { new byte[] { 9 }, Array.Empty<byte>() }, ["stamps"] = new[] { 0L, 1_700_000_000L },
                ["event_timestamp"] = at, ["created"] = at,
            },
            new Dictionary<string, object?>
            {
                ["driver_id"] = 2L, ["i32"] = null, ["i64"] = null, ["f32"] = null, ["f64"] = null, ["flag"] = null, ["text"] = null,
                ["blob"] = null, ["stamp"] = null, ["doc"] = null, ["id"] = null, ["amount"] = null, ["i32s"] = null, ["i64s"] = null,
                ["f32s"] = null, ["f64s"] = null, ["flags"] = null, ["texts"] = Array.Empty<string>(), ["blobs"] = null, ["stamps"] = null,
                ["event_timestamp"] = ServerRepo.T0, ["created"] = null,
            },
        ]));
        await repo.Store.WriteToOnlineStoreAsync("pairs", FeatureRows.FromRows([
            new Dictionary<string, object?> { ["driver_id"] = 1L, ["customer_id"] = "c-1", ["score"] = 0.5, ["label"] = "gold", ["event_timestamp"] = at },
            new Dictionary<string, object?> { ["driver_id"] = 2L, ["customer_id"] = "c-1", ["score"] = -1.0, ["label"] = null, ["event_timestamp"] = ServerRepo.T0 },
        ]));
        await using var server = await TestHost.StartAsync(repo.Store, kestrel: true);
        await using var client = RemoteClient(repo, server.HttpAddress);

        var features = TypedFields.Select(f => "typed:" + f.Name).Concat(["pairs:score", "pairs:label"]).ToArray();
        var rows = new[] { (1L, "c-1"), (2L, "c-1"), (3L, "c-1"), (1L, "c-2"), (1L, "c-1") }
            .Select(r => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = r.Item1, ["customer_id"] = r.Item2 }).ToArray();
        var direct = await repo.Store.GetOnlineFeaturesAsync(features, rows);
        var remote = await client.GetOnlineFeaturesAsync(features, rows);

        AssertSameAnswer(direct, remote);
        var i32 = remote.Columns.Single(c => c.Name == "i32");
        Assert.Equal(FeatureValue.FromInt32(-7), i32.Values[0]);
        Assert.Equal([FeatureStatus.Present, FeatureStatus.Present, FeatureStatus.NotFound, FeatureStatus.Present, FeatureStatus.Present], i32.Statuses);
        Assert.True(i32.Values[1].IsNull);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds()), i32.EventTimestamps[0]); // SQLite keeps whole seconds
        Assert.Equal(FeatureStatus.NotFound, remote.Columns.Single(c => c.Name == "score").Statuses[3]);
        Assert.Equal(0.7037263512611389f, remote.Columns.Single(c => c.Name == "f32").Values[0].AsFloat());

        // Full feature names, a feature service and a single view through ReadAsync answer as directly too.
        var full = new OnlineFeaturesRequest(new Dictionary<string, IReadOnlyList<object?>> { ["driver_id"] = [1L, 2L, 3L] })
        {
            Features = ["typed:blob", "typed:stamps", "driver_hourly_stats:conv_rate"],
            FullFeatureNames = true,
        };
        AssertSameAnswer(await repo.Store.GetOnlineFeaturesAsync(full), await client.GetOnlineFeaturesAsync(full));
    }

    [Fact]
    public async Task Materialize_WriteToOnlineStore_AndPush_GoThroughTheServer_IntoItsStore()
    {
        await using var repo = await ServerRepo.CreateAsync();
        await using var local = await ServerRepo.CreateAsync();
        await using var server = await TestHost.StartAsync(repo.Store, kestrel: true);
        await using var client = RemoteClient(repo, server.HttpAddress);

        var written = await client.MaterializeAsync(ServerRepo.T0.AddHours(-1), ServerRepo.Now, ["driver_hourly_stats"]);
        await local.Store.MaterializeAsync(ServerRepo.T0.AddHours(-1), ServerRepo.Now, ["driver_hourly_stats"]);
        Assert.Equal(2, written.Single().Rows);

        var fresh = FeatureRows.FromRows([
            new Dictionary<string, object?>
            {
                ["driver_id"] = 1003L, ["conv_rate"] = 0.9f, ["acc_rate"] = 0.1f, ["avg_daily_trips"] = 7L,
                ["event_timestamp"] = ServerRepo.Now.AddMinutes(-1), ["created"] = ServerRepo.Now,
            },
        ]);
        await client.PushAsync("driver_stats_push_source", fresh);
        await local.Store.PushAsync("driver_stats_push_source", fresh);
        var direct = FeatureRows.FromRows([
            new Dictionary<string, object?>
            {
                ["driver_id"] = 1004L, ["conv_rate"] = 0.3f, ["acc_rate"] = null, ["avg_daily_trips"] = 3L, ["event_timestamp"] = ServerRepo.Now,
            },
        ]);
        await client.WriteToOnlineStoreAsync("driver_hourly_stats", direct);
        await local.Store.WriteToOnlineStoreAsync("driver_hourly_stats", direct);

        // What the server's own store holds (read directly there) equals the same steps run locally.
        string[] features = ["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips", "driver_hourly_stats_fresh:acc_rate"];
        var rows = new long[] { 1001, 1002, 1003, 1004, 9999 }
            .Select(id => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = id }).ToArray();
        var onServer = await repo.Store.GetOnlineFeaturesAsync(features, rows);
        AssertSameAnswer(await local.Store.GetOnlineFeaturesAsync(features, rows), onServer);
        AssertSameAnswer(onServer, await client.GetOnlineFeaturesAsync(features, rows));
        Assert.Equal(0.2f, onServer.Columns.Single(c => c.Name == "conv_rate").Values[0].AsFloat());
        Assert.Equal(0.1f, onServer.Columns.Single(c => c.Name == "acc_rate").Values[2].AsFloat());
        Assert.Equal(3L, onServer.Columns.Single(c => c.Name == "avg_daily_trips").Values[3].AsInt64());
    }

    [Fact]
    public async Task EntitylessView_WrittenAndRead_ThroughTheServer_AsDirectly()
    {
        await using var repo = await ServerRepo.CreateAsync();
        var global = new FeatureView("global_stats", ServerRepo.Push, [], TimeSpan.Zero, [new Field("total", FeastType.Int64)]);
        await repo.Store.ApplyAsync([.. ServerRepo.Objects, global], new Feast.Planning.ApplyOptions { SkipSourceValidation = true });
        await using var server = await TestHost.StartAsync(repo.Store, kestrel: true);
        await using var client = RemoteClient(repo, server.HttpAddress);

        await client.WriteToOnlineStoreAsync("global_stats", FeatureRows.FromRows([
            new Dictionary<string, object?> { ["total"] = 42L, ["event_timestamp"] = ServerRepo.T0 },
        ]));
        var rows = new[] { (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = 1001L } };
        var direct = await repo.Store.GetOnlineFeaturesAsync(["global_stats:total"], rows);
        var remote = await client.GetOnlineFeaturesAsync(["global_stats:total"], rows);

        Assert.Equal(42L, direct.Columns.Single(c => c.Name == "total").Values[0].AsInt64());
        AssertSameAnswer(direct, remote);
    }

    [Fact]
    public async Task ServerStoppedMidWrite_ClearError_NothingWritten_ClientCancellation_Cancels()
    {
        await using var repo = await ServerRepo.CreateAsync(controlled: true);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        repo.Online!.BeforeWrite = async ct =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        };
        var server = await TestHost.StartAsync(repo.Store, kestrel: true,
            services: s => s.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200)));
        await using var client = RemoteClient(repo, server.HttpAddress, retries: 0);
        var row = FeatureRows.FromRows([
            new Dictionary<string, object?> { ["driver_id"] = 1077L, ["conv_rate"] = 1f, ["acc_rate"] = 1f, ["avg_daily_trips"] = 1L, ["event_timestamp"] = ServerRepo.Now },
        ]);

        var write = client.WriteToOnlineStoreAsync("driver_hourly_stats", row);
        await entered.Task;
        await server.DisposeAsync();
        var cut = await Assert.ThrowsAsync<FeastException>(() => write);

        Assert.Contains("closed the connection before answering /write-to-online-store", cut.Message, StringComparison.Ordinal);
        Assert.Contains("online_store.path", cut.Message, StringComparison.Ordinal);
        repo.Online.BeforeWrite = null;
        var stored = await repo.Store.GetOnlineFeaturesAsync(["driver_hourly_stats:conv_rate"], [new Dictionary<string, object?> { ["driver_id"] = 1077L }]);
        Assert.Equal(FeatureStatus.NotFound, stored.Columns.Single(c => c.Name == "conv_rate").Statuses[0]);

        // A client that gives up cancels its request: OperationCanceledException, not a server error.
        // (The server's read ends by itself a little later, so the server can stop after the test.)
        repo.Online.BeforeRead = ct => Task.Delay(TimeSpan.FromSeconds(3), ct);
        await using var again = await TestHost.StartAsync(repo.Store, kestrel: true,
            services: s => s.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200)));
        await using var patient = RemoteClient(repo, again.HttpAddress);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => patient.GetOnlineFeaturesAsync(
            new OnlineFeaturesRequest(new Dictionary<string, IReadOnlyList<object?>> { ["driver_id"] = [1001L] }) { Features = ["driver_hourly_stats:conv_rate"] },
            cancel.Token));
    }

    [Fact]
    public async Task ServerDown_NamesPathAndFeastServe_ServerError_GivesServersMessage_BadConfig_IsClear()
    {
        await using var repo = await ServerRepo.CreateAsync();
        Uri address;
        await using (var stopped = await TestHost.StartAsync(repo.Store, kestrel: true)) address = stopped.HttpAddress;
        await using var down = RemoteClient(repo, address, retries: 1);
        var refused = await Assert.ThrowsAsync<FeastException>(() =>
            down.GetOnlineFeaturesAsync(["driver_hourly_stats:conv_rate"], [new Dictionary<string, object?> { ["driver_id"] = 1001L }]));
        Assert.Contains(address.Authority, refused.Message, StringComparison.Ordinal);
        Assert.Contains("online_store.path", refused.Message, StringComparison.Ordinal);
        Assert.Contains("feast serve", refused.Message, StringComparison.Ordinal);

        await using var server = await TestHost.StartAsync(repo.Store, kestrel: true);
        // A view the server's registry does not know: the server's message comes back, without a stack trace.
        await using var store = new RemoteOnlineStore(new RemoteOnlineStoreOptions { Path = server.HttpAddress.ToString() }, repo.Store.Config);
        var clientOnly = new FeatureView("client_only", ServerRepo.Push, [ServerRepo.Driver], TimeSpan.Zero, [new Field("x", FeastType.Int64)]);
        var unknown = await Assert.ThrowsAnyAsync<FeastException>(() =>
            store.ReadAsync("loop", clientOnly, [Feast.Values.EntityKeySerializer.Serialize("driver_id", FeatureValue.FromInt64(1))], ["x"]));
        Assert.Contains("client_only", unknown.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", unknown.Message, StringComparison.Ordinal);

        var badPath = Assert.Throws<FeastConfigException>(() =>
            new RemoteOnlineStore(new RemoteOnlineStoreOptions { Path = "localhost:6566" }, repo.Store.Config));
        Assert.Contains("online_store.path 'localhost:6566'", badPath.Message, StringComparison.Ordinal);
        Assert.Contains("http://localhost:6566", badPath.Message, StringComparison.Ordinal);
        var badVersion = Assert.Throws<FeastConfigException>(() =>
            new RemoteOnlineStore(new RemoteOnlineStoreOptions(), repo.Store.Config with { EntityKeySerializationVersion = 2 }));
        Assert.Contains("entity_key_serialization_version: 3", badVersion.Message, StringComparison.Ordinal);
        var badCert = Assert.Throws<FeastConfigException>(() =>
            new RemoteOnlineStore(new RemoteOnlineStoreOptions { Path = "https://localhost:1", Cert = "no-such.pem" }, repo.Store.Config));
        Assert.Contains("online_store.cert", badCert.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OidcServer_RefusesClientWithoutToken_ServesClientWithToken()
    {
        await using var idp = await LoopbackIdentityProvider.StartAsync();
        await using var repo = await ServerRepo.CreateAsync();
        await repo.Store.MaterializeAsync(ServerRepo.T0.AddHours(-1), ServerRepo.Now, ["driver_hourly_stats"]);
        var serverConfig = repo.Store.Config with
        {
            Auth = new OidcAuthConfig { AuthDiscoveryUrl = idp.DiscoveryUrl, ClientId = LoopbackIdentityProvider.ClientId },
        };
        await using var served = new FeatureStore(serverConfig, new FeatureStoreOptions { TimeProvider = repo.Clock }.UseDuckDb());
        await using var server = await TestHost.StartAsync(served, kestrel: true);
        var rows = new[] { (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = 1001L } };

        await using var anonymous = RemoteClient(repo, server.HttpAddress);
        var refused = await Assert.ThrowsAsync<RemoteServerException>(() => anonymous.GetOnlineFeaturesAsync(["driver_hourly_stats:conv_rate"], rows));
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
        Assert.Contains("auth section", refused.Message, StringComparison.Ordinal);
        var writeRefused = await Assert.ThrowsAsync<RemoteServerException>(() => anonymous.WriteToOnlineStoreAsync("driver_hourly_stats",
            FeatureRows.FromRows([new Dictionary<string, object?> { ["driver_id"] = 1L, ["conv_rate"] = 1f, ["acc_rate"] = 1f, ["avg_daily_trips"] = 1L, ["event_timestamp"] = ServerRepo.Now }])));
        Assert.Contains("401", writeRefused.Message, StringComparison.Ordinal);

        await using var allowed = RemoteClient(repo, server.HttpAddress, auth: new OidcClientAuthConfig { Token = idp.Reader(DateTimeOffset.UtcNow) });
        var answer = await allowed.GetOnlineFeaturesAsync(["driver_hourly_stats:conv_rate"], rows);
        Assert.Equal(0.2f, answer.Columns.Single(c => c.Name == "conv_rate").Values[0].AsFloat());
    }

    /// <summary>A client of the repo whose online store is the feature server at <paramref name="address"/> (same registry and offline files).</summary>
    private static FeatureStore RemoteClient(ServerRepo repo, Uri address, int retries = 3, AuthConfig? auth = null)
    {
        var config = repo.Store.Config with
        {
            OnlineStore = new RemoteOnlineStoreOptions { Path = address.ToString(), ConnectionRetries = retries },
            Auth = auth ?? new NoAuthConfig(),
        };
        return new FeatureStore(config, new FeatureStoreOptions { TimeProvider = repo.Clock }.UseDuckDb().UseRemoteOnlineStore());
    }

    private static void AssertSameAnswer(OnlineFeaturesResponse expected, OnlineFeaturesResponse actual)
    {
        Assert.Equal(expected.Columns.Select(c => c.Name), actual.Columns.Select(c => c.Name));
        for (var c = 0; c < expected.Columns.Count; c++)
        {
            var (e, a) = (expected.Columns[c], actual.Columns[c]);
            Assert.True(e.Values.SequenceEqual(a.Values), $"{e.Name}: [{string.Join(", ", e.Values)}] != [{string.Join(", ", a.Values)}]");
            Assert.Equal(e.Statuses, a.Statuses);
            Assert.Equal(e.EventTimestamps, a.EventTimestamps);
        }
        Assert.Equal(Feast.Serialization.OnlineResponseJson.ToJson(expected), Feast.Serialization.OnlineResponseJson.ToJson(actual));
    }
}
