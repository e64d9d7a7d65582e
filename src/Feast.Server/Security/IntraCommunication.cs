using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Feast.Permissions;

namespace Feast.Server.Security;

/// <summary>
/// Feast's intra-communication user: the servers of one deployment (feature server, registry server, offline server)
/// share a secret in the <c>INTRA_COMMUNICATION_BASE64</c> environment variable, and a call that carries it is an
/// internal service call that no permission restricts, as Feast's <c>is_auth_necessary</c> decides.
/// </summary>
/// <remarks>
/// <para>The token is Feast's: an unsigned JWT (<c>alg: none</c>) whose <c>preferred_username</c> is the secret under
/// <c>auth: oidc</c> (Feast's <c>OidcTokenParser._get_intra_comm_user</c>), or whose <c>sub</c> has four
/// colon-separated parts, the last being the secret, under <c>auth: kubernetes</c> (<c>KubernetesTokenParser</c>:
/// <c>:::secret</c>). The secret is compared in constant time; nothing else of the token is trusted or needed.</para>
/// <para>Unset or empty, the feature is off: no token is an internal one.</para>
/// </remarks>
internal sealed class IntraCommunication
{
    /// <summary>The environment variable holding the secret.</summary>
    public const string Variable = "INTRA_COMMUNICATION_BASE64";

    private readonly byte[]? _secret;

    /// <summary>The feature with <paramref name="secret"/> (off when null or empty).</summary>
    public IntraCommunication(string? secret)
    {
        if (string.IsNullOrEmpty(secret)) return;
        _secret = Encoding.UTF8.GetBytes(secret);
        User = new FeastUser(UserName);
    }

    /// <summary>The feature as the process environment sets it.</summary>
    public static IntraCommunication FromEnvironment() => new(Environment.GetEnvironmentVariable(Variable));

    /// <summary>Whether a secret is set.</summary>
    public bool Enabled => _secret is not null;

    /// <summary>The name of the internal user (Feast names it by the secret; this server keeps the secret out of names and logs).</summary>
    public const string UserName = "intra-communication";

    /// <summary>The internal user; null when the feature is off.</summary>
    public FeastUser? User { get; }

    /// <summary>Whether <paramref name="user"/> is the internal user this server recognised.</summary>
    public bool IsInternal(FeastUser? user) => user is not null && ReferenceEquals(user, User);

    /// <summary>
    /// The internal user when <paramref name="bearer"/> is Feast's intra-communication token for this secret
    /// (<c>preferred_username</c> for OIDC, the fourth part of <c>sub</c> for Kubernetes); otherwise null.
    /// </summary>
    public FeastUser? Recognise(string bearer, bool kubernetes)
    {
        if (_secret is null || Claims(bearer) is not { } claims) return null;
        string? presented;
        if (kubernetes)
        {
            var parts = claims.TryGetValue("sub", out var sub) ? sub.Split(':') : [];
            presented = parts.Length == 4 ? parts[3] : null;
        }
        else
        {
            presented = claims.GetValueOrDefault("preferred_username");
        }
        return presented is { Length: > 0 } && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _secret) ? User : null;
    }

    /// <summary>The string claims of a JWT's payload, read without checking any signature; null when it is no JWT.</summary>
    private static Dictionary<string, string>? Claims(string bearer)
    {
        var parts = bearer.Split('.');
        if (parts.Length != 3 || parts[1].Length is 0 or > 8192) return null;
        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
            using var json = JsonDocument.Parse(Convert.FromBase64String(payload));
            if (json.RootElement.ValueKind != JsonValueKind.Object) return null;
            var claims = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var claim in json.RootElement.EnumerateObject())
            {
                if (claim.Value.ValueKind == JsonValueKind.String) claims[claim.Name] = claim.Value.GetString()!;
            }
            return claims;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }
}
