using System.Net;
using Feast.Online;
using Feast.Protos.Types;
using Feast.Redis.Resp;
using StackExchange.Redis;
using static Feast.Redis.Tests.R;

namespace Feast.Redis.Tests;

/// <summary>
/// The write path's own connections: slot routing, redirections, server errors, cancellation and concurrent writers,
/// against the real servers.
/// </summary>
public sealed class DirectWriteTests
{
    [Fact]
    public async Task Slot_MatchesTheClusterClientForAnyKey_HashTagsIncluded()
    {
        await using var raw = await RawAsync(Shape.Cluster);
        var random = new Random(7);
        var braces = "{}ab"u8.ToArray();
        for (var i = 0; i < 5_000; i++)
        {
            var key = new byte[random.Next(0, 24)];
            // Mostly braces and a few letters, so hash tags of every shape (empty, unclosed, across the split) come up.
            for (var b = 0; b < key.Length; b++) key[b] = random.Next(3) == 0 ? (byte)random.Next(256) : braces[random.Next(braces.Length)];
            var split = random.Next(0, key.Length + 1);

            Assert.Equal(raw.HashSlot(key), RedisNodes.Slot(key.AsSpan(0, split), key.AsSpan(split)));
        }
    }

    [Fact]
    public async Task Cluster_StaleSlotMap_RedirectedRowsAreWrittenThroughTheMultiplexer_WithDedup()
    {
        var project = UniqueProject();
        var view = View("stats", "trips", "rides");
        await using var store = Store(Shape.Cluster, o => o with { KeyTtlSeconds = 600 });
        await using var raw = await RawAsync(Shape.Cluster);
        var first = raw.GetServers().First(s => !s.IsReplica).EndPoint;
        var ids = Enumerable.Range(0, 5_000).Select(i => (long)i).ToArray();
        try
        {
            // Every slot mapped to one node: about two thirds of the keys get MOVED.
            store.NodesOverride = RedisNodes.AllSlotsOn(first);
            await store.WriteBatchAsync(project, view, Batch(view, T0, ids));

            var result = await store.ReadAsync(project, view, [.. ids.Select(DriverKey)], ["trips", "rides"]);
            Assert.All(ids, id => Assert.Equal(id * 10 + 1, result.Value((int)id, 1)!.Value.AsInt64()));
            Assert.True(await raw.GetDatabase().KeyTimeToLiveAsync(RedisKey(4_999, project)) > TimeSpan.Zero);

            // Older rows for redirected keys are still skipped (dedup on that path too).
            var older = new OnlineWriteBatch(["trips", "rides"]);
            foreach (var id in ids) older.Add(DriverKey(id), [new Value { Int64Val = -1 }, new Value { Int64Val = -1 }], T0.AddSeconds(-1));
            await store.WriteBatchAsync(project, view, older);
            result = await store.ReadAsync(project, view, [.. ids.Select(DriverKey)], ["trips", "rides"]);
            Assert.All(ids, id => Assert.Equal(id * 10, result.Value((int)id, 0)!.Value.AsInt64()));
        }
        finally
        {
            store.NodesOverride = null;
            await store.TeardownAsync(project, [view]);
        }
    }

    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task KeyHoldingAnotherType_WriteFailsNamingTheServersAnswer(Shape shape)
    {
        var project = UniqueProject();
        var view = View("stats", "trips");
        await using var store = Store(shape);
        await using var raw = await RawAsync(shape);
        try
        {
            await raw.GetDatabase().StringSetAsync(RedisKey(3, project), "not a hash");

            var error = await Assert.ThrowsAsync<RedisOnlineStoreException>(() => store.WriteBatchAsync(project, view, Batch(view, T0, 1, 2, 3)));

            Assert.Contains("WRONGTYPE", error.Message, StringComparison.Ordinal);
            Assert.Contains("stats", error.Message, StringComparison.Ordinal);
            Assert.Contains("writing it again is safe", error.Message, StringComparison.Ordinal);
            // The store's connections are still good for the next write.
            await raw.GetDatabase().KeyDeleteAsync(RedisKey(3, project));
            await store.WriteBatchAsync(project, view, Batch(view, T0, 1, 2, 3));
            Assert.Equal(30, (await store.ReadAsync(project, view, [DriverKey(3)], ["trips"])).Value(0, 0)!.Value.AsInt64());
        }
        finally
        {
            await raw.GetDatabase().KeyDeleteAsync(RedisKey(3, project));
            await store.TeardownAsync(project, [view]);
        }
    }

    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task Cancelled_Write_StopsAndTheNextWriteCompletes(Shape shape)
    {
        var project = UniqueProject();
        var view = View("wide", [.. Enumerable.Range(0, 10).Select(i => $"f{i}")]);
        await using var store = Store(shape);
        var ids = Enumerable.Range(0, 100_000).Select(i => (long)i).ToArray();
        var batch = Batch(view, T0, ids);
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.WriteBatchAsync(project, view, batch, cancel.Token));

