namespace Feast.Online;

/// <summary>
/// An optional capability of an <see cref="IOnlineStore"/>: finding the entities of one view whose stored vector is
/// closest to a query vector, or whose text matches a query string (Feast's <c>retrieve_online_documents</c>). A store
/// implements it beside <see cref="IOnlineStore"/>; <see cref="FeatureStore.RetrieveOnlineDocumentsAsync(IEnumerable{string}, int, IReadOnlyList{float}, string, string, DocumentFilter, CancellationToken)"/> reads the
/// requested features of the matches through <see cref="IOnlineStore.ReadAsync"/>.
/// </summary>
public interface IDocumentStore
{
    /// <summary>
    /// The best <see cref="DocumentQuery.TopK"/> entities of <paramref name="view"/> for <paramref name="query"/>, best
    /// first. Ties are broken by the serialized entity key (bytewise ascending), so the answer is deterministic.
    /// </summary>
    /// <exception cref="FeastValidationException">The store is not set up for the kind of search asked, or the query does not fit the stored data.</exception>
    Task<IReadOnlyList<DocumentMatch>> SearchDocumentsAsync(string project, FeatureView view, DocumentQuery query,
        CancellationToken cancellationToken = default);
}

/// <summary>A document search: a vector query (nearest by <see cref="Metric"/>) or a text query (full-text rank).</summary>
/// <param name="TopK">How many entities to return at most (at least 1).</param>
public sealed record DocumentQuery(int TopK)
{
    /// <summary>The query vector, searched against <see cref="VectorField"/>; null for a text search.</summary>
    public IReadOnlyList<float>? Vector { get; init; }

    /// <summary>The feature holding the vectors (the view's field with <see cref="Field.VectorIndex"/>).</summary>
    public string? VectorField { get; init; }

    /// <summary>How vector distance is measured.</summary>
    public VectorMetric Metric { get; init; } = VectorMetric.L2;

    /// <summary>The text query, matched against the view's string features when <see cref="Vector"/> is null.</summary>
    public string? Text { get; init; }

    /// <summary>The string features a text query searches.</summary>
    public IReadOnlyList<string> TextFields { get; init; } = [];

    /// <summary>Only entities whose features pass this filter are candidates; null for all.</summary>
    public DocumentFilter? Filter { get; init; }
}

/// <summary>One entity a document search found.</summary>
/// <param name="EntityKey">The serialized entity key.</param>
/// <param name="Distance">
/// The distance to the query: smaller is closer. L2: Euclidean distance; cosine: 1 - cosine similarity; inner product:
/// the negated dot product (as pgvector's <c>&lt;#&gt;</c>); text: SQLite FTS5's bm25 rank (negative, smaller is better).
/// </param>
public sealed record DocumentMatch(byte[] EntityKey, double Distance);

/// <summary>A vector distance metric, as Feast names them in <c>vector_search_metric</c> and <c>distance_metric</c>.</summary>
public enum VectorMetric
{
    /// <summary>Euclidean distance (<c>L2</c>).</summary>
    L2,

    /// <summary>1 - cosine similarity (<c>COSINE</c>).</summary>
    Cosine,

    /// <summary>The negated dot product (<c>INNER_PRODUCT</c>; also <c>IP</c>, <c>DOT_PRODUCT</c>).</summary>
    InnerProduct,
}

/// <summary>Parses Feast's metric names.</summary>
public static class VectorMetrics
{
    /// <summary>
    /// The metric named <paramref name="name"/> (case-insensitive): <c>L2</c>/<c>euclidean</c>, <c>COSINE</c>,
    /// <c>INNER_PRODUCT</c>/<c>IP</c>/<c>dot_product</c>.
    /// </summary>
    /// <exception cref="FeastValidationException">The name is none of these; the message lists them.</exception>
    public static VectorMetric Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToUpperInvariant() switch
        {
            "L2" or "EUCLIDEAN" => VectorMetric.L2,
            "COSINE" => VectorMetric.Cosine,
            "INNER_PRODUCT" or "IP" or "DOT_PRODUCT" or "DOT" => VectorMetric.InnerProduct,
            _ => throw new FeastValidationException(
                $"Unknown vector distance metric '{name}'. Use L2, COSINE or INNER_PRODUCT."),
        };
    }

    /// <summary>The name Feast uses for <paramref name="metric"/>.</summary>
    public static string Name(VectorMetric metric) => metric switch
    {
        VectorMetric.Cosine => "COSINE",
        VectorMetric.InnerProduct => "INNER_PRODUCT",
        _ => "L2",
    };
}
