using System.Collections.Concurrent;
using System.Diagnostics;
using Feast.Protos.Serving;
using Feast.Protos.Types;
using Feast.Registry;
using Feast.Retrieval;
using Feast.Values;

namespace Feast.Online;

/// <summary>
/// Serves online reads: resolves the request to a cached <see cref="OnlinePlan"/>, turns entity rows into keys, reads
/// every view concurrently (one store call per view), and assembles Feast's column-major response, computing
/// on-demand features last.
/// </summary>
internal sealed class OnlineRetriever(IOnlineStore store, string project, int keyVersion, bool enforceTtl, TimeProvider time,
    Func<OnDemandFeatureView, OnDemandFeatureView> localTransform, FeastInstruments instruments)
{
    private PlanCache? _cache;

    public async Task<OnlineFeaturesResponse> GetAsync(RegistrySnapshot registry, OnlineFeaturesRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var plan = PlanFor(registry, request);
        var rows = RowCount(request.Entities);
        var columns = new EntityColumns(request.Entities, plan);

        // Keys per read; rows with the same key share one slot.
        var reads = plan.Reads;
        var slots = new int[reads.Length][];
        var viewReads = new OnlineViewRead[reads.Length];
        var timed = instruments.OnlineStoreRead.Enabled;
        var started = timed ? Stopwatch.GetTimestamp() : 0;
        OnlineReadResult[] results;
        using (var activity = FeastTelemetry.Source.StartActivity("feast online_store.read"))
        {
            activity?.SetTag("feast.project", project);
            activity?.SetTag("feast.feature_views", reads.Length);
            activity?.SetTag("feast.entity_rows", rows);
            // Views of the same entities share one key list (serialized once), which tells the store they can be read together.
            Dictionary<string, (IReadOnlyList<byte[]> Keys, int[] Slots)>? byEntities = reads.Length > 1 ? new(StringComparer.Ordinal) : null;
            for (var r = 0; r < reads.Length; r++)
            {
                if (byEntities is null || !byEntities.TryGetValue(reads[r].KeySignature, out var keyed))
                {
                    keyed = KeysOf(reads[r], columns, rows);
                    byEntities?.Add(reads[r].KeySignature, keyed);
                }
                slots[r] = keyed.Slots;
                viewReads[r] = new OnlineViewRead(reads[r].View, keyed.Keys, reads[r].Features);
            }
            results = await store.ReadManyAsync(project, viewReads, cancellationToken).ConfigureAwait(false);
            if (results.Length != reads.Length)
                throw new InvalidOperationException($"The online store {store.GetType().Name} answered {results.Length} reads for {reads.Length}.");
        }
        if (timed) instruments.OnlineStoreRead.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);

        var output = new List<FeatureColumn>(columns.Echoed.Count + plan.Outputs.Length + plan.OnDemand.Length);
        foreach (var (name, values) in columns.Echoed)
            output.Add(new FeatureColumn(name, values, Filled(rows, FeatureStatus.Present), Filled(rows, DateTimeOffset.UnixEpoch), IsJoinKey: true));

        var now = time.GetUtcNow();
        foreach (var stored in plan.Outputs)
        {
            var readIndex = Array.IndexOf(reads, stored.Read);
            var column = Column(stored.Name, stored.Read.View.Ttl, results[readIndex], slots[readIndex], stored.Feature, rows, now);
            output.Add(column);
            if (instruments.Statuses.Enabled) CountStatuses(stored.Read.View.Name, column);
        }
        foreach (var step in plan.OnDemand)
        {
            var stepStarted = instruments.Transformation.Enabled ? Stopwatch.GetTimestamp() : 0;
            AddOnDemand(step, reads, results, slots, columns, rows, now, output);
            if (stepStarted != 0)
            {
                var view = step.Transform.View;
                instruments.Transformation.Record(Stopwatch.GetElapsedTime(stepStarted).TotalSeconds,
                    new KeyValuePair<string, object?>("odfv_name", view.Name), new KeyValuePair<string, object?>("mode", ModeOf(view)));
            }
        }
        return new OnlineFeaturesResponse(output, rows) { FeatureViewCount = plan.Reads.Length + plan.OnDemand.Length };
    }

    internal static string ModeOf(OnDemandFeatureView view) => view.Mode is { Length: > 0 } mode ? mode : "csharp";

    private void CountStatuses(string view, FeatureColumn column)
    {
        long present = 0, notFound = 0, outside = 0;
        foreach (var status in column.Statuses)
        {
            if (status == FeatureStatus.Present) present++;
            else if (status == FeatureStatus.OutsideMaxAge) outside++;
            else notFound++;
        }
        var name = new KeyValuePair<string, object?>("feature_view", view);
        if (present > 0) instruments.Statuses.Add(present, name, new KeyValuePair<string, object?>("status", "present"));
        if (notFound > 0) instruments.Statuses.Add(notFound, name, new KeyValuePair<string, object?>("status", "not_found"));
        if (outside > 0) instruments.Statuses.Add(outside, name, new KeyValuePair<string, object?>("status", "outside_max_age"));
    }

    private OnlinePlan PlanFor(RegistrySnapshot registry, OnlineFeaturesRequest request)
    {
        var cache = CacheFor(registry);
        // The key keeps the request's order: the response's columns follow it (views in the order first named, features
        // in the order asked), so two orders of the same features are two plans. Duplicates are refused by the resolver.
        var key = request.FeatureService is { } service
            ? $"s{(request.FullFeatureNames ? '1' : '0')}{service}"
            : $"f{(request.FullFeatureNames ? '1' : '0')}{string.Join('\u001f', request.Features ?? [])}";
        if (cache.Plans.TryGetValue(key, out var plan)) return plan;

        var resolved = request.FeatureService is { } name
            ? FeatureResolver.Resolve(registry, registry.GetFeatureService(name), request.FullFeatureNames)
            : FeatureResolver.Resolve(registry, request.Features ?? [], request.FullFeatureNames);
        plan = OnlinePlan.Build(registry, resolved, request.FullFeatureNames, keyVersion, localTransform);
        cache.Add(key, plan, PlanCacheBudgetBytes);
        return plan;
    }

    /// <summary>
    /// The plan cache of <paramref name="registry"/>. A newer snapshot replaces the cache (atomically: of requests racing
    /// on a new snapshot, all use the cache published first). A request still holding a snapshot older than the cached
    /// one (it read the registry before a refresh) plans in a throwaway cache, so it does not discard the newer
    /// snapshot's plans that every later request needs.
    /// </summary>
    private PlanCache CacheFor(RegistrySnapshot registry)
    {
        while (true)
        {
            var cache = Volatile.Read(ref _cache);
            if (cache is not null && ReferenceEquals(cache.Registry, registry)) return cache;
            if (cache is not null && registry.LastUpdated < cache.Registry.LastUpdated) return new PlanCache(registry);
            var fresh = new PlanCache(registry);
            if (Interlocked.CompareExchange(ref _cache, fresh, cache) == cache) return fresh;
        }
    }

    private static int RowCount(IReadOnlyDictionary<string, IReadOnlyList<object?>> entities)
    {
        ArgumentNullException.ThrowIfNull(entities);
        var rows = -1;
        string? first = null;
        foreach (var (name, values) in entities)
        {
            var count = values?.Count ?? 0;
            if (rows < 0)
            {
                rows = count;
                first = name;
            }
            else if (count != rows)
                throw new FeastValidationException($"Entity column '{name}' has {count} {(count == 1 ? "value" : "values")} but '{first}' has {rows}; every entity column needs one value per row.");
        }
        return Math.Max(rows, 0);
    }

    private static (IReadOnlyList<byte[]> Keys, int[] Slots) KeysOf(ViewRead read, EntityColumns columns, int rows)
    {
        var slots = new int[rows];
        if (read.Entityless) return ([read.DummyKey], slots);

        var keyColumns = new FeatureValue[read.Keys.Length][];
        for (var k = 0; k < read.Keys.Length; k++)
            keyColumns[k] = columns.Typed(read.Keys[k], read.View.Name);

        if (rows == 1)
            return ([Serialize(read, keyColumns, 0)], slots);
        var keys = new List<byte[]>(rows);
        var seen = new Dictionary<byte[], int>(rows, ByteArrayComparer.Instance);
        for (var row = 0; row < rows; row++)
        {
            var key = Serialize(read, keyColumns, row);
            if (!seen.TryGetValue(key, out var slot))
            {
                slot = keys.Count;
                seen.Add(key, slot);
                keys.Add(key);
            }
            slots[row] = slot;
        }
        return (keys, slots);
    }

    private static byte[] Serialize(ViewRead read, FeatureValue[][] keyColumns, int row)
    {
        if (keyColumns.Length == 1) return EntityKeySerializer.Serialize(read.Keys[0].JoinKey, keyColumns[0][row].Proto, read.KeyVersion);
        var names = new string[keyColumns.Length];
        var values = new Value[keyColumns.Length];
        for (var k = 0; k < keyColumns.Length; k++)
        {
            names[k] = read.Keys[k].JoinKey;
            values[k] = keyColumns[k][row].Proto;
        }
        return EntityKeySerializer.Serialize(names, values, read.KeyVersion);
    }

    private FeatureColumn Column(string name, TimeSpan ttl, OnlineReadResult result, int[] slots, int feature, int rows, DateTimeOffset now)
    {
        var values = new FeatureValue[rows];
        var statuses = new FeatureStatus[rows];
        var timestamps = new DateTimeOffset[rows];
        var checkAge = enforceTtl && ttl > TimeSpan.Zero;
        for (var row = 0; row < rows; row++)
        {
            var slot = slots[row];
            var stamp = result.EventTimestamp(slot);
            var value = stamp is null ? null : result.ProtoValue(slot, feature);
            if (value is null)
            {
                values[row] = NullValue;
                statuses[row] = FeatureStatus.NotFound;
                timestamps[row] = DateTimeOffset.UnixEpoch;
            }
            else if (checkAge && stamp!.Value < now - ttl)
            {
                values[row] = NullValue;
                statuses[row] = FeatureStatus.OutsideMaxAge;
                timestamps[row] = stamp.Value;
            }
            else
            {
                values[row] = new FeatureValue(value);
                statuses[row] = FeatureStatus.Present;
                timestamps[row] = stamp!.Value;
            }
        }
        return new FeatureColumn(name, values, statuses, timestamps);
    }

    private static void AddOnDemand(OnDemandStep step, ViewRead[] reads, OnlineReadResult[] results, int[][] slots, EntityColumns columns, int rows,
        DateTimeOffset now, List<FeatureColumn> output)
    {
        var requestColumns = new FeatureValue[step.RequestFields.Length][];
        var missing = new List<string>();
        for (var i = 0; i < step.RequestFields.Length; i++)
        {
            var field = step.RequestFields[i];
            var column = columns.Request(field);
            if (column is null) missing.Add(field.Name);
            else requestColumns[i] = column;
        }
        if (missing.Count > 0)
            throw new RequestDataNotFoundInEntityRowsException(step.Transform.View.Name, missing);

        var inputReads = step.Inputs.Select(i => Array.IndexOf(reads, i.Read)).ToArray();
        var outputs = step.Outputs.Select(_ => new FeatureValue[rows]).ToArray();
        var inputs = new Dictionary<string, object?>(step.Inputs.Length * 2 + step.RequestFields.Length, StringComparer.Ordinal);
        for (var row = 0; row < rows; row++)
        {
            inputs.Clear();
            for (var i = 0; i < step.Inputs.Length; i++)
            {
                var input = step.Inputs[i];
                var result = results[inputReads[i]];
                var slot = slots[inputReads[i]][row];
                var value = result.Found(slot) ? FeastValues.ToObject(result.ProtoValue(slot, input.Feature)) : null;
                inputs[input.Name] = value;
                inputs[input.FullName] = value;
            }
            for (var i = 0; i < step.RequestFields.Length; i++)
                inputs[step.RequestFields[i].Name] = requestColumns[i][row].ToObject();

            var computed = step.Transform.Apply(inputs);
            for (var o = 0; o < step.Outputs.Length; o++)
            {
                var (name, field) = step.Outputs[o];
                computed.TryGetValue(field.Name, out var value);
                outputs[o][row] = new FeatureValue(FeastValues.FromObject(value, field.Dtype.ValueType, name));
            }
        }
        _ = now;
        for (var o = 0; o < step.Outputs.Length; o++)
            output.Add(new FeatureColumn(step.Outputs[o].Name, outputs[o], Filled(rows, FeatureStatus.Present), Filled(rows, DateTimeOffset.UnixEpoch)));
    }

    private static readonly FeatureValue NullValue = new(FeastValues.Null);

    private static T[] Filled<T>(int rows, T value)
    {
        var array = new T[rows];
        Array.Fill(array, value);
        return array;
    }

    /// <summary>The most plans kept per registry version.</summary>
    internal const int MaxCachedPlans = 10_000;

    /// <summary>
    /// The most memory the cached plans and their keys may hold, about. A client sending ever-new feature lists (each
    /// large and valid) must not grow memory without end: once the budget or the count is reached the cache starts
    /// over, which costs a re-plan per list in use and keeps memory bounded.
    /// </summary>
    internal long PlanCacheBudgetBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>About how many bytes the cached plans hold now.</summary>
    internal long CachedPlanBytes => _cache?.Bytes ?? 0;

    /// <summary>The registry snapshot whose plans are cached now.</summary>
    internal RegistrySnapshot? CachedPlansRegistry => _cache?.Registry;

    private sealed class PlanCache(RegistrySnapshot registry)
    {
        private long _bytes;

        public RegistrySnapshot Registry { get; } = registry;

        public ConcurrentDictionary<string, OnlinePlan> Plans { get; } = new(StringComparer.Ordinal);

        public long Bytes => Interlocked.Read(ref _bytes);

        public void Add(string key, OnlinePlan plan, long budget)
        {
            var size = 64 + 2L * key.Length + plan.EstimatedBytes;
            if (size > budget) return;
            lock (Plans)
            {
                if (Plans.ContainsKey(key)) return;
                if (_bytes + size > budget || Plans.Count >= MaxCachedPlans)
                {
                    Plans.Clear();
                    _bytes = 0;
                }
                Plans[key] = plan;
                _bytes += size;
            }
        }
    }

    /// <summary>The request's entity columns, converted to typed values on first use.</summary>
    private sealed class EntityColumns
    {
        private readonly IReadOnlyDictionary<string, IReadOnlyList<object?>> _raw;
        private readonly OnlinePlan _plan;
        private readonly Dictionary<string, FeatureValue[]> _typed = new(StringComparer.Ordinal);

        public EntityColumns(IReadOnlyDictionary<string, IReadOnlyList<object?>> raw, OnlinePlan plan)
        {
            _raw = raw;
            _plan = plan;
            // Join keys present in the request are echoed first, in request order, converted to their declared type.
            foreach (var name in raw.Keys)
            {
                var joinKey = plan.JoinKeyTypes.ContainsKey(name) ? name : plan.EntityNames.GetValueOrDefault(name);
                if (joinKey is null || Echoed.Any(e => e.Name == joinKey)) continue;
                Echoed.Add((joinKey, Convert(name, raw[name], plan.JoinKeyTypes[joinKey])));
                _typed[joinKey] = Echoed[^1].Values;
            }
        }

        public List<(string Name, FeatureValue[] Values)> Echoed { get; } = [];

        public FeatureValue[] Typed(KeyColumn key, string view)
        {
            if (_typed.TryGetValue(key.Column, out var values)) return values;
            if (!_raw.TryGetValue(key.Column, out var raw))
                throw new EntityKeyMissingException(view, key.Column, _raw.Keys);
            values = Convert(key.Column, raw, key.Type);
            _typed[key.Column] = values;
            return values;
        }

        public FeatureValue[]? Request(Field field)
        {
            if (!_raw.TryGetValue(field.Name, out var raw)) return null;
            return Convert(field.Name, raw, field.Dtype.ValueType);
        }

        private static FeatureValue[] Convert(string column, IReadOnlyList<object?> raw, ValueType type)
        {
            var values = new FeatureValue[raw.Count];
            for (var i = 0; i < values.Length; i++)
                values[i] = new FeatureValue(FeastValues.FromObject(raw[i], type, column));
            return values;
        }
    }
}
