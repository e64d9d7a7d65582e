using Feast.Registry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Data.Sqlite;
using RegistryProto = Feast.Protos.Core.Registry;

namespace Feast.Tests.Registry.Stores;

// Inside the namespace, so the proto types win over the Feast model types of the same names.
using Feast.Protos.Core;

public sealed class SqlRegistryStoreTests : RegistryStoreConformanceTests
{
    private const string Url = "sqlite:///data/registry.db";

    private string DatabasePath => Temp.File("data/registry.db");

    private protected override IRegistryStore NewStore(TimeProvider clock) => new SqlRegistryStore(Url, Temp.Path, clock);

    // The SQL layout keeps no version id and timestamps to the second.
    private protected override RegistryProto AsRead(RegistryProto written)
    {
        var read = written.Clone();
        read.VersionId = "";
        read.LastUpdated = new Timestamp { Seconds = written.LastUpdated.Seconds };
        return read;
    }

    [Fact]
    public void Constructor_RelativeUrl_ResolvesAgainstBaseDirectory()
    {
        var store = new SqlRegistryStore(Url, Temp.Path);

        Assert.Equal(DatabasePath, store.DatabasePath);
        Assert.Contains(Url, store.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_AbsoluteUrl_UsesAbsolutePath()
    {
        var store = new SqlRegistryStore("sqlite:////var/feast/registry.db?check_same_thread=false", Temp.Path);

        Assert.Equal("/var/feast/registry.db", store.DatabasePath);
    }

    [Theory]
    [InlineData("postgresql://feast:secret@localhost:5432/feast")]
    [InlineData("postgresql+psycopg://localhost/feast")]
    [InlineData("mysql://localhost/feast")]
    public void Constructor_OtherScheme_ThrowsNamingUrlAndBackendRegistration(string url)
    {
        var error = Assert.Throws<RegistryException>(() => new SqlRegistryStore(url, Temp.Path));

        Assert.Contains(url, error.Message, StringComparison.Ordinal);
        Assert.Contains("need a SQL registry backend registered for their scheme", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sqlite://")]
    [InlineData("sqlite:///:memory:")]
    [InlineData("data/registry.db")]
    public void Constructor_NoDatabaseFile_Throws(string url)
    {
        var error = Assert.Throws<RegistryException>(() => new SqlRegistryStore(url, Temp.Path));

        Assert.Contains(url, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateAsync_TwoProjects_WritesFeastTableLayout()
    {
        await Store().UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));
        var epoch = RegistryTestData.Start.ToUnixTimeSeconds();

        await using var db = await OpenAsync();
        Assert.Equal(["project_id", "project_name", "last_updated_timestamp", "project_proto"], await ColumnsAsync(db, "projects"));
        Assert.Equal(["entity_name", "project_id", "last_updated_timestamp", "entity_proto"], await ColumnsAsync(db, "entities"));
        Assert.Equal(["data_source_name", "project_id", "last_updated_timestamp", "data_source_proto"], await ColumnsAsync(db, "data_sources"));
        Assert.Equal(
            ["feature_view_name", "project_id", "last_updated_timestamp", "materialized_intervals", "feature_view_proto", "user_metadata"],
            await ColumnsAsync(db, "feature_views"));
        foreach (var table in new[] { "stream_feature_views", "on_demand_feature_views", "label_views" })
            Assert.Equal(["feature_view_name", "project_id", "last_updated_timestamp", "feature_view_proto", "user_metadata"], await ColumnsAsync(db, table));
        Assert.Equal(["feature_service_name", "project_id", "last_updated_timestamp", "feature_service_proto"], await ColumnsAsync(db, "feature_services"));
        Assert.Equal(["saved_dataset_name", "project_id", "last_updated_timestamp", "saved_dataset_proto"], await ColumnsAsync(db, "saved_datasets"));
        Assert.Equal(
            ["validation_reference_name", "project_id", "last_updated_timestamp", "validation_reference_proto"],
            await ColumnsAsync(db, "validation_references"));
        Assert.Equal(["infra_name", "project_id", "last_updated_timestamp", "infra_proto"], await ColumnsAsync(db, "managed_infra"));
        Assert.Equal(["permission_name", "project_id", "last_updated_timestamp", "permission_proto"], await ColumnsAsync(db, "permissions"));
        Assert.Equal(["project_id", "metadata_key", "metadata_value", "last_updated_timestamp"], await ColumnsAsync(db, "feast_metadata"));

        Assert.Equal(
            [$"alpha|customer|{epoch}", $"alpha|driver|{epoch}", $"beta|customer|{epoch}", $"beta|driver|{epoch}"],
            await QueryAsync(db, "SELECT project_id || '|' || entity_name || '|' || last_updated_timestamp FROM entities ORDER BY 1"));
        Assert.Equal(["alpha|alpha", "beta|beta"], await QueryAsync(db, "SELECT project_id || '|' || project_name FROM projects ORDER BY 1"));
        var entity = Entity.Parser.ParseFrom(await BlobAsync(db, "SELECT entity_proto FROM entities WHERE entity_name = 'driver' AND project_id = 'beta'"));
        Assert.Equal(RegistryTestData.Entity("beta", "driver"), entity);
        Assert.Equal(
            [$"alpha|last_updated_timestamp|{epoch}", "alpha|project_uuid|00000000-0000-4000-8000-000000000005",
             $"beta|last_updated_timestamp|{epoch}", "beta|project_uuid|00000000-0000-4000-8000-000000000004"],
            await QueryAsync(db, "SELECT project_id || '|' || metadata_key || '|' || metadata_value FROM feast_metadata ORDER BY 1"));
        Assert.Equal(["alpha|infra_obj", "beta|infra_obj"], await QueryAsync(db, "SELECT project_id || '|' || infra_name FROM managed_infra ORDER BY 1"));
        var betaInfra = Infra.Parser.ParseFrom(await BlobAsync(db, "SELECT infra_proto FROM managed_infra WHERE project_id = 'beta'"));
        Assert.Equal(["beta_driver_hourly_stats"], betaInfra.InfraObjects.Select(o => o.SqliteTable.Name));
    }

    [Fact]
    public async Task UpdateAsync_ObjectRemoved_DeletesItsRow()
    {
        var store = Store();
        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));

        await store.UpdateAsync(r =>
        {
            r.Proto.Entities.Remove(r.Proto.Entities.Single(e => e.Spec.Project == "alpha" && e.Spec.Name == "customer"));
            r.Proto.FeatureServices.Clear();
            return true;
        });

        await using var db = await OpenAsync();
        Assert.Equal(["alpha|driver", "beta|customer", "beta|driver"], await QueryAsync(db, "SELECT project_id || '|' || entity_name FROM entities ORDER BY 1"));
        Assert.Empty(await QueryAsync(db, "SELECT feature_service_name FROM feature_services"));
    }

    [Fact]
    public async Task UpdateAsync_OneObjectChanged_RewritesOnlyItsRowAndProject()
    {
        var store = Store();
        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));
        var before = RegistryTestData.Start.ToUnixTimeSeconds();
        Clock.Advance(TimeSpan.FromHours(1));
        var after = before + 3600;

        await store.UpdateAsync(r =>
        {
            r.Proto.Entities.Single(e => e.Spec.Project == "beta" && e.Spec.Name == "driver").Spec.Description = "changed";
            return true;
        });

        await using var db = await OpenAsync();
        Assert.Equal(
            [$"alpha|customer|{before}", $"alpha|driver|{before}", $"beta|customer|{before}", $"beta|driver|{after}"],
            await QueryAsync(db, "SELECT project_id || '|' || entity_name || '|' || last_updated_timestamp FROM entities ORDER BY 1"));
        Assert.Equal([$"alpha|{before}", $"beta|{after}"],
            await QueryAsync(db, "SELECT project_id || '|' || metadata_value FROM feast_metadata WHERE metadata_key = 'last_updated_timestamp' ORDER BY 1"));
        Assert.Equal(after, (await store.ReadAsync())!.LastUpdated!.Value.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task UpdateAsync_ProjectEmptied_RemovesItsMetadata()
    {
        var store = Store();
        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));

        await store.UpdateAsync(r => RegistryTestData.RemoveProject(r.Proto, "beta"));

        await using var db = await OpenAsync();
        Assert.Equal(["alpha"], await QueryAsync(db, "SELECT DISTINCT project_id FROM feast_metadata"));
        Assert.Empty(await QueryAsync(db, "SELECT project_id FROM managed_infra WHERE project_id = 'beta'"));
        var read = (await store.ReadAsync())?.Proto;
        Assert.Equal(["alpha"], read!.Projects.Select(p => p.Spec.Name));
        Assert.Equal(["alpha"], RegistryStamp.ProjectMetadata(read).Select(m => m.Project));
    }

