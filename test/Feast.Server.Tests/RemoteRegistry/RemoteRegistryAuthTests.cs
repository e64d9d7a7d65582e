using System.Net;
using Feast.Configuration;
using Feast.DuckDb;
using Feast.Remote;
using Feast.Server.Tests.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Feast.Server.Tests.RemoteRegistry;

/// <summary>The remote registry's client tokens: what the <c>auth:</c> section sends to a registry server that checks OIDC tokens.</summary>
public sealed class RemoteRegistryAuthTests
{
    [Fact]
    public async Task OidcServer_ClientWithoutToken_Refused_StaticToken_And_ClientCredentials_Read()
    {
        await using var idp = await LoopbackIdentityProvider.StartAsync();
        await using var tokens = await LoopbackTokenEndpoint.StartAsync(idp);
        await using var repo = await ServerRepo.CreateAsync();
        var serverConfig = repo.Store.Config with
        {
            Auth = new OidcAuthConfig { AuthDiscoveryUrl = idp.DiscoveryUrl, ClientId = LoopbackIdentityProvider.ClientId },
        };
        await using var served = new FeatureStore(serverConfig, new FeatureStoreOptions().UseDuckDb());
        await using var server = await RegistryServerHost.StartAsync(o => o.Store = served);
        var remote = repo.Store.Config with { Registry = new RegistryConfig { RegistryType = RegistryType.Remote, Path = server.Channel.Target } };

        await using var anonymous = new RemoteRegistryStore(remote with { Auth = new NoAuthConfig() });
        var refused = await Assert.ThrowsAsync<RemoteServerException>(() => anonymous.ReadAsync());
        await using var withToken = new RemoteRegistryStore(remote with { Auth = new OidcClientAuthConfig { Token = idp.Reader(DateTimeOffset.UtcNow) } });
        var read = await withToken.ReadAsync();
        await using var credentials = new RemoteRegistryStore(remote with
        {
            Auth = new OidcClientAuthConfig { AuthDiscoveryUrl = tokens.DiscoveryUrl, ClientId = "feast-cli", ClientSecret = "s3cret" },
        });
        var first = await credentials.ReadAsync();
        var second = await credentials.ReadAsync();

        Assert.Contains("unauthenticated", refused.Message, StringComparison.Ordinal);
        Assert.Contains("auth section", refused.Message, StringComparison.Ordinal);
        Assert.NotNull(read);
        Assert.NotNull(first);
        Assert.Equal(first!.VersionId, second!.VersionId);
        Assert.Equal(1, tokens.Fetches); // the token is kept until shortly before it expires
        Assert.Equal("client_credentials|feast-cli|s3cret", tokens.LastGrant);
    }

    [Fact]
    public async Task OidcClientToken_RefreshedRefreshMarginBeforeExpiry_PasswordGrantWhenUserGiven()
    {
        await using var idp = await LoopbackIdentityProvider.StartAsync();
        await using var endpoint = await LoopbackTokenEndpoint.StartAsync(idp, expiresIn: 60);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var source = ClientTokens.Create(new OidcClientAuthConfig
        {
            AuthDiscoveryUrl = endpoint.DiscoveryUrl, ClientId = "feast-cli", ClientSecret = "s3cret",
            Username = "ada", Password = "pw", TokenRefreshMarginSeconds = 30,
        }, clock);

        var a = await source.GetTokenAsync(default);
        clock.Advance(TimeSpan.FromSeconds(25));
        var b = await source.GetTokenAsync(default);
        clock.Advance(TimeSpan.FromSeconds(10)); // 35 s: within 30 s of the 60 s expiry
        var c = await source.GetTokenAsync(default);

        Assert.Equal(a, b);
        Assert.NotNull(c);
        Assert.Equal(2, endpoint.Fetches);
        Assert.Equal("password|feast-cli|s3cret|ada|pw", endpoint.LastGrant);
    }

    [Fact]
    public async Task KubernetesToken_UserToken_ElseLocalVariable_AndEnvVarToken()
    {
        var user = ClientTokens.Create(new KubernetesAuthConfig { UserToken = "sa-token" });
        Assert.Equal("sa-token", await user.GetTokenAsync(default));
        var fromFile = new KubernetesTokenSource(null, Path.Combine(AppContext.BaseDirectory, "no-such-token-file"));
        if (Environment.GetEnvironmentVariable(KubernetesTokenSource.LocalTokenVariable) is null)
        {
            var error = await Assert.ThrowsAsync<FeastConfigException>(async () => await fromFile.GetTokenAsync(default));
            Assert.Contains(KubernetesTokenSource.LocalTokenVariable, error.Message, StringComparison.Ordinal);
        }
        var variable = "FEAST_REMOTE_TEST_TOKEN_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "env-token");
        try
        {
            Assert.Equal("env-token", await ClientTokens.Create(new OidcClientAuthConfig { TokenEnvVar = variable }).GetTokenAsync(default));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
        Assert.Null(await ClientTokens.Create(new NoAuthConfig()).GetTokenAsync(default));
    }

    [Fact]
    public async Task WithoutThePackage_RemoteRegistry_SaysWhichPackageToAdd()
    {
        await using var repo = await ServerRepo.CreateAsync();
        var config = repo.Store.Config with { Registry = new RegistryConfig { RegistryType = RegistryType.Remote, Path = "localhost:6570" } };

        var error = Assert.Throws<FeastConfigException>(() => new FeatureStore(config, new FeatureStoreOptions()));

        Assert.Contains("Feast.Remote", error.Message, StringComparison.Ordinal);
        Assert.Contains("UseRemoteRegistry()", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A token endpoint of an OIDC provider: discovery names it; it issues the provider's reader tokens.</summary>
    private sealed class LoopbackTokenEndpoint : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _fetches;

        private LoopbackTokenEndpoint(WebApplication app) => _app = app;

        public string DiscoveryUrl => _app.Urls.Single() + "/.well-known/openid-configuration";

        public int Fetches => Volatile.Read(ref _fetches);

        public string? LastGrant { get; private set; }

        public static async Task<LoopbackTokenEndpoint> StartAsync(LoopbackIdentityProvider idp, int expiresIn = 300)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var endpoint = new LoopbackTokenEndpoint(app);
            app.MapGet("/.well-known/openid-configuration", (HttpContext c) =>
                Results.Json(new Dictionary<string, string> { ["issuer"] = LoopbackIdentityProvider.Issuer, ["token_endpoint"] = $"{c.Request.Scheme}://{c.Request.Host}/token" }));
            app.MapPost("/token", async (HttpContext c) =>
            {
                var form = await c.Request.ReadFormAsync();
                endpoint.LastGrant = string.Join('|', new[] { form["grant_type"], form["client_id"], form["client_secret"], form["username"], form["password"] }
                    .Select(v => v.ToString()).Where(v => v.Length > 0));
                Interlocked.Increment(ref endpoint._fetches);
                return Results.Json(new Dictionary<string, object> { ["access_token"] = idp.Reader(DateTimeOffset.UtcNow), ["token_type"] = "Bearer", ["expires_in"] = expiresIn });
            });
            await app.StartAsync();
            return endpoint;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
