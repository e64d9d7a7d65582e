using Microsoft.Playwright;

namespace Feast.Ui.Tests;

/// <summary>
/// One headless Debian Chromium (<c>/usr/lib/chromium/chromium</c>, or <c>$FEAST_CHROMIUM</c>) driven by Playwright
/// without a browser download, shared by the tests of a class.
/// </summary>
public sealed class UiBrowserFixture : IAsyncLifetime
{
    private IPlaywright _playwright = null!;

    /// <summary>The browser.</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The Chromium the tests drive.</summary>
    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("FEAST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/lib/chromium/chromium";

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"No Chromium at {ChromiumPath}: install Debian's chromium package (eng/test.sh does), or set FEAST_CHROMIUM.");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Containers run tests as root, where Chromium's sandbox cannot start.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}

/// <summary>
/// What a page reports as wrong: uncaught exceptions, console errors, failed requests and error responses, except the
/// optional endpoints Feast's UI tolerates.
/// </summary>
internal static class PageProblems
{
    /// <summary>Starts collecting the page's problems into the returned list.</summary>
    /// <param name="page">The page to watch.</param>
    /// <param name="restMounted">Whether the REST API is mounted; when not, every <c>/api/v1</c> read is expected to fail.</param>
    public static List<string> Watch(IPage page, bool restMounted = true)
    {
        var problems = new List<string>();
        var answered = new HashSet<IRequest>();
        var optionalNotFound = 0;
        bool Expected(string url, int status)
        {
            var path = new Uri(url).AbsolutePath;
            // FEAST-UI.md: the OpenLineage endpoints are optional; the UI reads a 404 as "not enabled".
            return path.Contains("/api/v1/lineage/openlineage/", StringComparison.Ordinal)
                || (!restMounted && path.Contains("/api/v1/", StringComparison.Ordinal));
        }
        page.PageError += (_, error) => Add("page error: " + error);
        page.Console += (_, message) =>
        {
            if (message.Type != "error") return;
            // "Failed to load resource" repeats a failed response, which Response below judges by its URL.
            if (message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)) return;
            if (!restMounted && message.Text.Contains("/api/v1/", StringComparison.Ordinal)) return;
            // The app's REST reader logs a failed read as "RestApiError: REST API error: 404 Not Found", without its URL.
            // It repeats a 404 that Response below judged: tolerated only once an optional endpoint answered 404.
            lock (problems)
            {
                if (optionalNotFound > 0 && message.Text.StartsWith("RestApiError: REST API error: 404 ", StringComparison.Ordinal)) return;
            }
            Add($"console error: {message.Text} ({message.Location})");
        };
        page.RequestFailed += (_, request) =>
        {
            // Chromium ends a fetch whose 2xx answer has an empty body (POST /api/v1/registry/refresh) with
            // net::ERR_ABORTED after the response, although the page's fetch succeeds (microsoft/playwright#32752).
            bool emptySuccess;
            lock (problems) emptySuccess = answered.Contains(request) && request.Failure == "net::ERR_ABORTED";
            if (!emptySuccess && !Expected(request.Url, 0)) Add($"request failed: {request.Method} {request.Url}: {request.Failure}");
        };
        page.Response += (_, response) =>
        {
            if (response.Status < 400)
            {
                lock (problems) answered.Add(response.Request);
            }
            else if (Expected(response.Url, response.Status))
            {
                if (response.Status == 404) lock (problems) optionalNotFound++;
            }
            else
            {
                Add($"HTTP {response.Status}: {response.Request.Method} {response.Url}");
            }
        };
        return problems;

        void Add(string problem)
        {
            lock (problems) problems.Add(problem);
        }
    }
}
