namespace Feast.Online;

/// <summary>
/// A metadata filter on document search candidates, as Feast's <c>ComparisonFilter</c> and <c>CompoundFilter</c>
/// (the OpenAI vector store filter shapes): a candidate passes when its stored features satisfy it.
/// </summary>
public abstract record DocumentFilter;

/// <summary>
/// Compares one feature of a candidate with a value: <c>eq</c>, <c>ne</c>, <c>gt</c>, <c>gte</c>, <c>lt</c>,
/// <c>lte</c>, or list membership <c>in</c> / <c>nin</c>. Numbers compare numerically, strings as text, booleans as
/// Feast writes them.
/// </summary>
public sealed record ComparisonFilter : DocumentFilter
{
    private static readonly string[] Types = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin"];

    /// <summary>Creates a comparison.</summary>
    /// <param name="key">The feature compared.</param>
    /// <param name="type">The operator: eq, ne, gt, gte, lt, lte, in, nin.</param>
    /// <param name="value">A string, number or boolean; a list of them for <c>in</c> and <c>nin</c>.</param>
    /// <exception cref="FeastValidationException">The operator is unknown, or the value does not fit it.</exception>
    public ComparisonFilter(string key, string type, object? value)
    {
        if (string.IsNullOrEmpty(key)) throw new FeastValidationException("A comparison filter needs a 'key' naming the feature it compares.");
        if (!Types.Contains(type, StringComparer.Ordinal))
            throw new FeastValidationException($"Comparison filter on '{key}': unknown type '{type}'. Use one of {string.Join(", ", Types)}.");
        var isList = type is "in" or "nin";
        if (isList != value is System.Collections.IList)
            throw new FeastValidationException(isList
                ? $"Comparison filter on '{key}': '{type}' needs a list value."
                : $"Comparison filter on '{key}': '{type}' needs a single string, number or boolean, not a list.");
        var items = isList ? ((System.Collections.IList)value!).Cast<object?>().ToArray() : [value];
        foreach (var item in items)
            if (item is not (string or bool or int or long or float or double or decimal))
                throw new FeastValidationException($"Comparison filter on '{key}': values must be strings, numbers or booleans, not {(item is null ? "null" : item.GetType().Name)}.");
        Key = key;
        Type = type;
        Value = isList ? items : value;
    }

    /// <summary>The feature compared.</summary>
    public string Key { get; }

    /// <summary>The operator.</summary>
    public string Type { get; }

    /// <summary>The value (an <c>object?[]</c> for <c>in</c> and <c>nin</c>).</summary>
    public object? Value { get; }
}

/// <summary>Combines filters with <c>and</c> or <c>or</c>.</summary>
public sealed record CompoundFilter : DocumentFilter
{
    /// <summary>Creates a compound filter.</summary>
    /// <param name="type"><c>and</c> or <c>or</c>.</param>
    /// <param name="filters">The filters combined.</param>
    /// <exception cref="FeastValidationException">The type is neither <c>and</c> nor <c>or</c>.</exception>
    public CompoundFilter(string type, IReadOnlyList<DocumentFilter> filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        if (type is not ("and" or "or"))
            throw new FeastValidationException($"Compound filter: unknown type '{type}'. Use 'and' or 'or'.");
        Type = type;
        Filters = [.. filters];
    }

    /// <summary><c>and</c> or <c>or</c>.</summary>
    public string Type { get; }

    /// <summary>The filters combined.</summary>
    public IReadOnlyList<DocumentFilter> Filters { get; }
}
