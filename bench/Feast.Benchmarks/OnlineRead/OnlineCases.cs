using Feast.Benchmarks.Harness;

namespace Feast.Benchmarks.OnlineRead;

/// <summary>
/// The online-read cases: <c>GetOnlineFeaturesAsync</c> next to the raw SQLite reads the same request needs, for
/// 1 entity × 50 features and 100 entities × 50 features, sequential and with two concurrent callers.
/// </summary>
internal static class OnlineCases
{
    public static IReadOnlyList<OnlineGroup> Groups { get; } =
    [
        Group("1x50", "1 entity × 50 features (5 views × 10), sequential", d => d.OneEntity, callers: 1, withRowApi: true),
        Group("100x50", "100 entities × 50 features (5 views × 10), sequential", d => d.HundredEntities, callers: 1, withRowApi: true),
        Group("1x50-c2", "1 entity × 50 features, 2 concurrent callers", d => d.OneEntity, callers: 2, withRowApi: false),
        Group("100x50-c2", "100 entities × 50 features, 2 concurrent callers", d => d.HundredEntities, callers: 2, withRowApi: false),
    ];

    public static IEnumerable<BenchCase> Cases => Groups.SelectMany(g => g.Cases);

    private static OnlineGroup Group(string id, string title, Func<OnlineData, Shape> shape, int callers, bool withRowApi)
    {
        var raw = $"o.raw-{id}";
        var cases = new List<BenchCase>
        {
            new(raw, "raw SQLite: one prepared SELECT … IN (…) per view, values parsed into Value objects", CaseRole.Baseline, null,
                c => OnlineRuns.RawAsync(c, shape, callers)),
            new($"o.feast-{id}", "Feast.NET: GetOnlineFeaturesAsync(OnlineFeaturesRequest), column-major", CaseRole.Feast, raw,
                c => OnlineRuns.FeastAsync(c, shape, callers, rowApi: false)),
        };
        if (withRowApi)
        {
            cases.Add(new($"o.store-{id}", "diagnostic: SqliteOnlineStore.ReadAsync per view only (keys serialized once per request)", CaseRole.Diagnostic, raw,
                c => OnlineRuns.StoreReadAsync(c, shape)));
            cases.Add(new($"o.feast-{id}-rows", "diagnostic: GetOnlineFeaturesAsync(features, entity-row dictionaries)", CaseRole.Diagnostic, raw,
                c => OnlineRuns.FeastAsync(c, shape, callers, rowApi: true)));
        }
        return new OnlineGroup(id, title, callers, cases);
    }
}

/// <summary>Cases compared with each other: one request shape and caller count.</summary>
internal sealed record OnlineGroup(string Id, string Title, int Callers, IReadOnlyList<BenchCase> Cases);
