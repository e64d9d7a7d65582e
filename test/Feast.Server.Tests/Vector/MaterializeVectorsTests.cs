using DuckDB.NET.Data;
using Feast.Configuration;
using Feast.DuckDb;

namespace Feast.Server.Tests.Vector;

/// <summary>Materialization from a Parquet source with a FLOAT[] embedding column fills the vectors a search reads (DuckDB offline store, SQLite online store).</summary>
public sealed class MaterializeVectorsTests
{
    [Fact]
    public async Task Materialize_FillsVectorValue_AndTheSearchFindsTheNearest()
    {
        var root = Path.Combine(Path.GetTempPath(), "feast-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "data"));
        try
        {
            using (var connection = new DuckDBConnection("DataSource=:memory:"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = $"""
                    SET TimeZone = 'UTC';
                    COPY (SELECT * FROM (VALUES
                      (1::BIGINT, TIMESTAMPTZ '2025-11-24 10:00:00+00', [1, 0, 0]::FLOAT[], 'north'),
                      (2::BIGINT, TIMESTAMPTZ '2025-11-24 10:00:00+00', [0, 1, 0]::FLOAT[], 'east'),
                      (3::BIGINT, TIMESTAMPTZ '2025-11-24 10:00:00+00', [0, 0, 1]::FLOAT[], 'up')
                    ) t(doc_id, event_timestamp, embedding, title)) TO '{Path.Combine(root, "data", "docs.parquet")}' (FORMAT parquet)
                    """;
                command.ExecuteNonQuery();
            }
            await File.WriteAllTextAsync(Path.Combine(root, "feature_store.yaml"),
                "project: p\nregistry: data/registry.db\nprovider: local\nonline_store: {type: sqlite, path: data/online.db, vector_enabled: true}\noffline_store: {type: duckdb}\n");
            await using var store = new FeatureStore(RepoConfigLoader.Load(root), new FeatureStoreOptions().UseDuckDb());
            var doc = new Entity("doc", ["doc_id"], ValueType.Int64);
            var docs = new FeatureView("docs", new FileSource("data/docs.parquet", "event_timestamp", name: "docs_source"), [doc], TimeSpan.FromDays(365),
                [new Field("embedding", FeastType.Array(FeastType.Float32), vectorIndex: true, vectorLength: 3, vectorSearchMetric: "COSINE"), new Field("title", FeastType.String)]);
            await store.ApplyAsync([doc, docs]);

            await store.MaterializeAsync(new DateTimeOffset(2025, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 12, 1, 0, 0, 0, TimeSpan.Zero));
            var response = await store.RetrieveOnlineDocumentsAsync(["docs:title"], 2, [0.1f, 0.9f, 0.2f]);

            Assert.Equal(["east", "up"], response.ToDictionary()["title"]);
            Assert.Equal([2L, 3L], response.ToDictionary()["doc_id"]);
        }
        finally
        {
            TestFiles.DeleteDirectory(root);
        }
    }
}
