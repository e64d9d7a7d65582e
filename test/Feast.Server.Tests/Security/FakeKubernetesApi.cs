using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Tests.Security;

/// <summary>
/// A Kubernetes API server of the test's own on loopback HTTPS (a self-signed certificate, trusted through the kubeconfig
/// the test writes): it answers TokenReview from a table of tokens, and lists the RoleBindings and ClusterRoleBindings the
/// test adds. It demands the server's own credential (the kubeconfig's token) on every call, as a real API server does.
/// </summary>
internal sealed class FakeKubernetesApi : IAsyncDisposable
{
    public const string ServerToken = "feast-server-sa-token";
    public const string Namespace = "feast";

    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private int _reviews;

    /// <summary>Token → (username, groups); a token not in the table is reviewed as not authenticated.</summary>
    public Dictionary<string, (string Username, string[] Groups)> Tokens { get; } = new(StringComparer.Ordinal);

    /// <summary>RoleBindings: (namespace, name, roleRef kind, roleRef name, subjects as (kind, name, namespace)).</summary>
    public List<(string Namespace, string Name, string RoleKind, string Role, (string Kind, string Name, string? Namespace)[] Subjects)> RoleBindings { get; } = [];

    /// <summary>ClusterRoleBindings: (name, ClusterRole name, subjects).</summary>
    public List<(string Name, string Role, (string Kind, string Name, string? Namespace)[] Subjects)> ClusterRoleBindings { get; } = [];

    /// <summary>When set, every call fails with 500.</summary>
    public volatile bool Failing;

    public int Reviews => Volatile.Read(ref _reviews);

    public string KubeconfigPath { get; }

    public int Port { get; }

    private FakeKubernetesApi(WebApplication app, X509Certificate2 certificate, string kubeconfigPath, int port)
    {
        _app = app;
        _certificate = certificate;
        KubeconfigPath = kubeconfigPath;
        Port = port;
    }

    public static async Task<FakeKubernetesApi> StartAsync(string directory)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=fake-kube-apiserver", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        FakeKubernetesApi? api = null;
        app.Use(async (context, next) =>
        {
            if (api!.Failing || context.Request.Headers.Authorization.ToString() != "Bearer " + ServerToken)
            {
                context.Response.StatusCode = api.Failing ? 500 : 401;
                await context.Response.WriteAsJsonAsync(new { kind = "Status", apiVersion = "v1", status = "Failure", code = context.Response.StatusCode });
                return;
            }
            await next(context);
        });
        app.MapPost("/apis/authentication.k8s.io/v1/tokenreviews", (Delegate)(async (HttpContext context) =>
        {
            Interlocked.Increment(ref api!._reviews);
            var body = await JsonNode.ParseAsync(context.Request.Body);
            var token = body?["spec"]?["token"]?.GetValue<string>() ?? "";
            var status = api.Tokens.TryGetValue(token, out var user)
                ? new JsonObject { ["authenticated"] = true, ["user"] = new JsonObject { ["username"] = user.Username, ["groups"] = new JsonArray([.. user.Groups.Select(g => (JsonNode)g)]) } }
                : new JsonObject { ["authenticated"] = false, ["error"] = "token not recognised" };
            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["kind"] = "TokenReview", ["apiVersion"] = "authentication.k8s.io/v1", ["spec"] = new JsonObject { ["token"] = token }, ["status"] = status,
            });
        }));
        app.MapGet("/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", (string ns) =>
            Results.Json(RoleBindingList(api!.RoleBindings.Where(b => b.Namespace == ns))));
        app.MapGet("/apis/rbac.authorization.k8s.io/v1/rolebindings", () => Results.Json(RoleBindingList(api!.RoleBindings)));
        app.MapGet("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", () => Results.Json(new JsonObject
        {
            ["kind"] = "ClusterRoleBindingList", ["apiVersion"] = "rbac.authorization.k8s.io/v1", ["metadata"] = new JsonObject(),
            ["items"] = new JsonArray([.. api!.ClusterRoleBindings.Select(b => (JsonNode)new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = b.Name },
                ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = b.Role },
                ["subjects"] = Subjects(b.Subjects),
            })]),
        }));
        await app.StartAsync();
        var port = new Uri(app.Urls.Single()).Port;

        var kubeconfig = Path.Combine(directory, "kubeconfig");
        var pem = certificate.ExportCertificatePem();
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: https://127.0.0.1:{port}
                certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(pem))}
            users:
            - name: feast-server
              user:
                token: {ServerToken}
            contexts:
            - name: fake
              context:
                cluster: fake
                user: feast-server
                namespace: {Namespace}
            current-context: fake
            """);
        api = new FakeKubernetesApi(app, certificate, kubeconfig, port);
        return api;
    }

    private static JsonObject RoleBindingList(IEnumerable<(string Namespace, string Name, string RoleKind, string Role, (string Kind, string Name, string? Namespace)[] Subjects)> bindings) => new()
    {
        ["kind"] = "RoleBindingList", ["apiVersion"] = "rbac.authorization.k8s.io/v1", ["metadata"] = new JsonObject(),
        ["items"] = new JsonArray([.. bindings.Select(b => (JsonNode)new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = b.Name, ["namespace"] = b.Namespace },
            ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = b.RoleKind, ["name"] = b.Role },
            ["subjects"] = Subjects(b.Subjects),
        })]),
    };

    private static JsonArray Subjects((string Kind, string Name, string? Namespace)[] subjects) => new([.. subjects.Select(s =>
    {
        var subject = new JsonObject { ["kind"] = s.Kind, ["name"] = s.Name };
        if (s.Namespace is not null) subject["namespace"] = s.Namespace;
        return (JsonNode)subject;
    })]);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
    }

    /// <summary>Stops answering (the API server is down); the port is released.</summary>
    public Task StopAsync() => _app.StopAsync();

    internal static string Json(object value) => JsonSerializer.Serialize(value);
}
