using System.Collections.Immutable;
using Feast.Offline;

namespace Feast.Orleans;

/// <summary>
/// One task of one (view, window) as the client hands it to the cluster: the worker copies the latest row per entity
/// of the view whose key hash falls in one of the shards <see cref="Indices"/> of <see cref="Count"/>, straight into the
/// online store, with one pull (one scan of the source) for all of them.
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

    /// <summary>The shards, ascending, each 0 to <see cref="Count"/> - 1: all those the client placed on one worker, or one on a retry.</summary>
    [Id(5)] public required ImmutableArray<int> Indices { get; init; }

    /// <summary>How many shards the view's keys are split into.</summary>
    [Id(6)] public required int Count { get; init; }

    /// <summary>Which try of this shard this is, from 1.</summary>
    [Id(7)] public required int Attempt { get; init; }

    /// <summary>The shards as the pull selects them.</summary>
    public PullShard Shard => new(Indices, Count);

    /// <summary>The task as people read it: <c>driver_stats shard 2/8</c>, <c>driver_stats shards 1,4,7/8</c>.</summary>
    public override string ToString() => $"{View} {(Indices.Length == 1 ? "shard" : "shards")} {Shard}";
}

/// <summary>Where a <see cref="ShardTask"/> stands on its worker.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardStatus
{
    /// <summary>The worker running it (its <c>feast worker</c> name).</summary>
    [Id(0)] public required string Worker { get; init; }

    /// <summary>
    /// False when this activation never started the shard: the worker that had it died and the grain was activated
    /// anew elsewhere, so the attempt is lost.
    /// </summary>
    [Id(1)] public bool Known { get; init; }

    /// <summary>Entity rows written to the online store so far.</summary>
    [Id(2)] public long Rows { get; init; }

    /// <summary>Whether the shard has finished (successfully when <see cref="Error"/> is null).</summary>
    [Id(3)] public bool Done { get; init; }

    /// <summary>Why the shard failed (one line), or null.</summary>
    [Id(4)] public string? Error { get; init; }

    /// <summary>Seconds the shard has run on the worker.</summary>
    [Id(5)] public double Seconds { get; init; }
}

/// <summary>
/// A shard's run on a worker. One activation per (run, view, shard, attempt) key, placed by
/// <see cref="ShardPlacementAttribute"/> so shards spread evenly over the live workers and a retry lands on another one.
/// The client starts the shard, then polls it: a poll that fails or finds a fresh activation means the worker died.
/// </summary>
public interface IShardGrain : IGrainWithStringKey
{
    /// <summary>Starts <paramref name="task"/> in the background (once; a second call changes nothing).</summary>
    /// <param name="task">The shard.</param>
    /// <returns>The worker's name.</returns>
    Task<string> StartAsync(ShardTask task);

    /// <summary>Where the shard stands.</summary>
    /// <returns>The status.</returns>
    Task<ShardStatus> PollAsync();

    /// <summary>Cancels the shard (the client's run was cancelled or failed).</summary>
    /// <returns>A task that completes when the cancellation is requested.</returns>
    Task CancelAsync();
}