            await store.WriteBatchAsync(project, view, batch);
            var result = await store.ReadAsync(project, view, [DriverKey(0), DriverKey(99_999)], ["f9"]);
            Assert.Equal(9, result.Value(0, 0)!.Value.AsInt64());
            Assert.Equal(999_999, result.Value(1, 0)!.Value.AsInt64());
        }
        finally
        {
            await store.TeardownAsync(project, [view]);
        }
    }

    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task ConcurrentWriters_EachGetTheirOwnConnections_AllRowsLand(Shape shape)
    {
        var project = UniqueProject();
        var view = View("stats", "trips");
        await using var store = Store(shape);
        try
        {
            var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var round = 0; round < 5; round++)
                {
                    var ids = Enumerable.Range(0, 500).Select(i => (long)(w * 100_000 + round * 1_000 + i)).ToArray();
                    await store.WriteBatchAsync(project, view, Batch(view, T0, ids));
                }
            })).ToArray();
            await Task.WhenAll(writers);

            var all = Enumerable.Range(0, 8).SelectMany(w => Enumerable.Range(0, 5).SelectMany(r => Enumerable.Range(0, 500).Select(i => (long)(w * 100_000 + r * 1_000 + i)))).ToArray();
            var result = await store.ReadAsync(project, view, [.. all.Select(DriverKey)], ["trips"]);
            for (var i = 0; i < all.Length; i++) Assert.Equal(all[i] * 10, result.Value(i, 0)!.Value.AsInt64());
        }
        finally
        {
            await store.TeardownAsync(project, [view]);
        }
    }

    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task LargeValuesAndManyFeatures_WrittenAndReadBackWhole(Shape shape)
    {
        var project = UniqueProject();
        var names = Enumerable.Range(0, 300).Select(i => $"f{i}").ToArray();
        var view = new FeatureView("wide", Source, [Driver], schema: [new Field("blob", FeastType.Bytes), .. names.Select(n => new Field(n, FeastType.Int64))]);
        var blob = new byte[3 * 1024 * 1024];
        new Random(3).NextBytes(blob);
        var batch = new OnlineWriteBatch(["blob", .. names]);
        foreach (var id in new long[] { 1, 2 })
            batch.Add(DriverKey(id), [new Value { BytesVal = Google.Protobuf.ByteString.CopyFrom(blob) }, .. names.Select((_, i) => new Value { Int64Val = id * 1000 + i })], T0);
        await using var store = Store(shape);
        try
        {
            await store.WriteBatchAsync(project, view, batch);

            var result = await store.ReadAsync(project, view, [DriverKey(1), DriverKey(2)], ["blob", "f299"]);
            Assert.True(result.Value(1, 0)!.Value.AsBytes().Span.SequenceEqual(blob));
            Assert.Equal(2299, result.Value(1, 1)!.Value.AsInt64());
        }
        finally
        {
            await store.TeardownAsync(project, [view]);
        }
    }

    [Fact]
    public async Task Connection_NothingListening_FailsNamingTheNode()
    {
        var port = ConfigurationTests.FreePort();
        var settings = new RespSettings(false, null, false, null, "pw", 0, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), null);

        var error = await Assert.ThrowsAsync<RespConnectionException>(() => RespConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), settings, default));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connection_PipelinedBlocks_RepliesComeBackInOrder_NilAndErrorsIncluded()
    {
        var endpoint = (await RawAsync(Shape.Single)).GetServers()[0].EndPoint;
        var settings = new RespSettings(false, null, false, null, null, 0, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), "feast-test");
        await using var connection = await RespConnection.ConnectAsync(endpoint, settings, default);
        var key = "resp-test-" + Guid.NewGuid().ToString("N");

        var first = new RespCommandBuffer();
        first.Command(3);
        first.Argument("SET"u8);
        first.Argument(System.Text.Encoding.UTF8.GetBytes(key));
        first.Argument(new byte[100_000]);
        first.Command(2);
        first.Argument("GET"u8);
        first.Argument(System.Text.Encoding.UTF8.GetBytes(key));
        var second = new RespCommandBuffer();
        second.Command(2);
        second.Argument("GET"u8);
        second.Argument(System.Text.Encoding.UTF8.GetBytes(key + "-missing"));
        second.Command(3);
        second.Argument("HGET"u8);
        second.Argument(System.Text.Encoding.UTF8.GetBytes(key));
        second.Argument("f"u8);
        second.Command(2);
        second.Argument("DEL"u8);
        second.Argument(System.Text.Encoding.UTF8.GetBytes(key));

        var a = connection.Send(first.Written, first.Commands, keepBulks: true);
        var b = connection.Send(second.Written, second.Commands, keepBulks: true);
        var (ra, rb) = (await a, await b);

        Assert.Empty(ra.Errors);
        Assert.Equal(100_000, ra.Bulk(1)!.Length);
        Assert.Null(rb.Bulk(0));
        Assert.True(rb.IsError(1));
        Assert.StartsWith("WRONGTYPE", rb.Errors[0].Message, StringComparison.Ordinal);
        Assert.False(rb.IsError(2));
        Assert.True(connection.IsUsable);
    }
}

