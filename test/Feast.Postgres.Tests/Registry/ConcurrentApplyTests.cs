using Feast.DuckDb;
using Npgsql;

namespace Feast.Postgres.Tests.Registry;

/// <summary>
/// Several <c>feast apply</c> runs at once (separate <see cref="FeatureStore"/> instances, each with different
/// definitions for the same project): the registry must end up holding exactly one run's definitions, never a mix.
/// Run for the PostgreSQL registry and, for comparison, the SQLite SQL registry.
/// </summary>
public sealed class ConcurrentApplyTests : IAsyncLifetime
{
    private const int Writers = 8;
    private const int Rounds = 3;

    private readonly string _project = PgTest.UniqueName("conc");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "feast-pg-tests", Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await PgTest.ExecuteAsync($"DROP SCHEMA IF EXISTS \"{_project}\" CASCADE");
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Run <paramref name="writer"/>'s definitions: its own entity, source and three views, all named after it.</summary>
    private FeastObject[] Definitions(int writer, int round)
    {
        var driver = new Entity($"driver_{writer}", ["driver_id"], ValueType.Int64);
        var source = new FileSource("data/driver_stats.parquet", "event_timestamp", name: $"source_{writer}");
        var views = Enumerable.Range(0, 3).Select(k => (FeastObject)new FeatureView($"stats_{writer}_{k}", source, [driver], TimeSpan.FromDays(1),
            [new Field("conv_rate", FeastType.Float32), new Field($"f_{writer}_{round}", FeastType.Int64)]));
        return [new Project(_project), driver, source, .. views];
    }

    private static IEnumerable<string> Names(FeastObject[] definitions) =>
        definitions.Where(d => d is not Project).Select(d => d switch
        {
            Entity e => "entity:" + e.Name,
            FileSource s => "source:" + s.Name,
            FeatureView v => "view:" + v.Name + ":" + string.Join(",", v.Features.Select(f => f.Name)),
            _ => throw new InvalidOperationException(),
        }).Order(StringComparer.Ordinal);

    private static IEnumerable<string> Names(Feast.Registry.RegistrySnapshot registry) =>
        registry.Entities.Values.Where(e => e.Name != "__dummy").Select(e => "entity:" + e.Name) // Feast adds __dummy for entity-less views
            .Concat(registry.DataSources.Values.Select(s => "source:" + s.Name))
            .Concat(registry.FeatureViews.Values.Select(v => "view:" + v.Name + ":" + string.Join(",", v.Features.Select(f => f.Name))))
            .Order(StringComparer.Ordinal);

    private string WriteRepo(string registryYaml, string onlineYaml)
    {
        File.WriteAllText(Path.Combine(_root, "feature_store.yaml"), $"""
            project: {_project}
            registry:
            {registryYaml}
            provider: local
            {onlineYaml}
            offline_store:
              type: duckdb
            entity_key_serialization_version: 3
            """);
        return _root;
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("sqlite")]
    public async Task ApplyAsync_EightStoresAtOnceWithDifferentDefinitions_RegistryHoldsExactlyOneOfThem(string registry)
    {
        var server = new NpgsqlConnectionStringBuilder(TestServers.ConnectionString);
        var registryYaml = registry == "postgresql"
            ? $"  registry_type: sql\n  path: {PgTest.RegistryUrl(_project, driver: "+psycopg")}\n  cache_ttl_seconds: 0"
            : "  registry_type: sql\n  path: sqlite:///data/registry.db\n  cache_ttl_seconds: 0";
        // With PostgreSQL the online tables of every run are created concurrently too.
        var onlineYaml = registry == "postgresql"
            ? $"online_store:\n  type: postgres\n  host: {server.Host}\n  port: {server.Port}\n  database: {server.Database}\n  db_schema: {_project}\n  user: {server.Username}\n  password: \"{server.Password}\"\n  sslmode: disable"
            : "online_store: null";
        var repo = WriteRepo(registryYaml, onlineYaml);

        for (var round = 0; round < Rounds; round++)
        {
            var stores = Enumerable.Range(0, Writers).Select(_ => FeatureStore.Open(repo, options: new FeatureStoreOptions().UseDuckDb().UsePostgres())).ToList();
            try
            {
                var definitions = Enumerable.Range(0, Writers).Select(w => Definitions(w, round)).ToList();
                using var start = new SemaphoreSlim(0, Writers);
                var applies = stores.Select((store, w) => Task.Run(async () =>
                {
                    await start.WaitAsync();
                    // The views name a file this test never writes: it is about concurrent registry writes.
                    await store.ApplyAsync(definitions[w], new Feast.Planning.ApplyOptions { SkipSourceValidation = true });
                })).ToList();
                start.Release(Writers);
                await Task.WhenAll(applies);

                await using var reader = FeatureStore.Open(repo, options: new FeatureStoreOptions().UseDuckDb().UsePostgres());
                var final = Names(await reader.GetRegistryAsync(allowCache: false)).ToList();
                var matches = definitions.Where(d => Names(d).SequenceEqual(final)).ToList();
                Assert.True(matches.Count == 1, $"Round {round}: the registry holds a mix of runs: {string.Join(", ", final)}");
            }
            finally
            {
                foreach (var store in stores) await store.DisposeAsync();
            }
        }
    }
}
