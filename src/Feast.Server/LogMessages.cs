using Microsoft.Extensions.Logging;

namespace Feast.Server;

/// <summary>Every log line the server writes, in one place.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Registry of project {Project} loaded from {Registry}")]
    public static partial void RegistryLoaded(ILogger logger, string project, string registry);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "Registry of project {Project} refreshed")]
    public static partial void RegistryRefreshed(ILogger logger, string project);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Registry refresh failed; serving the last registry read ({Reason})")]
    public static partial void RegistryRefreshFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "The registry could not be read at startup; requests fail and /health answers 503 until it can ({Reason})")]
    public static partial void RegistryInitialLoadFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 104, Level = LogLevel.Debug, Message = "Warm-up read failed (ignored): {Reason}")]
    public static partial void WarmUpFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "{RemoteAddress} \"{Method} {Path} {Protocol}\" {StatusCode} {ElapsedMs:0.###} ms")]
    public static partial void Request(ILogger logger, System.Net.IPAddress? remoteAddress, string method, string path, string protocol, int statusCode, double elapsedMs);

    [LoggerMessage(EventId = 120, Level = LogLevel.Debug, Message = "{Endpoint} failed with {StatusCode} {ErrorClass}: {Message}")]
    public static partial void RequestFailed(ILogger logger, string endpoint, int statusCode, string errorClass, string message);

    [LoggerMessage(EventId = 121, Level = LogLevel.Error, Message = "{Endpoint} failed with an unexpected error")]
    public static partial void UnexpectedError(ILogger logger, string endpoint, Exception exception);

    [LoggerMessage(EventId = 122, Level = LogLevel.Debug, Message = "{Endpoint}: the client went away before the answer was written")]
    public static partial void ClientAborted(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "Offline {Api}: {Rows} rows streamed in {ElapsedMs:0.###} ms")]
    public static partial void OfflineStreamed(ILogger logger, string api, long rows, double elapsedMs);

    [LoggerMessage(EventId = 131, Level = LogLevel.Information, Message = "Offline {Api}: {Rows} rows received and done in {ElapsedMs:0.###} ms")]
    public static partial void OfflineWritten(ILogger logger, string api, long rows, double elapsedMs);

    [LoggerMessage(EventId = 132, Level = LogLevel.Information, Message = "Offline {Api}: the client went away after {Rows} rows; its query was cancelled")]
    public static partial void OfflineStreamAbandoned(ILogger logger, string api, long rows);

    [LoggerMessage(EventId = 140, Level = LogLevel.Information, Message = "Background materialization of {Views} finished")]
    public static partial void BackgroundMaterializationDone(ILogger logger, string views);

    [LoggerMessage(EventId = 141, Level = LogLevel.Warning, Message = "Background materialization of {Views} stopped with the server; nothing was recorded for the views not finished")]
    public static partial void BackgroundMaterializationStopped(ILogger logger, string views);

    [LoggerMessage(EventId = 142, Level = LogLevel.Error, Message = "Background materialization of {Views} failed")]
    public static partial void BackgroundMaterializationFailed(ILogger logger, string views, Exception exception);

    [LoggerMessage(EventId = 150, Level = LogLevel.Debug, Message = "Offline push batch for {PushSource}: {Rows} rows written")]
    public static partial void OfflinePushFlushed(ILogger logger, string pushSource, int rows);

    [LoggerMessage(EventId = 151, Level = LogLevel.Error, Message = "Offline push batch for {PushSource} ({Rows} rows) could not be written: {Reason}")]
    public static partial void OfflinePushFailed(ILogger logger, string pushSource, int rows, string reason, Exception exception);

    [LoggerMessage(EventId = 160, Level = LogLevel.Warning, Message = "The OIDC provider's signing keys could not be fetched from {DiscoveryUrl}: {Reason}. Last good keys kept: {HaveKeys}")]
    public static partial void SigningKeysUnavailable(ILogger logger, string discoveryUrl, string reason, bool haveKeys);

    [LoggerMessage(EventId = 161, Level = LogLevel.Warning, Message = "auth kubernetes: the API server did not answer the {Call} (HTTP status {Status}; 0: no answer)")]
    public static partial void KubernetesUnavailable(ILogger logger, string call, int status, Exception exception);

    [LoggerMessage(EventId = 162, Level = LogLevel.Information, Message = "auth kubernetes: RoleBindings of all namespaces cannot be listed (HTTP status {Status}); users get no data-science-project namespaces")]
    public static partial void KubernetesNamespacesSkipped(ILogger logger, int status);

    [LoggerMessage(EventId = 130, Level = LogLevel.Warning, Message = "Health check: the online store did not answer ({Reason})")]
    public static partial void OnlineStoreUnhealthy(ILogger logger, string reason, Exception exception);
}
