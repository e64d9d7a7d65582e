using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Tests.Security;

/// <summary>
/// A stand-in OIDC provider on a loopback port: a discovery document and a JWKS with one RSA key (<c>k1</c>), counting
/// how often each is fetched; <see cref="Down"/> makes both answer 503. Also mints tokens, good and bad.
/// </summary>
internal sealed class LoopbackIdentityProvider : IAsyncDisposable
{
    public const string Issuer = "https://idp.test/realms/feast";
    public const string Audience = "feast-server";
    public const string ClientId = "feast-client";

    private readonly WebApplication _app;
    private int _discoveryFetches;
    private int _jwksFetches;

    private LoopbackIdentityProvider(WebApplication app, RSA key)
    {
        _app = app;
        Key = key;
    }

    public RSA Key { get; }

    public RSA OtherKey { get; } = RSA.Create(2048);

    /// <summary>When true, the discovery document and the JWKS answer 503.</summary>
    public volatile bool Down;

    public int JwksFetches => Volatile.Read(ref _jwksFetches);

    public int DiscoveryFetches => Volatile.Read(ref _discoveryFetches);

    public string DiscoveryUrl => _app.Urls.Single() + "/.well-known/openid-configuration";

    public static async Task<LoopbackIdentityProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new LoopbackIdentityProvider(app, RSA.Create(2048));
        var parameters = provider.Key.ExportParameters(false);
        app.MapGet("/.well-known/openid-configuration", (HttpContext c) =>
        {
            Interlocked.Increment(ref provider._discoveryFetches);
            return provider.Down ? Results.StatusCode(503)
                : Results.Json(new Dictionary<string, string> { ["issuer"] = Issuer, ["jwks_uri"] = $"{c.Request.Scheme}://{c.Request.Host}/jwks" });
        });
        app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref provider._jwksFetches);
            return provider.Down ? Results.StatusCode(503) : Results.Json(new Dictionary<string, object>
            {
                ["keys"] = new[] { new Dictionary<string, string> { ["kty"] = "RSA", ["kid"] = "k1", ["use"] = "sig", ["n"] = B64(parameters.Modulus!), ["e"] = B64(parameters.Exponent!) } },
            });
        });
        await app.StartAsync();
        return provider;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Key.Dispose();
        OtherKey.Dispose();
    }

    public static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string B64(string text) => B64(Encoding.UTF8.GetBytes(text));

    /// <summary>Claims of a reader whose token is good for five minutes from <paramref name="now"/>.</summary>
    public static string ReaderClaims(DateTimeOffset now, string extra = "") =>
        $$"""{"preferred_username": "ada", "roles": ["reader"], "iss": "{{Issuer}}", "aud": "{{Audience}}", "exp": {{now.AddMinutes(5).ToUnixTimeSeconds()}}{{extra}}}""";

    /// <summary>An RS256 token over exactly these header and payload texts, signed by <paramref name="key"/> (the provider's by default).</summary>
    public string Sign(string headerJson, string payloadJson, RSA? key = null)
    {
        var signed = B64(headerJson) + "." + B64(payloadJson);
        var signature = (key ?? Key).SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signed + "." + B64(signature);
    }

    /// <summary>A good reader token, valid at <paramref name="now"/>.</summary>
    public string Reader(DateTimeOffset now, string kid = "k1") => Sign($$"""{"alg": "RS256", "typ": "JWT", "kid": "{{kid}}"}""", ReaderClaims(now));

    /// <summary>An HS256 token whose HMAC key is the provider's public key (the algorithm-confusion attack).</summary>
    public string HmacWithPublicKey(DateTimeOffset now)
    {
        var signed = B64("""{"alg": "HS256", "typ": "JWT", "kid": "k1"}""") + "." + B64(ReaderClaims(now));
        var secret = Encoding.ASCII.GetBytes(Key.ExportSubjectPublicKeyInfoPem());
        return signed + "." + B64(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signed)));
    }

    /// <summary>Claims as JSON, for tests that need them as an object.</summary>
    public static string Json(object value) => JsonSerializer.Serialize(value);
}
