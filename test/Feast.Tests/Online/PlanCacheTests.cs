namespace Feast.Tests.Online;

/// <summary>
/// The online plan cache is bounded by memory, not only by count: a client sending ever-new (valid) feature lists
/// cannot grow it past its budget. Its key keeps the request's order, because the response's columns follow it.
/// </summary>
public class PlanCacheTests
{
    private static FeatureStore Open(TempDir dir) => TestData.OpenPythonWrittenRepo(dir);

    private static readonly Dictionary<string, object?>[] Rows = [new() { ["driver_id"] = 1001L }];

    private static IEnumerable<string[]> Permutations(string[] items) => items.Length <= 1
        ? [items]
        : items.SelectMany((item, i) => Permutations([.. items[..i], .. items[(i + 1)..]]).Select(rest => (string[])[item, .. rest]));

    [Fact]
    public async Task ManyDistinctFeatureLists_CacheStaysWithinItsByteBudget_AndAnswersStayRight()
    {
        using var dir = new TempDir();
        await using var store = Open(dir);
        await store.GetOnlineFeaturesAsync(["driver_hourly_stats:conv_rate"], Rows);
        var retriever = store.OnlineRetrieverForTests!;
        retriever.PlanCacheBudgetBytes = 12_000;
        string[] features = ["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate", "driver_hourly_stats:avg_daily_trips"];
        var lists = Enumerable.Range(1, 7).SelectMany(mask => Permutations([.. features.Where((_, i) => (mask & (1 << i)) != 0)])).ToList();
        var largest = 0L;

        foreach (var fullNames in new[] { false, true })
        {
            foreach (var list in lists)
            {
                var response = await store.GetOnlineFeaturesAsync(list, Rows, fullFeatureNames: fullNames);
                largest = Math.Max(largest, retriever.CachedPlanBytes);
                Assert.Equal(list.Select(f => fullNames ? f.Replace(":", "__", StringComparison.Ordinal) : f.Split(':')[1]),
                    response.Columns.Where(c => !c.IsJoinKey).Select(c => c.Name));
            }
        }

        Assert.Equal(15, lists.Count);
        Assert.InRange(largest, 1, 12_000);
    }

    [Fact]
    public async Task SameFeaturesInAnotherOrder_AnswerInThatOrder()
    {
        using var dir = new TempDir();
        await using var store = Open(dir);

        var first = await store.GetOnlineFeaturesAsync(["driver_hourly_stats:acc_rate", "driver_hourly_stats:conv_rate"], Rows);
        var second = await store.GetOnlineFeaturesAsync(["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate"], Rows);

        Assert.Equal(["driver_id", "acc_rate", "conv_rate"], first.Columns.Select(c => c.Name));
        Assert.Equal(["driver_id", "conv_rate", "acc_rate"], second.Columns.Select(c => c.Name));
    }
}
