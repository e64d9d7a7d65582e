using Feast.Protos.Types;

namespace Feast.Online;

/// <summary>
/// Rows to write to one feature view's online storage: per row a serialized entity key, one <see cref="FeatureValue"/> per
/// feature of <see cref="FeatureNames"/>, the event timestamp and an optional created timestamp. Values are kept in
/// one flat array (row-major) so a batch of a million values is a handful of allocations.
/// </summary>
/// <remarks>
/// Materialization into a store that takes them (<see cref="IOnlineStore.AcceptsSerializedValues"/>) fills batches
/// with the values' online-store bytes instead, written straight from the offline store's columns:
/// <see cref="TryGetSerializedValue"/> hands them out, and <see cref="Value"/> / <see cref="Values"/> parse them on
/// first use.
/// </remarks>
public sealed class OnlineWriteBatch
{
    private byte[][] _keys;
    private FeatureValue[]? _values;
    private DateTimeOffset[] _eventTimestamps;
    private DateTimeOffset?[] _createdTimestamps;

    // Serialized mode: per cell (row-major) the start and length of its Value's bytes in _bytes.
    private readonly int[]? _starts;
    private readonly int[]? _lengths;
    private byte[] _bytes = [];
    private int _bytesUsed;

    /// <summary>Creates an empty batch for <paramref name="featureNames"/>.</summary>
    public OnlineWriteBatch(IReadOnlyList<string> featureNames, int capacity = 1024)
        : this(featureNames ?? throw new ArgumentNullException(nameof(featureNames)),
            capacity >= 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity cannot be negative."),
            serialized: false)
    {
    }

    private OnlineWriteBatch(IReadOnlyList<string> featureNames, int capacity, bool serialized)
    {
        FeatureNames = featureNames;
        capacity = Math.Max(capacity, 1);
        _keys = new byte[capacity][];
        _eventTimestamps = new DateTimeOffset[capacity];
        _createdTimestamps = new DateTimeOffset?[capacity];
        var cells = capacity * Math.Max(featureNames.Count, 1);
        if (!serialized) _values = new FeatureValue[cells];
        else
        {
            _starts = new int[cells];
            _lengths = new int[cells];
            _bytes = new byte[capacity * Math.Max(featureNames.Count, 1) * 8];
        }
    }

    /// <summary>
    /// An empty batch of at most <paramref name="capacity"/> rows whose values are given as protobuf bytes
    /// (<see cref="AddRow"/>, then <see cref="ValueBytes"/> per cell).
    /// </summary>
    internal static OnlineWriteBatch Serialized(IReadOnlyList<string> featureNames, int capacity) => new(featureNames, capacity, serialized: true);

    /// <summary>Whether the values are held as protobuf bytes (see <see cref="TryGetSerializedValue"/>).</summary>
    public bool HasSerializedValues => _starts is not null;

    /// <summary>The features each row carries, in value order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The number of rows.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a row (<see cref="FeatureValue.Null"/> for Feast's null).</summary>
    public void Add(byte[] entityKey, ReadOnlySpan<FeatureValue> values, DateTimeOffset eventTimestamp, DateTimeOffset? createdTimestamp = null)
    {
        var offset = StartRow(entityKey, values.Length, eventTimestamp, createdTimestamp);
        for (var i = 0; i < values.Length; i++)
            _values![offset + i] = values[i].HasProto ? values[i] : NullValue;
    }

    /// <summary>Adds a row of protobuf values; a null value is stored as Feast's null (an empty <c>Value</c>).</summary>
    internal void Add(byte[] entityKey, ReadOnlySpan<Value?> values, DateTimeOffset eventTimestamp, DateTimeOffset? createdTimestamp = null)
    {
        var offset = StartRow(entityKey, values.Length, eventTimestamp, createdTimestamp);
        for (var i = 0; i < values.Length; i++)
            _values![offset + i] = new FeatureValue(values[i] ?? Feast.Values.FeastValues.Null);
    }

    private static readonly FeatureValue NullValue = new(Feast.Values.FeastValues.Null);

