using Feast.Postgres.Registry;
using Feast.Registry;
using Feast.Tests.Registry.Stores;
using Google.Protobuf;

namespace Feast.Postgres.Tests.Registry;

/// <summary>What is specific to the PostgreSQL registry: its URL, its table layout and its connection errors.</summary>
public sealed class PostgresRegistryStoreTests : IAsyncLifetime
{
    private readonly string _schema = PgTest.UniqueName("regx");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => PgTest.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");

    [Fact]
    public void Parse_DriverUrlWithEscapesPortAndSslmode_ReadsEveryPart()
    {
        var url = PostgresRegistryUrl.Parse("postgresql+psycopg://feast%20user:p%40ss:word@db.example.com:5433/feature%20store?sslmode=disable&options=-csearch_path%3Dfeast_reg");

        var settings = new Npgsql.NpgsqlConnectionStringBuilder(url.ConnectionString);
        Assert.Equal(("db.example.com", 5433, "feature store", "feast user", "p@ss:word"), (settings.Host, settings.Port, settings.Database, settings.Username, settings.Password));
        Assert.Equal(Npgsql.SslMode.Disable, settings.SslMode);
        Assert.Equal("feast_reg", url.Schema);
        Assert.Equal("postgresql+psycopg://feast%20user:***@db.example.com:5433/feature%20store?sslmode=disable&options=-csearch_path%3Dfeast_reg", url.Masked);
    }

    [Fact]
    public void Parse_NoPortNoSslmode_DefaultsOfLibpq()
    {
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(PostgresRegistryUrl.Parse("postgresql://u:p@host/db").ConnectionString);

        Assert.Equal((5432, Npgsql.SslMode.Prefer), (settings.Port, settings.SslMode));
    }

    [Theory]
    [InlineData("postgresql://u:s3cret@host:port/db", "port")]
    [InlineData("postgresql://u:s3cret@host:5432", "names no database")]
    [InlineData("postgresql://u:s3cret@host/db?sslmode=requird", "'requird'")]
    [InlineData("postgresql://u:s3cret@host/db?colour=blue", "'colour'")]
    [InlineData("mysql://u:s3cret@host/db", "not postgresql")]
    public void Parse_BadUrl_ErrorShowsUrlWithPasswordMasked(string url, string why)
    {
        var error = Assert.Throws<RegistryException>(() => new PostgresRegistryStore(url));

        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.Contains("u:***@host", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_NothingListening_ErrorNamesServerNotPassword()
    {
        await using var store = new PostgresRegistryStore("postgresql://feast:s3cret@127.0.0.1:1/registry?sslmode=disable&connect_timeout=2");

        var error = await Assert.ThrowsAsync<RegistryException>(() => store.ReadAsync());

        Assert.Contains("127.0.0.1:1", error.Message, StringComparison.Ordinal);
        Assert.Contains("'feast'", error.Message, StringComparison.Ordinal);
        Assert.Contains("feast:***@", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateAsync_UnknownUser_ErrorSaysCheckUserAndPassword()
    {
        var url = PgTest.RegistryUrl(_schema).Replace(new Npgsql.NpgsqlConnectionStringBuilder(TestServers.ConnectionString).Username + "@", "nobody_here@", StringComparison.Ordinal)
            .Replace("://" + new Npgsql.NpgsqlConnectionStringBuilder(TestServers.ConnectionString).Username + ":", "://nobody_here:", StringComparison.Ordinal);
        await using var store = new PostgresRegistryStore(url);

        var error = await Assert.ThrowsAsync<RegistryException>(() => store.UpdateAsync(_ => true));

        Assert.Contains("'nobody_here'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Check user and password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateAsync_TwoProjects_WritesFeastTableLayoutWithByteaProtos()
    {
        await using var store = new PostgresRegistryStore(PgTest.RegistryUrl(_schema), RegistryTestData.Clock());
        var sample = RegistryTestData.TwoProjects();

        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, sample));

        var tables = (await PgTest.QueryAsync("SELECT table_name::text FROM information_schema.tables WHERE table_schema = @s ORDER BY 1", ("s", _schema)))
            .Select(r => (string)r[0]!).ToList();
        Assert.Equal(
            [
                "data_sources", "entities", "feast_metadata", "feature_services", "feature_view_version_history", "feature_views", "label_views",
                "managed_infra", "on_demand_feature_views", "permissions", "projects", "saved_datasets", "stream_feature_views", "validation_references",
            ],
            tables);
        var featureViewColumns = await PgTest.QueryAsync(
            "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = @s AND table_name = 'feature_views' ORDER BY ordinal_position",
            ("s", _schema));
        Assert.Equal(
            ["feature_view_name text", "project_id text", "last_updated_timestamp bigint", "materialized_intervals bytea", "feature_view_proto bytea", "user_metadata bytea"],
            featureViewColumns.Select(c => $"{c[0]} {c[1]}"));
        var driver = sample.Entities.Single(e => e.Spec.Project == "alpha" && e.Spec.Name == "driver");
        var stored = await PgTest.ScalarAsync<byte[]>($"SELECT entity_proto FROM \"{_schema}\".entities WHERE entity_name = 'driver' AND project_id = 'alpha'");
        Assert.Equal(driver.ToByteArray(), stored);
        var metadata = await PgTest.QueryAsync($"SELECT project_id, metadata_value FROM \"{_schema}\".feast_metadata WHERE metadata_key = 'last_updated_timestamp' ORDER BY 1");
        Assert.Equal(["alpha", "beta"], metadata.Select(m => (string)m[0]!));
        Assert.All(metadata, m => Assert.Equal(RegistryTestData.Start.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), (string)m[1]!));
    }

    [Fact]
    public async Task UpdateAsync_MutateThrows_NothingWritten()
    {
        await using var store = new PostgresRegistryStore(PgTest.RegistryUrl(_schema), RegistryTestData.Clock());
        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));
        var before = (await store.ReadAsync())?.Proto;

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.UpdateAsync(r =>
        {
            r.Proto.Entities.Clear();
            throw new InvalidOperationException("boom");
        }));

        Assert.Equal(before, (await store.ReadAsync())?.Proto);
    }

    [Fact]
    public async Task UpdateAsync_DuplicateNames_RollsBackTheWholeWrite()
    {
        await using var store = new PostgresRegistryStore(PgTest.RegistryUrl(_schema), RegistryTestData.Clock());
        await store.UpdateAsync(r => RegistryTestData.ReplaceWith(r, RegistryTestData.TwoProjects()));
        var before = (await store.ReadAsync())?.Proto;

        // The new entity is inserted before the duplicate feature service is found: that insert must be undone.
        await Assert.ThrowsAsync<RegistryException>(() => store.UpdateAsync(r =>
        {
            r.Proto.Entities.Add(RegistryTestData.Entity("alpha", "rider"));
            r.Proto.FeatureServices.Add(r.Proto.FeatureServices[0].Clone());
            return true;
        }));

        Assert.Equal(before, (await store.ReadAsync())?.Proto);
    }
}
