using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Feast.Permissions;
using Feast.Registry;
using Feast.Server.Hosting;
using Feast.Values;
using Microsoft.AspNetCore.Http;

namespace Feast.Server.Http;

/// <summary>
/// The OpenAI-compatible vector store API of Feast's feature server: every feature view with a vector field is a vector
/// store <c>vs_{sha256("project:view")[:24]}</c>. Errors are answered in OpenAI's shape,
/// <c>{"error": {"message", "type"}}</c>: 404 <c>not_found_error</c>, 422 <c>invalid_request_error</c>.
/// </summary>
internal sealed partial class FeastHttpEndpoints
{
    /// <summary><c>GET /v1/vector_stores</c>: the stores the caller may DESCRIBE.</summary>
    public Task ListVectorStores(HttpContext context) => Guard(context, "/v1/vector_stores", async (context, ct) =>
    {
        var registry = await state.Store.GetRegistryAsync(cancellationToken: ct).ConfigureAwait(false);
        var permitted = new List<FeatureView>();
        foreach (var view in VectorViews(registry))
        {
            try
            {
                await auth.AuthorizeAsync(context, view.Name, FeastAuthorization.Written, Describe, ct).ConfigureAwait(false);
                permitted.Add(view);
            }
            catch (FeastPermissionException)
            {
                // Listed only when the caller may describe it, as Feast filters the list.
            }
        }
        await WriteObjectAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            foreach (var view in permitted) WriteVectorStore(writer, registry.Project, view);
            writer.WriteEndArray();
        }, ct).ConfigureAwait(false);
    });

    /// <summary><c>GET /v1/vector_stores/{id}</c>: one store (DESCRIBE), or 404.</summary>
    public Task GetVectorStore(HttpContext context) => Guard(context, "/v1/vector_stores/{vector_store_id}", async (context, ct) =>
    {
        var (registry, view) = await ResolveVectorStoreAsync(context, ct).ConfigureAwait(false);
        if (view is null) return;
        await auth.AuthorizeAsync(context, view.Name, FeastAuthorization.Written, Describe, ct).ConfigureAwait(false);
        await WriteObjectAsync(context, StatusCodes.Status200OK, writer => WriteVectorStoreProperties(writer, registry.Project, view), ct).ConfigureAwait(false);
    });

    /// <summary>
    /// <c>POST /v1/vector_stores/{id}/search</c> (READ_ONLINE): OpenAI's <c>vector_store.search_results.page</c>. Feast
    /// embeds the query with its <c>embedding_model</c>; Feast.NET has no embedding models, so the query is a keyword
    /// search of the view's String features (text_search_enabled), scored higher-is-better as the negated bm25 rank.
    /// </summary>
    public Task SearchVectorStore(HttpContext context) => Guard(context, "/v1/vector_stores/{vector_store_id}/search", async (context, ct) =>
    {
        var (registry, view) = await ResolveVectorStoreAsync(context, ct).ConfigureAwait(false);
        if (view is null) return;
        await auth.AuthorizeAsync(context, view.Name, FeastAuthorization.Written, FeastAuthorization.ReadOnline, ct).ConfigureAwait(false);
        var id = VectorStoreId(registry.Project, view.Name);
        OpenAISearchRequest request;
        Online.OnlineFeaturesResponse response;
        try
        {
            request = await RequestBody.ReadAsync(context, Limit, OpenAISearchRequest.Parse, ct).ConfigureAwait(false);
            // OpenAI's default of 10, or the server's limit when that is lower.
            var max = request.MaxNumResults ?? Math.Min(10, state.Options.MaxTopK);
            if (max > state.Options.MaxTopK)
                throw new RequestBodyException($"max_num_results is {max}, more than the {state.Options.MaxTopK} this server returns.");
            var features = request.Features ?? [.. view.Features.Where(f => !f.VectorIndex).Select(f => f.Name)];
            response = await state.Store.RetrieveOnlineDocumentsAsync([.. features.Select(f => $"{view.Name}:{f}")], max,
                queryString: string.Join(' ', request.Query), filters: request.Filters, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (FeastValidationException e) when (e is not RequestBodyTooLargeException and not RequestLimitException)
        {
            var message = e.Message.Contains("text_search_enabled", StringComparison.Ordinal)
                ? "Vector store search embeds the query with an embedding model, which Feast.NET does not have; it searches the query's keywords instead, which needs `text_search_enabled: true` under online_store. Or call /search with a query vector."
                : e.Message;
            await WriteOpenAIErrorAsync(context, StatusCodes.Status422UnprocessableEntity, "invalid_request_error", message, ct).ConfigureAwait(false);
            return;
        }

        var joinKeys = view.JoinKeys.Where(k => k != "__dummy_id").Order(StringComparer.Ordinal).ToList();
        await WriteObjectAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteString("object", "vector_store.search_results.page");
            writer.WriteStartArray("search_query");
            foreach (var q in request.Query) writer.WriteStringValue(q);
            writer.WriteEndArray();
            writer.WriteStartArray("data");
            for (var row = 0; row < response.RowCount; row++) WriteSearchResult(writer, id, response, row, joinKeys);
            writer.WriteEndArray();
            writer.WriteBoolean("has_more", false);
            writer.WriteNull("next_page");
        }, ct).ConfigureAwait(false);
    });

    private static readonly AuthzedAction[] Describe = [AuthzedAction.Describe];

    private static IEnumerable<FeatureView> VectorViews(RegistrySnapshot registry) =>
        registry.FeatureViews.Values.Where(v => v.Features.Any(f => f.VectorIndex)).OrderBy(v => v.Name, StringComparer.Ordinal);

    /// <summary>Feast's id of a vector store: <c>vs_</c> and the first 24 hex digits of sha256("project:view").</summary>
    internal static string VectorStoreId(string project, string view) =>
        "vs_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{project}:{view}")))[..24];

    private async Task<(RegistrySnapshot Registry, FeatureView? View)> ResolveVectorStoreAsync(HttpContext context, CancellationToken ct)
    {
        var registry = await state.Store.GetRegistryAsync(cancellationToken: ct).ConfigureAwait(false);
        var id = context.Request.RouteValues["vector_store_id"] as string ?? "";
        var view = VectorViews(registry).FirstOrDefault(v => VectorStoreId(registry.Project, v.Name) == id);
        if (view is null)
            await WriteOpenAIErrorAsync(context, StatusCodes.Status404NotFound, "not_found_error", $"No vector store found with id '{id}'", ct).ConfigureAwait(false);
        return (registry, view);
    }

    private static void WriteVectorStore(Utf8JsonWriter writer, string project, FeatureView view)
    {
        writer.WriteStartObject();
        WriteVectorStoreProperties(writer, project, view);
        writer.WriteEndObject();
    }

    private static void WriteVectorStoreProperties(Utf8JsonWriter writer, string project, FeatureView view)
    {
        writer.WriteString("id", VectorStoreId(project, view.Name));
        writer.WriteString("object", "vector_store");
        writer.WriteString("name", view.Name);
        writer.WriteString("status", "completed");
        writer.WriteNumber("created_at", view.CreatedTimestamp?.ToUnixTimeSeconds() ?? 0);
    }

    /// <summary>One result as Feast builds it: file_id from the sorted join-key values, attributes, the string features as content.</summary>
    private static void WriteSearchResult(Utf8JsonWriter writer, string id, Online.OnlineFeaturesResponse response, int row, List<string> joinKeys)
    {
        var values = response.Row(row);
        writer.WriteStartObject();
        writer.WriteString("file_id", joinKeys.Count == 0 ? $"{id}_{row}" : $"{id}_{string.Join('_', joinKeys.Select(k => Convert.ToString(values[k], System.Globalization.CultureInfo.InvariantCulture)))}");
        writer.WriteString("filename", id);
        // bm25 ranks are negative, smaller better: negated, higher is better, as OpenAI clients read a score.
        writer.WriteNumber("score", -Convert.ToDouble(values["distance"], System.Globalization.CultureInfo.InvariantCulture));
        var texts = new List<string>();
        writer.WriteStartObject("attributes");
        foreach (var column in response.Columns)
        {
            if (column.IsJoinKey || column.Name is "distance" or "text_rank") continue;
            writer.WritePropertyName(column.Name);
            JsonSerializer.Serialize(writer, values[column.Name]);
            if (values[column.Name] is string text) texts.Add(text);
        }
        writer.WriteEndObject();
        writer.WriteStartArray("content");
        foreach (var text in texts)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "text");
            writer.WriteString("text", text);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static Task WriteOpenAIErrorAsync(HttpContext context, int status, string type, string message, CancellationToken ct) =>
        WriteObjectAsync(context, status, writer =>
        {
            writer.WriteStartObject("error");
            writer.WriteString("message", message);
            writer.WriteString("type", type);
            writer.WriteEndObject();
        }, ct);
}

