using Feast.Configuration;
using Feast.Online;
using Feast.Protos.Types;
using StackExchange.Redis;
using static Feast.Redis.Tests.R;

namespace Feast.Redis.Tests;

/// <summary>Dedup, TTL, deletion and cluster spread, checked against the servers directly.</summary>
public sealed class StoreBehaviourTests
{
    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task WriteBatch_NotNewerThanStored_IsSkipped_UnlessSkipDedup(Shape shape)
    {
        var project = UniqueProject();
        var view = View("stats", "trips");
        await using var store = Store(shape);
        await using var raw = await RawAsync(shape);
        try
        {
            await store.WriteBatchAsync(project, view, Batch(view, T0, 1));
            var older = new OnlineWriteBatch(["trips"]);
            older.Add(DriverKey(1), [new Value { Int64Val = 99 }], T0.AddTicks(-1));
            older.Add(DriverKey(1), [new Value { Int64Val = 98 }], T0); // equal is not newer either
            await store.WriteBatchAsync(project, view, older);

            Assert.Equal(10, (await store.ReadAsync(project, view, [DriverKey(1)], ["trips"])).Value(0, 0)!.Value.AsInt64());
            Assert.Equal(RedisLayout.SerializeTimestamp(T0), (byte[])(await raw.GetDatabase().HashGetAsync(RedisKey(1, project), "_ts:stats"))!);

            await using var overwriting = Store(shape, o => o with { SkipDedup = true });
            await overwriting.WriteBatchAsync(project, view, older);

            var result = await store.ReadAsync(project, view, [DriverKey(1)], ["trips"]);
            Assert.Equal(98, result.Value(0, 0)!.Value.AsInt64());
            Assert.Equal(T0, result.EventTimestamp(0));
        }
        finally
        {
            await store.TeardownAsync(project, [view]);
        }
    }

    [Fact]
    public async Task WriteBatch_StoredKeyRepeatedInBatch_OnlyNewerRowsWin()
    {
        var project = UniqueProject();
        var view = View("stats", "trips");
        await using var store = Store(Shape.Single);
        try
        {
            await store.WriteBatchAsync(project, view, Batch(view, T0, 1));
            var batch = new OnlineWriteBatch(["trips"]);
            batch.Add(DriverKey(1), [new Value { Int64Val = 1 }], T0.AddSeconds(2));
            batch.Add(DriverKey(1), [new Value { Int64Val = 2 }], T0.AddSeconds(1)); // older than the queued row: skipped
            batch.Add(DriverKey(1), [new Value { Int64Val = 3 }], T0.AddSeconds(2)); // equal to the queued row: skipped
            await store.WriteBatchAsync(project, view, batch);

            var result = await store.ReadAsync(project, view, [DriverKey(1)], ["trips"]);
            Assert.Equal(1, result.Value(0, 0)!.Value.AsInt64());
            Assert.Equal(T0.AddSeconds(2), result.EventTimestamp(0));
        }
        finally
        {
            await store.TeardownAsync(project, [view]);
        }
    }

    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task WriteBatch_KeysRepeatedAcrossChunks_DedupAgainstTheStateBeforeTheBatch(Shape shape)
    {
        var project = UniqueProject();
        var view = View("stats", "trips");
        await using var store = Store(shape);
        try
        {
            var stored = Enumerable.Range(0, 100).Select(i => (long)i).ToArray();
            await store.WriteBatchAsync(project, view, Batch(view, T0, stored));
            var n = RedisOnlineStore.ChunkRows;
            var batch = new OnlineWriteBatch(["trips"]);
            for (var round = 1; round <= 3; round++)
            {
                for (var id = 0; id < n; id++) batch.Add(DriverKey(id), [new Value { Int64Val = round }], T0.AddSeconds(1));
            }
            await store.WriteBatchAsync(project, view, batch);

            var result = await store.ReadAsync(project, view, [.. Enumerable.Range(0, n).Select(id => DriverKey(id))], ["trips"]);
            // Keys with a stored time: the first newer row wins, equal ones after it are skipped (Feast's rule);
            // keys without one: every row is written, the last wins.
            Assert.All(Enumerable.Range(0, n), id => Assert.Equal(id < 100 ? 1 : 3, result.Value(id, 0)!.Value.AsInt64()));
        }
        finally
        {
            await store.TeardownAsync(project, [view]);
        }
    }

    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task WriteBatch_KeyTtlSeconds_SetsAnExpiry(Shape shape)
    {
        var project = UniqueProject();
        var view = View("stats", "trips");
        await using var store = Store(shape, o => o with { KeyTtlSeconds = 3600 });
        await using var raw = await RawAsync(shape);
        try
        {
            await store.WriteBatchAsync(project, view, Batch(view, T0, 1, 2, 3));

            foreach (var id in new long[] { 1, 2, 3 })
            {
                var ttl = await raw.GetDatabase().KeyTimeToLiveAsync(RedisKey(id, project));
                Assert.NotNull(ttl);
                Assert.InRange(ttl.Value.TotalSeconds, 3500, 3600);
            }
        }
        finally
        {
            await store.TeardownAsync(project, [view]);
        }
    }

    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task Update_DeletedView_RemovesItsFieldsOnly_AndKeysItAloneHeld(Shape shape)
    {
        var project = UniqueProject();
        var gone = View("gone", "a", "b");
        var kept = View("kept", "c");
        await using var store = Store(shape);
        await using var raw = await RawAsync(shape);
        var db = raw.GetDatabase();
        try
        {
            var ids = Enumerable.Range(0, 300).Select(i => (long)i).ToArray();
            await store.WriteBatchAsync(project, gone, Batch(gone, T0, ids));
            await store.WriteBatchAsync(project, kept, Batch(kept, T0, 1, 2));

            await store.UpdateAsync(project, [kept], [gone]);

            var shared = (await db.HashGetAllAsync(RedisKey(1, project))).Select(e => Convert.ToHexStringLower((byte[])e.Name!)).Order().ToArray();
            Assert.Equal(new[] { Convert.ToHexStringLower("_ts:kept"u8), Convert.ToHexStringLower(RedisLayout.FeatureField("kept", "c")) }.Order(), shared);
            Assert.False(await db.KeyExistsAsync(RedisKey(0, project)));
            Assert.False(await db.KeyExistsAsync(RedisKey(299, project)));
            Assert.Equal(20, (await store.ReadAsync(project, kept, [DriverKey(2)], ["c"])).Value(0, 0)!.Value.AsInt64());
        }
        finally
        {
            await store.TeardownAsync(project, [gone, kept]);
        }
    }