/// <summary>Several views of the same entities read with one HMGET per key.</summary>
public sealed class ReadManyTests
{
    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task ViewsSharingKeys_ReadTogether_EachViewGetsItsOwnValuesAndStatuses(Shape shape)
    {
        var project = UniqueProject();
        var a = View("a", "x", "y");
        var b = View("b", "x", "z");
        await using var store = Store(shape);
        try
        {
            await store.WriteBatchAsync(project, a, Batch(a, T0, 1, 2));
            await store.WriteBatchAsync(project, b, Batch(b, T0.AddHours(1), 2, 3));
            IReadOnlyList<byte[]> keys = [DriverKey(1), DriverKey(2), DriverKey(3), DriverKey(4)];
            IReadOnlyList<byte[]> otherKeys = [DriverKey(3)];

            var results = await store.ReadManyAsync(project,
            [
                new OnlineViewRead(a, keys, ["y", "x"]),
                new OnlineViewRead(b, keys, ["z"]),
                new OnlineViewRead(a, keys, ["x"]), // the same view twice (two projections)
                new OnlineViewRead(b, otherKeys, ["x", "z"]),
                new OnlineViewRead(a, [], ["x"]),
            ]);

            Assert.Equal(5, results.Length);
            Assert.Equal([true, true, false, false], Enumerable.Range(0, 4).Select(results[0].Found));
            Assert.Equal(21, results[0].Value(1, 0)!.Value.AsInt64()); // y of driver 2
            Assert.Equal(20, results[0].Value(1, 1)!.Value.AsInt64());
            Assert.Equal(T0, results[0].EventTimestamp(0));
            Assert.Equal([false, true, true, false], Enumerable.Range(0, 4).Select(results[1].Found));
            Assert.Equal(31, results[1].Value(2, 0)!.Value.AsInt64());
            Assert.Equal(T0.AddHours(1), results[1].EventTimestamp(2));
            Assert.Null(results[1].Value(0, 0));
            Assert.Equal(10, results[2].Value(0, 0)!.Value.AsInt64());
            Assert.Equal([30L, 31L], new[] { results[3].Value(0, 0)!.Value.AsInt64(), results[3].Value(0, 1)!.Value.AsInt64() });
            Assert.Equal(0, results[4].KeyCount);
        }
        finally
        {
            await store.TeardownAsync(project, [a, b]);
        }
    }
}

