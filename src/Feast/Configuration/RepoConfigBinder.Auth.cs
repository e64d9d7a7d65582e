// RepoConfigBinder: the auth section (no_auth, kubernetes, oidc server and client) and its credential checks.
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Feast.Configuration;

internal static partial class RepoConfigBinder
{
    private static readonly string[] OidcClientKeys = ["client_secret", "token", "token_env_var", "username", "password"];

    // ---- auth ----------------------------------------------------------------------------------------------

    private static readonly OptionsSchema<NoAuthConfig> NoAuth = new(() => new())
    {
        { "type", Keep, o => o.Type },
    };

    private static readonly OptionsSchema<KubernetesAuthConfig> KubernetesAuth = CreateKubernetesAuth();

    private static OptionsSchema<KubernetesAuthConfig> CreateKubernetesAuth()
    {
        var schema = new OptionsSchema<KubernetesAuthConfig>(() => new())
        {
            { "type", Keep, o => o.Type },
            { "user_token", (o, v) => o with { UserToken = v.OptionalString() }, o => o.UserToken },
        };

        // Feast's KubernetesAuthConfig is the one auth model with extra="allow".
        schema.AllowAdditional((o, extra) => o with { AdditionalOptions = extra }, o => o.AdditionalOptions);
        return schema;
    }

    // Keys shared by the server- and client-side OIDC models, apart from auth_discovery_url.
    private static readonly OptionsSchema<OidcAuthConfig> OidcCommon = new(() => new())
    {
        { "client_id", (o, v) => o with { ClientId = v.OptionalString() }, o => o.ClientId },
        { "ui_client_id", (o, v) => o with { UiClientId = v.OptionalString() }, o => o.UiClientId },
        { "verify_ssl", (o, v) => o with { VerifySsl = v.Boolean() }, o => o.VerifySsl },
        { "ca_cert_path", (o, v) => o with { CaCertPath = v.OptionalString() ?? "" }, o => o.CaCertPath },
        { "audience", (o, v) => o with { Audience = v.OptionalString() }, o => o.Audience },
        { "issuer", (o, v) => o with { Issuer = v.OptionalString() }, o => o.Issuer },
        { "jwks_cache_lifespan_seconds", (o, v) => o with { JwksCacheLifespanSeconds = v.Int32(min: 1) }, o => o.JwksCacheLifespanSeconds },
        { "jwks_request_timeout_seconds", (o, v) => o with { JwksRequestTimeoutSeconds = v.Double(exclusiveMin: 0) }, o => o.JwksRequestTimeoutSeconds },
    };

    private static readonly OptionsSchema<OidcAuthConfig> OidcServerAuth = CreateOidcServerAuth();

    private static OptionsSchema<OidcAuthConfig> CreateOidcServerAuth()
    {
        var schema = new OptionsSchema<OidcAuthConfig>(() => new())
        {
            { "type", Keep, o => o.Type },
            { "auth_discovery_url", (o, v) => o with { AuthDiscoveryUrl = v.String() }, o => o.AuthDiscoveryUrl, true },
        };
        schema.Include(OidcCommon, o => o, (_, o) => o);
        return schema;
    }

    private static readonly OptionsSchema<OidcClientAuthConfig> OidcClientAuth = CreateOidcClientAuth();

