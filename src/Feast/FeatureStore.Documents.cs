// FeatureStore: document retrieval (Feast's retrieve_online_documents and retrieve_online_documents_v2).
using Feast.Configuration;
using Feast.Online;
using Feast.Values;

namespace Feast;

public sealed partial class FeatureStore
{
    /// <summary>
    /// The <paramref name="topK"/> entities of one feature view closest to <paramref name="query"/> (a vector search on
    /// the view's <c>vector_index</c> field), or best matching <paramref name="queryString"/> (a full-text search of its
    /// String features): Feast's <c>retrieve_online_documents_v2</c>. The answer has, per match (best first), the
    /// requested features, <c>distance</c> (smaller is closer; <see cref="DocumentMatch.Distance"/>), <c>text_rank</c>
    /// when a query string was given, then the entity's join keys.
    /// </summary>
    /// <param name="features">Feature references of one view, <c>"view:feature"</c>.</param>
    /// <param name="topK">How many entities to return at most (at least 1).</param>
    /// <param name="query">The query vector; with it, a vector search (the query string is then ignored, as in Feast's SQLite store).</param>
    /// <param name="queryString">The text query, for a text search when <paramref name="query"/> is null.</param>
    /// <param name="distanceMetric">
    /// <c>L2</c>, <c>COSINE</c> or <c>INNER_PRODUCT</c>, used when the vector field declares no
    /// <c>vector_search_metric</c> (which wins, as in Feast); L2 when neither says.
    /// </param>
    /// <param name="filters">Only entities passing this filter are candidates.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <exception cref="FeatureViewNotFoundException">The view does not exist.</exception>
    /// <exception cref="FeastValidationException">The request is malformed: the message names the fault and the fix.</exception>
    public async Task<OnlineFeaturesResponse> RetrieveOnlineDocumentsAsync(IEnumerable<string> features, int topK, IReadOnlyList<float>? query = null,
        string? queryString = null, string? distanceMetric = null, DocumentFilter? filters = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (query is null && string.IsNullOrWhiteSpace(queryString))
            throw new FeastValidationException("Document retrieval needs a query vector (query) or a text query (query_string).");
        var (view, names) = await DocumentViewAsync(features, cancellationToken).ConfigureAwait(false);
        foreach (var name in names)
            if (view.Features.All(f => f.Name != name))
                throw new FeastValidationException(
                    $"Feature view '{view.Name}' has no feature '{name}'. Its features are: {string.Join(", ", view.Features.Select(f => f.Name))}.");

        var vectorField = query is null ? null : VectorFieldOf(view, query);
        var metric = vectorField is null ? VectorMetric.L2 : VectorMetrics.Parse(
            vectorField.VectorSearchMetric is { Length: > 0 } declared ? declared : distanceMetric ?? "L2");
        var request = DocumentRequest(view, topK, query, vectorField, metric, queryString, filters);
        var (matches, read) = await SearchAsync(view, request, names, cancellationToken).ConfigureAwait(false);

        var columns = new List<FeatureColumn>();
        for (var f = 0; f < names.Count; f++)
            columns.Add(FeatureColumnOf(names[f], matches.Count, row => read.Value(row, f), read));
        columns.Add(FeatureColumnOf("distance", matches.Count, row => FeatureValue.FromFloat((float)matches[row].Distance), read));
        if (queryString is not null)
            columns.Add(FeatureColumnOf("text_rank", matches.Count, row => query is null ? FeatureValue.FromFloat((float)matches[row].Distance) : null, read));
        columns.AddRange(JoinKeyColumns(matches));
        return new OnlineFeaturesResponse(columns, matches.Count) { FeatureViewCount = 1 };
    }

    /// <summary>
    /// Feast's older <c>retrieve_online_documents</c>: the <paramref name="topK"/> entities closest to
    /// <paramref name="query"/>, answering only the requested columns among the join keys, the vector field (the stored
    /// vectors) and <c>distance</c>.
    /// </summary>
    /// <param name="query">The query vector.</param>
    /// <param name="topK">How many entities to return at most (at least 1).</param>
    /// <param name="features">References <c>"view:name"</c> of one view, where name is the vector field, <c>distance</c> or a join key.</param>
    /// <param name="distanceMetric">L2 (Feast's default), COSINE or INNER_PRODUCT.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <exception cref="FeatureViewNotFoundException">The view does not exist.</exception>
    /// <exception cref="FeastValidationException">The request is malformed: the message names the fault and the fix.</exception>
    public async Task<OnlineFeaturesResponse> RetrieveOnlineDocumentsV1Async(IReadOnlyList<float> query, int topK, IEnumerable<string> features,
        string? distanceMetric = "L2", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(features);
        var (view, names) = await DocumentViewAsync(features, cancellationToken).ConfigureAwait(false);
        var vectorField = VectorFieldOf(view, query);
        var joinKeys = view.JoinKeys.ToList();
        foreach (var name in names)
            if (name != vectorField.Name && name != "distance" && !joinKeys.Contains(name))
                throw new FeastValidationException(
                    $"retrieve_online_documents (v1) returns only the vector field '{vectorField.Name}', 'distance' and the join keys ({string.Join(", ", joinKeys)}), not '{name}'. Use RetrieveOnlineDocumentsAsync (v2) for other features.");
        var request = DocumentRequest(view, topK, query, vectorField, VectorMetrics.Parse(distanceMetric ?? "L2"), null, null);
        var (matches, read) = await SearchAsync(view, request, [vectorField.Name], cancellationToken).ConfigureAwait(false);

        var keyColumns = JoinKeyColumns(matches).ToDictionary(c => c.Name);
        var columns = new List<FeatureColumn>();
        foreach (var name in names)
        {
            if (keyColumns.TryGetValue(name, out var keyColumn)) columns.Add(keyColumn);
            else if (name == "distance") columns.Add(FeatureColumnOf("distance", matches.Count, row => FeatureValue.FromFloat((float)matches[row].Distance), read));
            else columns.Add(FeatureColumnOf(name, matches.Count, row => read.Value(row, 0), read));
        }
        return new OnlineFeaturesResponse(columns, matches.Count) { FeatureViewCount = 1 };
    }

