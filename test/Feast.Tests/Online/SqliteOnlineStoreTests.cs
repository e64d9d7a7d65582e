using System.Text.Json;
using Feast.Online;
using Feast.Protos.Types;
using Feast.Values;
using Microsoft.Data.Sqlite;

namespace Feast.Tests.Online;

/// <summary>SQLite specifics: Feast's exact file layout, reading a store Python Feast wrote, and old layouts.</summary>
public sealed class SqliteOnlineStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 11, 24, 16, 0, 0, TimeSpan.Zero);
    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);
    private static readonly FileSource Source = new("data/driver_stats.parquet", "event_timestamp", name: "driver_hourly_stats_source");

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static FeatureView DriverHourlyStats(params Field[] extra) => new("driver_hourly_stats", Source, [Driver], schema:
    [
        new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64), .. extra,
    ]);

    private static byte[] DriverKey(long id) => EntityKeySerializer.Serialize("driver_id", new Value { Int64Val = id });

    private string CopyPythonStore()
    {
        var path = _dir.File("online_store.db");
        File.Copy(TestData.FeastOnlineStoreDb, path);
        return path;
    }

    private static List<object?[]> Query(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    private static void Execute(string path, string sql) => Query(path, sql);

    [Fact]
    public async Task UpdateAsync_CreatesFeastsTableIndexAndWalMode()
    {
        var path = _dir.File("data/online.db");
        await using var store = new SqliteOnlineStore(path);

        await store.UpdateAsync("my_project", [DriverHourlyStats()], []);

        var columns = Query(path, "PRAGMA table_info(\"my_project_driver_hourly_stats\")");
        Assert.Equal(
            ["entity_key BLOB 1", "feature_name TEXT 2", "value BLOB 0", "value_text TEXT 0", "vector_value BLOB 0", "event_ts timestamp 0", "created_ts timestamp 0"],
            columns.Select(c => $"{c[1]} {c[2]} {c[5]}"));
        var index = Query(path, "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL");
        Assert.Equal("my_project_driver_hourly_stats_ek", Assert.Single(index)[0]);
        Assert.Equal("entity_key", Assert.Single(Query(path, "PRAGMA index_info(\"my_project_driver_hourly_stats_ek\")"))[2]);
        Assert.Equal("wal", Query(path, "PRAGMA journal_mode")[0][0]);
        Assert.Equal("SQLite table my_project_driver_hourly_stats", store.DescribeStorage("my_project", DriverHourlyStats()));
    }

    [Fact]
    public async Task WriteBatchAsync_WritesFeastsRowLayout()
    {
        var path = _dir.File("online.db");
        await using var store = new SqliteOnlineStore(path);
        var view = DriverHourlyStats(new Field("name", FeastType.String), new Field("active", FeastType.Bool),
            new Field("scores", FeastType.Array(FeastType.Int64)), new Field("big", FeastType.Float64), new Field("missing", FeastType.Int64));
        await store.UpdateAsync("p", [view], []);
        var batch = new OnlineWriteBatch(["conv_rate", "avg_daily_trips", "name", "active", "scores", "big", "missing"]);
        var scores = new Value { Int64ListVal = new Int64List { Val = { 1, 2 } } };
        batch.Add(DriverKey(1001),
            [new Value { FloatVal = 0.5f }, new Value { Int64Val = 11 }, new Value { StringVal = "Ann" }, new Value { BoolVal = true }, scores, new Value { DoubleVal = 1e16 }, null],
            T0.AddMilliseconds(900), T0.AddMinutes(1));
        batch.Add(DriverKey(1002),
            [new Value { FloatVal = 0.1f }, new Value { Int64Val = -3 }, new Value { StringVal = "" }, new Value { BoolVal = false }, scores, new Value { DoubleVal = 1e-05 }, null],
            T0.AddHours(1));

        await store.WriteBatchAsync("p", view, batch);

        var rows = Query(path, "SELECT hex(entity_key), feature_name, hex(value), typeof(value), value_text, typeof(vector_value), " +
            "typeof(event_ts), event_ts, typeof(created_ts), created_ts FROM p_driver_hourly_stats ORDER BY entity_key, feature_name");
        var text = rows.Select(r => string.Join("|", r.Select(c => c?.ToString() ?? "NULL"))).ToList();
        const string Key1001 = "0100000002000000090000006472697665725F69640400000008000000E903000000000000";
        const string Key1002 = "0100000002000000090000006472697665725F69640400000008000000EA03000000000000";
        Assert.Equal(
        [
            $"{Key1001}|active|3801|blob|True|null|integer|1764000000|integer|1764000060",
            $"{Key1001}|avg_daily_trips|200B|blob|11|null|integer|1764000000|integer|1764000060",
            $"{Key1001}|big|290080E03779C34143|blob|1e+16|null|integer|1764000000|integer|1764000060",
            $"{Key1001}|conv_rate|350000003F|blob|0.5|null|integer|1764000000|integer|1764000060",
            $"{Key1001}|missing||blob|NULL|null|integer|1764000000|integer|1764000060",
            $"{Key1001}|name|1203416E6E|blob|Ann|null|integer|1764000000|integer|1764000060",
            $"{Key1001}|scores|72040A020102|blob|NULL|null|integer|1764000000|integer|1764000060",
            $"{Key1002}|active|3800|blob|False|null|integer|1764003600|null|NULL",
            $"{Key1002}|avg_daily_trips|20FDFFFFFFFFFFFFFFFF01|blob|-3|null|integer|1764003600|null|NULL",
            $"{Key1002}|big|29F168E388B5F8E43E|blob|1e-05|null|integer|1764003600|null|NULL",
            $"{Key1002}|conv_rate|35CDCCCC3D|blob|0.10000000149011612|null|integer|1764003600|null|NULL",
            $"{Key1002}|missing||blob|NULL|null|integer|1764003600|null|NULL",
            $"{Key1002}|name|1200|blob||null|integer|1764003600|null|NULL",
            $"{Key1002}|scores|72040A020102|blob|NULL|null|integer|1764003600|null|NULL",
        ], text);
    }

    [Fact]
    public async Task WriteBatchAsync_LongAndNonAsciiStrings_KeepTheirValueText()
    {
        var path = _dir.File("text.db");
        await using var store = new SqliteOnlineStore(path);
        var view = DriverHourlyStats(new Field("note", FeastType.String));
        await store.UpdateAsync("p", [view], []);
        var texts = new[] { new string('é', 700) + "✓", "", "plain", "a\0b" };
        var batch = new OnlineWriteBatch(["note"]);
        for (var i = 0; i < texts.Length; i++) batch.Add(DriverKey(i), [new Value { StringVal = texts[i] }], T0);

        await store.WriteBatchAsync("p", view, batch);

        for (var i = 0; i < texts.Length; i++)
        {
            var row = Query(path, $"SELECT value_text, typeof(value_text) FROM p_driver_hourly_stats WHERE entity_key = x'{Convert.ToHexString(DriverKey(i))}'").Single();
            Assert.Equal(texts[i], row[0]);
            Assert.Equal("text", row[1]);
            Assert.Equal(texts[i], (await store.ReadAsync("p", view, [DriverKey(i)], ["note"])).Value(0, 0)!.Value.AsString());
        }
    }

    [Fact]
    public async Task WriteBatchAsync_SameRowsAsPythonFeast_WritesTheSameBytes()
    {
        // Rewrite the three drivers of the Python-written store into a fresh store and compare every column.
        var python = CopyPythonStore();
        var path = _dir.File("dotnet.db");
        await using var store = new SqliteOnlineStore(path);
        var view = DriverHourlyStats();
        await store.UpdateAsync("my_project", [view], []);
        var batch = new OnlineWriteBatch(["conv_rate", "acc_rate", "avg_daily_trips"]);
        foreach (var (id, conv, acc, trips, ts) in new[] { (1001L, 0.5f, 0.25f, 11L, 1764000000L), (1002, 0.125f, 0.75f, 22, 1764003600), (1003, 1f, 0f, 0, 1763996400) })
        {
            batch.Add(DriverKey(id), [new Value { FloatVal = conv }, new Value { FloatVal = acc }, new Value { Int64Val = trips }],
                DateTimeOffset.FromUnixTimeSeconds(ts), DateTimeOffset.FromUnixTimeSeconds(ts + 60));
        }

        await store.WriteBatchAsync("my_project", view, batch);

        const string Sql = "SELECT hex(entity_key), feature_name, hex(value), typeof(value), value_text, vector_value, typeof(event_ts), event_ts, " +
            "typeof(created_ts), created_ts FROM my_project_driver_hourly_stats ORDER BY entity_key, feature_name";
        string Dump(string db) => string.Join("\n", Query(db, Sql).Select(r => string.Join("|", r.Select(c => c?.ToString() ?? "NULL"))));
        Assert.Equal(Dump(python), Dump(path));
    }

    [Fact]
    public async Task ReadAsync_PythonWrittenStore_GivesFeastsAnswer()
    {
        await using var store = new SqliteOnlineStore(CopyPythonStore());
        using var expected = JsonDocument.Parse(await File.ReadAllTextAsync(TestData.FeastOnlineFixture));
        var request = expected.RootElement.GetProperty("request");
        var ids = request.GetProperty("entities").GetProperty("driver_id").EnumerateArray().Select(e => e.GetInt64()).ToList();
        var features = request.GetProperty("features").EnumerateArray().Select(e => e.GetString()!.Split(':')[1]).ToList();

        var result = await store.ReadAsync("my_project", DriverHourlyStats(), [.. ids.Select(DriverKey)], features);

        var response = expected.RootElement.GetProperty("response");
        var names = response.GetProperty("metadata").GetProperty("feature_names").EnumerateArray().Select(e => e.GetString()).ToList();
        var results = response.GetProperty("results").EnumerateArray().ToList();
        for (var f = 0; f < features.Count; f++)
        {
            var column = results[names.IndexOf(features[f])];
            var values = column.GetProperty("values").EnumerateArray().ToList();
            var statuses = column.GetProperty("statuses").EnumerateArray().Select(e => e.GetString()).ToList();
            var timestamps = column.GetProperty("event_timestamps").EnumerateArray().Select(e => DateTimeOffset.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            for (var row = 0; row < ids.Count; row++)
            {
                Assert.Equal(statuses[row] == "PRESENT", result.Found(row));
                Assert.Equal(timestamps[row], result.EventTimestamp(row) ?? DateTimeOffset.UnixEpoch);
                var value = result.Value(row, f)?.ToObject();
                if (values[row].ValueKind == JsonValueKind.Null) Assert.Null(value);
                else Assert.Equal(values[row].GetDouble(), Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        // The fixture's own numbers, so a changed fixture cannot pass silently.
        Assert.Equal(0.5f, result.Value(0, 0)!.Value.AsFloat());
        Assert.Equal(0.125f, result.Value(1, 0)!.Value.AsFloat());
        Assert.Equal(22, result.Value(1, 1)!.Value.AsInt64());
        Assert.Equal(new DateTimeOffset(2025, 11, 24, 17, 0, 0, TimeSpan.Zero), result.EventTimestamp(1));
        Assert.False(result.Found(2));
    }

    [Fact]
    public async Task WriteBatchAsync_PythonWrittenStore_UpsertsInPlace()
    {
        var path = CopyPythonStore();
        await using var store = new SqliteOnlineStore(path);
        var view = DriverHourlyStats();
        var batch = new OnlineWriteBatch(["avg_daily_trips"]);
        batch.Add(DriverKey(1001), [new Value { Int64Val = 99 }], T0.AddDays(1));
        var older = new OnlineWriteBatch(["avg_daily_trips"]);
        older.Add(DriverKey(1001), [new Value { Int64Val = 5 }], T0.AddDays(-30));

        await store.WriteBatchAsync("my_project", view, batch);
        await store.WriteBatchAsync("my_project", view, older);

        Assert.Equal(9L, Query(path, "SELECT count(*) FROM my_project_driver_hourly_stats")[0][0]);
        var result = await store.ReadAsync("my_project", view, [DriverKey(1001)], ["avg_daily_trips", "conv_rate"]);
        // The newer row replaced Python's; the older one replaced nothing.
        Assert.Equal(99, result.Value(0, 0)!.Value.AsInt64());
        Assert.Equal(0.5f, result.Value(0, 1)!.Value.AsFloat());
        Assert.Equal(T0.AddDays(1), result.EventTimestamp(0));
    }

    [Fact]
    public async Task WriteBatchAsync_TableWithoutValueText_AddsTheColumnAndWrites()
    {
        // The layout of Feast before 0.66 (and before vector search): no value_text, no vector_value.
        var path = _dir.File("old.db");
        Execute(path, "CREATE TABLE \"p_driver_hourly_stats\" (entity_key BLOB, feature_name TEXT, value BLOB, event_ts timestamp, created_ts timestamp, PRIMARY KEY(entity_key, feature_name));" +
            "CREATE INDEX \"p_driver_hourly_stats_ek\" ON \"p_driver_hourly_stats\" (entity_key);");
        await using var store = new SqliteOnlineStore(path);
        var view = DriverHourlyStats();
        var batch = new OnlineWriteBatch(["conv_rate"]);
        batch.Add(DriverKey(1), [new Value { FloatVal = 0.5f }], T0);

        await store.WriteBatchAsync("p", view, batch);

        Assert.Contains("value_text", Query(path, "PRAGMA table_info(p_driver_hourly_stats)").Select(c => (string)c[1]!));
        Assert.Equal("0.5", Query(path, "SELECT value_text FROM p_driver_hourly_stats")[0][0]);
        Assert.Equal(0.5f, (await store.ReadAsync("p", view, [DriverKey(1)], ["conv_rate"])).Value(0, 0)!.Value.AsFloat());
    }

    [Fact]
    public async Task UpdateAsync_TableWithoutValueText_AddsTheColumn()
    {
        var path = _dir.File("old.db");
        Execute(path, "CREATE TABLE \"p_driver_hourly_stats\" (entity_key BLOB, feature_name TEXT, value BLOB, vector_value BLOB, event_ts timestamp, created_ts timestamp, PRIMARY KEY(entity_key, feature_name))");
        await using var store = new SqliteOnlineStore(path);

        await store.UpdateAsync("p", [DriverHourlyStats()], []);

        Assert.Equal(["entity_key", "feature_name", "value", "vector_value", "event_ts", "created_ts", "value_text"],
            Query(path, "PRAGMA table_info(p_driver_hourly_stats)").Select(c => (string)c[1]!));
    }

    [Fact]
    public async Task ReadAsync_IsoTextTimestampsOfOldFeast_AreReadAsUtc()
    {
        var path = _dir.File("old.db");
        await using var store = new SqliteOnlineStore(path);
        var view = DriverHourlyStats();
        await store.UpdateAsync("p", [view], []);
        var key = Convert.ToHexString(DriverKey(1));
        Execute(path, $"INSERT INTO p_driver_hourly_stats (entity_key, feature_name, value, event_ts) VALUES (x'{key}', 'avg_daily_trips', x'200B', '2021-04-12 10:59:42.123456')");

        var result = await store.ReadAsync("p", view, [DriverKey(1)], ["avg_daily_trips"]);

        Assert.Equal(new DateTimeOffset(2021, 4, 12, 10, 59, 42, 123, TimeSpan.Zero).AddTicks(4560), result.EventTimestamp(0));
        Assert.Equal(11, result.Value(0, 0)!.Value.AsInt64());
    }

    [Fact]
    public async Task WriteBatchAsync_IsoTextTimestampsOfOldFeast_AreComparedAsTimes()
    {
        // Feast before 0.42 stored event_ts as text, which SQLite orders after every number.
        var path = _dir.File("old.db");
        await using var store = new SqliteOnlineStore(path);
        var view = DriverHourlyStats();
        await store.UpdateAsync("p", [view], []);
        var key = Convert.ToHexString(DriverKey(1));
        Execute(path, $"INSERT INTO p_driver_hourly_stats (entity_key, feature_name, value, event_ts) VALUES (x'{key}', 'avg_daily_trips', x'200B', '2021-04-12 10:59:42.123456')");
        OnlineWriteBatch Trips(long trips, DateTimeOffset at)
        {
            var batch = new OnlineWriteBatch(["avg_daily_trips"]);
            batch.Add(DriverKey(1), [new Value { Int64Val = trips }], at);
            return batch;
        }

        await store.WriteBatchAsync("p", view, Trips(5, new DateTimeOffset(2021, 4, 12, 9, 0, 0, TimeSpan.Zero)));
        var afterOlder = (await store.ReadAsync("p", view, [DriverKey(1)], ["avg_daily_trips"])).Value(0, 0)!.Value.AsInt64();
        await store.WriteBatchAsync("p", view, Trips(7, new DateTimeOffset(2021, 4, 12, 12, 0, 0, TimeSpan.Zero)));
        var afterNewer = (await store.ReadAsync("p", view, [DriverKey(1)], ["avg_daily_trips"])).Value(0, 0)!.Value.AsInt64();

        Assert.Equal(11, afterOlder);
        Assert.Equal(7, afterNewer);
    }

    [Fact]
    public async Task WriteBatchAsync_Timestamps_TruncateToWholeSecondsLikePythonInt()
    {
        var path = _dir.File("t.db");
        await using var store = new SqliteOnlineStore(path);
        var view = DriverHourlyStats();
        await store.UpdateAsync("p", [view], []);
        var batch = new OnlineWriteBatch(["avg_daily_trips"]);
        batch.Add(DriverKey(1), [new Value { Int64Val = 1 }], DateTimeOffset.UnixEpoch.AddSeconds(-1.5), new DateTimeOffset(2025, 1, 1, 1, 0, 0, 999, TimeSpan.FromHours(1)));

        await store.WriteBatchAsync("p", view, batch);

        var row = Query(path, "SELECT event_ts, created_ts FROM p_driver_hourly_stats").Single();
        Assert.Equal(-1L, row[0]); // int(-1.5) == -1
        Assert.Equal(1735689600L, row[1]); // 2025-01-01T00:00:00.999Z
    }

    [Fact]
    public async Task WriteBatchAsync_ViewNeverApplied_SaysToRunFeastApply()
    {
        await using var store = new SqliteOnlineStore(_dir.File("empty.db"));
        var batch = new OnlineWriteBatch(["conv_rate"]);
        batch.Add(DriverKey(1), [new Value { FloatVal = 1 }], T0);

        var error = await Assert.ThrowsAsync<FeastException>(() => store.WriteBatchAsync("p", DriverHourlyStats(), batch));

        Assert.Contains("p_driver_hourly_stats", error.Message, StringComparison.Ordinal);
        Assert.Contains("feast apply", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_ViewNeverApplied_SaysToRunFeastApply()
    {
        await using var store = new SqliteOnlineStore(_dir.File("empty.db"));

        var one = await Assert.ThrowsAsync<FeastException>(() => store.ReadAsync("p", DriverHourlyStats(), [DriverKey(1)], ["conv_rate"]));
        var many = await Assert.ThrowsAsync<FeastException>(() => store.ReadAsync("p", DriverHourlyStats(), [DriverKey(1), DriverKey(2)], ["conv_rate"]));

        Assert.Contains("no table p_driver_hourly_stats", one.Message, StringComparison.Ordinal);
        Assert.Contains("feast apply", many.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TeardownAsync_DeletesTheDatabaseFiles()
    {
        var path = _dir.File("data/online.db");
        await using var store = new SqliteOnlineStore(path);
        var view = DriverHourlyStats();
        await store.UpdateAsync("p", [view], []);
        var batch = new OnlineWriteBatch(["conv_rate"]);
        batch.Add(DriverKey(1), [new Value { FloatVal = 1 }], T0);
        await store.WriteBatchAsync("p", view, batch);
        await store.ReadAsync("p", view, [DriverKey(1)], ["conv_rate"]);
        Assert.True(File.Exists(path + "-wal"));

        await store.TeardownAsync("p", [view]);

        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + "-wal"));
        Assert.False(File.Exists(path + "-shm"));
    }

    [Fact]
    public async Task UpdateAsync_AfterReadsPreparedStatements_DropAndRecreateIsSeen()
    {
        var path = _dir.File("online.db");
        await using var store = new SqliteOnlineStore(path);
        var view = DriverHourlyStats();
        await store.UpdateAsync("p", [view], []);
        var batch = new OnlineWriteBatch(["conv_rate"]);
        batch.Add(DriverKey(1), [new Value { FloatVal = 1 }], T0);
        await store.WriteBatchAsync("p", view, batch);
        Assert.True((await store.ReadAsync("p", view, [DriverKey(1)], ["conv_rate"])).Found(0));

        // Another process drops the table under the store's cached statements.
        Execute(path, "DROP TABLE p_driver_hourly_stats");

        await Assert.ThrowsAsync<FeastException>(() => store.ReadAsync("p", view, [DriverKey(1)], ["conv_rate"]));
        await Assert.ThrowsAsync<FeastException>(() => store.WriteBatchAsync("p", view, batch));
        await store.UpdateAsync("p", [view], []);
        await store.WriteBatchAsync("p", view, batch);
        Assert.True((await store.ReadAsync("p", view, [DriverKey(1)], ["conv_rate"])).Found(0));
    }

    [Fact]
    public async Task DisposeAsync_ThenUse_ThrowsObjectDisposed()
    {
        var store = new SqliteOnlineStore(_dir.File("online.db"));
        var view = DriverHourlyStats();
        await store.UpdateAsync("p", [view], []);
        await store.ReadAsync("p", view, [DriverKey(1)], ["conv_rate"]);

        await store.DisposeAsync();
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ReadAsync("p", view, [DriverKey(1)], ["conv_rate"]));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.WriteBatchAsync("p", view, new OnlineWriteBatch(["conv_rate"])));
    }

    [Fact]
    public async Task WriteBatchAsync_ManyFeatures_SplitsAcrossStatements()
    {
        var path = _dir.File("wide.db");
        await using var store = new SqliteOnlineStore(path);
        var names = Enumerable.Range(0, SqliteOnlineStore.MaxFeaturesPerInsert * 2 + 5).Select(i => $"f'{i}").ToArray();
        var view = new FeatureView("wide", Source, [Driver], schema: names.Select(n => new Field(n, FeastType.Int64)));
        await store.UpdateAsync("p", [view], []);
        var batch = new OnlineWriteBatch(names);
        for (var id = 0; id < 3; id++) batch.Add(DriverKey(id), [.. names.Select((_, i) => new Value { Int64Val = id * 1000 + i })], T0);

        await store.WriteBatchAsync("p", view, batch);

        Assert.Equal(3L * names.Length, Query(path, "SELECT count(*) FROM p_wide")[0][0]);
        var result = await store.ReadAsync("p", view, [DriverKey(2), DriverKey(0)], [.. names.Reverse()]);
        for (var i = 0; i < names.Length; i++)
        {
            Assert.Equal(2000 + names.Length - 1 - i, result.Value(0, i)!.Value.AsInt64());
            Assert.Equal(names.Length - 1 - i, result.Value(1, i)!.Value.AsInt64());
        }
    }

    [Fact]
    public async Task ReadAsync_KeyCountsAcrossChunkBoundaries_AnswerEveryKey()
    {
        var path = _dir.File("chunks.db");
        await using var store = new SqliteOnlineStore(path);
        var view = DriverHourlyStats();
        await store.UpdateAsync("p", [view], []);
        var batch = new OnlineWriteBatch(["avg_daily_trips"]);
        for (var id = 0; id < 1000; id += 2) batch.Add(DriverKey(id), [new Value { Int64Val = id }], T0);
        await store.WriteBatchAsync("p", view, batch);

        foreach (var count in new[] { 2, 3, 9, 255, 256, 257, 600 })
        {
            var ids = Enumerable.Range(0, count).Select(i => (long)(i * 7 % 1000)).ToList();
            var result = await store.ReadAsync("p", view, [.. ids.Select(DriverKey)], ["avg_daily_trips"]);
            for (var row = 0; row < count; row++)
            {
                Assert.Equal(ids[row] % 2 == 0, result.Found(row));
                Assert.Equal(ids[row] % 2 == 0 ? ids[row] : (long?)null, result.Value(row, 0)?.AsInt64());
            }
        }
    }
}
