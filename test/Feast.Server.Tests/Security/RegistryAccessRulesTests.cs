using System.Diagnostics;
using Feast.Permissions;
using Feast.Registry;
using Feast.Server.RegistryServer;
using Google.Protobuf;
using Xunit.Abstractions;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests.Security;

/// <summary>The registry server's decisions (<see cref="ProjectPermissions"/>) on Feast's rules, case by case.</summary>
public sealed class RegistryAccessRulesTests(ITestOutputHelper output)
{
    private static readonly FeastUser Reader = new("ada", ["reader"], [], []);
    private static readonly FeastUser Nobody = new("bob", [], [], []);
    private static readonly AuthzedAction[] Describe = [AuthzedAction.Describe];

    private static P.Registry Registry(params Permission[] permissions)
    {
        var registry = new P.Registry();
        foreach (var p in permissions) registry.Permissions.Add(JsonParser.Default.Parse<P.Permission>(FeastObjectJson.Format(p, "p")));
        return registry;
    }

    private static SecuredObject View(string name, params (string Key, string Value)[] tags)
    {
        var view = new P.FeatureView { Spec = new P.FeatureViewSpec { Name = name, Project = "p" } };
        foreach (var (k, v) in tags) view.Spec.Tags[k] = v;
        return SecuredObject.Of(view);
    }

    [Fact]
    public void NoPermissions_AnyNamedUserMayDoAnything_AnAnonymousOneNothing()
    {
        var rules = ProjectPermissions.Read(Registry(), "p");

        rules.Assert(Nobody, View("v"), [AuthzedAction.Delete]);
        Assert.True(rules.Permits(Nobody, View("v"), Describe));
        Assert.Throws<FeastPermissionException>(() => rules.Assert(new FeastUser(""), View("v"), Describe));
    }

    [Fact]
    public void PermissionsOfAnotherProject_DoNotCount()
    {
        var registry = Registry(new Permission("readers", [PermissionResourceType.FeatureView], actions: [AuthzedAction.Describe], policy: new RoleBasedPolicy(["reader"])));

        ProjectPermissions.Read(registry, "other").Assert(Nobody, View("v"), Describe);
        Assert.Throws<FeastPermissionException>(() => ProjectPermissions.Read(registry, "p").Assert(Nobody, View("v"), Describe));
    }

    [Fact]
    public void Lists_HideWhatNamePatternsDeny_AndFailWhatABlanketPermissionDenies()
    {
        var scoped = ProjectPermissions.Read(Registry(
            new Permission("driver_readers", [PermissionResourceType.FeatureView], ["driver_.*"], [AuthzedAction.Describe], new RoleBasedPolicy(["reader"]))), "p");
        var blanket = ProjectPermissions.Read(Registry(
            new Permission("readers", [PermissionResourceType.FeatureView], actions: [AuthzedAction.Describe], policy: new RoleBasedPolicy(["reader"]))), "p");

        Assert.True(scoped.Permits(Reader, View("driver_stats"), Describe));
        Assert.False(scoped.Permits(Nobody, View("driver_stats"), Describe));   // denied by a named permission: hidden
        Assert.False(scoped.Permits(Reader, View("rider_stats"), Describe));    // matched by none, its type's permissions are named: hidden
        Assert.Throws<FeastPermissionException>(() => blanket.Permits(Nobody, View("driver_stats"), Describe));
        // No permission of the type at all: the list fails (Feast: "No permissions defined to manage ...").
        var entity = SecuredObject.Of(new P.Entity { Spec = new P.EntitySpecV2 { Name = "driver", Project = "p" } });
        Assert.Throws<FeastPermissionException>(() => scoped.Permits(Reader, entity, Describe));
    }

    [Fact]
    public void FirstGrantingPermissionDecides_AndOneMustGrantEveryActionAsked()
    {
        var rules = ProjectPermissions.Read(Registry(
            new Permission("updaters", [PermissionResourceType.FeatureView], actions: [AuthzedAction.Update], policy: new RoleBasedPolicy(["reader"])),
            new Permission("describers", [PermissionResourceType.FeatureView], actions: [AuthzedAction.Describe], policy: new RoleBasedPolicy(["reader"])),
            new Permission("everyone_describes_public", [PermissionResourceType.FeatureView], ["public_.*"], [AuthzedAction.Describe])), "p");

        rules.Assert(Reader, View("v"), Describe);
        rules.Assert(Nobody, View("public_v"), Describe);
        // An update asks DESCRIBE and UPDATE of one permission: two permissions granting one each do not add up (Feast's match_actions).
        var e = Assert.Throws<FeastPermissionException>(() => rules.Assert(Reader, View("v"), [AuthzedAction.Describe, AuthzedAction.Update]));
        Assert.Contains("No permissions defined to manage [DESCRIBE, UPDATE] on FeatureView/v", e.Message, StringComparison.Ordinal);
        var denied = Assert.Throws<FeastPermissionException>(() => rules.Assert(Nobody, View("v"), Describe));
        Assert.Contains("Permission describers denied execution of ['DESCRIBE'] to FeatureView:v: Requires roles reader", denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TypesNamesAndTags_Match_AsTheFeatureServerMatchesThem()
    {
        var rules = ProjectPermissions.Read(Registry(
            new Permission("tagged", [PermissionResourceType.FeatureView], actions: [AuthzedAction.Describe], requiredTags: new Dictionary<string, string> { ["team"] = "a" })), "p");
        var stream = SecuredObject.Of(new P.StreamFeatureView { Spec = new P.StreamFeatureViewSpec { Name = "s", Project = "p" } });
        stream.Tags["team"] = "a";

        rules.Assert(Nobody, View("v", ("team", "a")), Describe);
        rules.Assert(Nobody, stream, Describe); // FeatureView covers stream views
        Assert.Throws<FeastPermissionException>(() => rules.Assert(Nobody, View("v", ("team", "b")), Describe));
        Assert.Throws<FeastPermissionException>(() => rules.Assert(Nobody, View("v"), Describe));
        // Patterns match the whole name (Python's re.fullmatch), not a prefix or a line.
        var named = ProjectPermissions.Read(Registry(new Permission("named", [PermissionResourceType.FeatureView], ["driver"], [AuthzedAction.Describe])), "p");
        named.Assert(Nobody, View("driver"), Describe);
        Assert.Throws<FeastPermissionException>(() => named.Assert(Nobody, View("driver_stats"), Describe));
        Assert.Throws<FeastPermissionException>(() => named.Assert(Nobody, View("driver\n"), Describe));
    }

    [Fact]
    public void AThousandViews_AreFilteredFast()
    {
        var permissions = Enumerable.Range(0, 20).Select(i => new Permission($"p{i}", [PermissionResourceType.FeatureView], [$"team{i}_.*"], [AuthzedAction.Describe], new RoleBasedPolicy([$"role{i}"]))).ToArray();
        var registry = Registry(permissions);
        var views = Enumerable.Range(0, 1000).Select(i => View($"team{i % 20}_view{i}")).ToList();
        var user = new FeastUser("ada", ["role3", "role7"], [], []);

        var clock = Stopwatch.StartNew();
        var rules = ProjectPermissions.Read(registry, "p");
        var visible = views.Count(v => rules.Permits(user, v, Describe));
        clock.Stop();

        output.WriteLine($"1,000 views × 20 permissions filtered in {clock.Elapsed.TotalMilliseconds:F1} ms (permissions read included)");
        Assert.Equal(100, visible);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
    }
}
