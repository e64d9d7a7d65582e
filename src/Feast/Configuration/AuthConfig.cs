using System.Text;

namespace Feast.Configuration;

/// <summary>
/// The <c>auth:</c> section of <c>feature_store.yaml</c> (Feast's <c>permissions/auth_model.py</c>).
/// <c>type</c> is <c>no_auth</c> (the default), <c>kubernetes</c> or <c>oidc</c>.
/// </summary>
public abstract record AuthConfig
{
    /// <summary>The auth type as written in the yaml: <c>no_auth</c>, <c>kubernetes</c> or <c>oidc</c>.</summary>
    public abstract string Type { get; }
}

/// <summary>No authentication (<c>type: no_auth</c>).</summary>
public sealed record NoAuthConfig : AuthConfig
{
    /// <inheritdoc/>
    public override string Type => "no_auth";
}

/// <summary>Kubernetes service-account tokens (<c>type: kubernetes</c>).</summary>
public sealed record KubernetesAuthConfig : AuthConfig
{
    /// <inheritdoc/>
    public override string Type => "kubernetes";

    /// <summary>Client side: a token to send instead of the pod's service-account token (yaml <c>user_token</c>).</summary>
    public string? UserToken { get; init; }

    /// <summary>Other keys, which Feast allows for this type, kept as written.</summary>
    public IReadOnlyDictionary<string, object?> AdditionalOptions { get; init; } = RegistryConfig.EmptyOptions;

    /// <inheritdoc/>
    protected override bool PrintMembers(StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (base.PrintMembers(builder))
        {
            builder.Append(", ");
        }

        builder.Append("UserToken = ").Append(UserToken is null ? null : Redaction.Mask)
            .Append(", AdditionalOptions = ").Append(AdditionalOptions.Count).Append(" keys");
        return true;
    }
}

/// <summary>
/// OpenID Connect on the server side (<c>type: oidc</c> with <c>auth_discovery_url</c> and no client credentials):
/// incoming bearer tokens are validated against the provider's keys.
/// </summary>
public record OidcAuthConfig : AuthConfig
{
    /// <inheritdoc/>
    public override string Type => "oidc";

    /// <summary>The provider's <c>.well-known/openid-configuration</c> URL (yaml <c>auth_discovery_url</c>).</summary>
    public string? AuthDiscoveryUrl { get; init; }

    /// <summary>The client id (yaml <c>client_id</c>).</summary>
    public string? ClientId { get; init; }

    /// <summary>The client id the web UI logs in with (yaml <c>ui_client_id</c>).</summary>
    public string? UiClientId { get; init; }

    /// <summary>Verify the provider's TLS certificate (yaml <c>verify_ssl</c>, true).</summary>
    public bool VerifySsl { get; init; } = true;

    /// <summary>A CA bundle for the provider's certificate (yaml <c>ca_cert_path</c>, empty).</summary>
    public string CaCertPath { get; init; } = "";

    /// <summary>The required <c>aud</c> claim (yaml <c>audience</c>); null skips the check.</summary>
    public string? Audience { get; init; }

    /// <summary>The required <c>iss</c> claim (yaml <c>issuer</c>); null skips the check.</summary>
    public string? Issuer { get; init; }

    /// <summary>Seconds the fetched key set is reused (yaml <c>jwks_cache_lifespan_seconds</c>, 300, &gt; 0).</summary>
    public int JwksCacheLifespanSeconds { get; init; } = 300;

    /// <summary>Timeout of the key-set fetch in seconds (yaml <c>jwks_request_timeout_seconds</c>, 10, &gt; 0).</summary>
    public double JwksRequestTimeoutSeconds { get; init; } = 10;
}

/// <summary>
/// OpenID Connect on the client side: selected, as in Feast, when an <c>oidc</c> section has any of
/// <c>client_secret</c>, <c>token</c>, <c>token_env_var</c>, <c>username</c> or <c>password</c>, or has no
/// <c>auth_discovery_url</c>. At most one credential group may be set: <c>token</c>; <c>token_env_var</c>; or
/// <c>client_secret</c> + <c>auth_discovery_url</c> + <c>client_id</c> (+ <c>username</c> + <c>password</c>).
/// </summary>
public sealed record OidcClientAuthConfig : OidcAuthConfig
{
    /// <summary>Resource-owner password grant: the user (yaml <c>username</c>).</summary>
    public string? Username { get; init; }

    /// <summary>Resource-owner password grant: the password (yaml <c>password</c>).</summary>
    public string? Password { get; init; }

    /// <summary>The client secret (yaml <c>client_secret</c>).</summary>
    public string? ClientSecret { get; init; }

    /// <summary>A static bearer token (yaml <c>token</c>).</summary>
    public string? Token { get; init; }

    /// <summary>The environment variable that holds a bearer token (yaml <c>token_env_var</c>).</summary>
    public string? TokenEnvVar { get; init; }

    /// <summary>Refresh a token this many seconds before it expires (yaml <c>token_refresh_margin_seconds</c>, 30).</summary>
    public int TokenRefreshMarginSeconds { get; init; } = 30;

    /// <inheritdoc/>
    protected override bool PrintMembers(StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (base.PrintMembers(builder))
        {
            builder.Append(", ");
        }

        builder.Append("Username = ").Append(Username)
            .Append(", Password = ").Append(Password is null ? null : Redaction.Mask)
            .Append(", ClientSecret = ").Append(ClientSecret is null ? null : Redaction.Mask)
            .Append(", Token = ").Append(Token is null ? null : Redaction.Mask)
            .Append(", TokenEnvVar = ").Append(TokenEnvVar)
            .Append(", TokenRefreshMarginSeconds = ").Append(TokenRefreshMarginSeconds);
        return true;
    }
}
