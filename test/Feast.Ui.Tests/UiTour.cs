using System.Diagnostics;
using Microsoft.Playwright;

namespace Feast.Ui.Tests;

/// <summary>
/// One browser page walking through the UI of one project: opens each page, waits for its heading, lets the test assert
/// its content, and fails on anything the page reports as wrong (see <see cref="PageProblems"/>). With
/// <c>FEAST_UI_SCREENSHOTS=1</c> it saves a screenshot of each named page into the checkout's <c>docs/ui/</c>.
/// </summary>
internal sealed class UiTour : IAsyncDisposable
{
    private static readonly float Timeout = 20_000;
    private readonly IPage _page;
    private readonly Uri _projectUrl;
    private readonly List<string> _problems;
    private readonly List<string> _timings = [];
    private int _inFlight;
    private bool _loaded;

    private UiTour(IPage page, Uri projectUrl)
    {
        _page = page;
        _projectUrl = projectUrl;
        _problems = PageProblems.Watch(page);
        page.Request += (_, _) => Interlocked.Increment(ref _inFlight);
        page.RequestFinished += (_, _) => Interlocked.Decrement(ref _inFlight);
        page.RequestFailed += (_, _) => Interlocked.Decrement(ref _inFlight);
    }

    /// <summary>The page, for assertions the helpers below do not cover.</summary>
    public IPage Page => _page;

    /// <summary>How long each page took, for the test's output.</summary>
    public IReadOnlyList<string> Timings => _timings;

    /// <summary>A new tab on the UI at <paramref name="url"/> for <paramref name="project"/>.</summary>
    public static async Task<UiTour> StartAsync(IBrowser browser, Uri url, string project)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        page.SetDefaultTimeout(Timeout);
        Assertions.SetDefaultExpectTimeout(Timeout);
        return new UiTour(page, new Uri(url, $"p/{project}/"));
    }

    /// <summary>
    /// Opens the project's page at <paramref name="route"/> (relative to <c>/p/{project}/</c>) and waits for its
    /// <paramref name="heading"/> and then for the network to settle. The first page is loaded from the server; the next
    /// ones are client-side navigations as the app's links make (the app's router follows the history), so the bundle
    /// is parsed once and each page makes exactly the reads it makes when a user clicks to it.
    /// </summary>
    public async Task OpenAsync(string route, string heading)
    {
        var clock = Stopwatch.StartNew();
        var url = new Uri(_projectUrl, route).ToString();
        if (!_loaded)
        {
            await _page.GotoAsync(url);
            _loaded = true;
        }
        else
        {
            await _page.EvaluateAsync("url => { history.pushState(null, '', url); dispatchEvent(new PopStateEvent('popstate')); }", url);
        }
        await ExpectHeadingAsync(heading);
        await SettleAsync();
        lock (_timings) _timings.Add($"{route}: {clock.ElapsedMilliseconds} ms");
    }

    /// <summary>Waits until no request has been in flight for 300 ms.</summary>
    public async Task SettleAsync()
    {
        var quiet = Stopwatch.StartNew();
        var deadline = Stopwatch.StartNew();
        while (quiet.ElapsedMilliseconds < 300)
        {
            if (Volatile.Read(ref _inFlight) > 0) quiet.Restart();
            Assert.True(deadline.ElapsedMilliseconds < Timeout, $"{_page.Url}: requests still in flight after {Timeout} ms");
            await Task.Delay(25);
        }
    }

    /// <summary>A heading with exactly this text is visible.</summary>
    public Task ExpectHeadingAsync(string heading) =>
        Assertions.Expect(_page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true }).First).ToBeVisibleAsync();

    /// <summary>This exact text is visible somewhere on the page.</summary>
    public Task ExpectTextAsync(string text) =>
        Assertions.Expect(_page.GetByText(text, new() { Exact = true }).First).ToBeVisibleAsync();

    /// <summary>A link with exactly this text is visible.</summary>
    public Task ExpectLinkAsync(string name) =>
        Assertions.Expect(_page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).First).ToBeVisibleAsync();

    /// <summary>
    /// The table whose column headers are exactly <paramref name="headers"/> has exactly <paramref name="rows"/> (in any
    /// order; each expected row gives the first cells of a row, whitespace collapsed).
    /// </summary>
    public async Task ExpectTableAsync(string[] headers, params string[][] rows)
    {
        var expected = rows.Select(row => string.Join(" | ", row)).Order(StringComparer.Ordinal).ToArray();
        string[]? actual = null;
        var seen = "";
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var tables = await _page.EvaluateAsync<UiTable[]>(TablesScript);
            var table = tables.FirstOrDefault(t => t.Headers.SequenceEqual(headers, StringComparer.Ordinal));
            actual = table?.Rows.Select(cells => string.Join(" | ", cells.Take(rows.Length == 0 ? 0 : rows.Max(r => r.Length))))
                .Order(StringComparer.Ordinal).ToArray();
            if (actual is not null && actual.SequenceEqual(expected, StringComparer.Ordinal)) return;
            seen = string.Join("\n  ", tables.Select(t => "[" + string.Join(", ", t.Headers) + "]"));
            if (deadline.ElapsedMilliseconds > Timeout) break;
            await Task.Delay(100);
        }
        Assert.Fail($"table [{string.Join(", ", headers)}] on {_page.Url}:\nexpected\n  {string.Join("\n  ", expected)}\nactual\n  "
            + (actual is null ? "(no such table; the page has\n  " + seen + ")" : string.Join("\n  ", actual)));
    }

    /// <summary>Saves a screenshot as <c>docs/ui/{name}.png</c> when <c>FEAST_UI_SCREENSHOTS=1</c>.</summary>
    public async Task ScreenshotAsync(string name)
    {
        if (Environment.GetEnvironmentVariable("FEAST_UI_SCREENSHOTS") != "1") return;
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Feast.slnx"))) root = root.Parent;
        Assert.True(root is not null, "FEAST_UI_SCREENSHOTS=1 needs the tests to run from a checkout (no Feast.slnx above the test assembly)");
        // Let charts and the lineage graph finish their layout.
        await _page.WaitForTimeoutAsync(500);
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(root.FullName, "docs", "ui", name + ".png") });
    }

    /// <summary>Fails when any page of the tour reported a problem.</summary>
    public void AssertNoProblems()
    {
        lock (_problems) Assert.True(_problems.Count == 0, "The UI reported problems:\n" + string.Join("\n", _problems));
    }

    public async ValueTask DisposeAsync() => await _page.CloseAsync();

    /// <summary>A table's column headers and its rows' cells, as the page shows them.</summary>
    private sealed class UiTable
    {
        public string[] Headers { get; set; } = [];

        public string[][] Rows { get; set; } = [];
    }

    // Each table's column headers and rows: the cells' visible text, whitespace collapsed. EUI tables carry hidden
    // mobile headers (innerText skips them) and screen-reader-only cell separators (↦, ↵), which are dropped.
    private const string TablesScript = """
        () => {
          const norm = s => s.replace(/[\u21a6\u21b5]/g, '').replace(/\s+/g, ' ').trim();
          return Array.from(document.querySelectorAll('table')).map(table => ({
            headers: Array.from(table.querySelectorAll('thead th')).map(th => norm(th.innerText)),
            rows: Array.from(table.querySelectorAll('tbody tr')).map(r => Array.from(r.cells).map(c => norm(c.innerText))),
          }));
        }
        """;
}
