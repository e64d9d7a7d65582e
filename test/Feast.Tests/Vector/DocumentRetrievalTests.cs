using Feast.Online;
using Microsoft.Data.Sqlite;
using static Feast.Tests.Vector.VectorRepo;

namespace Feast.Tests.Vector;

/// <summary>RetrieveOnlineDocumentsAsync over a real SQLite store: exact top-k against brute force, text search, filters, bad input.</summary>
public class DocumentRetrievalTests
{
    /// <summary>The reference: every document's distance computed here, sorted by distance then entity key bytes.</summary>
    private static long[] BruteForce(float[][] docs, float[] query, string metric, int k, Func<int, bool>? keep = null) =>
    [.. docs.Select((v, i) => (Id: (long)(i + 1), Distance: Reference(metric, query, v)))
        .Where(d => keep?.Invoke((int)d.Id - 1) ?? true)
        .OrderBy(d => d.Distance).ThenBy(d => Key(d.Id), Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)))
        .Take(k).Select(d => d.Id)];

    private static double Reference(string metric, float[] q, float[] v)
    {
        double dot = 0, nq = 0, nv = 0, l2 = 0;
        for (var i = 0; i < q.Length; i++)
        {
            dot += (double)q[i] * v[i];
            nq += (double)q[i] * q[i];
            nv += (double)v[i] * v[i];
            l2 += ((double)q[i] - v[i]) * ((double)q[i] - v[i]);
        }
        return metric switch { "COSINE" => 1 - dot / Math.Sqrt(nq * nv), "INNER_PRODUCT" => -dot, _ => Math.Sqrt(l2) };
    }

    private static long[] Ids(OnlineFeaturesResponse response) => [.. response.ToDictionary()["doc_id"].Cast<long>()];

    [Theory]
    [InlineData("L2")]
    [InlineData("COSINE")]
    [InlineData("INNER_PRODUCT")]
    public async Task VectorSearch_EachMetric_IsTheBruteForceTopK(string metric)
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir, Docs());
        var docs = Random(300, seed: 7);
        await WriteAsync(store, docs);

        foreach (var (query, k) in Random(5, seed: 11).Select((q, i) => (q, new[] { 1, 5, 10, 50, 300 }[i])))
        {
            var response = await store.RetrieveOnlineDocumentsAsync(["docs:title", "docs:embedding"], k, query, distanceMetric: metric);

            Assert.Equal(BruteForce(docs, query, metric, k), Ids(response));
            Assert.Equal(["title", "embedding", "distance", "doc_id"], response.FeatureNames);
            var distances = response.ToDictionary()["distance"].Cast<float>().ToArray();
            Assert.Equal(distances.Order(), distances);
            Assert.Equal((float)Reference(metric, query, docs[Ids(response)[0] - 1]), distances[0], 5);
            Assert.Equal($"doc {Ids(response)[0]}", response.ToDictionary()["title"][0]);
            Assert.Equal(docs[Ids(response)[0] - 1], response.ToDictionary()["embedding"][0]);
        }
    }

    [Fact]
    public async Task VectorSearch_FieldMetric_WinsOverTheRequestedOne()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir, Docs("COSINE"));
        var docs = Random(100, seed: 3);
        await WriteAsync(store, docs);
        var query = Random(1, seed: 4)[0];

        var response = await store.RetrieveOnlineDocumentsAsync(["docs:title"], 10, query, distanceMetric: "L2");

        Assert.Equal(BruteForce(docs, query, "COSINE", 10), Ids(response));
    }

    [Fact]
    public async Task VectorSearch_Ties_AreOrderedByEntityKey()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir, Docs());
        var same = Random(1, seed: 5)[0];
        var docs = Enumerable.Range(0, 40).Select(i => i % 4 == 0 ? same : Random(1, seed: 100 + i)[0]).ToArray();
        await WriteAsync(store, docs);

        var response = await store.RetrieveOnlineDocumentsAsync(["docs:title"], 6, same);

        Assert.Equal(BruteForce(docs, same, "L2", 6), Ids(response));
        // Ten documents tie at distance 0; the six smallest entity keys among them are returned.
        Assert.All(response.ToDictionary()["distance"], d => Assert.Equal(0f, d));
    }

    [Fact]
    public async Task VectorSearch_WithFilters_IsTheBruteForceTopKOfThePassingDocuments()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir, Docs());
        var docs = Random(200, seed: 9);
        await WriteAsync(store, docs);
        var query = Random(1, seed: 10)[0];

        var both = new CompoundFilter("and", [new ComparisonFilter("category", "eq", "a"), new ComparisonFilter("rating", "gte", 3)]);
        var response = await store.RetrieveOnlineDocumentsAsync(["docs:category", "docs:rating"], 10, query, filters: both);
        Assert.Equal(BruteForce(docs, query, "L2", 10, i => i % 2 == 0 && (i + 1) % 5 >= 3), Ids(response));

        var either = new CompoundFilter("or", [new ComparisonFilter("rating", "in", new object[] { 0L, 1L }), new ComparisonFilter("category", "ne", "a")]);
        response = await store.RetrieveOnlineDocumentsAsync(["docs:rating"], 10, query, filters: either);
        Assert.Equal(BruteForce(docs, query, "L2", 10, i => (i + 1) % 5 <= 1 || i % 2 == 1), Ids(response));

        response = await store.RetrieveOnlineDocumentsAsync(["docs:rating"], 10, query, filters: new ComparisonFilter("rating", "nin", new object[] { 0L, 1L, 2L, 3L }));
        Assert.Equal(BruteForce(docs, query, "L2", 10, i => (i + 1) % 5 == 4), Ids(response));
    }

    [Fact]
    public async Task TextSearch_RanksTheMatchingDocumentsByBm25()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir, Docs());
        string[] titles = ["apples and pears", "an apple a day", "bananas", "apple apple apple pie", "cherries", "pear tart"];
        await WriteAsync(store, Random(titles.Length, seed: 1), titles);

        var response = await store.RetrieveOnlineDocumentsAsync(["docs:title"], 10, queryString: "apple");

        var ids = Ids(response);
        Assert.Equal([1L, 2L, 4L], ids.Order());
        Assert.Equal(4L, ids[0]);
        Assert.Equal(["title", "distance", "text_rank", "doc_id"], response.FeatureNames);
        var ranks = response.ToDictionary()["text_rank"].Cast<float>().ToArray();
        Assert.Equal(ranks.Order(), ranks);

        var filtered = await store.RetrieveOnlineDocumentsAsync(["docs:title"], 10, queryString: "apple", filters: new ComparisonFilter("category", "eq", "a"));
        Assert.Equal([1L], Ids(filtered));
    }

    [Fact]
    public async Task VectorOnlyConfig_RefusesTextSearch_AndTextOnlyRefusesVectors()
    {
        using var dir = new TempDir();
        await using (var store = await OpenAsync(dir, Docs(), "vector_enabled: true"))
        {
            var e = await Assert.ThrowsAsync<FeastValidationException>(() => store.RetrieveOnlineDocumentsAsync(["docs:title"], 3, queryString: "x"));
            Assert.Contains("text_search_enabled: true", e.Message, StringComparison.Ordinal);
        }
        using var other = new TempDir();
        await using (var store = await OpenAsync(other, Docs(), "text_search_enabled: true"))
        {
            var e = await Assert.ThrowsAsync<FeastValidationException>(() => store.RetrieveOnlineDocumentsAsync(["docs:title"], 3, new float[Dim]));
            Assert.Contains("vector_enabled: true", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BadRequests_AreClearErrors()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir, Docs());
        await WriteAsync(store, Random(10, seed: 2));
        var query = new float[Dim];

        async Task<string> Fails<T>(Func<Task> call) where T : Exception => (await Assert.ThrowsAsync<T>(call)).Message;

        Assert.Contains("vector_length=8", await Fails<FeastValidationException>(() => store.RetrieveOnlineDocumentsAsync(["docs:title"], 3, new float[3])));
        Assert.Contains("no vector field", await Fails<FeastValidationException>(() => store.RetrieveOnlineDocumentsAsync(["plain:title"], 3, query)));
        Assert.Contains("top_k must be at least 1", await Fails<FeastValidationException>(() => store.RetrieveOnlineDocumentsAsync(["docs:title"], 0, query)));
        Assert.Contains("one feature view", await Fails<FeastValidationException>(() => store.RetrieveOnlineDocumentsAsync(["docs:title", "plain:title"], 3, query)));
        Assert.Contains("query_string", await Fails<FeastValidationException>(() => store.RetrieveOnlineDocumentsAsync(["docs:title"], 3)));
        Assert.Contains("has no feature 'nope'", await Fails<FeastValidationException>(() => store.RetrieveOnlineDocumentsAsync(["docs:nope"], 3, query)));
        Assert.Contains("\"view:feature\"", await Fails<FeastValidationException>(() => store.RetrieveOnlineDocumentsAsync(["title"], 3, query)));
        Assert.Contains("COSINE", await Fails<FeastValidationException>(() => store.RetrieveOnlineDocumentsAsync(["docs:title"], 3, query, distanceMetric: "manhattan")));
        Assert.Contains("not a valid full-text query", await Fails<FeastValidationException>(() => store.RetrieveOnlineDocumentsAsync(["docs:title"], 3, queryString: "\"unbalanced")));
        await Assert.ThrowsAsync<FeatureViewNotFoundException>(() => store.RetrieveOnlineDocumentsAsync(["missing:title"], 3, query));
        Assert.Contains("'in' needs a list", await Fails<FeastValidationException>(() => Task.FromResult(new ComparisonFilter("rating", "in", 3))));
        Assert.Contains("declared with vector_length=8", await Fails<FeastValidationException>(() => WriteAsync(store, [new float[4]])));
    }

    [Fact]
    public async Task V1_AnswersTheRequestedColumnsAmongKeysVectorAndDistance()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir, Docs());
        var docs = Random(50, seed: 12);
        await WriteAsync(store, docs);
        var query = Random(1, seed: 13)[0];

        var response = await store.RetrieveOnlineDocumentsV1Async(query, 5, ["docs:embedding", "docs:distance", "docs:doc_id"]);

        Assert.Equal(["embedding", "distance", "doc_id"], response.FeatureNames);
        Assert.Equal(BruteForce(docs, query, "L2", 5), Ids(response));
        var e = await Assert.ThrowsAsync<FeastValidationException>(() => store.RetrieveOnlineDocumentsV1Async(query, 5, ["docs:title"]));
        Assert.Contains("v2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_FillsVectorValueAsFeast_Float32NativeOrder_AndScalarsAsPlainValues()
    {
        using var dir = new TempDir();
        await using (var store = await OpenAsync(dir, Docs()))
            await WriteAsync(store, [[1, 2, 3, 4, 5, 6, 7, 0.5f]]);

        using var connection = new SqliteConnection($"Data Source={dir.File("data/online.db")};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT feature_name, vector_value FROM p_docs ORDER BY feature_name";
        using var rows = command.ExecuteReader();
        var values = new Dictionary<string, object>();
        while (rows.Read()) values[rows.GetString(0)] = rows.GetValue(1);
        var expected = new float[] { 1, 2, 3, 4, 5, 6, 7, 0.5f }.SelectMany(BitConverter.GetBytes).ToArray();
        Assert.True(BitConverter.IsLittleEndian);
        Assert.Equal(expected, values["embedding"]);
        Assert.Equal("doc 1", values["title"]);
        Assert.Equal(1L, values["rating"]);
    }

    /// <summary>
    /// A store laid out as Python Feast writes it with vector_enabled (sqlite.py's online_write_batch: entity_key, the
    /// Value bytes, value_text, vector_value as struct.pack('{n}f') in native order, event_ts epoch seconds). No Python
    /// runs here: the rows are built by that documented layout, as a Python writer would leave them.
    /// </summary>
    [Fact]
    public async Task PythonLaidOutRows_AreSearched()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir, Docs());
        var docs = Random(20, seed: 21);
        using (var connection = new SqliteConnection($"Data Source={dir.File("data/online.db")};Pooling=false"))
        {
            connection.Open();
            for (var i = 0; i < docs.Length; i++)
            {
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO p_docs (entity_key, feature_name, value, value_text, vector_value, event_ts, created_ts) VALUES ($k, $f, $v, $t, $vec, 1764028800, NULL)";
                insert.Parameters.AddWithValue("$k", Key(i + 1));
                insert.Parameters.AddWithValue("$f", "embedding");
                var value = new Feast.Protos.Types.Value { FloatListVal = new Feast.Protos.Types.FloatList() };
                value.FloatListVal.Val.AddRange(docs[i]);
                insert.Parameters.AddWithValue("$v", Google.Protobuf.MessageExtensions.ToByteArray(value));
                insert.Parameters.AddWithValue("$t", DBNull.Value);
                insert.Parameters.AddWithValue("$vec", docs[i].SelectMany(BitConverter.GetBytes).ToArray());
                insert.ExecuteNonQuery();
            }
        }
        var query = Random(1, seed: 22)[0];

        var response = await store.RetrieveOnlineDocumentsAsync(["docs:embedding"], 4, query);

        Assert.Equal(BruteForce(docs, query, "L2", 4), Ids(response));
    }
}
