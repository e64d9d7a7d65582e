using YamlDotNet.RepresentationModel;

namespace Feast.Cli.Tests.Commands;

/// <summary><c>KIND list</c> and <c>KIND describe NAME</c> for every object kind, over applied repos.</summary>
[Collection(AppliedReposCollection.Name)]
public class ObjectCommandsTests(AppliedReposFixture repos)
{
    [Fact]
    public async Task EntitiesList_AppliedRepo_ShowsNameDescriptionTypeWithoutTheDummyEntity()
    {
        var list = (await repos.Plain.RunAsync("entities", "list")).ExpectOk();

        var table = list.Table;
        Assert.Equal(["NAME", "DESCRIPTION", "TYPE"], table.Header);
        var row = Assert.Single(table.Rows);
        Assert.Equal(["driver", "", "INT64"], row);
        Assert.DoesNotContain("__dummy", list.Stdout, StringComparison.Ordinal);
        Assert.Equal("", list.Stderr);
    }

    [Fact]
    public async Task FeatureViewsList_AppliedRepo_ShowsBatchStreamAndOnDemandViews()
    {
        var plain = (await repos.Plain.RunAsync("feature-views", "list")).ExpectOk().Table;

        Assert.Equal(["NAME", "ENTITIES", "TYPE"], plain.Header);
        Assert.Equal(["driver_hourly_stats", "driver_hourly_stats_fresh", "transformed_conv_rate", "transformed_conv_rate_fresh"], plain.Column("NAME"));
        Assert.Equal("{'driver'}", plain.Cell("driver_hourly_stats", "ENTITIES"));
        Assert.Equal("FeatureView", plain.Cell("driver_hourly_stats", "TYPE"));
        Assert.Equal("OnDemandFeatureView", plain.Cell("transformed_conv_rate", "TYPE"));

        var extended = (await repos.Extended.RunAsync("feature-views", "list")).ExpectOk().Table;

        Assert.Contains("driver_trips_stream", extended.Column("NAME"));
        Assert.Equal("StreamFeatureView", extended.Cell("driver_trips_stream", "TYPE"));
    }

    [Fact]
    public async Task OnDemandFeatureViewsList_AppliedRepo_ShowsNamesAndCSharpMode()
    {
        var table = (await repos.Plain.RunAsync("on-demand-feature-views", "list")).ExpectOk().Table;

        Assert.Equal(["NAME", "MODE"], table.Header);
        Assert.Equal(["transformed_conv_rate", "transformed_conv_rate_fresh"], table.Column("NAME"));
        Assert.All(table.Column("MODE"), m => Assert.Equal("csharp", m));
    }

    [Fact]
    public async Task StreamFeatureViewsList_TemplateHasNone_PrintsOnlyTheHeader()
    {
        var table = (await repos.Plain.RunAsync("stream-feature-views", "list")).ExpectOk().Table;

        Assert.Equal(["NAME", "ENTITIES", "SOURCE"], table.Header);
        Assert.Empty(table.Rows);
    }

    [Fact]
    public async Task StreamFeatureViewsList_RepoWithStreamViews_ShowsThemWithTheirSources()
    {
        var table = (await repos.Extended.RunAsync("stream-feature-views", "list")).ExpectOk().Table;

        Assert.Equal(["driver_pushed_stream", "driver_trips_stream"], table.Column("NAME"));
        Assert.Equal("driver_trips_kafka", table.Cell("driver_trips_stream", "SOURCE"));
        Assert.Equal("driver_stats_push_source", table.Cell("driver_pushed_stream", "SOURCE"));
        Assert.Equal("{'driver'}", table.Cell("driver_trips_stream", "ENTITIES"));
    }

    [Fact]
    public async Task FeatureServicesList_AppliedRepo_ShowsEachServiceWithItsFeatures()
    {
        var table = (await repos.Plain.RunAsync("feature-services", "list")).ExpectOk().Table;

        Assert.Equal(["NAME", "FEATURES"], table.Header);
        Assert.Equal(["driver_activity_v1", "driver_activity_v2", "driver_activity_v3"], table.Column("NAME"));
        var v1 = table.Cell("driver_activity_v1", "FEATURES").Replace("\n", " ", StringComparison.Ordinal);
        Assert.Equal("driver_hourly_stats:conv_rate, transformed_conv_rate:conv_rate_plus_val1, transformed_conv_rate:conv_rate_plus_val2", v1);
    }

