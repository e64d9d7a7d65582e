using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Feast.Permissions;

namespace Feast.Server.Security;

/// <summary>The request carried no usable credentials (HTTP 401, gRPC UNAUTHENTICATED).</summary>
internal sealed class UnauthenticatedException(string message) : FeastException(message);

/// <summary>
/// A bearer JWT taken apart without trusting any of it: three base64url parts, a JSON-object header with a string
/// <c>alg</c> (RS256 only) and an optional string <c>kid</c>, a JSON-object payload whose time claims are numbers of
/// seconds a <see cref="DateTimeOffset"/> can hold. Anything else is an <see cref="UnauthenticatedException"/>, never
/// another exception, so a malformed token is always a 401 and never costs a key fetch.
/// </summary>
internal sealed class JwtToken
{
    private static readonly string[] UsernameClaims = ["preferred_username", "upn", "azp", "appid", "sub"];

    // The largest time DateTimeOffset can hold (9999-12-31T23:59:59Z), in Unix seconds.
    private const double MaxUnixSeconds = 253_402_300_799;

    private readonly byte[] _signed;
    private readonly byte[] _signature;

    private JwtToken(string? kid, byte[] signed, byte[] signature, DateTimeOffset expires, DateTimeOffset? notBefore, string? issuer,
        IReadOnlyList<string> audiences, FeastUser user)
    {
        Kid = kid;
        _signed = signed;
        _signature = signature;
        Expires = expires;
        NotBefore = notBefore;
        Issuer = issuer;
        Audiences = audiences;
        User = user;
    }

    /// <summary>The <c>kid</c> of the header: which of the provider's keys signed the token.</summary>
    public string? Kid { get; }

    public DateTimeOffset Expires { get; }

    public DateTimeOffset? NotBefore { get; }

    public string? Issuer { get; }

    public IReadOnlyList<string> Audiences { get; }

    /// <summary>Who the token names, with roles (<c>roles</c>, and the client's roles in <c>resource_access</c>) and <c>groups</c>.</summary>
    public FeastUser User { get; }

    /// <summary>Reads <paramref name="token"/>; <paramref name="clientId"/> picks the client roles of Keycloak's <c>resource_access</c>.</summary>
    /// <exception cref="UnauthenticatedException">The token is not a well-formed RS256 JWT with a usable <c>exp</c>.</exception>
    public static JwtToken Parse(string token, string? clientId)
    {
        var parts = token.Split('.');
        if (parts.Length != 3) throw Invalid("not a JWT (header.payload.signature)");
        try
        {
            string? kid;
            using (var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0])))
            {
                var root = header.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw Invalid("its header is not a JSON object");
                if (!root.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String || alg.GetString() != "RS256")
                    throw Invalid("only RS256-signed tokens are accepted");
                kid = root.TryGetProperty("kid", out var k) ? k.ValueKind == JsonValueKind.String ? k.GetString() : throw Invalid("its kid is not a string") : null;
            }
            var signature = Base64Url.DecodeFromChars(parts[2]);
            using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
            var claims = payload.RootElement;
            if (claims.ValueKind != JsonValueKind.Object) throw Invalid("its payload is not a JSON object");
            var expires = Time(claims, "exp") ?? throw Invalid("it has no exp claim");
            var notBefore = Time(claims, "nbf");
            var issuer = claims.TryGetProperty("iss", out var iss) && iss.ValueKind == JsonValueKind.String ? iss.GetString() : null;

            var username = "";
            foreach (var name in UsernameClaims)
            {
                if (claims.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s)
                {
                    username = s;
                    break;
                }
            }
            var roles = Strings(claims, "roles");
            if (clientId is { Length: > 0 } && claims.TryGetProperty("resource_access", out var access)
                && access.ValueKind == JsonValueKind.Object && access.TryGetProperty(clientId, out var clientAccess))
                roles.AddRange(Strings(clientAccess, "roles"));
            var user = new FeastUser(username, roles.Distinct(StringComparer.Ordinal).ToList(), Strings(claims, "groups"), []);
            return new JwtToken(kid, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, expires, notBefore, issuer, Strings(claims, "aud"), user);
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException or InvalidOperationException)
        {
            // Bad base64url, bad JSON (too deep, not UTF-8), a lone surrogate in a string: all just a bad token.
            throw Invalid("its parts are not base64url-encoded JSON");
        }
    }

    /// <summary>Whether <paramref name="key"/> made the token's RS256 signature.</summary>
    public bool IsSignedBy(RSA key)
    {
        try
        {
            return key.VerifyData(_signed, _signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Throws unless the token is valid at <paramref name="now"/>, give or take <paramref name="leeway"/>.</summary>
    public void CheckLifetime(DateTimeOffset now, TimeSpan leeway)
    {
        if (Expires + leeway < now) throw Invalid("it has expired; get a new one");
        if (NotBefore is { } nbf && nbf - leeway > now) throw Invalid("it is not valid yet (its nbf is in the future)");
    }

    internal static UnauthenticatedException Invalid(string why) => new($"Invalid token: {why}.");

    /// <summary>A NumericDate claim (seconds since the epoch); null when absent; not a number or out of range is invalid.</summary>
    private static DateTimeOffset? Time(JsonElement claims, string name)
    {
        if (!claims.TryGetProperty(name, out var value)) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || !double.IsFinite(seconds)
            || seconds is < 0 or > MaxUnixSeconds)
            throw Invalid($"its {name} claim is not a time (seconds since 1970)");
        return DateTimeOffset.FromUnixTimeSeconds((long)Math.Floor(seconds));
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
}