    [Fact]
    public async Task Update_DeletedView_LeavesProjectsWhoseNameEndsTheSame()
    {
        var project = UniqueProject();
        var longer = "x" + project; // the SCAN pattern prefix*project matches this project's keys too
        var view = View("stats", "trips");
        await using var store = Store(Shape.Single);
        try
        {
            await store.WriteBatchAsync(project, view, Batch(view, T0, 1));
            await store.WriteBatchAsync(longer, view, Batch(view, T0, 1));

            await store.UpdateAsync(project, [], [view]);

            Assert.False((await store.ReadAsync(project, view, [DriverKey(1)], ["trips"])).Found(0));
            Assert.True((await store.ReadAsync(longer, view, [DriverKey(1)], ["trips"])).Found(0));
        }
        finally
        {
            await store.TeardownAsync(project, [view]);
            await store.TeardownAsync(longer, [view]);
        }
    }

    [Fact]
    public async Task Update_FullScanForDeletionOff_LeavesTheData()
    {
        var project = UniqueProject();
        var view = View("stats", "trips");
        await using var store = Store(Shape.Single, o => o with { FullScanForDeletion = false });
        try
        {
            await store.WriteBatchAsync(project, view, Batch(view, T0, 1));

            await store.UpdateAsync(project, [], [view]);

            Assert.True((await store.ReadAsync(project, view, [DriverKey(1)], ["trips"])).Found(0));
        }
        finally
        {
            await store.TeardownAsync(project, [view]);
        }
    }

    [Fact]
    public async Task Cluster_KeysSpreadOverMasters_AndOneReadReturnsThemAll()
    {
        var project = UniqueProject();
        var view = View("stats", "trips", "rides");
        await using var store = Store(Shape.Cluster);
        await using var raw = await RawAsync(Shape.Cluster);
        try
        {
            var ids = Enumerable.Range(0, 500).Select(i => (long)i).ToArray();
            await store.WriteBatchAsync(project, view, Batch(view, T0, ids));

            var perNode = new List<int>();
            foreach (var server in raw.GetServers().Where(s => !s.IsReplica))
            {
                var count = 0;
                await foreach (var _ in server.KeysAsync(pattern: "*" + project, pageSize: 1000)) count++;
                perNode.Add(count);
            }
            Assert.Equal(3, perNode.Count);
            Assert.Equal(500, perNode.Sum());
            Assert.True(perNode.Count(c => c > 0) >= 2, $"keys per node: {string.Join(", ", perNode)}");

            var result = await store.ReadAsync(project, view, [.. ids.Select(DriverKey)], ["rides", "trips"]);
            Assert.All(ids, id => Assert.Equal(id * 10 + 1, result.Value((int)id, 0)!.Value.AsInt64()));
        }
        finally
        {
            await store.TeardownAsync(project, [view]);
        }
    }

    [Fact]
    public async Task Write_BatchLargerThanAChunk_IsWhollyWritten()
    {
        var project = UniqueProject();
        var view = View("stats", "trips");
        await using var store = Store(Shape.Cluster, o => o with { KeyTtlSeconds = 600 });
        try
        {
            var ids = Enumerable.Range(0, RedisOnlineStore.ChunkRows * (RedisOnlineStore.MaxChunksInFlight + 2) + 17).Select(i => (long)i).ToArray();
            await store.WriteBatchAsync(project, view, Batch(view, T0, ids));

            var result = await store.ReadAsync(project, view, [.. ids.Select(DriverKey)], ["trips"]);
            Assert.All(ids, id => Assert.Equal(id * 10, result.Value((int)id, 0)!.Value.AsInt64()));
        }
        finally
        {
            await store.TeardownAsync(project, [view]);
        }
    }

    [Fact]
    public void DescribeStorage_NamesProjectAndView() =>
        Assert.Equal("Redis hashes (project p, fields stats:*)", Store(Shape.Single).DescribeStorage("p", View("stats", "trips")));
}
