using System.Globalization;
using System.Text.Json.Nodes;
using Feast.Protos.Registry;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer.Rest;

/// <summary>The object kinds of the REST API, and the feature views' lists (views of three kinds, with Feast's filters).</summary>
internal sealed partial class RegistryRestApi
{
    private Kind? _entities, _dataSources, _featureServices, _savedDatasets, _permissions, _labelViews, _featureViews;

    /// <summary><c>/entities</c>; a detail adds <c>dataSources</c>: the sources of the entity's views.</summary>
    public Kind Entities => _entities ??= new Kind("entities", RegistryLineage.Entity, TakesTags: false,
        (r, p) => r.Entities.Where(e => e.Spec?.Project == p), m => ((P.Entity)m).Spec.Name, m => ((P.Entity)m).Spec.Tags,
        (n, p) => new EntityNotFoundException(n, p))
    {
        Enrich = (call, project, json) => json["dataSources"] = EntityDataSources(call, project, json["spec"]?["name"]?.GetValue<string>() ?? ""),
        Definition = FeatureDefinitions.Entity,
    };

    /// <summary><c>/data_sources</c>.</summary>
    public Kind DataSources => _dataSources ??= new Kind("dataSources", RegistryLineage.DataSource, TakesTags: true,
        (r, p) => r.DataSources.Where(d => d.Project == p), m => ((P.DataSource)m).Name, m => ((P.DataSource)m).Tags,
        (n, p) => new DataSourceObjectNotFoundException(n, p))
    {
        Definition = FeatureDefinitions.DataSource,
    };

    /// <summary><c>/feature_services</c>, filtered by <c>feature_view</c>.</summary>
    public Kind FeatureServices => _featureServices ??= new Kind("featureServices", RegistryLineage.FeatureService, TakesTags: true,
        (r, p) => r.FeatureServices.Where(s => s.Spec?.Project == p), m => ((P.FeatureService)m).Spec.Name, m => ((P.FeatureService)m).Spec.Tags,
        (n, p) => new FeatureServiceNotFoundException(n, p))
    {
        Filter = (call, _, m) => call.Query.Optional("feature_view") is not { Length: > 0 } view
            || ((P.FeatureService)m).Spec.Features.Any(f => f.FeatureViewName == view),
        Definition = FeatureDefinitions.FeatureService,
    };

    /// <summary><c>/saved_datasets</c>; each adds <c>spec.dataSources</c>: the batch sources of the views its features come from.</summary>
    public Kind SavedDatasets => _savedDatasets ??= new Kind("savedDatasets", RegistryLineage.SavedDataset, TakesTags: true,
        (r, p) => r.SavedDatasets.Where(d => d.Spec?.Project == p), m => ((P.SavedDataset)m).Spec.Name, m => ((P.SavedDataset)m).Spec.Tags,
        (n, p) => new FeastNamedNotFoundException("SavedDatasetNotFound", "Saved dataset", n, p))
    {
        Decorate = AddDatasetSources,
        Definition = FeatureDefinitions.SavedDataset,
    };

    /// <summary><c>/permissions</c> (no relationships: Feast's lineage has no permission type).</summary>
    public Kind Permissions => _permissions ??= new Kind("permissions", "permission", TakesTags: false,
        (r, p) => r.Permissions.Where(x => x.Spec?.Project == p), m => ((P.Permission)m).Spec.Name, m => ((P.Permission)m).Spec.Tags,
        (n, p) => new PermissionObjectNotFoundException(n, p));

    /// <summary><c>/label_views</c>: answered under <c>featureViews</c>, each with <c>"type": "labelView"</c>.</summary>
    public Kind LabelViews => _labelViews ??= new Kind("featureViews", RegistryLineage.FeatureView, TakesTags: true,
        (r, p) => r.LabelViews.Where(v => v.Spec?.Project == p), m => ((P.LabelView)m).Spec.Name, m => ((P.LabelView)m).Spec.Tags,
        (n, p) => new FeastNamedNotFoundException("LabelViewNotFoundException", "Label view", n, p))
    {
        Json = m =>
        {
            var json = RestJson.Object(m);
            json["type"] = RegistryLineage.LabelView;
            return json;
        },
    };

