using Feast.Model.Proto;
using Feast.Registry;
using P = Feast.Protos.Core;

namespace Feast.Planning;

/// <summary>
/// Apply of one object without a repo (what a registry server's Apply* RPCs do): the project's definitions are the
/// registry's, with the object put in place of the one of its kind and name. Feast's cross-object rules run over that
/// whole set, and the planner then sees every other object exactly as stored, so nothing else changes.
/// </summary>
internal static class ObjectApply
{
    /// <summary>The kind of <paramref name="obj"/> as a plan names it; refuses objects apply cannot store.</summary>
    /// <exception cref="ArgumentException">The object is not an entity, data source, feature view, feature service, permission or project.</exception>
    public static string KindOf(FeastObject obj) => obj switch
    {
        Entity e when e.Name == Entity.DummyName => throw new FeastValidationException(
            $"{Entity.DummyName} is the entity Feast gives every project for entity-less feature views; it cannot be applied."),
        Entity => "Entity",
        DataSource => "DataSource",
        StreamFeatureView => "StreamFeatureView",
        FeatureView => "FeatureView",
        OnDemandFeatureView => "OnDemandFeatureView",
        FeatureService => "FeatureService",
        Permission => "Permission",
        Project => "Project",
        _ => throw new ArgumentException($"A {obj.GetType().Name} cannot be applied on its own; apply an entity, data source, feature view (batch, stream or on-demand), feature service, permission or project.", nameof(obj)),
    };

    /// <summary>What inference needs for <paramref name="obj"/>: the object (with a view's sources) and the registry's entities, for join-key types.</summary>
    public static RepoDefinitions ForInference(FeastObject obj, RegistrySnapshot current)
    {
        var alone = RepoDefinitions.From([obj]);
        var entities = current.Entities.Values.Where(e => obj is not Entity || e.Name != obj.Name).Concat(alone.Entities).ToList();
        return alone with { Entities = entities };
    }

    /// <summary>The object of <paramref name="obj"/>'s kind and name in <paramref name="defs"/> (its inferred or prepared form).</summary>
    public static FeastObject Pick(RepoDefinitions defs, FeastObject obj) => obj switch
    {
        Entity => defs.Entities.Last(e => e.Name == obj.Name),
        DataSource => defs.DataSources.First(d => d.Name == obj.Name),
        StreamFeatureView => defs.StreamFeatureViews.First(v => v.Name == obj.Name),
        FeatureView => defs.FeatureViews.First(v => v.Name == obj.Name),
        OnDemandFeatureView => defs.OnDemandFeatureViews.First(v => v.Name == obj.Name),
        FeatureService => defs.FeatureServices.First(s => s.Name == obj.Name),
        Permission => defs.Permissions.First(p => p.Name == obj.Name),
        _ => obj,
    };

    /// <summary>
    /// Checks <paramref name="obj"/> against the project's other objects in <paramref name="current"/> as apply checks
    /// a repo, and returns it completed (join-key types from its entities).
    /// </summary>
    /// <exception cref="FeastValidationException">It references an object the registry does not hold, or breaks another of Feast's rules.</exception>
    public static FeastObject Prepare(RegistrySnapshot current, FeastObject obj, string project)
    {
        if (obj is FeatureView view) CheckSources(current, view, project);
        var prepared = RepoValidator.Prepare(Combine(current, obj), project, $"in project '{project}'", compileTransforms: false);
        return Pick(prepared, obj);
    }

    /// <summary>
    /// Puts <paramref name="prepared"/> into <paramref name="registry"/> in place, after checking it against the registry
    /// as it is now; returns the plan, whose views to keep and drop are the object's own.
    /// </summary>
    public static RegistryPlan Apply(P.Registry registry, FeastObject prepared, string project, DateTimeOffset now, FeastBackends backends)
    {
        var current = RegistrySnapshot.FromProto(project, registry, backends);
        Prepare(current, prepared, project);
        return ApplyPrepared(registry, current, prepared, project, now);
    }

    /// <summary>
    /// Puts <paramref name="prepared"/> into <paramref name="registry"/> in place, when <paramref name="current"/> is the
    /// snapshot of this very registry and <paramref name="prepared"/> came from <see cref="Prepare"/> over it (under the
    /// same lock): the registry's views are read and the object checked once, not twice.
    /// </summary>
    public static RegistryPlan ApplyPrepared(P.Registry registry, RegistrySnapshot current, FeastObject prepared, string project, DateTimeOffset now)
    {
        var plan = RegistryPlanner.ApplyOne(registry, Combine(current, prepared), project, now, KindOf(prepared), prepared.Name);
        return plan with
        {
            ViewsToKeep = [.. plan.ViewsToKeep.Where(v => v.Name == prepared.Name && prepared is BaseFeatureView)],
            ViewsToDelete = [.. plan.ViewsToDelete.Where(v => v.Name == prepared.Name && prepared is BaseFeatureView)],
        };
    }

    /// <summary>The project's definitions as the registry holds them, with <paramref name="obj"/> in place of the object of its kind and name.</summary>
    private static RepoDefinitions Combine(RegistrySnapshot s, FeastObject obj)
    {
        static List<T> With<T>(IEnumerable<T> existing, FeastObject obj) where T : FeastObject =>
            obj is T replacement ? [.. existing.Where(o => o.Name != obj.Name), replacement] : [.. existing];
        return new RepoDefinitions
        {
            Entities = With(s.Entities.Values, obj),
            DataSources = With(s.DataSources.Values, obj),
            FeatureViews = obj is FeatureView and not StreamFeatureView
                ? [.. s.FeatureViews.Values.Where(v => v.Name != obj.Name), (FeatureView)obj]
                : [.. s.FeatureViews.Values],
            StreamFeatureViews = With(s.StreamFeatureViews.Values, obj),
            OnDemandFeatureViews = With(s.OnDemandFeatureViews.Values, obj),
            FeatureServices = With(s.FeatureServices.Values, obj),
            Permissions = With(s.Permissions.Values, obj),
            Projects = obj is Project p ? [p] : [],
        };
    }

    /// <summary>A view's batch and stream sources must be registered (apply the data source first), and as the view holds them.</summary>
    private static void CheckSources(RegistrySnapshot current, FeatureView view, string project)
    {
        foreach (var source in new[] { view.BatchSource, view.StreamSource })
        {
            if (source is null) continue;
            if (!current.DataSources.TryGetValue(source.Name, out var registered))
                throw new FeastValidationException($"{view.Kind} '{view.Name}' uses data source '{source.Name}', which is not defined in project '{project}'. Apply the data source first.");
            if (!Same(registered, source, project))
                throw new FeastValidationException($"{view.Kind} '{view.Name}' uses data source '{source.Name}', which differs from the data source of that name in project '{project}'. Apply the changed data source first, or give the view the registered one.");
        }
    }

    private static bool Same(DataSource registered, DataSource used, string project)
    {
        var a = ProtoConverter.ToProto(registered, project);
        var b = ProtoConverter.ToProto(used, project);
        a.Meta = null;
        b.Meta = null;
        return a.Equals(b);
    }
}
