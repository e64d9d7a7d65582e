using System.Security.Cryptography;
using Feast.Protos.Registry;
using Google.Protobuf;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer;

/// <summary>
/// Feast's registry lineage (<c>feast.lineage.registry_lineage</c>): which object of a project uses which. Direct
/// relationships are entity → view, data source → view, feature → view, source view → on-demand view, view → feature
/// service; indirect ones are what reaches a feature service through its views, and entity → data source through a view.
/// Object types are Feast's strings (<see cref="Types"/>); the lists come in Feast's order.
/// </summary>
internal static class RegistryLineage
{
    /// <summary>A data source (batch, stream, push or request source).</summary>
    public const string DataSource = "dataSource";

    /// <summary>An entity.</summary>
    public const string Entity = "entity";

    /// <summary>A feature view of any kind but label views (batch, stream, on-demand).</summary>
    public const string FeatureView = "featureView";

    /// <summary>A label view.</summary>
    public const string LabelView = "labelView";

    /// <summary>A feature service.</summary>
    public const string FeatureService = "featureService";

    /// <summary>A feature (a field of a view).</summary>
    public const string Feature = "feature";

    /// <summary>A saved dataset.</summary>
    public const string SavedDataset = "savedDataset";

    /// <summary>Every object type Feast's lineage names.</summary>
    public static readonly IReadOnlyList<string> Types = [DataSource, Entity, FeatureView, LabelView, FeatureService, Feature, SavedDataset];

    /// <summary>The direct and indirect relationships among the objects of <paramref name="project"/>.</summary>
    /// <remarks>
    /// As Feast's registry builds it, the graph covers entities, data sources, views of every kind and feature services;
    /// saved datasets are not part of a project's lineage.
    /// </remarks>
    /// <param name="registry">The registry.</param>
    /// <param name="project">The project.</param>
    /// <param name="visible">
    /// When given, only relationships whose both ends it accepts (see <see cref="LineageVisibility"/>); the indirect ones
    /// are derived from the visible direct ones, so a hidden view hides what reaches a service through it.
    /// </param>
    public static (List<EntityRelation> Direct, List<EntityRelation> Indirect) Generate(P.Registry registry, string project,
        Func<EntityReference, bool>? visible = null)
    {
        var direct = Direct(registry, project);
        if (visible is null) return (direct, Indirect(direct, registry, project));
        direct = direct.Where(r => visible(r.Source) && visible(r.Target)).ToList();
        return (direct, Indirect(direct, registry, project).Where(r => visible(r.Source) && visible(r.Target)).ToList());
    }

    /// <summary>
    /// The relationships with <paramref name="objectType"/> <paramref name="objectName"/> as their source or target
    /// (Feast's <c>get_object_relationships</c>); the indirect ones too when <paramref name="includeIndirect"/>.
    /// </summary>
    public static List<EntityRelation> ObjectRelationships(P.Registry registry, string project, string objectType, string objectName, bool includeIndirect,
        Func<EntityReference, bool>? visible = null)
    {
        RequireType(objectType, "object_type");
        var (direct, indirect) = Generate(registry, project, visible);
        var all = includeIndirect ? direct.Concat(indirect) : direct;
        return all.Where(r => Involves(r, objectType, objectName)).ToList();
    }

    /// <summary>
    /// <paramref name="relations"/> by the objects they involve (<c>type:name</c> of source and target), each list in
    /// the order of <paramref name="relations"/>: what filtering by <see cref="Involves"/> gives, for many objects at once.
    /// </summary>
    public static Dictionary<(string Type, string Name), List<EntityRelation>> ByObject(IEnumerable<EntityRelation> relations)
    {
        var map = new Dictionary<(string, string), List<EntityRelation>>();
        void Add((string, string) key, EntityRelation relation)
        {
            if (!map.TryGetValue(key, out var list)) map[key] = list = [];
            list.Add(relation);
        }
        foreach (var relation in relations)
        {
            var source = (relation.Source.Type, relation.Source.Name);
            var target = (relation.Target.Type, relation.Target.Name);
            Add(source, relation);
            if (target != source) Add(target, relation);
        }
        return map;
    }

    /// <summary>Whether <paramref name="relation"/> has that object as its source or target.</summary>
    public static bool Involves(EntityRelation relation, string type, string name) =>
        (relation.Source.Type == type && relation.Source.Name == name) || (relation.Target.Type == type && relation.Target.Name == name);

    /// <summary>Throws a 4xx error naming the valid types unless <paramref name="type"/> is one of <see cref="Types"/>.</summary>
    public static void RequireType(string type, string field)
    {
        if (!Types.Contains(type))
            throw new RequestBodyException($"Invalid {field} '{type}'. Must be one of: {string.Join(", ", Types)}");
    }

