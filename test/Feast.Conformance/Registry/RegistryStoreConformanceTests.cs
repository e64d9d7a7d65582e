using Feast.Registry;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Time.Testing;
using RegistryProto = Feast.Protos.Core.Registry;

namespace Feast.Tests.Registry.Stores;

/// <summary>What every <see cref="IRegistryStore"/> must do; each backend runs these through a subclass.</summary>
public abstract partial class RegistryStoreConformanceTests : IDisposable
{
    private readonly List<IRegistryStore> _stores = [];

    internal TempDirectory Temp { get; } = new();

    internal FakeTimeProvider Clock { get; } = RegistryTestData.Clock();

    /// <summary>A new store instance on this test's registry location.</summary>
    private protected abstract IRegistryStore NewStore(TimeProvider clock);

    /// <summary>What reading gives back for a registry this backend wrote.</summary>
    private protected abstract RegistryProto AsRead(RegistryProto written);

    private protected IRegistryStore Store(TimeProvider? clock = null)
    {
        var store = NewStore(clock ?? Clock);
        _stores.Add(store);
        return store;
    }

    public void Dispose()
    {
        foreach (var store in _stores)
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task ReadAsync_NothingWritten_ReturnsNull()
    {
        Assert.Null(await Store().ReadAsync());
    }

    [Fact]
    public async Task UpdateAsync_EmptyStore_MutateSeesEmptyRegistryWithSchemaVersion()
    {
        RegistryProto? seen = null;
        var returned = await Store().UpdateAsync(r =>
        {
            seen = r.Proto.Clone();
            return false;
        });

        Assert.Equal(new RegistryProto { RegistrySchemaVersion = "1" }, seen);
        Assert.Equal(seen, returned.Proto);
        Assert.Equal("1", returned.SchemaVersion);
        Assert.True(returned.HoldsNothing);
    }

    [Fact]
    public async Task UpdateAsync_TwoProjects_AnotherInstanceReadsSameRegistry()
    {
        var sample = RegistryTestData.TwoProjects();

        var written = await Store().UpdateAsync(r => RegistryTestData.ReplaceWith(r, sample));
        var read = (await Store().ReadAsync())?.Proto;

        Assert.NotNull(read);
        Assert.Equal(AsRead(written.Proto), read);
        Assert.Equal(4, read.Entities.Count);
        Assert.Equal(["alpha", "beta"], read.Projects.Select(p => p.Spec.Name));
    }

    [Fact]
    public async Task UpdateAsync_EachWrite_StampsNewVersionAndClockTime()
    {
        var store = Store();
        var first = await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));
        Clock.Advance(TimeSpan.FromMinutes(5));
        var second = await store.UpdateAsync(r =>
        {
            r.Proto.Entities.Add(RegistryTestData.Entity("alpha", "vehicle"));
            return true;
        });

