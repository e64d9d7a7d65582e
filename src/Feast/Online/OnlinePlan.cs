using System.Collections.Frozen;
using Feast.Offline;
using Feast.Registry;
using Feast.Retrieval;
using Feast.Transformations;
using Feast.Values;

namespace Feast.Online;

/// <summary>
/// An online request resolved against one registry version: which views to read (one read per view and join-key
/// mapping), which stored features go to which output column, and which on-demand views to run on what inputs.
/// Built once per (features or service, full names, registry version) and shared by every request that matches.
/// </summary>
internal sealed class OnlinePlan
{
    private OnlinePlan(ViewRead[] reads, StoredOutput[] outputs, OnDemandStep[] onDemand, FrozenDictionary<string, ValueType> joinKeyTypes,
        FrozenDictionary<string, string> entityNames)
    {
        // What the plan holds on to, roughly: objects per read, output and step, and their names.
        EstimatedBytes = 1024
            + reads.Sum(r => 256L + r.Features.Sum(f => 64L + 2L * f.Length))
            + outputs.Sum(o => 96L + 2L * o.Name.Length)
            + onDemand.Sum(s => 512L + s.Inputs.Sum(i => 128L + 2L * (i.Name.Length + i.FullName.Length)) + s.Outputs.Sum(o => 96L + 2L * o.Name.Length));
        Reads = reads;
        Outputs = outputs;
        OnDemand = onDemand;
        JoinKeyTypes = joinKeyTypes;
        EntityNames = entityNames;
    }

    /// <summary>About how many bytes of memory the plan holds (what the plan cache counts against its budget).</summary>
    public long EstimatedBytes { get; }

    /// <summary>The reads, one per (view, join-key mapping).</summary>
    public ViewRead[] Reads { get; }

    /// <summary>The stored feature output columns, in output order.</summary>
    public StoredOutput[] Outputs { get; }

    /// <summary>The on-demand views to compute, in output order.</summary>
    public OnDemandStep[] OnDemand { get; }

    /// <summary>Request columns that are join keys of some read, with their declared types (echoed first in responses).</summary>
    public FrozenDictionary<string, ValueType> JoinKeyTypes { get; }

    /// <summary>Entity name → join key, for requests that name entities instead of join keys (deprecated in Feast, still accepted).</summary>
    public FrozenDictionary<string, string> EntityNames { get; }

