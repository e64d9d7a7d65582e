using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Feast.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using YMap = System.Collections.Generic.OrderedDictionary<string, object?>;

namespace Feast.Kube.Tests;

/// <summary>One call the fake API server answered.</summary>
internal sealed record ApiCall(string Method, string Path, string Query, string ContentType, string Body, string Authorization);

/// <summary>
/// A loopback HTTPS stand-in for the Kubernetes API server, enough for <c>feast operator</c>: it keeps objects in memory
/// and answers GET, LIST (with label selectors), WATCH of FeatureStores (events the test sends), server-side apply
/// PATCHes (a Deployment becomes Available at once), DELETE and status merge PATCHes, recording every call. Its
/// certificate is self-signed; <see cref="WriteKubeconfig"/> writes a kubeconfig that trusts it and sends a token.
/// </summary>
internal sealed class FakeKubeApiServer : IAsyncDisposable
{
    public const string Token = "test-token";

    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private readonly ConcurrentDictionary<string, YMap> _objects = new(StringComparer.Ordinal);
    private readonly List<ApiCall> _calls = [];
    private readonly List<Channel<string>> _watches = [];
    private readonly Lock _lock = new();
    private long _version = 100;

    private FakeKubeApiServer(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        _certificate = certificate;
    }

    public Uri Url { get; private set; } = null!;

