using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Feast.Configuration;
using Feast.Online;
using Feast.Permissions;
using Feast.Registry;
using Microsoft.AspNetCore.Http;

namespace Feast.Server.Hosting;

/// <summary>The request carried no usable credentials (HTTP 401, gRPC UNAUTHENTICATED).</summary>
internal sealed class UnauthenticatedException(string message) : FeastException(message);

/// <summary>
/// The server's side of Feast's <c>auth</c> section: who a request is (<c>no_auth</c>: nobody needs to be;
/// <c>oidc</c>: a bearer JWT verified against the provider's keys) and whether the project's permissions let them do
/// what the endpoint does (the actions of FEAST-FORMATS §9.2).
/// </summary>
internal sealed class FeastAuthorization : IDisposable
{
    private static readonly string[] UsernameClaims = ["preferred_username", "upn", "azp", "appid", "sub"];
    private static readonly TimeSpan Leeway = TimeSpan.FromSeconds(10);

    private readonly FeastServerState _state;
    private readonly TimeProvider _time;
    private readonly OidcAuthConfig? _oidc;
    private readonly HttpClient? _http;
    private readonly SemaphoreSlim _keysLock = new(1, 1);
    private volatile KeySet? _keys;

    public FeastAuthorization(FeastServerState state, TimeProvider time)
    {
        _state = state;
        _time = time;
        switch (state.Store.Config.Auth)
        {
            case NoAuthConfig:
                break;
            case OidcAuthConfig oidc:
                if (string.IsNullOrWhiteSpace(oidc.AuthDiscoveryUrl))
                    throw new FeastConfigException("feature_store.yaml: auth (type oidc) needs auth_discovery_url, the provider's .well-known/openid-configuration URL.");
                _oidc = oidc;
                var handler = new SocketsHttpHandler();
#pragma warning disable CA5359 // Feast's verify_ssl: false is the user's explicit choice (a provider with a self-signed certificate).
                if (!oidc.VerifySsl) handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
                _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(oidc.JwksRequestTimeoutSeconds > 0 ? oidc.JwksRequestTimeoutSeconds : 10) };
                break;
            case var other:
                throw new FeastConfigException(
                    $"feature_store.yaml: auth type '{other.Type}' is not supported by the Feast.NET feature server yet. Use type: oidc or no_auth.");
        }
    }

    public void Dispose()
    {
        _http?.Dispose();
        _keysLock.Dispose();
    }

    /// <summary>Whether requests must carry a bearer token.</summary>
    public bool Required => _oidc is not null;

    /// <summary>The action an online read needs.</summary>
    public static readonly AuthzedAction[] ReadOnline = [AuthzedAction.ReadOnline];

    /// <summary>The action an online write or a materialization needs.</summary>
    public static readonly AuthzedAction[] WriteOnline = [AuthzedAction.WriteOnline];

    private static readonly AuthzedAction[] WriteOffline = [AuthzedAction.WriteOffline];
    private static readonly AuthzedAction[] WriteBoth = [AuthzedAction.WriteOnline, AuthzedAction.WriteOffline];

    /// <summary>The actions a push to <paramref name="to"/> needs.</summary>
    public static AuthzedAction[] WriteFor(PushMode to) => to switch
    {
        PushMode.Offline => WriteOffline,
        PushMode.OnlineAndOffline => WriteBoth,
        _ => WriteOnline,
    };

    /// <summary>
    /// Throws unless the caller of <paramref name="context"/> may do <paramref name="actions"/> on every resource
    /// <paramref name="resources"/> finds for <paramref name="request"/> in the current registry. Nothing is checked
    /// (and nothing allocated) under <c>no_auth</c>.
    /// </summary>
    public async ValueTask AuthorizeAsync<TRequest>(HttpContext? context, TRequest request, Func<RegistrySnapshot, TRequest, IEnumerable<SecuredResource>> resources,
        AuthzedAction[] actions, CancellationToken cancellationToken)
    {
        if (!Required) return;
        var user = await AuthenticateAsync(context?.Request.Headers.Authorization.ToString(), cancellationToken).ConfigureAwait(false);
        var project = context?.Request.Query["project"].ToString();
        var registry = await _state.Store.GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(project) && project != registry.Project)
            throw new FeastPermissionException($"Permission denied: this server serves project '{registry.Project}', not '{project}'.");
        PermissionEnforcer.Enforce(registry, user, resources(registry, request), actions);
    }

    /// <summary>The user a bearer token names, once its signature, expiry, audience and issuer check out.</summary>
    internal async Task<FeastUser> AuthenticateAsync(string? authorization, CancellationToken cancellationToken)
    {
        const string Scheme = "Bearer ";
        if (string.IsNullOrWhiteSpace(authorization) || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            throw new UnauthenticatedException("Not authenticated: send the access token as 'Authorization: Bearer <token>'.");
        var token = authorization[Scheme.Length..].Trim();
        var parts = token.Split('.');
        if (parts.Length != 3) throw new UnauthenticatedException("Invalid token: not a JWT (header.payload.signature).");
        JsonElement header, payload;
        byte[] signature;
        try
        {
            header = JsonDocument.Parse(Base64Url(parts[0])).RootElement;
            payload = JsonDocument.Parse(Base64Url(parts[1])).RootElement;
            signature = Base64Url(parts[2]);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new UnauthenticatedException("Invalid token: its parts are not base64url JSON.");
        }
        if (!header.TryGetProperty("alg", out var alg) || alg.GetString() != "RS256")
            throw new UnauthenticatedException("Invalid token: only RS256-signed tokens are accepted.");
        var kid = header.TryGetProperty("kid", out var k) ? k.GetString() : null;

        var key = await KeyAsync(kid, cancellationToken).ConfigureAwait(false);
        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (!key.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            throw new UnauthenticatedException("Invalid token: the signature does not match the provider's key.");

        var now = _time.GetUtcNow();
        if (!payload.TryGetProperty("exp", out var exp) || exp.ValueKind != JsonValueKind.Number
            || DateTimeOffset.FromUnixTimeSeconds((long)exp.GetDouble()) + Leeway < now)
            throw new UnauthenticatedException("Invalid token: it has expired (or has no exp claim); get a new one.");
        if (_oidc!.Audience is { Length: > 0 } audience && !Strings(payload, "aud").Contains(audience))
            throw new UnauthenticatedException($"Invalid token: its audience is not '{audience}'.");
        if (_oidc.Issuer is { Length: > 0 } issuer && (!payload.TryGetProperty("iss", out var iss) || iss.GetString() != issuer))
            throw new UnauthenticatedException($"Invalid token: its issuer is not '{issuer}'.");

        var username = UsernameClaims.Select(c => payload.TryGetProperty(c, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null)
            .FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? "";
        var roles = new List<string>(Strings(payload, "roles"));
        if (_oidc.ClientId is { Length: > 0 } client && payload.TryGetProperty("resource_access", out var access)
            && access.ValueKind == JsonValueKind.Object && access.TryGetProperty(client, out var clientAccess))
            roles.AddRange(Strings(clientAccess, "roles"));
        return new FeastUser(username, roles.Distinct(StringComparer.Ordinal).ToList(), Strings(payload, "groups"), []);
    }

    private static List<string> Strings(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value)) return [];
        return value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array => [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)],
            _ => [],
        };
    }

    private async Task<RSA> KeyAsync(string? kid, CancellationToken cancellationToken)
    {
        var keys = _keys;
        if (keys is not null && _time.GetUtcNow() < keys.Expires && keys.Find(kid) is { } cached) return cached;
        await _keysLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A new kid means the provider rotated its keys: fetch again (at most once per request).
            keys = _keys;
            if (keys is null || _time.GetUtcNow() >= keys.Expires || keys.Find(kid) is null)
            {
                keys = await FetchKeysAsync(cancellationToken).ConfigureAwait(false);
                _keys = keys;
            }
        }
        finally
        {
            _keysLock.Release();
        }
        return keys.Find(kid) ?? throw new UnauthenticatedException($"Invalid token: the provider has no signing key '{kid}'.");
    }

    private async Task<KeySet> FetchKeysAsync(CancellationToken cancellationToken)
    {
        var discoveryUrl = _oidc!.AuthDiscoveryUrl!;
        try
        {
            using var discovery = JsonDocument.Parse(await _http!.GetStringAsync(new Uri(discoveryUrl), cancellationToken).ConfigureAwait(false));
            var jwksUri = discovery.RootElement.TryGetProperty("jwks_uri", out var uri) ? uri.GetString() : null;
            if (string.IsNullOrEmpty(jwksUri)) throw new FeastConfigException($"The OIDC discovery document at {discoveryUrl} has no jwks_uri.");
            using var jwks = JsonDocument.Parse(await _http.GetStringAsync(new Uri(jwksUri), cancellationToken).ConfigureAwait(false));
            var keys = new ConcurrentDictionary<string, RSA>(StringComparer.Ordinal);
            foreach (var jwk in jwks.RootElement.GetProperty("keys").EnumerateArray())
            {
                if (!jwk.TryGetProperty("kty", out var kty) || kty.GetString() != "RSA") continue;
                if (jwk.TryGetProperty("use", out var use) && use.GetString() is { } u && u != "sig") continue;
                var rsa = RSA.Create();
                rsa.ImportParameters(new RSAParameters { Modulus = Base64Url(jwk.GetProperty("n").GetString()!), Exponent = Base64Url(jwk.GetProperty("e").GetString()!) });
                keys[jwk.TryGetProperty("kid", out var kid) ? kid.GetString() ?? "" : ""] = rsa;
            }
            var lifespan = TimeSpan.FromSeconds(_oidc.JwksCacheLifespanSeconds > 0 ? _oidc.JwksCacheLifespanSeconds : 300);
            return new KeySet(keys, _time.GetUtcNow() + lifespan);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FeastException($"Cannot read the OIDC provider's signing keys from {discoveryUrl}: {e.Message}. Check auth.auth_discovery_url and that the provider is reachable.", e);
        }
    }

    private static byte[] Base64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += (padded.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        return Convert.FromBase64String(padded);
    }

    private sealed record KeySet(ConcurrentDictionary<string, RSA> Keys, DateTimeOffset Expires)
    {
        public RSA? Find(string? kid) =>
            kid is not null ? Keys.GetValueOrDefault(kid) : Keys.Count == 1 ? Keys.Values.First() : null;
    }

    // The resources each endpoint acts on (FEAST-FORMATS §9.2).

    /// <summary>
    /// The feature service, or every view a feature reference names; and, for every on-demand view read, the views it
    /// reads from. An on-demand view's output can be its input unchanged (a request value of 0 added to a feature), so
    /// reading it is reading its sources: Feast's feature server checks every view it resolves for a feature list the
    /// same way. A feature service grants the features it lists; an on-demand view in it that reads features the
    /// service does not list needs READ_ONLINE on the views those features come from.
    /// </summary>
    public static IEnumerable<SecuredResource> OnlineRead(RegistrySnapshot registry, OnlineFeaturesRequest request)
    {
        if (request.FeatureService is { } service)
        {
            if (!registry.FeatureServices.TryGetValue(service, out var fs)) yield break;
            yield return new(PermissionResourceType.FeatureService, fs);
            foreach (var projection in fs.Projections)
            {
                if (!registry.OnDemandFeatureViews.TryGetValue(projection.Name, out var odfv)) continue;
                foreach (var source in SourcesOf(registry, odfv, new HashSet<string>(StringComparer.Ordinal)))
                {
                    if (!ListedBy(fs, source.View, source.Features)) yield return source.Resource;
                }
            }
            yield break;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in (request.Features ?? []).Select(f => f.Split(':')[0].Split('@')[0]).Distinct(StringComparer.Ordinal))
        {
            if (View(registry, name) is not { } view) continue;
            if (seen.Add(name)) yield return view;
            if (view.Resource is OnDemandFeatureView odfv)
            {
                foreach (var source in SourcesOf(registry, odfv, seen)) yield return source.Resource;
            }
        }
    }

    /// <summary>The views an on-demand view reads from (through other on-demand views too), each once.</summary>
    private static IEnumerable<(SecuredResource Resource, BaseFeatureView View, IReadOnlyList<string> Features)> SourcesOf(
        RegistrySnapshot registry, OnDemandFeatureView odfv, HashSet<string> seen)
    {
        foreach (var projection in odfv.SourceProjections)
        {
            if (View(registry, projection.Name) is not { } source) continue;
            var view = (BaseFeatureView)source.Resource;
            var features = (projection.Features.Count > 0 ? projection.Features : view.Features).Select(f => f.Name).ToList();
            if (seen.Add(projection.Name)) yield return (source, view, features);
            if (view is OnDemandFeatureView inner)
            {
                foreach (var nested in SourcesOf(registry, inner, seen)) yield return nested;
            }
        }
    }

    /// <summary>Whether the service itself lists every one of <paramref name="features"/> of <paramref name="view"/>.</summary>
    private static bool ListedBy(FeatureService service, BaseFeatureView view, IReadOnlyList<string> features) =>
        features.All(feature => service.Projections.Any(p => p.Name == view.Name
            && (p.Features.Count > 0 ? p.Features : view.Features).Any(f => f.Name == feature)));

    /// <summary>Every feature view fed by the push source.</summary>
    public static IEnumerable<SecuredResource> Pushed(RegistrySnapshot registry, string pushSource) =>
        registry.ViewsFedBy(pushSource).Select(Secured);

    /// <summary>The view written to (a feature view, stream feature view or on-demand view).</summary>
    public static IEnumerable<SecuredResource> Written(RegistrySnapshot registry, string name) =>
        View(registry, name) is { } view ? [view] : [];

    /// <summary>The views a materialization loads, chosen as the SDK chooses them (all online views when none are named).</summary>
    public static IEnumerable<SecuredResource> Materialized(RegistrySnapshot registry, IReadOnlyList<string>? names) =>
        FeatureStore.ViewsToMaterialize(registry, names).Select(Secured);

    private static SecuredResource Secured(FeatureView view) =>
        new(view is StreamFeatureView ? PermissionResourceType.StreamFeatureView : PermissionResourceType.FeatureView, view);

    private static SecuredResource? View(RegistrySnapshot registry, string name) =>
        registry.FeatureViews.TryGetValue(name, out var fv) ? Secured(fv)
        : registry.StreamFeatureViews.TryGetValue(name, out var sfv) ? Secured(sfv)
        : registry.OnDemandFeatureViews.TryGetValue(name, out var odfv) ? new SecuredResource(PermissionResourceType.OnDemandFeatureView, odfv)
        : null;
}
