using System.Collections.Frozen;
using Feast.Model.Proto;
using P = Feast.Protos.Core;

namespace Feast.Registry;

/// <summary>
/// An immutable, typed view of one project's objects in a registry, built once from a <see cref="RegistryData"/>.
/// Requests read it without touching protobuf; a refresh swaps in a new snapshot.
/// </summary>
public sealed class RegistrySnapshot
{
    private RegistrySnapshot(string project, P.Registry proto, FeastBackends? backends)
    {
        Project = project;
        Proto = proto;
        VersionId = proto.VersionId;
        LastUpdated = proto.LastUpdated?.ToDateTimeOffset();
        bool Mine(string p) => p == project;

        Entities = ByName(proto.Entities.Where(e => Mine(e.Spec.Project)).Select(ProtoConverter.FromProto));
        DataSources = ByName(proto.DataSources.Where(d => Mine(d.Project)).Select(d => ProtoConverter.FromProto(d, backends)));
        FeatureViews = ByName(proto.FeatureViews.Where(f => Mine(f.Spec.Project)).Select(f => ProtoConverter.FromProto(f, backends)));
        StreamFeatureViews = ByName(proto.StreamFeatureViews.Where(f => Mine(f.Spec.Project)).Select(f => ProtoConverter.FromProto(f, backends)));
        OnDemandFeatureViews = ByName(proto.OnDemandFeatureViews.Where(f => Mine(f.Spec.Project)).Select(ProtoConverter.FromProto));
        FeatureServices = ByName(proto.FeatureServices.Where(f => Mine(f.Spec.Project)).Select(ProtoConverter.FromProto));
        Permissions = ByName(proto.Permissions.Where(p => Mine(p.Spec.Project)).Select(ProtoConverter.FromProto));
        Projects = ByName(proto.Projects.Select(ProtoConverter.FromProto));
    }

    /// <summary>Builds the snapshot of <paramref name="project"/> from a registry as a store read it.</summary>
    /// <param name="project">The project to show.</param>
    /// <param name="registry">The registry; <see langword="null"/> (none written yet) gives an empty snapshot.</param>
    /// <remarks>The snapshot reads <paramref name="registry"/> as it is now; do not change it afterwards. Custom data
    /// sources read back as <see cref="OpaqueDataSource"/>; pass the backends to read them as their own kinds.</remarks>
    public static RegistrySnapshot Create(string project, RegistryData? registry) => FromProto(project, registry?.Proto);

    /// <summary>Builds the snapshot of <paramref name="project"/>, reading custom data sources with the kinds <paramref name="backends"/> registers.</summary>
    /// <param name="project">The project to show.</param>
    /// <param name="registry">The registry; <see langword="null"/> (none written yet) gives an empty snapshot.</param>
    /// <param name="backends">The backends whose data-source kinds to read; <see langword="null"/> for none.</param>
    public static RegistrySnapshot Create(string project, RegistryData? registry, FeastBackends? backends) =>
        FromProto(project, registry?.Proto, backends);

    /// <summary><see cref="Create(string, RegistryData?, FeastBackends?)"/> over the registry message itself.</summary>
    internal static RegistrySnapshot FromProto(string project, P.Registry? registry, FeastBackends? backends = null) =>
        new(project, registry ?? RegistryStamp.Empty(), backends);

    /// <summary>The project this snapshot shows.</summary>
    public string Project { get; }

    /// <summary>The registry's version id (a uuid regenerated on every write; "" for an empty registry).</summary>
    public string VersionId { get; }

    /// <summary>When the registry was last written.</summary>
    public DateTimeOffset? LastUpdated { get; }

    /// <summary>The registry message this snapshot was built from (all projects). Not to be mutated.</summary>
    internal P.Registry Proto { get; }

    /// <summary>Entities, including Feast's dummy entity.</summary>
    public IReadOnlyDictionary<string, Entity> Entities { get; }

    /// <summary>Data sources.</summary>
    public IReadOnlyDictionary<string, DataSource> DataSources { get; }

    /// <summary>Batch feature views (stream feature views are in <see cref="StreamFeatureViews"/>).</summary>
    public IReadOnlyDictionary<string, FeatureView> FeatureViews { get; }

    /// <summary>Stream feature views.</summary>
    public IReadOnlyDictionary<string, StreamFeatureView> StreamFeatureViews { get; }

