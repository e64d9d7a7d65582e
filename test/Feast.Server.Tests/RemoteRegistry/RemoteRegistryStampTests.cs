using System.Security.Cryptography;
using Feast.Configuration;
using Feast.Planning;
using Feast.Registry;
using Feast.Remote;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests.RemoteRegistry;

/// <summary>
/// A remote registry's write asks a Feast.NET server for the written registry in brief (version, time, SHA-256, the
/// object as stored) and rebuilds the registry from its copy instead of reading it back: the rebuilt copy equals a fresh
/// read byte for byte, and a copy that differs from the server's in anything (another writer, a missing trailer) is
/// never used: the client reads the registry as before.
/// </summary>
public sealed class RemoteRegistryStampTests : IAsyncLifetime
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

    private FeatureStore Client(string name)
    {
        var repo = Path.Combine(_root, name);
        Directory.CreateDirectory(repo);
        var config = RepoConfigLoader.Parse(
            $"project: stamped\nregistry:\n  registry_type: remote\n  path: {_server.Channel.Target}\n  cache_ttl_seconds: 0\nprovider: local\nonline_store: null\nentity_key_serialization_version: 3\n", repo);
        return new FeatureStore(config, new FeatureStoreOptions().UseRemoteRegistry());
    }

    private static RepoDefinitions Repo(int ttlHours, params string[] extraEntities)
    {
        var driver = new Entity("driver", ["driver_id"], ValueType.Int64);
        var source = new FileSource("data/driver_stats.parquet", "event_timestamp", name: "driver_stats_source");
        return RepoDefinitions.From([driver, source, .. extraEntities.Select(e => new Entity(e, [e + "_id"], ValueType.Int64)),
            new FeatureView("stats", source, [driver], TimeSpan.FromHours(ttlHours), [new Field("conv_rate", FeastType.Float32)]),
            new FeatureView("other", source, [driver], TimeSpan.FromHours(1), [new Field("trips", FeastType.Int64)])]);
    }

    private async Task<byte[]> FreshReadAsync()
    {
        using var call = _server.Channel.CreateCallInvoker().AsyncUnaryCall(Proto, null, new CallOptions(), new Empty());
        return await call.ResponseAsync;
    }

    [Fact]
    public async Task UpdatesAndDeletes_TakeTheRebuiltRegistry_WhichEqualsAFreshRead()
    {
        await using var client = Client("a");
        var remote = (RemoteRegistryStore)client.RegistryStore;
        var skip = new ApplyOptions { SkipSourceValidation = true };
        await client.ApplyAsync(Repo(1, "extra"), skip); // a project's first write: the server adds its record and dummy entity
        Assert.Equal(0, remote.Rebuilt);
        Assert.Equal(await FreshReadAsync(), remote.HeldBytes);

        await client.ApplyAsync(Repo(2, "extra"), skip); // one view updated
        Assert.Equal(1, remote.Rebuilt);
        Assert.Equal(await FreshReadAsync(), remote.HeldBytes);

        await client.ApplyAsync(Repo(3), skip); // a view updated and an entity deleted: two writes
        Assert.Equal(2, remote.Rebuilt);
        Assert.Equal(await FreshReadAsync(), remote.HeldBytes);
        var snapshot = await client.GetRegistryAsync();
        Assert.Equal(TimeSpan.FromHours(3), snapshot.FeatureViews["stats"].Ttl);
        Assert.DoesNotContain("extra", snapshot.Entities.Keys);
    }

    [Fact]
    public async Task AnotherWritersChange_IsNeverLost_TheClientReadsTheRegistry()
    {
        await using var a = Client("a");
        var skip = new ApplyOptions { SkipSourceValidation = true };
        await a.ApplyAsync(Repo(1), skip);
        await a.ApplyAsync(Repo(2), skip);
        var remote = (RemoteRegistryStore)a.RegistryStore;
        var rebuilt = remote.Rebuilt;
        // Another writer's object lands right after a's write and before the server answers it: the registry the
        // server describes in a's trailers is not a's copy plus a's write.
        var writer = _repo.Store.RegistryWriter;
        var injected = false;
        void Inject(object? sender, RegistryData written)
        {
            if (injected) return;
            injected = true;
            writer.ApplyObjectAsync("stamped", new Entity("from_b", ["b_id"], ValueType.Int64)).GetAwaiter().GetResult();
        }
        writer.Written += Inject;
        try
        {
            await a.ApplyObjectAsync(new Entity("from_a", ["a_id"], ValueType.Int64), skip);
        }
        finally
        {
            writer.Written -= Inject;
        }

        Assert.True(injected);
        Assert.Equal(rebuilt, remote.Rebuilt);
        Assert.Equal(await FreshReadAsync(), remote.HeldBytes);
        var held = await a.GetRegistryAsync();
        Assert.Contains("from_b", held.Entities.Keys);
        Assert.Contains("from_a", held.Entities.Keys);
    }

    private static P.Registry Registry(string version, params P.FeatureView[] views)
    {
        var registry = new P.Registry { VersionId = version, RegistrySchemaVersion = "1", LastUpdated = Timestamp.FromDateTime(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)) };
        registry.Projects.Add(new P.Project { Spec = new P.ProjectSpec { Name = "p" } });
        registry.FeatureViews.Add(views);
        return registry;
    }

    private static P.FeatureView View(string name, int ttlHours, int updatedSeconds = 0) => new()
    {
        Spec = new P.FeatureViewSpec { Name = name, Project = "p", Ttl = Duration.FromTimeSpan(TimeSpan.FromHours(ttlHours)) },
        Meta = updatedSeconds == 0 ? null : new P.FeatureViewMeta { LastUpdatedTimestamp = new Timestamp { Seconds = updatedSeconds } },
    };

    private static Metadata Trailers(P.Registry server, P.FeatureView stored, string? hash = null)
    {
        var trailers = new Metadata
        {
            { "feast-registry-object-bin", stored.ToByteArray() },
            { "feast-registry-version", server.VersionId },
            { "feast-registry-updated-bin", server.LastUpdated.ToByteArray() },
        };
        trailers.Add("feast-registry-sha256", hash ?? Convert.ToHexStringLower(SHA256.HashData(server.ToByteArray())));
        return trailers;
    }

    [Fact]
    public void Rebuild_GivesTheServersBytes_OnlyWhenTheyHashTheSame()
    {
        var before = Registry("v1", View("a", 1), View("b", 1), View("c", 1));
        var planned = Registry("v1", View("a", 1), View("c", 1), View("b", 2));
        var stored = View("b", 2, updatedSeconds: 42);
        var server = Registry("v2", View("a", 1), View("c", 1), stored);
        server.LastUpdated = new Timestamp { Seconds = 1_800_000_000 };
        var changes = RegistryChanges.Diff(before.ToByteArray(), planned.ToByteArray());

        Assert.Equal(server.ToByteArray(), RegistryStamps.Rebuild(before.ToByteArray(), changes, [Trailers(server, stored)]));
        // A registry that holds anything else (here: another writer's view), a wrong hash, or no trailers: not rebuilt.
        var moved = server.Clone();
        moved.FeatureViews.Add(View("d", 1));
        Assert.Null(RegistryStamps.Rebuild(before.ToByteArray(), changes, [Trailers(moved, stored)]));
        Assert.Null(RegistryStamps.Rebuild(before.ToByteArray(), changes, [Trailers(server, stored, hash: new string('0', 64))]));
        Assert.Null(RegistryStamps.Rebuild(before.ToByteArray(), changes, [null]));
    }
}
