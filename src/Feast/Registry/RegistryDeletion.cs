using Feast.Configuration;
using Google.Protobuf.Collections;
using P = Feast.Protos.Core;

namespace Feast.Registry;

/// <summary>
/// Removes one object, found by name, from a registry message: what <c>feast delete NAME</c> does. Runs inside the registry
/// store's <see cref="IRegistryStore.UpdateAsync(Func{RegistryData, CancellationToken, ValueTask{bool}}, CancellationToken)"/>, so finding the object, checking that nothing uses it and removing it
/// happen under one lock and either all happen or none.
/// </summary>
internal static class RegistryDeletion
{
    /// <summary>
    /// The kinds <c>feast delete</c> searches, in Feast's order (the first kind holding the name wins); permissions, which
    /// Feast's command does not search, come last.
    /// </summary>
    private static readonly string[] SearchOrder =
        ["Entity", "FeatureView", "FeatureService", "DataSource", "SavedDataset", "ValidationReference", "StreamFeatureView", "OnDemandFeatureView", "Permission"];

    /// <summary>Finds the object called <paramref name="name"/> in <paramref name="project"/>, checks nothing uses it, and removes it in place.</summary>
    /// <exception cref="ObjectNameNotFoundException">No object of any kind has that name.</exception>
    /// <exception cref="ObjectInUseException">Other objects still reference it; nothing is removed.</exception>
    /// <param name="registry">The registry, changed in place.</param>
    /// <param name="project">The project.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="only">The one kind to search (a <see cref="SearchOrder"/> entry), or null for all in Feast's order.</param>
    public static DeletedObject Delete(P.Registry registry, string project, string name, string? only = null)
    {
        var snapshot = RegistrySnapshot.FromProto(project, registry);
        if (name == Entity.DummyName)
        {
            throw new FeastValidationException(
                $"{Entity.DummyName} is the entity Feast gives every project for entity-less feature views; it cannot be deleted.");
        }
        var kind = only is not null
            ? (Holds(registry, snapshot, project, only, name) ? only : throw NotFoundOf(registry, snapshot, project, only, name))
            : SearchOrder.FirstOrDefault(k => Holds(registry, snapshot, project, k, name)) ?? throw NotFound(registry, snapshot, project, name);

        var users = UsersOf(registry, snapshot, project, kind, name);
        if (users.Count > 0)
            throw new ObjectInUseException(kind, name, project, users);

        var onlineViews = new List<FeatureView>();
        switch (kind)
        {
            case "Entity":
                Remove(registry.Entities, e => e.Spec.Name == name && e.Spec.Project == project);
                break;
            case "FeatureView":
                onlineViews.Add(snapshot.FeatureViews[name]);
                Remove(registry.FeatureViews, v => v.Spec.Name == name && v.Spec.Project == project);
                break;
            case "StreamFeatureView":
                onlineViews.Add(snapshot.StreamFeatureViews[name]);
                Remove(registry.StreamFeatureViews, v => v.Spec.Name == name && v.Spec.Project == project);
                break;
            case "OnDemandFeatureView":
                var odfv = snapshot.OnDemandFeatureViews[name];
                if (odfv.WriteToOnlineStore) onlineViews.Add(Online.OnDemandStorage.ViewOf(odfv));
                Remove(registry.OnDemandFeatureViews, v => v.Spec.Name == name && v.Spec.Project == project);
                break;
            case "FeatureService":
                Remove(registry.FeatureServices, s => s.Spec.Name == name && s.Spec.Project == project);
                break;
            case "DataSource":
                Remove(registry.DataSources, d => d.Name == name && d.Project == project);
                break;
            case "SavedDataset":
                Remove(registry.SavedDatasets, d => d.Spec.Name == name && d.Spec.Project == project);
                break;
            case "ValidationReference":
                Remove(registry.ValidationReferences, r => r.Name == name && r.Project == project);
                break;
            default:
                Remove(registry.Permissions, p => p.Spec.Name == name && p.Spec.Project == project);
                break;
        }
        return new DeletedObject(kind, name, onlineViews);
    }

    /// <summary>Refuses a kind <see cref="Delete"/> cannot search.</summary>
    /// <exception cref="ArgumentException">Not one of the kinds.</exception>
    public static void CheckKind(string kind)
    {
        if (!SearchOrder.Contains(kind, StringComparer.Ordinal))
            throw new ArgumentException($"'{kind}' is not a kind of registry object that can be deleted; use one of: {string.Join(", ", SearchOrder)}.", nameof(kind));
    }

    /// <summary>The kind's own not-found error, as its Get* gives it; the generic one for kinds without one.</summary>
    private static FeastObjectNotFoundException NotFoundOf(P.Registry registry, RegistrySnapshot s, string project, string kind, string name) => kind switch
    {
        "Entity" => new EntityNotFoundException(name, project),
        "FeatureView" => new FeatureViewNotFoundException(name, project),
        "StreamFeatureView" => new StreamFeatureViewNotFoundException(name, project),
        "OnDemandFeatureView" => new OnDemandFeatureViewNotFoundException(name, project),
        "FeatureService" => new FeatureServiceNotFoundException(name, project),
        "DataSource" => new DataSourceObjectNotFoundException(name, project),
        "Permission" => new PermissionObjectNotFoundException(name, project),
        _ => NotFound(registry, s, project, name),
    };

