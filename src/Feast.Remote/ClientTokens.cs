using System.Text;
using System.Text.Json;
using Feast.Configuration;

namespace Feast.Remote;

/// <summary>Where a client's bearer token comes from (the <c>auth:</c> section of <c>feature_store.yaml</c>).</summary>
public interface IClientTokenSource
{
    /// <summary>The token to send as <c>authorization: Bearer …</c>, or null to send none.</summary>
    /// <param name="cancellationToken">Cancels fetching a token.</param>
    ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken);
}

/// <summary>Chooses the token source of an <c>auth:</c> section, as Feast's client auth managers do.</summary>
public static class ClientTokens
{
    /// <summary>The default path of a pod's service-account token.</summary>
    public const string ServiceAccountTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    /// <summary>
    /// The token source of <paramref name="auth"/>: none for <c>no_auth</c>; for <c>kubernetes</c>, <c>user_token</c>, else
    /// the pod's service-account token file, else the <c>LOCAL_K8S_TOKEN</c> environment variable; for a client-side
    /// <c>oidc</c> section, its static <c>token</c>, its <c>token_env_var</c>, or a token from the provider's token
    /// endpoint (client credentials, or the password grant with <c>username</c>/<c>password</c>) refreshed
    /// <c>token_refresh_margin_seconds</c> before it expires.
    /// </summary>
    /// <remarks>
    /// When the <c>INTRA_COMMUNICATION_BASE64</c> environment variable is set (Feast's operator sets it on the servers
    /// of one deployment) and the section is <c>oidc</c> or <c>kubernetes</c>, the token is Feast's intra-communication
    /// token instead: an unsigned JWT naming the secret (<c>preferred_username</c> for OIDC, <c>sub</c> <c>:::secret</c>
    /// for Kubernetes), which the deployment's servers take as their internal user.
    /// </remarks>
    /// <param name="auth">The section.</param>
    /// <param name="time">The clock token expiry is measured on.</param>
    /// <param name="http">The client the OIDC flows call the provider with; a new one when null.</param>
    /// <exception cref="FeastConfigException">An <c>oidc</c> section without client credentials.</exception>
    public static IClientTokenSource Create(AuthConfig auth, TimeProvider? time = null, HttpClient? http = null) =>
        Choose(auth, time, http, Environment.GetEnvironmentVariable(IntraCommunicationTokenSource.Variable));

    /// <summary>As <see cref="Create(AuthConfig, TimeProvider?, HttpClient?)"/>, with the intra-communication secret given.</summary>
    internal static IClientTokenSource Choose(AuthConfig auth, TimeProvider? time, HttpClient? http, string? intraSecret)
    {
        ArgumentNullException.ThrowIfNull(auth);
        time ??= TimeProvider.System;
        // Feast's auth client manager: with INTRA_COMMUNICATION_BASE64 set, a server calling another sends the internal token.
        if (intraSecret is { Length: > 0 } && auth is OidcAuthConfig or KubernetesAuthConfig)
            return new IntraCommunicationTokenSource(intraSecret, auth is KubernetesAuthConfig);
        return auth switch
        {
            KubernetesAuthConfig k8s => new KubernetesTokenSource(k8s.UserToken, ServiceAccountTokenPath),
            OidcClientAuthConfig { Token: { Length: > 0 } token } => new StaticTokenSource(token),
            OidcClientAuthConfig { TokenEnvVar: { Length: > 0 } variable } => new EnvironmentTokenSource(variable),
            OidcClientAuthConfig client => new OidcTokenSource(client, time, http),
            OidcAuthConfig => throw new FeastConfigException(
                "feature_store.yaml: auth (type oidc) has no client credentials, so a client of a registry server has no token to send. " +
                "Give token, token_env_var, or client_secret (with client_id and auth_discovery_url; username and password for the password grant)."),
            _ => new StaticTokenSource(null),
        };
    }
}

/// <summary>A fixed token, or none.</summary>
internal sealed class StaticTokenSource(string? token) : IClientTokenSource
{
    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(token);
}

