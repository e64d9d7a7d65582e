using System.Text.RegularExpressions;
using Feast.Kubernetes;
using YMap = System.Collections.Generic.OrderedDictionary<string, object?>;

namespace Feast.Kube.Tests;

/// <summary>
/// <c>feast operator</c> as a real process against <see cref="FakeKubeApiServer"/> (loopback HTTPS, self-signed
/// certificate, a kubeconfig with a token): what it applies, the status it sets, what it deletes, how it reconnects a
/// watch, how a bad resource fails, and a clean stop on SIGTERM. No real Kubernetes cluster is involved.
/// </summary>
public sealed partial class OperatorTests : IDisposable
{
    private const string Ns = "feast";
    private const string StorePath = "/apis/feast.dev/v1/namespaces/feast/featurestores/sample-remote-servers";
    private readonly string _dir = TestPaths.NewDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static YMap Sample(string file)
    {
        var manifest = KubeManifest.Parse(File.ReadAllText(Path.Combine(TestPaths.Samples, file)), file);
        var body = KubeYaml.Clone(manifest.FeatureStores[0].Body) as YMap;
        ((YMap)body!["metadata"]!)["namespace"] = Ns;
        return body;
    }

    private static YMap Status(ApiCall call) => (YMap)((YMap)KubeYaml.Parse(call.Body, "status")!)["status"]!;

    private static IEnumerable<ApiCall> StatusPatches(FakeKubeApiServer api, string path) =>
        api.Calls.Where(c => c.Method == "PATCH" && c.Path == path + "/status");