    /// <summary>The one view the references name, and the feature names in request order.</summary>
    private async Task<(FeatureView View, List<string> Names)> DocumentViewAsync(IEnumerable<string> features, CancellationToken cancellationToken)
    {
        var views = new List<string>();
        var names = new List<string>();
        foreach (var reference in features)
        {
            var colon = reference?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            if (colon <= 0 || colon == reference!.Length - 1)
                throw new FeastValidationException($"Feature reference '{reference}' is not of the form \"view:feature\".");
            var viewName = reference[..colon];
            if (!views.Contains(viewName)) views.Add(viewName);
            names.Add(reference[(colon + 1)..]);
        }
        if (views.Count == 0) throw new FeastValidationException("Document retrieval needs at least one feature reference \"view:feature\".");
        if (views.Count > 1)
            throw new FeastValidationException($"Document retrieval reads one feature view, but the features name {string.Join(", ", views.Select(v => $"'{v}'"))}. Ask for features of one view.");
        var registry = await GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!registry.FeatureViews.TryGetValue(views[0], out var view)) throw new FeatureViewNotFoundException(views[0], Project);
        return (view, names);
    }

    private static Field VectorFieldOf(FeatureView view, IReadOnlyList<float> query)
    {
        var vectorFields = view.Features.Where(f => f.VectorIndex).ToList();
        if (vectorFields.Count == 0)
            throw new FeastValidationException(
                $"Feature view '{view.Name}' has no vector field. Declare one with vector_index=True (Field(..., vectorIndex: true, vectorLength: n)) for a vector search.");
        if (vectorFields.Count > 1)
            throw new FeastValidationException(
                $"Feature view '{view.Name}' has {vectorFields.Count} vector fields ({string.Join(", ", vectorFields.Select(f => f.Name))}); a vector search needs exactly one.");
        var field = vectorFields[0];
        if (query.Count == 0) throw new FeastValidationException("The query vector is empty.");
        if (field.VectorLength > 0 && query.Count != field.VectorLength)
            throw new FeastValidationException(
                $"The query vector has {query.Count} values but '{view.Name}:{field.Name}' has vector_length={field.VectorLength}. Embed the query with the model the documents were embedded with.");
        foreach (var x in query)
            if (!float.IsFinite(x)) throw new FeastValidationException("The query vector holds NaN or infinity; every value must be a finite number.");
        return field;
    }

    private static DocumentQuery DocumentRequest(FeatureView view, int topK, IReadOnlyList<float>? query, Field? vectorField, VectorMetric metric,
        string? queryString, DocumentFilter? filters)
    {
        if (topK < 1) throw new FeastValidationException($"top_k must be at least 1 (got {topK}).");
        return new DocumentQuery(topK)
        {
            Vector = query,
            VectorField = vectorField?.Name,
            Metric = metric,
            Text = query is null ? queryString : null,
            TextFields = [.. view.Features.Where(f => f.Dtype == FeastType.String).Select(f => f.Name)],
            Filter = filters,
        };
    }

    private async Task<(IReadOnlyList<DocumentMatch> Matches, OnlineReadResult Read)> SearchAsync(FeatureView view, DocumentQuery request,
        IReadOnlyList<string> featureNames, CancellationToken cancellationToken)
    {
        var store = RequireOnlineStore();
        if (store is not IDocumentStore documents)
            throw new FeastConfigException(
                $"The online store ({Config.OnlineStore?.Type ?? "none"}) does not support document retrieval. Use online_store type: sqlite with vector_enabled: true (vectors) or text_search_enabled: true (text).");
        var matches = await documents.SearchDocumentsAsync(Project, view, request, cancellationToken).ConfigureAwait(false);
        var read = await store.ReadAsync(Project, view, [.. matches.Select(m => m.EntityKey)], featureNames, cancellationToken).ConfigureAwait(false);
        return (matches, read);
    }

    private static FeatureColumn FeatureColumnOf(string name, int rows, Func<int, FeatureValue?> value, OnlineReadResult read)
    {
        var values = new FeatureValue[rows];
        var statuses = new FeatureStatus[rows];
        var timestamps = new DateTimeOffset[rows];
        for (var row = 0; row < rows; row++)
        {
            var v = read.Found(row) ? value(row) : null;
            values[row] = v ?? FeatureValue.Null;
            statuses[row] = v is null ? FeatureStatus.NotFound : FeatureStatus.Present;
            timestamps[row] = read.EventTimestamp(row) ?? DateTimeOffset.UnixEpoch;
        }
        return new FeatureColumn(name, values, statuses, timestamps);
    }

    private static IEnumerable<FeatureColumn> JoinKeyColumns(IReadOnlyList<DocumentMatch> matches)
    {
        if (matches.Count == 0) return [];
        var keys = matches.Select(m => EntityKeySerializer.Deserialize(m.EntityKey)).ToList();
        return keys[0].JoinKeys.Select((joinKey, k) => new FeatureColumn(joinKey,
            [.. keys.Select(key => key.JoinKeys.Count > k ? key.Values[k] : FeatureValue.Null)],
            [.. keys.Select(_ => FeatureStatus.Present)],
            [.. keys.Select(_ => DateTimeOffset.UnixEpoch)], IsJoinKey: true));
    }
}