    [Fact]
    public async Task UpdateAsync_DuplicateNamesInProject_ThrowsAndWritesNothing()
    {
        var store = Store();
        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));

        var error = await Assert.ThrowsAsync<RegistryException>(() => store.UpdateAsync(r =>
        {
            r.Proto.Entities.Add(RegistryTestData.Entity("alpha", "driver"));
            r.Proto.FeatureServices.Clear();
            return true;
        }));

        Assert.Contains("'driver'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'alpha'", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await store.ReadAsync())!.Proto.FeatureServices.Count);
    }

    [Fact]
    public async Task ReadAsync_TablesWrittenByPythonSqlAlchemy_AssemblesRegistry()
    {
        Directory.CreateDirectory(Temp.File("data"));
        await using (var db = await OpenAsync(create: true))
        {
            // The DDL SQLAlchemy emits for Feast's tables (String -> VARCHAR), with only some tables present.
            await ExecAsync(db, """
                CREATE TABLE entities (entity_name VARCHAR(50) NOT NULL, project_id VARCHAR(50) NOT NULL,
                    last_updated_timestamp BIGINT NOT NULL, entity_proto BLOB NOT NULL, PRIMARY KEY (entity_name, project_id));
                CREATE TABLE feature_views (feature_view_name VARCHAR(50) NOT NULL, project_id VARCHAR(50) NOT NULL,
                    last_updated_timestamp BIGINT NOT NULL, materialized_intervals BLOB, feature_view_proto BLOB NOT NULL,
                    user_metadata BLOB, PRIMARY KEY (feature_view_name, project_id));
                CREATE TABLE feast_metadata (project_id VARCHAR(50) NOT NULL, metadata_key VARCHAR(50) NOT NULL,
                    metadata_value VARCHAR(50) NOT NULL, last_updated_timestamp BIGINT NOT NULL, PRIMARY KEY (project_id, metadata_key));
                INSERT INTO feast_metadata VALUES ('shop', 'last_updated_timestamp', '1700000000', 1700000000);
                INSERT INTO feast_metadata VALUES ('shop', 'project_uuid', 'c0ffee00-0000-4000-8000-000000000000', 1700000000);
                INSERT INTO feast_metadata VALUES ('shop', 'permissions_decision_strategy', 'unanimous', 1700000000);
                """);
            await ExecAsync(db, "INSERT INTO entities VALUES ('user', 'shop', 1700000000, $proto)", RegistryTestData.Entity("shop", "user").ToByteArray());
            var view = new FeatureView { Spec = new FeatureViewSpec { Name = "user_stats", Project = "shop" } };
            await ExecAsync(db, "INSERT INTO feature_views VALUES ('user_stats', 'shop', 1700000000, NULL, $proto, x'0102')", view.ToByteArray());
        }
        var store = Store();

        var data = await store.ReadAsync();
        var read = data?.Proto;

        Assert.NotNull(read);
        Assert.Equal(["user"], read.Entities.Select(e => e.Spec.Name));
        Assert.Equal(["user_stats"], read.FeatureViews.Select(v => v.Spec.Name));
        Assert.Equal(1700000000, read.LastUpdated.Seconds);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), data!.LastUpdated);
        Assert.Equal("", data.VersionId);
        Assert.Equal("c0ffee00-0000-4000-8000-000000000000", RegistryStamp.ProjectMetadata(read).Single().ProjectUuid);

        // Writing keeps what Feast.NET does not manage: user_metadata and other metadata keys.
        await store.UpdateAsync(r =>
        {
            r.Proto.FeatureViews[0].Spec.Description = "changed";
            return true;
        });
        await using var check = await OpenAsync();
        Assert.Equal(["0102"], await QueryAsync(check, "SELECT hex(user_metadata) FROM feature_views"));
        Assert.Equal(["unanimous"], await QueryAsync(check, "SELECT metadata_value FROM feast_metadata WHERE metadata_key = 'permissions_decision_strategy'"));
    }

    [Fact]
    public async Task ReadAsync_NotADatabase_ThrowsRegistryExceptionNamingPath()
    {
        Directory.CreateDirectory(Temp.File("data"));
        await File.WriteAllTextAsync(DatabasePath, "this is not a database, it is a long enough text file to have a header");

        var error = await Assert.ThrowsAsync<RegistryException>(() => Store().ReadAsync());

        Assert.Contains(DatabasePath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateAsync_WriterHoldsDatabase_WaitsThenThrowsWhenBusyTooLong()
    {
        var store = Store();
        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));
        await using var db = await OpenAsync();
        using var blocking = db.BeginTransaction(deferred: false);
        await using var impatient = new SqlRegistryStore(Url, Temp.Path, Clock) { BusyTimeout = TimeSpan.FromMilliseconds(300) };

        var error = await Assert.ThrowsAsync<RegistryException>(() => impatient.UpdateAsync(_ => true));

        Assert.Contains("another feast process", error.Message, StringComparison.Ordinal);
    }

    private async Task<SqliteConnection> OpenAsync(bool create = false)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecAsync(SqliteConnection db, string sql, byte[]? proto = null)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        if (proto is not null)
            command.Parameters.AddWithValue("$proto", proto);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> QueryAsync(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
            values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        return values;
    }

    private static async Task<List<string>> ColumnsAsync(SqliteConnection db, string table) =>
        await QueryAsync(db, $"SELECT name FROM pragma_table_info('{table}') ORDER BY cid");

    private static async Task<byte[]> BlobAsync(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return (byte[])(await command.ExecuteScalarAsync())!;
    }
}
