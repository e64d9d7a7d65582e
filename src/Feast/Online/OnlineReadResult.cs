using Feast.Protos.Types;

namespace Feast.Online;

/// <summary>
/// What an online store found for a list of entity keys of one feature view: per key whether it exists, its event
/// timestamp, and per requested feature the stored <see cref="FeatureValue"/> (null when the store holds no value for
/// that feature). Filled by <see cref="IOnlineStore.ReadAsync"/>.
/// </summary>
public sealed class OnlineReadResult
{
    private readonly Value?[] _values;
    private readonly DateTimeOffset?[] _eventTimestamps;

    /// <summary>Creates an empty result for <paramref name="keyCount"/> keys and <paramref name="featureNames"/>.</summary>
    public OnlineReadResult(int keyCount, IReadOnlyList<string> featureNames)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentOutOfRangeException.ThrowIfNegative(keyCount);
        KeyCount = keyCount;
        FeatureNames = featureNames;
        _values = new Value?[keyCount * featureNames.Count];
        _eventTimestamps = new DateTimeOffset?[keyCount];
    }

    /// <summary>The number of keys asked for.</summary>
    public int KeyCount { get; }

    /// <summary>The features asked for, in value order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Whether the store holds anything for key <paramref name="row"/>.</summary>
    public bool Found(int row) => _eventTimestamps[row].HasValue;

    /// <summary>The event timestamp stored for key <paramref name="row"/>, or null when the key was not found.</summary>
    public DateTimeOffset? EventTimestamp(int row) => _eventTimestamps[row];

    /// <summary>The stored value of <paramref name="feature"/> for key <paramref name="row"/>, or null when there is none.</summary>
    public FeatureValue? Value(int row, int feature) => _values[row * FeatureNames.Count + feature] is { } value ? new FeatureValue(value) : null;

    /// <summary>The stored protobuf value, or null when there is none (the read path's view of <see cref="Value"/>).</summary>
    internal Value? ProtoValue(int row, int feature) => _values[row * FeatureNames.Count + feature];

    /// <summary>Marks key <paramref name="row"/> found, with its event timestamp.</summary>
    public void SetFound(int row, DateTimeOffset eventTimestamp) => _eventTimestamps[row] = eventTimestamp;

    /// <summary>Sets the value of <paramref name="feature"/> for key <paramref name="row"/>.</summary>
    public void SetValue(int row, int feature, FeatureValue value) => _values[row * FeatureNames.Count + feature] = value.Proto;

    /// <summary>Sets the value of <paramref name="feature"/> for key <paramref name="row"/> from its online-store bytes (see <see cref="FeatureValue.Parse"/>).</summary>
    public void SetValue(int row, int feature, ReadOnlySpan<byte> bytes) => SetValue(row, feature, FeatureValue.Parse(bytes));

    /// <summary>Sets the value of <paramref name="feature"/> for key <paramref name="row"/> to a protobuf value.</summary>
    internal void SetValue(int row, int feature, Value value) => _values[row * FeatureNames.Count + feature] = value;
}