/// <summary>The token in an environment variable, read at each call (so a rotated token is picked up).</summary>
internal sealed class EnvironmentTokenSource(string variable) : IClientTokenSource
{
    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } token
            ? ValueTask.FromResult<string?>(token)
            : throw new FeastConfigException($"feature_store.yaml: auth.token_env_var names the environment variable {variable}, which is not set. Set it to the bearer token.");
}

/// <summary>Kubernetes: <c>user_token</c>, else the service-account token file (read at each call: kubelet rotates it), else <c>LOCAL_K8S_TOKEN</c>.</summary>
internal sealed class KubernetesTokenSource(string? userToken, string tokenPath) : IClientTokenSource
{
    public const string LocalTokenVariable = "LOCAL_K8S_TOKEN";

    public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (userToken is { Length: > 0 }) return userToken;
        if (File.Exists(tokenPath))
            return (await File.ReadAllTextAsync(tokenPath, cancellationToken).ConfigureAwait(false)).Trim();
        return Environment.GetEnvironmentVariable(LocalTokenVariable) is { Length: > 0 } local
            ? local
            : throw new FeastConfigException(
                $"auth (type kubernetes): no token to send: no user_token in feature_store.yaml, no service-account token at {tokenPath} (not in a pod?) and {LocalTokenVariable} is not set. Set {LocalTokenVariable} to a token outside a cluster.");
    }
}

/// <summary>
/// OIDC client credentials or password grant against the provider's token endpoint (from its discovery document); the
/// token is kept until <c>token_refresh_margin_seconds</c> before it expires (<c>expires_in</c>, else the token's
/// <c>exp</c> claim), then fetched again. Concurrent callers share one fetch.
/// </summary>
internal sealed class OidcTokenSource : IClientTokenSource, IDisposable
{
    private readonly OidcClientAuthConfig _config;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly SemaphoreSlim _fetch = new(1, 1);
    private (string Token, DateTimeOffset RefreshAt)? _current;
    private string? _tokenEndpoint;

