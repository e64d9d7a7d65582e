namespace Feast.Offline;

/// <summary>One feature view's part in a retrieval: the view, how it is projected, and which of its features are wanted.</summary>
/// <param name="View">The feature view (batch or stream).</param>
/// <param name="Projection">The projection: alias and join-key map (<c>WithName</c>, <c>WithJoinKeyMap</c>).</param>
/// <param name="Features">The requested features, in request order.</param>
/// <param name="Implicit">
/// Whether these features were not asked for but are inputs of a requested on-demand view: they are always named
/// <c>{view}__{feature}</c>, and the on-demand step removes them from the output.
/// </param>
public sealed record FeatureViewRequest(FeatureView View, FeatureViewProjection Projection, IReadOnlyList<Field> Features, bool Implicit = false)
{
    /// <summary>The name that prefixes feature names in output: the alias if given, else the view's name.</summary>
    public string NameToUse => Projection.NameToUse;

    /// <summary>For each of the view's join keys, the entity-data column it is matched against (after the join-key map).</summary>
    public IReadOnlyList<(string JoinKey, string EntityColumn)> JoinColumns =>
        [.. View.EntityColumns.Select(c => (c.Name, Projection.JoinKeyMap.TryGetValue(c.Name, out var mapped) ? mapped : c.Name))];

    /// <summary>
    /// The columns the point-in-time join matches entity rows on: <see cref="JoinColumns"/>, or none for an entity-less
    /// view, which matches every entity row.
    /// </summary>
    public IReadOnlyList<(string JoinKey, string EntityColumn)> MatchColumns => View.IsEntityless ? [] : JoinColumns;

    /// <summary>The output column of <paramref name="feature"/>: its name, or <c>{view}__{feature}</c> with full names.</summary>
    public string OutputName(Field feature, bool fullFeatureNames)
    {
        ArgumentNullException.ThrowIfNull(feature);
        return fullFeatureNames || Implicit ? $"{NameToUse}__{feature.Name}" : feature.Name;
    }
}

/// <summary>One on-demand view's part in a retrieval: the view, its projection, and which of its outputs are wanted.</summary>
/// <param name="View">The on-demand feature view.</param>
/// <param name="Projection">The projection (alias) it is requested under.</param>
/// <param name="Features">The requested outputs, in request order.</param>
public sealed record OnDemandRequest(OnDemandFeatureView View, FeatureViewProjection Projection, IReadOnlyList<Field> Features)
{
    /// <summary>The output column of <paramref name="feature"/>: its name, or <c>{view}__{feature}</c> with full names.</summary>
    public string OutputName(Field feature, bool fullFeatureNames)
    {
        ArgumentNullException.ThrowIfNull(feature);
        return fullFeatureNames ? $"{Projection.NameToUse}__{feature.Name}" : feature.Name;
    }
}

/// <summary>
/// What a feature list or service resolves to: the stored views to read (including, marked <see cref="FeatureViewRequest.Implicit"/>,
/// the inputs of on-demand views that were not asked for) and the on-demand views to compute.
/// </summary>
/// <param name="Views">The stored views, in request order.</param>
/// <param name="OnDemand">The on-demand views, in request order.</param>
public sealed record ResolvedFeatures(IReadOnlyList<FeatureViewRequest> Views, IReadOnlyList<OnDemandRequest> OnDemand);

/// <summary>A resolved historical retrieval: entity rows and, per feature view, what to join.</summary>
/// <param name="Entities">The entity rows (with their event timestamps).</param>
/// <param name="Views">The views to join, in request order; output feature columns follow this order.</param>
/// <param name="FullFeatureNames">Whether feature columns are named <c>{view}__{feature}</c>.</param>
public sealed record HistoricalRetrievalRequest(EntityData Entities, IReadOnlyList<FeatureViewRequest> Views, bool FullFeatureNames);
