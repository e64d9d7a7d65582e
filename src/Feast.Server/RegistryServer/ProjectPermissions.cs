using System.Text.RegularExpressions;
using Feast.Permissions;
using Feast.Registry;
using Google.Protobuf;
using Google.Protobuf.Collections;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer;

/// <summary>A registry object as a permission sees it: its permission type, name and tags, read off its Feast message.</summary>
/// <param name="Type">The permission resource type (a batch view is a <c>FeatureView</c>, as Python reads it back).</param>
/// <param name="TypeName">The Python class name Feast's messages show.</param>
/// <param name="Name">The object's name.</param>
/// <param name="Tags">The object's tags.</param>
internal readonly record struct SecuredObject(PermissionResourceType Type, string TypeName, string Name, MapField<string, string> Tags)
{
    private static readonly MapField<string, string> NoTags = new();

    /// <summary>The object <paramref name="message"/> is (an <c>AnyFeatureView</c> is the view it holds).</summary>
    /// <exception cref="ArgumentException">Not a message of a Feast object permissions apply to.</exception>
    public static SecuredObject Of(IMessage message) => message switch
    {
        P.Entity e => new(PermissionResourceType.Entity, "Entity", e.Spec?.Name ?? "", e.Spec?.Tags ?? NoTags),
        P.DataSource d => new(PermissionResourceType.DataSource, "DataSource", d.Name, d.Tags),
        P.FeatureView v => new(PermissionResourceType.FeatureView, "FeatureView", v.Spec?.Name ?? "", v.Spec?.Tags ?? NoTags),
        P.StreamFeatureView v => new(PermissionResourceType.StreamFeatureView, "StreamFeatureView", v.Spec?.Name ?? "", v.Spec?.Tags ?? NoTags),
        P.OnDemandFeatureView v => new(PermissionResourceType.OnDemandFeatureView, "OnDemandFeatureView", v.Spec?.Name ?? "", v.Spec?.Tags ?? NoTags),
        P.FeatureService s => new(PermissionResourceType.FeatureService, "FeatureService", s.Spec?.Name ?? "", s.Spec?.Tags ?? NoTags),
        P.Permission p => new(PermissionResourceType.Permission, "Permission", p.Spec?.Name ?? "", p.Spec?.Tags ?? NoTags),
        P.Project p => new(PermissionResourceType.Project, "Project", p.Spec?.Name ?? "", p.Spec?.Tags ?? NoTags),
        P.SavedDataset d => new(PermissionResourceType.SavedDataset, "SavedDataset", d.Spec?.Name ?? "", d.Spec?.Tags ?? NoTags),
        P.ValidationReference r => new(PermissionResourceType.ValidationReference, "ValidationReference", r.Name, r.Tags),
        Protos.Registry.AnyFeatureView any => any.AnyFeatureViewCase switch
        {
            Protos.Registry.AnyFeatureView.AnyFeatureViewOneofCase.FeatureView => Of(any.FeatureView),
            Protos.Registry.AnyFeatureView.AnyFeatureViewOneofCase.StreamFeatureView => Of(any.StreamFeatureView),
            _ => Of(any.OnDemandFeatureView),
        },
        _ => throw new ArgumentException($"{message.Descriptor.FullName} is not an object Feast's permissions apply to.", nameof(message)),
    };

    /// <summary>Whether a permission for <paramref name="type"/> covers this object (Python's <c>isinstance</c>: FeatureView covers stream views).</summary>
    public bool IsA(PermissionResourceType type) =>
        type == Type || (type == PermissionResourceType.FeatureView && Type is PermissionResourceType.StreamFeatureView or PermissionResourceType.BatchFeatureView);
}

/// <summary>
/// The permissions one project of one registry version holds, read once (the patterns compiled) and decided as Feast's
/// <c>enforce_policy</c> decides: see <see cref="RegistryAccess"/>.
/// </summary>
internal sealed class ProjectPermissions
{
    private readonly IReadOnlyList<Rule> _rules;

    private sealed record Rule(Permission Permission, Regex[] Patterns);

    private ProjectPermissions(IReadOnlyList<Rule> rules) => _rules = rules;

