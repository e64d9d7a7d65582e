using Apache.Arrow;
using Feast.Configuration;
using Feast.Offline;
using Feast.Postgres.Offline;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;
using P = Feast.Protos.Core;

namespace Feast.Postgres.Tests.Offline;

/// <summary>What only the PostgreSQL offline store has: query sources, SQL entity data in both select modes, streamed pulls, pushes, the registry format.</summary>
public sealed class PostgresOfflineStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 15, 10, 0, 0, TimeSpan.Zero);
    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);
    private PostgresTestSchema _schema = null!;

    public async Task InitializeAsync() => _schema = await PostgresTestSchema.CreateAsync("offline");

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();

    private string Table(string name) => $"{_schema.Quoted}.{PostgresConnections.Quote(name)}";

    /// <summary>driver_stats: drivers 1..3, hourly rows at T0-2h..T0 with conv = driver*10 + hour; naive timestamps (UTC).</summary>
    private async Task<string> DriverStatsAsync()
    {
        var table = Table("driver_stats");
        await PostgresTestSchema.ExecuteAsync($"""
            CREATE TABLE {table} (id bigint, conv real, label text, ts timestamp, created timestamptz);
            INSERT INTO {table}
            SELECT d, d * 10 + h, 'd' || d || 'h' || h, TIMESTAMP '2026-01-15 10:00:00' - (2 - h) * interval '1 hour', TIMESTAMPTZ '2026-01-20 00:00:00+00'
            FROM generate_series(1, 3) AS d, generate_series(0, 2) AS h;
            -- A backfill of driver 1 at T0, created later: it wins the tie.
            INSERT INTO {table} VALUES (1, 999, 'backfill', TIMESTAMP '2026-01-15 10:00:00', TIMESTAMPTZ '2026-01-21 00:00:00+00');
            """);
        return table;
    }

    private static FeatureView View(DataSource source, TimeSpan ttl) =>
        new("driver_stats", source, [Driver], ttl, [new Field("conv_rate", FeastType.Float32), new Field("label", FeastType.String)]);

    private static PostgreSQLSource Source(string? table = null, string? query = null) =>
        new("driver_stats_source", table: table, query: query, timestampField: "ts", createdTimestampColumn: "created",
            fieldMapping: new Dictionary<string, string> { ["id"] = "driver_id", ["conv"] = "conv_rate" });

    private static async Task<List<RecordBatch>> ReadAllAsync(IAsyncEnumerable<RecordBatch> batches)
    {
        var list = new List<RecordBatch>();
        await foreach (var batch in batches) list.Add(batch);
        return list;
    }

    private static object? Cell(RecordBatch batch, string column, int row)
    {
        var array = batch.Column(batch.Schema.GetFieldIndex(column));
        return array switch
        {
            FloatArray a => a.GetValue(row),
            Int64Array a => a.GetValue(row),
            StringArray a => a.GetString(row),
            TimestampArray a => a.GetTimestamp(row),
            _ => throw new NotSupportedException(array.GetType().Name),
        };
    }

    [Fact]
    public async Task GetHistoricalFeatures_QuerySourceWithNaiveTimestamps_JoinsAsUtcWithTtlAndTieBreak()
    {
        var table = await DriverStatsAsync();
        await using var store = new PostgresOfflineStore(_schema.Options());
        var view = View(Source(query: $"SELECT * FROM {table} WHERE id <> 3"), TimeSpan.FromHours(1));
        var entities = EntityData.FromRows([
            new Dictionary<string, object?> { ["driver_id"] = 1L, ["event_timestamp"] = T0 },
            new Dictionary<string, object?> { ["driver_id"] = 2L, ["event_timestamp"] = T0.AddMinutes(30) },
            new Dictionary<string, object?> { ["driver_id"] = 2L, ["event_timestamp"] = T0.AddHours(1) },           // T-ttl = T0: inclusive
            new Dictionary<string, object?> { ["driver_id"] = 2L, ["event_timestamp"] = T0.AddHours(1).AddTicks(10) }, // 1 µs past the TTL
            new Dictionary<string, object?> { ["driver_id"] = 3L, ["event_timestamp"] = T0 },                     // filtered out by the query
        ]);

        var batch = Assert.Single(await ReadAllAsync(store.GetHistoricalFeatures(
            new HistoricalRetrievalRequest(entities, [new FeatureViewRequest(view, view.Projection, view.Features)], false)).ToArrowAsync()));

        Assert.Equal(["driver_id", "event_timestamp", "conv_rate", "label"], batch.Schema.FieldsList.Select(f => f.Name));
        Assert.Equal([999f, 22f, 22f, null, null], Enumerable.Range(0, 5).Select(r => (float?)Cell(batch, "conv_rate", r)));
        Assert.Equal("backfill", Cell(batch, "label", 0));
    }

    [Theory]
    [InlineData(PostgresEntitySelectMode.TempTable)]
    [InlineData(PostgresEntitySelectMode.EmbedQuery)]
    public async Task GetHistoricalFeatures_SqlEntityData_JoinsInQueryOrder(PostgresEntitySelectMode mode)
    {
        var table = await DriverStatsAsync();
        var entityTable = Table("entity_rows");
        await PostgresTestSchema.ExecuteAsync($"""
            CREATE TABLE {entityTable} (driver_id integer, event_timestamp timestamptz, trip text);
            INSERT INTO {entityTable} VALUES (2, '2026-01-15 09:30:00+00', 'b'), (1, '2026-01-15 08:00:00+00', 'a'), (9, '2026-01-15 10:00:00+00', 'c');
            """);
        await using var store = new PostgresOfflineStore(_schema.Options(mode));
        var view = View(Source(table: table), TimeSpan.Zero);
        var job = store.GetHistoricalFeatures(new HistoricalRetrievalRequest(
            EntityData.FromSql($"SELECT * FROM {entityTable} ORDER BY trip DESC"), [new FeatureViewRequest(view, view.Projection, view.Features)], true));

        var batch = Assert.Single(await ReadAllAsync(job.ToArrowAsync()));

        Assert.Equal(["driver_id", "event_timestamp", "trip", "driver_stats__conv_rate", "driver_stats__label"], batch.Schema.FieldsList.Select(f => f.Name));
        Assert.Equal(["c", "b", "a"], Enumerable.Range(0, 3).Select(r => (string?)Cell(batch, "trip", r)));
        Assert.Equal([null, 21f, 10f], Enumerable.Range(0, 3).Select(r => (float?)Cell(batch, "driver_stats__conv_rate", r)));
        Assert.DoesNotContain("LATERAL", job.ToSql(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PullLatestAsync_250kKeys_StreamsSeveralBatchesOfTheLatestRows()
    {
        var table = Table("many");
        await PostgresTestSchema.ExecuteAsync($"""
            CREATE TABLE {table} (driver_id bigint, conv_rate real, label text, ts timestamptz, created timestamptz);
            INSERT INTO {table} SELECT k, v, 'v' || v, TIMESTAMPTZ '2026-01-15 00:00:00+00' + v * interval '1 hour', TIMESTAMPTZ '2026-01-20 00:00:00+00' + v * interval '1 second'
            FROM generate_series(1, 250000) AS k, generate_series(0, 2) AS v;
            """);
        await using var store = new PostgresOfflineStore(_schema.Options());
        var source = new PostgreSQLSource("many_source", table: table, timestampField: "ts", createdTimestampColumn: "created");
        // The window ends at hour 1: hour 2 is out, hour 1 (at the inclusive end) is the latest.
        var request = new PullRequest(source, ["driver_id"], ["conv_rate", "label"], T0.AddDays(-1), new DateTimeOffset(2026, 1, 15, 1, 0, 0, TimeSpan.Zero));

        var batches = await ReadAllAsync(store.PullLatestAsync(request));

        Assert.True(batches.Count > 1, $"{batches.Count} batch(es): the pull should stream.");
        Assert.Equal(250_000, batches.Sum(b => b.Length));
        Assert.All(batches, b => Assert.Equal(["driver_id", "conv_rate", "label", "event_timestamp", "created_timestamp"], b.Schema.FieldsList.Select(f => f.Name)));
        Assert.All(batches, b => Assert.All(Enumerable.Range(0, b.Length), r => Assert.Equal(1f, (float?)Cell(b, "conv_rate", r))));
        Assert.Equal(250_000, await store.CountLatestAsync(request));
        Assert.Equal(500_000, (await ReadAllAsync(store.PullAllAsync(request))).Sum(b => b.Length));
    }

    [Fact]
    public async Task PullLatestAsync_TiesAndNoKeys_LatestCreatedWinsAndWindowIsInclusive()
    {
        var table = await DriverStatsAsync();
        await using var store = new PostgresOfflineStore(_schema.Options());
        var source = Source(table: table);
        // Driver 1 has two rows at T0; the later-created backfill wins. The window starts exactly at T0 - 2h (inclusive).
        var request = new PullRequest(source, ["driver_id"], ["conv_rate", "label"], T0.AddHours(-2), T0);

        var batch = Assert.Single(await ReadAllAsync(store.PullLatestAsync(request)));

        var byDriver = Enumerable.Range(0, batch.Length).ToDictionary(r => (long)Cell(batch, "driver_id", r)!, r => (string?)Cell(batch, "label", r));
        Assert.Equal(new Dictionary<long, string?> { [1] = "backfill", [2] = "d2h2", [3] = "d3h2" }, byDriver);
        Assert.Equal(3, await store.CountLatestAsync(request));
        Assert.Equal(10, (await ReadAllAsync(store.PullAllAsync(request))).Sum(b => b.Length));
        var global = Assert.Single(await ReadAllAsync(store.PullLatestAsync(request with { JoinKeys = [], End = T0.AddHours(-1) })));
        Assert.Equal(1, global.Length);
        Assert.Equal(T0.AddHours(-1), Cell(global, "event_timestamp", 0));
        Assert.Equal(1, await store.CountLatestAsync(request with { JoinKeys = [] }));
    }

    [Fact]
    public async Task PullLatestAsync_Shards_PartitionTheKeysExactly()
    {
        // Two join keys, one of them text with nulls, so the hash covers the whole tuple.
        var table = Table("sharded");
        await PostgresTestSchema.ExecuteAsync($"""
            CREATE TABLE {table} (driver_id bigint, city text, conv_rate real, ts timestamptz);
            INSERT INTO {table} SELECT k, CASE WHEN k % 7 = 0 THEN NULL ELSE 'c' || (k % 5) END, v, TIMESTAMPTZ '2026-01-15 00:00:00+00' + v * interval '1 hour'
            FROM generate_series(1, 2000) AS k, generate_series(0, 1) AS v;
            """);
        await using var store = new PostgresOfflineStore(_schema.Options());
        var source = new PostgreSQLSource("sharded_source", table: table, timestampField: "ts");
        var request = new PullRequest(source, ["driver_id", "city"], ["conv_rate"], T0.AddDays(-1), T0.AddDays(1));
        var all = await KeysAsync(store, request);

        foreach (var count in new[] { 1, 3, 4 })
        {
            var shards = new List<List<string>>();
            for (var index = 0; index < count; index++)
            {
                var shard = request with { Shard = new PullShard(index, count) };
                var keys = await KeysAsync(store, shard);
                Assert.Equal(keys.Count, await store.CountLatestAsync(shard));
                shards.Add(keys);
            }
            Assert.Equal(all.Order(StringComparer.Ordinal), shards.SelectMany(k => k).Order(StringComparer.Ordinal));
            if (count > 1) Assert.All(shards, keys => Assert.NotEmpty(keys));
        }

        // Several shards in one pull (what a worker holding them runs): exactly the union of their single pulls.
        var one = new List<string>();
        foreach (var index in new[] { 0, 2 }) one.AddRange(await KeysAsync(store, request with { Shard = new PullShard(index, 4) }));
        var group = request with { Shard = new PullShard([2, 0], 4) };
        Assert.Equal("1,3/4", group.Shard!.ToString());
        Assert.Equal(one.Order(StringComparer.Ordinal), (await KeysAsync(store, group)).Order(StringComparer.Ordinal));
        Assert.Equal(one.Count, await store.CountLatestAsync(group));
        // Every shard at once (one worker holding them all) is every key.
        Assert.Equal(all.Order(StringComparer.Ordinal), (await KeysAsync(store, request with { Shard = new PullShard([0, 1, 2, 3], 4) })).Order(StringComparer.Ordinal));

        // Without join keys the one latest row belongs to shard 0.
        Assert.Equal(1, (await ReadAllAsync(store.PullLatestAsync(request with { JoinKeys = [], Shard = new PullShard(0, 2) }))).Sum(b => b.Length));
        Assert.Equal(0, (await ReadAllAsync(store.PullLatestAsync(request with { JoinKeys = [], Shard = new PullShard(1, 2) }))).Sum(b => b.Length));

        static async Task<List<string>> KeysAsync(PostgresOfflineStore store, PullRequest request)
        {
            var keys = new List<string>();
            foreach (var batch in await ReadAllAsync(store.PullLatestAsync(request)))
            {
                var cities = (StringArray)batch.Column(batch.Schema.GetFieldIndex("city"));
                for (var r = 0; r < batch.Length; r++) keys.Add($"{Cell(batch, "driver_id", r)}/{cities.GetString(r) ?? "<null>"}");
            }
            return keys;
        }
    }

    [Fact]
    public async Task PullLatestAsync_CancelledAfterFirstBatch_ThrowsOperationCanceled()
    {
        var table = Table("big");
        await PostgresTestSchema.ExecuteAsync($"""
            CREATE TABLE {table} (driver_id bigint, conv_rate real, ts timestamptz);
            INSERT INTO {table} SELECT k, k, TIMESTAMPTZ '2026-01-15 00:00:00+00' FROM generate_series(1, 300000) AS k;
            """);
        await using var store = new PostgresOfflineStore(_schema.Options());
        var source = new PostgreSQLSource("big_source", table: table, timestampField: "ts");
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in store.PullAllAsync(new PullRequest(source, ["driver_id"], ["conv_rate"], T0.AddDays(-1), T0), cancel.Token))
                await cancel.CancelAsync();
        });
        // The store is still usable.
        Assert.Equal(300_000, await store.CountLatestAsync(new PullRequest(source, ["driver_id"], ["conv_rate"], T0.AddDays(-1), T0)));
    }

    [Fact]
    public async Task WriteBatchAsync_TableSource_AppendsCastToTheTableTypes()
    {
        var table = await DriverStatsAsync();
        await using var store = new PostgresOfflineStore(_schema.Options());
        var view = View(Source(table: table), TimeSpan.Zero);
        var rows = EntityData.FromRows([new Dictionary<string, object?> { ["id"] = 7L, ["conv"] = 1.5, ["label"] = "pushed", ["ts"] = T0, ["created"] = T0 }]);

        await store.WriteBatchAsync(view, ((ArrowEntityData)rows).Batches[0]);

        Assert.Equal(1L, await PostgresTestSchema.ScalarAsync($"SELECT count(*) FROM {table} WHERE id = 7 AND conv = 1.5 AND label = 'pushed'"));
        var wrong = EntityData.FromRows([new Dictionary<string, object?> { ["id"] = 7L, ["nope"] = 1.5 }]);
        var error = await Assert.ThrowsAnyAsync<FeastValidationException>(() => store.WriteBatchAsync(view, ((ArrowEntityData)wrong).Batches[0]));
        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
        Assert.Contains("conv", error.Message, StringComparison.Ordinal);
        var query = View(Source(query: $"SELECT * FROM {table}"), TimeSpan.Zero);
        await Assert.ThrowsAnyAsync<FeastException>(() => store.WriteBatchAsync(query, ((ArrowEntityData)rows).Batches[0]));
    }

    [Fact]
    public async Task GetHistoricalFeatures_MissingTableOrBadTimestampType_ThrowsNamingIt()
    {
        var table = Table("text_ts");
        await PostgresTestSchema.ExecuteAsync($"CREATE TABLE {table} (id bigint, conv real, label text, ts text, created timestamptz)");
        await using var store = new PostgresOfflineStore(_schema.Options());
        var entities = EntityData.FromRows([new Dictionary<string, object?> { ["driver_id"] = 1L, ["event_timestamp"] = T0 }]);
        async Task<FeastException> Fails(FeatureView view) => await Assert.ThrowsAnyAsync<FeastException>(async () =>
            await ReadAllAsync(store.GetHistoricalFeatures(new HistoricalRetrievalRequest(entities, [new FeatureViewRequest(view, view.Projection, view.Features)], false)).ToArrowAsync()));

        var missing = await Fails(View(Source(table: Table("no_such_table")), TimeSpan.Zero));
        Assert.Contains("no_such_table", missing.Message, StringComparison.Ordinal);
        var badType = await Fails(View(Source(table: table), TimeSpan.Zero));
        Assert.Contains("'ts'", badType.Message, StringComparison.Ordinal);
        Assert.Contains("text", badType.Message, StringComparison.Ordinal);
        var file = await Fails(View(new FileSource("data/x.parquet", "ts"), TimeSpan.Zero));
        Assert.Contains("PostgreSQLSource", file.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FeatureStore_PostgresOfflineStoreFromYaml_AppliesAndReadsPostgreSQLSourceInFeastsRegistryFormat()
    {
        var table = await DriverStatsAsync();
        var repo = Path.Combine(Path.GetTempPath(), "feast-pg-offline", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(repo);
        try
        {
            var o = _schema.Options().Connection;
            await File.WriteAllTextAsync(Path.Combine(repo, "feature_store.yaml"), $"""
                project: pgoffline
                registry: registry.db
                provider: local
                online_store: null
                offline_store:
                  type: postgres
                  host: {o.Host}
                  port: {o.Port}
                  database: {o.Database}
                  db_schema: {o.DbSchema}
                  user: {o.User}
                  password: {o.Password}
                  sslmode: disable
                  entity_select_mode: embed_query
                """);
            var source = Source(table: table) with { Description = "stats", Tags = new Dictionary<string, string> { ["team"] = "ml" }, Owner = "a@b.c" };
            var view = View(source, TimeSpan.FromDays(1));
            await using (var store = FeatureStore.Open(repo, options: new FeatureStoreOptions { TimeProvider = new FakeTimeProvider(T0) }.UsePostgres()))
            {
                await store.ApplyAsync([Driver, source, view]);
                var job = await store.GetHistoricalFeaturesAsync(
                    EntityData.FromRows([new Dictionary<string, object?> { ["driver_id"] = 2L, ["event_timestamp"] = T0 }]), ["driver_stats:conv_rate"]);
                var batch = Assert.Single(await ReadAllAsync(job.ToArrowAsync()));
                Assert.Equal(22f, (float?)Cell(batch, "conv_rate", 0));
            }

            // The bytes are Python Feast's: CUSTOM_SOURCE, its class path, json.dumps({"name", "query", "table"}).
            var registry = P.Registry.Parser.ParseFrom(await File.ReadAllBytesAsync(Path.Combine(repo, "registry.db")));
            var stored = Assert.Single(registry.DataSources);
            Assert.Equal(P.DataSource.Types.SourceType.CustomSource, stored.Type);
            Assert.Equal("feast.infra.offline_stores.contrib.postgres_offline_store.postgres_source.PostgreSQLSource", stored.DataSourceClassType);
            var json = "{\"name\": \"driver_stats_source\", \"query\": \"\", \"table\": \"" + table.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"}";
            Assert.Equal(json, stored.CustomOptions.Configuration.ToStringUtf8());
            Assert.Equal("ts", stored.TimestampField);
            Assert.Equal("conv_rate", stored.FieldMapping["conv"]);
            Assert.Equal(stored.CustomOptions, registry.FeatureViews.Single().Spec.BatchSource.CustomOptions);

            await using var reopened = FeatureStore.Open(repo, options: new FeatureStoreOptions().UsePostgres());
            var snapshot = await reopened.GetRegistryAsync(allowCache: false);
            var read = Assert.IsType<PostgreSQLSource>(snapshot.GetDataSource("driver_stats_source"));
            Assert.Equal(source.Table, read.Table);
            Assert.Null(read.Query);
            Assert.Equal(source.FieldMapping, read.FieldMapping);
            Assert.Equal(("created", "stats", "a@b.c"), (read.CreatedTimestampColumn, read.Description, read.Owner));
            Assert.Equal(source.Tags, read.Tags);
            Assert.IsType<PostgreSQLSource>(snapshot.GetFeatureView("driver_stats").BatchSource);
        }
        finally
        {
            Directory.Delete(repo, recursive: true);
        }
    }

    [Fact]
    public void PostgreSQLSource_FromPythonFeastBytes_ReadsQuerySource()
    {
        // A data source as Python Feast 0.5x writes a query PostgreSQLSource (table absent, so "").
        var proto = new P.DataSource
        {
            Name = "q",
            Project = "p",
            Type = P.DataSource.Types.SourceType.CustomSource,
            DataSourceClassType = "feast.infra.offline_stores.contrib.postgres_offline_store.postgres_source.PostgreSQLSource",
            TimestampField = "event_timestamp",
            CustomOptions = new P.DataSource.Types.CustomSourceOptions { Configuration = ByteString.CopyFromUtf8("{\"name\": \"q\", \"query\": \"SELECT * FROM t\", \"table\": \"\"}") },
        };
        var registry = new P.Registry();
        registry.DataSources.Add(proto);

        var snapshot = Feast.Registry.RegistrySnapshot.FromProto("p", registry, new FeastBackends().UsePostgres());

        var source = Assert.IsType<PostgreSQLSource>(Assert.Single(snapshot.DataSources.Values));
        Assert.Equal("SELECT * FROM t", source.Query);
        Assert.Null(source.Table);
    }

    // A division by zero that only happens when the row is read: no validation can catch it first.
    private PostgreSQLSource FailingSource() => new("failing_source",
        query: "SELECT id, ts, created, 1.0 / (id - 2) AS conv, label FROM " + Table("driver_stats"), timestampField: "ts", createdTimestampColumn: "created",
        fieldMapping: new Dictionary<string, string> { ["id"] = "driver_id", ["conv"] = "conv_rate" });

    private static void AssertOneLine(FeastException e, string step)
    {
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("'failing_source'", e.Message, StringComparison.Ordinal);
        Assert.Contains(step, e.Message, StringComparison.Ordinal);
        Assert.Contains("division by zero (SQLSTATE 22012)", e.Message, StringComparison.Ordinal);
        Assert.Contains("cast them in a PostgreSQLSource query", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_EngineFailsAtRunTime_OneLineNamingSourceStepAndHint()
    {
        await DriverStatsAsync();
        await using var store = new PostgresOfflineStore(_schema.Options());
        var request = new PullRequest(FailingSource(), ["driver_id"], ["conv_rate"], T0.AddDays(-1), T0.AddDays(1));

        AssertOneLine(await Assert.ThrowsAsync<FeastException>(() => ReadAllAsync(store.PullLatestAsync(request))), "pulling rows");
        AssertOneLine(await Assert.ThrowsAsync<FeastException>(() => ReadAllAsync(store.PullAllAsync(request))), "pulling rows");
    }

    [Fact]
    public async Task HistoricalJoin_EngineFailsAtRunTime_OneLineNamingViewsStepAndHint()
    {
        await DriverStatsAsync();
        await using var store = new PostgresOfflineStore(_schema.Options());
        var view = View(FailingSource(), TimeSpan.Zero);
        var entities = EntityData.FromRows([new Dictionary<string, object?> { ["driver_id"] = 1L, ["event_timestamp"] = T0 }]);

        var e = await Assert.ThrowsAsync<FeastException>(() => ReadAllAsync(store.GetHistoricalFeatures(
            new HistoricalRetrievalRequest(entities, [new FeatureViewRequest(view, view.Projection, view.Features)], false)).ToArrowAsync()));

        AssertOneLine(e, "the point-in-time join");
        Assert.Contains("feature view 'driver_stats'", e.Message, StringComparison.Ordinal);
    }
}
