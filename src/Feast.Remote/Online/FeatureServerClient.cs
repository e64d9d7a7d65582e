using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Feast.Configuration;

namespace Feast.Remote;

/// <summary>
/// The HTTP client of a remote online store: POSTs JSON to a Feast feature server (<c>feast serve</c>) at
/// <c>online_store.path</c>, with the <c>auth:</c> section's bearer token, trusting only <c>online_store.cert</c> under TLS
/// when it is given (as Python Feast's <c>verify=cert</c>). A server that cannot be reached is retried
/// <c>connection_retries</c> times (the request never reached it, so a retry cannot write twice), then reported with the
/// path and what to check; an error answer becomes the server's error class and message.
/// </summary>
internal sealed class FeatureServerClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _http;
    private readonly IClientTokenSource _tokens;
    private readonly int _retries;

    public FeatureServerClient(RemoteOnlineStoreOptions options, string repoPath, IClientTokenSource tokens, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Address = BaseUri(options.Path);
        _tokens = tokens;
        _retries = options.ConnectionRetries;
        _http = new HttpClient(handler ?? Handler(options, repoPath)) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The server's base URL (<c>online_store.path</c>).</summary>
    public Uri Address { get; }

    /// <summary>
    /// POSTs <paramref name="body"/> to <paramref name="endpoint"/> and returns the answer's bytes when the server answers 200.
    /// </summary>
    /// <exception cref="FeastException">The server cannot be reached, or answered an error (its class and message).</exception>
    public async Task<byte[]> PostAsync(string endpoint, byte[] body, CancellationToken cancellationToken)
    {
        var token = await _tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        var url = new Uri(Address.AbsoluteUri.TrimEnd('/') + endpoint);
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = Json;
            if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError && attempt < _retries)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 << Math.Min(attempt, 5)), cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (HttpRequestException e)
            {
                throw Unreachable(endpoint, e);
            }
            using (response)
            {
                var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK) return answer;
                throw Refused(endpoint, response.StatusCode, answer);
            }
        }
    }

    /// <summary><c>online_store.path</c> as a URL: <c>http(s)://host:port</c>, optionally with a path prefix.</summary>
    internal static Uri BaseUri(string path)
    {
        var text = path.Trim().TrimEnd('/');
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0
            && uri.Query.Length == 0 && uri.Fragment.Length == 0)
        {
            return uri;
        }
        throw new FeastConfigException(
            $"feature_store.yaml: online_store.path '{path}' is not the URL of a feature server. With online_store type remote, give the URL where " +
            "feast serve listens, e.g. http://localhost:6566 (https://… when it runs with --key/--cert).");
    }

    private FeastException Unreachable(string endpoint, HttpRequestException e)
    {
        var detail = e.InnerException is { } inner && inner.Message != e.Message ? $"{e.Message} ({inner.Message})" : e.Message;
        // Not a failure to connect (or to agree on TLS): the server took the request and the connection broke before the answer.
        if (e.HttpRequestError is not (HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError
            or HttpRequestError.ProxyTunnelError or HttpRequestError.VersionNegotiationError))
        {
            return new FeastException(
                $"The feature server at {Address} (online_store.path in feature_store.yaml) closed the connection before answering {endpoint}: {detail}. " +
                "It stopped or failed while serving the request; a write it did not answer may not have been applied, so send it again once feast serve runs.", e);
        }
        var tls = e.HttpRequestError == HttpRequestError.SecureConnectionError
            ? " The TLS handshake failed: give online_store.cert the server's certificate (the --cert of feast serve), and an https:// path."
            : "";
        return new FeastException(
            $"Cannot reach the feature server at {Address} (online_store.path in feature_store.yaml) for {endpoint}: {detail}. " +
            $"Check that feast serve runs there and listens on that host and port.{tls}", e);
    }

    /// <summary>The server's error: Feast's body is a JSON string holding <c>{"module", "class", "message"}</c>, or a plain message.</summary>
    private FeastException Refused(string endpoint, HttpStatusCode status, byte[] body)
    {
        var (errorClass, message) = Detail(body);
        var code = (int)status;
        var prefix = $"The feature server at {Address} answered {endpoint} with {code}";
        return status switch
        {
            HttpStatusCode.Unauthorized => new RemoteServerException(errorClass ?? "AuthenticationError",
                $"{prefix} (unauthenticated): {message}. Check the auth section of feature_store.yaml (its token or client credentials)."),
            HttpStatusCode.Forbidden => new RemoteServerException(errorClass ?? "FeastPermissionError", message),
            HttpStatusCode.NotFound when errorClass is null => new RemoteServerException("NotFound",
                $"{prefix}: {message}. Is online_store.path the address of feast serve (not of another server)?"),
            _ when code is >= 400 and < 500 && errorClass is not null => new RemoteValidationException(errorClass, message),
            _ => new RemoteServerException(errorClass ?? $"HTTP{code}", $"{prefix}: {message}"),
        };
    }

    private static (string? Class, string Message) Detail(byte[] body)
    {
        string text;
        try
        {
            using var outer = JsonDocument.Parse(body);
            text = outer.RootElement.ValueKind == JsonValueKind.String ? outer.RootElement.GetString()! : outer.RootElement.GetRawText();
        }
        catch (JsonException)
        {
            text = System.Text.Encoding.UTF8.GetString(body);
        }
        if (text.StartsWith('{'))
        {
            try
            {
                using var inner = JsonDocument.Parse(text);
                var root = inner.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                    return (root.TryGetProperty("class", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null, m.GetString()!);
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("detail", out var d))
                    return (null, d.ValueKind == JsonValueKind.String ? d.GetString()! : d.GetRawText());
            }
            catch (JsonException)
            {
                // Not JSON after all: the text is the message.
            }
        }
        return (null, text.Length <= 500 ? text : text[..500] + "…");
    }

    private static SocketsHttpHandler Handler(RemoteOnlineStoreOptions options, string repoPath)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.ConnectionPoolSize,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(options.ConnectionIdleTimeout),
            ConnectTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None,
        };
        if (options.Cert is { Length: > 0 } cert)
        {
            RegistryServerClient.TrustOnly(handler, repoPath, cert, "online_store.cert", "feast serve");
        }
        return handler;
    }

    public void Dispose() => _http.Dispose();
}
