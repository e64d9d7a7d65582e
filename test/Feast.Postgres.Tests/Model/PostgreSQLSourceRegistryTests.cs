using Feast.Model.Proto;
using Google.Protobuf;
using P = Feast.Protos.Core;

namespace Feast.Postgres.Tests.Model;

/// <summary>A <see cref="PostgreSQLSource"/>'s registry mapping as <c>UsePostgres()</c> registers it.</summary>
public class PostgreSQLSourceRegistryTests
{
    private static readonly FeastBackends Backends = new FeastBackends().UsePostgres();

    [Fact]
    public void FromProto_PythonPostgreSQLSource_ReadsItAndWritesTheSameBytes()
    {
        var postgres = new P.DataSource
        {
            Name = "pg",
            Project = "p",
            Type = P.DataSource.Types.SourceType.CustomSource,
            DataSourceClassType = "feast.infra.offline_stores.contrib.postgres_offline_store.postgres_source.PostgreSQLSource",
            CustomOptions = new P.DataSource.Types.CustomSourceOptions { Configuration = ByteString.CopyFromUtf8("""{"name": "pg", "query": "", "table": "driver_stats"}""") },
            TimestampField = "ts",
        };

        var model = ProtoConverter.FromProto(postgres, Backends);

        Assert.Equal("driver_stats", Assert.IsType<PostgreSQLSource>(model).Table);
        Assert.Equal(postgres, ProtoConverter.ToProto(model, "p"));
    }

    [Fact]
    public void FromProto_PythonPostgreSQLSource_WithoutUsePostgres_StaysOpaqueByteForByte()
    {
        var postgres = new P.DataSource
        {
            Name = "pg",
            Project = "p",
            Type = P.DataSource.Types.SourceType.CustomSource,
            DataSourceClassType = PostgreSQLSource.FeastClassType,
            CustomOptions = new P.DataSource.Types.CustomSourceOptions { Configuration = ByteString.CopyFromUtf8("""{"name": "pg", "query": "", "table": "driver_stats"}""") },
            TimestampField = "ts",
        };

        var model = ProtoConverter.FromProto(postgres);

        Assert.IsType<OpaqueDataSource>(model);
        Assert.Equal(postgres, ProtoConverter.ToProto(model, "p"));
    }
}