    /// <summary>
    /// <c>/feature_views</c>: batch, stream and on-demand views, each with its <c>type</c>, filtered by <c>entity</c>,
    /// <c>feature</c>, <c>feature_service</c>, <c>data_source</c> and <c>updated_since</c> as Feast filters them.
    /// </summary>
    public Kind FeatureViews => _featureViews ??= new Kind("featureViews", RegistryLineage.FeatureView, TakesTags: true,
        AnyViews, m => View(m).Name, m => View(m).Tags, (n, p) => new FeatureViewNotFoundException(n, p))
    {
        Json = m => RestJson.Typed(View(m).Type, m),
        Filter = FeatureViewFilter,
        Definition = FeatureDefinitions.FeatureView,
    };

    /// <summary>
    /// The saved datasets' <c>spec.dataSources</c>, added after the list or detail is built: the batch sources of the
    /// views the caller may describe, when it may describe the source too (Feast leaves the map empty when it may not list
    /// the views, and names any source).
    /// </summary>
    internal void AddDatasetSources(Call call, string project, JsonObject dataset)
    {
        var sourceOfView = new Dictionary<string, string>(StringComparer.Ordinal);
        var visible = Visibility(call, project);
        foreach (var view in AnyViews(call.Registry, project))
        {
            var source = view switch { P.FeatureView v => v.Spec.BatchSource, P.StreamFeatureView v => v.Spec.BatchSource, _ => null };
            if (source is not { Name.Length: > 0 }) continue;
            if (visible is not null && !(visible(new EntityReference { Type = RegistryLineage.FeatureView, Name = View(view).Name })
                && visible(new EntityReference { Type = RegistryLineage.DataSource, Name = source.Name }))) continue;
            sourceOfView[View(view).Name] = source.Name;
        }
        if (dataset["spec"] is not JsonObject spec || spec["features"] is not JsonArray features) return;
        var names = new List<string>();
        foreach (var reference in features.Select(f => f?.GetValue<string>() ?? ""))
        {
            var colon = reference.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !sourceOfView.TryGetValue(reference[..colon], out var source) || names.Contains(source)) continue;
            names.Add(source);
        }
        if (names.Count > 0) spec["dataSources"] = new JsonArray([.. names.Select(n => (JsonNode)n)]);
    }

    private static IEnumerable<IMessage> AnyViews(P.Registry registry, string project) =>
        registry.FeatureViews.Where(v => v.Spec?.Project == project).Cast<IMessage>()
            .Concat(registry.StreamFeatureViews.Where(v => v.Spec?.Project == project))
            .Concat(registry.OnDemandFeatureViews.Where(v => v.Spec?.Project == project));

    /// <summary>A view's name, tags, AnyFeatureView case name and the fields Feast's filters read.</summary>
    private static (string Name, MapField<string, string> Tags, string Type, RepeatedField<string> Entities, RepeatedField<P.FeatureSpecV2> Features, IEnumerable<string> Sources, Timestamp? Updated) View(IMessage view) => view switch
    {
        P.FeatureView v => (v.Spec.Name, v.Spec.Tags, "featureView", v.Spec.Entities, v.Spec.Features,
            new[] { v.Spec.BatchSource?.Name, v.Spec.StreamSource?.Name }.OfType<string>(), v.Meta?.LastUpdatedTimestamp),
        P.StreamFeatureView v => (v.Spec.Name, v.Spec.Tags, "streamFeatureView", v.Spec.Entities, v.Spec.Features,
            new[] { v.Spec.BatchSource?.Name, v.Spec.StreamSource?.Name }.OfType<string>(), v.Meta?.LastUpdatedTimestamp),
        P.OnDemandFeatureView v => (v.Spec.Name, v.Spec.Tags, "onDemandFeatureView", v.Spec.Entities, v.Spec.Features,
            v.Spec.Sources.Values.Where(s => s.SourceCase == P.OnDemandSource.SourceOneofCase.RequestDataSource).Select(s => s.RequestDataSource.Name),
            v.Meta?.LastUpdatedTimestamp),
        _ => throw new ArgumentException($"Not a feature view: {view.Descriptor.FullName}", nameof(view)),
    };

    private bool FeatureViewFilter(Call call, string project, IMessage message)
    {
        var view = View(message);
        var query = call.Query;
        if (query.Optional("entity") is { Length: > 0 } entity && !view.Entities.Contains(entity)) return false;
        if (query.Optional("feature") is { Length: > 0 } feature && !view.Features.Any(f => f.Name == feature)) return false;
        if (query.Optional("feature_service") is { Length: > 0 } serviceName)
        {
            var found = call.Registry.FeatureServices.FirstOrDefault(s => s.Spec?.Project == project && s.Spec.Name == serviceName);
            if (found is null || !access.Filter(call.Caller, call.Registry, project, [found]).Any()) return false;
            if (!found.Spec.Features.Any(f => f.FeatureViewName == view.Name)) return false;
        }
        if (query.Optional("data_source") is { Length: > 0 } source && !view.Sources.Contains(source)) return false;
        if (UpdatedSince(query) is { } since && (view.Updated is null || view.Updated.ToDateTimeOffset() < since)) return false;
        return true;
    }

    private static DateTimeOffset? UpdatedSince(RestQuery query)
    {
        if (query.Optional("updated_since") is not { } text) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var since)
            ? since
            : throw new RestBadRequestException($"Invalid 'updated_since' value '{text}'; expected an ISO-8601 timestamp (e.g. 2024-01-01T00:00:00Z).");
    }

    /// <summary>The data sources (as objects) an entity reaches through its views: the targets of its entity → dataSource relationships.</summary>
    private JsonArray EntityDataSources(Call call, string project, string entity)
    {
        var sources = access.Filter(call.Caller, call.Registry, project, call.Registry.DataSources.Where(d => d.Project == project)).ToList();
        var names = new List<string>();
        foreach (var relation in ProjectRelations(call, project) ?? [])
        {
            if (!RegistryLineage.Involves(relation, RegistryLineage.Entity, entity) || relation.Target.Type != RegistryLineage.DataSource) continue;
            if (!names.Contains(relation.Target.Name)) names.Add(relation.Target.Name);
        }
        return RestJson.Array(names.Select(n => sources.FirstOrDefault(s => s.Name == n)).OfType<P.DataSource>());
    }

    /// <summary>The project's direct and indirect relationships, or null when the caller may not describe the project.</summary>
    private List<EntityRelation>? ProjectRelations(Call call, string project)
    {
        var found = call.Registry.Projects.FirstOrDefault(p => p.Spec?.Name == project);
        try
        {
            if (found is not null) access.Assert(call.Caller, call.Registry, project, found, AuthzedAction.Describe);
        }
        catch (FeastException)
        {
            return null;
        }
        var (direct, indirect) = RegistryLineage.Generate(call.Registry, project, Visibility(call, project));
        return [.. direct, .. indirect];
    }

    /// <summary>
    /// <c>{name: [relationships]}</c> for the objects <paramref name="names"/> of <paramref name="type"/> (direct and
    /// indirect); empty lists where Feast's lookup fails (a type lineage does not know, a project the caller may not describe).
    /// </summary>
    private JsonObject RelationshipsOf(Call call, string project, string type, IEnumerable<string> names)
    {
        var relations = RegistryLineage.Types.Contains(type) ? ProjectRelations(call, project) : null;
        var byObject = RegistryLineage.ByObject(relations ?? []);
        var map = new JsonObject();
        foreach (var name in names.Where(n => n.Length > 0))
            map[name] = RestJson.Array(byObject.TryGetValue((type, name), out var involved) ? involved : []);
        return map;
    }

    /// <summary>The relationships of one object (see <see cref="RelationshipsOf"/>).</summary>
    private JsonArray Relationships(Call call, string project, string type, string name) =>
        name.Length == 0 ? [] : (JsonArray)RelationshipsOf(call, project, type, [name])[name]!.DeepClone();
}
