namespace Feast.Configuration;

/// <summary>The <c>materialization:</c> section of <c>feature_store.yaml</c>.</summary>
public sealed record MaterializationConfig
{
    /// <summary>
    /// Pull only the latest value per entity instead of every row in the interval (yaml <c>pull_latest_features</c>).
    /// </summary>
    public bool PullLatestFeatures { get; init; }

    /// <summary>Rows per online-store write during materialization (yaml <c>online_write_batch_size</c>); null writes all at once.</summary>
    public int? OnlineWriteBatchSize { get; init; }
}
