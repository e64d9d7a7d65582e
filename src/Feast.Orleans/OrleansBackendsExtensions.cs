using Feast.Materialization;

namespace Feast.Orleans;

/// <summary>Registers <c>batch_engine: orleans</c>.</summary>
public static class OrleansBackendsExtensions
{
    /// <summary>Registers the Orleans batch engine (<c>batch_engine: {type: orleans, clustering: ...}</c>) in <paramref name="backends"/>.</summary>
    /// <param name="backends">The backends.</param>
    /// <returns><paramref name="backends"/>, for chaining.</returns>
    public static FeastBackends UseOrleans(this FeastBackends backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        return backends.AddBatchEngine<OrleansBatchEngineOptions>(OrleansBatchEngineOptions.TypeName, OrleansSchemas.Engine,
            (options, context) => (IBatchEngine)new OrleansBatchEngine(options, context.LoggerFactory, context.TimeProvider));
    }
}
