using Feast.Protos.Registry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using P = Feast.Protos.Core;

namespace Feast.Remote;

/// <summary>
/// What a registry change is as registry-server calls: the objects (kind, project, name → bytes) of the registry before
/// and after a change compared one by one, and each added or changed object sent with its <c>Apply*</c>, each removed one
/// with its <c>Delete*</c>, as Python Feast's remote registry writes object by object. Applies go in dependency order
/// (project, entities, data sources, batch, stream and on-demand views, services, permissions), deletes in the reverse
/// order (and a push source before its batch source), so the server's checks (a view's
/// entity must exist, an object in use cannot go) hold at every step. A project that goes is one <c>DeleteProject</c>, which takes its objects.
/// The dummy entity (<c>__dummy</c>) is left to the server. A view that changed only in its materialization intervals is sent as <c>ApplyMaterialization</c>.
/// </summary>
internal static class RegistryChanges
{
    /// <summary>One registry-server call; <see cref="Send"/> sends it with extra request headers and returns the answer's trailers.</summary>
    internal sealed record Call(string Rpc, string Kind, string Project, string Name, Func<RegistryServerClient, Metadata?, CancellationToken, Task<Metadata>> Send);

    /// <summary>
    /// The calls of a change, and the bytes each changed or removed object had in the registry before (by kind, project
    /// and name), so the registry after the calls can be rebuilt from the one before (<see cref="RegistryStamps"/>).
    /// </summary>
    internal sealed record Changes(IReadOnlyList<Call> Calls, IReadOnlyDictionary<(string Kind, string Project, string Name), ByteString> Before);

    private sealed record Item(string Kind, string Project, string Name, IMessage Message);

    private static readonly string[] ApplyOrder =
        ["Project", "Entity", "DataSource", "FeatureView", "StreamFeatureView", "OnDemandFeatureView", "FeatureService", "Permission"];

    // The registry's fields that hold the objects a change is sent as (the others are the server's: version, infra, ...).
    private static readonly HashSet<int> ObjectFields =
    [
        P.Registry.ProjectsFieldNumber, P.Registry.EntitiesFieldNumber, P.Registry.DataSourcesFieldNumber, P.Registry.FeatureViewsFieldNumber,
        P.Registry.StreamFeatureViewsFieldNumber, P.Registry.OnDemandFeatureViewsFieldNumber, P.Registry.FeatureServicesFieldNumber,
        P.Registry.PermissionsFieldNumber,
    ];

    /// <summary>
    /// The calls that turn the serialised registry <paramref name="before"/> into <paramref name="after"/>, in the order to
    /// send them, parsing only the objects whose bytes differ: an object serialised to the same bytes on both sides is
    /// unchanged and never parsed (a registry of a hundred views with one changed parses two views, not two hundred).
    /// Objects whose bytes differ are compared as messages, so a mere difference of encoding is no change.
    /// </summary>
    public static Changes Diff(byte[] before, byte[] after)
    {
        // Each object of one side that the other holds byte for byte is unchanged (counted, for objects stored twice).
        var remaining = new Dictionary<(int Field, ByteString Bytes), int>();
        foreach (var o in Objects(before)) remaining[o] = remaining.GetValueOrDefault(o) + 1;
        var added = new List<(int Field, ByteString Bytes)>();
        foreach (var o in Objects(after))
        {
            if (remaining.TryGetValue(o, out var count) && count > 0) remaining[o] = count - 1;
            else added.Add(o);
        }
        var gone = remaining.Where(r => r.Value > 0).SelectMany(r => Enumerable.Repeat(r.Key, r.Value)).ToList();
        var was = new Dictionary<(string Kind, string Project, string Name), ByteString>();
        foreach (var entry in gone)
        {
            foreach (var item in Items(Registry([entry]))) was[(item.Kind, item.Project, item.Name)] = entry.Bytes;
        }
        return new Changes(Diff(Registry(gone), Registry(added)), was);
    }

    /// <summary>The object entries (field number, bytes) of a serialised registry, in order, without parsing them.</summary>
    private static List<(int Field, ByteString Bytes)> Objects(byte[] registry)
    {
        var objects = new List<(int, ByteString)>();
        var input = new CodedInputStream(registry);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = WireFormat.GetTagFieldNumber(tag);
            if (ObjectFields.Contains(field) && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                objects.Add((field, input.ReadBytes()));
            else
                input.SkipLastField();
        }
        return objects;
    }

