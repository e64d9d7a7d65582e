using System.Collections.Concurrent;
using Feast.Configuration;
using Feast.Online;

namespace Feast.Plugins.Tests;

/// <summary>
/// A test backend, plugged in exactly as Feast.Redis, Feast.Postgres and Feast.DuckDb plug in (docs/adding-a-backend.md):
/// an options record with its yaml schema, a store, a data-source kind with its registry mapping, and one extension
/// method that registers them.
/// </summary>
public static class MemoryBackendExtensions
{
    /// <summary>Serves <c>online_store.type: memory</c> and <see cref="ToySource"/> in the registry.</summary>
    public static FeastBackends UseMemory(this FeastBackends backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        return backends
            .AddOnlineStore("memory", MemoryOnlineStoreOptions.Keys, (options, _) => new MemoryOnlineStore(options), "feast_tests.memory.MemoryOnlineStore")
            .AddDataSource(ToySource.FeastClassType, ToySource.FromRegistry);
    }

    /// <summary>Registers the memory backend in <paramref name="options"/>' backends.</summary>
    public static FeatureStoreOptions UseMemory(this FeatureStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Backends.UseMemory();
        return options;
    }
}

/// <summary>Step 1: the <c>online_store</c> section of the memory store (<c>type: memory</c>).</summary>
public sealed record MemoryOnlineStoreOptions : OnlineStoreOptions
{
    /// <summary>The yaml keys: their names, how each binds (with its checks), how each prints.</summary>
    internal static readonly OptionsSchema<MemoryOnlineStoreOptions> Keys = new(() => new())
    {
        { "type", OptionsSchema.Keep, o => o.Type },
        { "capacity", (o, v) => o with { Capacity = v.Int32(min: 1) }, o => o.Capacity },
        { "name", (o, v) => o with { Name = v.String() }, o => o.Name },
    };

    /// <inheritdoc/>
    public override string Type => "memory";

    /// <summary>The most entity rows the store keeps (yaml <c>capacity</c>, 1000).</summary>
    public int Capacity { get; init; } = 1000;

    /// <summary>A name for messages (yaml <c>name</c>, <c>memory</c>).</summary>
    public string Name { get; init; } = "memory";

    /// <inheritdoc/>
    public override OptionsSchema YamlKeys() => Keys;
}

/// <summary>Step 2: the store, latest row per entity key and view, in a dictionary.</summary>
public sealed class MemoryOnlineStore(MemoryOnlineStoreOptions options) : IOnlineStore
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset EventTimestamp, Dictionary<string, FeatureValue> Values)> _rows = new(StringComparer.Ordinal);

    /// <summary>The options the store was made from.</summary>
    public MemoryOnlineStoreOptions Options { get; } = options;

    /// <summary>How many entity rows the store holds.</summary>
    public int Count => _rows.Count;

    public Task UpdateAsync(string project, IReadOnlyList<FeatureView> viewsToKeep, IReadOnlyList<FeatureView> viewsToDelete,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(viewsToDelete);
        foreach (var view in viewsToDelete) Drop(project, view);
        return Task.CompletedTask;
    }

    public string DescribeStorage(string project, FeatureView view) => $"{Options.Name} rows {project}/{view?.Name}";

    public Task WriteBatchAsync(string project, FeatureView view, OnlineWriteBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(batch);
        for (var row = 0; row < batch.Count; row++)
        {
            var key = Key(project, view, batch.EntityKey(row));
            if (!_rows.ContainsKey(key) && _rows.Count >= Options.Capacity)
                throw new FeastException($"The {Options.Name} store is full ({Options.Capacity} rows).");
            var values = new Dictionary<string, FeatureValue>(StringComparer.Ordinal);
            var rowValues = batch.Values(row);
            for (var f = 0; f < batch.FeatureNames.Count; f++) values[batch.FeatureNames[f]] = rowValues[f];
            _rows[key] = (batch.EventTimestamp(row), values);
        }

        return Task.CompletedTask;
    }

    public Task<OnlineReadResult> ReadAsync(string project, FeatureView view, IReadOnlyList<byte[]> entityKeys, IReadOnlyList<string> featureNames,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(entityKeys);
        ArgumentNullException.ThrowIfNull(featureNames);
        var result = new OnlineReadResult(entityKeys.Count, featureNames);
        for (var row = 0; row < entityKeys.Count; row++)
        {
            if (!_rows.TryGetValue(Key(project, view, entityKeys[row]), out var stored)) continue;
            result.SetFound(row, stored.EventTimestamp);
            for (var f = 0; f < featureNames.Count; f++)
            {
                if (stored.Values.TryGetValue(featureNames[f], out var value)) result.SetValue(row, f, value);
            }
        }

        return Task.FromResult(result);
    }

    public Task TeardownAsync(string project, IReadOnlyList<FeatureView> views, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(views);
        foreach (var view in views) Drop(project, view);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void Drop(string project, FeatureView view)
    {
        var prefix = $"{project}/{view.Name}/";
        foreach (var key in _rows.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))) _rows.TryRemove(key, out _);
    }

    private static string Key(string project, FeatureView view, byte[] entityKey) => $"{project}/{view.Name}/{Convert.ToHexString(entityKey)}";
}

/// <summary>
/// Step 3: a data-source kind: rows in a named topic. The registry stores it as a <c>CUSTOM_SOURCE</c> with this
/// class type and the JSON <c>{"name": ..., "topic": ...}</c>.
/// </summary>
public sealed record ToySource : CustomDataSource
{
    /// <summary>The registry's <c>data_source_class_type</c> of this kind.</summary>
    public const string FeastClassType = "feast_tests.toy.ToySource";

    /// <summary>Creates a toy source.</summary>
    public ToySource(string name, string topic, string timestampField = "event_timestamp", string description = "",
        IReadOnlyDictionary<string, string>? tags = null, string owner = "")
        : base(name, timestampField, "", null, "", description, tags, owner)
    {
        Topic = topic;
    }

    /// <summary>The topic the rows are in.</summary>
    public string Topic { get; init; }

    /// <inheritdoc/>
    public override string SourceTypeName => "ToySource";

    /// <inheritdoc/>
    public override string ClassType => FeastClassType;

    /// <inheritdoc/>
    public override byte[] WriteConfiguration() => CustomSourceJson.Write(("name", Name), ("topic", Topic));

    /// <summary>Reads a toy source back from the registry.</summary>
    public static ToySource FromRegistry(CustomSourceDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var json = CustomSourceJson.Read(definition, "Toy", "topic");
        return new ToySource(definition.Name, json["topic"] ?? "", definition.TimestampField, definition.Description, definition.Tags, definition.Owner)
        {
            FieldMapping = definition.FieldMapping,
            CreatedTimestampColumn = definition.CreatedTimestampColumn,
        };
    }
}
