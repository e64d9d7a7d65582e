namespace Feast;

/// <summary>An action a permission allows, numbered as <c>feast.core.PermissionSpec.AuthzedAction</c>.</summary>
public enum AuthzedAction
{
    Create = 0,
    Describe = 1,
    Update = 2,
    Delete = 3,
    ReadOnline = 4,
    ReadOffline = 5,
    WriteOnline = 6,
    WriteOffline = 7,
}

/// <summary>The resource types a permission applies to, numbered as <c>feast.core.PermissionSpec.Type</c>.</summary>
public enum PermissionResourceType
{
    FeatureView = 0,
    OnDemandFeatureView = 1,
    BatchFeatureView = 2,
    StreamFeatureView = 3,
    Entity = 4,
    FeatureService = 5,
    DataSource = 6,
    ValidationReference = 7,
    SavedDataset = 8,
    Permission = 9,
    Project = 10,
    LabelView = 11,
}

/// <summary>Feast's action groups (<c>READ</c>, <c>WRITE</c>, <c>CRUD</c>, <c>ALL_ACTIONS</c>).</summary>
public static class AuthzedActions
{
    /// <summary>Read online and offline.</summary>
    public static IReadOnlyList<AuthzedAction> Read { get; } = [AuthzedAction.ReadOnline, AuthzedAction.ReadOffline];

    /// <summary>Write online and offline.</summary>
    public static IReadOnlyList<AuthzedAction> Write { get; } = [AuthzedAction.WriteOnline, AuthzedAction.WriteOffline];

    /// <summary>Create, describe, update, delete.</summary>
    public static IReadOnlyList<AuthzedAction> Crud { get; } = [AuthzedAction.Create, AuthzedAction.Describe, AuthzedAction.Update, AuthzedAction.Delete];

    /// <summary>All eight actions.</summary>
    public static IReadOnlyList<AuthzedAction> All { get; } = Enum.GetValues<AuthzedAction>();
}

/// <summary>Who a permission grants access to.</summary>
public abstract record Policy
{
    /// <summary>Grants everyone (stored as an empty policy message).</summary>
    public static Policy AllowAll { get; } = new AllowAllPolicy();
}

/// <summary>Grants everyone.</summary>
public sealed record AllowAllPolicy : Policy;

/// <summary>Grants users with any of the roles (case-sensitive).</summary>
public sealed record RoleBasedPolicy : Policy
{
    /// <summary>Creates the policy.</summary>
    public RoleBasedPolicy(IEnumerable<string> roles) => Roles = Guard.List(roles);

    /// <summary>The roles, any of which grants access.</summary>
    public IReadOnlyList<string> Roles { get; init; }

    /// <inheritdoc/>
    public bool Equals(RoleBasedPolicy? other) => other is not null && Roles.SequenceEqual(other.Roles);

    /// <inheritdoc/>
    public override int GetHashCode() => Roles.Count;
}

/// <summary>Grants users in any of the groups.</summary>
public sealed record GroupBasedPolicy : Policy
{
    /// <summary>Creates the policy.</summary>
    public GroupBasedPolicy(IEnumerable<string> groups) => Groups = Guard.List(groups);

    /// <summary>The groups, any of which grants access.</summary>
    public IReadOnlyList<string> Groups { get; init; }

    /// <inheritdoc/>
    public bool Equals(GroupBasedPolicy? other) => other is not null && Groups.SequenceEqual(other.Groups);

    /// <inheritdoc/>
    public override int GetHashCode() => Groups.Count;
}

/// <summary>Grants users in any of the namespaces.</summary>
public sealed record NamespaceBasedPolicy : Policy
{
    /// <summary>Creates the policy.</summary>
    public NamespaceBasedPolicy(IEnumerable<string> namespaces) => Namespaces = Guard.List(namespaces);

    /// <summary>The namespaces, any of which grants access.</summary>
    public IReadOnlyList<string> Namespaces { get; init; }

    /// <inheritdoc/>
    public bool Equals(NamespaceBasedPolicy? other) => other is not null && Namespaces.SequenceEqual(other.Namespaces);

    /// <inheritdoc/>
    public override int GetHashCode() => Namespaces.Count;
}

