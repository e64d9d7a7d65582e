using System.Text.Json;
using Feast.Serialization;
using Feast.Server.Hosting;
using Microsoft.AspNetCore.Http;

namespace Feast.Server.Http;

internal sealed partial class FeastHttpEndpoints
{
    /// <summary><c>POST /search</c>: document search, answered in <c>/get-online-features</c>' JSON shape.</summary>
    public Task Search(HttpContext context) => Guard(context, "/search", SearchAsync);

    /// <summary><c>POST /retrieve-online-documents</c>: Feast's deprecated alias of <c>/search</c>.</summary>
    public Task RetrieveOnlineDocuments(HttpContext context) => Guard(context, "/retrieve-online-documents", SearchAsync);

    private async Task SearchAsync(HttpContext context, CancellationToken ct)
    {
        var request = await RequestBody.ReadAsync(context, Limit, DocumentRequest.Parse, ct).ConfigureAwait(false);
        if (request.TopK > state.Options.MaxTopK)
            throw new RequestBodyException($"top_k is {request.TopK}, more than the {state.Options.MaxTopK} this server returns. Ask for fewer documents.");
        if (request.Query is { } query && query.Length > state.Options.MaxQueryVectorLength)
            throw new RequestBodyException($"The query vector has {query.Length} values, more than the {state.Options.MaxQueryVectorLength} this server accepts.");
        if (request.FeatureService is { } serviceName)
        {
            // A feature service stands for the features it lists (Feast's _get_features); the search still reads one view.
            var registry = await state.Store.GetRegistryAsync(cancellationToken: ct).ConfigureAwait(false);
            if (!registry.FeatureServices.TryGetValue(serviceName, out var service)) throw new FeatureServiceNotFoundException(serviceName, registry.Project);
            request = request with { Features = [.. service.Projections.SelectMany(p => p.Features.Select(f => $"{p.Name}:{f.Name}"))] };
        }
        // READ_ONLINE on the one view searched; the SDK reports a request naming several views.
        var viewName = request.Features.Select(f => f.Split(':')[0]).FirstOrDefault() ?? "";
        await auth.AuthorizeAsync(context, viewName, FeastAuthorization.Written, FeastAuthorization.ReadOnline, ct).ConfigureAwait(false);

        var response = request.ApiVersion == 2
            ? await state.Store.RetrieveOnlineDocumentsAsync(request.Features, request.TopK, request.Query, request.QueryString, request.DistanceMetric,
                request.Filters, ct).ConfigureAwait(false)
            : await state.Store.RetrieveOnlineDocumentsV1Async(
                request.Query ?? throw new RequestBodyException("'query' (the query embedding) is required with api_version 1; send api_version 2 for a text search."),
                request.TopK, request.Features, cancellationToken: ct).ConfigureAwait(false);

        await WriteOnlineResponseAsync(context, response, ct).ConfigureAwait(false);
    }
}
