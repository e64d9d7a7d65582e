using System.Text.Json;
using Feast.Online;

namespace Feast.Server.Http;

/// <summary>
/// Feast's <c>GetOnlineDocumentsRequest</c>, the body of <c>/search</c> and <c>/retrieve-online-documents</c>:
/// <c>{"features": [...], "top_k": n, "query": [floats]?, "query_string": str?, "distance_metric": str?,
/// "api_version": 1|2 (1), "filters": ComparisonFilter|CompoundFilter?}</c>.
/// </summary>
internal sealed record DocumentRequest(IReadOnlyList<string> Features, int TopK, float[]? Query, string? QueryString, string? DistanceMetric,
    int ApiVersion, DocumentFilter? Filters)
{
    /// <summary>The feature service named instead of <see cref="Features"/> (it takes precedence, as in Feast).</summary>
    public string? FeatureService { get; init; }

    /// <summary>Parses a body; every error is a <see cref="RequestBodyException"/> (422) naming the field.</summary>
    public static DocumentRequest Parse(ReadOnlySpan<byte> utf8)
    {
        var root = RequestBody.ParseJson(utf8);
        if (root.ValueKind != JsonValueKind.Object) throw new RequestBodyException("The request body must be a JSON object.");
        var features = new List<string>();
        if (root.TryGetProperty("features", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array) throw new RequestBodyException("'features' must be a list of \"view:feature\" strings.");
            foreach (var item in list.EnumerateArray())
                features.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw new RequestBodyException("'features' must be a list of \"view:feature\" strings."));
        }
        if (!root.TryGetProperty("top_k", out var topK) || topK.ValueKind == JsonValueKind.Null)
            throw new RequestBodyException("'top_k' is required: how many documents to return.");
        if (!topK.TryGetInt32(out var k)) throw new RequestBodyException("'top_k' must be an integer.");
        float[]? query = null;
        if (root.TryGetProperty("query", out var q) && q.ValueKind != JsonValueKind.Null)
        {
            if (q.ValueKind != JsonValueKind.Array) throw new RequestBodyException("'query' must be a list of numbers (the query embedding).");
            query = [.. q.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number ? x.GetSingle() : throw new RequestBodyException("'query' must be a list of numbers (the query embedding)."))];
        }
        var version = 1;
        if (root.TryGetProperty("api_version", out var v) && v.ValueKind != JsonValueKind.Null && (!v.TryGetInt32(out version) || version is not (1 or 2)))
            throw new RequestBodyException("'api_version' must be 1 or 2.");
        DocumentFilter? filters = null;
        if (root.TryGetProperty("filters", out var f) && f.ValueKind != JsonValueKind.Null)
        {
            try
            {
                filters = Filter(f);
            }
            catch (FeastValidationException e) when (e is not RequestBodyException)
            {
                throw new RequestBodyException($"'filters': {e.Message}");
            }
        }
        return new DocumentRequest(features, k, query, OptionalString(root, "query_string"), OptionalString(root, "distance_metric"), version, filters)
        {
            FeatureService = OptionalString(root, "feature_service"),
        };
    }

    private static string? OptionalString(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString() : throw new RequestBodyException($"'{name}' must be a string.");

    /// <summary>Feast's filter JSON: <c>{"type": "and"|"or", "filters": [...]}</c> or <c>{"key", "type", "value"}</c>.</summary>
    internal static DocumentFilter Filter(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object) throw new RequestBodyException("'filters' must be an object: {\"key\", \"type\", \"value\"} or {\"type\": \"and\"|\"or\", \"filters\": [...]}.");
        var type = OptionalString(json, "type") ?? throw new RequestBodyException("Every filter needs a 'type'.");
        if (json.TryGetProperty("filters", out var inner))
        {
            if (inner.ValueKind != JsonValueKind.Array) throw new RequestBodyException("A compound filter's 'filters' must be a list.");
            return new CompoundFilter(type, [.. inner.EnumerateArray().Select(Filter)]);
        }
        var key = OptionalString(json, "key") ?? throw new RequestBodyException("A comparison filter needs a 'key'.");
        return new ComparisonFilter(key, type, json.TryGetProperty("value", out var value) ? Scalar(value) : null);
    }

    private static object? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => value.TryGetInt64(out var l) ? l : value.GetDouble(),
        JsonValueKind.Array => value.EnumerateArray().Select(Scalar).ToList(),
        _ => null,
    };
}
