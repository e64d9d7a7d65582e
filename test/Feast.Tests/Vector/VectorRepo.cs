using Feast.Values;

namespace Feast.Tests.Vector;

/// <summary>A repo with a document view (an 8-float embedding, a title, a category, a rating) in a SQLite store with vectors and text search on.</summary>
internal static class VectorRepo
{
    public const int Dim = 8;

    public static readonly Entity Doc = new("doc", ["doc_id"], ValueType.Int64);

    public static readonly FileSource Source = new("data/docs.parquet", "event_timestamp", name: "docs_source");

    public static readonly DateTimeOffset Written = new(2025, 11, 25, 0, 0, 0, TimeSpan.Zero);

    public static FeatureView Docs(string metric = "") => new("docs", Source, [Doc], TimeSpan.FromDays(1),
    [
        new Field("embedding", FeastType.Array(FeastType.Float32), vectorIndex: true, vectorLength: Dim, vectorSearchMetric: metric),
        new Field("title", FeastType.String),
        new Field("category", FeastType.String),
        new Field("rating", FeastType.Int64),
    ]);

    public static FeatureView Plain() => new("plain", Source, [Doc], TimeSpan.FromDays(1), [new Field("title", FeastType.String)]);

    public static async Task<FeatureStore> OpenAsync(TempDir dir, FeatureView view, string options = "vector_enabled: true, text_search_enabled: true")
    {
        File.WriteAllText(dir.File("feature_store.yaml"),
            $"project: p\nregistry: data/registry.db\nprovider: local\nonline_store: {{type: sqlite, path: data/online.db, {options}}}\nentity_key_serialization_version: 3\n");
        var store = FeatureStore.Open(dir.Path);
        await store.ApplyAsync([Doc, view, Plain()]);
        return store;
    }

    /// <summary>Writes documents 1..n with the given embeddings, titles "doc {id}" unless given, categories a/b alternating, ratings id % 5.</summary>
    public static Task WriteAsync(FeatureStore store, IReadOnlyList<float[]> vectors, IReadOnlyList<string>? titles = null, string view = "docs") =>
        store.WriteToOnlineStoreAsync(view, FeatureRows.FromColumns(new Dictionary<string, IReadOnlyList<object?>>
        {
            ["doc_id"] = [.. vectors.Select((_, i) => (object?)(long)(i + 1))],
            ["event_timestamp"] = [.. vectors.Select(_ => (object?)Written)],
            ["embedding"] = [.. vectors.Select(v => (object?)v)],
            ["title"] = [.. vectors.Select((_, i) => (object?)(titles?[i] ?? $"doc {i + 1}"))],
            ["category"] = [.. vectors.Select((_, i) => (object?)(i % 2 == 0 ? "a" : "b"))],
            ["rating"] = [.. vectors.Select((_, i) => (object?)(long)((i + 1) % 5))],
        }));

    public static float[][] Random(int count, int seed, int dim = Dim)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, dim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray())];
    }

    public static byte[] Key(long id) => EntityKeySerializer.Serialize("doc_id", FeatureValue.FromInt64(id));
}
