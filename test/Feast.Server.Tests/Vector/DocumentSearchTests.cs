using System.Net;
using System.Text.Json;

namespace Feast.Server.Tests.Vector;

/// <summary>
/// <c>/search</c> and <c>/retrieve-online-documents</c> over real HTTP (Kestrel on loopback) against a SQLite store with
/// vector and text search on: Feast's request JSON in, the get-online-features JSON shape out, 422 for bodies past the limits.
/// </summary>
public sealed class DocumentSearchTests : IAsyncLifetime
{
    private const int Dim = 4;

    private static readonly Entity Doc = new("doc", ["doc_id"], ValueType.Int64);

    private static readonly FeatureView Docs = new("docs", new FileSource("data/docs.parquet", "event_timestamp", name: "docs_source"), [Doc],
        TimeSpan.FromDays(1),
        [
            new Field("embedding", FeastType.Array(FeastType.Float32), vectorIndex: true, vectorLength: Dim),
            new Field("title", FeastType.String),
            new Field("rating", FeastType.Int64),
        ]);

    // Document i (1..6) points along axis (i-1) % 4, scaled by i: by L2 from [1,0,0,0], 1 (0), 2 (√5), 3 (√10), 5 (4), ...
    private static readonly float[][] Vectors = [.. Enumerable.Range(1, 6).Select(i =>
    {
        var v = new float[Dim];
        v[(i - 1) % Dim] = i;
        return v;
    })];

    private static readonly string[] Titles = ["red apple", "green pear", "apple pie", "banana bread", "apple apple", "plum"];

    private string _root = null!;
    private FeatureStore _store = null!;
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _root = Path.Combine(Path.GetTempPath(), "feast-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_root);
        await File.WriteAllTextAsync(Path.Combine(_root, "feature_store.yaml"),
            "project: p\nregistry: data/registry.db\nprovider: local\nonline_store: {type: sqlite, path: data/online.db, vector_enabled: true, text_search_enabled: true}\n");
        _store = FeatureStore.Open(_root);
        await _store.ApplyAsync([Doc, Docs, new FeatureService("doc_search", [Docs.Select("title")])]);
        await _store.WriteToOnlineStoreAsync("docs", FeatureRows.FromColumns(new Dictionary<string, IReadOnlyList<object?>>
        {
            ["doc_id"] = [.. Enumerable.Range(1, 6).Select(i => (object?)(long)i)],
            ["event_timestamp"] = [.. Enumerable.Range(1, 6).Select(_ => (object?)new DateTimeOffset(2025, 11, 25, 0, 0, 0, TimeSpan.Zero))],
            ["embedding"] = [.. Vectors.Select(v => (object?)v)],
            ["title"] = [.. Titles.Select(t => (object?)t)],
            ["rating"] = [.. Enumerable.Range(1, 6).Select(i => (object?)(long)i)],
        }));
        _host = await TestHost.StartAsync(_store, kestrel: true, configure: o =>
        {
            o.MaxTopK = 5;
            o.MaxQueryVectorLength = 16;
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _store.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Left to the OS temp cleaner.
        }
    }

    private static async Task<(string[] Names, Dictionary<string, JsonElement[]> Columns)> AnswerAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        var names = json.RootElement.GetProperty("metadata").GetProperty("feature_names").EnumerateArray().Select(n => n.GetString()!).ToArray();
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToArray();
        return (names, names.Select((n, i) => (n, results[i].GetProperty("values").EnumerateArray().Select(v => v.Clone()).ToArray()))
            .ToDictionary(c => c.n, c => c.Item2));
    }

    [Fact]
    public async Task Search_V2Vector_AnswersFeaturesDistanceAndKeysBestFirst()
    {
        var (names, columns) = await AnswerAsync(await _host.PostAsync("/search",
            """{"features": ["docs:title", "docs:rating"], "top_k": 3, "query": [1, 0, 0, 0], "api_version": 2}"""));

        Assert.Equal(["title", "rating", "distance", "doc_id"], names);
        Assert.Equal([1L, 2L, 3L], columns["doc_id"].Select(v => v.GetInt64()));
        Assert.Equal("red apple", columns["title"][0].GetString());
        Assert.Equal(0.0, columns["distance"][0].GetDouble());
    }

    [Fact]
    public async Task Search_V2TextWithFilter_RanksMatchesByBm25()
    {
        var (names, columns) = await AnswerAsync(await _host.PostAsync("/search",
            """{"features": ["docs:title"], "top_k": 5, "query_string": "apple", "api_version": 2, "filters": {"key": "rating", "type": "gte", "value": 2}}"""));

        Assert.Equal(["title", "distance", "text_rank", "doc_id"], names);
        Assert.Equal([5L, 3L], columns["doc_id"].Select(v => v.GetInt64()));
    }

