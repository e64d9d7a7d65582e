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

    /// <summary>Registers the Orleans batch engine in <paramref name="options"/>' backends; see <see cref="UseOrleans(FeastBackends)"/>.</summary>
    /// <param name="options">The feature store options.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    public static FeatureStoreOptions UseOrleans(this FeatureStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Backends.UseOrleans();
        return options;
    }
}
