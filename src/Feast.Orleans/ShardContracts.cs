namespace Feast.Orleans;

/// <summary>
/// One shard of one (view, window) as the client hands it to the cluster: the worker copies the latest row per entity
/// of the view whose key hash falls in shard <see cref="Index"/> of <see cref="Count"/>, straight into the online store.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ShardTask
{
    /// <summary>The project; a worker serves the project of its own repo only.</summary>
    [Id(0)] public required string Project { get; init; }

    /// <summary>The feature view.</summary>
    [Id(1)] public required string View { get; init; }

    /// <summary>Inclusive start of the window.</summary>
    [Id(2)] public required DateTimeOffset Start { get; init; }

    /// <summary>Inclusive end of the window.</summary>
    [Id(3)] public required DateTimeOffset End { get; init; }

    /// <summary>When set, the event timestamp every row is stored with (disable_event_timestamp).</summary>
    [Id(4)] public DateTimeOffset? StampWith { get; init; }

    /// <summary>The shard, 0 to <see cref="Count"/> - 1.</summary>
    [Id(5)] public required int Index { get; init; }

    /// <summary>How many shards the view's keys are split into.</summary>
    [Id(6)] public required int Count { get; init; }

    /// <summary>Which try of this shard this is, from 1.</summary>
    [Id(7)] public required int Attempt { get; init; }

    /// <summary>The shard as people read it: <c>driver_stats shard 2/8</c>.</summary>
    public override string ToString() => $"{View} shard {Index + 1}/{Count}";
}

/// <summary>What a worker did with a <see cref="ShardTask"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardResult
{
    /// <summary>The worker that ran it (its <c>feast worker</c> name).</summary>
    [Id(0)] public required string Worker { get; init; }

    /// <summary>Entity rows written to the online store.</summary>
    [Id(1)] public long Rows { get; init; }

    /// <summary>Seconds the shard took on the worker.</summary>
    [Id(2)] public double Seconds { get; init; }

    /// <summary>Why the shard failed (one line), or null when it succeeded.</summary>
    [Id(3)] public string? Error { get; init; }
}

/// <summary>
/// A shard's run on a worker. One activation per (run, view, shard, attempt) key, placed by
/// <see cref="ShardPlacementAttribute"/> so shards spread evenly over the live workers and a retry lands on another one.
/// </summary>
public interface IShardGrain : IGrainWithStringKey
{
    /// <summary>Runs <paramref name="task"/>; failures come back in <see cref="ShardResult.Error"/>.</summary>
    /// <param name="task">The shard.</param>
    /// <param name="cancellationToken">Cancelled when the client cancels the run.</param>
    /// <returns>What the worker did.</returns>
    Task<ShardResult> RunAsync(ShardTask task, CancellationToken cancellationToken);
}