    [Fact]
    public async Task RetrieveOnlineDocuments_V1ByDefault_AnswersTheVectorAndDistance()
    {
        var (names, columns) = await AnswerAsync(await _host.PostAsync("/retrieve-online-documents",
            """{"features": ["docs:embedding", "docs:distance"], "top_k": 2, "query": [0, 2, 0, 0]}"""));

        Assert.Equal(["embedding", "distance"], names);
        Assert.Equal([0.0, 2.0, 0.0, 0.0], columns["embedding"][0].EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(0.0, columns["distance"][0].GetDouble());
    }

    [Theory]
    [InlineData("""{"features": ["docs:title"], "top_k": 6, "query": [1, 0, 0, 0], "api_version": 2}""", "more than the 5")]
    [InlineData("""{"features": ["docs:title"], "top_k": 2, "query": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1], "api_version": 2}""", "more than the 16")]
    [InlineData("""{"features": ["docs:title"], "query": [1, 0, 0, 0]}""", "'top_k' is required")]
    [InlineData("""{"features": ["docs:title"], "top_k": 2, "query": ["x"]}""", "'query' must be a list of numbers")]
    [InlineData("""{"features": ["docs:title"], "top_k": 2, "query_string": "apple", "api_version": 2, "filters": {"key": "rating", "type": "near", "value": 1}}""", "unknown type 'near'")]
    [InlineData("""{"features": ["docs:title"], "top_k": 2, "query_string": "apple"}""", "api_version 2")]
    public async Task BadBodies_Are422NamingTheField(string body, string expected)
    {
        var response = await _host.PostAsync("/search", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(expected, (await Answers.ErrorAsync(response)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"features": ["docs:title"], "top_k": 2, "query": [1, 0], "api_version": 2}""", "vector_length=4")]
    [InlineData("""{"features": ["docs:title"], "top_k": 0, "query": [1, 0, 0, 0], "api_version": 2}""", "top_k must be at least 1")]
    public async Task WrongRequests_Are400WithTheSdkMessage(string body, string expected)
    {
        var response = await _host.PostAsync("/search", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await Answers.ErrorAsync(response)).Message, StringComparison.Ordinal);
    }

    private static string Id => "vs_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("p:docs"u8))[..24];

    [Fact]
    public async Task VectorStores_ListAndGet_NameTheViewsWithAVectorField()
    {
        using var list = JsonDocument.Parse(await _host.Http.GetStringAsync("/v1/vector_stores"));
        using var one = JsonDocument.Parse(await _host.Http.GetStringAsync($"/v1/vector_stores/{Id}"));
        var missing = await _host.Http.GetAsync("/v1/vector_stores/vs_nope");

        Assert.Equal("list", list.RootElement.GetProperty("object").GetString());
        var store = Assert.Single(list.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal(Id, store.GetProperty("id").GetString());
        Assert.Equal("docs", store.GetProperty("name").GetString());
        Assert.Equal("vector_store", one.RootElement.GetProperty("object").GetString());
        Assert.Equal("completed", one.RootElement.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var error = JsonDocument.Parse(await missing.Content.ReadAsStringAsync());
        Assert.Equal("not_found_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task VectorStoreSearch_IsAKeywordSearch_InOpenAIsPageShape()
    {
        var response = await _host.PostAsync($"/v1/vector_stores/{Id}/search", """{"query": "apple", "max_num_results": 2}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = page.RootElement;
        Assert.Equal("vector_store.search_results.page", root.GetProperty("object").GetString());
        Assert.Equal(["apple"], root.GetProperty("search_query").EnumerateArray().Select(q => q.GetString()));
        var data = root.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(2, data.Length);
        Assert.Equal($"{Id}_5", data[0].GetProperty("file_id").GetString());
        Assert.Equal("apple apple", data[0].GetProperty("attributes").GetProperty("title").GetString());
        Assert.Equal(5, data[0].GetProperty("attributes").GetProperty("rating").GetInt64());
        Assert.Equal("apple apple", data[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.True(data[0].GetProperty("score").GetDouble() >= data[1].GetProperty("score").GetDouble());
        Assert.False(root.GetProperty("has_more").GetBoolean());
    }

    [Theory]
    [InlineData("""{"query": "apple", "rewrite_query": true}""", "rewrite_query")]
    [InlineData("""{"query": 3}""", "'query' must be a string or a list of strings")]
    [InlineData("""{"query": "apple", "max_num_results": 6}""", "more than the 5")]
    [InlineData("""{"query": "\"apple"}""", "not a valid full-text query")]
    public async Task VectorStoreSearch_BadRequests_Are422InvalidRequestErrors(string body, string expected)
    {
        var response = await _host.PostAsync($"/v1/vector_stores/{Id}/search", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains(expected, error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_ByFeatureService_ReadsItsFeatures_AnUnknownServiceIs404()
    {
        var (names, columns) = await AnswerAsync(await _host.PostAsync("/search",
            """{"feature_service": "doc_search", "top_k": 2, "query": [0, 0, 3, 0], "api_version": 2}"""));
        var missing = await _host.PostAsync("/search", """{"feature_service": "nope", "top_k": 2, "query": [0, 0, 3, 0], "api_version": 2}""");

        Assert.Equal(["title", "distance", "doc_id"], names);
        Assert.Equal("apple pie", columns["title"][0].GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task UnknownView_Is404()
    {
        var response = await _host.PostAsync("/search", """{"features": ["nope:title"], "top_k": 2, "query": [1, 0, 0, 0], "api_version": 2}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
