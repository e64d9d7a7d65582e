namespace Feast.Online;

/// <summary>
/// Online storage of on-demand views with <c>write_to_online_store</c>: their outputs are computed when rows are
/// written and stored like a feature view's (table <c>{project}_{view}</c>, keyed by the view's entities).
/// </summary>
public static class OnDemandStorage
{
    private static readonly FileSource NoSource = new("(computed on write)", "event_timestamp", name: "__on_demand_feature_view_storage");

    /// <summary>A feature view standing for the online storage of <paramref name="view"/> (what <see cref="IOnlineStore"/> methods take).</summary>
    public static FeatureView ViewOf(OnDemandFeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new FeatureView(view.Name, NoSource, schema: view.Features) with
        {
            Entities = view.Entities,
            EntityColumns = view.EntityColumns,
        };
    }
}
