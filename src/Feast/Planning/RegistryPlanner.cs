using Feast.Model.Proto;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using P = Feast.Protos.Core;

// Python Feast still writes Registry.project_metadata (a project uuid per project), so apply does too.
#pragma warning disable CS0612

namespace Feast.Planning;

/// <summary>
/// Computes and applies the difference between a registry and a repo's definitions for one project.
/// Both sides go through the same model → proto conversion, so fields Feast.NET does not model never show as changes.
/// </summary>
internal static class RegistryPlanner
{
    /// <summary>What apply would change, without changing anything.</summary>
    public static RegistryPlan Plan(P.Registry? current, RepoDefinitions prepared, string project) =>
        Run(current?.Clone() ?? new P.Registry(), prepared, project, now: null);

    /// <summary>Applies the definitions to <paramref name="registry"/> in place and returns what changed.</summary>
    public static RegistryPlan Apply(P.Registry registry, RepoDefinitions prepared, string project, DateTimeOffset now) =>
        Run(registry, prepared, project, Timestamp.FromDateTimeOffset(now));

    /// <summary>
    /// Applies the object of <paramref name="kind"/> named <paramref name="name"/> in <paramref name="prepared"/> (and the
    /// project and its dummy entity, as every apply does) to <paramref name="registry"/> in place; every other object is
    /// left as stored without being compared, which is what <see cref="Apply"/> would find for definitions read from
    /// this registry (an apply of one object: <see cref="ObjectApply"/>).
    /// </summary>
    public static RegistryPlan ApplyOne(P.Registry registry, RepoDefinitions prepared, string project, DateTimeOffset now, string kind, string name) =>
        Run(registry, prepared, project, Timestamp.FromDateTimeOffset(now), only: (kind, name));

