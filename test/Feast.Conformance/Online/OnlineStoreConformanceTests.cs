using Feast.Online;
using Feast.Protos.Types;
using Feast.Values;
using Google.Protobuf;

namespace Feast.Tests.Online.Conformance;

/// <summary>
/// The behaviour every <see cref="IOnlineStore"/> must show, run once per backend by deriving a class that creates
/// the store. Each test instance uses its own project name, so backends on a shared server can run tests in parallel.
/// Timestamps are whole seconds because SQLite keeps seconds only.
/// </summary>
public abstract class OnlineStoreConformanceTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2025, 11, 24, 16, 0, 0, TimeSpan.Zero);

    protected static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);

    private static readonly FileSource Source = new("data/driver_stats.parquet", "event_timestamp", name: "driver_stats_source");

    private IOnlineStore? _store;

    /// <summary>A project name unique to this test.</summary>
    protected string Project { get; } = "conf_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The store under test, created for <see cref="Project"/>.</summary>
    protected IOnlineStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    /// <summary>Creates a store with no storage yet for <paramref name="project"/>.</summary>
    protected abstract Task<IOnlineStore> CreateStoreAsync(string project);

    /// <summary>Creates a store for <paramref name="project"/> where every write replaces what is stored (the opt-out of the newer-wins rule).</summary>
    protected abstract Task<IOnlineStore> CreateLastWriteWinsStoreAsync(string project);

    /// <summary>
    /// Whether a row with the stored event timestamp and a newer created timestamp replaces the stored row (SQLite,
    /// PostgreSQL); Feast's Redis store skips every row that is not strictly newer.
    /// </summary>
    protected virtual bool TiesBrokenByCreatedTimestamp => true;

    /// <summary>
    /// Checks what a read of a view whose storage was deleted does. By default (SQLite, PostgreSQL: the table is gone)
    /// it fails with a <see cref="FeastException"/> that tells the user to run <c>feast apply</c>.
    /// </summary>
    protected virtual async Task AssertReadOfDeletedViewAsync(FeatureView view, byte[] key)
    {
        var error = await Assert.ThrowsAsync<FeastException>(() => Store.ReadAsync(Project, view, [key], ["conv_rate"]));
        Assert.Contains("feast apply", error.Message, StringComparison.Ordinal);
        Assert.Contains(view.Name, error.Message, StringComparison.Ordinal);
    }

    public async Task InitializeAsync() => _store = await CreateStoreAsync(Project);

    public virtual async Task DisposeAsync()
    {
        if (_store is null) return;
        await _store.DisposeAsync();
    }

    protected static FeatureView DriverStats(string name = "driver_stats", params Field[] extra) =>
        new(name, Source, [Driver], schema:
        [
            new Field("conv_rate", FeastType.Float32), new Field("acc_rate", FeastType.Float32), new Field("avg_daily_trips", FeastType.Int64),
            .. extra,
        ]);

    protected static byte[] DriverKey(long id) => EntityKeySerializer.Serialize("driver_id", new Value { Int64Val = id });

    protected static OnlineWriteBatch StatsBatch(params (long Id, float Conv, float Acc, long Trips, DateTimeOffset Ts)[] rows)
    {
        var batch = new OnlineWriteBatch(["conv_rate", "acc_rate", "avg_daily_trips"]);
        foreach (var (id, conv, acc, trips, ts) in rows)
            batch.Add(DriverKey(id), [new Value { FloatVal = conv }, new Value { FloatVal = acc }, new Value { Int64Val = trips }], ts, ts.AddMinutes(1));
        return batch;
    }

    protected async Task<FeatureView> ApplyAsync(FeatureView? view = null)
    {
        view ??= DriverStats();
        await Store.UpdateAsync(Project, [view], []);
        return view;
    }

    [Fact]
    public async Task UpdateAsync_NewView_CreatesEmptyStorage()
    {
        var view = await ApplyAsync();
        await Store.UpdateAsync(Project, [view], []); // idempotent

        var result = await Store.ReadAsync(Project, view, [DriverKey(1)], ["conv_rate"]);

        Assert.Equal(1, result.KeyCount);
        Assert.False(result.Found(0));
        Assert.Null(result.EventTimestamp(0));
        Assert.Null(result.Value(0, 0));
    }

    [Fact]
    public async Task WriteBatchAsync_ThenRead_ReturnsValuesAndEventTimestamp()
    {
        var view = await ApplyAsync();
        await Store.WriteBatchAsync(Project, view, StatsBatch((1001, 0.5f, 0.25f, 11, T0), (1002, 0.125f, 0.75f, 22, T0.AddHours(1))));

        var result = await Store.ReadAsync(Project, view, [DriverKey(1001), DriverKey(1002)], ["conv_rate", "avg_daily_trips", "acc_rate"]);

        Assert.Equal(["conv_rate", "avg_daily_trips", "acc_rate"], result.FeatureNames);
        Assert.True(result.Found(0));
        Assert.Equal(T0, result.EventTimestamp(0));
        Assert.Equal(new FeatureValue(new Value { FloatVal = 0.5f }), result.Value(0, 0));
        Assert.Equal(new FeatureValue(new Value { Int64Val = 11 }), result.Value(0, 1));
        Assert.Equal(new FeatureValue(new Value { FloatVal = 0.25f }), result.Value(0, 2));
        Assert.Equal(T0.AddHours(1), result.EventTimestamp(1));
        Assert.Equal(new FeatureValue(new Value { FloatVal = 0.125f }), result.Value(1, 0));
        Assert.Equal(new FeatureValue(new Value { Int64Val = 22 }), result.Value(1, 1));
    }

    [Fact]
    public async Task WriteBatchAsync_NewerWrite_Overwrites()
    {
        var view = await ApplyAsync();
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.5f, 0.5f, 1, T0)));
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.75f, 0.25f, 2, T0.AddSeconds(1))));

        var result = await Store.ReadAsync(Project, view, [DriverKey(1)], ["conv_rate", "acc_rate", "avg_daily_trips"]);

        Assert.Equal(T0.AddSeconds(1), result.EventTimestamp(0));
        Assert.Equal(0.75f, result.Value(0, 0)!.Value.AsFloat());
        Assert.Equal(0.25f, result.Value(0, 1)!.Value.AsFloat());
        Assert.Equal(2, result.Value(0, 2)!.Value.AsInt64());
    }

    [Fact]
    public async Task WriteBatchAsync_OlderWrite_KeepsTheNewerValue()
    {
        // A materialization of old data running beside a push of fresh values must not overwrite them.
        var view = await ApplyAsync();
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.5f, 0.5f, 1, T0)));
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.75f, 0.25f, 2, T0.AddDays(-1)), (2, 0.75f, 0.25f, 3, T0.AddDays(-1))));

        var result = await Store.ReadAsync(Project, view, [DriverKey(1), DriverKey(2)], ["conv_rate", "avg_daily_trips"]);

        Assert.Equal(T0, result.EventTimestamp(0));
        Assert.Equal(0.5f, result.Value(0, 0)!.Value.AsFloat());
        Assert.Equal(1, result.Value(0, 1)!.Value.AsInt64());
        // A key with nothing stored is written, however old the row.
        Assert.Equal(3, result.Value(1, 1)!.Value.AsInt64());
    }

    [Fact]
    public async Task WriteBatchAsync_OlderRowAfterANewerOneInOneBatch_KeepsTheNewer()
    {
        var view = await ApplyAsync();
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.75f, 0.75f, 2, T0.AddSeconds(5)), (1, 0.5f, 0.5f, 1, T0)));

        var result = await Store.ReadAsync(Project, view, [DriverKey(1)], ["avg_daily_trips"]);

        Assert.Equal(2, result.Value(0, 0)!.Value.AsInt64());
        Assert.Equal(T0.AddSeconds(5), result.EventTimestamp(0));
    }

    [Fact]
    public async Task WriteBatchAsync_SameEventTime_TieBrokenByTheCreatedTimestamp()
    {
        var view = await ApplyAsync();
        OnlineWriteBatch Row(long trips, DateTimeOffset created)
        {
            var batch = new OnlineWriteBatch(["avg_daily_trips"]);
            batch.Add(DriverKey(1), [new Value { Int64Val = trips }], T0, created);
            return batch;
        }
        await Store.WriteBatchAsync(Project, view, Row(1, T0.AddMinutes(1)));

        await Store.WriteBatchAsync(Project, view, Row(2, T0)); // created earlier: never replaces
        var afterOlder = (await Store.ReadAsync(Project, view, [DriverKey(1)], ["avg_daily_trips"])).Value(0, 0)!.Value.AsInt64();
        await Store.WriteBatchAsync(Project, view, Row(3, T0.AddMinutes(2))); // created later: replaces where ties are broken so
        var afterNewer = (await Store.ReadAsync(Project, view, [DriverKey(1)], ["avg_daily_trips"])).Value(0, 0)!.Value.AsInt64();

        Assert.Equal(1, afterOlder);
        Assert.Equal(TiesBrokenByCreatedTimestamp ? 3 : 1, afterNewer);
    }

    [Fact]
    public async Task WriteBatchAsync_LastWriteWins_OlderWriteOverwrites()
    {
        var view = await ApplyAsync();
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.5f, 0.5f, 1, T0)));
        var lastWriteWins = await CreateLastWriteWinsStoreAsync(Project);
        try
        {
            await lastWriteWins.WriteBatchAsync(Project, view, StatsBatch((1, 0.75f, 0.25f, 2, T0.AddDays(-1))));
        }
        finally
        {
            await lastWriteWins.DisposeAsync();
        }

        var result = await Store.ReadAsync(Project, view, [DriverKey(1)], ["conv_rate", "avg_daily_trips"]);

        Assert.Equal(T0.AddDays(-1), result.EventTimestamp(0));
        Assert.Equal(2, result.Value(0, 1)!.Value.AsInt64());
    }

    [Fact]
    public async Task WriteBatchAsync_SameKeyTwiceInOneBatch_LastRowWins()
    {
        var view = await ApplyAsync();
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.5f, 0.5f, 1, T0), (1, 0.75f, 0.75f, 2, T0.AddSeconds(5))));

        var result = await Store.ReadAsync(Project, view, [DriverKey(1)], ["avg_daily_trips"]);

        Assert.Equal(2, result.Value(0, 0)!.Value.AsInt64());
        Assert.Equal(T0.AddSeconds(5), result.EventTimestamp(0));
    }

    [Fact]
    public async Task WriteBatchAsync_UnorderedKeysWithRepeats_LastRowOfEachKeyWins()
    {
        var view = await ApplyAsync();
        await Store.WriteBatchAsync(Project, view, StatsBatch(
            (5, 0.5f, 0.5f, 1, T0), (300, 0.5f, 0.5f, 2, T0), (1, 0.5f, 0.5f, 3, T0), (5, 0.5f, 0.5f, 4, T0), (300, 0.5f, 0.5f, 5, T0), (5, 0.5f, 0.5f, 6, T0)));

        var result = await Store.ReadAsync(Project, view, [DriverKey(1), DriverKey(5), DriverKey(300)], ["avg_daily_trips"]);

        Assert.Equal([3L, 6, 5], Enumerable.Range(0, 3).Select(i => result.Value(i, 0)!.Value.AsInt64()));
    }

    [Fact]
    public async Task ReadAsync_MissingAndFoundKeys_AnswersInRequestOrder()
    {
        var view = await ApplyAsync();
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.5f, 0.5f, 10, T0), (3, 0.5f, 0.5f, 30, T0.AddSeconds(3))));

        var result = await Store.ReadAsync(Project, view, [DriverKey(3), DriverKey(2), DriverKey(1), DriverKey(9999)], ["avg_daily_trips"]);

        Assert.Equal([true, false, true, false], Enumerable.Range(0, 4).Select(result.Found));
        Assert.Equal(30, result.Value(0, 0)!.Value.AsInt64());
        Assert.Null(result.Value(1, 0));
        Assert.Null(result.EventTimestamp(1));
        Assert.Equal(10, result.Value(2, 0)!.Value.AsInt64());
        Assert.Equal(T0, result.EventTimestamp(2));
        Assert.Equal(T0.AddSeconds(3), result.EventTimestamp(0));
        Assert.Null(result.Value(3, 0));
    }

    [Fact]
    public async Task ReadAsync_DuplicateKeys_EachRowGetsTheAnswer()
    {
        var view = await ApplyAsync();
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.5f, 0.5f, 10, T0), (2, 0.5f, 0.5f, 20, T0)));

        var result = await Store.ReadAsync(Project, view, [DriverKey(1), DriverKey(2), DriverKey(1), DriverKey(7), DriverKey(1), DriverKey(7)], ["avg_daily_trips"]);

        Assert.Equal([10L, 20, 10, -1, 10, -1], Enumerable.Range(0, 6).Select(i => result.Value(i, 0)?.AsInt64() ?? -1));
        Assert.Equal([true, true, true, false, true, false], Enumerable.Range(0, 6).Select(result.Found));
    }

    [Fact]
    public async Task ReadAsync_ManyKeysAndFeatures_RoundTripsInOneWriteAndOneRead()
    {
        const int Keys = 5000;
        var features = Enumerable.Range(0, 10).Select(i => $"f{i}").ToArray();
        var view = await ApplyAsync(new FeatureView("wide", Source, [Driver], schema: features.Select(f => new Field(f, FeastType.Int64))));
        var batch = new OnlineWriteBatch(features, Keys);
        var values = new Value?[features.Length];
        for (var id = 0; id < Keys; id++)
        {
            for (var f = 0; f < features.Length; f++) values[f] = new Value { Int64Val = id * 100L + f };
            batch.Add(DriverKey(id), values, T0.AddSeconds(id));
        }
        await Store.WriteBatchAsync(Project, view, batch);

        // Every key once, in reverse, plus keys that do not exist.
        var keys = Enumerable.Range(0, Keys).Reverse().Select(id => DriverKey(id)).Concat([DriverKey(-1), DriverKey(Keys)]).ToList();
        var result = await Store.ReadAsync(Project, view, keys, features);

        for (var row = 0; row < Keys; row++)
        {
            var id = Keys - 1 - row;
            Assert.True(result.Found(row), $"key {id}");
            Assert.Equal(T0.AddSeconds(id), result.EventTimestamp(row));
            for (var f = 0; f < features.Length; f++) Assert.Equal(id * 100L + f, result.Value(row, f)!.Value.AsInt64());
        }
        Assert.False(result.Found(Keys));
        Assert.False(result.Found(Keys + 1));
    }

    [Fact]
    public async Task ReadAsync_MultiJoinKeyEntities_KeysByEveryJoinKey()
    {
        var customer = new Entity("customer", ["customer_id"], ValueType.String);
        var view = await ApplyAsync(new FeatureView("driver_customer", Source, [Driver, customer], schema: [new Field("trips", FeastType.Int64)]));
        byte[] Key(long driver, string customerId) =>
            EntityKeySerializer.Serialize(["driver_id", "customer_id"], [new Value { Int64Val = driver }, new Value { StringVal = customerId }]);
        var batch = new OnlineWriteBatch(["trips"]);
        batch.Add(Key(1, "a"), [new Value { Int64Val = 1 }], T0);
        batch.Add(Key(1, "b"), [new Value { Int64Val = 2 }], T0);
        batch.Add(Key(2, "a"), [new Value { Int64Val = 3 }], T0);
        await Store.WriteBatchAsync(Project, view, batch);

        var result = await Store.ReadAsync(Project, view, [Key(2, "a"), Key(1, "b"), Key(2, "b"), Key(1, "a")], ["trips"]);

        Assert.Equal([3L, 2, -1, 1], Enumerable.Range(0, 4).Select(i => result.Value(i, 0)?.AsInt64() ?? -1));
    }

    [Fact]
    public async Task ReadAsync_EntityLessView_UsesTheDummyKey()
    {
        var view = await ApplyAsync(new FeatureView("global_stats", Source, schema: [new Field("total", FeastType.Int64)]));
        var key = EntityKeySerializer.Serialize(Entity.DummyJoinKey, new Value { StringVal = "" });
        var batch = new OnlineWriteBatch(["total"]);
        batch.Add(key, [new Value { Int64Val = 42 }], T0);
        await Store.WriteBatchAsync(Project, view, batch);

        var result = await Store.ReadAsync(Project, view, [key, key], ["total"]);

        Assert.Equal(42, result.Value(0, 0)!.Value.AsInt64());
        Assert.Equal(42, result.Value(1, 0)!.Value.AsInt64());
    }

    /// <summary>One value of every kind Feast stores, including null (an empty Value).</summary>
    public static IReadOnlyList<(string Name, FeastType Type, Value Value)> AllValues()
    {
        static Value With(Action<Value> set)
        {
            var value = new Value();
            set(value);
            return value;
        }
        return
        [
            ("bytes", FeastType.Bytes, new Value { BytesVal = ByteString.CopyFrom(0, 1, 255) }),
            ("string", FeastType.String, new Value { StringVal = "héllo ✓ \"quoted\"" }),
            ("empty_string", FeastType.String, new Value { StringVal = "" }),
            ("int32", FeastType.Int32, new Value { Int32Val = -1 }),
            ("int64", FeastType.Int64, new Value { Int64Val = long.MaxValue }),
            ("double", FeastType.Float64, new Value { DoubleVal = 1.5e-300 }),
            ("float", FeastType.Float32, new Value { FloatVal = 0.9273980259895325f }),
            ("bool_true", FeastType.Bool, new Value { BoolVal = true }),
            ("bool_false", FeastType.Bool, new Value { BoolVal = false }),
            ("zero", FeastType.Int64, new Value { Int64Val = 0 }),
            ("ts", FeastType.UnixTimestamp, new Value { UnixTimestampVal = 1700000000 }),
            ("bytes_list", FeastType.Array(FeastType.Bytes), With(v => v.BytesListVal = new BytesList { Val = { ByteString.CopyFrom(1), ByteString.Empty } })),
            ("string_list", FeastType.Array(FeastType.String), With(v => v.StringListVal = new StringList { Val = { "a", "", "c" } })),
            ("int32_list", FeastType.Array(FeastType.Int32), With(v => v.Int32ListVal = new Int32List { Val = { 1, -2, int.MinValue } })),
            ("int64_list", FeastType.Array(FeastType.Int64), With(v => v.Int64ListVal = new Int64List { Val = { 1, 2 } })),
            ("double_list", FeastType.Array(FeastType.Float64), With(v => v.DoubleListVal = new DoubleList { Val = { 0.1, double.NaN } })),
            ("float_list", FeastType.Array(FeastType.Float32), With(v => v.FloatListVal = new FloatList { Val = { 1f, 2f } })),
            ("bool_list", FeastType.Array(FeastType.Bool), With(v => v.BoolListVal = new BoolList { Val = { true, false } })),
            ("ts_list", FeastType.Array(FeastType.UnixTimestamp), With(v => v.UnixTimestampListVal = new Int64List { Val = { 0, 1700000000 } })),
            ("empty_list", FeastType.Array(FeastType.Int64), With(v => v.Int64ListVal = new Int64List())),
            ("int64_set", FeastType.Set(FeastType.Int64), With(v => v.Int64SetVal = new Int64Set { Val = { 3, 1 } })),
            ("json", FeastType.Json, new Value { JsonVal = "{\"a\": [1, 2]}" }),
            ("uuid", FeastType.Uuid, new Value { UuidVal = "1b4e28ba-2fa1-11d2-883f-0016d3cca427" }),
            ("decimal", FeastType.Decimal, new Value { DecimalVal = "3.14159" }),
            ("map", FeastType.Map, With(v => v.MapVal = new Map { Val = { ["k"] = new Value { Int64Val = 1 } } })),
            ("null", FeastType.Int64, new Value()),
            ("null_val", FeastType.Int64, new Value { NullVal = Null.Null }),
        ];
    }

    [Fact]
    public async Task ReadAsync_EveryValueType_RoundTripsByteExactly()
    {
        var all = AllValues();
        var view = await ApplyAsync(new FeatureView("typed", Source, [Driver], schema: all.Select(v => new Field(v.Name, v.Type))));
        var batch = new OnlineWriteBatch([.. all.Select(v => v.Name)]);
        batch.Add(DriverKey(1), [.. all.Select(v => v.Value)], T0);
        await Store.WriteBatchAsync(Project, view, batch);

        var result = await Store.ReadAsync(Project, view, [DriverKey(1)], [.. all.Select(v => v.Name)]);

        for (var i = 0; i < all.Count; i++)
        {
            var read = result.Value(0, i);
            Assert.True(read is not null, $"{all[i].Name} was not read back");
            Assert.Equal(Convert.ToHexString(all[i].Value.ToByteArray()), Convert.ToHexString(read!.Value.ToByteArray()));
        }
    }

    [Fact]
    public async Task WriteBatchAsync_NullValues_ReadBackAsNull()
    {
        var view = await ApplyAsync();
        var batch = new OnlineWriteBatch(["conv_rate", "avg_daily_trips"]);
        batch.Add(DriverKey(1), [null, new Value { Int64Val = 5 }], T0);
        await Store.WriteBatchAsync(Project, view, batch);

        var result = await Store.ReadAsync(Project, view, [DriverKey(1)], ["conv_rate", "avg_daily_trips"]);

        Assert.True(result.Found(0));
        Assert.True(result.Value(0, 0)!.Value.IsNull);
        Assert.Empty(result.Value(0, 0)?.ToByteArray() ?? []);
        Assert.Equal(5, result.Value(0, 1)!.Value.AsInt64());
    }

    [Fact]
    public async Task ReadAsync_FeatureNeverWritten_KeyFoundValueNull()
    {
        var view = await ApplyAsync(DriverStats(extra: new Field("late_feature", FeastType.String)));
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.5f, 0.5f, 10, T0)));

        var result = await Store.ReadAsync(Project, view, [DriverKey(1)], ["late_feature", "avg_daily_trips"]);

        Assert.True(result.Found(0));
        Assert.Equal(T0, result.EventTimestamp(0));
        Assert.Null(result.Value(0, 0));
        Assert.Equal(10, result.Value(0, 1)!.Value.AsInt64());
    }

    [Fact]
    public async Task ReadAsync_SubsetOfFeatures_IgnoresTheOthers()
    {
        var view = await ApplyAsync();
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.5f, 0.25f, 10, T0)));

        var result = await Store.ReadAsync(Project, view, [DriverKey(1)], ["acc_rate"]);

        Assert.Equal(["acc_rate"], result.FeatureNames);
        Assert.Equal(0.25f, result.Value(0, 0)!.Value.AsFloat());
    }

    [Fact]
    public async Task ReadAsync_FeaturesWrittenAtDifferentTimes_ReportsTheNewestTimestamp()
    {
        var view = await ApplyAsync();
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.5f, 0.25f, 10, T0)));
        var later = new OnlineWriteBatch(["acc_rate"]);
        later.Add(DriverKey(1), [new Value { FloatVal = 1f }], T0.AddHours(2));
        await Store.WriteBatchAsync(Project, view, later);

        var result = await Store.ReadAsync(Project, view, [DriverKey(1), DriverKey(1)], ["conv_rate", "acc_rate"]);

        Assert.Equal(T0.AddHours(2), result.EventTimestamp(0));
        Assert.Equal(T0.AddHours(2), result.EventTimestamp(1));
        Assert.Equal(0.5f, result.Value(0, 0)!.Value.AsFloat());
        Assert.Equal(1f, result.Value(1, 1)!.Value.AsFloat());
    }

    [Fact]
    public async Task ReadAsync_NoKeys_ReturnsEmptyResult()
    {
        var view = await ApplyAsync();

        var result = await Store.ReadAsync(Project, view, [], ["conv_rate"]);

        Assert.Equal(0, result.KeyCount);
    }

    [Fact]
    public async Task WriteBatchAsync_EmptyBatch_WritesNothing()
    {
        var view = await ApplyAsync();

        await Store.WriteBatchAsync(Project, view, new OnlineWriteBatch(["conv_rate"]));

        Assert.False((await Store.ReadAsync(Project, view, [DriverKey(1)], ["conv_rate"])).Found(0));
    }

    [Fact]
    public async Task ReadAsync_TwoViewsAndTwoProjects_AreIsolated()
    {
        var first = await ApplyAsync(DriverStats("first"));
        var second = await ApplyAsync(DriverStats("second"));
        var otherProject = Project + "_other";
        await Store.UpdateAsync(otherProject, [first], []);
        try
        {
            await Store.WriteBatchAsync(Project, first, StatsBatch((1, 0.5f, 0.5f, 1, T0)));
            await Store.WriteBatchAsync(Project, second, StatsBatch((1, 0.5f, 0.5f, 2, T0)));
            await Store.WriteBatchAsync(otherProject, first, StatsBatch((1, 0.5f, 0.5f, 3, T0)));

            Assert.Equal(1, (await Store.ReadAsync(Project, first, [DriverKey(1)], ["avg_daily_trips"])).Value(0, 0)!.Value.AsInt64());
            Assert.Equal(2, (await Store.ReadAsync(Project, second, [DriverKey(1)], ["avg_daily_trips"])).Value(0, 0)!.Value.AsInt64());
            Assert.Equal(3, (await Store.ReadAsync(otherProject, first, [DriverKey(1)], ["avg_daily_trips"])).Value(0, 0)!.Value.AsInt64());
        }
        finally
        {
            await Store.UpdateAsync(otherProject, [], [first]);
        }
    }

    [Fact]
    public async Task UpdateAsync_DeletedView_StorageIsGone()
    {
        var view = await ApplyAsync();
        var kept = await ApplyAsync(DriverStats("kept"));
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.5f, 0.5f, 1, T0)));
        await Store.WriteBatchAsync(Project, kept, StatsBatch((1, 0.5f, 0.5f, 2, T0)));

        await Store.UpdateAsync(Project, [kept], [view]);

        await AssertReadOfDeletedViewAsync(view, DriverKey(1));
        Assert.Equal(2, (await Store.ReadAsync(Project, kept, [DriverKey(1)], ["avg_daily_trips"])).Value(0, 0)!.Value.AsInt64());

        // Applying it again starts from empty storage.
        await Store.UpdateAsync(Project, [view], []);
        Assert.False((await Store.ReadAsync(Project, view, [DriverKey(1)], ["avg_daily_trips"])).Found(0));
    }

    [Fact]
    public async Task TeardownAsync_RemovesTheData()
    {
        var view = await ApplyAsync();
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.5f, 0.5f, 1, T0)));
        Assert.True((await Store.ReadAsync(Project, view, [DriverKey(1)], ["avg_daily_trips"])).Found(0));

        await Store.TeardownAsync(Project, [view]);

        await Store.UpdateAsync(Project, [view], []);
        Assert.False((await Store.ReadAsync(Project, view, [DriverKey(1)], ["avg_daily_trips"])).Found(0));
        await Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.5f, 0.5f, 7, T0)));
        Assert.Equal(7, (await Store.ReadAsync(Project, view, [DriverKey(1)], ["avg_daily_trips"])).Value(0, 0)!.Value.AsInt64());
    }

    [Fact]
    public async Task ReadAsync_ConcurrentReadersAndAWriter_AllSeeConsistentValues()
    {
        var view = await ApplyAsync();
        await Store.WriteBatchAsync(Project, view, StatsBatch([.. Enumerable.Range(0, 100).Select(i => ((long)i, 0.5f, 0.5f, (long)i, T0))]));

        var readers = Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                var ids = new long[] { (t * 7 + i) % 100, (t + i * 3) % 100, 500 };
                var result = await Store.ReadAsync(Project, view, [.. ids.Select(DriverKey)], ["avg_daily_trips", "conv_rate"]);
                Assert.Equal(ids[0], result.Value(0, 0)!.Value.AsInt64());
                Assert.Equal(ids[1], result.Value(1, 0)!.Value.AsInt64());
                Assert.False(result.Found(2));
            }
        }));
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
                await Store.WriteBatchAsync(Project, view, StatsBatch([.. Enumerable.Range(0, 100).Select(k => ((long)k, 0.5f + i, 0.5f, (long)k, T0.AddSeconds(i)))]));
        });

        await Task.WhenAll([.. readers, writer]);
    }

    [Fact]
    public async Task Cancellation_CanceledToken_IsHonoured()
    {
        var view = await ApplyAsync();
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.WriteBatchAsync(Project, view, StatsBatch((1, 0.5f, 0.5f, 1, T0)), cancel.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.ReadAsync(Project, view, [DriverKey(1)], ["conv_rate"], cancel.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.UpdateAsync(Project, [DriverStats("other")], [], cancel.Token));

        Assert.False((await Store.ReadAsync(Project, view, [DriverKey(1)], ["conv_rate"])).Found(0));
    }
}