    [Fact]
    public async Task DataSourcesList_AppliedRepo_ShowsEachSourceWithItsClass()
    {
        var plain = (await repos.Plain.RunAsync("data-sources", "list")).ExpectOk().Table;

        Assert.Equal(["NAME", "CLASS"], plain.Header);
        Assert.Equal("FileSource", plain.Cell("driver_hourly_stats_source", "CLASS"));
        Assert.Equal("PushSource", plain.Cell("driver_stats_push_source", "CLASS"));
        Assert.Equal("RequestSource", plain.Cell("vals_to_add", "CLASS"));
        Assert.Equal(3, plain.Rows.Count);

        var extended = (await repos.Extended.RunAsync("data-sources", "list")).ExpectOk().Table;

        Assert.Equal("KafkaSource", extended.Cell("driver_trips_kafka", "CLASS"));
    }

    [Fact]
    public async Task ProjectsList_AppliedRepo_ShowsTheProjectAndItsDescription()
    {
        var table = (await repos.Plain.RunAsync("projects", "list")).ExpectOk().Table;

        Assert.Equal(["NAME", "DESCRIPTION", "TAGS", "OWNER"], table.Header);
        var row = Assert.Single(table.Rows);
        Assert.Equal(AppliedReposFixture.PlainProject, row[0]);
        Assert.Equal("A project for driver statistics", row[1]);
    }

    [Fact]
    public async Task PermissionsList_TemplateHasNone_PrintsOnlyTheHeader()
    {
        var table = (await repos.Plain.RunAsync("permissions", "list")).ExpectOk().Table;

        Assert.Equal(["NAME", "TYPES", "NAME_PATTERNS", "ACTIONS", "ROLES", "REQUIRED_TAGS", "POLICY"], table.Header);
        Assert.Empty(table.Rows);
    }

    [Fact]
    public async Task PermissionsList_RepoWithPermissions_ShowsTypesPatternsActionsAndPolicy()
    {
        var table = (await repos.Extended.RunAsync("permissions", "list")).ExpectOk().Table;

        Assert.Equal(["admins", "readers"], table.Column("NAME"));
        // Feast's layout: one value per line, "-" for none.
        Assert.Equal("FeatureView\nFeatureService", table.Cell("readers", "TYPES"));
        Assert.Equal("driver_.*", table.Cell("readers", "NAME_PATTERNS"));
        Assert.Equal("READ_ONLINE\nREAD_OFFLINE", table.Cell("readers", "ACTIONS"));
        Assert.Equal("reader", table.Cell("readers", "ROLES"));
        Assert.Equal("-", table.Cell("readers", "REQUIRED_TAGS"));
        Assert.Equal("roles: reader", table.Cell("readers", "POLICY"));
        Assert.Equal("-", table.Cell("admins", "ROLES"));
        Assert.Equal("-", table.Cell("admins", "NAME_PATTERNS"));
        Assert.Equal("CREATE\nDESCRIBE\nUPDATE\nDELETE\nREAD_ONLINE\nREAD_OFFLINE\nWRITE_ONLINE\nWRITE_OFFLINE", table.Cell("admins", "ACTIONS"));
        Assert.Equal("groups: feast-admins", table.Cell("admins", "POLICY").Replace("\n", " ", StringComparison.Ordinal));
        Assert.Equal("Project", table.Cell("admins", "TYPES"));
    }

