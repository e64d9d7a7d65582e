using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Feast.DuckDb;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Feast.Ui.Tests;

/// <summary><c>AddFeastUi</c>/<c>MapFeastUi</c> in an application of one's own, and <c>feast ui</c> over TLS.</summary>
public sealed class UiHostTests
{
    [Fact]
    public async Task MapRegistryRest_IsMountedAtApiV1_UnderTheRootPath()
    {
        var repo = await UiRepos.DemoAsync();
        try
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            string? mountedAt = null;
            builder.Services.AddFeastUi(o =>
            {
                o.RepoPath = repo;
                o.ConfigureStore = s => s.UseDuckDb();
            }, o =>
            {
                o.RootPath = "/ui";
                o.MapRegistryRest = (endpoints, prefix) =>
                {
                    mountedAt = prefix;
                    endpoints.MapGet(prefix + "/projects", () => Results.Json(new { projects = Array.Empty<object>() }));
                };
            });
            await using var app = builder.Build();
            app.MapFeastUi();
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

            var rest = await http.GetAsync("/ui/api/v1/projects");
            var page = await http.GetStringAsync("/ui/p/demo");

            Assert.Equal("/api/v1", mountedAt);
            Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
            Assert.Equal("""{"projects":[]}""", await rest.Content.ReadAsStringAsync());
            Assert.Contains("<script src=\"/ui/index.js\"></script>", page, StringComparison.Ordinal);
            await app.StopAsync();
        }
        finally
        {
            UiRepos.Delete(Path.GetDirectoryName(Path.GetDirectoryName(repo))!);
        }
    }

    [Fact]
    public async Task KeyAndCert_ServeTheUiOverHttps()
    {
        var repo = await UiRepos.DemoAsync();
        try
        {
            var (cert, key) = WriteSelfSignedCertificate(repo);
            await using var server = await UiServer.StartAsync(repo, "--key", key, "--cert", cert);
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
            using var http = new HttpClient(handler) { BaseAddress = server.Url };

            var projects = await http.GetStringAsync("projects-list.json");

            Assert.Equal("https", server.Url.Scheme);
            Assert.Contains("\"id\":\"demo\"", projects, StringComparison.Ordinal);
        }
        finally
        {
            UiRepos.Delete(Path.GetDirectoryName(Path.GetDirectoryName(repo))!);
        }
    }

    private static (string Cert, string Key) WriteSelfSignedCertificate(string dir)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var now = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var certificate = request.CreateSelfSigned(now, now.AddYears(50));
        var certPath = Path.Combine(dir, "cert.pem");
        var keyPath = Path.Combine(dir, "key.pem");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