    private static List<EntityRelation> Direct(P.Registry registry, string project)
    {
        var relations = new List<EntityRelation>();
        void Add(string sourceType, string sourceName, string targetType, string targetName) =>
            relations.Add(Relation(sourceType, sourceName, targetType, targetName));

        var labelViewNames = registry.LabelViews.Where(l => l.Spec?.Project == project).Select(l => l.Spec.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var service in registry.FeatureServices.Where(s => s.Spec?.Project == project))
        {
            foreach (var projection in service.Spec.Features)
            {
                var isLabel = projection.ViewType == LabelView || labelViewNames.Contains(projection.FeatureViewName);
                Add(isLabel ? LabelView : FeatureView, projection.FeatureViewName, FeatureService, service.Spec.Name);
            }
        }

        foreach (var view in registry.FeatureViews.Where(v => v.Spec?.Project == project))
        {
            var name = view.Spec.Name;
            foreach (var entity in view.Spec.Entities) Add(Entity, entity, FeatureView, name);
            foreach (var feature in view.Spec.Features) Add(Feature, feature.Name, FeatureView, name);
            Add(DataSource, BatchSourceName(view.Spec.BatchSource), FeatureView, name);
        }

        var onDemand = registry.OnDemandFeatureViews.Where(v => v.Spec?.Project == project).ToList();
        foreach (var view in onDemand)
        {
            foreach (var entity in view.Spec.Entities) Add(Entity, entity, FeatureView, view.Spec.Name);
            foreach (var feature in view.Spec.Features) Add(Feature, feature.Name, FeatureView, view.Spec.Name);
        }
        foreach (var view in onDemand)
        {
            foreach (var (_, source) in view.Spec.Sources)
            {
                if (source.SourceCase == P.OnDemandSource.SourceOneofCase.RequestDataSource)
                {
                    if (source.RequestDataSource.Name.Length > 0) Add(DataSource, source.RequestDataSource.Name, FeatureView, view.Spec.Name);
                }
                else if (source.SourceCase == P.OnDemandSource.SourceOneofCase.FeatureViewProjection && source.FeatureViewProjection.FeatureViewName.Length > 0)
                {
                    Add(FeatureView, source.FeatureViewProjection.FeatureViewName, FeatureView, view.Spec.Name);
                }
            }
        }

        foreach (var view in registry.StreamFeatureViews.Where(v => v.Spec?.Project == project))
        {
            if (view.Spec.StreamSource is { Name.Length: > 0 } stream) Add(DataSource, stream.Name, FeatureView, view.Spec.Name);
            if (view.Spec.BatchSource is { Name.Length: > 0 } batch) Add(DataSource, batch.Name, FeatureView, view.Spec.Name);
        }

        foreach (var view in registry.LabelViews.Where(v => v.Spec?.Project == project))
        {
            foreach (var entity in view.Spec.Entities) Add(Entity, entity, LabelView, view.Spec.Name);
            // A label view's source is a push source; its nested batch source feeds the view too.
            if (view.Spec.Source is { } source)
            {
                if (source.Name.Length > 0) Add(DataSource, source.Name, LabelView, view.Spec.Name);
                if (source.BatchSource is { Name.Length: > 0 } batch) Add(DataSource, batch.Name, LabelView, view.Spec.Name);
            }
        }
        return relations;
    }

    private static List<EntityRelation> Indirect(List<EntityRelation> direct, P.Registry registry, string project)
    {
        var indirect = new List<EntityRelation>();
        // What points at each view, in the direct list's order (an index instead of a scan per projection).
        var intoView = direct.Where(r => r.Target.Type is FeatureView or LabelView)
            .GroupBy(r => r.Target.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var service in registry.FeatureServices.Where(s => s.Spec?.Project == project))
        {
            foreach (var projection in service.Spec.Features)
            {
                if (!intoView.TryGetValue(projection.FeatureViewName, out var sources)) continue;
                foreach (var relation in sources)
                    indirect.Add(Relation(relation.Source.Type, relation.Source.Name, FeatureService, service.Spec.Name));
            }
        }

        var sourcesOfView = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var relation in direct)
        {
            if (relation.Source.Type != DataSource || relation.Target.Type is not (FeatureView or LabelView)) continue;
            if (!sourcesOfView.TryGetValue(relation.Target.Name, out var sources)) sourcesOfView[relation.Target.Name] = sources = [];
            sources.Add(relation.Source.Name);
        }
        foreach (var relation in direct)
        {
            if (relation.Source.Type != Entity || relation.Target.Type is not (FeatureView or LabelView)) continue;
            if (!sourcesOfView.TryGetValue(relation.Target.Name, out var sources)) continue;
            foreach (var source in sources) indirect.Add(Relation(Entity, relation.Source.Name, DataSource, source));
        }
        return indirect;
    }

    /// <summary>A batch view's source by name; a source without one is named by a hash of its content, as Feast does.</summary>
    private static string BatchSourceName(P.DataSource? source)
    {
        if (source is { Name.Length: > 0 }) return source.Name;
        var bytes = source?.ToByteArray() ?? [];
        return "unnamed_source_" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
    }

    private static EntityRelation Relation(string sourceType, string sourceName, string targetType, string targetName) => new()
    {
        Source = new EntityReference { Type = sourceType, Name = sourceName },
        Target = new EntityReference { Type = targetType, Name = targetName },
    };
}
