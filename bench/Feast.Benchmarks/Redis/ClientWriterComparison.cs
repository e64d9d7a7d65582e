using System.Diagnostics;
using System.Globalization;
using System.Text;
using Feast.Benchmarks.Harness;
using Feast.Benchmarks.Materialize;
using Feast.Online;
using Feast.Redis;
using Google.Protobuf;
using StackExchange.Redis;

namespace Feast.Benchmarks.Redis;

/// <summary>
/// Is the store's own RESP writer (<c>RedisBatchWriter</c>) worth having? The same prepared rows are written twice per
/// target, each time from an empty keyspace: by <c>RedisOnlineStore.WriteBatchAsync</c>, and by StackExchange.Redis'
/// pipelined async API (one <see cref="IBatch"/> per 8192-row batch: the HGETs of <c>_ts:{view}</c> of the batch's keys
/// when deduplicating, then the HSETs of the rows Feast's rule admits, all awaited before the next batch). Both write the
/// same keys, fields and value bytes (checked on a sample of hashes) and only the writing is timed; the client side
/// builds each key, field list and value's bytes inside the timed loop, as any caller of StackExchange.Redis must.
/// </summary>
internal static partial class RedisRunner
{
    private const int SampledHashes = 64;

    /// <summary>The writers compared: the store's own, and StackExchange.Redis awaiting every HSET or firing and forgetting them.</summary>
    private static readonly string[] Writers = ["own RESP writer", "SE.Redis IBatch", "SE.Redis fire-and-forget"];

    /// <summary>Per target: each writer's rows/s per run, with dedup (Feast's default) and with <c>skip_dedup</c>.</summary>
    private sealed class WriterComparison(string target)
    {
        public string Target { get; } = target;

        public Dictionary<(string Writer, bool SkipDedup), List<double>> Rates { get; } = [];

        public List<double> Of(string writer, bool skipDedup) =>
            Rates.TryGetValue((writer, skipDedup), out var rates) ? rates : Rates[(writer, skipDedup)] = [];
    }

    /// <summary>Writes the rows with each writer (own first), checks they wrote the same bytes, and records the rates.</summary>
    private static async Task CompareWritersAsync(WriterComparison comparison, MaterializeData data, List<OnlineWriteBatch> batches, string connection,
        bool cluster, bool skipDedup)
    {
        var view = MaterializeRuns.View(data);
        List<string>? ownSample = null;
        var line = new StringBuilder($"  writer comparison{(skipDedup ? " (skip_dedup)" : "")}:");
        foreach (var writer in Writers)
        {
            await FlushAsync(connection);
            var (elapsed, rows) = writer == Writers[0]
                ? await StoreWriteAsync(view, batches, connection, cluster, skipDedup)
                : await ClientWriteAsync(view, batches, connection, skipDedup, fireAndForget: writer == Writers[2]);
            await VerifyAsync(connection, data, rows);
            var sample = await SampleAsync(connection, batches);
            ownSample ??= sample;
            if (!ownSample.SequenceEqual(sample, StringComparer.Ordinal))
                throw new InvalidOperationException($"{writer} wrote other bytes than the store's own writer for the same rows.");
            var rate = rows / elapsed.TotalSeconds;
            comparison.Of(writer, skipDedup).Add(rate);
            line.Append(CultureInfo.InvariantCulture, $" {writer} {rate:N0} rows/s;");
        }
        await FlushAsync(connection);
        Console.WriteLine(line.Append(CultureInfo.InvariantCulture, $" {SampledHashes} sampled hashes identical"));
    }

