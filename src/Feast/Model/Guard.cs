using System.Collections.Frozen;

namespace Feast;

/// <summary>The one place where definition arguments are checked and normalised.</summary>
internal static class Guard
{
    public static readonly IReadOnlyDictionary<string, string> EmptyTags = FrozenDictionary<string, string>.Empty;

    public static void NotNullOrEmpty(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new FeastValidationException($"{what} must not be empty.");
    }

    public static IReadOnlyDictionary<string, string> Tags(IReadOnlyDictionary<string, string>? tags) =>
        tags is null || tags.Count == 0 ? EmptyTags : new SortedDictionary<string, string>(tags.ToDictionary(), StringComparer.Ordinal);

    /// <summary>Hint for the commonest cause of a null in a definition: a static field used before it is initialized.</summary>
    public const string OrderHint = "If it is a static field declared further down, move that declaration above this one: C# initializes static fields in textual order.";

    public static IReadOnlyList<T> List<T>(IEnumerable<T>? items)
    {
        if (items is null) return [];
        List<T> list = [.. items];
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
