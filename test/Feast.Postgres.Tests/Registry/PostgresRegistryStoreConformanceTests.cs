using Feast.Postgres.Registry;
using Feast.Registry;
using Feast.Tests.Registry.Stores;
using Google.Protobuf.WellKnownTypes;
using RegistryProto = Feast.Protos.Core.Registry;

namespace Feast.Postgres.Tests.Registry;

/// <summary>The registry store conformance suite on the test PostgreSQL server, each test in its own schema.</summary>
public sealed class PostgresRegistryStoreConformanceTests : RegistryStoreConformanceTests
{
    private readonly string _schema = PgTest.UniqueName("reg");

    private protected override IRegistryStore NewStore(TimeProvider clock) => new PostgresRegistryStore(PgTest.RegistryUrl(_schema), clock);

    // Feast's SQL layout keeps no version id and timestamps to the second.
    private protected override RegistryProto AsRead(RegistryProto written)
    {
        var read = written.Clone();
        read.VersionId = "";
        read.LastUpdated = new Timestamp { Seconds = written.LastUpdated.Seconds };
        return read;
    }
}
