using System.Diagnostics;
using System.Globalization;
using Feast.Benchmarks.Harness;
using Feast.Benchmarks.Materialize;
using Feast.Online;
using Feast.Values;
using Microsoft.Data.Sqlite;

namespace Feast.Benchmarks.OnlineRead;

/// <summary>
/// The measured bodies of the online cases: a warm-up, then <see cref="Shape.Measured"/> requests timed one by one by
/// <paramref name="callers"/> concurrent loops, through Feast.NET or the raw SQLite reads.
/// </summary>
internal static class OnlineRuns
{
    /// <summary>Requests whose answers are checked (after the measured section, first run only).</summary>
    private const int VerifiedRequests = 200;

    /// <summary>
    /// Feast.NET: <c>FeatureStore.GetOnlineFeaturesAsync</c> on one store opened over the repo. Requests are built before
    /// the measured section: column-major <see cref="OnlineFeaturesRequest"/>s, or row dictionaries with <paramref name="rowApi"/>.
    /// </summary>
    public static async Task FeastAsync(CaseContext context, Func<OnlineData, Shape> pick, int callers, bool rowApi)
    {
        var data = OnlineData.Open(context.Options);
        var shape = pick(data);
        var ids = data.Requests(shape);
        var features = OnlineData.FeatureReferences;
        await using var store = BenchRepo.Open(data.Repo);
        Func<int, Task<OnlineFeaturesResponse>> call;
        if (rowApi)
        {
            var rows = ids.Select(r => r.Select(id => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { [OnlineData.JoinKey] = id }).ToArray()).ToArray();
            call = i => store.GetOnlineFeaturesAsync(features, rows[i]);
        }
        else
        {
            var requests = ids.Select(r => new OnlineFeaturesRequest(new Dictionary<string, IReadOnlyList<object?>>
            {
                [OnlineData.JoinKey] = r.Select(id => (object?)id).ToArray(),
            }) { Features = features }).ToArray();
            call = i => store.GetOnlineFeaturesAsync(requests[i]);
        }

        for (var i = 0; i < shape.Warmup; i++)
            await call(i);
        await MeasureAsync(context, shape, callers, () => (Func<int, Task>)(i => call(i)));

        if (context.Verify)
        {
            var digest = new ResultDigest();
            for (var r = 0; r < VerifiedRequests && r < ids.Length; r++)
            {
                var response = await call(r);
                var feature = 0;
                foreach (var column in response.Columns.Where(c => !c.IsJoinKey))
                {
                    for (var row = 0; row < response.RowCount; row++)
                        digest.Add(r, row, feature, column.Values[row]);
                    feature++;
                }
            }
            context.Digest = digest.ToString();
        }
    }

    /// <summary>
    /// Diagnostic: the store's own reads without the feature store around them: per request the keys serialized once and
    /// <c>SqliteOnlineStore.ReadAsync</c> called per view with its ten features, as the retriever calls it.
    /// </summary>
    public static async Task StoreReadAsync(CaseContext context, Func<OnlineData, Shape> pick)
    {
        var data = OnlineData.Open(context.Options);
        var shape = pick(data);
        var ids = data.Requests(shape);
        await using var featureStore = BenchRepo.Open(data.Repo);
        var registry = await featureStore.GetRegistryAsync();
        var online = featureStore.OnlineStore!;
        var views = Enumerable.Range(0, OnlineData.Views).Select(v => registry.FeatureViews[OnlineData.ViewName(v)]).ToArray();
        var features = views.Select(v => (IReadOnlyList<string>)[.. v.Features.Select(f => f.Name)]).ToArray();
        async Task<OnlineReadResult[]> Read(int i)
        {
            var keys = ids[i].Select(id => EntityKeySerializer.Serialize(OnlineData.JoinKey, FeatureValue.FromInt64(id), 3)).ToArray();
            var results = new OnlineReadResult[views.Length];
            for (var v = 0; v < views.Length; v++)
                results[v] = await online.ReadAsync(OnlineData.Project, views[v], keys, features[v]);
            return results;
        }

        for (var i = 0; i < shape.Warmup; i++)
            await Read(i);
        await MeasureAsync(context, shape, 1, () => (Func<int, Task>)(i => Read(i)));

        if (context.Verify)
        {
            var digest = new ResultDigest();
            for (var r = 0; r < VerifiedRequests && r < ids.Length; r++)
            {
                var results = await Read(r);
                for (var v = 0; v < views.Length; v++)
                {
                    for (var f = 0; f < RawReader.FeaturesPerView; f++)
                    {
                        for (var row = 0; row < shape.Entities; row++)
                            digest.Add(r, row, (v * RawReader.FeaturesPerView) + f, results[v].Value(row, f));
                    }
                }
            }
            context.Digest = digest.ToString();
        }
    }

