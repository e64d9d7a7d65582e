using System.Net;
using Grpc.Core;

namespace Feast.Server.Tests.Security;

/// <summary>
/// The provider's keys under load and outage: unknown kids cannot make the server hammer the provider, and a provider
/// that is down when the cached keys expire leaves the server on its last good keys, then 503 (never 500, never the
/// provider's address) once those are too old.
/// </summary>
public sealed class SigningKeyTests
{
    [Fact]
    public async Task UnknownKids_TwoHundredTokens_FetchTheKeysAtMostOncePerInterval()
    {
        await using var server = await SecureServer.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await Calls.PostAsync(server.Host, "/get-online-features", SecureServer.ReadBody, "Bearer " + server.Reader())).StatusCode);
        var before = server.Idp.JwksFetches;

        var now = server.Clock.GetUtcNow();
        var http = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Calls.PostAsync(server.Host, "/get-online-features", SecureServer.ReadBody, "Bearer " + server.Idp.Reader(now, kid: $"rotated-{i}"))));
        var grpc = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Calls.GrpcReadAsync(server.Host, "Bearer " + server.Idp.Reader(now, kid: $"grpc-{i}"))));
        var duringInterval = server.Idp.JwksFetches - before;
        server.Clock.Advance(TimeSpan.FromSeconds(11));
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            Calls.PostAsync(server.Host, "/get-online-features", SecureServer.ReadBody, "Bearer " + server.Idp.Reader(now, kid: $"later-{i}"))));

        Assert.All(http, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.All(grpc, s => Assert.Equal(StatusCode.Unauthenticated, s.StatusCode));
        Assert.Equal(0, duringInterval);
        Assert.Equal(1, server.Idp.JwksFetches - before);
    }

    [Fact]
    public async Task ProviderDown_WhenKeysExpire_ServesOnLastGoodKeys_Then503WithoutTheAddress()
    {
        await using var server = await SecureServer.StartAsync(jwksLifespanSeconds: 60);
        Assert.Equal(HttpStatusCode.OK, (await Calls.PostAsync(server.Host, "/get-online-features", SecureServer.ReadBody, "Bearer " + server.Reader())).StatusCode);

        server.Idp.Down = true;
        server.Clock.Advance(TimeSpan.FromSeconds(61));
        var attemptsBefore = server.Idp.DiscoveryFetches;
        var onStaleKeys = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Calls.PostAsync(server.Host, "/get-online-features", SecureServer.ReadBody, "Bearer " + server.Reader())));
        var attempts = server.Idp.DiscoveryFetches - attemptsBefore;

        server.Clock.Advance(TimeSpan.FromHours(2));
        var noKeys = await Calls.PostAsync(server.Host, "/get-online-features", SecureServer.ReadBody, "Bearer " + server.Reader());
        var noKeysGrpc = await Calls.GrpcReadAsync(server.Host, "Bearer " + server.Reader());
        var body = await noKeys.Content.ReadAsStringAsync();

        server.Idp.Down = false;
        server.Clock.Advance(TimeSpan.FromSeconds(11));
        var back = await Calls.PostAsync(server.Host, "/get-online-features", SecureServer.ReadBody, "Bearer " + server.Reader());

        Assert.All(onStaleKeys, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, attempts);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, noKeys.StatusCode);
        Assert.Equal("IdentityProviderUnavailableException", (await Answers.ErrorAsync(noKeys)).Class);
        Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        Assert.DoesNotContain("openid-configuration", body, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unavailable, noKeysGrpc.StatusCode);
        Assert.DoesNotContain("127.0.0.1", noKeysGrpc.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        // The address is in the server's log, for its operator.
        Assert.Contains(server.Logs.Entries, e => e.Message.Contains(server.Idp.DiscoveryUrl, StringComparison.Ordinal));
    }
}
