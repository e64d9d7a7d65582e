using Microsoft.AspNetCore.Routing;

namespace Feast.Ui;

/// <summary>How <c>feast ui</c> serves Feast's web UI: under which URL prefix, from which bundle, and with which REST API.</summary>
public sealed class FeastUiOptions
{
    /// <summary>The path of the REST registry API under the root path, as the UI reads it (<c>registryPath</c> in projects-list.json).</summary>
    public const string RestApiPath = "/api/v1";

    /// <summary>
    /// The URL prefix everything is served under (<c>feast ui --root-path</c>, e.g. <c>/feast</c>): the pages, the bundle,
    /// <c>projects-list.json</c>, <c>/health</c> and the REST API. Requests without the prefix are served too, so a reverse
    /// proxy may strip it or pass it on. Empty (the default) serves at the root.
    /// </summary>
    public string RootPath { get; set; } = "";

    /// <summary>
    /// The folder of the built bundle (<c>index.html</c>, <c>index.js</c>, <c>index.css</c>). <see langword="null"/> (the default)
    /// looks where <see cref="FeastUiBundle.Find"/> looks.
    /// </summary>
    public string? BundleDirectory { get; set; }

    /// <summary>
    /// Maps the REST registry API the UI reads (Feast's <c>/api/v1</c>, the same implementation as
    /// <c>feast serve_registry --rest-api</c>) on the given endpoints at the given prefix (<see cref="RestApiPath"/>;
    /// the root path is applied around it). <see langword="null"/> serves the UI without data: every page then shows
    /// Feast's loading error.
    /// </summary>
    public Action<IEndpointRouteBuilder, string>? MapRegistryRest { get; set; }

    /// <summary>
    /// <paramref name="rootPath"/> as served: empty, or <c>/segment[/segment...]</c> without a trailing slash. Throws
    /// <see cref="ArgumentException"/> for a path with a query, fragment, or characters a URL path cannot hold as is.
    /// </summary>
    /// <param name="rootPath">A root path as given (<c>feast</c>, <c>/feast/</c>, <c>/</c>, empty).</param>
    public static string NormalizeRootPath(string? rootPath)
    {
        var path = (rootPath ?? "").Trim().TrimEnd('/');
        if (path.Length == 0) return "";
        if (!path.StartsWith('/')) path = "/" + path;
        if (path.Any(c => c is '?' or '#' or '%' or '"' or '<' or '>' or '\\' || char.IsWhiteSpace(c) || char.IsControl(c)) || path.Contains("//", StringComparison.Ordinal))
            throw new ArgumentException($"The root path '{rootPath}' is not a URL path like /feast.", nameof(rootPath));
        return path;
    }
}
