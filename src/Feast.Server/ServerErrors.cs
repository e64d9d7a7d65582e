using System.Diagnostics;
using Feast.Configuration;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Feast.Server;

/// <summary>
/// A request body the server cannot read: not JSON, not the expected shape, or a field of the wrong type. HTTP 422,
/// as FastAPI answers a body that fails validation in Feast's server.
/// </summary>
internal sealed class RequestBodyException : FeastValidationException
{
    /// <inheritdoc cref="FeastException(string)"/>
    public RequestBodyException(string message) : base(message) { }
}

/// <summary>A request body larger than the server accepts (HTTP 413).</summary>
internal sealed class RequestBodyTooLargeException : FeastValidationException
{
    /// <summary>Creates the exception for a limit of <paramref name="limit"/> bytes.</summary>
    public RequestBodyTooLargeException(long limit, long? actual)
        : base(actual is { } size
            ? $"The request body has {size} bytes, more than the {limit} bytes this server accepts. {Fix}"
            : $"The request body is larger than the {limit} bytes this server accepts. {Fix}")
    {
        Limit = limit;
    }

    /// <summary>How to get a large request through: smaller requests, or a higher limit where the server's host sets it.</summary>
    public const string Fix = "Send fewer entity rows per request, or raise the limit: feast serve --max-request-bytes N (FeastServerOptions.MaxRequestBodyBytes when hosting the server yourself).";

    /// <summary>The limit, in bytes.</summary>
    public long Limit { get; }
}

/// <summary>An online read asks for more features or entity rows than the server serves in one request (HTTP 413).</summary>
internal sealed class RequestLimitException(string message) : FeastValidationException(message)
{
    /// <summary>Throws unless <paramref name="request"/> stays within the limits of <paramref name="options"/>.</summary>
    public static void Check(Online.OnlineFeaturesRequest request, FeastServerOptions options)
    {
        var features = request.Features?.Count ?? 0;
        if (features > options.MaxFeaturesPerRequest)
        {
            throw new RequestLimitException(
                $"The request names {features} features, more than the {options.MaxFeaturesPerRequest} this server serves in one request. " +
                "Split the features over several requests, use a feature service, or raise the limit (feast serve --max-features).");
        }
        var rows = 0;
        foreach (var column in request.Entities.Values) rows = Math.Max(rows, column?.Count ?? 0);
        if (rows > options.MaxEntityRowsPerRequest)
        {
            throw new RequestLimitException(
                $"The request has {rows} entity rows, more than the {options.MaxEntityRowsPerRequest} this server serves in one request. " +
                "Send fewer rows per request, or raise the limit (feast serve --max-entity-rows).");
        }
    }
}

/// <summary>How an error is answered over HTTP and gRPC.</summary>
/// <param name="HttpStatus">The HTTP status code.</param>
/// <param name="GrpcStatus">The gRPC status code.</param>
/// <param name="ErrorClass">The error class named in the body (Feast's class name for Feast's errors); null for errors that are not Feast's, whose body is only the message, as Feast's server answers them.</param>
/// <param name="Message">The message for the client.</param>
internal readonly record struct ErrorAnswer(int HttpStatus, StatusCode GrpcStatus, string? ErrorClass, string Message)
{
    public bool IsServerError => HttpStatus >= 500;

    /// <summary>
    /// The class named in logs, traces and gRPC's <c>feast-error-class</c> trailer: <see cref="ErrorClass"/>, or for an
    /// error that is not Feast's, the exception's type name.
    /// </summary>
    public string ClassName { get; init; } = "";
}

/// <summary>
/// The one table from exceptions to answers (docs/server.md lists it). Feast's rules where Feast has them: its
/// not-found errors are 404/NOT_FOUND, an unknown push source 422, a permission error 403/PERMISSION_DENIED, other
/// Feast errors 500/INTERNAL. Where Python Feast answers a client's mistake with a FastAPI 422 or a bare 500
/// (ValueError, KeyError), Feast.NET answers 422 for an unreadable body and 400 for a request that reads but is wrong.
/// </summary>
internal static class ServerErrors
{
    /// <summary>The longest run of text without a space an answer echoes whole (a name, a value, a path).</summary>
    public const int MaxEcho = 200;

    /// <summary>The longest error message an answer carries.</summary>
    public const int MaxMessage = 2000;

    /// <summary>
    /// <paramref name="value"/> cut to <paramref name="max"/> characters with "…" after, so what a client sent (a 1 MB
    /// view name) is never echoed whole in an answer or a log line.
    /// </summary>
    public static string Clip(string value, int max = MaxEcho) =>
        value.Length <= max ? value : string.Concat(value.AsSpan(0, char.IsHighSurrogate(value[max - 1]) ? max - 1 : max), "…");

