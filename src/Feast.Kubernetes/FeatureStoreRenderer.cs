using System.Text;
using static Feast.Kubernetes.Tree;
using YMap = System.Collections.Generic.OrderedDictionary<string, object?>;

namespace Feast.Kubernetes;

/// <summary>How <see cref="FeatureStoreRenderer"/> renders.</summary>
public sealed record RenderOptions
{
    /// <summary>Feast.NET's image, for the servers and init containers a resource gives no image for.</summary>
    public string Image { get; init; } = "localhost/feast:latest";

    /// <summary>The namespace of a resource that names none (default <c>default</c>).</summary>
    public string? Namespace { get; init; }

    /// <summary>The CronJob's image (it runs <c>kubectl exec</c> into the Deployment), when <c>cronJob.containerConfigs.image</c> is not set.</summary>
    public string CronJobImage { get; init; } = "quay.io/openshift/origin-cli:4.17";
}

/// <summary>
/// Feast's operator as a pure function: a <c>FeatureStore</c> resource in, the Kubernetes objects the operator would
/// make for it out, running Feast.NET's servers. The same input gives the same objects in the same order.
/// </summary>
public static class FeatureStoreRenderer
{
    /// <summary>The field manager of the operator's server-side applies, and the managed-by label's value.</summary>
    public const string ManagedBy = "feast-operator";

    private static readonly string[] KindOrder = ["ServiceAccount", "Secret", "ConfigMap", "PersistentVolumeClaim", "ClusterRole",
        "ClusterRoleBinding", "Role", "RoleBinding", "Service", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "CronJob"];

    /// <summary>Renders one FeatureStore.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="references">Where the Secrets and ConfigMaps it names are read from.</param>
    /// <param name="options">The image and namespace; defaults when <see langword="null"/>.</param>
    /// <returns>The objects, by kind (ServiceAccount first, CronJob last) and then by name.</returns>
    /// <exception cref="FeatureStoreResourceException">A referenced object is missing, or the resource asks for what cannot run.</exception>
    public static IReadOnlyList<KubeObject> Render(FeatureStoreResource resource, IKubeReferences references, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(references);
        options ??= new RenderOptions();
        if (options.Namespace is { } given && resource.Namespace is { } written && given != written)
            throw new FeatureStoreResourceException(
                $"FeatureStore {resource.Name} is in namespace '{written}' (metadata.namespace), not '{given}' (--namespace): remove one of them.");
        var c = new RenderContext(resource, options, references, resource.Namespace ?? options.Namespace ?? "default");
        Check(c);

        var serverYaml = KubeYaml.Write(RepoConfigs.Server(c));
        var yamlBase64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(serverYaml));
        var objects = new List<YMap>
        {
            Object(c, "v1", "ServiceAccount", c.FeastName, c.Labels(), null),
            Object(c, "v1", "ConfigMap", c.FeastName + "-client", c.Labels("client"), null,
                ("data", M(("feature_store.yaml", KubeYaml.Write(RepoConfigs.Client(c)))))),
        };
        foreach (var service in new[] { FeastService.Registry, FeastService.Online, FeastService.Offline })
            if (c.Pvc(service).Map("create") is { } create)
                objects.Add(Pvc(c, service, create));
        objects.AddRange(Services(c));
        objects.Add(Deployment(c, yamlBase64));
        if (c.Services.Map("scaling").Map("autoscaling") is { } autoscaling) objects.Add(Hpa(c, autoscaling));
        if (c.Services.Map("podDisruptionBudgets") is { } pdb && c.ScalingEnabled)
            objects.Add(Object(c, "policy/v1", "PodDisruptionBudget", c.FeastName, c.Labels(), null, ("spec", M(
                ("selector", M(("matchLabels", Strings(c.SelectorLabels())))),
                ("minAvailable", pdb.Raw("minAvailable")), ("maxUnavailable", pdb.Raw("maxUnavailable"))))));
        objects.AddRange(Authorization.Objects(c));
        objects.AddRange(CronJobBuilder.Objects(c));

        return objects.Select(o => new KubeObject(o))
            .OrderBy(o => Array.IndexOf(KindOrder, o.Kind)).ThenBy(o => o.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Renders every FeatureStore of a manifest, with the Secrets and ConfigMaps beside them.</summary>
    /// <param name="manifest">The file.</param>
    /// <param name="options">The image and namespace.</param>
    /// <returns>The objects of each FeatureStore in turn.</returns>
    public static IReadOnlyList<KubeObject> Render(KubeManifest manifest, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.FeatureStores.Count == 0)
            throw new FeatureStoreResourceException("The file holds no FeatureStore resource (apiVersion: feast.dev/v1, kind: FeatureStore).");
        return manifest.FeatureStores.SelectMany(f => Render(f, manifest, options)).ToList();
    }

