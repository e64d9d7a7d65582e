using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Feast.Protos.Registry;
using Google.Protobuf;

namespace Feast.Server.RegistryServer.Rest;

/// <summary>
/// JSON as Feast's REST registry API writes it: protobuf messages as Python's <c>MessageToDict</c> (lowerCamelCase
/// keys, enum names, int64 as strings, RFC 3339 timestamps, defaults left out), compact, non-ASCII kept.
/// </summary>
internal static class RestJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);

    /// <summary>How the answers are written (compact, UTF-8 text kept as is).</summary>
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><paramref name="message"/> as a JSON object (MessageToDict).</summary>
    public static JsonObject Object(IMessage message) => JsonNode.Parse(Formatter.Format(message))!.AsObject();

    /// <summary><paramref name="message"/> as a JSON object with <c>"type"</c> first (a view of a feature view list).</summary>
    public static JsonObject Typed(string type, IMessage message)
    {
        var typed = new JsonObject { ["type"] = type };
        foreach (var (key, value) in Object(message).ToList()) typed[key] = value?.DeepClone();
        return typed;
    }

    /// <summary>A JSON array of <paramref name="messages"/>.</summary>
    public static JsonArray Array(IEnumerable<IMessage> messages) => new([.. messages.Select(m => (JsonNode)Object(m))]);

    /// <summary>A JSON array of <paramref name="nodes"/>.</summary>
    public static JsonArray Array(IEnumerable<JsonNode> nodes) => new([.. nodes]);

    /// <summary>
    /// Feast's <c>paginate_and_sort</c> of a cross-project list: sorted by the top-level key <see cref="AllPaging.SortBy"/>
    /// when given, cut to the page, with the pagination object Feast writes (keys only when set).
    /// </summary>
    public static (List<JsonObject> Page, JsonObject Pagination) PageAll(List<JsonObject> items, AllPaging paging)
    {
        IEnumerable<JsonObject> ordered = items;
        if (!string.IsNullOrEmpty(paging.SortBy))
        {
            var keyed = items.Select(i => (Item: i, Key: SortKey(i[paging.SortBy])));
            ordered = paging.SortOrder == "desc"
                ? keyed.OrderByDescending(k => k.Key, StringComparer.Ordinal).Select(k => k.Item)
                : keyed.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => k.Item);
        }
        var all = ordered.ToList();
        var start = (long)(paging.Page - 1) * paging.Limit;
        var end = start + paging.Limit;
        var page = start >= all.Count ? [] : all.GetRange((int)start, (int)Math.Min(paging.Limit, all.Count - start));
        var pagination = new JsonObject { ["page"] = paging.Page, ["limit"] = paging.Limit };
        if (all.Count > 0) pagination["totalCount"] = all.Count;
        var totalPages = (all.Count + paging.Limit - 1) / paging.Limit;
        if (totalPages > 0) pagination["totalPages"] = totalPages;
        if (end < all.Count) pagination["hasNext"] = true;
        if (start > 0) pagination["hasPrevious"] = true;
        return (page, pagination);
    }

    /// <summary><paramref name="metadata"/> as Feast answers it (an empty object when nothing is set).</summary>
    public static JsonObject Pagination(PaginationMetadata? metadata) => metadata is null ? [] : Object(metadata);

    /// <summary>The JSON text of <paramref name="node"/>.</summary>
    public static string Text(JsonNode node) => node.ToJsonString(Options);

    private static string SortKey(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString("000000000000000.######", CultureInfo.InvariantCulture),
        _ => value.ToJsonString(),
    };
}
