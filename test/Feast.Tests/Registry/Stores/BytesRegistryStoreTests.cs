using Feast.Registry;
using RegistryProto = Feast.Protos.Core.Registry;

namespace Feast.Tests.Registry.Stores;

/// <summary>
/// A registry backend written against the public API only (<see cref="RegistryData"/>'s bytes and stamp): it passes the
/// same conformance suite as the built-in stores, and keeps Feast's registry bytes unchanged.
/// </summary>
public sealed class BytesRegistryStoreTests : RegistryStoreConformanceTests
{
    private readonly BytesRegistryStore.Shelf _shelf = new();

    private protected override IRegistryStore NewStore(TimeProvider clock) => new BytesRegistryStore(_shelf, clock);

    private protected override RegistryProto AsRead(RegistryProto written) => written;

    [Fact]
    public async Task UpdateAsync_RegistryWrittenByPythonFeast_KeepsItsBytesUntilChanged()
    {
        var python = await File.ReadAllBytesAsync(TestData.FeastRegistryDb);
        _shelf.Bytes = python;
        var store = Store();

        var read = await store.ReadAsync();
        var declined = await store.UpdateAsync(_ => false);

        Assert.Equal(python, read!.ToByteArray());
        Assert.Equal(python, declined.ToByteArray());
        Assert.Same(python, _shelf.Bytes);
        Assert.Equal("4f1c2b4e-8a53-4d8b-9a54-5b7b1b0f2e11", read.VersionId);
    }

    [Fact]
    public async Task DeleteIfEmptyAsync_DecidesOnHoldsNothing()
    {
        var store = Store();
        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));
        Assert.False(await store.DeleteIfEmptyAsync());

        await store.UpdateAsync(r => RegistryTestData.RemoveProject(r.Proto, "alpha") && RegistryTestData.RemoveProject(r.Proto, "beta"));

        Assert.True(await store.DeleteIfEmptyAsync());
        Assert.Null(await store.ReadAsync());
    }

    /// <summary>Keeps the registry as Feast's bytes in memory, one writer at a time: only public Feast.NET API.</summary>
    private sealed class BytesRegistryStore(BytesRegistryStore.Shelf shelf, TimeProvider clock) : IRegistryStore
    {
        /// <summary>The "storage" several store instances share.</summary>
        public sealed class Shelf
        {
            public SemaphoreSlim Lock { get; } = new(1, 1);

            public byte[]? Bytes { get; set; }
        }

        public string Description => "memory";

        public Task<RegistryData?> ReadAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult(shelf.Bytes is { } bytes ? RegistryData.Parse(bytes, Description) : null);

        public Task<RegistryData> UpdateAsync(Func<RegistryData, bool> mutate, CancellationToken cancellationToken = default) =>
            UpdateAsync((registry, _) => ValueTask.FromResult(mutate(registry)), cancellationToken);

        public async Task<RegistryData> UpdateAsync(Func<RegistryData, CancellationToken, ValueTask<bool>> mutate, CancellationToken cancellationToken = default)
        {
            await shelf.Lock.WaitAsync(cancellationToken);
            try
            {
                var current = shelf.Bytes;
                var registry = current is null ? RegistryData.CreateEmpty() : RegistryData.Parse(current, Description);
                if (!await mutate(registry, cancellationToken))
                    return current is null ? RegistryData.CreateEmpty() : RegistryData.Parse(current, Description);
                registry.Stamp(clock);
                shelf.Bytes = registry.ToByteArray();
                return registry;
            }
            finally
            {
                shelf.Lock.Release();
            }
        }

        public Task DeleteAsync(CancellationToken cancellationToken = default)
        {
            shelf.Bytes = null;
            return Task.CompletedTask;
        }

        public async Task<bool> DeleteIfEmptyAsync(CancellationToken cancellationToken = default)
        {
            await shelf.Lock.WaitAsync(cancellationToken);
            try
            {
                if (shelf.Bytes is not { } bytes || !RegistryData.Parse(bytes, Description).HoldsNothing)
                    return false;
                shelf.Bytes = null;
                return true;
            }
            finally
            {
                shelf.Lock.Release();
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