    [Fact]
    public async Task PermissionsList_LongNameAndManyTypes_PrintsTheNameUnbroken()
    {
        using var repo = await InitRepo.CreateAsync("driver_wide_permissions");
        repo.Write("permissions.cs", """
            public static class Permissions
            {
                public static readonly Permission FeatureReaders = new(
                    name: "feature_readers",
                    types: [PermissionResourceType.FeatureView, PermissionResourceType.FeatureService],
                    namePatterns: ["driver_.*"],
                    actions: AuthzedActions.Read,
                    policy: new RoleBasedPolicy(["reader"]));

                public static readonly Permission Admins = new(name: "admins", policy: new GroupBasedPolicy(["feast-admins"]));
            }

            """);
        (await repo.RunAsync("apply")).ExpectOk();

        var list = (await repo.RunAsync("permissions", "list")).ExpectOk();

        Assert.Contains("feature_readers", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("OnDemandFeatureView", list.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_WithTags_ShowsOnlyObjectsCarryingEveryTag()
    {
        var team = (await repos.Extended.RunAsync("feature-views", "list", "--tags", "team:driver_performance")).ExpectOk().Table;
        Assert.Equal(["driver_hourly_stats", "driver_hourly_stats_fresh", "driver_pushed_stream"], team.Column("NAME"));

        var both = (await repos.Extended.RunAsync("feature-views", "list", "--tags", "team:driver_performance", "--tags", "tier:gold")).ExpectOk().Table;
        Assert.Equal(["driver_pushed_stream"], both.Column("NAME"));

        var realtime = (await repos.Extended.RunAsync("stream-feature-views", "list", "--tags", "team:realtime")).ExpectOk().Table;
        Assert.Equal(["driver_trips_stream"], realtime.Column("NAME"));

        var permissions = (await repos.Extended.RunAsync("permissions", "list", "--tags", "team:driver_performance")).ExpectOk().Table;
        Assert.Equal(["readers"], permissions.Column("NAME"));

        var none = (await repos.Extended.RunAsync("entities", "list", "--tags", "team:driver_performance")).ExpectOk().Table;
        Assert.Empty(none.Rows);
    }

    [Theory]
    [InlineData("x")]
    [InlineData(":driver_performance")]
    public async Task List_MalformedTag_ExitsOneExplainingTheFormat(string tag)
    {
        var list = (await repos.Plain.RunAsync("feature-views", "list", "--tags", tag)).Expect(1);

        Assert.Equal("", list.Stdout);
        Assert.StartsWith($"Error: --tags '{tag}' is not KEY:VALUE.", list.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("entities", "driver")]
    [InlineData("feature-views", "driver_hourly_stats")]
    [InlineData("feature-views", "transformed_conv_rate")]
    [InlineData("on-demand-feature-views", "transformed_conv_rate")]
    [InlineData("stream-feature-views", "driver_trips_stream")]
    [InlineData("feature-services", "driver_activity_v1")]
    [InlineData("data-sources", "driver_hourly_stats_source")]
    [InlineData("data-sources", "driver_trips_kafka")]
    [InlineData("permissions", "readers")]
    [InlineData("projects", AppliedReposFixture.ExtendedProject)]
    public async Task Describe_ExistingObject_PrintsItAsYamlWithItsName(string kind, string name)
    {
        var describe = (await repos.Extended.RunAsync(kind, "describe", name)).ExpectOk();

        Assert.Equal("", describe.Stderr);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(describe.Stdout));
        var root = Assert.IsType<YamlMappingNode>(Assert.Single(yaml.Documents).RootNode);
        // Objects with a spec carry the name there; data sources carry it at the top.
        var holder = root.Children.TryGetValue(new YamlScalarNode("spec"), out var spec) ? Assert.IsType<YamlMappingNode>(spec) : root;
        Assert.Equal(name, ((YamlScalarNode)holder.Children[new YamlScalarNode("name")]).Value);
    }

    [Fact]
    public async Task Describe_FeatureView_ShowsItsFeaturesTagsAndTtl()
    {
        var describe = (await repos.Plain.RunAsync("feature-views", "describe", "driver_hourly_stats")).ExpectOk();

        Assert.Contains("  project: driver_listing\n", describe.Stdout, StringComparison.Ordinal);
        Assert.Contains("    - name: avg_daily_trips\n      valueType: INT64\n      description: Average daily trips\n", describe.Stdout, StringComparison.Ordinal);
        Assert.Contains("  tags:\n    team: driver_performance\n", describe.Stdout, StringComparison.Ordinal);
        Assert.Contains("  ttl: 86400s\n", describe.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("entities", "Entity nope does not exist in project driver_listing")]
    [InlineData("feature-views", "Feature view nope does not exist in project driver_listing")]
    [InlineData("on-demand-feature-views", "On demand feature view nope does not exist in project driver_listing")]
    [InlineData("stream-feature-views", "Stream feature view nope does not exist in project driver_listing")]
    [InlineData("feature-services", "Feature service nope does not exist in project driver_listing")]
    [InlineData("data-sources", "Data source nope does not exist in project driver_listing")]
    [InlineData("permissions", "Permission nope does not exist in project driver_listing")]
    [InlineData("projects", "Project nope does not exist")]
    public async Task Describe_MissingObject_ExitsOneNamingIt(string kind, string message)
    {
        var describe = (await repos.Plain.RunAsync(kind, "describe", "nope")).Expect(1);

        Assert.Equal("", describe.Stdout);
        Assert.Equal($"Error: {message}", describe.Stderr.TrimEnd());
    }

    [Fact]
    public async Task Describe_WithoutName_IsAUsageError()
    {
        var describe = (await repos.Plain.RunAsync("entities", "describe")).Expect(2);

        Assert.Equal("", describe.Stdout);
        Assert.StartsWith("Error: ", describe.Stderr, StringComparison.Ordinal);
    }
}
