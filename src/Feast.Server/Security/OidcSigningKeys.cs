using System.Security.Cryptography;
using System.Text.Json;
using Feast.Configuration;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Security;

/// <summary>
/// The identity provider cannot be asked right now: the OIDC provider's signing keys cannot be had and no recent keys are
/// left, or the Kubernetes API server cannot review the token (HTTP 503, gRPC UNAVAILABLE). The message names no address;
/// the log does.
/// </summary>
internal sealed class IdentityProviderUnavailableException(string message) : FeastException(message)
{
    /// <summary>The OIDC provider's keys cannot be had.</summary>
    public IdentityProviderUnavailableException()
        : this("The identity provider's signing keys cannot be fetched right now, so tokens cannot be checked; try again later.")
    {
    }
}

/// <summary>
/// The provider's signing keys (JWKS), fetched through its discovery document and cached for
/// <c>jwks_cache_lifespan_seconds</c>. Clients cannot make the server hammer the provider: fetches are coalesced (one
/// in flight, every waiter shares it) and at most one starts per <see cref="MinRefreshInterval"/>, whether asked for by
/// an expired cache or a token with an unknown <c>kid</c>. When the provider is down the last good keys are used for
/// <see cref="StaleGrace"/> past their lifespan; after that requests get 503 until a fetch succeeds.
/// </summary>
internal sealed class OidcSigningKeys : IDisposable
{
    /// <summary>The shortest time between two fetches of the key set.</summary>
    public static readonly TimeSpan MinRefreshInterval = TimeSpan.FromSeconds(10);

    /// <summary>How long past their lifespan the last good keys stand in while the provider cannot be reached.</summary>
    public static readonly TimeSpan StaleGrace = TimeSpan.FromHours(1);

    private readonly OidcAuthConfig _config;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _lock = new();
    private readonly TimeSpan _lifespan;
    private KeySet? _keys;
    private Task<KeySet?>? _fetch;
    private DateTimeOffset _lastAttempt = DateTimeOffset.MinValue;

    public OidcSigningKeys(OidcAuthConfig config, TimeProvider time, ILogger logger)
    {
        _config = config;
        _time = time;
        _logger = logger;
        _lifespan = TimeSpan.FromSeconds(config.JwksCacheLifespanSeconds > 0 ? config.JwksCacheLifespanSeconds : 300);
        var handler = new SocketsHttpHandler();
#pragma warning disable CA5359 // Feast's verify_ssl: false is the user's explicit choice (a provider with a self-signed certificate).
        if (!config.VerifySsl) handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(config.JwksRequestTimeoutSeconds > 0 ? config.JwksRequestTimeoutSeconds : 10) };
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
        _http.Dispose();
    }

    /// <summary>The key that signs tokens with <paramref name="kid"/> (or the only key, for tokens without one).</summary>
    /// <exception cref="UnauthenticatedException">The provider has no such key.</exception>
    /// <exception cref="IdentityProviderUnavailableException">No keys could be had.</exception>
    public async Task<RSA> FindAsync(string? kid, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var keys = Volatile.Read(ref _keys);
        if (keys is not null && now < keys.Fetched + _lifespan && keys.Find(kid) is { } fresh) return fresh;

        // Expired, missing, or a kid the set does not have (the provider may have rotated): fetch, unless one ran lately.
        var fetch = StartFetch(now);
        if (fetch is not null) keys = await fetch.WaitAsync(cancellationToken).ConfigureAwait(false) ?? Volatile.Read(ref _keys);
        else keys = Volatile.Read(ref _keys);

        if (keys is null || _time.GetUtcNow() >= keys.Fetched + _lifespan + StaleGrace) throw new IdentityProviderUnavailableException();
        return keys.Find(kid) ?? throw JwtToken.Invalid($"the provider has no signing key '{ServerErrors.Clip(kid ?? "(none)")}'");
    }

    /// <summary>The fetch in flight, a new one when the last attempt is old enough, or null (use what is cached).</summary>
    private Task<KeySet?>? StartFetch(DateTimeOffset now)
    {
        lock (_lock)
        {
            if (_fetch is { IsCompleted: false } running) return running;
            if (now < _lastAttempt + MinRefreshInterval) return null;
            _lastAttempt = now;
            _fetch = FetchAsync();
            return _fetch;
        }
    }

    /// <summary>Fetches the key set and caches it; on failure logs why (with the address) and returns null.</summary>
    private async Task<KeySet?> FetchAsync()
    {
        var discoveryUrl = _config.AuthDiscoveryUrl!;
        var ct = _disposed.Token;
        try
        {
            using var discovery = JsonDocument.Parse(await _http.GetStringAsync(new Uri(discoveryUrl), ct).ConfigureAwait(false));
            var jwksUri = discovery.RootElement.ValueKind == JsonValueKind.Object && discovery.RootElement.TryGetProperty("jwks_uri", out var uri)
                && uri.ValueKind == JsonValueKind.String ? uri.GetString() : null;
            if (string.IsNullOrEmpty(jwksUri)) throw new FormatException("the discovery document has no jwks_uri");
            using var jwks = JsonDocument.Parse(await _http.GetStringAsync(new Uri(jwksUri), ct).ConfigureAwait(false));
            var keys = new Dictionary<string, RSA>(StringComparer.Ordinal);
            foreach (var jwk in jwks.RootElement.GetProperty("keys").EnumerateArray())
            {
                if (Text(jwk, "kty") != "RSA") continue;
                if (Text(jwk, "use") is { } use && use != "sig") continue;
                if (Text(jwk, "n") is not { } n || Text(jwk, "e") is not { } e) continue;
                var rsa = RSA.Create();
                rsa.ImportParameters(new RSAParameters { Modulus = System.Buffers.Text.Base64Url.DecodeFromChars(n), Exponent = System.Buffers.Text.Base64Url.DecodeFromChars(e) });
                keys[Text(jwk, "kid") ?? ""] = rsa;
            }
            var set = new KeySet(keys, _time.GetUtcNow());
            Volatile.Write(ref _keys, set);
            return set;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException or KeyNotFoundException or InvalidOperationException
            or FormatException or CryptographicException or UriFormatException or ArgumentException)
        {
            LogMessages.SigningKeysUnavailable(_logger, discoveryUrl, e.Message, Volatile.Read(ref _keys) is not null);
            return null;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed record KeySet(Dictionary<string, RSA> Keys, DateTimeOffset Fetched)
    {
        public RSA? Find(string? kid) =>
            kid is not null ? Keys.GetValueOrDefault(kid) : Keys.Count == 1 ? Keys.Values.First() : null;
    }
}
