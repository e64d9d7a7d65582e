using Feast.Registry;

namespace Feast.Permissions;

/// <summary>One object of a project as the permission audits see it: its permission type and the class name Feast prints.</summary>
/// <param name="Type">The permission resource type.</param>
/// <param name="Resource">The object (name and tags are what permissions match).</param>
/// <param name="TypeName">The object's class as Feast prints it (<c>Entity</c>, <c>FeatureView</c>, <c>FileSource</c>, ...).</param>
public sealed record AuditedResource(PermissionResourceType Type, FeastObject Resource, string TypeName);

/// <summary>
/// What <c>feast permissions check</c> and <c>feast permissions list-roles</c> compute: which objects no permission covers,
/// which actions stay unsecured, and what each role may do. Matching is <see cref="PermissionEnforcer"/>'s.
/// </summary>
public static class PermissionAudit
{
    /// <summary>Every object a permission can secure, in Feast's order: entities, feature views, feature services, data sources, validation references, saved datasets, permissions.</summary>
    public static IReadOnlyList<AuditedResource> Resources(RegistrySnapshot s)
    {
        var list = new List<AuditedResource>();
        static IEnumerable<T> Sorted<T>(IEnumerable<T> items) where T : FeastObject => items.OrderBy(i => i.Name, StringComparer.Ordinal);
        list.AddRange(Sorted(s.Entities.Values.Where(e => e.Name != Entity.DummyName)).Select(e => new AuditedResource(PermissionResourceType.Entity, e, "Entity")));
        list.AddRange(Sorted(s.FeatureViews.Values).Select(v => new AuditedResource(PermissionResourceType.FeatureView, v, "FeatureView")));
        list.AddRange(Sorted(s.OnDemandFeatureViews.Values).Select(v => new AuditedResource(PermissionResourceType.OnDemandFeatureView, v, "OnDemandFeatureView")));
        list.AddRange(Sorted(s.StreamFeatureViews.Values).Select(v => new AuditedResource(PermissionResourceType.StreamFeatureView, v, "StreamFeatureView")));
        list.AddRange(Sorted(s.FeatureServices.Values).Select(f => new AuditedResource(PermissionResourceType.FeatureService, f, "FeatureService")));
        list.AddRange(Sorted(s.DataSources.Values).Select(d => new AuditedResource(PermissionResourceType.DataSource, d, d.SourceTypeName)));
        list.AddRange(s.Proto.ValidationReferences.Where(r => r.Project == s.Project && r.Name.Length > 0).OrderBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => new AuditedResource(PermissionResourceType.ValidationReference, new NamedRecord(r.Name, r.Tags, "ValidationReference"), "ValidationReference")));
        list.AddRange(s.Proto.SavedDatasets.Where(d => d.Spec?.Project == s.Project && d.Spec.Name.Length > 0).OrderBy(d => d.Spec.Name, StringComparer.Ordinal)
            .Select(d => new AuditedResource(PermissionResourceType.SavedDataset, new NamedRecord(d.Spec.Name, d.Spec.Tags, "SavedDataset"), "SavedDataset")));
        list.AddRange(Sorted(s.Permissions.Values).Select(p => new AuditedResource(PermissionResourceType.Permission, p, "Permission")));
        return list;
    }

    /// <summary>Whether <paramref name="permission"/> matches the object (type, name pattern and required tags; actions aside).</summary>
    /// <param name="permission">The permission.</param>
    /// <param name="resource">The object.</param>
    /// <returns>Whether the permission applies to the object.</returns>
    public static bool Matches(Permission permission, AuditedResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return PermissionEnforcer.Matches(permission, resource.Type, resource.Resource, []);
    }

    /// <summary>Whether some permission matches the object (type, name pattern and required tags; actions aside).</summary>
    public static bool IsSecured(IEnumerable<Permission> permissions, AuditedResource resource) =>
        permissions.Any(p => PermissionEnforcer.Matches(p, resource.Type, resource.Resource, []));

    /// <summary>The actions, in Feast's order, that no permission matching the object grants to anyone.</summary>
    public static IReadOnlyList<AuthzedAction> UnsecuredActions(IEnumerable<Permission> permissions, AuditedResource resource)
    {
        var covered = permissions.Where(p => PermissionEnforcer.Matches(p, resource.Type, resource.Resource, []))
            .SelectMany(p => p.Actions).ToHashSet();
        return [.. AuthzedActions.All.Where(a => !covered.Contains(a))];
    }

    /// <summary>Every role a role-based policy names, sorted.</summary>
    public static IReadOnlyList<string> Roles(IEnumerable<Permission> permissions) =>
        [.. permissions.Select(p => p.Policy).OfType<RoleBasedPolicy>().SelectMany(r => r.Roles).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The actions a user with only <paramref name="role"/> may do on the object: those some matching permission grants
    /// (Feast's affirmative decision, as <see cref="PermissionEnforcer"/> decides a request).
    /// </summary>
    public static IReadOnlyList<AuthzedAction> PermittedActions(IReadOnlyCollection<Permission> permissions, AuditedResource resource, string role)
    {
        var user = new FeastUser("", [role], [], []);
        return [.. AuthzedActions.All.Where(action => permissions
            .Where(p => PermissionEnforcer.Matches(p, resource.Type, resource.Resource, [action]))
            .Any(p => PermissionEnforcer.Evaluate(p.Policy, user).Allowed))];
    }

    /// <summary>Feast's upper-case action name (<c>READ_ONLINE</c>).</summary>
    public static string ActionName(AuthzedAction action) => PermissionEnforcer.ActionName(action);

    /// <summary>A registry object Feast.NET does not model (saved dataset, validation reference): a name and tags to match.</summary>
    private sealed record NamedRecord : FeastObject
    {
        public NamedRecord(string name, IDictionary<string, string> tags, string kind)
            : base(name, "", new Dictionary<string, string>(tags, StringComparer.Ordinal), "", kind)
        {
            KindName = kind;
        }

        private string KindName { get; }

        public override string Kind => KindName;
    }
}