    /// <summary>
    /// A message fit to send: every run of more than <see cref="MaxEcho"/> characters without a space clipped, and the
    /// whole at most <see cref="MaxMessage"/> characters.
    /// </summary>
    public static string ForClient(string message)
    {
        if (message.Length <= MaxEcho) return message;
        var text = new System.Text.StringBuilder(Math.Min(message.Length, MaxMessage + 1));
        var start = 0;
        while (start < message.Length && text.Length <= MaxMessage)
        {
            var space = message.IndexOfAny([' ', '\n'], start);
            var end = space < 0 ? message.Length : space;
            text.Append(end - start <= MaxEcho ? message.AsSpan(start, end - start) : Clip(message[start..end]));
            if (space >= 0) text.Append(message[space]);
            start = end + 1;
        }
        return Clip(text.ToString(), MaxMessage);
    }

    /// <summary>How <paramref name="exception"/> is answered, its message fit to send (<see cref="ForClient"/>).</summary>
    public static ErrorAnswer Answer(Exception exception)
    {
        var answer = Classify(exception);
        return answer with { Message = ForClient(answer.Message), ClassName = answer.ErrorClass ?? exception.GetType().Name };
    }

    /// <summary>
    /// The answer to a request that failed with <paramref name="exception"/>, logged and set on the request's trace:
    /// the one path from an exception to an HTTP or gRPC answer, for every endpoint of both transports.
    /// </summary>
    public static ErrorAnswer Report(Exception exception, string endpoint, ILogger logger, Activity? activity)
    {
        var answer = Answer(exception);
        if (answer.IsServerError && answer.ErrorClass is null) LogMessages.UnexpectedError(logger, endpoint, exception);
        else LogMessages.RequestFailed(logger, endpoint, answer.HttpStatus, answer.ClassName, answer.Message);
        ServerTelemetry.Failed(activity, answer.ClassName, answer.Message);
        return answer;
    }

    /// <summary>How a gRPC call that failed with <paramref name="answer"/> ends: its status, and its class in a trailer.</summary>
    public static RpcException ToRpc(ErrorAnswer answer) =>
        new(new Status(answer.GrpcStatus, answer.Message), new Metadata { { GrpcClassTrailer, answer.ClassName } });

    /// <summary>The gRPC trailer that names the error class of a failed call (Feast's class name for Feast's errors).</summary>
    public const string GrpcClassTrailer = "feast-error-class";

    private static ErrorAnswer Classify(Exception exception) => exception switch
    {
        RequestBodyTooLargeException e => new(413, StatusCode.ResourceExhausted, e.FeastErrorClass, e.Message),
        RequestLimitException e => new(413, StatusCode.ResourceExhausted, e.FeastErrorClass, e.Message),
        RequestBodyException e => new(422, StatusCode.InvalidArgument, e.FeastErrorClass, e.Message),
        Security.UnauthenticatedException e => new(401, StatusCode.Unauthenticated, e.FeastErrorClass, e.Message),
        Security.IdentityProviderUnavailableException e => new(503, StatusCode.Unavailable, e.FeastErrorClass, e.Message),
        FeastObjectNotFoundException e => new(404, StatusCode.NotFound, e.FeastErrorClass, e.Message),
        PushSourceNotFoundException e => new(422, StatusCode.InvalidArgument, e.FeastErrorClass, e.Message),
        ObjectInUseException e => new(400, StatusCode.FailedPrecondition, e.FeastErrorClass, e.Message),
        FeastValidationException e => new(400, StatusCode.InvalidArgument, e.FeastErrorClass, e.Message),
        FeastConfigException e => new(500, StatusCode.FailedPrecondition, e.FeastErrorClass, e.Message),
        FeastException { FeastErrorClass: "FeastPermissionError" } e => new(403, StatusCode.PermissionDenied, e.FeastErrorClass, e.Message),
        FeastException e => new(500, StatusCode.Internal, e.FeastErrorClass, e.Message),
        Microsoft.AspNetCore.Http.BadHttpRequestException { StatusCode: 413 } e => new(413, StatusCode.ResourceExhausted, nameof(RequestBodyTooLargeException), $"{e.Message} {RequestBodyTooLargeException.Fix}"),
        Microsoft.AspNetCore.Http.BadHttpRequestException e => new(e.StatusCode, StatusCode.InvalidArgument, nameof(RequestBodyException), e.Message),
        _ => new(500, StatusCode.Internal, null, $"Internal server error ({exception.GetType().Name}): {exception.Message}"),
    };

    /// <summary>
    /// The text of Feast's error detail: <c>{"module": "feast.errors", "class": "…", "message": "…"}</c>, written as
    /// Python's <c>json.dumps</c> writes it (", " and ": " separators, non-ASCII as <c>\uXXXX</c>), so a Python client's
    /// <c>FeastError.from_error_detail</c> reads it back.
    /// </summary>
    public static string Detail(string errorClass, string message)
    {
        var text = new System.Text.StringBuilder(message.Length + errorClass.Length + 64);
        text.Append("{\"module\": \"feast.errors\", \"class\": ");
        PythonString(text, errorClass);
        text.Append(", \"message\": ");
        PythonString(text, message);
        text.Append('}');
        return text.ToString();
    }

    private static void PythonString(System.Text.StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7E)
                        text.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    else
                        text.Append(c);
                    break;
            }
        }
        text.Append('"');
    }
}