    /// <summary>
    /// Raw baseline: per caller one open SQLite connection and per view one prepared
    /// <c>SELECT entity_key, feature_name, value, event_ts FROM t WHERE entity_key IN (…)</c>; keys serialized with the
    /// SDK's serializer, every value parsed into a <see cref="FeatureValue"/>, each placed at its (entity, feature).
    /// </summary>
    public static async Task RawAsync(CaseContext context, Func<OnlineData, Shape> pick, int callers)
    {
        var data = OnlineData.Open(context.Options);
        var shape = pick(data);
        var ids = data.Requests(shape);
        var path = Path.Combine(data.Repo, BenchRepo.OnlineDb);
        var readers = Enumerable.Range(0, callers).Select(_ => new RawReader(path, shape.Entities)).ToArray();
        try
        {
            foreach (var reader in readers)
            {
                for (var i = 0; i < shape.Warmup; i++)
                    reader.Read(ids[i]);
            }
            var next = 0;
            await MeasureAsync(context, shape, callers, () =>
            {
                var reader = readers[Interlocked.Increment(ref next) - 1];
                return i =>
                {
                    reader.Read(ids[i]);
                    return Task.CompletedTask;
                };
            });

            if (context.Verify)
            {
                var digest = new ResultDigest();
                for (var r = 0; r < VerifiedRequests && r < ids.Length; r++)
                {
                    var values = readers[0].Read(ids[r]);
                    for (var v = 0; v < OnlineData.Views; v++)
                    {
                        for (var f = 0; f < RawReader.FeaturesPerView; f++)
                        {
                            for (var row = 0; row < shape.Entities; row++)
                                digest.Add(r, row, (v * RawReader.FeaturesPerView) + f, values[v][(row * RawReader.FeaturesPerView) + f]);
                        }
                    }
                }
                context.Digest = digest.ToString();
            }
        }
        finally
        {
            foreach (var reader in readers)
                reader.Dispose();
        }
    }

