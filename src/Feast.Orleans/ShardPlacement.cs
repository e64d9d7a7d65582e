using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Feast.Orleans;

/// <summary>
/// Places shard grains round-robin over the live workers by the shard's index and attempt (the last two parts of the
/// grain key), so N shards spread evenly over the workers and attempt k+1 of a shard runs on the next worker.
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

    /// <summary>Index + attempt from a key <c>run.try/view/index/attempt</c>; 0 for any other key.</summary>
    internal static int Slot(string key)
    {
        var parts = key.Split('/');
        return parts.Length >= 2 && int.TryParse(parts[^2], out var index) && int.TryParse(parts[^1], out var attempt) && index >= 0 && attempt >= 0
            ? index + attempt
            : 0;
    }
}