    /// <summary>Reads the permissions of <paramref name="project"/> in <paramref name="registry"/>.</summary>
    /// <exception cref="RegistryException">A stored permission cannot be read (nothing is allowed on a guess).</exception>
    public static ProjectPermissions Read(P.Registry registry, string project)
    {
        var rules = new List<Rule>();
        foreach (var message in registry.Permissions)
        {
            if (message.Spec?.Project != project) continue;
            var permission = (Permission)FeastObjectBytes.Read("Permission", message.ToByteArray());
            rules.Add(new Rule(permission, [.. permission.NamePatterns.Select(p =>
                new Regex(@"\A(?:" + p + @")\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))]));
        }
        return new ProjectPermissions(rules);
    }

    /// <summary>How many permissions the project holds.</summary>
    public int Count => _rules.Count;

    /// <summary>Throws unless <paramref name="user"/> may do every one of <paramref name="actions"/> on <paramref name="obj"/>.</summary>
    /// <exception cref="FeastPermissionException">Denied; the message says by which permissions, or that none applies.</exception>
    public void Assert(FeastUser user, SecuredObject obj, AuthzedAction[] actions)
    {
        if (Decide(user, obj, actions, filterOnly: false) is { } denial) throw new FeastPermissionException(denial);
    }

    /// <summary>
    /// Whether <paramref name="obj"/> stays in a list <paramref name="user"/> asked for, as Feast's <c>filter_only</c>
    /// decides: hidden when the permissions that deny it (or the permissions of its type, when none applies) restrict
    /// by name; otherwise a denial fails the whole list, as in Feast.
    /// </summary>
    /// <exception cref="FeastPermissionException">The object is denied by a permission without name patterns, or no permission names its type.</exception>
    public bool Permits(FeastUser user, SecuredObject obj, AuthzedAction[] actions)
    {
        var denial = Decide(user, obj, actions, filterOnly: true);
        if (denial is null) return true;
        if (denial.Length == 0) return false;
        throw new FeastPermissionException(denial);
    }

    /// <summary>Null: allowed; empty: hidden from a list; otherwise the denial's message.</summary>
    private string? Decide(FeastUser user, SecuredObject obj, AuthzedAction[] actions, bool filterOnly)
    {
        if (_rules.Count == 0)
        {
            // Feast: with no permissions every authenticated user may do anything; a user without a name nothing.
            return user.Username.Length > 0 ? null : "No permissions defined and no authenticated user context. Access denied.";
        }
        List<string>? explanations = null;
        Rule? last = null;
        foreach (var rule in _rules)
        {
            if (!Matches(rule, obj, actions)) continue;
            last = rule;
            var (granted, why) = Evaluate(rule.Permission.Policy, user);
            if (granted) return null; // AFFIRMATIVE: the first grant decides.
            (explanations ??= []).Add(
                $"Permission {rule.Permission.Name} denied execution of [{string.Join(", ", actions.Select(a => "'" + ActionName(a) + "'"))}] to {obj.TypeName}:{obj.Name}: {why}");
        }
        if (last is not null)
            return filterOnly && last.Permission.NamePatterns.Count > 0 ? "" : string.Join(",", explanations!);
        var noneApplies = $"No permissions defined to manage [{string.Join(", ", actions.Select(ActionName))}] on {obj.TypeName}/{obj.Name}.";
        if (!filterOnly) return noneApplies;
        // A list hides what no permission names only when the permissions of its type restrict by name.
        var ofType = _rules.Where(r => r.Permission.Types.Any(obj.IsA)).ToList();
        return ofType.Count > 0 && ofType.Any(r => r.Permission.NamePatterns.Count > 0) ? "" : noneApplies;
    }

    private static bool Matches(Rule rule, SecuredObject obj, AuthzedAction[] actions)
    {
        var permission = rule.Permission;
        if (!permission.Types.Any(obj.IsA)) return false;
        if (rule.Patterns.Length > 0 && !rule.Patterns.Any(p => p.IsMatch(obj.Name))) return false;
        foreach (var (key, value) in permission.RequiredTags)
        {
            if (!obj.Tags.TryGetValue(key, out var actual) || actual != value) return false;
        }
        foreach (var action in actions)
        {
            if (!permission.Actions.Contains(action)) return false;
        }
        return true;
    }

    /// <summary>The action as Feast's messages name it (<c>READ_ONLINE</c>, ...).</summary>
    private static string ActionName(AuthzedAction action) => action switch
    {
        AuthzedAction.ReadOnline => "READ_ONLINE",
        AuthzedAction.ReadOffline => "READ_OFFLINE",
        AuthzedAction.WriteOnline => "WRITE_ONLINE",
        AuthzedAction.WriteOffline => "WRITE_OFFLINE",
        _ => action.ToString().ToUpperInvariant(),
    };

    private static (bool Granted, string Why) Evaluate(Policy policy, FeastUser user) => policy switch
    {
        AllowAllPolicy => (true, ""),
        RoleBasedPolicy roles => roles.Roles.Any(user.Roles.Contains)
            ? (true, "") : (false, $"Requires roles {string.Join(",", roles.Roles)}"),
        GroupBasedPolicy groups => groups.Groups.Any(user.Groups.Contains)
            ? (true, "") : (false, $"Requires groups {string.Join(",", groups.Groups)}"),
        NamespaceBasedPolicy namespaces => namespaces.Namespaces.Any(user.Namespaces.Contains)
            ? (true, "") : (false, $"Requires namespaces {string.Join(",", namespaces.Namespaces)}"),
        CombinedGroupNamespacePolicy both => both.Groups.Any(user.Groups.Contains) || both.Namespaces.Any(user.Namespaces.Contains)
            ? (true, "") : (false, $"Requires groups {string.Join(",", both.Groups)} or namespaces {string.Join(",", both.Namespaces)}"),
        _ => (false, $"Unknown policy {policy.GetType().Name}"),
    };
}