    /// <summary>The servers' <c>feature_store.yaml</c> (what <c>FEATURE_STORE_YAML_BASE64</c> holds, decoded).</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="references">Where the Secrets and ConfigMaps it names are read from.</param>
    /// <param name="options">The namespace.</param>
    /// <returns>The YAML text.</returns>
    public static string ServerFeatureStoreYaml(FeatureStoreResource resource, IKubeReferences references, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(resource);
        options ??= new RenderOptions();
        var c = new RenderContext(resource, options, references, resource.Namespace ?? options.Namespace ?? "default");
        return KubeYaml.Write(RepoConfigs.Server(c));
    }

    /// <summary>What the operator refuses, and what Feast.NET's image cannot run.</summary>
    private static void Check(RenderContext c)
    {
        if (!(c.IsRegistryServer || c.IsOnlineServer || c.IsOfflineServer))
            throw new FeatureStoreResourceException(
                $"{c.Source}: at least one local server must be configured, e.g. spec.services.registry.local.server, spec.services.offlineStore.server, " +
                "or an online store that is not disabled.");
        if (c.IsRegistryServer && !c.RegistryGrpc && !c.RegistryRest)
            throw new FeatureStoreResourceException(
                $"{c.Source}: the registry server needs gRPC or the REST API: set spec.services.registry.local.server.grpc or restAPI to true.");
        if (c.Services.Map("registry") is { } registry && registry.Has("local") && registry.Has("remote"))
            throw new FeatureStoreResourceException($"{c.Source}: spec.services.registry has both local and remote; keep one.");
        if (c.Spec.Map("openlineage").Map("consumer").Map("lineageServer") is not null)
            throw new FeatureStoreResourceException(
                $"{c.Source}: spec.openlineage.consumer.lineageServer runs `feast serve_lineage`, which Feast.NET does not have: remove lineageServer.");
        var dir = c.Spec.Map("feastProjectDir");
        if (dir is not null && dir.Count(p => p.Value is not null) > 1)
            throw new FeatureStoreResourceException($"{c.Source}: spec.feastProjectDir takes one of git, init and packaged.");
        if (dir.Map("init").Str("template") is { Length: > 0 } template && template != "local")
            throw new FeatureStoreResourceException(
                $"{c.Source}: spec.feastProjectDir.init.template '{template}': Feast.NET's feast init has only the 'local' template; remove template or set it to local.");
        if (dir.Map("git") is { } git && !c.Services.Has("initImage") && c.Services.Bool("disableInitContainers") != true)
            throw new FeatureStoreResourceException(
                $"{c.Source}: spec.feastProjectDir.git clones {git.Str("url")} with git in the init container, and Feast.NET's image has no git: " +
                "set spec.services.initImage to an image with git and bash (e.g. one built FROM Feast.NET's image), or use feastProjectDir.packaged.");
        if (dir.Map("git") is { } g && string.IsNullOrEmpty(g.Str("url")))
            throw new FeatureStoreResourceException($"{c.Source}: spec.feastProjectDir.git.url is missing.");
        if (dir.Map("packaged") is { } packaged)
        {
            var path = packaged.Str("featureRepoPath") ?? "";
            var clean = Path.GetFullPath(path.Length == 0 ? "/" : path, "/").Replace('\\', '/');
            if (!path.StartsWith('/') || clean == "/" || clean != path)
                throw new FeatureStoreResourceException($"{c.Source}: packaged feature repository path \"{path}\" must be a canonical absolute, non-root path.");
            var staged = c.FeatureRepoDir;
            if (c.Services.Bool("disableInitContainers") != true &&
                (clean == staged || staged.StartsWith(clean + "/", StringComparison.Ordinal) || clean.StartsWith(staged + "/", StringComparison.Ordinal)))
                throw new FeatureStoreResourceException($"{c.Source}: packaged feature repository path \"{clean}\" overlaps staged repository path \"{staged}\".");
        }
    }

    /// <summary>An object with apiVersion, kind and metadata (labels sorted; the FeatureStore as controller owner when it has a uid).</summary>
    internal static YMap Object(RenderContext c, string apiVersion, string kind, string name, Dictionary<string, string> labels,
        YMap? annotations, params (string Key, object? Value)[] body)
    {
        var clusterScoped = kind is "ClusterRole" or "ClusterRoleBinding";
        var metadata = M(("name", name), ("namespace", clusterScoped ? null : c.Namespace), ("labels", Strings(labels)),
            ("annotations", annotations is { Count: > 0 } ? annotations : null));
        if (c.Resource.Uid is { } uid && !clusterScoped)
            metadata["ownerReferences"] = L(M(("apiVersion", $"{FeatureStoreResource.Group}/{FeatureStoreResource.Version}"), ("kind", "FeatureStore"),
                ("name", c.Resource.Name), ("uid", uid), ("controller", true), ("blockOwnerDeletion", true)));
        var o = M(("apiVersion", apiVersion), ("kind", kind), ("metadata", metadata));
        foreach (var (key, value) in body)
            if (value is not null) o[key] = value;
        return o;
    }

