namespace Feast.Cli.Tests.Commands;

/// <summary><c>feast permissions check</c> and <c>feast permissions list-roles</c>, over the applied repos.</summary>
[Collection(AppliedReposCollection.Name)]
public class PermissionCommandsTests(AppliedReposFixture repos)
{
    private const string ResourcesHeading = "The following resources are not secured by any permission configuration:";
    private const string ActionsHeading = "The following actions are not secured by any permission configuration (Note: this might not be a security concern, depending on the used APIs):";

    [Fact]
    public async Task Check_RepoWithPermissions_ListsUncoveredObjectsAndUnsecuredActions()
    {
        var result = (await repos.Extended.RunAsync("permissions", "check")).ExpectOk();

        var text = result.Stdout.ReplaceLineEndings("\n");
        var resources = TextTable.Lines(text[text.IndexOf(ResourcesHeading, StringComparison.Ordinal)..text.IndexOf(ActionsHeading, StringComparison.Ordinal)]);
        var actions = TextTable.Lines(text[text.IndexOf(ActionsHeading, StringComparison.Ordinal)..]);
        // "readers" covers feature views (stream ones too) and services named driver_*; nothing covers entities or sources.
        Assert.Equal(["driver", "Entity"], TextTable.Row(resources, "driver"));
        Assert.Equal(["driver_hourly_stats_source", "FileSource"], TextTable.Row(resources, "driver_hourly_stats_source"));
        Assert.Equal(["driver_trips_kafka", "KafkaSource"], TextTable.Row(resources, "driver_trips_kafka"));
        Assert.Equal(["transformed_conv_rate", "OnDemandFeatureView"], TextTable.Row(resources, "transformed_conv_rate"));
        Assert.Equal(["readers", "Permission"], TextTable.Row(resources, "readers"));
        Assert.Empty(TextTable.Row(resources, "driver_hourly_stats"));
        Assert.Empty(TextTable.Row(resources, "driver_trips_stream"));
        Assert.Empty(TextTable.Row(resources, "driver_activity_v1"));
        // Covered objects still leave the actions "readers" does not grant.
        Assert.Equal(["driver_hourly_stats", "FeatureView", "CREATE\nDESCRIBE\nUPDATE\nDELETE\nWRITE_ONLINE\nWRITE_OFFLINE"], TextTable.Row(actions, "driver_hourly_stats"));
        Assert.Equal("CREATE\nDESCRIBE\nUPDATE\nDELETE\nREAD_ONLINE\nREAD_OFFLINE\nWRITE_ONLINE\nWRITE_OFFLINE", TextTable.Row(actions, "driver")[2]);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Check_NoPermissions_EveryObjectIsUnsecured()
    {
        var result = (await repos.Plain.RunAsync("permissions", "check")).ExpectOk();

        var lines = TextTable.Lines(result.Stdout);
        Assert.Equal(["driver_hourly_stats", "FeatureView"], TextTable.Row(lines, "driver_hourly_stats"));
        Assert.Equal(["driver_activity_v1", "FeatureService"], TextTable.Row(lines, "driver_activity_v1"));
        Assert.Equal(["vals_to_add", "RequestSource"], TextTable.Row(lines, "vals_to_add"));
        Assert.DoesNotContain("__dummy", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListRoles_ListsTheRolesOfRoleBasedPolicies()
    {
        var extended = (await repos.Extended.RunAsync("permissions", "list-roles")).ExpectOk();
        var plain = (await repos.Plain.RunAsync("permissions", "list-roles")).ExpectOk();

        var lines = TextTable.Lines(extended.Stdout).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('─')).ToList();
        // "admins" is group-based: it names no role.
        Assert.Equal(["ROLE NAME", "reader"], lines);
        Assert.Equal(["ROLE NAME"], TextTable.Lines(plain.Stdout).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('─')));
    }

    [Fact]
    public async Task ListRolesVerbose_ShowsWhatEachRoleMayDoOnEachObject()
    {
        var result = (await repos.Extended.RunAsync("permissions", "list-roles", "--verbose")).ExpectOk();

        var lines = TextTable.Lines(result.Stdout);
        Assert.Matches(@"^\s*ROLE NAME\s+RESOURCE NAME\s+RESOURCE TYPE\s+PERMITTED ACTIONS\s*$", lines.First(l => l.Trim().Length > 0));
        Assert.Equal(["reader", "driver_hourly_stats", "FeatureView", "READ_ONLINE\nREAD_OFFLINE"], TextTable.Row(lines, "reader", "driver_hourly_stats"));
        Assert.Equal(["reader", "driver_trips_stream", "StreamFeatureView", "READ_ONLINE\nREAD_OFFLINE"], TextTable.Row(lines, "reader", "driver_trips_stream"));
        Assert.Equal(["reader", "driver", "Entity", "-"], TextTable.Row(lines, "reader", "driver"));
        Assert.Equal(["reader", "transformed_conv_rate", "OnDemandFeatureView", "-"], TextTable.Row(lines, "reader", "transformed_conv_rate"));
    }

    [Fact]
    public async Task ListVerbose_PrintsFeastsTreeOfPermissionsAndTheObjectsTheyMatch()
    {
        var all = (await repos.Extended.RunAsync("permissions", "list", "--verbose")).ExpectOk();
        var tagged = (await repos.Extended.RunAsync("permissions", "list", "-v", "--tags", "team:driver_performance")).ExpectOk();

        Assert.Equal("""
            Permissions:

            permissions
            ├── admins
            └── readers ['reader']
                ├── FeatureView ['driver_hourly_stats', 'driver_hourly_stats_fresh', 'driver_pushed_stream', 'driver_trips_stream']
                └── FeatureService: ['driver_activity_v1', 'driver_activity_v2', 'driver_activity_v3']

            """, all.Stdout.ReplaceLineEndings("\n"));
        // With --tags, only tagged permissions and tagged objects count.
        Assert.Equal("""
            Permissions:

            permissions
            └── readers ['reader']
                ├── FeatureView ['driver_hourly_stats', 'driver_hourly_stats_fresh', 'driver_pushed_stream']
                └── FeatureService: none

            """, tagged.Stdout.ReplaceLineEndings("\n"));
    }
}
