using Feast.Protos.Types;

namespace Feast.Online;

/// <summary>
/// Rows to write to one feature view's online storage: per row a serialized entity key, one <see cref="Value"/> per
/// feature of <see cref="FeatureNames"/>, the event timestamp and an optional created timestamp. Values are kept in
/// one flat array (row-major) so a batch of a million values is a handful of allocations.
/// </summary>
public sealed class OnlineWriteBatch
{
    private byte[][] _keys;
    private Value[] _values;
    private DateTimeOffset[] _eventTimestamps;
    private DateTimeOffset?[] _createdTimestamps;

    /// <summary>Creates an empty batch for <paramref name="featureNames"/>.</summary>
    public OnlineWriteBatch(IReadOnlyList<string> featureNames, int capacity = 1024)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        FeatureNames = featureNames;
        capacity = Math.Max(capacity, 1);
        _keys = new byte[capacity][];
        _values = new Value[capacity * Math.Max(featureNames.Count, 1)];
        _eventTimestamps = new DateTimeOffset[capacity];
        _createdTimestamps = new DateTimeOffset?[capacity];
    }

    /// <summary>The features each row carries, in value order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The number of rows.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a row; a null value is stored as Feast's null (an empty <see cref="Value"/>).</summary>
    public void Add(byte[] entityKey, ReadOnlySpan<Value?> values, DateTimeOffset eventTimestamp, DateTimeOffset? createdTimestamp = null)
    {
        ArgumentNullException.ThrowIfNull(entityKey);
        if (values.Length != FeatureNames.Count)
            throw new ArgumentException($"A row has {values.Length} values but the batch has {FeatureNames.Count} features.", nameof(values));
        if (Count == _keys.Length) Grow();
        _keys[Count] = entityKey;
        var offset = Count * FeatureNames.Count;
        for (var i = 0; i < values.Length; i++)
            _values[offset + i] = values[i] ?? Feast.Values.FeastValues.Null;
        _eventTimestamps[Count] = eventTimestamp;
        _createdTimestamps[Count] = createdTimestamp;
        Count++;
    }

    /// <summary>Removes all rows, keeping the allocated space.</summary>
    public void Clear()
    {
        Array.Clear(_keys, 0, Count);
        Array.Clear(_values, 0, Count * FeatureNames.Count);
        Count = 0;
    }

    /// <summary>The serialized entity key of <paramref name="row"/>.</summary>
    public byte[] EntityKey(int row) => _keys[CheckRow(row)];

    /// <summary>The value of feature <paramref name="feature"/> (index into <see cref="FeatureNames"/>) in <paramref name="row"/>.</summary>
    public Value Value(int row, int feature) => _values[CheckRow(row) * FeatureNames.Count + feature];

    /// <summary>The values of <paramref name="row"/>, in <see cref="FeatureNames"/> order.</summary>
    public ReadOnlySpan<Value> Values(int row) => _values.AsSpan(CheckRow(row) * FeatureNames.Count, FeatureNames.Count);

    /// <summary>The event timestamp of <paramref name="row"/>.</summary>
    public DateTimeOffset EventTimestamp(int row) => _eventTimestamps[CheckRow(row)];

    /// <summary>The created timestamp of <paramref name="row"/>, if any.</summary>
    public DateTimeOffset? CreatedTimestamp(int row) => _createdTimestamps[CheckRow(row)];

    private int CheckRow(int row)
    {
        if ((uint)row >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(row), row, $"The batch has {Count} rows.");
        return row;
    }

    private void Grow()
    {
        var capacity = _keys.Length * 2;
        Array.Resize(ref _keys, capacity);
        Array.Resize(ref _values, capacity * Math.Max(FeatureNames.Count, 1));
        Array.Resize(ref _eventTimestamps, capacity);
        Array.Resize(ref _createdTimestamps, capacity);
    }
}