        Assert.True(Guid.TryParse(first.VersionId, out _));
        Assert.True(Guid.TryParse(second.VersionId, out _));
        Assert.NotEqual(first.VersionId, second.VersionId);
        Assert.Equal(RegistryTestData.Start, first.LastUpdated);
        Assert.Equal(Timestamp.FromDateTimeOffset(RegistryTestData.Start), first.Proto.LastUpdated);
        Assert.Equal(RegistryTestData.Start.AddMinutes(5), second.LastUpdated);
        Assert.Equal("1", second.SchemaVersion);
        Assert.Equal("1", second.Proto.RegistrySchemaVersion);
        Assert.Equal(RegistryTestData.Start.AddMinutes(5), (await store.ReadAsync())!.LastUpdated);
    }

    [Fact]
    public async Task UpdateAsync_MutateReturnsFalse_ReturnsCurrentAndWritesNothing()
    {
        var store = Store();
        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));
        var before = (await store.ReadAsync())!.Proto;
        Clock.Advance(TimeSpan.FromMinutes(1));

        var returned = await store.UpdateAsync(r =>
        {
            r.Proto.Entities.Clear();
            return false;
        });

        Assert.Equal(before, (await store.ReadAsync())!.Proto);
        Assert.Equal(4, returned.Proto.Entities.Count);
    }

    [Fact]
    public async Task UpdateAsync_MutateThrows_OldRegistryIntact()
    {
        var store = Store();
        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));
        var before = (await store.ReadAsync())!.Proto;

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.UpdateAsync(r =>
        {
            r.Proto.Entities.Clear();
            r.Proto.FeatureViews.Clear();
            throw new InvalidOperationException("crash mid-write");
        }));

        Assert.Equal(before, (await Store().ReadAsync())!.Proto);
        // The lock was released: the next writer gets through.
        await store.UpdateAsync(r => r.Proto.Entities.Count == 4);
    }

    [Fact]
    public async Task UpdateAsync_ObjectRemoved_ReadNoLongerHasIt()
    {
        var store = Store();
        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));

        await store.UpdateAsync(r =>
        {
            r.Proto.Entities.Remove(r.Proto.Entities.Single(e => e.Spec.Project == "beta" && e.Spec.Name == "customer"));
            r.Proto.Permissions.Clear();
            return true;
        });

        var read = (await store.ReadAsync())?.Proto;
        Assert.Equal(["alpha/customer", "alpha/driver", "beta/driver"], read!.Entities.Select(e => $"{e.Spec.Project}/{e.Spec.Name}"));
        Assert.Empty(read.Permissions);
        Assert.Equal(2, read.FeatureViews.Count);
    }

    [Fact]
    public async Task UpdateAsync_TwentyConcurrentWritersOnTwoInstances_LoseNothing()
    {
        var stores = new[] { Store(TimeProvider.System), Store(TimeProvider.System) };

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => stores[i % 2].UpdateAsync(r =>
        {
            r.Proto.Entities.Add(RegistryTestData.Entity("alpha", $"entity_{i:00}"));
            RegistryTestData.EnsureProject(r.Proto, "alpha");
            return true;
        }))));

        var read = (await Store().ReadAsync())?.Proto;
        Assert.Equal(
            Enumerable.Range(0, 20).Select(i => $"entity_{i:00}"),
            read!.Entities.Select(e => e.Spec.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task UpdateAsync_TwentyConcurrentWritersOnOneInstance_LoseNothing()
    {
        var store = Store(TimeProvider.System);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => store.UpdateAsync(r =>
        {
            r.Proto.Entities.Add(RegistryTestData.Entity("beta", $"entity_{i:00}"));
            RegistryTestData.EnsureProject(r.Proto, "beta");
            return true;
        }))));

        Assert.Equal(20, (await store.ReadAsync())!.Proto.Entities.Count);
    }

    [Fact]
    public async Task UpdateAsync_AsyncMutate_RunsUnderTheLockAcrossAwaits()
    {
        // Each writer awaits inside its mutate (as apply does while it creates online tables); no other writer of
        // either instance may enter until it is done, and no write is lost.
        var stores = new[] { Store(TimeProvider.System), Store(TimeProvider.System) };
        var inside = 0;
        var mostInside = 0;

        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => stores[i % 2].UpdateAsync(async (r, ct) =>
        {
            var now = Interlocked.Increment(ref inside);
            InterlockedMax(ref mostInside, now);
            await Task.Yield();
            await Task.Run(() => Thread.Sleep(0), ct);
            r.Proto.Entities.Add(RegistryTestData.Entity("gamma", $"entity_{i:00}"));
            RegistryTestData.EnsureProject(r.Proto, "gamma");
            Interlocked.Decrement(ref inside);
            return true;
        }))));

        Assert.Equal(1, mostInside);
        Assert.Equal(12, (await Store().ReadAsync())!.Proto.Entities.Count);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen) return;
            seen = previous;
        }
    }

    [Fact]
    public async Task DeleteAsync_AfterWrite_ReadReturnsNull()
    {
        var store = Store();
        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));

        await store.DeleteAsync();

        Assert.Null(await store.ReadAsync());
        await store.DeleteAsync(); // nothing left: still fine
    }
}
