using Feast.Configuration;
using Feast.Permissions;
using Feast.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Security;

/// <summary>The user a request was authenticated as, kept on the request (<c>HttpContext.Features</c>) for authorization.</summary>
internal sealed record AuthenticatedUser(FeastUser User);

/// <summary>
/// Who a request is, from its <c>Authorization</c> header alone (the server side of Feast's <c>auth</c> section):
/// <c>no_auth</c> needs nobody; <c>oidc</c> needs a bearer RS256 JWT signed by one of the provider's keys, not expired,
/// not before its <c>nbf</c> (10 s leeway each way, as Feast's PyJWT), with the configured audience and issuer;
/// <c>kubernetes</c> needs a bearer token the API server's TokenReview accepts (<see cref="KubernetesAuthenticator"/>).
/// Under either, Feast's intra-communication token (<see cref="IntraCommunication"/>) is the internal user.
/// </summary>
internal sealed class ServerAuthenticator : IDisposable
{
    /// <summary>Clock skew allowed on <c>exp</c> and <c>nbf</c>.</summary>
    public static readonly TimeSpan Leeway = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;
    private readonly OidcAuthConfig? _oidc;
    private readonly OidcSigningKeys? _keys;
    private readonly KubernetesAuthenticator? _kubernetes;
    private readonly IntraCommunication _intra;

    public ServerAuthenticator(FeastServerState state, TimeProvider time, ILoggerFactory loggers, KubernetesConnection? kubernetes = null,
        IntraCommunication? intra = null)
    {
        _time = time;
        _intra = intra ?? IntraCommunication.FromEnvironment();
        switch (state.Store.Config.Auth)
        {
            case NoAuthConfig:
                break;
            case OidcAuthConfig oidc:
                if (string.IsNullOrWhiteSpace(oidc.AuthDiscoveryUrl))
                    throw new FeastConfigException("feature_store.yaml: auth (type oidc) needs auth_discovery_url, the provider's .well-known/openid-configuration URL.");
                _oidc = oidc;
                _keys = new OidcSigningKeys(oidc, time, loggers.CreateLogger("Feast.Server.Auth"));
                break;
            case KubernetesAuthConfig:
                _kubernetes = new KubernetesAuthenticator(kubernetes, time, loggers.CreateLogger("Feast.Server.Auth"));
                break;
            case var other:
                throw new FeastConfigException(
                    $"feature_store.yaml: auth type '{other.Type}' is not supported by the Feast.NET servers. Use type: oidc, kubernetes or no_auth.");
        }
        if (!Required && state.OperationsRequireAuth)
            throw new FeastConfigException(
                "feature_server.metrics_require_auth (feast serve --metrics-require-auth) needs auth type oidc or kubernetes in feature_store.yaml: with no_auth there is no token to check.");
    }

    /// <summary>Whether requests must carry a bearer token.</summary>
    public bool Required => _oidc is not null || _kubernetes is not null;

    /// <summary>
    /// Whether <paramref name="user"/> is Feast's intra-communication user (<see cref="IntraCommunication"/>): an internal
    /// call between the servers of a deployment, which no permission restricts.
    /// </summary>
    public bool IsInternal(FeastUser? user) => _intra.IsInternal(user);

    public void Dispose()
    {
        _keys?.Dispose();
        _kubernetes?.Dispose();
    }

    /// <summary>The user a bearer token names, once its form, signature, lifetime, audience and issuer check out (OIDC) or the API server's review accepts it (Kubernetes).</summary>
    /// <exception cref="UnauthenticatedException">No token, or a token that does not check out.</exception>
    /// <exception cref="IdentityProviderUnavailableException">The provider's keys cannot be had.</exception>
    public async Task<FeastUser> AuthenticateAsync(string? authorization, CancellationToken cancellationToken)
    {
        const string Scheme = "Bearer ";
        if (string.IsNullOrWhiteSpace(authorization) || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            throw new UnauthenticatedException("Not authenticated: send the access token as 'Authorization: Bearer <token>'.");
        var bearer = authorization[Scheme.Length..].Trim();
        // Feast's intra-communication token (INTRA_COMMUNICATION_BASE64) is recognised before the provider is asked.
        if (_intra.Recognise(bearer, kubernetes: _kubernetes is not null) is { } internalUser) return internalUser;
        if (_kubernetes is not null)
        {
            if (bearer.Length == 0) throw new UnauthenticatedException("Not authenticated: the bearer token is empty.");
            return await _kubernetes.AuthenticateAsync(bearer, cancellationToken).ConfigureAwait(false);
        }
        var token = JwtToken.Parse(bearer, _oidc!.ClientId);

        var key = await _keys!.FindAsync(token.Kid, cancellationToken).ConfigureAwait(false);
        if (!token.IsSignedBy(key)) throw JwtToken.Invalid("the signature does not match the provider's key");
        token.CheckLifetime(_time.GetUtcNow(), Leeway);
        if (_oidc.Audience is { Length: > 0 } audience && !token.Audiences.Contains(audience, StringComparer.Ordinal))
            throw JwtToken.Invalid($"its audience is not '{audience}'");
        if (_oidc.Issuer is { Length: > 0 } issuer && token.Issuer != issuer)
            throw JwtToken.Invalid($"its issuer is not '{issuer}'");
        return token.User;
    }
}
