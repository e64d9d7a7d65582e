namespace Feast.Configuration;

/// <summary>
/// The <c>offline_store:</c> section of <c>feature_store.yaml</c>. One derived type per store type, added by backend
/// packages through <see cref="FeastBackends.AddOfflineStore{T}"/>; a type no backend registered when the yaml was
/// read (and Feast's default, <c>dask</c>, when none is registered) is kept as <see cref="UnresolvedOfflineStoreOptions"/>.
/// </summary>
public abstract record OfflineStoreOptions
{
    /// <summary>The short store type (<c>duckdb</c>, <c>postgres</c>).</summary>
    public abstract string Type { get; }

    /// <summary>The table of this section's yaml keys, which binds and prints it.</summary>
    /// <returns>The schema the options were bound with.</returns>
    public abstract OptionsSchema YamlKeys();
}