    public static OnlinePlan Build(RegistrySnapshot registry, ResolvedFeatures resolved, bool fullFeatureNames, int keyVersion,
        Func<OnDemandFeatureView, OnDemandFeatureView> localTransform)
    {
        var reads = new List<ViewRead>();
        ViewRead ReadFor(FeatureView view, FeatureViewProjection projection)
        {
            var keys = view.IsEntityless
                ? [new KeyColumn(Entity.DummyJoinKey, Entity.DummyJoinKey, ValueType.String)]
                : view.EntityColumns.Select(c => new KeyColumn(c.Name, projection.JoinKeyMap.TryGetValue(c.Name, out var m) ? m : c.Name, c.Dtype.ValueType)).ToArray();
            var existing = reads.FirstOrDefault(r => r.View.Name == view.Name && r.Keys.SequenceEqual(keys));
            if (existing is not null) return existing;
            var read = new ViewRead(view, keys, keyVersion);
            reads.Add(read);
            return read;
        }

        var outputs = new List<StoredOutput>();
        foreach (var request in resolved.Views)
        {
            // Implicit features are on-demand inputs; their reads are made below, only for views computed at read time.
            if (request.Implicit) continue;
            var read = ReadFor(request.View, request.Projection);
            foreach (var feature in request.Features)
            {
                var index = read.Feature(feature.Name);
                if (!request.Implicit)
                    outputs.Add(new StoredOutput(request.OutputName(feature, fullFeatureNames), read, index));
            }
        }

        var steps = new List<OnDemandStep>();
        var storedOnDemand = new List<StoredOutput>();
        foreach (var request in resolved.OnDemand)
        {
            if (request.View.WriteToOnlineStore)
            {
                // Computed when written: read the stored outputs like a feature view's.
                var stored = ReadFor(OnDemandStorage.ViewOf(request.View), request.Projection);
                storedOnDemand.AddRange(request.Features.Select(f => new StoredOutput(request.OutputName(f, fullFeatureNames), stored, stored.Feature(f.Name))));
                continue;
            }
            var inputs = new List<FeatureInput>();
            foreach (var source in request.View.SourceProjections)
            {
                var view = registry.FeatureViews.TryGetValue(source.Name, out var v) ? v : registry.StreamFeatureViews[source.Name];
                var read = ReadFor(view, source);
                foreach (var feature in source.Features.Count > 0 ? source.Features : view.Features)
                {
                    var index = read.Feature(feature.Name);
                    inputs.Add(new FeatureInput(feature.Name, $"{source.NameToUse}__{feature.Name}", read, index));
                }
            }
            var requestFields = request.View.RequestSources.SelectMany(s => s.Schema).ToArray();
            var outputsOf = request.Features.Select(f => (request.OutputName(f, fullFeatureNames), f)).ToArray();
            steps.Add(new OnDemandStep(OnDemandTransforms.Get(localTransform(request.View)), [.. inputs], requestFields, outputsOf));
        }

        var joinKeyTypes = new Dictionary<string, ValueType>(StringComparer.Ordinal);
        foreach (var read in reads)
        {
            foreach (var key in read.Keys)
            {
                if (key.JoinKey != Entity.DummyJoinKey) joinKeyTypes.TryAdd(key.Column, key.Type);
            }
        }
        var entityNames = registry.Entities.Values
            .Where(e => e.Name != e.JoinKey && joinKeyTypes.ContainsKey(e.JoinKey))
            .ToFrozenDictionary(e => e.Name, e => e.JoinKey, StringComparer.Ordinal);
        return new OnlinePlan([.. reads], [.. outputs, .. storedOnDemand], [.. steps], joinKeyTypes.ToFrozenDictionary(StringComparer.Ordinal), entityNames);
    }
}

/// <summary>A join key of a read: the view's key, the request column it comes from, and its type.</summary>
internal sealed record KeyColumn(string JoinKey, string Column, ValueType Type);

/// <summary>One online-store read: a view, its keys (in the view's order) and the features to fetch.</summary>
internal sealed class ViewRead(FeatureView view, KeyColumn[] keys, int keyVersion)
{
    private readonly List<string> _features = [];

    public FeatureView View { get; } = view;

    public KeyColumn[] Keys { get; } = keys;

    public int KeyVersion { get; } = keyVersion;

    public IReadOnlyList<string> Features => _features;

    public bool Entityless => View.IsEntityless;

    /// <summary>What the entity keys are made of: reads with the same signature in a request read the same keys.</summary>
    public string KeySignature { get; } = view.IsEntityless
        ? "\0"
        : string.Join('\u0001', keys.Select(k => k.JoinKey + '\u0002' + k.Column + '\u0002' + (int)k.Type)) + '\u0001' + keyVersion;

    /// <summary>The entity key every row of an entity-less view shares.</summary>
    public byte[] DummyKey { get; } = EntityKeySerializer.Serialize(Entity.DummyJoinKey, new Protos.Types.Value { StringVal = "" }, keyVersion);

    public int Feature(string name)
    {
        var index = _features.IndexOf(name);
        if (index >= 0) return index;
        _features.Add(name);
        return _features.Count - 1;
    }
}

/// <summary>A stored feature's output column.</summary>
internal sealed record StoredOutput(string Name, ViewRead Read, int Feature);

/// <summary>An on-demand view's input read from the store, known by its short and its <c>view__feature</c> name.</summary>
internal sealed record FeatureInput(string Name, string FullName, ViewRead Read, int Feature);

/// <summary>An on-demand view to run: its transformation, where its inputs come from, and the outputs to keep.</summary>
internal sealed record OnDemandStep(OnDemandTransform Transform, FeatureInput[] Inputs, Field[] RequestFields, (string Name, Field Field)[] Outputs);