    /// <summary>Removes every object of <paramref name="project"/> from <paramref name="registry"/>; returns the removed views.</summary>
    public static RegistryPlan RemoveProject(P.Registry registry, string project)
    {
        var plan = Run(registry, new RepoDefinitions(), project, now: Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), keepDummy: false);
        Remove(registry.Projects, p => p.Spec.Name == project);
        Remove(registry.ProjectMetadata, m => m.Project == project);
        return plan;
    }

    private static void Remove<T>(RepeatedField<T> list, Func<T, bool> predicate)
    {
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (predicate(list[i])) list.RemoveAt(i);
        }
    }

    private static RegistryPlan Run(P.Registry registry, RepoDefinitions defs, string project, Timestamp? now, bool keepDummy = true,
        (string Kind, string Name)? only = null)
    {
        // With one object to apply, the others of the project are neither converted nor compared (nor deleted).
        Func<string, bool>? Include(string kind) => only is not { } o ? null
            : kind == "Entity" ? n => n == Entity.DummyName || (o.Kind == kind && n == o.Name)
            : o.Kind == kind ? n => n == o.Name : _ => false;
        IEnumerable<T> Only<T>(IEnumerable<T> items, string kind) where T : FeastObject =>
            Include(kind) is { } include ? items.Where(i => include(i.Name)) : items;

        var changes = new List<ObjectChange>();
        var stamp = now ?? Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch);
        var apply = now is not null;

        var entities = defs.Entities.Where(e => e.Name != Entity.DummyName).ToList();
        if (keepDummy) entities.Add(Entity.Dummy);

        if (keepDummy)
        {
            var current = registry.Projects.LastOrDefault(p => p.Spec.Name == project);
            var desired = defs.Projects.FirstOrDefault(p => p.Name == project)
                ?? (current is null ? new Project(project) : ProtoConverter.FromProto(current));
            Diff(changes, apply, "Project", registry.Projects, [ProtoConverter.ToProto(desired)], project,
                p => p.Spec.Name, p => p.Spec.Name, p => p.Spec, p => ProtoConverter.ToProto(ProtoConverter.FromProto(p)),
                (n, o) => n.Meta = Meta(o?.Meta?.CreatedTimestamp, stamp, (c, u) => new P.ProjectMeta { CreatedTimestamp = c, LastUpdatedTimestamp = u }),
                allowDelete: false);
        }
        if (apply && keepDummy && !registry.ProjectMetadata.Any(m => m.Project == project))
            registry.ProjectMetadata.Add(new P.ProjectMetadata { Project = project, ProjectUuid = Guid.NewGuid().ToString() });

        Diff(changes, apply, "Entity", registry.Entities, Only(entities, "Entity").Select(e => ProtoConverter.ToProto(e, project)), project,
            e => e.Spec.Name, e => e.Spec.Project, e => e.Spec, e => ProtoConverter.ToProto(ProtoConverter.FromProto(e), project),
            (n, o) => n.Meta = Meta(o?.Meta?.CreatedTimestamp, stamp, (c, u) => new P.EntityMeta { CreatedTimestamp = c, LastUpdatedTimestamp = u }),
            include: Include("Entity"));

        Diff(changes, apply, "DataSource", registry.DataSources, Only(defs.DataSources, "DataSource").Select(d => ProtoConverter.ToProto(d, project)), project,
            d => d.Name, d => d.Project, WithoutMeta, d => ProtoConverter.ToProto(ProtoConverter.FromProto(d), project),
            (n, o) => n.Meta = o?.Meta, include: Include("DataSource"));

        var deletedViews = new List<FeatureView>();
        Diff(changes, apply, "FeatureView", registry.FeatureViews, Only(defs.FeatureViews, "FeatureView").Select(v => ProtoConverter.ToProto(v, project)), project,
            v => v.Spec.Name, v => v.Spec.Project, v => v.Spec, v => ProtoConverter.ToProto(ProtoConverter.FromProto(v), project),
            (n, o) => StampView(n.Meta, o?.Meta, stamp),
            onDelete: v => deletedViews.Add(ProtoConverter.FromProto(v)), include: Include("FeatureView"));

        Diff(changes, apply, "OnDemandFeatureView", registry.OnDemandFeatureViews, Only(defs.OnDemandFeatureViews, "OnDemandFeatureView").Select(v => ProtoConverter.ToProto(v, project)), project,
            v => v.Spec.Name, v => v.Spec.Project, v => v.Spec, v => ProtoConverter.ToProto(ProtoConverter.FromProto(v), project),
            (n, o) => n.Meta = Meta(o?.Meta?.CreatedTimestamp, stamp, (c, u) => new P.OnDemandFeatureViewMeta { CreatedTimestamp = c, LastUpdatedTimestamp = u }),
            onDelete: v =>
            {
                var deleted = ProtoConverter.FromProto(v);
                if (deleted.WriteToOnlineStore) deletedViews.Add(Online.OnDemandStorage.ViewOf(deleted));
            }, include: Include("OnDemandFeatureView"));

        Diff(changes, apply, "StreamFeatureView", registry.StreamFeatureViews, Only(defs.StreamFeatureViews, "StreamFeatureView").Select(v => ProtoConverter.ToProto(v, project)), project,
            v => v.Spec.Name, v => v.Spec.Project, v => v.Spec, v => ProtoConverter.ToProto(ProtoConverter.FromProto(v), project),
            (n, o) => StampView(n.Meta, o?.Meta, stamp),
            onDelete: v => deletedViews.Add(ProtoConverter.FromProto(v)), include: Include("StreamFeatureView"));

        Diff(changes, apply, "FeatureService", registry.FeatureServices, Only(defs.FeatureServices, "FeatureService").Select(s => ProtoConverter.ToProto(s, project)), project,
            s => s.Spec.Name, s => s.Spec.Project, s => s.Spec, s => ProtoConverter.ToProto(ProtoConverter.FromProto(s), project),
            (n, o) => n.Meta = Meta(o?.Meta?.CreatedTimestamp, stamp, (c, u) => new P.FeatureServiceMeta { CreatedTimestamp = c, LastUpdatedTimestamp = u }),
            include: Include("FeatureService"));

        Diff(changes, apply, "Permission", registry.Permissions, Only(defs.Permissions, "Permission").Select(p => ProtoConverter.ToProto(p, project)), project,
            p => p.Spec.Name, p => p.Spec.Project, p => p.Spec, p => ProtoConverter.ToProto(ProtoConverter.FromProto(p), project),
            (n, o) => n.Meta = Meta(o?.Meta?.CreatedTimestamp, stamp, (c, u) => new P.PermissionMeta { CreatedTimestamp = c, LastUpdatedTimestamp = u }),
            include: Include("Permission"));

        // A view that stops being online loses its online table, like a deleted one.
        var keep = OnlineViews(defs);
        var keepNames = keep.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        deletedViews.AddRange(defs.FeatureViews.Concat(defs.StreamFeatureViews).Where(v => !v.Online));
        deletedViews.AddRange(defs.OnDemandFeatureViews.Where(v => !v.WriteToOnlineStore).Select(Online.OnDemandStorage.ViewOf));
        return new RegistryPlan(changes)
        {
            ViewsToKeep = keep,
            ViewsToDelete = deletedViews.Where(v => !keepNames.Contains(v.Name)).DistinctBy(v => v.Name).ToList(),
        };
    }

    /// <summary>The views (batch and stream) whose online storage must exist once <paramref name="defs"/> are applied.</summary>
    public static IReadOnlyList<FeatureView> OnlineViews(RepoDefinitions defs) =>
        [.. defs.FeatureViews.Concat(defs.StreamFeatureViews).Where(v => v.Online),
         .. defs.OnDemandFeatureViews.Where(v => v.WriteToOnlineStore).Select(Online.OnDemandStorage.ViewOf)];

    // A changed view keeps its creation time; like Python Feast, it starts over without materialization intervals.
    private static void StampView(P.FeatureViewMeta meta, P.FeatureViewMeta? old, Timestamp now)
    {
        meta.CreatedTimestamp = old?.CreatedTimestamp ?? now;
        meta.LastUpdatedTimestamp = now;
    }

    private static TMeta Meta<TMeta>(Timestamp? created, Timestamp now, Func<Timestamp, Timestamp, TMeta> make) => make(created ?? now, now);

    private static IMessage WithoutMeta(P.DataSource source)
    {
        var copy = source.Clone();
        copy.Meta = null;
        return copy;
    }

    private static void Diff<T>(List<ObjectChange> changes, bool apply, string kind, RepeatedField<T> list, IEnumerable<T> desired, string project,
        Func<T, string> name, Func<T, string> projectOf, Func<T, IMessage> spec, Func<T, T> normalize, Action<T, T?> stamp,
        Action<T>? onDelete = null, bool allowDelete = true, Func<string, bool>? include = null)
        where T : class, IMessage<T>
    {
        var wanted = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in desired) wanted[name(item)] = item;

        // Existing objects of this project, the last of each name being current (Python appends on update).
        var existing = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in list)
        {
            if (projectOf(item) == project && (include is null || include(name(item)))) existing[name(item)] = item;
        }

        foreach (var (objectName, old) in existing.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (wanted.ContainsKey(objectName) || !allowDelete) continue;
            changes.Add(new ObjectChange(kind, objectName, ChangeType.Delete, []));
            onDelete?.Invoke(old);
            if (apply) RemoveNamed(list, objectName, name, projectOf, project);
        }

        foreach (var (objectName, item) in wanted.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (existing.TryGetValue(objectName, out var old))
            {
                var fields = ChangedFields(spec(normalize(old)), spec(item));
                if (fields.Count == 0) continue;
                changes.Add(new ObjectChange(kind, objectName, ChangeType.Update, fields));
                if (!apply) continue;
                stamp(item, old);
                RemoveNamed(list, objectName, name, projectOf, project);
                list.Add(item);
            }
            else
            {
                changes.Add(new ObjectChange(kind, objectName, ChangeType.Add, []));
                if (!apply) continue;
                stamp(item, null);
                list.Add(item);
            }
        }
    }

    private static void RemoveNamed<T>(RepeatedField<T> list, string objectName, Func<T, string> name, Func<T, string> projectOf, string project)
    {
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (name(list[i]) == objectName && projectOf(list[i]) == project) list.RemoveAt(i);
        }
    }

    private static List<string> ChangedFields(IMessage before, IMessage after, string prefix = "")
    {
        var result = new List<string>();
        foreach (var field in before.Descriptor.Fields.InFieldNumberOrder())
        {
            var a = field.Accessor.GetValue(before);
            var b = field.Accessor.GetValue(after);
            if (Equals(a, b)) continue;
            var name = prefix + field.Name;
            // A changed sub-message (a view's batch_source, its file_options) is described by the fields that changed
            // inside it, "batch_source.file_options.uri: ...", not as two JSON documents side by side.
            if (a is IMessage innerBefore && b is IMessage innerAfter && !field.IsRepeated && !field.IsMap
                && !field.MessageType.FullName.StartsWith("google.protobuf.", StringComparison.Ordinal))
            {
                result.AddRange(ChangedFields(innerBefore, innerAfter, name + "."));
                continue;
            }
            result.Add(field.IsRepeated && NamedItems(a) is { } old && NamedItems(b) is { } now
                ? $"{name}: {DescribeNamedChanges(old, now)}"
                : $"{name}: {Render(field, a)} -> {Render(field, b)}");
        }
        return result;
    }

    // Lists of named messages (features, entity columns, projections) are described by name: "+added -removed ~changed".
    private static Dictionary<string, IMessage>? NamedItems(object? value)
    {
        if (value is not System.Collections.IList list) return null;
        var items = new Dictionary<string, IMessage>(StringComparer.Ordinal);
        foreach (var item in list)
        {
            if (item is not IMessage message) return null;
            var nameField = message.Descriptor.FindFieldByName("name") ?? message.Descriptor.FindFieldByName("feature_view_name");
            if (nameField?.Accessor.GetValue(message) is not string name) return null;
            items[name] = message;
        }
        return items;
    }

    private static string DescribeNamedChanges(Dictionary<string, IMessage> before, Dictionary<string, IMessage> after)
    {
        var parts = new List<string>();
        parts.AddRange(after.Keys.Where(k => !before.ContainsKey(k)).Select(k => "+" + k));
        parts.AddRange(before.Keys.Where(k => !after.ContainsKey(k)).Select(k => "-" + k));
        parts.AddRange(after.Keys.Where(k => before.TryGetValue(k, out var old) && !old.Equals(after[k])).Select(k => "~" + k));
        return parts.Count > 0 ? string.Join(" ", parts) : "order changed";
    }

    private static string Render(FieldDescriptor field, object? value)
    {
        var text = value switch
        {
            null => "(none)",
            IMessage message => JsonFormatter.Default.Format(message),
            string s => $"\"{s}\"",
            _ => value.ToString() ?? "",
        };
        if (field.FieldType == FieldType.Message && text == "{ }") text = "{}";
        return text.Length > 80 ? text[..77] + "..." : text;
    }
}