/// <summary>Grants users in any of the groups or any of the namespaces.</summary>
public sealed record CombinedGroupNamespacePolicy : Policy
{
    /// <summary>Creates the policy.</summary>
    public CombinedGroupNamespacePolicy(IEnumerable<string> groups, IEnumerable<string> namespaces)
    {
        Groups = Guard.List(groups);
        Namespaces = Guard.List(namespaces);
    }

    /// <summary>The groups.</summary>
    public IReadOnlyList<string> Groups { get; init; }

    /// <summary>The namespaces.</summary>
    public IReadOnlyList<string> Namespaces { get; init; }

    /// <inheritdoc/>
    public bool Equals(CombinedGroupNamespacePolicy? other) =>
        other is not null && Groups.SequenceEqual(other.Groups) && Namespaces.SequenceEqual(other.Namespaces);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Groups.Count, Namespaces.Count);
}

/// <summary>A policy: which actions on which resources are allowed to whom.</summary>
public sealed record Permission : FeastObject
{
    /// <summary>The type order Python Feast writes when a permission names no types (all of them).</summary>
    internal static readonly IReadOnlyList<PermissionResourceType> AllTypesInFeastOrder =
    [
        PermissionResourceType.Project, PermissionResourceType.FeatureView, PermissionResourceType.OnDemandFeatureView,
        PermissionResourceType.BatchFeatureView, PermissionResourceType.StreamFeatureView, PermissionResourceType.LabelView,
        PermissionResourceType.Entity, PermissionResourceType.FeatureService, PermissionResourceType.DataSource,
        PermissionResourceType.ValidationReference, PermissionResourceType.SavedDataset, PermissionResourceType.Permission,
    ];

    /// <summary>Creates a permission.</summary>
    /// <param name="name">The unique permission name.</param>
    /// <param name="types">The resource types it applies to; all types when null or empty.</param>
    /// <param name="namePatterns">Regular expressions a resource name must fully match (any of them); all names when empty.</param>
    /// <param name="actions">The actions it grants; all actions when null.</param>
    /// <param name="policy">Who it grants them to; everyone when null.</param>
    /// <param name="requiredTags">Tags a resource must carry.</param>
    /// <param name="tags">Free-form key/value metadata.</param>
    public Permission(string name, IEnumerable<PermissionResourceType>? types = null, IEnumerable<string>? namePatterns = null,
        IEnumerable<AuthzedAction>? actions = null, Policy? policy = null,
        IReadOnlyDictionary<string, string>? requiredTags = null, IReadOnlyDictionary<string, string>? tags = null)
        : base(name, "", tags, "", "permission")
    {
        var typeList = Guard.List(types);
        Types = typeList.Count == 0 ? AllTypesInFeastOrder : typeList;
        NamePatterns = Guard.List(namePatterns);
        foreach (var pattern in NamePatterns)
        {
            try
            {
                _ = new System.Text.RegularExpressions.Regex(pattern, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw new FeastValidationException($"Permission '{name}': name pattern '{pattern}' is not a valid regular expression: {e.Message}");
            }
        }
        var actionList = actions is null ? AuthzedActions.All : Guard.List(actions);
        if (actionList.Count == 0)
            throw new FeastValidationException($"Permission '{name}' grants no actions. List them, e.g. actions: AuthzedActions.Read.");
        Actions = actionList;
        Policy = policy ?? Policy.AllowAll;
        RequiredTags = Guard.Tags(requiredTags);
    }

    /// <summary>The resource types the permission applies to.</summary>
    public IReadOnlyList<PermissionResourceType> Types { get; init; }

    /// <summary>Regular expressions a resource name must fully match (any of them).</summary>
    public IReadOnlyList<string> NamePatterns { get; init; }

    /// <summary>The actions granted.</summary>
    public IReadOnlyList<AuthzedAction> Actions { get; init; }

    /// <summary>Who the actions are granted to.</summary>
    public Policy Policy { get; init; }

    /// <summary>Tags a resource must carry.</summary>
    public IReadOnlyDictionary<string, string> RequiredTags { get; init; }

    /// <inheritdoc/>
    public override string Kind => "Permission";
}
