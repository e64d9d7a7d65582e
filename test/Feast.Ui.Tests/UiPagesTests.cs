using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Feast.Ui.Tests;

/// <summary>
/// Every page of Feast's web UI in Chromium, on the demo repo (written by Feast.NET) and on the registry Python Feast
/// wrote: each page shows the registry's objects (names, feature counts, types, tags, relationships), and no page
/// reports an error, a failed request or an error response other than the optional endpoints
/// (<see cref="PageProblems"/>). One <c>feast ui</c> per repo, one browser, the pages in sequence.
/// <c>FEAST_UI_SCREENSHOTS=1</c> also refreshes the screenshots in <c>docs/ui/</c>.
/// </summary>
[Collection(DemoUiCollection.Name)]
public sealed class UiPagesTests(DemoUiFixture demo, PythonRegistryUiFixture python, UiBrowserFixture browser, ITestOutputHelper output)
    : IClassFixture<PythonRegistryUiFixture>, IClassFixture<UiBrowserFixture>
{
    private static readonly string[] ListHeaders = ["Name", "Type"];
    private static readonly string[] EntityHeaders = ["Name", "Join Key", "Type", "# of FVs"];
    private static readonly string[] ConsumerHeaders = ["Name", "FS Consumers"];
    private static readonly string[] ViewHeaders = ["Name", "# of Features", "Version"];
    private static readonly string[] FieldHeaders = ["Name", "Value Type"];
    private static readonly string[] ServiceHeaders = ["Name", "# of Features", "Last updated"];
    private static readonly string[] ServiceFeatureHeaders = ["Feature View", "Feature", "Value Type"];
    private static readonly string[] FeatureHeaders = ["Feature Name", "Feature View", "Type", "Models", "Permissions"];
    private static readonly string[] NameHeader = ["Name"];

    [Fact]
    public async Task DemoRepo_EveryPage_ShowsItsObjects()
    {
        var clock = Stopwatch.StartNew();
        await using var ui = await UiTour.StartAsync(browser.Browser, demo.Url, "demo");

        // Overview: the project from the registry, the counts of each kind in the navigation and the tag summary.
        await ui.OpenAsync("", "Project: Demo");
        await ui.ExpectTextAsync("A project for driver statistics");
        foreach (var link in (string[])["Data Sources (3)", "Entities (2)", "Features (12)", "Feature Views (5)", "Feature Services (3)", "Datasets (0)"])
            await ui.ExpectLinkAsync(link);
        await ui.ExpectTextAsync("driver_performance (3)");
        await ui.ExpectTextAsync("stream (1)");
        await ui.ScreenshotAsync("overview");

        await ui.OpenAsync("data-source", "Data Sources");
        await ui.ExpectTableAsync(ListHeaders,
            ["driver_hourly_stats_source", "BATCH_FILE"], ["driver_stats_push_source", "PUSH_SOURCE"], ["vals_to_add", "REQUEST_SOURCE"]);
        await ui.ScreenshotAsync("data-sources");

        // A data source's detail: its file and the views that read it (from the REST answer's relationships).
        await ui.OpenAsync("data-source/driver_hourly_stats_source", "Data Source: driver_hourly_stats_source");
        await ui.ExpectTextAsync("FileSource");
        await ui.ExpectTextAsync("data/driver_stats.parquet");
        await ui.ExpectTableAsync(ConsumerHeaders, ["driver_hourly_stats", "2"], ["driver_hourly_stats_fresh", "1"], ["driver_hourly_stats_stream", "0"]);
        await ui.ScreenshotAsync("data-source");

        await ui.OpenAsync("entity", "Entities");
        // Feast's lineage links an entity to batch views only (not to stream views), so the driver counts 2 views.
        await ui.ExpectTableAsync(EntityHeaders, ["__dummy", "__dummy_id", "—", "0"], ["driver", "driver_id", "INT64", "2"]);
        await ui.ScreenshotAsync("entities");

        await ui.OpenAsync("entity/driver", "Entity: driver");
        await ui.ExpectTextAsync("driver_id");
        await ui.ExpectTextAsync("INT64");
        await ui.ExpectTableAsync(ConsumerHeaders, ["driver_hourly_stats", "2"], ["driver_hourly_stats_fresh", "1"]);
        await ui.ScreenshotAsync("entity");

        // The list splits the views on their kind: on-demand views carry a badge.
        await ui.OpenAsync("feature-view", "Feature Views");
        await ui.ExpectTableAsync(ViewHeaders,
            ["driver_hourly_stats", "3"], ["driver_hourly_stats_fresh", "3"], ["driver_hourly_stats_stream stream", "2"],
            ["transformed_conv_rate ondemand", "2"], ["transformed_conv_rate_fresh ondemand", "2"]);
        await ui.ScreenshotAsync("feature-views");

        // A batch view: its features and types, entity, consuming services, tags and batch source.
        await ui.OpenAsync("feature-view/driver_hourly_stats", "driver_hourly_stats");
        await ui.ExpectTableAsync(FieldHeaders, ["conv_rate", "FLOAT"], ["acc_rate", "FLOAT"], ["avg_daily_trips", "INT64"]);
        await ui.ExpectTableAsync(NameHeader, ["driver_activity_v1"], ["driver_activity_v2"]);
        await ui.ExpectTextAsync("team");
        await ui.ExpectTextAsync("driver_performance");
        await ui.ExpectTextAsync("data/driver_stats.parquet");
        await ui.ScreenshotAsync("feature-view");

        // Its lineage tab: the view, its entity and source, the services that use it and the on-demand view it feeds.
        await OpenLineageTabAsync(ui, "feature-view/driver_hourly_stats/lineage", "driver_hourly_stats",
            "driver", "driver_hourly_stats_source", "driver_activity_v1", "driver_activity_v2", "transformed_conv_rate");
        await ui.ScreenshotAsync("feature-view-lineage");

        // An on-demand view: its C# transformation, outputs, inputs (a view and a request source) and services.
        await ui.OpenAsync("feature-view/transformed_conv_rate", "transformed_conv_rate");
        await Assertions.Expect(ui.Page.Locator("pre").Filter(new() { HasText = "TransformedConvRate" }).First).ToBeVisibleAsync();
        await ui.ExpectTableAsync(FieldHeaders, ["conv_rate_plus_val1", "DOUBLE"], ["conv_rate_plus_val2", "DOUBLE"]);
        await ui.ExpectTableAsync(["Column Name", "Type"], ["conv_rate", "FLOAT"], ["acc_rate", "FLOAT"], ["avg_daily_trips", "INT64"]);
        await ui.ExpectTextAsync("vals_to_add");
        await ui.ExpectTableAsync(NameHeader, ["driver_activity_v1"], ["driver_activity_v2"]);
        await ui.ScreenshotAsync("on-demand-feature-view");

        // A stream view: its features, its push source (with the batch source behind it), and no service.
        await ui.OpenAsync("feature-view/driver_hourly_stats_stream", "driver_hourly_stats_stream");
        await ui.ExpectTableAsync(FieldHeaders, ["conv_rate", "FLOAT"], ["acc_rate", "FLOAT"]);
        await ui.ExpectTextAsync("Stream Source");
        await ui.ExpectTextAsync("driver_stats_push_source");
        await ui.ExpectTextAsync("No services consume this feature view");
        await ui.ScreenshotAsync("stream-feature-view");

        await ui.OpenAsync("data-source/driver_stats_push_source", "Data Source: driver_stats_push_source");
        await ui.ExpectTextAsync("PUSH_SOURCE");
        await ui.ExpectTableAsync(ConsumerHeaders, ["driver_hourly_stats_stream", "0"]);

        await ui.OpenAsync("feature-service", "Feature Services");
        await ui.ExpectTableAsync(ServiceHeaders, ["driver_activity_v1", "3"], ["driver_activity_v2", "5"], ["driver_activity_v3", "5"]);
        await ui.ScreenshotAsync("feature-services");

        await ui.OpenAsync("feature-service/driver_activity_v1", "Feature Service: driver_activity_v1");
        await ui.ExpectTableAsync(ServiceFeatureHeaders,
            ["driver_hourly_stats", "conv_rate", "FLOAT"],
            ["transformed_conv_rate", "conv_rate_plus_val1", "DOUBLE"],
            ["transformed_conv_rate", "conv_rate_plus_val2", "DOUBLE"]);
        await ui.ExpectTableAsync(ConsumerHeaders, ["driver_hourly_stats", "2"], ["transformed_conv_rate", "2"]);
        await ui.ScreenshotAsync("feature-service");

        await ui.OpenAsync("features", "Feature List");
        await ui.ExpectTableAsync(FeatureHeaders,
            ["acc_rate", "driver_hourly_stats", "Float32"], ["acc_rate", "driver_hourly_stats_fresh", "Float32"],
            ["avg_daily_trips", "driver_hourly_stats", "Int64"], ["avg_daily_trips", "driver_hourly_stats_fresh", "Int64"],
            ["conv_rate", "driver_hourly_stats", "Float32"], ["conv_rate", "driver_hourly_stats_fresh", "Float32"],
            ["acc_rate", "driver_hourly_stats_stream", "Float32"], ["conv_rate", "driver_hourly_stats_stream", "Float32"],
            ["conv_rate_plus_val1", "transformed_conv_rate", "Float64"], ["conv_rate_plus_val1", "transformed_conv_rate_fresh", "Float64"],
            ["conv_rate_plus_val2", "transformed_conv_rate", "Float64"], ["conv_rate_plus_val2", "transformed_conv_rate_fresh", "Float64"]);
        await ui.ScreenshotAsync("features");

        await ui.OpenAsync("feature-view/driver_hourly_stats/feature/avg_daily_trips", "Feature: avg_daily_trips");
        await ui.ExpectTextAsync("Average daily trips");
        await ui.ExpectTextAsync("Int64");
        await ui.ScreenshotAsync("feature");

        // The demo defines no permission.
        await ui.OpenAsync("permissions", "Permissions");
        await ui.ExpectTextAsync("No permissions yet");

        // The whole project's lineage: every service, view, entity and source that has a relationship.
        await OpenLineageAsync(ui, "demo",
            "driver_activity_v1", "driver_activity_v2", "driver_activity_v3", "driver_hourly_stats", "driver_hourly_stats_fresh",
            "transformed_conv_rate", "transformed_conv_rate_fresh", "driver_hourly_stats_stream", "driver", "driver_hourly_stats_source",
            "driver_stats_push_source", "vals_to_add");
        await ui.ScreenshotAsync("lineage");

        await ui.OpenAsync("data-set", "Data Catalog");
        await ui.ExpectTextAsync("Your Data Catalog is empty");
        await ui.ScreenshotAsync("datasets");

        await RefreshAsync(ui, "Project: Demo");
        ui.AssertNoProblems();
        output.WriteLine($"demo repo: {clock.ElapsedMilliseconds} ms\n" + string.Join("\n", ui.Timings));
    }

    [Fact]
    public async Task PythonWrittenRegistry_EveryPage_ShowsItsObjects()
    {
        var clock = Stopwatch.StartNew();
        await using var ui = await UiTour.StartAsync(browser.Browser, python.Url, "my_project");

        await ui.OpenAsync("", "Project: My Project");
        await ui.ExpectTextAsync("A project for driver statistics");
        foreach (var link in (string[])["Data Sources (3)", "Entities (2)", "Features (10)", "Feature Views (3)", "Feature Services (1)", "Datasets (0)"])
            await ui.ExpectLinkAsync(link);
        await ui.ExpectTextAsync("driver_performance (2)");

        await ui.OpenAsync("data-source", "Data Sources");
        await ui.ExpectTableAsync(ListHeaders,
            ["driver_hourly_stats_source", "BATCH_FILE"], ["driver_stats_push_source", "PUSH_SOURCE"], ["vals_to_add", "REQUEST_SOURCE"]);

        await ui.OpenAsync("data-source/driver_hourly_stats_source", "Data Source: driver_hourly_stats_source");
        await ui.ExpectTextAsync("data/driver_stats.parquet");
        await ui.ExpectTableAsync(ConsumerHeaders, ["driver_hourly_stats", "1"], ["driver_hourly_stats_fresh", "0"]);

        // A push source: only a view's stream source, which Feast's lineage does not count as consuming it.
        await ui.OpenAsync("data-source/driver_stats_push_source", "Data Source: driver_stats_push_source");
        await ui.ExpectTextAsync("PUSH_SOURCE");
        await ui.ExpectTextAsync("No consuming views");

        await ui.OpenAsync("entity", "Entities");
        await ui.ExpectTableAsync(EntityHeaders, ["__dummy", "__dummy_id", "—", "0"], ["driver", "driver_id", "INT64", "2"]);

        await ui.OpenAsync("entity/driver", "Entity: driver");
        await ui.ExpectTextAsync("2025-11-24");
        await ui.ExpectTableAsync(ConsumerHeaders, ["driver_hourly_stats", "1"], ["driver_hourly_stats_fresh", "0"]);

        await ui.OpenAsync("feature-view", "Feature Views");
        await ui.ExpectTableAsync(ViewHeaders,
            ["driver_hourly_stats", "4"], ["driver_hourly_stats_fresh", "4"], ["transformed_conv_rate ondemand", "2"]);

        // A view no service uses, with a JSON feature.
        await ui.OpenAsync("feature-view/driver_hourly_stats_fresh", "driver_hourly_stats_fresh");
        await ui.ExpectTableAsync(FieldHeaders, ["conv_rate", "FLOAT"], ["acc_rate", "FLOAT"], ["avg_daily_trips", "INT64"], ["driver_config", "JSON"]);
        await ui.ExpectTextAsync("No services consume this feature view");
        await ui.ExpectTextAsync("driver_performance");

        await OpenLineageTabAsync(ui, "feature-view/driver_hourly_stats/lineage", "driver_hourly_stats",
            "driver", "driver_hourly_stats_source", "driver_activity_v1", "transformed_conv_rate");

        await ui.OpenAsync("feature-view/transformed_conv_rate", "transformed_conv_rate");
        await ui.ExpectTableAsync(FieldHeaders, ["conv_rate_plus_val1", "DOUBLE"], ["conv_rate_plus_val2", "DOUBLE"]);
        await ui.ExpectTextAsync("vals_to_add");
        await ui.ExpectTableAsync(NameHeader, ["driver_activity_v1"]);

        await ui.OpenAsync("feature-service", "Feature Services");
        await ui.ExpectTableAsync(ServiceHeaders, ["driver_activity_v1", "3"]);

        await ui.OpenAsync("feature-service/driver_activity_v1", "Feature Service: driver_activity_v1");
        await ui.ExpectTableAsync(ServiceFeatureHeaders,
            ["driver_hourly_stats", "conv_rate", "FLOAT"],
            ["transformed_conv_rate", "conv_rate_plus_val1", "DOUBLE"],
            ["transformed_conv_rate", "conv_rate_plus_val2", "DOUBLE"]);

        await ui.OpenAsync("features", "Feature List");
        await ui.ExpectTableAsync(FeatureHeaders,
            ["acc_rate", "driver_hourly_stats", "Float32"], ["acc_rate", "driver_hourly_stats_fresh", "Float32"],
            ["avg_daily_trips", "driver_hourly_stats", "Int64"], ["avg_daily_trips", "driver_hourly_stats_fresh", "Int64"],
            ["conv_rate", "driver_hourly_stats", "Float32"], ["conv_rate", "driver_hourly_stats_fresh", "Float32"],
            ["conv_rate_plus_val1", "transformed_conv_rate", "Float64"], ["conv_rate_plus_val2", "transformed_conv_rate", "Float64"],
            ["driver_config", "driver_hourly_stats", "Json"], ["driver_config", "driver_hourly_stats_fresh", "Json"]);

        await ui.OpenAsync("feature-view/driver_hourly_stats/feature/driver_config", "Feature: driver_config");
        await ui.ExpectTextAsync("Driver configuration as JSON");
        await ui.ExpectTextAsync("Json");

        // The registry's one permission: who may read feature views.
        await ui.OpenAsync("permissions", "Permissions");
        await ui.ExpectTableAsync(["Name", "Resource Types", "Actions", "Policy", "Actions"],
            ["readers", "Feature View", "READ_ONLINE READ_OFFLINE", "Roles: reader"]);
        await ui.ScreenshotAsync("permissions");

        await OpenLineageAsync(ui, "my_project",
            "driver_activity_v1", "driver_hourly_stats", "driver_hourly_stats_fresh", "transformed_conv_rate",
            "driver", "driver_hourly_stats_source", "vals_to_add");

        await ui.OpenAsync("data-set", "Data Catalog");
        await ui.ExpectTextAsync("Your Data Catalog is empty");

        await RefreshAsync(ui, "Project: My Project");
        ui.AssertNoProblems();
        output.WriteLine($"Python-written registry: {clock.ElapsedMilliseconds} ms\n" + string.Join("\n", ui.Timings));
    }

    /// <summary>A view's lineage tab: its graph has exactly the view and these nodes.</summary>
    private static async Task OpenLineageTabAsync(UiTour ui, string route, string view, params string[] nodes)
    {
        await ui.OpenAsync(route, view);
        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Tab, new() { Name = "Lineage" })).ToHaveAttributeAsync("aria-selected", "true");
        await ExpectNodesAsync(ui, [view, .. nodes]);
    }

    /// <summary>The project's lineage page: its graph has exactly these nodes.</summary>
    private static async Task OpenLineageAsync(UiTour ui, string project, params string[] nodes)
    {
        await ui.OpenAsync("lineage", $"{project} Lineage");
        await ExpectNodesAsync(ui, nodes);
    }

    private static async Task ExpectNodesAsync(UiTour ui, string[] nodes)
    {
        var graph = ui.Page.Locator(".react-flow__node");
        await Assertions.Expect(graph).ToHaveCountAsync(nodes.Length);
        foreach (var node in nodes)
            await Assertions.Expect(graph.Filter(new() { HasTextRegex = new Regex("^\\W*" + Regex.Escape(node) + "\\W*$") })).ToHaveCountAsync(1);
    }

    /// <summary>
    /// The Refresh button: the server re-reads the registry (<c>POST /api/v1/registry/refresh</c> answers 200), the UI
    /// re-reads <c>projects-list.json</c>, says so and the page still shows the project.
    /// </summary>
    private static async Task RefreshAsync(UiTour ui, string overviewHeading)
    {
        await ui.OpenAsync("", overviewHeading);
        var projects = ui.Page.WaitForRequestAsync(new Regex("/projects-list\\.json"));
        var refresh = await ui.Page.RunAndWaitForResponseAsync(
            () => ui.Page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync(),
            response => response.Url.EndsWith("/api/v1/registry/refresh", StringComparison.Ordinal));
        Assert.Equal(200, refresh.Status);
        Assert.Equal("POST", refresh.Request.Method);
        await projects;
        await ui.ExpectTextAsync("Refresh successful");
        await ui.SettleAsync();
        await ui.ExpectHeadingAsync(overviewHeading);
    }
}
