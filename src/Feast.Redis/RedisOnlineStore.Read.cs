// RedisOnlineStore: reads - pipelined HMGET/HGETALL per key, decoded into OnlineReadResults.
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Feast.Configuration;
using Feast.Online;
using Feast.Redis.Resp;
using StackExchange.Redis;
using RedisType = Feast.Redis.RedisType;

namespace Feast.Redis;

public sealed partial class RedisOnlineStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// One HMGET per key (the features' fields and <c>_ts:{view}</c>), all issued before any reply is awaited. A key
    /// whose hash holds nothing for the view is not found (Feast's Python store reports it PRESENT with null values;
    /// see docs/compatibility.md).
    /// </remarks>
    public async Task<OnlineReadResult> ReadAsync(string project, FeatureView view, IReadOnlyList<byte[]> entityKeys, IReadOnlyList<string> featureNames,
        CancellationToken cancellationToken = default) =>
        (await ReadManyAsync(project, [new OnlineViewRead(view, entityKeys, featureNames)], cancellationToken).ConfigureAwait(false))[0];

    /// <inheritdoc/>
    /// <remarks>
    /// Every view of an entity lives in the entity's one hash, so reads sharing their keys are one HMGET per key of all
    /// their fields (each view's features and <c>_ts:{view}</c>): a request for 25 views of 100 entities is 100
    /// commands, not 2,500, all pipelined before any reply is awaited.
    /// </remarks>
    public async Task<OnlineReadResult[]> ReadManyAsync(string project, IReadOnlyList<OnlineViewRead> reads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(reads);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var results = new OnlineReadResult[reads.Count];
        // Reads of the same entity keys (the same list) go together.
        var groups = new List<(IReadOnlyList<byte[]> Keys, List<int> Reads)>();
        for (var r = 0; r < reads.Count; r++)
        {
            var read = reads[r] ?? throw new ArgumentException("A read is null.", nameof(reads));
            foreach (var key in read.EntityKeys)
                ArgumentNullException.ThrowIfNull(key, nameof(reads));
            results[r] = new OnlineReadResult(read.EntityKeys.Count, read.FeatureNames);
            if (read.EntityKeys.Count == 0) continue;
            var group = groups.FindIndex(g => ReferenceEquals(g.Keys, read.EntityKeys));
            if (group >= 0) groups[group].Reads.Add(r);
            else groups.Add((read.EntityKeys, [r]));
        }
        if (groups.Count == 0) return results;

        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var projectBytes = ProjectBytes(project);
        var replies = new Task<RedisValue[]>[groups.Count][];
        var wholeHashes = new Task<HashEntry[]>[groups.Count][];
        var signatures = new string[groups.Count];
        var groupFields = new RedisValue[groups.Count][];
        var fieldSets = new FieldSet[reads.Count];
        try
        {
            var commands = groups.Sum(g => g.Keys.Count);
            IDatabaseAsync pipe = commands == 1 ? database : database.CreateBatch();
            for (var g = 0; g < groups.Count; g++)
            {
                var (keys, members) = groups[g];
                RedisValue[] fields;
                if (members.Count == 1)
                {
                    fields = (fieldSets[members[0]] = Fields(reads[members[0]].View.Name, reads[members[0]].FeatureNames)).ReadFields;
                }
                else
                {
                    var all = new List<RedisValue>();
                    foreach (var r in members) all.AddRange((fieldSets[r] = Fields(reads[r].View.Name, reads[r].FeatureNames)).ReadFields);
                    fields = [.. all];
                }
                groupFields[g] = fields;
                if (fields.Length >= WholeHashFields && !_largeHashes.ContainsKey(signatures[g] = GroupSignature(reads, members)))
                {
                    // Many fields of a hash Redis keeps as a listpack (up to 512 fields by default, 128 in the shipped
                    // redis.conf): HMGET searches the list once per field, HGETALL walks it once.
                    wholeHashes[g] = new Task<HashEntry[]>[keys.Count];
                    for (var row = 0; row < keys.Count; row++)
                        wholeHashes[g][row] = pipe.HashGetAllAsync(Key(keys[row], projectBytes));
                    continue;
                }
                replies[g] = new Task<RedisValue[]>[keys.Count];
                for (var row = 0; row < keys.Count; row++)
                    replies[g][row] = pipe.HashGetAsync(Key(keys[row], projectBytes), fields);
            }
            (pipe as IBatch)?.Execute();
            await Task.WhenAll(replies.Where(r => r is not null).SelectMany(r => r).Cast<Task>()
                .Concat(wholeHashes.Where(w => w is not null).SelectMany(w => w))).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            var names = string.Join(", ", reads.Select(r => r.View.Name).Distinct().Take(5)) + (reads.Count > 5 ? ", …" : "");
            throw Failure($"Reading feature view{(reads.Count > 1 ? "s" : "")} {names} (project {project}) from", e, "");
        }

        for (var g = 0; g < groups.Count; g++)
        {
            var values = wholeHashes[g] is { } whole ? Pick(whole, groupFields[g], signatures[g]) : replies[g].Select(r => r.Result).ToArray();
            var offset = 0;
            foreach (var r in groups[g].Reads)
            {
                var result = results[r];
                var featureCount = reads[r].FeatureNames.Count;
                for (var row = 0; row < values.Length; row++)
                    Fill(result, row, values[row], offset, featureCount);
                offset += fieldSets[r].ReadFields.Length;
            }
        }
        return results;
    }

    /// <summary>Requested fields (in request order) picked out of whole hashes; a field the hash lacks is null.</summary>
    private RedisValue[][] Pick(Task<HashEntry[]>[] hashes, RedisValue[] fields, string signature)
    {
        // Feature fields are 4-byte hashes, looked up as integers; the _ts:{view} fields by content. A field asked for
        // twice (the same view in two projections) chains to its next position.
        var features = new Dictionary<int, int>(fields.Length);
        var others = new Dictionary<byte[], int>(ByteArrayComparer.Instance);
        var next = new int[fields.Length];
        for (var i = fields.Length - 1; i >= 0; i--)
        {
            var name = (byte[])fields[i]!;
            if (name.Length == 4)
            {
                var number = BinaryPrimitives.ReadInt32LittleEndian(name);
                next[i] = features.TryGetValue(number, out var later) ? later : -1;
                features[number] = i;
            }
            else
            {
                next[i] = others.TryGetValue(name, out var later) ? later : -1;
                others[name] = i;
            }
        }
        var lookup = others.GetAlternateLookup<ReadOnlySpan<byte>>();
        var values = new RedisValue[hashes.Length][];
        var largest = 0;
        for (var row = 0; row < hashes.Length; row++)
        {
            var entries = hashes[row].Result;
            largest = Math.Max(largest, entries.Length);
            var picked = values[row] = new RedisValue[fields.Length];
            foreach (var entry in entries)
            {
                var name = ((ReadOnlyMemory<byte>)entry.Name).Span;
                int at;
                if (name.Length == 4 ? !features.TryGetValue(BinaryPrimitives.ReadInt32LittleEndian(name), out at) : !lookup.TryGetValue(name, out at)) continue;
                for (; at >= 0; at = next[at]) picked[at] = entry.Value;
            }
        }
        // Past 512 fields Redis keeps a hash as a hash table, where HMGET is cheap per field and HGETALL sends every
        // field: these views' keys are read with HMGET from now on.
        if (largest > LargeHashFields && _largeHashes.Count < MaxCachedFieldSets) _largeHashes.TryAdd(signature, 0);
        return values;
    }

    /// <summary>Tests: whether reads of these views now use HMGET because their hashes turned out large.</summary>
    internal bool ReadsFieldByField(params string[] views) => _largeHashes.ContainsKey(string.Join('\0', views));

    private static string GroupSignature(IReadOnlyList<OnlineViewRead> reads, List<int> members) =>
        members.Count == 1 ? reads[members[0]].View.Name : string.Join('\0', members.Select(r => reads[r].View.Name));

    /// <summary>One key's values of one view: <paramref name="featureCount"/> fields from <paramref name="offset"/>, then its <c>_ts</c>.</summary>
    private static void Fill(OnlineReadResult result, int row, RedisValue[] values, int offset, int featureCount)
    {
        var any = false;
        for (var f = 0; f < featureCount; f++)
        {
            var stored = values[offset + f];
            if (stored.IsNull) continue;
            any = true;
            var bytes = (ReadOnlyMemory<byte>)stored;
            result.SetValue(row, f, bytes.Span);
        }
        var timestamp = values[offset + featureCount];
        if (!timestamp.IsNull)
            result.SetFound(row, RedisLayout.FromNanos(ReadTimestamp(((ReadOnlyMemory<byte>)timestamp).Span)));
        else if (any)
            result.SetFound(row, DateTimeOffset.UnixEpoch); // values without a _ts field: Feast reads epoch 0 too
    }

    internal static long ReadTimestamp(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return RedisLayout.ReadTimestampNanos(bytes);
        }
        catch (FormatException e)
        {
            throw new FeastException($"A _ts field in Redis does not hold a protobuf Timestamp ({e.Message}); was the key written by something other than Feast?", e);
        }
    }
}
