using Feast.Kubernetes;

namespace Feast.Kube.Tests;

/// <summary>Renderings no sample of Feast's operator covers: TLS, a remote registry, the batch engine's ConfigMap, scaling defaults.</summary>
public sealed class RenderTests
{
    private static IReadOnlyList<KubeObject> Render(string yaml) => FeatureStoreRenderer.Render(KubeManifest.Parse(yaml, "test.yaml"));

    private static string Yaml(IReadOnlyList<KubeObject> objects, string kind, string? name = null) =>
        KubeYaml.Write(objects.Single(o => o.Kind == kind && (name is null || o.Name == name)).Body);

    [Fact]
    public void Tls_MovesPorts_MountsTheSecret_AndTellsClientsHttps()
    {
        var objects = Render("""
            apiVersion: feast.dev/v1
            kind: FeatureStore
            metadata: {name: s, namespace: ns}
            spec:
              feastProject: p
              services:
                onlineStore:
                  server:
                    tls: {secretRef: {name: online-cert}}
                registry:
                  local:
                    server:
                      restAPI: true
                      tls: {secretRef: {name: reg-cert}, secretKeyNames: {tlsCrt: c.pem, tlsKey: k.pem}}
            """);
        var deployment = Yaml(objects, "Deployment");
        Assert.Contains("- --key\n            - /tls/online/tls.key\n            - --cert\n            - /tls/online/tls.crt\n            - -p\n            - \"6567\"", deployment, StringComparison.Ordinal);
        Assert.Contains("- --rest-port\n            - \"6573\"\n            - --key\n            - /tls/registry/k.pem\n            - --cert\n            - /tls/registry/c.pem\n            - -p\n            - \"6571\"",
            deployment, StringComparison.Ordinal);
        Assert.Contains("scheme: HTTPS", deployment, StringComparison.Ordinal);
        Assert.Contains("- name: online-tls\n          secret:\n            secretName: online-cert", deployment, StringComparison.Ordinal);
        Assert.Contains("mountPath: /tls/registry/\n              readOnly: true", deployment, StringComparison.Ordinal);
        Assert.Contains("- name: https\n      port: 443\n      protocol: TCP\n      targetPort: 6567", Yaml(objects, "Service", "feast-s-online"), StringComparison.Ordinal);
        Assert.Contains("targetPort: 6573", Yaml(objects, "Service", "feast-s-registry-rest"), StringComparison.Ordinal);
        var client = Yaml(objects, "ConfigMap");
        Assert.Contains("path: https://feast-s-online.ns.svc.cluster.local:443", client, StringComparison.Ordinal);
        Assert.Contains("cert: /tls/online/tls.crt", client, StringComparison.Ordinal);
        Assert.Contains("path: feast-s-registry.ns.svc.cluster.local:443", client, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoteRegistry_ByFeastRef_PointsAtTheOtherStoresRegistry()
    {
        var objects = Render("""
            apiVersion: feast.dev/v1
            kind: FeatureStore
            metadata: {name: reg, namespace: ns}
            spec:
              feastProject: p
              services: {registry: {local: {server: {}}}}
            ---
            apiVersion: feast.dev/v1
            kind: FeatureStore
            metadata: {name: app, namespace: ns}
            spec:
              feastProject: p
              services: {registry: {remote: {feastRef: {name: reg}}}}
            """);
        var app = objects.Where(o => o.Labels.GetValueOrDefault("feast.dev/name") == "app" && o.Kind == "Deployment").Single();
        Assert.DoesNotContain("serve_registry", KubeYaml.Write(app.Body), StringComparison.Ordinal);
        var yaml = BadInputTests.ServerYaml([app]);
        Assert.Contains("registry:\n  path: feast-reg-registry.ns.svc.cluster.local:80\n  registry_type: remote\n", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchEngine_ComesFromItsConfigMap()
    {
        var objects = Render("""
            apiVersion: feast.dev/v1
            kind: FeatureStore
            metadata: {name: s}
            spec:
              feastProject: p
              batchEngine: {configMapRef: {name: engine}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: engine}
            data:
              config: |
                type: orleans
                cluster_id: feast
            """);
        Assert.Contains("batch_engine:\n  type: orleans\n  cluster_id: feast\n", BadInputTests.ServerYaml(objects), StringComparison.Ordinal);
    }

    [Fact]
    public void StaticReplicas_RollTheDeployment_AndSpreadThePods()
    {
        var deployment = Yaml(Render("apiVersion: feast.dev/v1\nkind: FeatureStore\nmetadata: {name: s}\nspec: {feastProject: p, replicas: 3}\n"), "Deployment");
        Assert.Contains("replicas: 3\n", deployment, StringComparison.Ordinal);
        Assert.Contains("type: RollingUpdate", deployment, StringComparison.Ordinal);
        Assert.Contains("topologyKey: topology.kubernetes.io/zone", deployment, StringComparison.Ordinal);
        Assert.Contains("topologyKey: kubernetes.io/hostname", deployment, StringComparison.Ordinal);
    }
}
