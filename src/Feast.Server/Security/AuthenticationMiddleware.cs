using System.Globalization;
using Feast.Server.Hosting;
using Feast.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Security;

/// <summary>
/// Authenticates every request from its headers before anything reads its body, so a request without a valid token
/// costs the server its headers and nothing more: HTTP gets 401 (503 when the provider's keys cannot be had) in
/// Feast's error shape, gRPC a trailers-only UNAUTHENTICATED (UNAVAILABLE); the body is never read (at most
/// <see cref="UnreadBodyLimit"/> of it is drained, and HTTP/1.1 connections carrying one are closed). The user is kept on
/// the request for authorization. Liveness paths are always open; metrics and readiness unless
/// <see cref="FeastServerState.OperationsRequireAuth"/>; they are answered without details unless authenticated.
/// </summary>
internal sealed class AuthenticationMiddleware
{
    /// <summary>How much of a refused request's body the server may drain before it drops the connection.</summary>
    internal const long UnreadBodyLimit = 64 * 1024;

    private static readonly PathString[] AlwaysOpen = ["/health", "/healthz/live", "/grpc.health.v1.Health"];
    private static readonly PathString[] Operational = ["/metrics", "/healthz/ready"];

    private readonly RequestDelegate _next;
    private readonly ServerAuthenticator _authenticator;
    private readonly FeastServerState _state;
    private readonly ILogger _logger;

    public AuthenticationMiddleware(RequestDelegate next, ServerAuthenticator authenticator, FeastServerState state, ILoggerFactory loggers)
    {
        _next = next;
        _authenticator = authenticator;
        _state = state;
        _logger = loggers.CreateLogger("Feast.Server.Auth");
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (!_authenticator.Required)
        {
            await _next(context).ConfigureAwait(false);
            return;
        }
        var path = context.Request.Path;
        var open = Matches(path, AlwaysOpen) || (!_state.OperationsRequireAuth && Matches(path, Operational));
        var header = context.Request.Headers.Authorization.ToString();
        if (open && header.Length == 0)
        {
            await _next(context).ConfigureAwait(false);
            return;
        }
        try
        {
            var user = await _authenticator.AuthenticateAsync(header, context.RequestAborted).ConfigureAwait(false);
            context.Features.Set(new AuthenticatedUser(user));
        }
        catch (FeastException e) when (e is UnauthenticatedException or IdentityProviderUnavailableException)
        {
            if (!open)
            {
                await RefuseAsync(context, ServerErrors.Answer(e)).ConfigureAwait(false);
                return;
            }
            // An open path with a bad token is served as to anyone: without details.
            var answer = ServerErrors.Answer(e);
            LogMessages.RequestFailed(_logger, path.Value ?? "/", answer.HttpStatus, answer.ClassName, answer.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        await _next(context).ConfigureAwait(false);
    }

    private static bool Matches(PathString path, PathString[] paths)
    {
        foreach (var p in paths)
        {
            if (path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private async Task RefuseAsync(HttpContext context, ErrorAnswer answer)
    {
        LogMessages.RequestFailed(_logger, context.Request.Path.Value ?? "/", answer.HttpStatus, answer.ClassName, answer.Message);
        var request = context.Request;
        // Whatever of the body the client keeps sending is drained up to a small limit, then the connection is dropped.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = UnreadBodyLimit;
        var hasBody = request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0;
        var close = hasBody && (HttpProtocol.IsHttp11(request.Protocol) || HttpProtocol.IsHttp10(request.Protocol));

        if (request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            // A trailers-only answer: the status in the headers of an empty response.
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = ((int)answer.GrpcStatus).ToString(CultureInfo.InvariantCulture);
            response.Headers["grpc-message"] = Uri.EscapeDataString(answer.Message);
            response.Headers[ServerErrors.GrpcClassTrailer] = answer.ClassName;
            await response.CompleteAsync().ConfigureAwait(false);
            return;
        }
        await FeastHttpEndpoints.WriteErrorAsync(context, answer, response =>
        {
            if (close) response.Headers.Connection = "close";
            if (answer.HttpStatus == StatusCodes.Status401Unauthorized) response.Headers.WWWAuthenticate = "Bearer";
        }).ConfigureAwait(false);
    }
}

/// <summary>Puts <see cref="AuthenticationMiddleware"/> in front of the application's pipeline (after the access log).</summary>
internal sealed class AuthenticationStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseMiddleware<AuthenticationMiddleware>();
        next(app);
    };
}
