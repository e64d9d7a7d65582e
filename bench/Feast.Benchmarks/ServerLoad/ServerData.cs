using System.Diagnostics;
using System.Globalization;
using System.Text;
using Feast.DuckDb;
using Feast.Postgres;
using Feast.Redis;

namespace Feast.Benchmarks.ServerLoad;

/// <summary>
/// The feature-server benchmark's repo, in Feast's benchmark shape: 25 feature views × 10 Int64 features over one
/// Int64 entity key, 10k entities, written straight into the online store with <c>WriteToOnlineStoreAsync</c> (no
/// materialization). Every value has 7 digits and every id 6, so each response of a shape has the same size to the
/// byte and the load generator can check every answer's length.
/// </summary>
internal sealed class ServerData
{
    public const int Views = 25;

    public const int FeaturesPerView = 10;

    public const int Entities = 10_000;

    public const string Project = "server_bench";

    public const string JoinKey = "entity_id";

    /// <summary>The first entity id; ids run to <c>FirstId + Entities - 1</c>.</summary>
    public const long FirstId = 100_000;

    /// <summary>Bump when the data or the repo layout changes, so a cached SQLite repo is rebuilt.</summary>
    private const int Version = 1;

    /// <summary>The event time of every row (no TTL on the views, so it never expires).</summary>
    public static readonly DateTimeOffset EventTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public ServerData(string dataDirectory, string onlineStore)
    {
        OnlineStore = onlineStore;
        Directory = Path.Combine(dataDirectory, "server");
        Repo = Path.Combine(Directory, $"repo-{onlineStore}");
        Requests = Path.Combine(Directory, "requests");
        Bodies = Path.Combine(Directory, "bodies");
    }

    public string OnlineStore { get; }

    public string Directory { get; }

    /// <summary>The feature repo (feature_store.yaml, file registry, and for SQLite the online database).</summary>
    public string Repo { get; }

    /// <summary>Request bodies, one JSON line per request, per shape (<c>1x50.jsonl</c>).</summary>
    public string Requests { get; }

    /// <summary>The bare endpoint's fixed answers: feast serve's answer to each shape's first request.</summary>
    public string Bodies { get; }

    public static string ViewName(int view) => string.Create(CultureInfo.InvariantCulture, $"fv_{view}");

    /// <summary>Feature names are unique across views (f_0 … f_249), so responses need no full feature names.</summary>
    public static string FeatureName(int view, int feature) => string.Create(CultureInfo.InvariantCulture, $"f_{(view * FeaturesPerView) + feature}");

    /// <summary>The stored value of a feature for an entity: always 7 digits.</summary>
    public static long ValueOf(long entityId, int view, int feature) =>
        1_000_000 + ((((entityId - FirstId) * 7_919) + (((view * FeaturesPerView) + feature) * 104_729)) % 1_000_000);

    public string RequestFile(LoadShape shape) => Path.Combine(Requests, shape.Id + ".jsonl");

    public string BodyFile(LoadShape shape) => Path.Combine(Bodies, shape.Id + ".json");

    /// <summary>The feature_store.yaml of the repo for the chosen online store; connection details from FEAST_TEST_*.</summary>
    public string Yaml() => $"""
        project: {Project}
        registry: data/registry.db
        provider: local
        {OnlineStoreYaml()}
        offline_store:
          type: duckdb
        entity_key_serialization_version: 3

        """;

    private string OnlineStoreYaml()
    {
        switch (OnlineStore)
        {
            case "sqlite":
                return "online_store:\n  type: sqlite\n  path: data/online.db";
            case "redis":
                return $"online_store:\n  type: redis\n  connection_string: \"{Env("FEAST_TEST_REDIS")}\"";
            case "redis-cluster":
                return $"online_store:\n  type: redis\n  redis_type: redis_cluster\n  connection_string: \"{Env("FEAST_TEST_REDIS_CLUSTER")}\"";
            case "postgres":
                var settings = Env("FEAST_TEST_POSTGRES").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(p => p.Split('=', 2))
                    .Where(p => p.Length == 2)
                    .ToDictionary(p => p[0].Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant(), p => p[1], StringComparer.Ordinal);
                string Get(string fallback, params string[] keys) => keys.Select(k => settings.GetValueOrDefault(k)).FirstOrDefault(v => v is not null) ?? fallback;
                return $"""
                    online_store:
                      type: postgres
                      host: {Get("127.0.0.1", "host", "server")}
                      port: {Get("5432", "port")}
                      database: {Get("postgres", "database", "db")}
                      user: {Get("postgres", "username", "userid", "user")}
                      password: "{Get("", "password")}"
                      sslmode: disable
                    """.Replace("\r", "", StringComparison.Ordinal);
            default:
                throw new ArgumentException($"--online-store {OnlineStore}: use sqlite, redis, redis-cluster or postgres.");
        }
    }

