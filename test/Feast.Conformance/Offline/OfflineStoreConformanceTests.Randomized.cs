using System.Text;
using Feast.Offline;
using Xunit.Sdk;

namespace Feast.DuckDb.Tests.Conformance;

// A differential test: random scenarios compared value by value with the reference join.
public abstract partial class OfflineStoreConformanceTests
{
    /// <summary>How many random scenarios run; each has up to 200 entity rows, 3 views and 500 source rows per view.</summary>
    private protected virtual int RandomSeeds => 50;

    [Fact]
    public async Task GetHistoricalFeatures_RandomScenarios_MatchReference()
    {
        var repo = NewRepo();
        var absolute = Path.Combine(repo, "absolute");
        await using var store = CreateStore(repo);
        var failures = new List<(int Seed, string Difference)>();
        var cases = 0;

        for (var seed = 1; seed <= RandomSeeds; seed++)
        {
            var scenario = RandomScenario.Generate(seed, absolute);
            await scenario.WriteSourcesAsync(repo);
            var expected = scenario.Expected();
            cases += scenario.Entities.Count * scenario.Views.Count;

            string? difference;
            try
            {
                var actual = await RunAsync(store, scenario.Request(await EntitiesAsync(scenario, repo)));
                difference = TableAssert.FirstDifference(expected, actual);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                difference = $"{e.GetType().Name}: {e.Message}";
            }
            if (difference is not null) failures.Add((seed, difference));
        }

        if (failures.Count > 0)
        {
            var (seed, difference) = failures[0];
            var report = new StringBuilder()
                .Append(Invariant($"{failures.Count} of {RandomSeeds} random scenarios differ from the reference (seeds {string.Join(", ", failures.Select(f => f.Seed))}).\n"))
                .Append(Invariant($"First: seed {seed} ({Describe(RandomScenario.Generate(seed, absolute))})\n"))
                .Append(difference);
            throw new XunitException(report.ToString());
        }
        Assert.True(cases > 1000, Invariant($"Only {cases} (entity row, view) cases ran; the generator should make thousands."));
    }

    private async Task<EntityData> EntitiesAsync(RandomScenario scenario, string repo)
    {
        switch (scenario.Form)
        {
            case EntityForm.ParquetFile or EntityForm.CsvFile when !ReadsEntityFiles:
                return EntityData.FromArrow(ArrowTables.ToRecordBatch(scenario.Entities));
            case EntityForm.Arrow:
                return EntityData.FromArrow(ArrowTables.ToRecordBatch(scenario.Entities));
            case EntityForm.ParquetFile:
                var path = Path.Combine(repo, Invariant($"entities_{scenario.Seed}.parquet"));
                await ParquetFiles.WriteAsync(scenario.Entities, path);
                return EntityData.FromFile(path);
            case EntityForm.CsvFile:
                var csv = Path.Combine(repo, Invariant($"entities_{scenario.Seed}.csv"));
                CsvFiles.Write(scenario.Entities, csv);
                return EntityData.FromFile(csv);
            default:
                return ArrowTables.ToRows(scenario.Entities);
        }
    }

    private static string Describe(RandomScenario scenario) =>
        Invariant($"{scenario.Entities.Count} entity rows as {scenario.Form}, fullFeatureNames={scenario.FullFeatureNames}; views: ")
        + string.Join("; ", scenario.Views.Select(v => Invariant(
            $"{v.Request.View.Name} keys [{string.Join(", ", v.Request.JoinColumns.Select(k => k.JoinKey == k.EntityColumn ? k.JoinKey : $"{k.JoinKey}->{k.EntityColumn}"))}] ttl {v.Request.View.Ttl} created={v.Request.View.BatchSource.CreatedTimestampColumn.Length > 0} {v.Source.Count} rows")));
}