    private static bool Holds(P.Registry registry, RegistrySnapshot snapshot, string project, string kind, string name) => kind switch
    {
        "Entity" => snapshot.Entities.ContainsKey(name),
        "FeatureView" => snapshot.FeatureViews.ContainsKey(name),
        "FeatureService" => snapshot.FeatureServices.ContainsKey(name),
        "DataSource" => snapshot.DataSources.ContainsKey(name),
        "SavedDataset" => registry.SavedDatasets.Any(d => d.Spec?.Name == name && d.Spec.Project == project),
        "ValidationReference" => registry.ValidationReferences.Any(r => r.Name == name && r.Project == project),
        "StreamFeatureView" => snapshot.StreamFeatureViews.ContainsKey(name),
        "OnDemandFeatureView" => snapshot.OnDemandFeatureViews.ContainsKey(name),
        _ => snapshot.Permissions.ContainsKey(name),
    };

    /// <summary>The objects (as "Kind name") that reference the object of <paramref name="kind"/> called <paramref name="name"/>.</summary>
    private static List<string> UsersOf(P.Registry registry, RegistrySnapshot s, string project, string kind, string name)
    {
        IEnumerable<FeastObject> users = kind switch
        {
            "Entity" => s.FeatureViews.Values.Concat(s.StreamFeatureViews.Values).Where(v => v.Entities.Contains(name))
                .Concat<FeastObject>(s.OnDemandFeatureViews.Values.Where(v => v.Entities.Contains(name))),
            "DataSource" => s.FeatureViews.Values.Concat(s.StreamFeatureViews.Values)
                .Where(v => v.BatchSource?.Name == name || v.StreamSource?.Name == name)
                .Concat<FeastObject>(s.OnDemandFeatureViews.Values.Where(v => v.Sources.Any(r => r.RequestSource?.Name == name)))
                .Concat(s.DataSources.Values.Where(d => d.Name != name && d switch
                {
                    PushSource p => p.BatchSource?.Name == name,
                    KafkaSource k => k.BatchSource?.Name == name,
                    _ => false,
                })),
            "FeatureView" or "StreamFeatureView" or "OnDemandFeatureView" =>
                s.FeatureServices.Values.Where(f => f.Projections.Any(p => p.Name == name))
                .Concat<FeastObject>(s.OnDemandFeatureViews.Values.Where(v => v.Name != name && v.Sources.Any(r => r.Projection?.Name == name))),
            _ => [],
        };
        var result = users.Select(u => $"{KindOf(u)} {u.Name}").ToList();
        if (kind == "FeatureService")
        {
            result.AddRange(registry.SavedDatasets.Where(d => d.Spec?.Project == project && d.Spec.FeatureServiceName == name)
                .Select(d => $"SavedDataset {d.Spec.Name}"));
        }
        if (kind == "SavedDataset")
        {
            result.AddRange(registry.ValidationReferences.Where(r => r.Project == project && r.ReferenceDatasetName == name)
                .Select(r => $"ValidationReference {r.Name}"));
        }
        return [.. result.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    private static string KindOf(FeastObject obj) => obj switch
    {
        StreamFeatureView => "StreamFeatureView",
        FeatureView => "FeatureView",
        OnDemandFeatureView => "OnDemandFeatureView",
        FeatureService => "FeatureService",
        DataSource d => d.SourceTypeName,
        _ => obj.Kind,
    };

    private static ObjectNameNotFoundException NotFound(P.Registry registry, RegistrySnapshot s, string project, string name)
    {
        var names = s.Entities.Keys.Where(n => n != Entity.DummyName)
            .Concat(s.FeatureViews.Keys).Concat(s.StreamFeatureViews.Keys).Concat(s.OnDemandFeatureViews.Keys)
            .Concat(s.FeatureServices.Keys).Concat(s.DataSources.Keys).Concat(s.Permissions.Keys)
            .Concat(registry.SavedDatasets.Where(d => d.Spec?.Project == project).Select(d => d.Spec.Name))
            .Concat(registry.ValidationReferences.Where(r => r.Project == project).Select(r => r.Name))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new ObjectNameNotFoundException(name, project, ConfigErrors.Suggest(name, names));
    }

    private static void Remove<T>(RepeatedField<T> list, Func<T, bool> predicate)
    {
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (predicate(list[i])) list.RemoveAt(i);
        }
    }
}

/// <summary>What <see cref="FeatureStore.DeleteObjectAsync(string, CancellationToken)"/> removed.</summary>
/// <param name="Kind">The kind of the object, as Feast names it (<c>Entity</c>, <c>FeatureView</c>, <c>DataSource</c>, ...).</param>
/// <param name="Name">Its name.</param>
/// <param name="OnlineViews">The views whose online storage was dropped with it (empty for objects other than views).</param>
public sealed record DeletedObject(string Kind, string Name, IReadOnlyList<FeatureView> OnlineViews);
