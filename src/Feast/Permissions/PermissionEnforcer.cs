using System.Text.RegularExpressions;
using Feast.Registry;

namespace Feast.Permissions;

/// <summary>Who is asking: the identity an authenticated request carries.</summary>
/// <param name="Username">The user name (empty for an anonymous caller).</param>
/// <param name="Roles">The user's roles, matched case-sensitively by <see cref="RoleBasedPolicy"/>.</param>
/// <param name="Groups">The user's groups.</param>
/// <param name="Namespaces">The user's namespaces.</param>
public sealed record FeastUser(string Username, IReadOnlyList<string> Roles, IReadOnlyList<string> Groups, IReadOnlyList<string> Namespaces)
{
    /// <summary>A user with a name only.</summary>
    public FeastUser(string username) : this(username, [], [], []) { }
}

/// <summary>An object a request acts on, with its permission type.</summary>
/// <param name="Type">The permission resource type.</param>
/// <param name="Resource">The object.</param>
public readonly record struct SecuredResource(PermissionResourceType Type, FeastObject Resource);

/// <summary>A request was denied by the project's permissions (Feast's <c>FeastPermissionError</c>, HTTP 403).</summary>
public sealed class FeastPermissionException(string message) : FeastException(message)
{
    /// <inheritdoc/>
    public override string FeastErrorClass => "FeastPermissionError";
}

/// <summary>
/// Feast's permission checks (<c>enforce_policy</c>): for every resource, the permissions whose types, name patterns,
/// required tags and actions all match are collected, and the first policy that grants the user access allows it
/// (Feast's AFFIRMATIVE strategy). A resource no permission matches is denied. A project with no permissions at all
/// allows any named user.
/// </summary>
public static class PermissionEnforcer
{
    /// <summary>Throws unless <paramref name="user"/> may do all of <paramref name="actions"/> on every resource.</summary>
    /// <exception cref="FeastPermissionException">Access is denied; the message says to which resource and why.</exception>
    public static void Enforce(RegistrySnapshot registry, FeastUser? user, IEnumerable<SecuredResource> resources, params AuthzedAction[] actions)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(resources);
        if (registry.Permissions.Count == 0)
        {
            if (user is { Username.Length: > 0 }) return;
            throw new FeastPermissionException("Permission denied: no user identity was given and the project defines no permissions.");
        }
        foreach (var (type, resource) in resources)
        {
            var matching = registry.Permissions.Values.Where(p => Matches(p, type, resource, actions)).ToList();
            var what = $"{Describe(type)} {resource.Name}";
            if (matching.Count == 0)
                throw new FeastPermissionException($"Permission denied: no permissions defined to manage {what} with actions {string.Join(", ", actions.Select(ActionName))}.");
            var explanations = new List<string>(matching.Count);
            var granted = false;
            foreach (var permission in matching)
            {
                var (allowed, why) = Evaluate(permission.Policy, user);
                if (allowed)
                {
                    granted = true;
                    break;
                }
                explanations.Add($"{why} (permission {permission.Name})");
            }
            if (!granted) throw new FeastPermissionException($"Permission denied to {what}: {string.Join(",", explanations)}");
        }
    }

    internal static bool Matches(Permission permission, PermissionResourceType type, FeastObject resource, IReadOnlyCollection<AuthzedAction> actions)
    {
        // Python matches types with isinstance: FeatureView also covers its subclasses BatchFeatureView and StreamFeatureView.
        var typeMatches = permission.Types.Contains(type)
            || (permission.Types.Contains(PermissionResourceType.FeatureView) && type is PermissionResourceType.BatchFeatureView or PermissionResourceType.StreamFeatureView);
        if (!typeMatches) return false;
        if (permission.NamePatterns.Count > 0
            && !permission.NamePatterns.Any(p => Regex.IsMatch(resource.Name, "^(?:" + p + ")$", RegexOptions.None, TimeSpan.FromSeconds(1))))
            return false;
        foreach (var (key, value) in permission.RequiredTags)
        {
            if (!resource.Tags.TryGetValue(key, out var actual) || actual != value) return false;
        }
        return actions.All(permission.Actions.Contains);
    }

    internal static (bool Allowed, string Why) Evaluate(Policy policy, FeastUser? user) => policy switch
    {
        AllowAllPolicy => (true, ""),
        RoleBasedPolicy roles => user is not null && roles.Roles.Any(user.Roles.Contains)
            ? (true, "") : (false, $"Requires roles {string.Join(",", roles.Roles)}"),
        GroupBasedPolicy groups => user is not null && groups.Groups.Any(user.Groups.Contains)
            ? (true, "") : (false, $"Requires groups {string.Join(",", groups.Groups)}"),
        NamespaceBasedPolicy namespaces => user is not null && namespaces.Namespaces.Any(user.Namespaces.Contains)
            ? (true, "") : (false, $"Requires namespaces {string.Join(",", namespaces.Namespaces)}"),
        CombinedGroupNamespacePolicy combined => user is not null && (combined.Groups.Any(user.Groups.Contains) || combined.Namespaces.Any(user.Namespaces.Contains))
            ? (true, "") : (false, $"Requires groups {string.Join(",", combined.Groups)} or namespaces {string.Join(",", combined.Namespaces)}"),
        _ => (false, $"Unknown policy {policy.GetType().Name}"),
    };

    private static string Describe(PermissionResourceType type) => type switch
    {
        PermissionResourceType.FeatureView => "FeatureView",
        PermissionResourceType.OnDemandFeatureView => "OnDemandFeatureView",
        PermissionResourceType.StreamFeatureView => "StreamFeatureView",
        PermissionResourceType.BatchFeatureView => "BatchFeatureView",
        PermissionResourceType.FeatureService => "FeatureService",
        _ => type.ToString(),
    };

    internal static string ActionName(AuthzedAction action) => action switch
    {
        AuthzedAction.ReadOnline => "READ_ONLINE",
        AuthzedAction.ReadOffline => "READ_OFFLINE",
        AuthzedAction.WriteOnline => "WRITE_ONLINE",
        AuthzedAction.WriteOffline => "WRITE_OFFLINE",
        _ => action.ToString().ToUpperInvariant(),
    };
}
