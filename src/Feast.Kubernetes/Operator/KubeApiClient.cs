using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using k8s;

namespace Feast.Kubernetes.Operator;

/// <summary>An error answer of the Kubernetes API server, with its status code and the message of its Status object.</summary>
public sealed class KubeApiException : FeastException
{
    /// <summary>Creates the error.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="message">What was asked and what the API server said.</param>
    public KubeApiException(HttpStatusCode status, string message) : base(message) => Status = status;

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode Status { get; }
}

/// <summary>One kind of object the renderer makes, and where it lives in the API.</summary>
internal sealed record KubeKind(string Kind, string ApiVersion, string Plural, bool Namespaced)
{
    public static readonly KubeKind[] Rendered =
    [
        new("ServiceAccount", "v1", "serviceaccounts", true),
        new("ConfigMap", "v1", "configmaps", true),
        new("PersistentVolumeClaim", "v1", "persistentvolumeclaims", true),
        new("ClusterRole", "rbac.authorization.k8s.io/v1", "clusterroles", false),
        new("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", "clusterrolebindings", false),
        new("Role", "rbac.authorization.k8s.io/v1", "roles", true),
        new("RoleBinding", "rbac.authorization.k8s.io/v1", "rolebindings", true),
        new("Service", "v1", "services", true),
        new("Deployment", "apps/v1", "deployments", true),
        new("HorizontalPodAutoscaler", "autoscaling/v2", "horizontalpodautoscalers", true),
        new("PodDisruptionBudget", "policy/v1", "poddisruptionbudgets", true),
        new("CronJob", "batch/v1", "cronjobs", true),
    ];

    public static readonly KubeKind FeatureStore = new("FeatureStore", $"{FeatureStoreResource.Group}/{FeatureStoreResource.Version}", FeatureStoreResource.Plural, true);
    public static readonly KubeKind Secret = new("Secret", "v1", "secrets", true);
    public static readonly KubeKind ConfigMapKind = new("ConfigMap", "v1", "configmaps", true);

    public static KubeKind Of(KubeObject o) => Array.Find(Rendered, k => k.Kind == o.Kind)
        ?? throw new InvalidOperationException($"The renderer made a {o.Kind}, which the operator does not know.");

    /// <summary>The collection's path: in <paramref name="ns"/>, or in every namespace when it is null.</summary>
    public string Collection(string? ns) =>
        (ApiVersion.Contains('/', StringComparison.Ordinal) ? "/apis/" : "/api/") + ApiVersion +
        (Namespaced && ns is not null ? $"/namespaces/{Uri.EscapeDataString(ns)}" : "") + "/" + Plural;

    public string Item(string? ns, string name) => $"{Collection(ns)}/{Uri.EscapeDataString(name)}";
}

/// <summary>
/// The Kubernetes API calls of the operator, over KubernetesClient's connection (kubeconfig or in-cluster: the server,
/// its CA, client certificates and tokens): GET, LIST, WATCH, server-side apply, DELETE and status merge patches.
/// </summary>
internal sealed class KubeApiClient : IDisposable
{
    private readonly k8s.Kubernetes _kube;
    private readonly string _base;

    public KubeApiClient(KubernetesClientConfiguration config)
    {
        _kube = new k8s.Kubernetes(config);
        _base = _kube.BaseUri.ToString().TrimEnd('/');
    }

    public string Server => _base;

    public void Dispose() => _kube.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, bool stream, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, _base + path) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_kube.Credentials is { } credentials) await credentials.ProcessHttpRequestAsync(request, ct).ConfigureAwait(false);
        try
        {
            return await _kube.HttpClient.SendAsync(request, stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, ct)
                .ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new KubeApiException(HttpStatusCode.ServiceUnavailable, $"{method} {path}: cannot reach the Kubernetes API server at {_base}: {e.Message}");
        }
    }

    private static async Task<KubeApiException> ErrorAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        string? message = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("message", out var m)) message = m.GetString();
        }
        catch (JsonException)
        {
        }
        return new KubeApiException(response.StatusCode, $"{what}: the API server answered {(int)response.StatusCode} {response.StatusCode}: {message ?? body.Trim()}");
    }

    /// <summary>An object, or <see langword="null"/> when it does not exist.</summary>
    public async Task<OrderedDictionary<string, object?>?> GetAsync(string path, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, path, null, false, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, $"GET {path}", ct).ConfigureAwait(false);
        return KubeYaml.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false), path) as OrderedDictionary<string, object?>;
    }

    /// <summary>A list's items and its resourceVersion.</summary>
    public async Task<(List<OrderedDictionary<string, object?>> Items, string? ResourceVersion)> ListAsync(string path, CancellationToken ct)
    {
        var list = await GetAsync(path, ct).ConfigureAwait(false);
        var items = (list.List("items") ?? []).OfType<OrderedDictionary<string, object?>>().ToList();
        return (items, list.Map("metadata").Str("resourceVersion"));
    }

    /// <summary>Server-side apply: the object as YAML, owned by the operator's field manager, conflicts forced.</summary>
    public async Task ApplyAsync(KubeObject o, CancellationToken ct)
    {
        var path = KubeKind.Of(o).Item(o.Namespace, o.Name) + $"?fieldManager={FeatureStoreRenderer.ManagedBy}&force=true";
        using var content = new StringContent(KubeYaml.Write(o.Body), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/apply-patch+yaml");
        using var response = await SendAsync(HttpMethod.Patch, path, content, false, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, $"applying {o}", ct).ConfigureAwait(false);
    }

    /// <summary>Deletes an object (in the background, as kubectl does); one that is already gone is no error.</summary>
    public async Task DeleteAsync(string path, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Delete, path + "?propagationPolicy=Background", null, false, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotFound)
            throw await ErrorAsync(response, $"DELETE {path}", ct).ConfigureAwait(false);
    }

    /// <summary>A JSON merge patch of a FeatureStore's status subresource.</summary>
    public async Task PatchStatusAsync(string ns, string name, OrderedDictionary<string, object?> status, CancellationToken ct)
    {
        var path = KubeKind.FeatureStore.Item(ns, name) + "/status";
        using var content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, object?> { ["status"] = status }), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/merge-patch+json");
        using var response = await SendAsync(HttpMethod.Patch, path, content, false, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, $"updating the status of FeatureStore {ns}/{name}", ct).ConfigureAwait(false);
    }

    /// <summary>A watch from <paramref name="resourceVersion"/>: each event's type and object, until the server ends the stream.</summary>
    public async IAsyncEnumerable<(string Type, OrderedDictionary<string, object?>? Object)> WatchAsync(string path, string? resourceVersion,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var query = $"?watch=true&allowWatchBookmarks=true&timeoutSeconds=60" + (resourceVersion is null ? "" : $"&resourceVersion={Uri.EscapeDataString(resourceVersion)}");
        using var response = await SendAsync(HttpMethod.Get, path + query, null, true, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, $"watching {path}", ct).ConfigureAwait(false);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0) continue;
            string type;
            string raw;
            using (var json = JsonDocument.Parse(line))
            {
                type = json.RootElement.GetProperty("type").GetString() ?? "";
                raw = json.RootElement.TryGetProperty("object", out var o) ? o.GetRawText() : "{}";
            }
            yield return (type, KubeYaml.Parse(raw, $"watch event of {path}") as OrderedDictionary<string, object?>);
        }
    }
}