    public static async Task<FakeKubeApiServer> StartAsync()
    {
        var certificate = SelfSigned();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            l.Protocols = HttpProtocols.Http1AndHttp2;
            l.UseHttps(certificate);
        }));
        var app = builder.Build();
        var server = new FakeKubeApiServer(app, certificate);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Url = new Uri(app.Urls.First());
        return server;
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=fake-kube-apiserver", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var now = DateTimeOffset.Now;
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    /// <summary>A kubeconfig for this server (trusting its certificate, with a bearer token), written to <paramref name="path"/>.</summary>
    public void WriteKubeconfig(string path, string ns)
    {
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(_certificate.ExportCertificatePem()));
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: fake
                cluster:
                  server: https://127.0.0.1:{Url.Port}
                  certificate-authority-data: {ca}
            users:
              - name: tester
                user:
                  token: {Token}
            contexts:
              - name: fake
                context:
                  cluster: fake
                  user: tester
                  namespace: {ns}
            current-context: fake
            """);
    }

    public IReadOnlyList<ApiCall> Calls
    {
        get
        {
            lock (_lock) return _calls.ToList();
        }
    }

    public int OpenWatches
    {
        get
        {
            lock (_lock) return _watches.Count;
        }
    }

    /// <summary>Stores an object as if created with kubectl (a FeatureStore gets a uid, generation and resourceVersion).</summary>
    public YMap Put(string path, YMap o)
    {
        var metadata = o["metadata"] as YMap ?? throw new ArgumentException("no metadata");
        metadata.TryAdd("uid", Guid.NewGuid().ToString());
        metadata.TryAdd("generation", 1L);
        metadata["resourceVersion"] = NextVersion();
        _objects[path] = o;
        return o;
    }

    public YMap? Get(string path) => _objects.TryGetValue(path, out var o) ? o : null;

    /// <summary>Sends a watch event to every open FeatureStore watch.</summary>
    public void Emit(string type, YMap o)
    {
        var line = JsonSerializer.Serialize(new Dictionary<string, object?> { ["type"] = type, ["object"] = o }) + "\n";
        lock (_lock)
            foreach (var watch in _watches) watch.Writer.TryWrite(line);
    }

    /// <summary>Ends every open watch stream, as an API server does when its watch timeout passes.</summary>
    public void EndWatches()
    {
        lock (_lock)
        {
            foreach (var watch in _watches) watch.Writer.TryComplete();
            _watches.Clear();
        }
    }

    public string NextVersion() => Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        var body = await new StreamReader(request.Body).ReadToEndAsync();
        var path = request.Path.Value ?? "";
        var query = request.QueryString.Value ?? "";
        lock (_lock) _calls.Add(new ApiCall(request.Method, path, query, request.ContentType ?? "", body, request.Headers.Authorization.ToString()));
        if (request.Headers.Authorization.ToString() != $"Bearer {Token}")
        {
            await Status(http, 401, "Unauthorized");
            return;
        }
        var isStatus = path.EndsWith("/status", StringComparison.Ordinal);
        var itemPath = isStatus ? path[..^"/status".Length] : path;
        switch (request.Method)
        {
            case "GET" when request.Query["watch"] == "true":
                await WatchAsync(http);
                return;
            case "GET" when _objects.TryGetValue(path, out var found):
                await Json(http, 200, found);
                return;
            case "GET" when IsCollection(path):
                var selector = request.Query["labelSelector"].ToString();
                var items = _objects.Where(p => InCollection(p.Key, path) && Matches(p.Value, selector)).Select(p => (object?)p.Value).ToList();
                await Json(http, 200, new YMap { ["kind"] = "List", ["metadata"] = new YMap { ["resourceVersion"] = Interlocked.Read(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture) }, ["items"] = items });
                return;
            case "GET":
                await Status(http, 404, $"{path} not found");
                return;
            case "PATCH" when isStatus:
                if (!_objects.TryGetValue(itemPath, out var owner))
                {
                    await Status(http, 404, $"{itemPath} not found");
                    return;
                }
                var patch = (YMap)KubeYaml.Parse(body, "status patch")!;
                owner["status"] = patch["status"];
                ((YMap)owner["metadata"]!)["resourceVersion"] = NextVersion();
                Emit("MODIFIED", owner);
                await Json(http, 200, owner);
                return;
            case "PATCH" when request.ContentType == "application/apply-patch+yaml":
                if (KubeYaml.Parse(body, "apply") is not YMap applied)
                {
                    await Status(http, 400, "not an object");
                    return;
                }
                if (applied["kind"] as string == "Deployment")
                    applied["status"] = new YMap { ["conditions"] = new List<object?> { new YMap { ["type"] = "Available", ["status"] = "True" } } };
                ((YMap)applied["metadata"]!)["resourceVersion"] = NextVersion();
                _objects[path] = applied;
                await Json(http, 200, applied);
                return;
            case "DELETE":
                if (!_objects.TryRemove(path, out _))
                {
                    await Status(http, 404, $"{path} not found");
                    return;
                }
                await Status(http, 200, "deleted");
                return;
            default:
                await Status(http, 405, $"{request.Method} {path} is not supported by the fake");
                return;
        }
    }

    private async Task WatchAsync(HttpContext http)
    {
        var channel = Channel.CreateUnbounded<string>();
        lock (_lock) _watches.Add(channel);
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        await http.Response.Body.FlushAsync();
        try
        {
            await foreach (var line in channel.Reader.ReadAllAsync(http.RequestAborted))
            {
                await http.Response.WriteAsync(line, http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_lock) _watches.Remove(channel);
        }
    }

    // Collections: .../featurestores (every namespace), .../namespaces/NS/PLURAL; items have one more segment.
    private static bool IsCollection(string path)
    {
        var parts = path.Trim('/').Split('/');
        var start = parts[0] == "api" ? 2 : 3;
        var rest = parts.Length - start;
        return rest == 1 || (rest == 3 && parts[start] == "namespaces");
    }

    private static bool InCollection(string item, string collection)
    {
        if (item.StartsWith(collection + "/", StringComparison.Ordinal) && !item[(collection.Length + 1)..].Contains('/', StringComparison.Ordinal)) return true;
        // A list in every namespace: /apis/G/V/PLURAL matches /apis/G/V/namespaces/NS/PLURAL/NAME.
        var parts = collection.Trim('/').Split('/');
        var prefix = "/" + string.Join('/', parts[..^1]) + "/namespaces/";
        return item.StartsWith(prefix, StringComparison.Ordinal) && item[prefix.Length..].Split('/') is [_, var plural, _] && plural == parts[^1];
    }

    private static bool Matches(YMap o, string selector)
    {
        if (selector.Length == 0) return true;
        var labels = (o["metadata"] as YMap)?.GetValueOrDefault("labels") as YMap;
        return selector.Split(',').All(term => term.Split('=') is [var k, var v] && labels is not null && labels.TryGetValue(k, out var l) && l as string == v);
    }

    private static async Task Json(HttpContext http, int status, object value)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(JsonSerializer.Serialize(value));
    }

    private static Task Status(HttpContext http, int code, string message) =>
        Json(http, code, new Dictionary<string, object?> { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = code < 300 ? "Success" : "Failure", ["message"] = message, ["code"] = code });

    public async ValueTask DisposeAsync()
    {
        EndWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
    }
}
