using Feast.Configuration;
using Feast.DuckDb;
using Feast.Permissions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Feast.Server.Tests.Security;

/// <summary>
/// A feature server on real loopback sockets with <c>auth: oidc</c> (audience, issuer and client id set) against a
/// <see cref="LoopbackIdentityProvider"/>, where role <c>reader</c> may read and <c>writer</c> may write. Its clock is a
/// <see cref="FakeTimeProvider"/> set to the real time, so tests can move past key lifespans.
/// </summary>
internal sealed class SecureServer : IAsyncDisposable
{
    private SecureServer(LoopbackIdentityProvider idp, ServerRepo repo, FeatureStore store, TestHost host, FakeTimeProvider clock, ListLoggerProvider logs)
    {
        Idp = idp;
        Repo = repo;
        Store = store;
        Host = host;
        Clock = clock;
        Logs = logs;
    }

    public LoopbackIdentityProvider Idp { get; }

    public ServerRepo Repo { get; }

    public FeatureStore Store { get; }

    public TestHost Host { get; }

    public FakeTimeProvider Clock { get; }

    public ListLoggerProvider Logs { get; }

    public const string ReadBody = """{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001]}}""";

    public static async Task<SecureServer> StartAsync(Action<FeastServerOptions>? configure = null, int jwksLifespanSeconds = 300,
        Func<FeatureServerConfig, FeatureServerConfig>? featureServer = null, bool checkAudienceAndIssuer = true)
    {
        var idp = await LoopbackIdentityProvider.StartAsync();
        var repo = await ServerRepo.CreateAsync();
        await repo.Store.ApplyAsync([.. ServerRepo.Objects,
            new Permission("readers", [PermissionResourceType.FeatureView, PermissionResourceType.OnDemandFeatureView], actions: AuthzedActions.Read,
                policy: new RoleBasedPolicy(["reader"])),
            new Permission("writers", [PermissionResourceType.FeatureView], actions: AuthzedActions.Write, policy: new RoleBasedPolicy(["writer"])),
        ]);
        await repo.Store.MaterializeAsync(ServerRepo.T0.AddDays(-1), ServerRepo.Now);
        var config = repo.Store.Config with
        {
            Auth = new OidcAuthConfig
            {
                AuthDiscoveryUrl = idp.DiscoveryUrl,
                ClientId = LoopbackIdentityProvider.ClientId,
                Audience = checkAudienceAndIssuer ? LoopbackIdentityProvider.Audience : null,
                Issuer = checkAudienceAndIssuer ? LoopbackIdentityProvider.Issuer : null,
                JwksCacheLifespanSeconds = jwksLifespanSeconds,
            },
        };
        if (featureServer is not null) config = config with { FeatureServer = featureServer(config.FeatureServer) };
        var store = new FeatureStore(config, new FeatureStoreOptions().UseDuckDb());
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new ListLoggerProvider();
        var host = await TestHost.StartAsync(store, kestrel: true, configure, logs, s => s.AddSingleton<TimeProvider>(clock));
        return new SecureServer(idp, repo, store, host, clock, logs);
    }

    /// <summary>A good reader token for the server's clock.</summary>
    public string Reader() => Idp.Reader(Clock.GetUtcNow());

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Store.DisposeAsync();
        await Repo.DisposeAsync();
        await Idp.DisposeAsync();
    }
}
