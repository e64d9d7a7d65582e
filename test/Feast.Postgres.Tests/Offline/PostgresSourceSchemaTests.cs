using Feast.Configuration;
using Feast.Postgres.Offline;

namespace Feast.Postgres.Tests.Offline;

/// <summary>
/// <see cref="PostgresOfflineStore.GetSourceSchemaAsync"/> over <see cref="PostgreSQLSource"/> tables and queries, and
/// apply inferring from them: the timestamp field, the join key's type and the features.
/// </summary>
public sealed class PostgresSourceSchemaTests : IAsyncLifetime
{
    private PostgresTestSchema _schema = null!;

    public async Task InitializeAsync()
    {
        _schema = await PostgresTestSchema.CreateAsync("schema");
        await PostgresTestSchema.ExecuteAsync($"""
            CREATE TABLE {_schema.Quoted}.trips (driver_id bigint, event_ts timestamptz, trips integer, rating real, score double precision,
                price numeric(10, 2), note character varying(20), tags text[], ok boolean);
            INSERT INTO {_schema.Quoted}.trips VALUES (1001, TIMESTAMPTZ '2026-01-15 10:00:00+00', 3, 4.5, 0.25, 9.99, 'x', ARRAY['a'], true);
            """);
    }

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    [Fact]
    public async Task GetSourceSchema_TableAndQuery_GiveFeastsTypesForPostgreSQLSource()
    {
        await using var store = new PostgresOfflineStore(_schema.Options());

        var table = await store.GetSourceSchemaAsync(new PostgreSQLSource("t", table: "trips"));
        var query = await store.GetSourceSchemaAsync(new PostgreSQLSource("q", query: "SELECT driver_id, event_ts, trips * 2 AS doubled, rating::double precision AS r FROM trips"));

        Assert.Equal(
            [("driver_id", FeastType.Int64), ("event_ts", FeastType.UnixTimestamp), ("trips", FeastType.Int32), ("rating", FeastType.Float32), ("score", FeastType.Float64),
             ("price", FeastType.Float64), ("note", FeastType.String), ("tags", FeastType.Array(FeastType.String)), ("ok", FeastType.Bool)],
            table!.Select(c => (c.Name, c.Type)));
        Assert.Equal(["event_ts"], table!.Where(c => c.IsTimestamp).Select(c => c.Name));
        Assert.Equal([("driver_id", FeastType.Int64), ("event_ts", FeastType.UnixTimestamp), ("doubled", FeastType.Int32), ("r", FeastType.Float64)],
            query!.Select(c => (c.Name, c.Type)));
    }

    [Fact]
    public async Task Apply_TableAndQuerySourcesWithoutTimestampFieldOrSchema_InfersThem()
    {
        var repo = Directory.CreateTempSubdirectory("feast-pg-schema").FullName;
        try
        {
            await using var store = Open(repo);
            var driver = new Entity("driver", ["driver_id"]);
            var table = new PostgreSQLSource("trips_table", table: "trips");
            var query = new PostgreSQLSource("trips_query", query: "SELECT driver_id AS id, event_ts, trips + 1 AS next_trips FROM trips",
                fieldMapping: new Dictionary<string, string> { ["id"] = "driver_id" });

            await store.ApplyAsync([driver, new FeatureView("from_table", table, [driver]), new FeatureView("from_query", query, [driver])]);

            var registry = await store.GetRegistryAsync(allowCache: false);
            var fromTable = registry.GetFeatureView("from_table");
            Assert.Equal("event_ts", fromTable.BatchSource.TimestampField);
            Assert.Equal([new Field("driver_id", FeastType.Int64)], fromTable.EntityColumns);
            Assert.Equal(["trips", "rating", "score", "price", "note", "tags", "ok"], fromTable.Features.Select(f => f.Name));
            var fromQuery = registry.GetFeatureView("from_query");
            Assert.Equal([new Field("driver_id", FeastType.Int64)], fromQuery.EntityColumns);
            Assert.Equal([new Field("next_trips", FeastType.Int32)], fromQuery.Features);
        }
        finally
        {
            Directory.Delete(repo, recursive: true);
        }
    }

    [Fact]
    public async Task Apply_MissingTableOrColumn_FailsNamingThem()
    {
        var repo = Directory.CreateTempSubdirectory("feast-pg-schema").FullName;
        try
        {
            await using var store = Open(repo);
            var driver = new Entity("driver", ["driver_id"], ValueType.Int64);
            var missingTable = new FeatureView("v", new PostgreSQLSource("gone", table: "no_such_table", timestampField: "event_ts"), [driver],
                schema: [new Field("trips", FeastType.Int64)]);
            var missingColumn = new FeatureView("v", new PostgreSQLSource("t", table: "trips", timestampField: "event_ts"), [driver],
                schema: [new Field("speed", FeastType.Float32)]);

            var table = await Assert.ThrowsAsync<DataSourceValidationException>(() => store.ApplyAsync([driver, missingTable]));
            var column = await Assert.ThrowsAsync<DataSourceValidationException>(() => store.ApplyAsync([driver, missingColumn]));

            Assert.Contains("no_such_table", table.Message, StringComparison.Ordinal);
            Assert.Contains("does not exist", table.Message, StringComparison.Ordinal);
            Assert.Contains("has no column 'speed'", column.Message, StringComparison.Ordinal);
            Assert.True((await store.GetRegistryAsync(allowCache: false)).IsEmpty);
        }
        finally
        {
            Directory.Delete(repo, recursive: true);
        }
    }

    private FeatureStore Open(string repo) =>
        new(RepoConfigLoader.Parse("project: pgschema\nregistry: registry.db\nprovider: local\nonline_store: null\n", repo),
            new FeatureStoreOptions { OfflineStore = new PostgresOfflineStore(_schema.Options()) });
}
