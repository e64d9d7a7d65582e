using Feast.Configuration;
using Feast.Online;
using Feast.Postgres.Online;
using Feast.Protos.Types;
using Feast.Values;
using Google.Protobuf;

namespace Feast.Postgres.Tests.Online;

/// <summary>What is specific to PostgreSQL: Feast's table layout, the COPY path, atomic batches, connection errors.</summary>
public sealed class PostgresOnlineStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 11, 24, 16, 0, 0, TimeSpan.Zero);
    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);
    private static readonly FileSource Source = new("data/driver_stats.parquet", "event_timestamp", name: "driver_stats_source");

    private readonly string _schema = PgTest.UniqueName("pgon");
    private readonly string _project = PgTest.UniqueName("p");
    private PostgresOnlineStore Store { get; set; } = null!;

    public Task InitializeAsync()
    {
        Store = new PostgresOnlineStore(PgTest.OnlineOptions(_schema));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        await PgTest.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
    }

    private static FeatureView Stats(string name = "driver_stats", params Field[] extra) => new(name, Source, [Driver], schema:
        [new Field("conv_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64), .. extra]);

    private static byte[] Key(long id) => EntityKeySerializer.Serialize("driver_id", new Value { Int64Val = id });

    private static OnlineWriteBatch Batch(int count, float conv, DateTimeOffset ts, int firstId = 0)
    {
        var batch = new OnlineWriteBatch(["conv_rate", "avg_daily_trips"], count);
        for (var i = 0; i < count; i++)
            batch.Add(Key(firstId + i), [new Value { FloatVal = conv }, new Value { Int64Val = firstId + i }], ts, ts.AddMinutes(1));
        return batch;
    }

    private string Table(string view = "driver_stats") => $"{_project}_{view}";

    [Fact]
    public async Task UpdateAsync_CreatesFeastTableLayoutInTheSchema()
    {
        await Store.UpdateAsync(_project, [Stats("driver_stats", new Field("city", FeastType.String))], []);

        var columns = await PgTest.QueryAsync(
            "SELECT column_name::text, data_type::text, is_nullable::text FROM information_schema.columns WHERE table_schema = @s AND table_name = @t ORDER BY ordinal_position",
            ("s", _schema), ("t", Table()));
        Assert.Equal(
            [
                "entity_key bytea NO", "feature_name text NO", "value bytea YES", "value_text text YES", "vector_value bytea YES",
                "event_ts timestamp with time zone YES", "created_ts timestamp with time zone YES",
            ],
            columns.Select(c => $"{c[0]} {c[1]} {c[2]}"));
        var primaryKey = await PgTest.ScalarAsync<string>(
            "SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord) " +
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE i.indrelid = (quote_ident(@s) || '.' || quote_ident(@t))::regclass AND i.indisprimary",
            ("s", _schema), ("t", Table()));
        Assert.Equal("entity_key,feature_name", primaryKey);
        var indexes = await PgTest.QueryAsync("SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = @s AND tablename = @t ORDER BY indexname", ("s", _schema), ("t", Table()));
        Assert.Contains(indexes, i => (string)i[0]! == Table() + "_ek" && ((string)i[1]!).EndsWith("(entity_key)", StringComparison.Ordinal));
        Assert.Contains(indexes, i => (string)i[0]! == Table() + "_fts_idx" && ((string)i[1]!).Contains("gin (to_tsvector('english'::regconfig, value_text))", StringComparison.Ordinal));
        Assert.Equal($"PostgreSQL table {_schema}.{Table()}", Store.DescribeStorage(_project, Stats()));
    }

    [Fact]
    public async Task UpdateAsync_NoStringFeatures_NoFullTextIndex()
    {
        await Store.UpdateAsync(_project, [Stats()], []);

        var indexes = await PgTest.QueryAsync("SELECT indexname::text FROM pg_indexes WHERE schemaname = @s AND tablename = @t", ("s", _schema), ("t", Table()));
        Assert.DoesNotContain(indexes, i => ((string)i[0]!).EndsWith("_fts_idx", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WriteBatchAsync_RowsHoldValueProtobufBytesTextAndTimestamps()
    {
        var view = Stats("driver_stats", new Field("city", FeastType.String));
        await Store.UpdateAsync(_project, [view], []);
        var batch = new OnlineWriteBatch(["conv_rate", "avg_daily_trips", "city"]);
        var eventTs = T0.AddTicks(123_4560); // microseconds survive
        batch.Add(Key(7), [new Value { FloatVal = 0.5f }, new Value { Int64Val = 42 }, new Value { StringVal = "Zürich" }], eventTs, T0.AddHours(1));
        batch.Add(Key(8), [null, new Value { Int64Val = 1 }, new Value { StringVal = "x" }], T0, null);

        await Store.WriteBatchAsync(_project, view, batch);

        var rows = await PgTest.QueryAsync(
            $"SELECT feature_name, value, value_text, event_ts, created_ts, vector_value FROM \"{_schema}\".\"{Table()}\" WHERE entity_key = @k ORDER BY feature_name",
            ("k", Key(7)));
        Assert.Equal(["avg_daily_trips", "city", "conv_rate"], rows.Select(r => (string)r[0]!));
        Assert.Equal(new Value { Int64Val = 42 }.ToByteArray(), (byte[])rows[0][1]!);
        Assert.Equal(new Value { StringVal = "Zürich" }.ToByteArray(), (byte[])rows[1][1]!);
        Assert.Equal(new Value { FloatVal = 0.5f }.ToByteArray(), (byte[])rows[2][1]!);
        Assert.Equal(["42", "Zürich", "0.5"], rows.Select(r => (string)r[2]!));
        Assert.All(rows, r => Assert.Equal(eventTs.UtcDateTime, (DateTime)r[3]!));
        Assert.All(rows, r => Assert.Equal(T0.AddHours(1).UtcDateTime, (DateTime)r[4]!));
        Assert.All(rows, r => Assert.Null(r[5]));

        var nullRow = await PgTest.QueryAsync(
            $"SELECT value, value_text, created_ts FROM \"{_schema}\".\"{Table()}\" WHERE entity_key = @k AND feature_name = 'conv_rate'", ("k", Key(8)));
        Assert.Empty((byte[])nullRow[0][0]!); // Feast's null: an empty Value, not SQL NULL
        Assert.Null(nullRow[0][1]);
        Assert.Null(nullRow[0][2]);
    }

    [Fact]
    public async Task WriteBatchAsync_FiftyThousandRows_CopiedAndReadBack()
    {
        var view = Stats();
        await Store.UpdateAsync(_project, [view], []);

        await Store.WriteBatchAsync(_project, view, Batch(50_000, 0.25f, T0));

        Assert.Equal(100_000L, await PgTest.ScalarAsync<long>($"SELECT count(*) FROM \"{_schema}\".\"{Table()}\""));
        var keys = Enumerable.Range(0, 500).Select(i => Key(i * 100L + 3)).ToList();
        var result = await Store.ReadAsync(_project, view, keys, ["avg_daily_trips", "conv_rate"]);
        for (var i = 0; i < keys.Count; i++)
        {
            Assert.Equal(new FeatureValue(new Value { Int64Val = i * 100L + 3 }), result.Value(i, 0));
            Assert.Equal(new FeatureValue(new Value { FloatVal = 0.25f }), result.Value(i, 1));
            Assert.Equal(T0, result.EventTimestamp(i));
        }
    }

    [Fact]
    public async Task WriteBatchAsync_UpsertFailsHalfway_PreviousDataIntact()
    {
        var view = Stats();
        await Store.UpdateAsync(_project, [view], []);
        await Store.WriteBatchAsync(_project, view, Batch(1_000, 0.25f, T0));
        // A constraint that rejects one key in the middle of the next batch: the upsert fails after touching other rows.
        await PgTest.ExecuteAsync($"ALTER TABLE \"{_schema}\".\"{Table()}\" ADD CONSTRAINT no_500 CHECK (entity_key <> '\\x{Convert.ToHexString(Key(500))}'::bytea OR value = '\\x{Convert.ToHexString(new Value { FloatVal = 0.25f }.ToByteArray())}'::bytea OR feature_name <> 'conv_rate')");

        var error = await Assert.ThrowsAsync<FeastException>(() => Store.WriteBatchAsync(_project, view, Batch(1_000, 0.75f, T0.AddHours(1))));

        Assert.Contains(Table(), error.Message, StringComparison.Ordinal);
        var values = await PgTest.QueryAsync($"SELECT DISTINCT value, event_ts FROM \"{_schema}\".\"{Table()}\" WHERE feature_name = 'conv_rate'");
        var only = Assert.Single(values);
        Assert.Equal(new Value { FloatVal = 0.25f }.ToByteArray(), (byte[])only[0]!);
        Assert.Equal(T0.UtcDateTime, (DateTime)only[1]!);
    }

    [Fact]
    public async Task WriteBatchAsync_CopyRejectsARowHalfway_PreviousDataIntact()
    {
        var view = Stats("driver_stats", new Field("city", FeastType.String));
        await Store.UpdateAsync(_project, [view], []);
        var first = new OnlineWriteBatch(["conv_rate", "city"]);
        for (var i = 0; i < 2_000; i++) first.Add(Key(i), [new Value { FloatVal = 1 }, new Value { StringVal = "a" }], T0);
        await Store.WriteBatchAsync(_project, view, first);
        var second = new OnlineWriteBatch(["conv_rate", "city"]);
        for (var i = 0; i < 2_000; i++)
            second.Add(Key(i), [new Value { FloatVal = 2 }, new Value { StringVal = i == 1_500 ? "nul\0byte" : "b" }], T0.AddHours(1)); // TEXT cannot hold NUL

        await Assert.ThrowsAsync<FeastException>(() => Store.WriteBatchAsync(_project, view, second));

        Assert.Equal(["a"], (await PgTest.QueryAsync($"SELECT DISTINCT value_text FROM \"{_schema}\".\"{Table()}\" WHERE feature_name = 'city'")).Select(r => (string)r[0]!));
        // The store is usable afterwards (the failed transaction was rolled back, the staging table dropped).
        await Store.WriteBatchAsync(_project, view, Batch(10, 3, T0.AddHours(2)));
    }

    [Fact]
    public async Task WriteBatchAsync_Cancelled_NothingWritten()
    {
        var view = Stats();
        await Store.UpdateAsync(_project, [view], []);
        await Store.WriteBatchAsync(_project, view, Batch(100, 0.25f, T0));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.WriteBatchAsync(_project, view, Batch(100, 0.75f, T0.AddHours(1)), cancel.Token));

        Assert.Equal(200L, await PgTest.ScalarAsync<long>($"SELECT count(*) FROM \"{_schema}\".\"{Table()}\" WHERE event_ts = @t", ("t", T0.UtcDateTime))); // 100 keys x 2 features
    }

    [Fact]
    public async Task ReadMany_SeveralViews_OneBatch_EachViewGetsItsRows_AndAMissingTableIsNamed()
    {
        var first = Stats("first");
        var second = Stats("second");
        await Store.UpdateAsync(_project, [first, second], []);
        await Store.WriteBatchAsync(_project, first, Batch(3, 0.5f, T0));
        await Store.WriteBatchAsync(_project, second, Batch(2, 0.25f, T0.AddHours(1), firstId: 1));
        IReadOnlyList<byte[]> keys = [Key(0), Key(1), Key(2), Key(2), Key(9)];

        var results = await Store.ReadManyAsync(_project,
        [
            new OnlineViewRead(first, keys, ["avg_daily_trips", "conv_rate"]),
            new OnlineViewRead(second, keys, ["conv_rate"]),
            new OnlineViewRead(second, [], ["conv_rate"]),
        ]);

        Assert.Equal([true, true, true, true, false], Enumerable.Range(0, 5).Select(results[0].Found));
        Assert.Equal(2, results[0].Value(3, 0)!.Value.AsInt64());
        Assert.Equal(0.5f, results[0].Value(0, 1)!.Value.AsFloat());
        Assert.Equal([false, true, true, true, false], Enumerable.Range(0, 5).Select(results[1].Found));
        Assert.Equal(0.25f, results[1].Value(2, 0)!.Value.AsFloat());
        Assert.Equal(T0.AddHours(1), results[1].EventTimestamp(1));
        Assert.Equal(0, results[2].KeyCount);

        var error = await Assert.ThrowsAsync<FeastException>(() => Store.ReadManyAsync(_project,
            [new OnlineViewRead(first, keys, ["conv_rate"]), new OnlineViewRead(Stats("never_applied"), keys, ["conv_rate"])]));
        Assert.Contains("'never_applied'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAndWrite_TableMissing_TellToRunFeastApply()
    {
        var view = Stats("never_applied");

        var read = await Assert.ThrowsAsync<FeastException>(() => Store.ReadAsync(_project, view, [Key(1)], ["conv_rate"]));
        var write = await Assert.ThrowsAsync<FeastException>(() => Store.WriteBatchAsync(_project, view, Batch(1, 1, T0)));

        foreach (var error in new[] { read, write })
        {
            Assert.Contains("feast apply", error.Message, StringComparison.Ordinal);
            Assert.Contains("'never_applied'", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Open_UnknownUser_ErrorNamesHostAndUserNotPassword()
    {
        // The test server trusts loopback connections, so a bad login shows as an unknown role rather than a wrong password;
        // both are authentication failures (SQLSTATE 28xxx) and get the same message.
        var options = PgTest.Connection(_schema, password: "wrong-secret-123") with { User = "no_such_user" };
        await using var store = new PostgresOnlineStore(new PostgresOnlineStoreOptions { Connection = options });

        var error = await Assert.ThrowsAsync<FeastException>(() => store.UpdateAsync(_project, [Stats()], []));

        Assert.Contains($"{options.Host}:{options.Port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("'no_such_user'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Check user and password", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-123", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_DatabaseMissing_ErrorNamesTheDatabase()
    {
        var options = PgTest.Connection(_schema) with { Database = "no_such_db_here" };
        await using var store = new PostgresOnlineStore(new PostgresOnlineStoreOptions { Connection = options });

        var error = await Assert.ThrowsAsync<FeastException>(() => store.ReadAsync(_project, Stats(), [Key(1)], ["conv_rate"]));

        Assert.Contains("database 'no_such_db_here' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_NothingListening_ErrorSaysServerUnreachable()
    {
        var options = PgTest.Connection(_schema) with { Host = "127.0.0.1", Port = 1 };
        await using var store = new PostgresOnlineStore(new PostgresOnlineStoreOptions { Connection = options });

        var error = await Assert.ThrowsAsync<FeastException>(() => store.ReadAsync(_project, Stats(), [Key(1)], ["conv_rate"]));

        Assert.Contains("127.0.0.1:1", error.Message, StringComparison.Ordinal);
        Assert.Contains("reachable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_SslRequiredButServerHasNone_ErrorSuggestsSslmode()
    {
        await using var store = new PostgresOnlineStore(new PostgresOnlineStoreOptions { Connection = PgTest.Connection(_schema, sslMode: "require") });

        var error = await Assert.ThrowsAsync<FeastException>(() => store.ReadAsync(_project, Stats(), [Key(1)], ["conv_rate"]));

        Assert.Contains("sslmode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_SslmodeTypo_ConfigErrorNamesTheValue()
    {
        var error = Assert.Throws<FeastConfigException>(() => new PostgresOnlineStore(new PostgresOnlineStoreOptions { Connection = PgTest.Connection(_schema, sslMode: "requird") }));

        Assert.Contains("'requird'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_VectorEnabled_NotSupportedYet()
    {
        var error = Assert.Throws<FeastConfigException>(() => new PostgresOnlineStore(PgTest.OnlineOptions(_schema) with { VectorEnabled = true }));

        Assert.Contains("vector_enabled", error.Message, StringComparison.Ordinal);
    }
}
