using Grpc.Core;

namespace Feast.Remote.Offline;

/// <summary>
/// Turns a failed Flight call to an offline server into Feast's exceptions: the server's error detail (<c>{"module",
/// "class", "message"}</c>) becomes the matching Feast error with the server's message; a server that cannot be reached,
/// or that goes away mid-call, becomes an error naming its <c>host:port</c> and <c>feast serve_offline</c>.
/// </summary>
internal static class OfflineErrors
{
    public static FeastException From(RpcException e, string api, Uri address)
    {
        var (errorClass, message) = RemoteErrors.Detail(e.Status.Detail);
        message ??= e.Status.Detail;
        return e.StatusCode switch
        {
            StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled or StatusCode.Aborted when errorClass is null => new RemoteServerException("OfflineServerUnavailable",
                $"The offline server at {address.Authority} (offline_store host and port in feature_store.yaml) failed {api}: {e.Status.Detail} ({e.StatusCode}). " +
                "Check that feast serve_offline runs there and listens on that host and port, and that TLS matches (scheme: https and cert for a server started with --key/--cert).", e),
            StatusCode.Unauthenticated => new RemoteServerException(errorClass ?? "AuthenticationError",
                $"The offline server at {address.Authority} refused {api} as unauthenticated: {message}. Check the auth section of feature_store.yaml (its token or client credentials).", e),
            StatusCode.PermissionDenied => new RemoteServerException(errorClass ?? "FeastPermissionError", message, e),
            StatusCode.NotFound when RemoteErrors.NotFound(message) is { } notFound => notFound,
            StatusCode.InvalidArgument or StatusCode.FailedPrecondition when errorClass is not null => new RemoteValidationException(errorClass, message),
            _ => new RemoteServerException(errorClass ?? e.StatusCode.ToString(), $"The offline server at {address.Authority} failed {api} ({e.StatusCode}): {message}", e),
        };
    }

    /// <summary>A stream that broke off (the server stopped, the connection dropped).</summary>
    public static FeastException Interrupted(Exception e, string api, Uri address) => new RemoteServerException("OfflineServerUnavailable",
        $"The connection to the offline server at {address.Authority} broke off during {api} ({e.Message}). Check that feast serve_offline still runs there, then retry.", e);

    /// <summary>Whether the failure carries a Feast error detail (so the server was reached and answered).</summary>
    public static bool HasDetail(RpcException e) => RemoteErrors.Detail(e.Status.Detail).Class is not null;
}
