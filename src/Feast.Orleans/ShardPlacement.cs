using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Feast.Orleans;

/// <summary>
/// Places shard grains round-robin over the live workers by the task's slot and attempt (the last two parts of the
/// grain key): the client's first tasks (one per worker, slots 0 to workers - 1) land one on each worker, and a shard
/// retried alone (slot = its index) normally runs on the worker after the one its previous attempt had.
/// </summary>
[GenerateSerializer, Immutable]
public sealed class ShardPlacement : PlacementStrategy
{
    internal static readonly ShardPlacement Instance = new();
}

/// <summary>Marks a grain class as placed by <see cref="ShardPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ShardPlacementAttribute : PlacementAttribute
{
    /// <summary>Creates the attribute.</summary>
    public ShardPlacementAttribute()
        : base(ShardPlacement.Instance)
    {
    }
}

/// <summary>The director of <see cref="ShardPlacement"/>.</summary>
internal sealed class ShardPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target).OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
        if (silos.Length == 0) throw new OrleansException("No worker is alive to run the shard.");
        return Task.FromResult(silos[Slot(target.GrainIdentity.Key.ToString()!) % silos.Length]);
    }

    /// <summary>Slot + attempt from a key <c>run.try/view/slot/attempt</c>; 0 for any other key.</summary>
    internal static int Slot(string key)
    {
        var parts = key.Split('/');
        return parts.Length >= 2 && int.TryParse(parts[^2], out var index) && int.TryParse(parts[^1], out var attempt) && index >= 0 && attempt >= 0
            ? index + attempt
            : 0;
    }
}