    /// <summary>A registry message holding just <paramref name="objects"/> (each parsed here, the only parse they get).</summary>
    private static P.Registry Registry(IEnumerable<(int Field, ByteString Bytes)> objects)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var (field, bytes) in objects)
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(bytes);
        }
        output.Flush();
        return P.Registry.Parser.ParseFrom(buffer.ToArray());
    }

    /// <summary>The calls that turn <paramref name="before"/> into <paramref name="after"/> on the server, in the order to send them.</summary>
    public static IReadOnlyList<Call> Diff(P.Registry before, P.Registry after)
    {
        var old = Items(before).ToDictionary(i => (i.Kind, i.Project, i.Name));
        var now = Items(after).ToDictionary(i => (i.Kind, i.Project, i.Name));
        var calls = new List<Call>();
        // A project that goes takes its objects with it (DeleteProject, as Feast's teardown): they are not deleted one by one.
        var goneProjects = old.Values.Where(i => i.Kind == "Project" && !now.ContainsKey((i.Kind, i.Project, i.Name)))
            .Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var kind in ApplyOrder.Reverse())
        {
            foreach (var gone in old.Values
                .Where(i => i.Kind == kind && !now.ContainsKey((i.Kind, i.Project, i.Name)) && (kind == "Project" || !goneProjects.Contains(i.Project)))
                .OrderByDescending(SourceRank))
                calls.Add(Delete(gone));
        }
        foreach (var kind in ApplyOrder)
        {
            foreach (var item in now.Values.Where(i => i.Kind == kind))
            {
                old.TryGetValue((item.Kind, item.Project, item.Name), out var was);
                if (was is not null && was.Message.Equals(item.Message)) continue;
                if (was is not null && MaterializedOnly(was.Message, item.Message) is { } intervals)
                    calls.AddRange(intervals);
                else
                    calls.Add(Apply(item));
            }
        }
        return calls;
    }

    /// <summary>A source that reads another (a push or Kafka source's batch source) is deleted before it. (Applies keep the registry's own order, in
    /// which a source is written before any source that reads it.)</summary>
    private static int SourceRank(Item item) => item.Message is P.DataSource { BatchSource: not null } ? 1 : 0;

    private static IEnumerable<Item> Items(P.Registry r) =>
        r.Projects.Select(p => new Item("Project", p.Spec.Name, p.Spec.Name, p))
            // The dummy entity is the server's to write (with a project's first object), never a client's.
            .Concat(r.Entities.Where(e => e.Spec.Name != Entity.DummyName).Select(e => new Item("Entity", e.Spec.Project, e.Spec.Name, e)))
            .Concat(r.DataSources.Select(d => new Item("DataSource", d.Project, d.Name, d)))
            .Concat(r.FeatureViews.Select(v => new Item("FeatureView", v.Spec.Project, v.Spec.Name, v)))
            .Concat(r.StreamFeatureViews.Select(v => new Item("StreamFeatureView", v.Spec.Project, v.Spec.Name, v)))
            .Concat(r.OnDemandFeatureViews.Select(v => new Item("OnDemandFeatureView", v.Spec.Project, v.Spec.Name, v)))
            .Concat(r.FeatureServices.Select(s => new Item("FeatureService", s.Spec.Project, s.Spec.Name, s)))
            .Concat(r.Permissions.Select(p => new Item("Permission", p.Spec.Project, p.Spec.Name, p)));

    /// <summary>Sends <paramref name="request"/> with <paramref name="method"/>; the answer's trailers.</summary>
    private static Func<RegistryServerClient, Metadata?, CancellationToken, Task<Metadata>> Sender<TRequest>(Method<TRequest, Empty> method, TRequest request)
        where TRequest : class, IMessage<TRequest> =>
        async (c, headers, ct) => (await c.CallAsync(method, request, headers, ct).ConfigureAwait(false)).Trailers;

    private static Call Apply(Item item) => item.Message switch
    {
        P.Project p => new("ApplyProject", item.Kind, item.Project, item.Name,
            Sender(RegistryServerMethods.ApplyProject, new ApplyProjectRequest { Project = p, Commit = true })),
        P.Entity e => new("ApplyEntity", item.Kind, item.Project, item.Name,
            Sender(RegistryServerMethods.ApplyEntity, new ApplyEntityRequest { Entity = e, Project = item.Project, Commit = true })),
        P.DataSource d => new("ApplyDataSource", item.Kind, item.Project, item.Name,
            Sender(RegistryServerMethods.ApplyDataSource, new ApplyDataSourceRequest { DataSource = d, Project = item.Project, Commit = true })),
        P.FeatureView v => ApplyView(item, new ApplyFeatureViewRequest { FeatureView = v }),
        P.StreamFeatureView v => ApplyView(item, new ApplyFeatureViewRequest { StreamFeatureView = v }),
        P.OnDemandFeatureView v => ApplyView(item, new ApplyFeatureViewRequest { OnDemandFeatureView = v }),
        P.FeatureService s => new("ApplyFeatureService", item.Kind, item.Project, item.Name,
            Sender(RegistryServerMethods.ApplyFeatureService, new ApplyFeatureServiceRequest { FeatureService = s, Project = item.Project, Commit = true })),
        P.Permission p => new("ApplyPermission", item.Kind, item.Project, item.Name,
            Sender(RegistryServerMethods.ApplyPermission, new ApplyPermissionRequest { Permission = p, Project = item.Project, Commit = true })),
        _ => throw new InvalidOperationException($"No Apply call for {item.Kind}."),
    };

    private static Call ApplyView(Item item, ApplyFeatureViewRequest request)
    {
        request.Project = item.Project;
        request.Commit = true;
        return new("ApplyFeatureView", item.Kind, item.Project, item.Name, Sender(RegistryServerMethods.ApplyFeatureView, request));
    }

    private static Call Delete(Item item) => item.Kind switch
    {
        "Project" => new("DeleteProject", item.Kind, item.Project, item.Name,
            Sender(RegistryServerMethods.DeleteProject, new DeleteProjectRequest { Name = item.Name, Commit = true })),
        "Entity" => new("DeleteEntity", item.Kind, item.Project, item.Name,
            Sender(RegistryServerMethods.DeleteEntity, new DeleteEntityRequest { Name = item.Name, Project = item.Project, Commit = true })),
        "DataSource" => new("DeleteDataSource", item.Kind, item.Project, item.Name,
            Sender(RegistryServerMethods.DeleteDataSource, new DeleteDataSourceRequest { Name = item.Name, Project = item.Project, Commit = true })),
        "FeatureService" => new("DeleteFeatureService", item.Kind, item.Project, item.Name,
            Sender(RegistryServerMethods.DeleteFeatureService, new DeleteFeatureServiceRequest { Name = item.Name, Project = item.Project, Commit = true })),
        "Permission" => new("DeletePermission", item.Kind, item.Project, item.Name,
            Sender(RegistryServerMethods.DeletePermission, new DeletePermissionRequest { Name = item.Name, Project = item.Project, Commit = true })),
        _ => new("DeleteFeatureView", item.Kind, item.Project, item.Name,
            Sender(RegistryServerMethods.DeleteFeatureView, new DeleteFeatureViewRequest { Name = item.Name, Project = item.Project, Commit = true })),
    };

    // A batch view whose only change is intervals added to its meta (what materialize records): Feast's ApplyMaterialization per interval.
    private static List<Call>? MaterializedOnly(IMessage was, IMessage now)
    {
        if (was is not P.FeatureView before || now is not P.FeatureView after) return null;
        var oldIntervals = before.Meta?.MaterializationIntervals ?? [];
        var newIntervals = after.Meta?.MaterializationIntervals;
        if (newIntervals is null || newIntervals.Count <= oldIntervals.Count || !before.Spec.Equals(after.Spec)) return null;
        if (!newIntervals.Take(oldIntervals.Count).SequenceEqual(oldIntervals)) return null;
        var project = after.Spec.Project;
        return newIntervals.Skip(oldIntervals.Count).Select(interval => new Call("ApplyMaterialization", "FeatureView", project, after.Spec.Name,
            Sender(RegistryServerMethods.ApplyMaterialization, new ApplyMaterializationRequest
            {
                FeatureView = after,
                Project = project,
                StartDate = interval.StartTime,
                EndDate = interval.EndTime,
                Commit = true,
            }))).ToList();
    }
}