    public OidcTokenSource(OidcClientAuthConfig config, TimeProvider time, HttpClient? http)
    {
        if (string.IsNullOrEmpty(config.AuthDiscoveryUrl) || string.IsNullOrEmpty(config.ClientId))
        {
            throw new FeastConfigException(
                "feature_store.yaml: auth (type oidc, client side) needs auth_discovery_url and client_id (with client_secret) to fetch a token, or a token / token_env_var.");
        }
        _config = config;
        _time = time;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient(Handler(config)) { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>How many tokens were fetched from the token endpoint (for tests of the refresh).</summary>
    internal int Fetches { get; private set; }

    public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current && _time.GetUtcNow() < current.RefreshAt) return current.Token;
        await _fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } again && _time.GetUtcNow() < again.RefreshAt) return again.Token;
            var fetched = await FetchAsync(cancellationToken).ConfigureAwait(false);
            _current = fetched;
            return fetched.Token;
        }
        finally
        {
            _fetch.Release();
        }
    }

    private async Task<(string Token, DateTimeOffset RefreshAt)> FetchAsync(CancellationToken cancellationToken)
    {
        _tokenEndpoint ??= await DiscoverAsync(cancellationToken).ConfigureAwait(false);
        var form = new List<KeyValuePair<string, string>> { new("client_id", _config.ClientId!) };
        if (!string.IsNullOrEmpty(_config.ClientSecret)) form.Add(new("client_secret", _config.ClientSecret));
        if (!string.IsNullOrEmpty(_config.Username) && !string.IsNullOrEmpty(_config.Password))
        {
            form.Add(new("grant_type", "password"));
            form.Add(new("username", _config.Username));
            form.Add(new("password", _config.Password));
        }
        else
        {
            form.Add(new("grant_type", "client_credentials"));
        }
        var asked = _time.GetUtcNow();
        using var content = new FormUrlEncodedContent(form);
        using var response = await Send(() => _http.PostAsync(new Uri(_tokenEndpoint), content, cancellationToken), _tokenEndpoint).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new FeastException($"The OIDC token endpoint {_tokenEndpoint} refused the client's token request ({(int)response.StatusCode}): {Trim(body)}. Check auth.client_id, client_secret (and username/password) in feature_store.yaml.");
        using var json = Parse(body, _tokenEndpoint);
        if (!json.RootElement.TryGetProperty("access_token", out var tokenElement) || tokenElement.GetString() is not { Length: > 0 } token)
            throw new FeastException($"The OIDC token endpoint {_tokenEndpoint} answered without an access_token: {Trim(body)}");
        Fetches++;
        var expires = json.RootElement.TryGetProperty("expires_in", out var e) && e.TryGetDouble(out var seconds)
            ? asked.AddSeconds(seconds)
            : JwtExpiry(token);
        var refreshAt = expires is { } at ? at.AddSeconds(-Math.Max(0, _config.TokenRefreshMarginSeconds)) : DateTimeOffset.MaxValue;
        return (token, refreshAt);
    }

    private async Task<string> DiscoverAsync(CancellationToken cancellationToken)
    {
        var url = _config.AuthDiscoveryUrl!;
        using var response = await Send(() => _http.GetAsync(new Uri(url), cancellationToken), url).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new FeastException($"The OIDC discovery document {url} answered {(int)response.StatusCode}: {Trim(body)}. Check auth.auth_discovery_url in feature_store.yaml.");
        using var json = Parse(body, url);
        return json.RootElement.TryGetProperty("token_endpoint", out var endpoint) && endpoint.GetString() is { Length: > 0 } found
            ? found
            : throw new FeastException($"The OIDC discovery document {url} names no token_endpoint.");
    }

    private static async Task<HttpResponseMessage> Send(Func<Task<HttpResponseMessage>> send, string url)
    {
        try
        {
            return await send().ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new FeastException($"Cannot reach the OIDC provider at {url}: {e.Message}. Check auth.auth_discovery_url in feature_store.yaml.", e);
        }
    }

    private static JsonDocument Parse(string body, string url)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new FeastException($"{url} did not answer JSON: {Trim(body)}", e);
        }
    }

    private static DateTimeOffset? JwtExpiry(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3) return null;
        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var json = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            return json.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    private static SocketsHttpHandler Handler(OidcClientAuthConfig config)
    {
        var handler = new SocketsHttpHandler();
        if (!config.VerifySsl)
        {
            // verify_ssl: false is the user's explicit choice (a provider with a self-signed certificate), as in Feast.
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (config.CaCertPath is { Length: > 0 } ca)
        {
            var roots = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            roots.ImportFromPemFile(ca);
            handler.SslOptions.CertificateChainPolicy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
            {
                TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
                RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            };
            handler.SslOptions.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
        }
        return handler;
    }

    private static string Trim(string body) => body.Length <= 300 ? body : body[..300] + "…";

    public void Dispose()
    {
        _fetch.Dispose();
        if (_ownsHttp) _http.Dispose();
    }
}

/// <summary>
/// Feast's intra-communication token (its <c>IntraCommAuthClientManager</c>): an unsigned JWT (<c>alg: none</c>) whose
/// <c>preferred_username</c> (OIDC) or <c>sub</c> (<c>:::secret</c>, Kubernetes) is the deployment's shared secret.
/// </summary>
internal sealed class IntraCommunicationTokenSource(string secret, bool kubernetes) : IClientTokenSource
{
    /// <summary>The environment variable holding the secret.</summary>
    public const string Variable = "INTRA_COMMUNICATION_BASE64";

    private readonly string _token = Token(secret, kubernetes);

    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(_token);

    private static string Token(string secret, bool kubernetes)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "none", ["typ"] = "JWT" });
        var claims = kubernetes
            ? new Dictionary<string, string> { ["sub"] = ":::" + secret }
            : new Dictionary<string, string> { ["preferred_username"] = secret };
        return $"{Base64Url(header)}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims))}.";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
