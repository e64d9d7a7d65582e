using Feast.Online;

namespace Feast.Tests.Online.Conformance;

/// <summary>The online store conformance suite on a SQLite file in a temporary directory.</summary>
public sealed class SqliteOnlineStoreConformanceTests : OnlineStoreConformanceTests, IDisposable
{
    private readonly TempDir _dir = new();

    protected override Task<IOnlineStore> CreateStoreAsync(string project) =>
        Task.FromResult<IOnlineStore>(new SqliteOnlineStore(_dir.File("data/online_store.db")));

    protected override Task<IOnlineStore> CreateLastWriteWinsStoreAsync(string project) =>
        Task.FromResult<IOnlineStore>(new SqliteOnlineStore(_dir.File("data/online_store.db"), lastWriteWins: true));

    // xunit disposes the store (DisposeAsync) before calling Dispose.
    public void Dispose() => _dir.Dispose();
}
