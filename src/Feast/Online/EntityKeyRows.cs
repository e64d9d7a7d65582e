using System.Runtime.InteropServices;

namespace Feast.Online;

/// <summary>Compares serialized entity keys (or any byte arrays) by content; also looks them up by span.</summary>
public sealed class ByteArrayComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    /// <summary>The shared instance.</summary>
    public static ByteArrayComparer Instance { get; } = new();

    /// <inheritdoc/>
    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    /// <inheritdoc/>
    public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

    /// <inheritdoc/>
    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    /// <inheritdoc/>
    public int GetHashCode(ReadOnlySpan<byte> alternate)
    {
        var hash = new HashCode();
        hash.AddBytes(alternate);
        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}

/// <summary>
/// The request rows of an online read grouped by entity key, so a store asks for each distinct key once and hands the
/// answer to every row that repeats it: <see cref="Unique"/> in first-seen order, and for a key the chain of its rows
/// (<see cref="First(ReadOnlySpan{byte})"/>, then <see cref="Next"/> until -1).
/// </summary>
public sealed class EntityKeyRows
{
    private readonly Dictionary<byte[], int> _first;
    private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _firstBySpan;
    private readonly int[] _next;

    /// <summary>Groups <paramref name="keys"/> (one per request row).</summary>
    /// <exception cref="ArgumentNullException">A key is null.</exception>
    public EntityKeyRows(IReadOnlyList<byte[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _first = new Dictionary<byte[], int>(keys.Count, ByteArrayComparer.Instance);
        _next = new int[keys.Count];
        var last = new int[keys.Count];
        var unique = new List<byte[]>(keys.Count);
        for (var row = 0; row < keys.Count; row++)
        {
            var key = keys[row] ?? throw new ArgumentNullException(nameof(keys), $"Entity key {row} is null.");
            _next[row] = -1;
            ref var first = ref CollectionsMarshal.GetValueRefOrAddDefault(_first, key, out var exists);
            if (exists)
            {
                _next[last[first]] = row;
                last[first] = row;
            }
            else
            {
                first = row;
                last[row] = row;
                unique.Add(key);
            }
        }
        Unique = unique;
        _firstBySpan = _first.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>The distinct keys, in the order they first appear.</summary>
    public List<byte[]> Unique { get; }

    /// <summary>The first row with <paramref name="key"/>, or -1 when no row has it.</summary>
    public int First(ReadOnlySpan<byte> key) => _firstBySpan.TryGetValue(key, out var row) ? row : -1;

    /// <summary>The next row with the same key as <paramref name="row"/>, or -1.</summary>
    public int Next(int row) => _next[row];
}
