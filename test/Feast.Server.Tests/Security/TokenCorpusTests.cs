using System.Net;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using static Feast.Server.Tests.Security.LoopbackIdentityProvider;

namespace Feast.Server.Tests.Security;

/// <summary>
/// Every kind of bad credential a client can send, each over HTTP and gRPC: all are 401 / UNAUTHENTICATED, none is a
/// 500, and none is logged above debug (a client's bad token is not the server's error).
/// </summary>
public sealed class TokenCorpusTests(ITestOutputHelper output) : IAsyncLifetime
{
    private SecureServer _server = null!;

    public async Task InitializeAsync() => _server = await SecureServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>(case, the Authorization header to send, or null for none).</summary>
    private IEnumerable<(string Case, string? Authorization)> Corpus()
    {
        var now = _server.Clock.GetUtcNow();
        var idp = _server.Idp;
        const string Rs256 = """{"alg": "RS256", "typ": "JWT", "kid": "k1"}""";
        var claims = ReaderClaims(now);
        var good = idp.Reader(now);
        var (goodHeader, goodPayload) = (good.Split('.')[0], good.Split('.')[1]);
        string Bearer(string token) => "Bearer " + token;
        string Unsigned(string header, string payload) => Bearer(B64(header) + "." + B64(payload) + "." + B64("not a signature"));

        yield return ("no Authorization header", null);
        yield return ("Basic scheme", "Basic YWRhOnB3");
        yield return ("empty bearer", "Bearer ");
        yield return ("two parts", Bearer("abc.def"));
        yield return ("four parts", Bearer(good + ".x"));
        yield return ("bad base64", Bearer("!!!.###.$$$"));
        yield return ("bad base64 signature", Bearer(goodHeader + "." + goodPayload + ".***"));
        yield return ("header not JSON", Unsigned("not json", claims));
        yield return ("header a JSON array", Unsigned("""["RS256", "k1"]""", claims));
        yield return ("header a JSON string", Unsigned("\"RS256\"", claims));
        yield return ("header nested 200 deep", Unsigned(new string('[', 200) + new string(']', 200), claims));
        yield return ("alg a number", Unsigned("""{"alg": 256, "kid": "k1"}""", claims));
        yield return ("alg an object", Unsigned("""{"alg": {"name": "RS256"}, "kid": "k1"}""", claims));
        yield return ("kid a number", Unsigned("""{"alg": "RS256", "kid": 1}""", claims));
        yield return ("kid an array", Unsigned("""{"alg": "RS256", "kid": ["k1"]}""", claims));
        yield return ("alg none, no signature", Bearer(B64("""{"alg": "none", "typ": "JWT"}""") + "." + B64(claims) + "."));
        yield return ("HS256 signed with the public key", Bearer(idp.HmacWithPublicKey(now)));
        yield return ("signed by another key", Bearer(idp.Sign(Rs256, claims, idp.OtherKey)));
        yield return ("payload changed after signing", Bearer(goodHeader + "." + B64(ReaderClaims(now, ", \"roles\": [\"writer\"]")) + "." + good.Split('.')[2]));
        yield return ("expired", Bearer(idp.Sign(Rs256, ReaderClaims(now.AddMinutes(-10)))));
        yield return ("nbf in the future", Bearer(idp.Sign(Rs256, ReaderClaims(now, $", \"nbf\": {now.AddMinutes(5).ToUnixTimeSeconds()}"))));
        yield return ("nbf not a number", Bearer(idp.Sign(Rs256, ReaderClaims(now, ", \"nbf\": \"now\""))));
        yield return ("no exp", Bearer(idp.Sign(Rs256, """{"preferred_username": "ada", "roles": ["reader"], "iss": "https://idp.test/realms/feast", "aud": "feast-server"}""")));
        yield return ("exp a string", Bearer(idp.Sign(Rs256, """{"preferred_username": "ada", "iss": "https://idp.test/realms/feast", "aud": "feast-server", "exp": "tomorrow"}""")));
        yield return ("exp 1e20", Bearer(idp.Sign(Rs256, """{"preferred_username": "ada", "iss": "https://idp.test/realms/feast", "aud": "feast-server", "exp": 1e20}""")));
        yield return ("exp negative", Bearer(idp.Sign(Rs256, """{"preferred_username": "ada", "iss": "https://idp.test/realms/feast", "aud": "feast-server", "exp": -1e300}""")));
        yield return ("wrong aud", Bearer(idp.Sign(Rs256, ReaderClaims(now).Replace(Audience, "someone-else", StringComparison.Ordinal))));
        yield return ("wrong iss", Bearer(idp.Sign(Rs256, ReaderClaims(now).Replace(Issuer, "https://evil.test", StringComparison.Ordinal))));
        yield return ("iss a number", Bearer(idp.Sign(Rs256, ReaderClaims(now).Replace($"\"{Issuer}\"", "7", StringComparison.Ordinal))));
        yield return ("unknown kid", Bearer(idp.Reader(now, kid: "k9")));
        yield return ("payload a JSON array", Bearer(idp.Sign(Rs256, """[{"exp": 99999999999}]""")));
        yield return ("payload a JSON number", Bearer(idp.Sign(Rs256, "42")));
        yield return ("payload not JSON", Bearer(idp.Sign(Rs256, "{exp: soon")));
        yield return ("payload with a lone surrogate", Bearer(idp.Sign(Rs256, ReaderClaims(now).Replace("\"ada\"", "\"\\ud800\"", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task EveryBadToken_Is401AndUnauthenticated_NeverA500()
    {
        // The good token is served both ways, so every refusal below is about the token.
        Assert.Equal(HttpStatusCode.OK, (await Calls.PostAsync(_server.Host, "/get-online-features", SecureServer.ReadBody, "Bearer " + _server.Reader())).StatusCode);
        Assert.Equal(StatusCode.OK, (await Calls.GrpcReadAsync(_server.Host, "Bearer " + _server.Reader())).StatusCode);

        var failures = new List<string>();
        var cases = 0;
        foreach (var (name, authorization) in Corpus())
        {
            cases++;
            var http = await Calls.PostAsync(_server.Host, "/get-online-features", SecureServer.ReadBody, authorization);
            if (http.StatusCode != HttpStatusCode.Unauthorized)
                failures.Add($"{name} (HTTP): {(int)http.StatusCode} {await http.Content.ReadAsStringAsync()}");
            else if ((await Answers.ErrorAsync(http)).Class != "UnauthenticatedException")
                failures.Add($"{name} (HTTP): error class {(await Answers.ErrorAsync(http)).Class}");
            var push = await Calls.PostAsync(_server.Host, "/push", "{}", authorization);
            if (push.StatusCode != HttpStatusCode.Unauthorized) failures.Add($"{name} (HTTP /push): {(int)push.StatusCode}");
            var grpc = await Calls.GrpcReadAsync(_server.Host, authorization);
            if (grpc.StatusCode != StatusCode.Unauthenticated) failures.Add($"{name} (gRPC): {grpc.StatusCode} {grpc.Detail}");
        }
        output.WriteLine($"{cases} bad credentials, each over HTTP (/get-online-features, /push) and gRPC: {cases * 3} refusals checked.");

        Assert.Empty(failures);
        Assert.DoesNotContain(_server.Logs.Entries, e => e.Level >= LogLevel.Warning && e.Category.StartsWith("Feast", StringComparison.Ordinal));
    }
}
