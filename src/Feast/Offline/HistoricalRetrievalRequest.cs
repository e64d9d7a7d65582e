namespace Feast.Offline;

/// <summary>One feature view's part in a retrieval: the view, how it is projected, and which of its features are wanted.</summary>
/// <param name="View">The feature view (batch or stream).</param>
/// <param name="Projection">The projection: alias and join-key map (<c>WithName</c>, <c>WithJoinKeyMap</c>).</param>
/// <param name="Features">The requested features, in request order.</param>
public sealed record FeatureViewRequest(FeatureView View, FeatureViewProjection Projection, IReadOnlyList<Field> Features)
{
    /// <summary>The name that prefixes feature names in output: the alias if given, else the view's name.</summary>
    public string NameToUse => Projection.NameToUse;

    /// <summary>For each of the view's join keys, the entity-data column it is matched against (after the join-key map).</summary>
    public IReadOnlyList<(string JoinKey, string EntityColumn)> JoinColumns =>
        [.. View.EntityColumns.Select(c => (c.Name, Projection.JoinKeyMap.TryGetValue(c.Name, out var mapped) ? mapped : c.Name))];

    /// <summary>The output column of <paramref name="feature"/>: its name, or <c>{view}__{feature}</c> with full names.</summary>
    public string OutputName(Field feature, bool fullFeatureNames)
    {
        ArgumentNullException.ThrowIfNull(feature);
        return fullFeatureNames ? $"{NameToUse}__{feature.Name}" : feature.Name;
    }
}

/// <summary>A resolved historical retrieval: entity rows and, per feature view, what to join.</summary>
/// <param name="Entities">The entity rows (with their event timestamps).</param>
/// <param name="Views">The views to join, in request order; output feature columns follow this order.</param>
/// <param name="FullFeatureNames">Whether feature columns are named <c>{view}__{feature}</c>.</param>
public sealed record HistoricalRetrievalRequest(EntityData Entities, IReadOnlyList<FeatureViewRequest> Views, bool FullFeatureNames);
