using Feast.Online;
using Feast.Postgres.Online;
using Feast.Tests.Online.Conformance;

namespace Feast.Postgres.Tests.Online;

/// <summary>The online store conformance suite on the test PostgreSQL server, each test in its own schema and project.</summary>
public sealed class PostgresOnlineStoreConformanceTests : OnlineStoreConformanceTests
{
    protected override Task<IOnlineStore> CreateStoreAsync(string project) =>
        Task.FromResult<IOnlineStore>(new PostgresOnlineStore(PgTest.OnlineOptions(project)));

    protected override Task<IOnlineStore> CreateLastWriteWinsStoreAsync(string project) =>
        Task.FromResult<IOnlineStore>(new PostgresOnlineStore(PgTest.OnlineOptions(project) with { LastWriteWins = true }));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await PgTest.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{Project}\" CASCADE");
    }
}
