using System.Net;
using Feast.Configuration;

namespace Feast.Server.Tests.Security;

/// <summary>
/// What <c>/metrics</c> and the health endpoints show, and to whom: open by default but never a path or a host to an
/// unauthenticated caller; behind a token with <c>metrics_require_auth</c>.
/// </summary>
public sealed class ExposureTests
{
    [Fact]
    public async Task Ready_OnlineStoreFailing_HidesTheReasonFromAnonymousCallers()
    {
        await using var repo = await ServerRepo.CreateAsync(controlled: true);
        await using var host = await TestHost.StartAsync(repo.Store, kestrel: true);
        repo.Online!.BeforeRead = _ => throw new IOException("cannot reach redis-primary.internal:6379 for /srv/feast/data/online.db");

        var ready = await host.Http.GetAsync("/healthz/ready");
        var body = await ready.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("online store did not answer", body, StringComparison.Ordinal);
        Assert.DoesNotContain("redis-primary", body, StringComparison.Ordinal);
        Assert.DoesNotContain("/srv/feast", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenByDefault_MetricsAndReadyAnswerWithoutAToken_DetailOnlyWithOne()
    {
        await using var server = await SecureServer.StartAsync(o => o.Metrics = true);

        var metrics = await server.Host.Http.GetAsync("/metrics");
        var ready = await server.Host.Http.GetAsync("/healthz/ready");
        using var withToken = new HttpRequestMessage(HttpMethod.Get, "/healthz/ready") { Headers = { Authorization = Calls.Bearer(server.Reader()) } };
        var authenticated = await server.Host.Http.SendAsync(withToken);

        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.DoesNotContain("detail", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, authenticated.StatusCode);
    }

    [Theory]
    [InlineData("option")]
    [InlineData("yaml")]
    public async Task MetricsRequireAuth_MetricsAndReadyNeedAToken_LivenessStaysOpen(string how)
    {
        await using var server = await SecureServer.StartAsync(
            o =>
            {
                o.Metrics = true;
                o.MetricsRequireAuth = how == "option";
            },
            featureServer: how == "yaml" ? fs => fs with { MetricsRequireAuth = true } : null);

        var metrics = await server.Host.Http.GetAsync("/metrics");
        var ready = await server.Host.Http.GetAsync("/healthz/ready");
        var live = await server.Host.Http.GetAsync("/healthz/live");
        var health = await server.Host.Http.GetAsync("/health");
        using var withToken = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = Calls.Bearer(server.Reader()) } };
        var authenticated = await server.Host.Http.SendAsync(withToken);

        Assert.Equal(HttpStatusCode.Unauthorized, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authenticated.StatusCode);
        Assert.Contains("feast_feature_server_request_total", await authenticated.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsRequireAuth_WithoutAuth_FailsAtStartup_SayingWhy()
    {
        await using var repo = await ServerRepo.CreateAsync();

        var error = await Assert.ThrowsAsync<FeastConfigException>(async () =>
        {
            await using var host = await TestHost.StartAsync(repo.Store, configure: o => o.MetricsRequireAuth = true);
            await host.Http.GetAsync("/metrics");
        });

        Assert.Contains("needs auth type oidc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MetricsRequireAuth_IsReadFromFeatureStoreYaml()
    {
        var dir = Path.Combine(Path.GetTempPath(), "feast-server-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "feature_store.yaml"), """
                project: p
                registry: data/registry.db
                provider: local
                feature_server:
                  metrics_require_auth: true
                """);

            Assert.True(RepoConfigLoader.Load(dir).FeatureServer.MetricsRequireAuth);
        }
        finally
        {
            TestFiles.DeleteDirectory(dir);
        }
    }
}