    private int StartRow(byte[] entityKey, int values, DateTimeOffset eventTimestamp, DateTimeOffset? createdTimestamp)
    {
        ArgumentNullException.ThrowIfNull(entityKey);
        if (_values is null || HasSerializedValues)
            throw new InvalidOperationException("This batch holds serialized values; rows cannot be added as values.");
        if (values != FeatureNames.Count)
            throw new ArgumentException($"A row has {values} values but the batch has {FeatureNames.Count} features.", nameof(values));
        if (Count == _keys.Length) Grow();
        _keys[Count] = entityKey;
        _eventTimestamps[Count] = eventTimestamp;
        _createdTimestamps[Count] = createdTimestamp;
        return Count++ * FeatureNames.Count;
    }

    /// <summary>Adds a row of a serialized batch; its values follow with <see cref="ValueBytes"/>.</summary>
    internal int AddRow(byte[] entityKey, DateTimeOffset eventTimestamp, DateTimeOffset? createdTimestamp)
    {
        if (!HasSerializedValues) throw new InvalidOperationException("Only a serialized batch takes rows without values.");
        if (Count == _keys.Length) throw new InvalidOperationException($"The batch is full ({Count} rows).");
        _keys[Count] = entityKey;
        _eventTimestamps[Count] = eventTimestamp;
        _createdTimestamps[Count] = createdTimestamp;
        return Count++;
    }

    /// <summary>Space for the protobuf bytes of one cell of a serialized batch (empty for Feast's null).</summary>
    internal Span<byte> ValueBytes(int row, int feature, int size)
    {
        var cell = CheckRow(row) * FeatureNames.Count + feature;
        if (_bytes.Length - _bytesUsed < size) Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _bytesUsed + size));
        _starts![cell] = _bytesUsed;
        _lengths![cell] = size;
        _bytesUsed += size;
        return _bytes.AsSpan(_starts[cell], size);
    }

    /// <summary>
    /// The protobuf bytes of the value of <paramref name="feature"/> in <paramref name="row"/> (empty for Feast's null),
    /// when the batch holds its values serialized; false otherwise (use <see cref="Value"/>).
    /// </summary>
    public bool TryGetSerializedValue(int row, int feature, out ReadOnlySpan<byte> bytes)
    {
        if (_starts is null)
        {
            bytes = default;
            return false;
        }
        var cell = CheckRow(row) * FeatureNames.Count + feature;
        bytes = _bytes.AsSpan(_starts[cell], _lengths![cell]);
        return true;
    }

    /// <summary>Removes all rows, keeping the allocated space.</summary>
    public void Clear()
    {
        Array.Clear(_keys, 0, Count);
        if (_values is not null) Array.Clear(_values, 0, Count * FeatureNames.Count);
        _bytesUsed = 0;
        Count = 0;
    }

    /// <summary>The serialized entity key of <paramref name="row"/>.</summary>
    public byte[] EntityKey(int row) => _keys[CheckRow(row)];

    /// <summary>The value of feature <paramref name="feature"/> (index into <see cref="FeatureNames"/>) in <paramref name="row"/>.</summary>
    public FeatureValue Value(int row, int feature) => Values(row)[feature];

    /// <summary>The values of <paramref name="row"/>, in <see cref="FeatureNames"/> order.</summary>
    public ReadOnlySpan<FeatureValue> Values(int row)
    {
        var first = CheckRow(row) * FeatureNames.Count;
        if (_starts is not null && (_values is null || (FeatureNames.Count > 0 && !_values[first].HasProto))) ParseRow(row);
        return _values.AsSpan(first, FeatureNames.Count);
    }

    /// <summary>A serialized batch's row as values, parsed once, for stores that read values that way.</summary>
    private void ParseRow(int row)
    {
        _values ??= new FeatureValue[_keys.Length * Math.Max(FeatureNames.Count, 1)];
        var first = row * FeatureNames.Count;
        for (var f = 0; f < FeatureNames.Count; f++)
        {
            var length = _lengths![first + f];
            _values[first + f] = FeatureValue.Parse(_bytes.AsSpan(_starts![first + f], length));
        }
    }

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
        Array.Resize(ref _values!, capacity * Math.Max(FeatureNames.Count, 1));
        Array.Resize(ref _eventTimestamps, capacity);
        Array.Resize(ref _createdTimestamps, capacity);
    }
}
