using System.Text.Json.Nodes;
using Feast.Online;
using Feast.Serialization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using P = Feast.Protos.Core;

namespace Feast.Tests.Online;

/// <summary>
/// One <see cref="FeatureStore"/> serves many requests at once, as the feature server does: requests racing on first
/// use (the retriever and its plan cache are created lazily) and registry refreshes racing reads must not change any
/// answer. The races are started together by one gate; nothing waits on a clock.
/// </summary>
public class ConcurrentReadTests
{
    private const int Readers = 48;
    private const int ReadsPerReader = 12;
    private const int RegistryVersions = 16;

    private static readonly string[][] FeatureLists =
    [
        ["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"],
        ["driver_hourly_stats:acc_rate"],
        ["driver_hourly_stats:avg_daily_trips", "driver_hourly_stats:acc_rate", "driver_hourly_stats:conv_rate"],
        ["driver_hourly_stats:driver_config", "driver_hourly_stats:conv_rate"],
    ];

    private static OnlineFeaturesRequest Request(int list, bool fullNames) =>
        new(new Dictionary<string, IReadOnlyList<object?>> { ["driver_id"] = [1001L, 1002L, 9999L, 1001L] })
        {
            Features = FeatureLists[list],
            FullFeatureNames = fullNames,
        };

    /// <summary>Every (list, full names) request's answer as JSON, read one at a time from a store of its own.</summary>
    private static async Task<Dictionary<(int, bool), string>> ExpectedAnswersAsync(string repo)
    {
        await using var store = FeatureStore.Open(repo);
        var expected = new Dictionary<(int, bool), string>();
        for (var list = 0; list < FeatureLists.Length; list++)
        {
            foreach (var fullNames in new[] { false, true })
                expected[(list, fullNames)] = OnlineResponseJson.ToJson(await store.GetOnlineFeaturesAsync(Request(list, fullNames)));
        }
        return expected;
    }

    /// <summary>
    /// Writes the registry file again as another process's apply would (same objects, a new version id and a later
    /// write time), replacing it in one rename so a reader never sees half a file.
    /// </summary>
    private static void WriteNewRegistryVersion(string path, int generation)
    {
        var registry = P.Registry.Parser.ParseFrom(File.ReadAllBytes(path));
        registry.VersionId = Guid.NewGuid().ToString();
        registry.LastUpdated = Timestamp.FromDateTimeOffset(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(generation));
        var temp = $"{path}.{generation}.tmp";
        File.WriteAllBytes(temp, registry.ToByteArray());
        File.Move(temp, path, overwrite: true);
    }

    [Fact]
    public async Task GetOnlineFeatures_ManyFirstReadsAndRefreshesAtOnce_EveryAnswerIsRight()
    {
        using var dir = new TempDir();
        await TestData.OpenPythonWrittenRepo(dir).DisposeAsync();
        var expected = await ExpectedAnswersAsync(dir.Path);
        // The serial answers are the Python-written values (test/testdata/feast_online_sqlite/get_online_features.json).
        var convRate = JsonNode.Parse(expected[(0, false)])!["results"]![1]!["values"]!.ToJsonString();
        Assert.Equal("[0.5,0.125,null,0.5]", convRate);

        var generation = 0;
        for (var round = 0; round < 4; round++)
        {
            await using var store = FeatureStore.Open(dir.Path);
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var wrong = new System.Collections.Concurrent.ConcurrentQueue<string>();

            var readers = Enumerable.Range(0, Readers).Select(reader => Task.Run(async () =>
            {
                await gate.Task;
                for (var i = 0; i < ReadsPerReader; i++)
                {
                    var key = ((reader + i) % FeatureLists.Length, (reader + i) % 3 == 0);
                    var json = OnlineResponseJson.ToJson(await store.GetOnlineFeaturesAsync(Request(key.Item1, key.Item2)));
                    if (json != expected[key]) wrong.Enqueue($"{string.Join(',', FeatureLists[key.Item1])} full={key.Item2}: {json}");
                }
            }));
            // A writer makes new registry versions while a refresher swaps them in (as the server's refresh loop does);
            // each new snapshot starts a new plan cache under the readers.
            var firstVersion = generation;
            var refresher = Task.Run(async () =>
            {
                await gate.Task;
                for (var v = 0; v < RegistryVersions; v++)
                {
                    WriteNewRegistryVersion(dir.File("registry.db"), Interlocked.Increment(ref generation));
                    await store.RefreshRegistryAsync();
                }
            });

            gate.SetResult();
            await Task.WhenAll([.. readers, refresher]);

            Assert.Empty(wrong);
            var latest = await store.GetRegistryAsync();
            Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(firstVersion + RegistryVersions), latest.LastUpdated);
            await store.GetOnlineFeaturesAsync(Request(0, false));
            Assert.Same(latest, store.OnlineRetrieverForTests!.CachedPlansRegistry);
        }
    }

    [Fact]
    public async Task GetOnlineFeatures_RequestHoldingTheSnapshotARefreshReplaced_AnswersWithoutDiscardingTheNewerPlans()
    {
        using var dir = new TempDir();
        await using var store = TestData.OpenPythonWrittenRepo(dir);
        var expected = await ExpectedAnswersAsync(dir.Path);
        var older = await store.GetRegistryAsync();
        await store.GetOnlineFeaturesAsync(Request(0, false));
        WriteNewRegistryVersion(dir.File("registry.db"), 1);
        var newer = await store.RefreshRegistryAsync();
        await store.GetOnlineFeaturesAsync(Request(0, false));
        var retriever = store.OnlineRetrieverForTests!;
        Assert.Same(newer, retriever.CachedPlansRegistry);

        // A request that read the registry before the refresh finishes after it.
        var late = await retriever.GetAsync(older, Request(1, true), CancellationToken.None);

        Assert.Equal(expected[(1, true)], OnlineResponseJson.ToJson(late));
        Assert.Same(newer, retriever.CachedPlansRegistry);
    }
}
