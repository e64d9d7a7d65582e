using System.Text;
using Feast.Kubernetes;
using YMap = System.Collections.Generic.OrderedDictionary<string, object?>;

namespace Feast.Kube.Tests;

/// <summary>Resources the renderer refuses: each error names the field or object at fault and says how to fix it.</summary>
public sealed class BadInputTests
{
    private static IReadOnlyList<KubeObject> Render(string yaml, RenderOptions? options = null) =>
        FeatureStoreRenderer.Render(KubeManifest.Parse(yaml, "test.yaml"), options);

    private static string Refusal(string yaml, RenderOptions? options = null) =>
        Assert.Throws<FeatureStoreResourceException>(() => Render(yaml, options)).Message;

    private static string Store(string spec) => $"""
        apiVersion: feast.dev/v1
        kind: FeatureStore
        metadata:
          name: s
        spec:
          feastProject: p
        {spec}
        """;

    [Fact]
    public void UnknownField_IsNamed_WithTheClosestKnownOne()
    {
        var message = Refusal(Store("""
              services:
                onlineStore:
                  sever: {}
            """));
        Assert.Contains("FeatureStore.spec.services.onlineStore: unknown field 'sever'. Did you mean 'server'?", message, StringComparison.Ordinal);
        Assert.Contains("Known fields: server, persistence, serving, disabled.", message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongKindOfValue_IsNamed()
    {
        Assert.Contains("FeatureStore.spec.replicas: expected a whole number, got 'three'.", Refusal(Store("  replicas: three")), StringComparison.Ordinal);
        Assert.Contains("FeatureStore.spec.services.onlineStore.server.logLevel: 'verbose' is not one of debug, info, warning, error, critical.",
            Refusal(Store("  services: {onlineStore: {server: {logLevel: verbose}}}")), StringComparison.Ordinal);
    }

    [Fact]
    public void V1Alpha1_SaysToChangeTheApiVersion()
    {
        var message = Refusal(Store("").Replace("feast.dev/v1", "feast.dev/v1alpha1", StringComparison.Ordinal));
        Assert.Contains("apiVersion feast.dev/v1alpha1 is the operator's deprecated version; Feast.NET reads feast.dev/v1. Change apiVersion to feast.dev/v1",
            message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingProject_Name_OrSpec_AreNamed()
    {
        Assert.Contains("spec.feastProject is missing", Refusal(Store("").Replace("  feastProject: p\n", "  feastProjectDir: {init: {}}\n", StringComparison.Ordinal)),
            StringComparison.Ordinal);
        Assert.Contains("metadata.name 'Bad_Name' must be lower-case letters", Refusal(Store("").Replace("name: s", "name: Bad_Name", StringComparison.Ordinal)),
            StringComparison.Ordinal);
        Assert.Contains("spec.feastProject 'my project' must start with a letter or digit",
            Refusal(Store("").Replace("feastProject: p", "feastProject: my project", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("The file holds no FeatureStore resource", Refusal("apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n"), StringComparison.Ordinal);
        Assert.Contains("test.yaml: not valid YAML at line", Refusal("spec: [unclosed"), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingSecret_OrKey_OrConflictingType_IsNamed()
    {
        const string online = """
              services:
                onlineStore:
                  persistence:
                    store: {type: redis, secretRef: {name: stores}}
            """;
        Assert.Contains("spec.services.onlineStore.persistence.store.secretRef names Secret 'stores', which is not in namespace default " +
            "(with feast kube render, put the object in the same file as the FeatureStore).", Refusal(Store(online)), StringComparison.Ordinal);
        const string otherKey = "\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: stores}\nstringData:\n  postgres: 'host: db'\n";
        Assert.Contains("Secret 'stores' (spec.services.onlineStore.persistence.store.secretRef) has no key 'redis'; its keys: postgres.",
            Refusal(Store(online) + otherKey), StringComparison.Ordinal);
        const string conflicting = "\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: stores}\nstringData:\n  redis: |\n    type: postgres\n";
        Assert.Contains("the settings in Secret stores say type: postgres, but spec.services.onlineStore.persistence.store.type is redis",
            Refusal(Store(online) + conflicting), StringComparison.Ordinal);
        Assert.Contains("store.type 'rediss' is not a store type the operator accepts. Did you mean 'redis'?",
            Refusal(Store(online.Replace("type: redis", "type: rediss", StringComparison.Ordinal))), StringComparison.Ordinal);
    }

    [Fact]
    public void SecretData_IsDecodedFromBase64_AndBecomesTheStoreSettings()
    {
        var settings = Convert.ToBase64String(Encoding.UTF8.GetBytes("connection_string: redis:6379\n"));
        var objects = Render(Store("""
              services:
                onlineStore:
                  persistence:
                    store: {type: redis, secretRef: {name: stores}}
            """) + $"\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: stores}}\ndata:\n  redis: {settings}\n");
        var yaml = ServerYaml(objects);
        Assert.Contains("online_store:\n  type: redis\n  connection_string: redis:6379\n", yaml, StringComparison.Ordinal);
    }

    /// <summary>The servers' feature_store.yaml, decoded from the first container's FEATURE_STORE_YAML_BASE64.</summary>
    internal static string ServerYaml(IReadOnlyList<KubeObject> objects)
    {
        var deployment = objects.Single(o => o.Kind == "Deployment");
        var text = KubeYaml.Write(deployment.Body);
        var value = text.Split('\n').SkipWhile(l => !l.Contains("name: FEATURE_STORE_YAML_BASE64", StringComparison.Ordinal)).Skip(1).First().Trim();
        return Encoding.UTF8.GetString(Convert.FromBase64String(value["value: ".Length..]));
    }

    [Fact]
    public void WhatFeastNetCannotRun_IsRefused_WithTheWayOut()
    {
        Assert.Contains("at least one local server must be configured", Refusal(Store("  services: {onlineStore: {disabled: true}}")), StringComparison.Ordinal);
        Assert.Contains("the registry server needs gRPC or the REST API: set spec.services.registry.local.server.grpc or restAPI to true.",
            Refusal(Store("  services: {registry: {local: {server: {grpc: false}}}}")), StringComparison.Ordinal);
        Assert.Contains("spec.openlineage.consumer.lineageServer runs `feast serve_lineage`, which Feast.NET does not have",
            Refusal(Store("  openlineage: {enabled: true, consumer: {enabled: true, lineageServer: {replicas: 1}}}")), StringComparison.Ordinal);
        Assert.Contains("Feast.NET's feast init has only the 'local' template",
            Refusal(Store("  feastProjectDir: {init: {template: spark}}")), StringComparison.Ordinal);
        Assert.Contains("packaged feature repository path \"repo\" must be a canonical absolute, non-root path",
            Refusal(Store("  feastProjectDir: {packaged: {image: i, featureRepoPath: repo}}")), StringComparison.Ordinal);
        Assert.Contains("spec.services.scaling.autoscaling.maxReplicas is missing",
            Refusal(Store("  services: {scaling: {autoscaling: {minReplicas: 2}}}")), StringComparison.Ordinal);
    }

    [Fact]
    public void Git_NeedsAnInitImageWithGit_AndThenClonesAsTheOperatorDoes()
    {
        const string git = "  feastProjectDir: {git: {url: 'https://example.com/r', ref: abc123}}";
        Assert.Contains("set spec.services.initImage to an image with git and bash", Refusal(Store(git)), StringComparison.Ordinal);
        var objects = Render(Store(git + "\n  services: {initImage: 'localhost/feast-git:latest'}"));
        var deployment = KubeYaml.Write(objects.Single(o => o.Kind == "Deployment").Body);
        Assert.Contains("image: localhost/feast-git:latest", deployment, StringComparison.Ordinal);
        Assert.Contains("git clone https://example.com/r /feast-data/p && cd /feast-data/p && git checkout abc123", deployment, StringComparison.Ordinal);
        Assert.Contains("workingDir: /feast-data/p/feature_repo", deployment, StringComparison.Ordinal);
    }

    [Fact]
    public void NamespaceOption_FillsAMissingNamespace_AndRefusesAnother()
    {
        var objects = Render(Store(""), new RenderOptions { Namespace = "team" });
        Assert.All(objects.Where(o => o.Kind is not ("ClusterRole" or "ClusterRoleBinding")), o => Assert.Equal("team", o.Namespace));
        var inOther = Store("").Replace("  name: s\n", "  name: s\n  namespace: prod\n", StringComparison.Ordinal);
        Assert.Contains("FeatureStore s is in namespace 'prod' (metadata.namespace), not 'team' (--namespace)",
            Refusal(inOther, new RenderOptions { Namespace = "team" }), StringComparison.Ordinal);
    }

    [Fact]
    public void OwnerReferences_AreSet_OnlyForAResourceFromTheApiServer()
    {
        Assert.All(Render(Store("")), o => Assert.False(((YMap)o.Body["metadata"]!).ContainsKey("ownerReferences")));
        var fromCluster = Store("").Replace("  name: s\n", "  name: s\n  uid: a1b2\n", StringComparison.Ordinal);
        var objects = Render(fromCluster);
        Assert.All(objects.Where(o => o.Namespace is not null), o => Assert.Contains("uid: a1b2", KubeYaml.Write(o.Body), StringComparison.Ordinal));
    }
}