    private static OptionsSchema<OidcClientAuthConfig> CreateOidcClientAuth()
    {
        var schema = new OptionsSchema<OidcClientAuthConfig>(() => new())
        {
            { "type", Keep, o => o.Type },
            { "auth_discovery_url", (o, v) => o with { AuthDiscoveryUrl = v.OptionalString() }, o => o.AuthDiscoveryUrl },
        };
        schema.Include(OidcCommon, o => o, (_, o) => (OidcClientAuthConfig)o);
        schema.Add("username", (o, v) => o with { Username = v.OptionalString() }, o => o.Username);
        schema.Add("password", (o, v) => o with { Password = v.OptionalString() }, o => o.Password);
        schema.Add("client_secret", (o, v) => o with { ClientSecret = v.OptionalString() }, o => o.ClientSecret);
        schema.Add("token", (o, v) => o with { Token = v.OptionalString() }, o => o.Token);
        schema.Add("token_env_var", (o, v) => o with { TokenEnvVar = v.OptionalString() }, o => o.TokenEnvVar);
        schema.Add(
            "token_refresh_margin_seconds",
            (o, v) => o with { TokenRefreshMarginSeconds = v.Int32(min: 0) },
            o => o.TokenRefreshMarginSeconds);
        return schema;
    }

    private static readonly TypedSection<AuthConfig> Auths = CreateAuths();

    private static TypedSection<AuthConfig> CreateAuths()
    {
        var section = new TypedSection<AuthConfig>("auth", "type", defaultType: null, "AuthConfig", o => o.Type);
        section.Add("no_auth", NoAuth);
        section.Add("kubernetes", KubernetesAuth);
        section.Add(
            "oidc",
            BindOidc,
            o => o is OidcClientAuthConfig client ? OidcClientAuth.Print(client) : OidcServerAuth.Print((OidcAuthConfig)o));
        return section;
    }

    private static OidcAuthConfig BindOidc(YamlMappingNode? mapping, SectionContext section, YamlNode position)
    {
        bool Has(string key) =>
            mapping is not null && mapping.Children.Any(c => c.Key is YamlScalarNode { Value: var k } && k == key);

        // Feast picks the client-side model when client credentials are present or there is no discovery URL.
        if (!OidcClientKeys.Any(Has) && Has("auth_discovery_url"))
        {
            return OidcServerAuth.Bind(mapping, section, position);
        }

        var client = OidcClientAuth.Bind(mapping, section with { Label = $"{section.Path} (type oidc, client side)" }, position);
        CheckCredentialGroups(client, section, mapping ?? position);
        return client;
    }

    // Feast's auth_model._check_mutually_exclusive: a group is active when all its values are set, and an error
    // when only some are; at most one group may be active.
    private static void CheckCredentialGroups(OidcClientAuthConfig client, SectionContext section, YamlNode position)
    {
        var network = new List<(string Key, string? Value)>
        {
            ("client_secret", client.ClientSecret),
            ("auth_discovery_url", client.AuthDiscoveryUrl),
            ("client_id", client.ClientId),
        };
        if (!string.IsNullOrEmpty(client.Username) || !string.IsNullOrEmpty(client.Password))
        {
            network.Add(("username", client.Username));
            network.Add(("password", client.Password));
        }

        var groups = new (string Name, List<(string Key, string? Value)> Fields)[]
        {
            ("token", [("token", client.Token)]),
            ("token_env_var", [("token_env_var", client.TokenEnvVar)]),
            ("client_credentials", network),
        };

        var active = new List<string>();
        foreach (var (name, fields) in groups)
        {
            var missing = fields.Where(f => string.IsNullOrEmpty(f.Value)).Select(f => f.Key).ToList();
            if (missing.Count == 0)
            {
                active.Add(name);
            }
            else if (missing.Count < fields.Count)
            {
                throw ConfigErrors.At(
                    section.Source,
                    position,
                    section.Child(missing[0]),
                    $"incomplete '{name}' credentials in {section.Path}: set {string.Join(", ", fields.Select(f => f.Key))} " +
                    $"together, or none of them. Missing: {string.Join(", ", missing)}.");
            }
        }

        if (active.Count > 1)
        {
            throw ConfigErrors.At(
                section.Source,
                position,
                section.Path,
                $"{section.Path} sets more than one kind of OIDC client credentials ({string.Join(", ", active)}). " +
                $"Only one of [{string.Join(", ", groups.Select(g => g.Name))}] may be set.");
        }
    }
}
