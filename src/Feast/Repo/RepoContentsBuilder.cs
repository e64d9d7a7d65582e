namespace Feast.Repo;

/// <summary>
/// Sorts found definitions into a <see cref="RepoContents"/>: one object per name and kind (the same object exposed twice
/// counts once; two different objects with one name are an error), and data sources gathered from the views that use them.
/// </summary>
internal sealed class RepoContentsBuilder
{
    private readonly Kind<Entity> _entities = new();
    private readonly Kind<DataSource> _dataSources = new();
    private readonly Kind<FeatureView> _featureViews = new();
    private readonly Kind<StreamFeatureView> _streamFeatureViews = new();
    private readonly Kind<OnDemandFeatureView> _onDemandFeatureViews = new();
    private readonly Kind<FeatureService> _featureServices = new();
    private readonly Kind<Permission> _permissions = new();
    private readonly Kind<Project> _projects = new();

    /// <summary>Builds the contents from the definitions in the order found.</summary>
    /// <exception cref="DuplicateObjectNameException">Two different objects of one kind share a name.</exception>
    public static RepoContents Build(IEnumerable<FoundDefinition> found, RepoSource source, TimeSpan compileTime, int fileCount,
        CancellationToken cancellationToken)
    {
        var builder = new RepoContentsBuilder();
        var odfvSites = new Dictionary<OnDemandFeatureView, FoundDefinition>(ReferenceEqualityComparer.Instance);
        foreach (var definition in found)
        {
            if (definition.Object is OnDemandFeatureView odfv)
                odfvSites.TryAdd(odfv, definition);
            builder.Add(definition.Object, definition.Site);
        }

        var onDemand = builder._onDemandFeatureViews.Items.Select(view =>
        {
            if (view.Transform is null || view.Udf is not null || !odfvSites.TryGetValue(view, out var site))
                return view;
            var udf = source.Udf(view.Transform, site.Type, site.Member, cancellationToken);
            return udf is null ? view : view with { Udf = udf };
        }).ToList();

        return new RepoContents(
            builder._entities.Items,
            builder._dataSources.Items,
            builder._featureViews.Items,
            builder._streamFeatureViews.Items,
            onDemand,
            builder._featureServices.Items,
            builder._permissions.Items,
            builder._projects.Items,
            compileTime,
            fileCount);
    }

    private void Add(FeastObject definition, DefinitionSite site)
    {
        switch (definition)
        {
            case BaseFeatureView view when !IsUnprojected(view):
                // fv.Select(...) / fv.WithName(...) kept in a static is a reference to fv, not another view.
                break;
            case StreamFeatureView view:
                if (_streamFeatureViews.Add(view, site))
                    AddSourcesOf(view, site);
                break;
            case FeatureView view:
                if (_featureViews.Add(view, site))
                    AddSourcesOf(view, site);
                break;
            case OnDemandFeatureView view:
                if (_onDemandFeatureViews.Add(view, site))
                {
                    foreach (var request in view.RequestSources)
                        AddSource(request, site.Through($"request source of on demand feature view '{view.Name}' in"));
                }
                break;
            case DataSource dataSource:
                AddSource(dataSource, site);
                break;
            case Entity entity:
                _entities.Add(entity, site);
                break;
            case FeatureService service:
                _featureServices.Add(service, site);
                break;
            case Permission permission:
                _permissions.Add(permission, site);
                break;
            case Project project:
                _projects.Add(project, site);
                break;
        }
    }

    private void AddSourcesOf(FeatureView view, DefinitionSite site)
    {
        AddSource(view.BatchSource, site.Through($"batch source of {view.Kind} '{view.Name}' in"));
        if (view.StreamSource is not null)
            AddSource(view.StreamSource, site.Through($"stream source of {view.Kind} '{view.Name}' in"));
    }

    private void AddSource(DataSource dataSource, DefinitionSite site)
    {
        if (!_dataSources.Add(dataSource, site))
            return;
        var batch = dataSource switch
        {
            PushSource push => push.BatchSource,
            KafkaSource kafka => kafka.BatchSource,
            _ => null,
        };
        if (batch is not null)
            AddSource(batch, site.Through($"batch source of {dataSource.SourceTypeName} '{dataSource.Name}' in"));
    }

    /// <summary>Whether the view's projection is its default one: no alias, all its features, no join key map.</summary>
    private static bool IsUnprojected(BaseFeatureView view) =>
        view.Projection.NameAlias.Length == 0
        && view.Projection.JoinKeyMap.Count == 0
        && view.Projection.Features.SequenceEqual(view.Features);

    /// <summary>The objects of one kind, in the order first found, keyed by name.</summary>
    private sealed class Kind<T> where T : FeastObject
    {
        private readonly Dictionary<string, (T Object, DefinitionSite Site)> _byName = new(StringComparer.Ordinal);

        public List<T> Items { get; } = [];

        /// <summary>Adds the object; false when this object (or an equal one) is already there.</summary>
        public bool Add(T definition, DefinitionSite site)
        {
            if (_byName.TryGetValue(definition.Name, out var existing))
            {
                if (ReferenceEquals(existing.Object, definition) || existing.Object.Equals(definition))
                    return false;
                throw new DuplicateObjectNameException(
                    $"Two different {definition.Kind} objects are named '{definition.Name}': {existing.Site} and {site}. " +
                    $"Names must be unique among objects of one kind; rename one, or list its file in {FeastIgnore.FileName}.");
            }
            _byName.Add(definition.Name, (definition, site));
            Items.Add(definition);
            return true;
        }
    }
}
