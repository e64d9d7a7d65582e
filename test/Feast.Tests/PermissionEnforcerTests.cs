using Feast.Permissions;
using Feast.Registry;

namespace Feast.Tests;

/// <summary>Feast's permission rules (FEAST-FORMATS §9.1–9.2), checked against registry snapshots.</summary>
public sealed class PermissionEnforcerTests
{
    private static readonly Entity Driver = new("driver", ["driver_id"], ValueType.Int64);
    private static readonly FileSource Source = new("data/x.parquet", "event_timestamp", name: "src");
    private static readonly FeatureView Stats = new("driver_stats", Source, [Driver], schema: [new Field("conv_rate", FeastType.Float32)],
        tags: new Dictionary<string, string> { ["team"] = "risk" });
    private static readonly FeatureView Other = new("other_stats", Source, [Driver], schema: [new Field("conv_rate", FeastType.Float32)]);

    private static RegistrySnapshot Registry(params Permission[] permissions)
    {
        var proto = new Protos.Core.Registry();
        proto.Entities.Add(Feast.Model.Proto.ProtoConverter.ToProto(Driver, "p"));
        proto.FeatureViews.Add(Feast.Model.Proto.ProtoConverter.ToProto(Stats, "p"));
        proto.FeatureViews.Add(Feast.Model.Proto.ProtoConverter.ToProto(Other, "p"));
        foreach (var permission in permissions) proto.Permissions.Add(Feast.Model.Proto.ProtoConverter.ToProto(permission, "p"));
        return RegistrySnapshot.FromProto("p", proto);
    }

    private static readonly FeastUser Reader = new("ada", ["reader"], ["analysts"], ["ns1"]);

    private static void Check(RegistrySnapshot registry, FeastUser? user, FeatureView view, params AuthzedAction[] actions) =>
        PermissionEnforcer.Enforce(registry, user, [new SecuredResource(PermissionResourceType.FeatureView, view)], actions);

    [Fact]
    public void NoPermissions_AllowAnyNamedUser_ButNotAnonymous()
    {
        var registry = Registry();

        Check(registry, Reader, Stats, AuthzedAction.WriteOnline);
        Assert.Throws<FeastPermissionException>(() => Check(registry, null, Stats, AuthzedAction.ReadOnline));
    }

    [Fact]
    public void RoleGroupNamespacePolicies_AnyMatchGrants()
    {
        var registry = Registry(
            new Permission("by_role", actions: AuthzedActions.Read, policy: new RoleBasedPolicy(["admin"])),
            new Permission("by_group", actions: AuthzedActions.Read, policy: new GroupBasedPolicy(["analysts"])));

        Check(registry, Reader, Stats, AuthzedAction.ReadOnline);
        var error = Assert.Throws<FeastPermissionException>(() => Check(registry, new FeastUser("bob", ["x"], ["y"], []), Stats, AuthzedAction.ReadOnline));
        Assert.Contains("Requires roles admin", error.Message, StringComparison.Ordinal);
        Assert.Contains("Requires groups analysts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryRequestedActionMustBeListed()
    {
        var registry = Registry(new Permission("online_only", actions: [AuthzedAction.WriteOnline]));

        Check(registry, Reader, Stats, AuthzedAction.WriteOnline);
        var error = Assert.Throws<FeastPermissionException>(() => Check(registry, Reader, Stats, AuthzedAction.WriteOnline, AuthzedAction.WriteOffline));
        Assert.Contains("no permissions defined to manage FeatureView driver_stats with actions WRITE_ONLINE, WRITE_OFFLINE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NamePatternsFullMatch_AndRequiredTagsMustAllBePresent()
    {
        var registry = Registry(
            new Permission("driver_views", namePatterns: ["driver_.*"], actions: AuthzedActions.Read),
            new Permission("risk_views", actions: AuthzedActions.Write, requiredTags: new Dictionary<string, string> { ["team"] = "risk" }));

        Check(registry, Reader, Stats, AuthzedAction.ReadOnline);
        Assert.Throws<FeastPermissionException>(() => Check(registry, Reader, Other, AuthzedAction.ReadOnline));
        Check(registry, Reader, Stats, AuthzedAction.WriteOnline);
        Assert.Throws<FeastPermissionException>(() => Check(registry, Reader, Other, AuthzedAction.WriteOnline));
    }

    [Fact]
    public void FeatureViewPermissions_CoverStreamFeatureViews_NotOnDemandViews()
    {
        var registry = Registry(new Permission("views", [PermissionResourceType.FeatureView], actions: AuthzedActions.Read));

        PermissionEnforcer.Enforce(registry, Reader, [new SecuredResource(PermissionResourceType.StreamFeatureView, Stats)], AuthzedAction.ReadOnline);
        Assert.Throws<FeastPermissionException>(() =>
            PermissionEnforcer.Enforce(registry, Reader, [new SecuredResource(PermissionResourceType.OnDemandFeatureView, Stats)], AuthzedAction.ReadOnline));
    }
}
