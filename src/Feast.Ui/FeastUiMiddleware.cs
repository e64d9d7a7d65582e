using System.Text;
using Feast.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Feast.Ui;

/// <summary>
/// Answers the UI's own paths (under the root path, which the pipeline has already taken off): the page for <c>/</c> and
/// every client route under <c>/p/</c> (SPA fallback), <c>projects-list.json</c>, <c>/health</c> and the MLflow
/// endpoints Feast's UI asks for (MLflow is not part of Feast.NET: they answer "not enabled"). Anything else goes on
/// to the bundle's files and the REST API.
/// </summary>
internal sealed partial class FeastUiMiddleware
{
    private static readonly byte[] MlflowRuns = """{"runs":[],"mlflow_uri":null}"""u8.ToArray();
    private static readonly byte[] MlflowFeatureUsage = """{"feature_usage":{},"mlflow_enabled":false}"""u8.ToArray();
    private static readonly byte[] MlflowFeatureModels = """{"feature_models":{}}"""u8.ToArray();

    private readonly RequestDelegate _next;
    private readonly IServiceProvider _services;
    private readonly string _rootPath;
    private readonly Lazy<byte[]> _indexPage;
    private readonly ILogger _logger;

    public FeastUiMiddleware(RequestDelegate next, IServiceProvider services, IOptions<FeastUiOptions> options, FeastUiBundleFolder bundle, ILoggerFactory loggers)
    {
        _next = next;
        _services = services;
        _rootPath = FeastUiOptions.NormalizeRootPath(options.Value.RootPath);
        _logger = loggers.CreateLogger("Feast.Ui");
        _indexPage = new(() =>
        {
            var template = File.ReadAllText(Path.Combine(bundle.Path, "index.html"));
            return Encoding.UTF8.GetBytes(UiDocuments.IndexHtml(template, _rootPath, _services.GetFeastStore().Config.Auth));
        });
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)) return _next(context);
        var path = context.Request.Path.Value ?? "/";
        return path switch
        {
            "" or "/" or "/index.html" => IndexAsync(context),
            _ when path.StartsWith("/p/", StringComparison.Ordinal) || path == "/p" => IndexAsync(context),
            "/projects-list.json" => ProjectsListAsync(context),
            "/health" => HealthAsync(context),
            "/api/mlflow-runs" => WriteAsync(context, MlflowRuns, "application/json"),
            "/api/mlflow-feature-usage" => WriteAsync(context, MlflowFeatureUsage, "application/json"),
            "/api/mlflow-feature-models" => WriteAsync(context, MlflowFeatureModels, "application/json"),
            _ => _next(context),
        };
    }

    private Task IndexAsync(HttpContext context) => WriteAsync(context, _indexPage.Value, "text/html; charset=utf-8");

    private async Task ProjectsListAsync(HttpContext context)
    {
        var store = _services.GetFeastStore();
        var registry = await store.GetRegistryAsync(allowCache: true, context.RequestAborted).ConfigureAwait(false);
        await WriteAsync(context, UiDocuments.ProjectsList(registry.Projects.Values, store.Project, _rootPath), "application/json").ConfigureAwait(false);
    }

    /// <summary>200 when the registry can be read, 503 when it cannot (as Feast's UI server).</summary>
    private async Task HealthAsync(HttpContext context)
    {
        try
        {
            await _services.GetFeastStore().GetRegistryAsync(allowCache: true, context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = StatusCodes.Status200OK;
        }
        catch (Exception e) when (e is FeastException or IOException)
        {
            LogUnhealthy(_logger, e.Message);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        }
    }

    private static Task WriteAsync(HttpContext context, byte[] body, string contentType)
    {
        context.Response.ContentType = contentType;
        // Generated per server (root path, auth, registry): never reused from a cache without asking.
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Health check: the registry cannot be read: {Reason}")]
    private static partial void LogUnhealthy(ILogger logger, string reason);
}

/// <summary>The bundle folder the UI is served from, found once when the server starts.</summary>
/// <param name="Path">The folder holding index.html, index.js and index.css.</param>
internal sealed record FeastUiBundleFolder(string Path);