    [Fact]
    public async Task Operator_AppliesTheRender_SetsStatus_DeletesStaleObjects_ReconnectsItsWatch_AndFailsABadResource()
    {
        await using var api = await FakeKubeApiServer.StartAsync();
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        api.WriteKubeconfig(kubeconfig, Ns);
        var store = api.Put(StorePath, Sample("v1_featurestore_all_remote_servers.yaml"));

        await using var op = FeastProcess.Start("operator", "--kubeconfig", kubeconfig, "--namespace", Ns, "--http-port", "0");

        // 1. Every object the renderer makes is server-side applied, as rendered, then the status says Ready.
        await op.WaitForAsync(() => StatusPatches(api, StorePath).Any(), "the first status update");
        var expected = FeatureStoreRenderer.Render(FeatureStoreResource.FromTree(store, "test"), KubeManifest.Parse("", "none"));
        var applies = api.Calls.Where(c => c.Method == "PATCH" && c.ContentType == "application/apply-patch+yaml").ToList();
        Assert.Equal(expected.Count, applies.Count);
        foreach (var o in expected)
        {
            var call = Assert.Single(applies, c => c.Body == KubeYaml.Write(o.Body));
            Assert.Contains("fieldManager=feast-operator", call.Query, StringComparison.Ordinal);
            Assert.Contains("force=true", call.Query, StringComparison.Ordinal);
            Assert.EndsWith("/" + o.Name, call.Path, StringComparison.Ordinal);
        }
        Assert.Contains(applies, c => c.Path == "/apis/apps/v1/namespaces/feast/deployments/feast-sample-remote-servers");
        Assert.Contains(applies, c => c.Path == "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/feast-sample-remote-servers-cluster-binding");
        Assert.All(api.Calls, c => Assert.Equal($"Bearer {FakeKubeApiServer.Token}", c.Authorization));
        var ready = StatusPatches(api, StorePath).Last();
        Assert.Equal("application/merge-patch+json", ready.ContentType);
        var status = Status(ready);
        Assert.Equal("Ready", status["phase"]);
        var condition = (YMap)((List<object?>)status["conditions"]!)[0]!;
        Assert.Equal(("FeatureStore", "True", "Ready"), ((string)condition["type"]!, (string)condition["status"]!, (string)condition["reason"]!));
        Assert.Equal(1L, condition["observedGeneration"]);
        Assert.Equal("feast-sample-remote-servers-online.feast.svc.cluster.local:80", ((YMap)status["serviceHostnames"]!)["onlineStore"]);
        Assert.Equal("feast-sample-remote-servers-client", status["clientConfigMap"]);

        // 2. The UI is removed from the spec: its Service no longer renders and is deleted; the Deployment loses its container.
        var changed = (YMap)KubeYaml.Clone(api.Get(StorePath))!;
        ((YMap)((YMap)changed["spec"]!)["services"]!).Remove("ui");
        ((YMap)changed["metadata"]!)["generation"] = 2L;
        ((YMap)changed["metadata"]!)["resourceVersion"] = api.NextVersion();
        api.Put(StorePath, changed);
        api.Emit("MODIFIED", changed);
        const string uiService = "/api/v1/namespaces/feast/services/feast-sample-remote-servers-ui";
        await op.WaitForAsync(() => api.Calls.Any(c => c.Method == "DELETE" && c.Path == uiService), "the UI Service's delete");
        Assert.Null(api.Get(uiService));
        Assert.NotNull(api.Get("/api/v1/namespaces/feast/services/feast-sample-remote-servers-registry"));
        await op.WaitForAsync(() => StatusPatches(api, StorePath).Any(c => ((YMap)((List<object?>)Status(c)["conditions"]!)[0]!)["observedGeneration"] is 2L),
            "the status of generation 2");
        var deployment = api.Get("/apis/apps/v1/namespaces/feast/deployments/feast-sample-remote-servers")!;
        Assert.DoesNotContain("name: ui\n", KubeYaml.Write(deployment), StringComparison.Ordinal);

        // 3. The API server ends the watch: the operator watches again from the last resourceVersion it saw.
        var watches = api.Calls.Count(c => c.Method == "GET" && c.Query.Contains("watch=true", StringComparison.Ordinal));
        api.Emit("BOOKMARK", new YMap { ["kind"] = "FeatureStore", ["apiVersion"] = "feast.dev/v1", ["metadata"] = new YMap { ["resourceVersion"] = "5000" } });
        api.EndWatches();
        await op.WaitForAsync(() => api.Calls.Count(c => c.Method == "GET" && c.Query.Contains("watch=true", StringComparison.Ordinal)) > watches,
            "the watch to be started again");
        var again = api.Calls.Last(c => c.Method == "GET" && c.Query.Contains("watch=true", StringComparison.Ordinal));
        Assert.Contains("resourceVersion=5000", again.Query, StringComparison.Ordinal);
        Assert.Equal("/apis/feast.dev/v1/namespaces/feast/featurestores", again.Path);

        // 4. A resource with a misspelt field is not applied: its status is Failed with the message.
        const string brokenPath = "/apis/feast.dev/v1/namespaces/feast/featurestores/broken";
        var broken = (YMap)KubeYaml.Parse("""
            apiVersion: feast.dev/v1
            kind: FeatureStore
            metadata: {name: broken, namespace: feast}
            spec: {feastProject: broken, replica: 2}
            """, "broken")!;
        await op.WaitForAsync(() => api.OpenWatches > 0, "an open watch");
        api.Emit("ADDED", api.Put(brokenPath, broken));
        await op.WaitForAsync(() => StatusPatches(api, brokenPath).Any(), "the broken resource's status");
        var failed = Status(StatusPatches(api, brokenPath).Last());
        Assert.Equal("Failed", failed["phase"]);
        var failure = (YMap)((List<object?>)failed["conditions"]!)[0]!;
        Assert.Equal(("False", "FeatureStoreFailed"), ((string)failure["status"]!, (string)failure["reason"]!));
        Assert.Contains("unknown field 'replica'. Did you mean 'replicas'?", (string)failure["message"]!, StringComparison.Ordinal);
        Assert.DoesNotContain(api.Calls, c => c.Method == "PATCH" && c.Path.EndsWith("/feast-broken", StringComparison.Ordinal));

        // 5. The FeatureStore is deleted: the cluster-scoped binding, which no owner reference removes, is deleted.
        api.Emit("DELETED", api.Get(StorePath)!);
        await op.WaitForAsync(() => api.Calls.Any(c => c.Method == "DELETE" && c.Path.EndsWith("/clusterrolebindings/feast-sample-remote-servers-cluster-binding", StringComparison.Ordinal)),
            "the ClusterRoleBinding's delete");

        // 6. /health and /metrics, then a clean stop on SIGTERM.
        var url = HealthUrl().Match(op.Output).Groups[1].Value;
        using var http = new HttpClient();
        Assert.Equal("ok\n", await http.GetStringAsync(new Uri(url + "/health")));
        var metrics = await http.GetStringAsync(new Uri(url + "/metrics"));
        Assert.Contains("feast_operator_reconcile_total{result=\"failed\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Matches(@"feast_operator_watch_restarts_total [1-9]", metrics);
        Assert.Matches(@"feast_operator_deleted_objects_total [2-9]", metrics);
        Assert.Equal(0, await op.TerminateAsync());
        Assert.Contains("Stopped.", op.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", op.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"health (http://\S+)/health")]
    private static partial Regex HealthUrl();

    [Fact]
    public async Task Operator_WithoutAKubeconfig_SaysWhatToGive()
    {
        var (code, stdout, stderr) = await FeastProcess.RunAsync(["operator", "--kubeconfig", Path.Combine(_dir, "missing")]);
        Assert.Equal(1, code);
        Assert.Contains("does not exist. Give --kubeconfig FILE, set KUBECONFIG, or run the operator in a pod.", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operator_WhenTheApiServerRefusesTheToken_KeepsRetrying_AndStopsCleanly()
    {
        await using var api = await FakeKubeApiServer.StartAsync();
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        api.WriteKubeconfig(kubeconfig, Ns);
        await File.WriteAllTextAsync(kubeconfig, (await File.ReadAllTextAsync(kubeconfig)).Replace(FakeKubeApiServer.Token, "wrong", StringComparison.Ordinal));
        await using var op = FeastProcess.Start("operator", "--kubeconfig", kubeconfig, "--http-port", "0");
        await op.WaitForAsync(() => api.Calls.Count >= 2, "a retry");
        await op.WaitForAsync(() => op.Output.Contains("401", StringComparison.Ordinal), "the refusal in the log");
        Assert.All(api.Calls, c => Assert.Equal("/apis/feast.dev/v1/featurestores", c.Path));
        Assert.Equal(0, await op.TerminateAsync());
    }
}