    /// <summary>
    /// The rows through StackExchange.Redis: per batch one <see cref="IBatch"/> of HGETs (dedup), then one of HSETs,
    /// awaited each, or with <paramref name="fireAndForget"/> sent without a reply task each and followed by a PING per
    /// master (on the same connection, so its reply comes after theirs) to know they are done.
    /// </summary>
    private static async Task<(TimeSpan Elapsed, long Rows)> ClientWriteAsync(FeatureView view, List<OnlineWriteBatch> batches, string connection, bool skipDedup,
        bool fireAndForget)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connection);
        var database = redis.GetDatabase();
        var masters = redis.GetServers().Where(s => !s.IsReplica).ToArray();
        var timestampField = (RedisValue)FeastRedisLayout.TimestampField(view.Name);
        var watch = Stopwatch.StartNew();
        long written = 0;
        foreach (var batch in batches)
        {
            var featureFields = batch.FeatureNames.Select(f => (RedisValue)FeastRedisLayout.FeatureField(view.Name, f)).ToArray();
            var keys = new RedisKey[batch.Count];
            for (var row = 0; row < batch.Count; row++)
                keys[row] = FeastRedisLayout.Key(batch.EntityKey(row), MaterializeData.Project);

            // Feast's dedup rule (RedisOnlineStore.WriteBatchAsync): per key, its stored event time and the newest row queued.
            Dictionary<RedisKey, (long? Stored, long? Queued)>? seen = null;
            if (!skipDedup)
            {
                seen = new Dictionary<RedisKey, (long?, long?)>(batch.Count);
                var reads = new List<(RedisKey Key, Task<RedisValue> Read)>(batch.Count);
                var readBatch = database.CreateBatch();
                foreach (var key in keys)
                {
                    if (seen.TryAdd(key, (null, null))) reads.Add((key, readBatch.HashGetAsync(key, timestampField)));
                }
                readBatch.Execute();
                await Task.WhenAll(reads.Select(r => r.Read));
                foreach (var (key, read) in reads)
                {
                    if (!read.Result.IsNull)
                        seen[key] = (Nanos(Google.Protobuf.WellKnownTypes.Timestamp.Parser.ParseFrom((byte[])read.Result!).ToDateTimeOffset()), null);
                }
            }

            var writeBatch = database.CreateBatch();
            var writes = new List<Task>(batch.Count);
            for (var row = 0; row < batch.Count; row++)
            {
                var timestamp = batch.EventTimestamp(row);
                if (seen is not null && !Admit(seen, keys[row], Nanos(timestamp))) continue;
                var values = batch.Values(row);
                var entries = new HashEntry[values.Length + 1];
                entries[0] = new HashEntry(timestampField, FeastRedisLayout.TimestampValue(timestamp));
                for (var f = 0; f < values.Length; f++) entries[f + 1] = new HashEntry(featureFields[f], values[f].ToByteArray());
                if (fireAndForget) _ = writeBatch.HashSetAsync(keys[row], entries, CommandFlags.FireAndForget);
                else writes.Add(writeBatch.HashSetAsync(keys[row], entries));
                written++;
            }
            writeBatch.Execute();
            if (fireAndForget) await Task.WhenAll(masters.Select(m => m.PingAsync()));
            else await Task.WhenAll(writes);
        }
        return (watch.Elapsed, written);
    }

    /// <summary>
    /// Feast's rule as the store applies it: skip a row when its key holds an event time and the row is not newer than
    /// that and any row of the key queued earlier; skip a row older than one queued earlier. Records an admitted row.
    /// </summary>
    private static bool Admit(Dictionary<RedisKey, (long? Stored, long? Queued)> seen, RedisKey key, long nanos)
    {
        var (stored, queued) = seen[key];
        if (stored is { } s && nanos <= Math.Max(s, queued ?? long.MinValue)) return false;
        if (queued is { } q && nanos < q) return false;
        seen[key] = (stored, Math.Max(queued ?? long.MinValue, nanos));
        return true;
    }

    private static long Nanos(DateTimeOffset timestamp) => (timestamp - DateTimeOffset.UnixEpoch).Ticks * 100;

    /// <summary>Every field and value (hex) of <see cref="SampledHashes"/> hashes spread over the rows, in a fixed order.</summary>
    private static async Task<List<string>> SampleAsync(string connection, List<OnlineWriteBatch> batches)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connection);
        var database = redis.GetDatabase();
        var total = batches.Sum(b => b.Count);
        var sample = new List<string>();
        for (var i = 0; i < SampledHashes; i++)
        {
            var index = (int)((long)i * total / SampledHashes);
            var batch = batches[index / 8192];
            var key = FeastRedisLayout.Key(batch.EntityKey(index % 8192), MaterializeData.Project);
            var entries = await database.HashGetAllAsync(key);
            sample.Add(Convert.ToHexStringLower(key) + " " + string.Join(' ', entries
                .Select(e => Convert.ToHexStringLower((byte[])e.Name!) + "=" + Convert.ToHexStringLower((byte[])e.Value!))
                .Order(StringComparer.Ordinal)));
        }
        return sample;
    }

    /// <summary>The report's section on the writer comparison (medians over the runs).</summary>
    private static string WriterComparisonReport(List<WriterComparison> comparisons)
    {
        var md = new StringBuilder();
        md.AppendLine("## The store's own RESP writer against StackExchange.Redis").AppendLine();
        md.AppendLine("The rows of the diagnostic above (prepared 8192-row batches of keys and `Value` objects, not timed), written from an empty keyspace "
            + "by `RedisOnlineStore.WriteBatchAsync` (its own RESP writer: direct node connections, pipelined command blocks, the next block's `_ts` HGETs sent "
            + "ahead of the current block's HSETs) and by StackExchange.Redis' pipelined async API (per batch one `IBatch` of `HashGetAsync` of `_ts:{view}` "
            + "for the batch's keys when deduplicating, then one `IBatch` of the admitted rows' HSETs, either `HashSetAsync` awaited or `CommandFlags.FireAndForget` "
            + "followed by one PING per master on the same connection; keys, field lists and value bytes built in the timed loop). Same keys, fields and value bytes (64 hashes compared byte for byte), same dedup rule; one run after the other, own first.");
        md.AppendLine();
        md.AppendLine("| target | dedup | " + string.Join(" | ", Writers.Select(w => w + " rows/s")) + " | own / best SE.Redis |");
        md.AppendLine("|---|---|" + string.Concat(Writers.Select(_ => "---:|")) + "---:|");
        foreach (var c in comparisons)
        {
            foreach (var skipDedup in new[] { false, true })
            {
                var medians = Writers.Select(w => Stats.Median(c.Of(w, skipDedup))).ToArray();
                md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {c.Target} | {(skipDedup ? "`skip_dedup`" : "Feast's rule")} | {string.Join(" | ", medians.Select(m => m.ToString("N0", CultureInfo.InvariantCulture)))} | **{medians[0] / medians.Skip(1).Max():F2}x** |"));
            }
        }
        md.AppendLine();
        foreach (var c in comparisons)
        {
            md.AppendLine($"- {c.Target}, all runs (rows/s): " + string.Join("; ", c.Rates.Select(r => $"{r.Key.Writer}{(r.Key.SkipDedup ? " skip_dedup" : "")} {Join(r.Value)}")));
        }
        return md.ToString();
    }
}
