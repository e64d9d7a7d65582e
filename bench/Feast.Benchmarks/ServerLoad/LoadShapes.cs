namespace Feast.Benchmarks.ServerLoad;

/// <summary>
/// One request shape of Feast's feature-server benchmark: <paramref name="Entities"/> entity rows × the features of
/// the first <paramref name="Views"/> views (10 each), sent open-loop at <paramref name="Rate"/> requests per second.
/// </summary>
/// <param name="Id">The shape's id (<c>1x50</c>), also the bare endpoint's path segment.</param>
/// <param name="Entities">Entity rows per request.</param>
/// <param name="Views">Feature views per request; the request asks for all 10 features of each.</param>
/// <param name="Rate">The fixed rate of the open-loop run (requests per second).</param>
/// <param name="Concurrency">Requests in flight in the closed-loop run.</param>
/// <param name="Pool">Distinct request bodies (entity ids drawn from a fixed seed), sent in turn.</param>
internal sealed record LoadShape(string Id, int Entities, int Views, int Rate, int Concurrency, int Pool)
{
    public int Features => Views * ServerData.FeaturesPerView;

    public string Title => Entities == ServerData.Entities
        ? $"all {Entities:N0} entities × {Features} features ({Views} views × {ServerData.FeaturesPerView})"
        : $"{Entities} {(Entities == 1 ? "entity" : "entities")} × {Features} features ({Views} views × {ServerData.FeaturesPerView})";

    /// <summary>Feast's benchmark shapes: 1×50, 1×250, 100×50, 100×250 and every entity × 50.</summary>
    public static IReadOnlyList<LoadShape> All { get; } =
    [
        new("1x50", 1, 5, Rate: 100, Concurrency: 16, Pool: 1_000),
        new("1x250", 1, 25, Rate: 100, Concurrency: 16, Pool: 1_000),
        new("100x50", 100, 5, Rate: 100, Concurrency: 16, Pool: 200),
        new("100x250", 100, 25, Rate: 30, Concurrency: 16, Pool: 200),
        new("10kx50", ServerData.Entities, 5, Rate: 30, Concurrency: 2, Pool: 4),
    ];
}
