using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Feast.Ui.Tests;

/// <summary>
/// Feast's web UI in Debian's Chromium (<c>/usr/lib/chromium/chromium</c>, or <c>$FEAST_CHROMIUM</c>), driven by
/// Playwright without a browser download, against <c>feast ui</c> on the demo repo.
/// </summary>
[Collection(DemoUiCollection.Name)]
public sealed class UiBrowserTests(DemoUiFixture demo) : IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    private static string ChromiumPath =>
        Environment.GetEnvironmentVariable("FEAST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/lib/chromium/chromium";

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"No Chromium at {ChromiumPath}: install Debian's chromium package (eng/test.sh does), or set FEAST_CHROMIUM.");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Containers run tests as root, where Chromium's sandbox cannot start.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task Overview_RendersTheAppShell_WithTheProjectFromProjectsList()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var problems = PageProblems.Watch(page, await RestApiMountedAsync());

        await page.GotoAsync(demo.Url.ToString());

        // The overview of the only project: its title, its description from the registry, the navigation.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Project: Demo" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByText("A project for driver statistics")).ToBeVisibleAsync();
        // With the REST API the links carry counts ("Data Sources (3)").
        foreach (var item in (string[])["Home", "Lineage", "Data Sources", "Entities", "Features", "Feature Views", "Feature Services", "Permissions"])
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^" + Regex.Escape(item) + @"( \(\d+\))?$") }).First).ToBeVisibleAsync();
        // The project picker holds the projects of projects-list.json.
        await Assertions.Expect(page.Locator("select").First).ToHaveValueAsync("demo");
        // The UI titles each page itself.
        Assert.Equal("Feast Home", await page.TitleAsync());
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.True(problems.Count == 0, "The page reported problems:\n" + string.Join("\n", problems));
        await page.CloseAsync();
    }

    [Fact]
    public async Task ClientRoute_LoadedDirectly_RendersItsPage()
    {
        var page = await _browser.NewPageAsync();
        var problems = PageProblems.Watch(page, await RestApiMountedAsync());

        await page.GotoAsync(new Uri(demo.Url, "p/demo/entity").ToString());

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Entities" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.True(problems.Count == 0, "The page reported problems:\n" + string.Join("\n", problems));
        await page.CloseAsync();
    }

    /// <summary>
    /// Whether the REST registry API answers under /api/v1. Until it is mounted, every page's reads of it fail (404) and
    /// the pages show empty data; those failures are expected then and only then.
    /// </summary>
    private async Task<bool> RestApiMountedAsync()
    {
        using var http = new HttpClient { BaseAddress = demo.Url };
        return (await http.GetAsync("api/v1/projects")).IsSuccessStatusCode;
    }
}