    /// <summary>On-demand feature views.</summary>
    public IReadOnlyDictionary<string, OnDemandFeatureView> OnDemandFeatureViews { get; }

    /// <summary>Feature services.</summary>
    public IReadOnlyDictionary<string, FeatureService> FeatureServices { get; }

    /// <summary>Permissions.</summary>
    public IReadOnlyDictionary<string, Permission> Permissions { get; }

    /// <summary>Every project in the registry, not just <see cref="Project"/>.</summary>
    public IReadOnlyDictionary<string, Project> Projects { get; }

    /// <summary>
    /// The feature views and stream feature views fed by push source <paramref name="pushSourceName"/> (their stream
    /// source), by name; empty when none is.
    /// </summary>
    public IReadOnlyList<FeatureView> ViewsFedBy(string pushSourceName) =>
        [.. FeatureViews.Values.Concat(StreamFeatureViews.Values)
            .Where(v => v.StreamSource is PushSource push && push.Name == pushSourceName)
            .OrderBy(v => v.Name, StringComparer.Ordinal)];

    /// <summary>Whether the registry holds anything for this project.</summary>
    public bool IsEmpty => Entities.Count == 0 && DataSources.Count == 0 && FeatureViews.Count == 0 && StreamFeatureViews.Count == 0
        && OnDemandFeatureViews.Count == 0 && FeatureServices.Count == 0 && Permissions.Count == 0;

    /// <summary>The entity called <paramref name="name"/>.</summary>
    /// <exception cref="EntityNotFoundException">There is none.</exception>
    public Entity GetEntity(string name) => Entities.TryGetValue(name, out var e) ? e : throw new EntityNotFoundException(name, Project);

    /// <summary>The data source called <paramref name="name"/>.</summary>
    /// <exception cref="DataSourceObjectNotFoundException">There is none.</exception>
    public DataSource GetDataSource(string name) => DataSources.TryGetValue(name, out var d) ? d : throw new DataSourceObjectNotFoundException(name, Project);

    /// <summary>The batch or stream feature view called <paramref name="name"/>.</summary>
    /// <exception cref="FeatureViewNotFoundException">There is none.</exception>
    public FeatureView GetFeatureView(string name) =>
        FeatureViews.TryGetValue(name, out var f) ? f
        : StreamFeatureViews.TryGetValue(name, out var s) ? s
        : throw new FeatureViewNotFoundException(name, Project);

    /// <summary>The stream feature view called <paramref name="name"/>.</summary>
    /// <exception cref="StreamFeatureViewNotFoundException">There is none.</exception>
    public StreamFeatureView GetStreamFeatureView(string name) =>
        StreamFeatureViews.TryGetValue(name, out var s) ? s : throw new StreamFeatureViewNotFoundException(name, Project);

    /// <summary>The on-demand feature view called <paramref name="name"/>.</summary>
    /// <exception cref="OnDemandFeatureViewNotFoundException">There is none.</exception>
    public OnDemandFeatureView GetOnDemandFeatureView(string name) =>
        OnDemandFeatureViews.TryGetValue(name, out var o) ? o : throw new OnDemandFeatureViewNotFoundException(name, Project);

    /// <summary>The feature service called <paramref name="name"/>.</summary>
    /// <exception cref="FeatureServiceNotFoundException">There is none.</exception>
    public FeatureService GetFeatureService(string name) =>
        FeatureServices.TryGetValue(name, out var f) ? f : throw new FeatureServiceNotFoundException(name, Project);

    /// <summary>The permission called <paramref name="name"/>.</summary>
    /// <exception cref="PermissionObjectNotFoundException">There is none.</exception>
    public Permission GetPermission(string name) =>
        Permissions.TryGetValue(name, out var p) ? p : throw new PermissionObjectNotFoundException(name, Project);

    /// <summary>The project called <paramref name="name"/>.</summary>
    /// <exception cref="ProjectObjectNotFoundException">There is none.</exception>
    public Project GetProject(string name) => Projects.TryGetValue(name, out var p) ? p : throw new ProjectObjectNotFoundException(name);

    private static FrozenDictionary<string, T> ByName<T>(IEnumerable<T> objects) where T : FeastObject
    {
        // Python Feast replaces by delete-and-append, so the last entry of a name is the current one.
        var map = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var obj in objects) map[obj.Name] = obj;
        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