/// <summary>OpenAI's vector store search body: <c>{query, filters?, max_num_results=10, ranking_options?, rewrite_query?, metadata?}</c>.</summary>
internal sealed record OpenAISearchRequest(IReadOnlyList<string> Query, Online.DocumentFilter? Filters, int? MaxNumResults, IReadOnlyList<string>? Features)
{
    /// <summary>Parses a body; every error is a <see cref="RequestBodyException"/> naming the field.</summary>
    public static OpenAISearchRequest Parse(ReadOnlySpan<byte> utf8)
    {
        var root = RequestBody.ParseJson(utf8);
        if (root.ValueKind != JsonValueKind.Object) throw new RequestBodyException("The request body must be a JSON object.");
        if (!root.TryGetProperty("query", out var q)) throw new RequestBodyException("'query' is required: a string or a list of strings.");
        List<string> query = q.ValueKind switch
        {
            JsonValueKind.String => [q.GetString()!],
            JsonValueKind.Array when q.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String) => [.. q.EnumerateArray().Select(x => x.GetString()!)],
            _ => throw new RequestBodyException("'query' must be a string or a list of strings."),
        };
        int? max = null;
        if (root.TryGetProperty("max_num_results", out var m) && m.ValueKind != JsonValueKind.Null)
            max = m.TryGetInt32(out var given) && given >= 1 ? given : throw new RequestBodyException("'max_num_results' must be a positive integer.");
        var unsupported = new List<string>();
        if (root.TryGetProperty("ranking_options", out var ranking) && ranking.ValueKind == JsonValueKind.Object)
        {
            if (ranking.TryGetProperty("score_threshold", out var t) && t.ValueKind != JsonValueKind.Null) unsupported.Add("ranking_options.score_threshold");
            if (ranking.TryGetProperty("ranker", out var r) && r.ValueKind != JsonValueKind.Null) unsupported.Add("ranking_options.ranker");
        }
        if (root.TryGetProperty("rewrite_query", out var rewrite) && rewrite.ValueKind == JsonValueKind.True) unsupported.Add("rewrite_query");
        if (unsupported.Count > 0)
            throw new RequestBodyException($"The following parameters are not yet supported: {string.Join(", ", unsupported)}. Remove them from the request.");
        Online.DocumentFilter? filters = null;
        if (root.TryGetProperty("filters", out var f) && f.ValueKind != JsonValueKind.Null)
        {
            try
            {
                filters = DocumentRequest.Filter(f);
            }
            catch (FeastValidationException e) when (e is not RequestBodyException)
            {
                throw new RequestBodyException($"'filters': {e.Message}");
            }
        }
        List<string>? features = null;
        if (root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("features_to_retrieve", out var list) && list.ValueKind == JsonValueKind.Array)
            features = [.. list.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : throw new RequestBodyException("'metadata.features_to_retrieve' must be a list of feature names."))];
        return new OpenAISearchRequest(query, filters, max, features);
    }
}
