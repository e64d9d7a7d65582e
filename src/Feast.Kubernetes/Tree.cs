using System.Globalization;

namespace Feast.Kubernetes;

/// <summary>Reading and building the trees of <see cref="KubeYaml"/>.</summary>
internal static class Tree
{
    public static OrderedDictionary<string, object?>? Map(this OrderedDictionary<string, object?>? map, string key) =>
        map is not null && map.TryGetValue(key, out var v) ? v as OrderedDictionary<string, object?> : null;

    public static List<object?>? List(this OrderedDictionary<string, object?>? map, string key) =>
        map is not null && map.TryGetValue(key, out var v) ? v as List<object?> : null;

    public static string? Str(this OrderedDictionary<string, object?>? map, string key) =>
        map is not null && map.TryGetValue(key, out var v) && v is not null ? Scalar(v) : null;

    public static bool? Bool(this OrderedDictionary<string, object?>? map, string key) =>
        map is not null && map.TryGetValue(key, out var v) && v is bool b ? b : null;

    public static long? Int(this OrderedDictionary<string, object?>? map, string key) =>
        map is not null && map.TryGetValue(key, out var v) && v is long l ? l : null;

    public static object? Raw(this OrderedDictionary<string, object?>? map, string key) =>
        map is not null && map.TryGetValue(key, out var v) ? v : null;

    public static bool Has(this OrderedDictionary<string, object?>? map, string key) => map is not null && map.ContainsKey(key);

    /// <summary>A scalar as text (a number or boolean as YAML writes it).</summary>
    public static string? Scalar(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>A mapping of the pairs whose value is not <see langword="null"/>, in order.</summary>
    public static OrderedDictionary<string, object?> M(params (string Key, object? Value)[] pairs)
    {
        var map = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
            if (value is not null) map[key] = value;
        return map;
    }

    /// <summary>A sequence of the items that are not <see langword="null"/>.</summary>
    public static List<object?> L(params object?[] items) => items.Where(i => i is not null).ToList();

    /// <summary>A string-to-string mapping as a tree, keys sorted.</summary>
    public static OrderedDictionary<string, object?> Strings(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var map = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in pairs.OrderBy(p => p.Key, StringComparer.Ordinal)) map[k] = v;
        return map;
    }
}
