using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Hosting;

/// <summary>
/// First in the pipeline: one structured access-log line per request (unless turned off), and the request count and
/// latency of each Feast endpoint for the metrics.
/// </summary>
internal sealed class RequestLogging(RequestDelegate next, FeastServerState state, ServerMetrics metrics, TimeProvider time, ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("Feast.Server.AccessLog");

    public async Task InvokeAsync(HttpContext context)
    {
        var log = state.Options.AccessLog && _logger.IsEnabled(LogLevel.Information);
        if (!log && !metrics.Enabled)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var started = time.GetTimestamp();
        var status = StatusCodes.Status500InternalServerError;
        RequestShape? shape = null;
        if (metrics.Enabled)
        {
            shape = new RequestShape();
            context.Features.Set(shape);
        }
        try
        {
            await next(context).ConfigureAwait(false);
            status = context.Response.StatusCode;
        }
        finally
        {
            var elapsed = time.GetElapsedTime(started);
            var request = context.Request;
            if (log)
            {
                LogMessages.Request(_logger, context.Connection.RemoteIpAddress, request.Method, request.Path.Value ?? "/",
                    request.Protocol, status, elapsed.TotalMilliseconds);
            }
            // Only routed endpoints are counted, by their route, so unknown paths cannot grow the metrics without end.
            if (metrics.Enabled && context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route })
                metrics.RequestCompleted(route, Failed(context, status) ? StatusCodes.Status500InternalServerError : status, elapsed, shape);
        }
    }

    // A failed gRPC call is still HTTP 200: its grpc-status says how it ended, in the trailers, or in the headers of a
    // trailers-only answer (a call that fails before writing a message).
    private static bool Failed(HttpContext context, int status) =>
        status >= 400
        || IsGrpcError(context.Response.Headers.GrpcStatus)
        || (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseTrailersFeature>()?.Trailers is { } trailers && IsGrpcError(trailers.GrpcStatus));

    private static bool IsGrpcError(Microsoft.Extensions.Primitives.StringValues status) => status.Count > 0 && status[0] != "0";
}

/// <summary>Puts <see cref="RequestLogging"/> in front of whatever pipeline the application builds.</summary>
internal sealed class RequestLoggingStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseMiddleware<RequestLogging>();
        next(app);
    };
}