    private static string Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"{name} is not set. Start the test services with `source eng/services.sh && start_test_services`, or set it to a server you started.");

    /// <summary>Opens the repo's store with every online store backend this build has registered.</summary>
    public FeatureStore Open() => FeatureStore.Open(Repo, options: new FeatureStoreOptions().UseDuckDb().UseRedis().UsePostgres());

    /// <summary>
    /// Writes the repo, applies the views and writes every entity's values into the online store, unless a SQLite repo
    /// of this version is already there; writes the request bodies of every shape. Not measured.
    /// </summary>
    public async Task PrepareAsync(TextWriter log)
    {
        WriteRequests();
        var marker = Path.Combine(Repo, "data", $".written-v{Version}");
        var yaml = Yaml();
        if (OnlineStore == "sqlite" && File.Exists(marker) && File.ReadAllText(Path.Combine(Repo, "feature_store.yaml")) == yaml)
        {
            log.WriteLine($"  repo {Repo}: reused ({Views} views × {FeaturesPerView} features, {Entities:N0} entities already written)");
            return;
        }

        var start = Stopwatch.GetTimestamp();
        if (System.IO.Directory.Exists(Repo))
            System.IO.Directory.Delete(Repo, recursive: true);
        System.IO.Directory.CreateDirectory(Path.Combine(Repo, "data"));
        await File.WriteAllTextAsync(Path.Combine(Repo, "feature_store.yaml"), yaml);
        FeatureStore store;
        try
        {
            store = Open();
        }
        catch (Configuration.FeastConfigException e)
        {
            throw new InvalidOperationException(
                $"--online-store {OnlineStore}: {e.Message} This build has no {OnlineStore} online store registered yet; run with --online-store sqlite, or on a branch with the store merged.", e);
        }
        await using (store)
        {
            var entity = new Entity("entity", [JoinKey], ValueType.Int64);
            var objects = new List<FeastObject> { new Project(Project), entity };
            for (var v = 0; v < Views; v++)
            {
                // Never read: the values are written straight to the online store.
                var source = new FileSource(Path.Combine(Directory, $"{ViewName(v)}.parquet"), "event_timestamp", name: $"{ViewName(v)}_source");
                var schema = Enumerable.Range(0, FeaturesPerView).Select(f => new Field(FeatureName(v, f), FeastType.Int64)).Prepend(new Field(JoinKey, FeastType.Int64));
                objects.Add(source);
                objects.Add(new FeatureView(ViewName(v), source, [entity], ttl: null, schema));
            }
            await store.ApplyAsync(objects, new Feast.Planning.ApplyOptions { SkipSourceValidation = true });

            var ids = Enumerable.Range(0, Entities).Select(i => (object?)(FirstId + i)).ToArray();
            var times = Enumerable.Repeat((object?)EventTime, Entities).ToArray();
            for (var v = 0; v < Views; v++)
            {
                var columns = new Dictionary<string, IReadOnlyList<object?>>(StringComparer.Ordinal)
                {
                    [JoinKey] = ids,
                    ["event_timestamp"] = times,
                };
                for (var f = 0; f < FeaturesPerView; f++)
                {
                    var view = v;
                    var feature = f;
                    columns[FeatureName(v, f)] = ids.Select(id => (object?)ValueOf((long)id!, view, feature)).ToArray();
                }
                await store.WriteToOnlineStoreAsync(ViewName(v), FeatureRows.FromColumns(columns));
            }
        }
        await File.WriteAllTextAsync(marker, "");
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  repo {Repo}: {Views} views × {FeaturesPerView} Int64 features for {Entities:N0} entities written to the {OnlineStore} online store in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s"));
    }

    /// <summary>
    /// Each shape's request bodies, Feast's JSON: <c>{"features": ["fv_0:f_0", …], "entities": {"entity_id": [...]}}</c>;
    /// distinct entities per request from a fixed seed (all of them, shuffled, for the every-entity shape).
    /// </summary>
    private void WriteRequests()
    {
        System.IO.Directory.CreateDirectory(Requests);
        foreach (var shape in LoadShape.All)
        {
            var features = string.Join(", ", Enumerable.Range(0, shape.Views)
                .SelectMany(v => Enumerable.Range(0, FeaturesPerView).Select(f => $"\"{ViewName(v)}:{FeatureName(v, f)}\"")));
            var random = new Random(20_261_128 + shape.Entities);
            var text = new StringBuilder();
            var all = Enumerable.Range(0, Entities).Select(i => FirstId + i).ToArray();
            for (var r = 0; r < shape.Pool; r++)
            {
                random.Shuffle(all);
                text.Append("{\"features\": [").Append(features).Append("], \"entities\": {\"").Append(JoinKey).Append("\": [")
                    .AppendJoin(", ", all.Take(shape.Entities).Select(id => id.ToString(CultureInfo.InvariantCulture)))
                    .Append("]}}\n");
            }
            File.WriteAllText(RequestFile(shape), text.ToString());
        }
    }
}
