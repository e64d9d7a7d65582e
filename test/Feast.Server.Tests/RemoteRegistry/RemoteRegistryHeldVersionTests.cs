using Feast.Configuration;
using Feast.Planning;
using Feast.Remote;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests.RemoteRegistry;

/// <summary>
/// A remote registry's update offers the server the version of the registry it read last, and the server answers
/// <c>Proto</c> empty (with a trailer saying so) only when it still has that very version: a client whose registry went
/// stale (another client wrote) gets the whole registry and loses nothing; a client that offers nothing gets it as before.
/// </summary>
public sealed class RemoteRegistryHeldVersionTests : IAsyncLifetime
{
    private readonly string _root = TestFiles.NewDirectory();
    private ServerRepo _repo = null!;
    private RegistryServerHost _server = null!;

    private static readonly Method<Empty, byte[]> Proto = new(MethodType.Unary, RegistryServerHost.Service, "Proto",
        Marshallers.Create<Empty>(m => m.ToByteArray(), Empty.Parser.ParseFrom), Marshallers.Create(b => b, b => b));

    public async Task InitializeAsync()
    {
        _repo = await ServerRepo.CreateAsync();
        _server = await RegistryServerHost.StartAsync(o => o.Store = _repo.Store);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _repo.DisposeAsync();
        TestFiles.DeleteDirectory(_root);
    }

    private async Task<(byte[] Answer, Metadata Trailers)> ProtoAsync(string? heldVersion)
    {
        var headers = heldVersion is null ? null : new Metadata { { "feast-registry-version", heldVersion } };
        using var call = _server.Channel.CreateCallInvoker().AsyncUnaryCall(Proto, null, new CallOptions(headers), new Empty());
        return (await call.ResponseAsync, call.GetTrailers());
    }

    [Fact]
    public async Task Proto_IsEmptyOnlyForTheVersionTheServerHas()
    {
        var (whole, trailers) = await ProtoAsync(heldVersion: null);
        var version = P.Registry.Parser.ParseFrom(whole).VersionId;
        Assert.NotEmpty(version);
        Assert.Null(trailers.Get("feast-registry-unchanged"));

        var (same, sameTrailers) = await ProtoAsync(version);
        Assert.Empty(same);
        Assert.Equal(version, sameTrailers.GetValue("feast-registry-unchanged"));

        var (other, otherTrailers) = await ProtoAsync("an-older-version");
        Assert.Equal(whole, other);
        Assert.Null(otherTrailers.Get("feast-registry-unchanged"));
    }

    [Fact]
    public async Task StaleClient_GetsTheWholeRegistry_AndPlansAgainstIt()
    {
        var address = _server.Channel.Target;
        FeatureStore Client(string name)
        {
            var repo = Path.Combine(_root, name);
            Directory.CreateDirectory(repo);
            var config = RepoConfigLoader.Parse(
                $"project: held\nregistry:\n  registry_type: remote\n  path: {address}\n  cache_ttl_seconds: 0\nprovider: local\nonline_store: null\nentity_key_serialization_version: 3\n", repo);
            return new FeatureStore(config, new FeatureStoreOptions().UseRemoteRegistry());
        }
        await using var a = Client("a");
        await using var b = Client("b");
        var skip = new ApplyOptions { SkipSourceValidation = true };
        var driver = new Entity("driver", ["driver_id"], ValueType.Int64);
        var source = new FileSource("data/driver_stats.parquet", "event_timestamp", name: "driver_stats_source");
        RepoDefinitions Repo(int ttlHours) => RepoDefinitions.From([driver, source,
            new FeatureView("stats", source, [driver], TimeSpan.FromHours(ttlHours), [new Field("conv_rate", FeastType.Float32)])]);

        await a.ApplyAsync(Repo(1), skip);
        await a.ApplyAsync(Repo(2), skip); // nothing else wrote: a's registry is the server's
        await b.ApplyObjectAsync(new Entity("from_b", ["b_id"], ValueType.Int64), skip);
        // a's registry is stale now: its apply must see b's entity (and remove it, as not in a's repo), not plan against what it held.
        var plan = await a.ApplyAsync(Repo(3), skip);

        Assert.Contains(plan.Changes, c => c.Name == "from_b");
        var served = await _repo.Store.RegistryStore.ReadAsync();
        var held = (await a.GetRegistryAsync(allowCache: false));
        Assert.DoesNotContain("from_b", held.Entities.Keys);
        Assert.Equal(TimeSpan.FromHours(3), held.FeatureViews["stats"].Ttl);
        Assert.Equal(served!.ToByteArray(), (await a.RegistryStore.ReadAsync())!.ToByteArray());
    }
}