    /// <summary>
    /// Times the measured requests (those after the warm-up): <paramref name="callers"/> loops, each taking the next
    /// request index until all are done, each request timed on its own. Records latency percentiles, throughput, CPU and
    /// allocations per request, and garbage collections.
    /// </summary>
    /// <param name="context">The case context.</param>
    /// <param name="shape">The request shape.</param>
    /// <param name="callers">Concurrent loops.</param>
    /// <param name="newCaller">Makes one caller's request function (called once per loop, before timing starts).</param>
    private static async Task MeasureAsync(CaseContext context, Shape shape, int callers, Func<Func<int, Task>> newCaller)
    {
        var latencies = new double[shape.Measured];
        var functions = Enumerable.Range(0, callers).Select(_ => newCaller()).ToArray();
        var next = shape.Warmup - 1;
        var end = shape.Warmup + shape.Measured;
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        using (context.Measure())
        {
            var loops = functions.Select(function => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < end)
                {
                    var started = Stopwatch.GetTimestamp();
                    await function(i);
                    latencies[i - shape.Warmup] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
                }
            })).ToArray();
            await Task.WhenAll(loops);
        }
        var allocatedPerRequest = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)shape.Measured;
        var result = context.Result();
        Array.Sort(latencies);
        context.Rows = shape.Measured;
        context.Metrics["p50_us"] = Stats.Percentile(latencies, 50);
        context.Metrics["p90_us"] = Stats.Percentile(latencies, 90);
        context.Metrics["p99_us"] = Stats.Percentile(latencies, 99);
        context.Metrics["p999_us"] = Stats.Percentile(latencies, 99.9);
        context.Metrics["max_us"] = latencies[^1];
        context.Metrics["mean_us"] = latencies.Average();
        context.Metrics["rps"] = shape.Measured / (result.ElapsedMs / 1000);
        context.Metrics["cpu_us_per_req"] = result.CpuMs * 1000 / shape.Measured;
        context.Metrics["alloc_bytes_per_req"] = allocatedPerRequest;
        context.Metrics["gen0"] = GC.CollectionCount(0) - gen0;
        context.Metrics["gen2"] = GC.CollectionCount(2) - gen2;
    }

    /// <summary>
    /// The raw reads of one request: the keys serialized once, then one prepared SELECT per view; each row's value
    /// parsed into a <see cref="FeatureValue"/> and put at (entity, feature). Not thread-safe: one per caller.
    /// </summary>
    private sealed class RawReader : IDisposable
    {
        public const int FeaturesPerView = 10;

        private readonly SqliteConnection _connection;
        private readonly SqliteCommand[] _selects = new SqliteCommand[OnlineData.Views];
        private readonly Dictionary<string, int>[] _featureIndex = new Dictionary<string, int>[OnlineData.Views];
        private readonly int _entities;
        private readonly Dictionary<byte[], int> _rowOf;

        public RawReader(string path, int entities)
        {
            _entities = entities;
            _rowOf = new Dictionary<byte[], int>(entities, ByteArrayComparer.Instance);
            _connection = OnlineRows.Open(path);
            for (var v = 0; v < OnlineData.Views; v++)
            {
                var command = _connection.CreateCommand();
                var names = Enumerable.Range(0, entities).Select(i => string.Create(CultureInfo.InvariantCulture, $"$k{i}")).ToArray();
                command.CommandText = $"SELECT entity_key, feature_name, value, event_ts FROM {OnlineRows.Quote(SqliteOnlineStore.TableName(OnlineData.Project, OnlineData.ViewName(v)))} "
                    + $"WHERE entity_key IN ({string.Join(", ", names)})";
                foreach (var name in names)
                    command.Parameters.Add(name, SqliteType.Blob);
                command.Prepare();
                _selects[v] = command;
                _featureIndex[v] = OnlineData.Columns(v).Select((c, i) => (c.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
            }
        }

        /// <summary>Per view, the values of every (entity, feature), row-major; null where nothing is stored.</summary>
        public FeatureValue?[][] Read(long[] ids)
        {
            var keys = new byte[ids.Length][];
            for (var i = 0; i < ids.Length; i++)
                keys[i] = EntityKeySerializer.Serialize(OnlineData.JoinKey, FeatureValue.FromInt64(ids[i]), 3);
            if (_entities > 1)
            {
                _rowOf.Clear();
                for (var i = 0; i < keys.Length; i++)
                    _rowOf[keys[i]] = i;
            }
            var result = new FeatureValue?[OnlineData.Views][];
            for (var v = 0; v < OnlineData.Views; v++)
            {
                var values = new FeatureValue?[_entities * FeaturesPerView];
                var timestamps = new long[_entities];
                var command = _selects[v];
                for (var i = 0; i < keys.Length; i++)
                    command.Parameters[i].Value = keys[i];
                using (var reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        var row = _entities == 1 ? 0 : _rowOf[reader.GetFieldValue<byte[]>(0)];
                        var feature = _featureIndex[v][reader.GetString(1)];
                        values[(row * FeaturesPerView) + feature] = FeatureValue.Parse(reader.GetFieldValue<byte[]>(2));
                        timestamps[row] = reader.GetInt64(3);
                    }
                }
                result[v] = values;
            }
            return result;
        }

        public void Dispose()
        {
            foreach (var command in _selects)
                command?.Dispose();
            _connection.Dispose();
        }
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }

    /// <summary>
    /// An order-sensitive digest of answers: per (request, row, feature) position, int64 values and float32 values
    /// (as round(x × 10)) summed with the position as weight, and the count of missing values.
    /// </summary>
    private sealed class ResultDigest
    {
        private long _ints, _intSum, _floats, _floatSum, _missing;

        public void Add(int request, int row, int feature, FeatureValue? value)
        {
            var weight = ((request * 131L) + (row * 53L) + feature + 1) % 1_000_003;
            switch (value?.Type)
            {
                case ValueType.Int64:
                    _ints++;
                    _intSum = unchecked(_intSum + (weight * value.Value.AsInt64()));
                    break;
                case ValueType.Float:
                    _floats++;
                    _floatSum = unchecked(_floatSum + (weight * (long)Math.Round(value.Value.AsFloat() * 10.0)));
                    break;
                default:
                    _missing++;
                    break;
            }
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"int64(n={_ints}, Σ={_intSum}) float32(n={_floats}, Σ={_floatSum}) missing={_missing}");
    }
}