/// <summary>Wide reads take whole hashes (HGETALL) and pick the requested fields; large hashes go back to HMGET.</summary>
public sealed class WholeHashReadTests
{
    [Theory]
    [InlineData(Shape.Single)]
    [InlineData(Shape.Cluster)]
    public async Task ManyFieldsPerKey_PickedFromTheWholeHash_SameAnswerAsFieldByField(Shape shape)
    {
        var project = UniqueProject();
        var views = Enumerable.Range(0, 7).Select(v => View($"v{v}", [.. Enumerable.Range(0, 10).Select(f => $"f{f}")])).ToArray();
        await using var store = Store(shape);
        try
        {
            // Views 0–5 hold drivers 1–3; view 6 only driver 2, an hour later; driver 4 is nowhere.
            foreach (var view in views[..6]) await store.WriteBatchAsync(project, view, Batch(view, T0, 1, 2, 3));
            await store.WriteBatchAsync(project, views[6], Batch(views[6], T0.AddHours(1), 2));
            IReadOnlyList<byte[]> keys = [DriverKey(1), DriverKey(2), DriverKey(4)];
            var reads = views.Select(v => new OnlineViewRead(v, keys, [.. Enumerable.Range(0, 10).Reverse().Select(f => $"f{f}")]))
                .Append(new OnlineViewRead(views[0], keys, ["f3"])) // the same view again, another projection
                .ToArray();
            Assert.True(reads.Sum(r => r.FeatureNames.Count + 1) >= RedisOnlineStore.WholeHashFields);

            var together = await store.ReadManyAsync(project, reads);
            var oneByOne = await Task.WhenAll(reads.Select(r => store.ReadAsync(project, r.View, r.EntityKeys, r.FeatureNames)));

            for (var r = 0; r < reads.Length; r++)
            {
                for (var row = 0; row < keys.Count; row++)
                {
                    Assert.Equal(oneByOne[r].Found(row), together[r].Found(row));
                    Assert.Equal(oneByOne[r].EventTimestamp(row), together[r].EventTimestamp(row));
                    for (var f = 0; f < reads[r].FeatureNames.Count; f++) Assert.Equal(oneByOne[r].Value(row, f), together[r].Value(row, f));
                }
            }
            Assert.Equal(19, together[0].Value(0, 0)!.Value.AsInt64()); // f9 of driver 1
            Assert.Equal([false, true, false], Enumerable.Range(0, 3).Select(together[6].Found));
            Assert.Equal(T0.AddHours(1), together[6].EventTimestamp(1));
            Assert.Equal(13, together[7].Value(0, 0)!.Value.AsInt64());
            Assert.False(store.ReadsFieldByField([.. views.Select(v => v.Name), views[0].Name]));
        }
        finally
        {
            await store.TeardownAsync(project, views);
        }
    }

    [Fact]
    public async Task HashesPast512Fields_AreReadFieldByFieldFromThenOn()
    {
        var project = UniqueProject();
        var views = Enumerable.Range(0, 60).Select(v => View($"w{v}", [.. Enumerable.Range(0, 10).Select(f => $"f{f}")])).ToArray();
        await using var store = Store(Shape.Single);
        try
        {
            foreach (var view in views) await store.WriteBatchAsync(project, view, Batch(view, T0, 1)); // 660 fields in one hash
            IReadOnlyList<byte[]> keys = [DriverKey(1)];
            var reads = views[..8].Select(v => new OnlineViewRead(v, keys, ["f0", "f9"])).ToArray(); // 24 fields: HMGET
            var wide = views[..30].Select(v => new OnlineViewRead(v, keys, [.. Enumerable.Range(0, 10).Select(f => $"f{f}")])).ToArray();

            var first = await store.ReadManyAsync(project, wide);
            Assert.True(store.ReadsFieldByField([.. views[..30].Select(v => v.Name)]));
            var second = await store.ReadManyAsync(project, wide);

            for (var r = 0; r < wide.Length; r++)
                for (var f = 0; f < 10; f++) Assert.Equal(10 + f, second[r].Value(0, f)!.Value.AsInt64());
            Assert.Equal(first.Select(r => r.Value(0, 9)), second.Select(r => r.Value(0, 9)));
            Assert.Equal(19, (await store.ReadManyAsync(project, reads))[7].Value(0, 1)!.Value.AsInt64());
        }
        finally
        {
            await store.TeardownAsync(project, views);
        }
    }
}
