using Feast.Configuration;
using Feast.DuckDb;
using Feast.Protos.Registry;
using Grpc.Core;
using P = Feast.Protos.Core;

namespace Feast.Server.Tests.Security;

/// <summary>The registry server under <c>auth: {type: oidc}</c>: every RPC but health needs a valid bearer token.</summary>
public sealed class RegistryServerAuthTests
{
    [Fact]
    public async Task Oidc_NoToken_Unauthenticated_ValidToken_Answers()
    {
        await using var idp = await LoopbackIdentityProvider.StartAsync();
        await using var repo = await ServerRepo.CreateAsync();
        var config = repo.Store.Config with
        {
            Auth = new OidcAuthConfig { AuthDiscoveryUrl = idp.DiscoveryUrl, ClientId = LoopbackIdentityProvider.ClientId },
        };
        await using var store = new FeatureStore(config, new FeatureStoreOptions().UseDuckDb());
        await using var server = await RegistryServerHost.StartAsync(o => o.Store = store);
        var request = new GetEntityRequest { Name = "driver", Project = "loop" };

        var refused = await Assert.ThrowsAsync<RpcException>(() => server.CallAsync("GetEntity", request, P.Entity.Parser));
        var badToken = await Assert.ThrowsAsync<RpcException>(() =>
            server.CallAsync("GetEntity", request, P.Entity.Parser, new Metadata { { "authorization", "Bearer not-a-token" } }));
        var entity = await server.CallAsync("GetEntity", request, P.Entity.Parser,
            new Metadata { { "authorization", "Bearer " + idp.Reader(DateTimeOffset.UtcNow) } });

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, badToken.StatusCode);
        Assert.Equal("driver", entity.Spec.Name);
    }
}