    private static YMap Pvc(RenderContext c, FeastService service, YMap create)
    {
        var defaultSize = service == FeastService.Offline ? "20Gi" : "5Gi";
        var resources = KubeYaml.Clone(create.Raw("resources")) as YMap ?? [];
        if (resources.Map("requests") is not { } requests) resources["requests"] = requests = [];
        requests.TryAdd("storage", defaultSize);
        return Object(c, "v1", "PersistentVolumeClaim", c.ServiceName(service), c.Labels(RenderContext.Word(service)), null, ("spec", M(
            ("accessModes", KubeYaml.Clone(create.List("accessModes")) ?? L("ReadWriteOnce")),
            ("storageClassName", create.Str("storageClassName")),
            ("resources", resources))));
    }

    private static IEnumerable<YMap> Services(RenderContext c)
    {
        foreach (var service in new[] { FeastService.Registry, FeastService.Online, FeastService.Offline, FeastService.Ui }.Where(c.Runs))
        {
            if (service == FeastService.Registry)
            {
                if (c.RegistryGrpc) yield return Service(c, service, c.ServiceName(service), rest: false);
                if (c.RegistryRest) yield return Service(c, service, c.ServiceName(service) + "-rest", rest: true);
            }
            else
            {
                yield return Service(c, service, c.ServiceName(service), rest: false);
            }
        }
    }

    private static YMap Service(RenderContext c, FeastService service, string name, bool rest)
    {
        var tls = c.Tls(service) is not null;
        var ports = L(M(("name", tls ? "https" : "http"), ("port", tls ? 443L : 80L), ("protocol", "TCP"), ("targetPort", (long)c.Port(service, rest)),
            ("appProtocol", service == FeastService.Registry && !rest ? "grpc" : null)));
        if (service == FeastService.Online && PodBuilder.MetricsEnabled(c))
            ports.Add(M(("name", "metrics"), ("port", 8000L), ("protocol", "TCP"), ("targetPort", 8000L)));
        return Object(c, "v1", "Service", name, c.Labels(RenderContext.Word(service)), null, ("spec", M(
            ("type", "ClusterIP"), ("selector", Strings(c.SelectorLabels())), ("ports", ports))));
    }

    private static YMap Deployment(RenderContext c, string yamlBase64)
    {
        var autoscaled = c.Services.Map("scaling").Map("autoscaling") is not null;
        var strategy = KubeYaml.Clone(c.Services.Raw("deploymentStrategy")) ?? M(("type", c.ScalingEnabled ? "RollingUpdate" : "Recreate"));
        return Object(c, "apps/v1", "Deployment", c.FeastName, c.Labels(), null, ("spec", M(
            ("replicas", autoscaled ? null : c.Spec.Int("replicas")),
            ("selector", M(("matchLabels", Strings(c.SelectorLabels())))),
            ("strategy", strategy),
            ("template", M(
                ("metadata", M(("labels", Strings(c.Labels())), ("annotations", KubeYaml.Clone(c.Services.Map("podAnnotations"))))),
                ("spec", PodBuilder.PodSpec(c, yamlBase64)))))));
    }

    private static YMap Hpa(RenderContext c, YMap autoscaling)
    {
        var metrics = KubeYaml.Clone(autoscaling.List("metrics")) is List<object?> { Count: > 0 } given ? given
            : L(M(("type", "Resource"), ("resource", M(("name", "cpu"), ("target", M(("type", "Utilization"), ("averageUtilization", 80L)))))));
        if (autoscaling.Int("maxReplicas") is not { } max)
            throw new FeatureStoreResourceException($"{c.Source}: spec.services.scaling.autoscaling.maxReplicas is missing.");
        return Object(c, "autoscaling/v2", "HorizontalPodAutoscaler", c.FeastName, c.Labels(), null, ("spec", M(
            ("scaleTargetRef", M(("apiVersion", "apps/v1"), ("kind", "Deployment"), ("name", c.FeastName))),
            ("minReplicas", autoscaling.Int("minReplicas") ?? 1L), ("maxReplicas", max), ("metrics", metrics),
            ("behavior", KubeYaml.Clone(autoscaling.Raw("behavior"))))));
    }
}
