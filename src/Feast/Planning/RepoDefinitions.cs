namespace Feast.Planning;

/// <summary>
/// The complete set of definitions a repo declares for one project: what <c>feast apply</c> makes the registry hold.
/// Built from a compiled repo or by code (<c>FeatureStore.ApplyAsync</c>).
/// </summary>
public sealed record RepoDefinitions
{
    /// <summary>Entities (the dummy entity is added by apply).</summary>
    public IReadOnlyList<Entity> Entities { get; init; } = [];

    /// <summary>Data sources, including those referenced by feature views.</summary>
    public IReadOnlyList<DataSource> DataSources { get; init; } = [];

    /// <summary>Batch feature views.</summary>
    public IReadOnlyList<FeatureView> FeatureViews { get; init; } = [];

    /// <summary>Stream feature views.</summary>
    public IReadOnlyList<StreamFeatureView> StreamFeatureViews { get; init; } = [];

    /// <summary>On-demand feature views.</summary>
    public IReadOnlyList<OnDemandFeatureView> OnDemandFeatureViews { get; init; } = [];

    /// <summary>Feature services.</summary>
    public IReadOnlyList<FeatureService> FeatureServices { get; init; } = [];

    /// <summary>Permissions.</summary>
    public IReadOnlyList<Permission> Permissions { get; init; } = [];

    /// <summary>Project objects (at most the one being applied is used).</summary>
    public IReadOnlyList<Project> Projects { get; init; } = [];

    /// <summary>Builds definitions from a loose list of objects, as a user of the SDK would pass them.</summary>
    public static RepoDefinitions From(IEnumerable<FeastObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var list = objects.ToList();
        var sources = new List<DataSource>(list.OfType<DataSource>());
        foreach (var view in list.OfType<FeatureView>())
        {
            sources.Add(view.BatchSource);
            if (view.StreamSource is not null) sources.Add(view.StreamSource);
        }
        return new RepoDefinitions
        {
            Entities = list.OfType<Entity>().ToList(),
            DataSources = sources.Distinct().ToList(),
            FeatureViews = list.OfType<FeatureView>().Where(v => v is not StreamFeatureView).ToList(),
            StreamFeatureViews = list.OfType<StreamFeatureView>().ToList(),
            OnDemandFeatureViews = list.OfType<OnDemandFeatureView>().ToList(),
            FeatureServices = list.OfType<FeatureService>().ToList(),
            Permissions = list.OfType<Permission>().ToList(),
            Projects = list.OfType<Project>().ToList(),
        };
    }
}
