namespace Feast.Repo;

/// <summary>
/// The definitions a feature repo declares, grouped by kind, each name unique within its kind: what <c>feast apply</c>
/// registers. The counterpart of Feast's <c>RepoContents</c>.
/// </summary>
/// <param name="Entities">The entities.</param>
/// <param name="DataSources">
/// The data sources: those exposed directly, plus the batch and stream sources of the feature views, the batch sources of
/// push and Kafka sources, and the request sources of on-demand feature views.
/// </param>
/// <param name="FeatureViews">The plain feature views (not stream feature views).</param>
/// <param name="StreamFeatureViews">The stream feature views.</param>
/// <param name="OnDemandFeatureViews">The on-demand feature views, with <see cref="OnDemandFeatureView.Udf"/> filled from their C# transformation.</param>
/// <param name="FeatureServices">The feature services.</param>
/// <param name="Permissions">The permissions.</param>
/// <param name="Projects">The projects.</param>
/// <param name="CompileTime">How long compiling the repo's C# files took.</param>
/// <param name="FileCount">How many C# files were compiled.</param>
public sealed record RepoContents(
    IReadOnlyList<Entity> Entities,
    IReadOnlyList<DataSource> DataSources,
    IReadOnlyList<FeatureView> FeatureViews,
    IReadOnlyList<StreamFeatureView> StreamFeatureViews,
    IReadOnlyList<OnDemandFeatureView> OnDemandFeatureViews,
    IReadOnlyList<FeatureService> FeatureServices,
    IReadOnlyList<Permission> Permissions,
    IReadOnlyList<Project> Projects,
    TimeSpan CompileTime,
    int FileCount)
{
    /// <summary>
    /// Likely mistakes found while loading that did not stop it, one message each: Python definition files
    /// (<c>*.py</c>, a Python Feast repo's), which are not read.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The definitions to apply, without the compile statistics.</summary>
    public Planning.RepoDefinitions ToDefinitions() => new()
    {
        Entities = Entities,
        DataSources = DataSources,
        FeatureViews = FeatureViews,
        StreamFeatureViews = StreamFeatureViews,
        OnDemandFeatureViews = OnDemandFeatureViews,
        FeatureServices = FeatureServices,
        Permissions = Permissions,
        Projects = Projects,
    };
}
