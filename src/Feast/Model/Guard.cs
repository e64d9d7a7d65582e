using System.Collections.Frozen;

namespace Feast;

/// <summary>The one place where definition arguments are checked and normalised.</summary>
internal static class Guard
{
    public static readonly IReadOnlyDictionary<string, string> EmptyTags = TagMap.Empty;

    public static void NotNullOrEmpty(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new FeastValidationException($"{what} must not be empty.");
    }

    public static IReadOnlyDictionary<string, string> Tags(IReadOnlyDictionary<string, string>? tags) =>
        tags is null || tags.Count == 0 ? TagMap.Empty : tags as TagMap ?? new TagMap(tags);

    /// <summary>Hint for the commonest cause of a null in a definition: a static field used before it is initialized.</summary>
    public const string OrderHint = "If it is a static field declared further down, move that declaration above this one: C# initializes static fields in textual order.";

    public static IReadOnlyList<T> List<T>(IEnumerable<T>? items)
    {
        if (items is null) return [];
        var list = new ValueList<T>([.. items]);
        if (list.Any(item => item is null))
            throw new FeastValidationException($"A list of {typeof(T).Name} values passed to a Feast definition contains null. {OrderHint}");
        return list;
    }

    public static bool SameTags(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public static bool SameList<T>(IReadOnlyList<T> a, IReadOnlyList<T> b) => a.SequenceEqual(b);

    public static void NonNegative(TimeSpan? ttl, string owner)
    {
        if (ttl is { } t && t < TimeSpan.Zero)
            throw new FeastValidationException($"{owner}: ttl must be zero (no limit) or positive, got {t}. Use TimeSpan.Zero for an unlimited TTL.");
    }
}

/// <summary>Tags and field mappings: sorted by key and equal by content, so definitions that say the same are equal.</summary>
internal sealed class TagMap : IReadOnlyDictionary<string, string>, IEquatable<TagMap>
{
    public static readonly TagMap Empty = new(new Dictionary<string, string>());

    private readonly SortedDictionary<string, string> _items;

    public TagMap(IReadOnlyDictionary<string, string> items) =>
        _items = new SortedDictionary<string, string>(items.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), StringComparer.Ordinal);

    public string this[string key] => _items[key];

    public IEnumerable<string> Keys => _items.Keys;

    public IEnumerable<string> Values => _items.Values;

    public int Count => _items.Count;

    public bool ContainsKey(string key) => _items.ContainsKey(key);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value) => _items.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _items.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(TagMap? other) => other is not null && Guard.SameTags(this, other);

    public override bool Equals(object? obj) => obj is TagMap other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (key, value) in _items)
        {
            hash.Add(key, StringComparer.Ordinal);
            hash.Add(value, StringComparer.Ordinal);
        }
        return hash.ToHashCode();
    }
}

/// <summary>A read-only list equal by content, so definitions built from equal lists are equal.</summary>
internal sealed class ValueList<T>(IList<T> items) : System.Collections.ObjectModel.ReadOnlyCollection<T>(items), IEquatable<ValueList<T>>
{
    public bool Equals(ValueList<T>? other) => other is not null && this.SequenceEqual(other);

    public override bool Equals(object? obj) => obj is ValueList<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in this) hash.Add(item);
        return hash.ToHashCode();
    }
}
