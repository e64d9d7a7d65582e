using YMap = System.Collections.Generic.OrderedDictionary<string, object?>;

namespace Feast.Kubernetes;

/// <summary>The four servers a FeatureStore can run, each a container of the one Deployment.</summary>
internal enum FeastService
{
    Registry,
    Online,
    Offline,
    Ui,
}

/// <summary>
/// One FeatureStore with the operator's defaults applied (its <c>status.applied</c>): which servers run, their TLS,
/// ports, paths and names. Every rendering step reads it; it changes nothing.
/// </summary>
internal sealed class RenderContext
{
    public const string EphemeralPath = "/feast-data";
    public const string OidcCaPath = "/etc/pki/tls/oidc-ca/ca.crt";
    public const string FileHint = " (with feast kube render, put the object in the same file as the FeatureStore)";

    public RenderContext(FeatureStoreResource resource, RenderOptions options, IKubeReferences references, string ns)
    {
        Resource = resource;
        Options = options;
        References = references;
        Namespace = ns;
        Spec = resource.Spec;
        Services = Spec.Map("services") ?? [];
        Source = $"FeatureStore {ns}/{resource.Name}";
    }

    public FeatureStoreResource Resource { get; }
    public RenderOptions Options { get; }
    public IKubeReferences References { get; }
    public string Namespace { get; }
    public string Source { get; }
    public YMap Spec { get; }
    public YMap Services { get; }

    /// <summary><c>feast-&lt;name&gt;</c>: the Deployment, ServiceAccount, CronJob, HPA and PDB.</summary>
    public string FeastName => "feast-" + Resource.Name;

    public static string Word(FeastService service) => service switch
    {
        FeastService.Registry => "registry",
        FeastService.Online => "online",
        FeastService.Offline => "offline",
        _ => "ui",
    };

    /// <summary><c>feast-&lt;name&gt;-&lt;service&gt;</c>: the Service and PersistentVolumeClaim of one server.</summary>
    public string ServiceName(FeastService service) => $"{FeastName}-{Word(service)}";

    public string Hostname(FeastService service) => $"{ServiceName(service)}.{Namespace}.svc.cluster.local";

    public bool IsOfflineStore => Services.Map("offlineStore") is not null;
    public bool IsOfflineServer => Services.Map("offlineStore").Map("server") is not null;
    public bool OnlineDisabled => Services.Map("onlineStore").Bool("disabled") == true;

    // The operator always gives the online store a server unless it is disabled.
    public bool IsOnlineServer => !OnlineDisabled;
    public bool IsRemoteRegistry => Services.Map("registry").Map("remote") is not null;
    public bool IsLocalRegistry => Services.Map("registry") is not null && !IsRemoteRegistry;
    public bool IsRegistryServer => IsLocalRegistry && Services.Map("registry").Map("local").Map("server") is not null;
    public bool RegistryGrpc => IsRegistryServer && (Services.Map("registry").Map("local").Map("server").Bool("grpc") ?? true);
    public bool RegistryRest => IsRegistryServer && Services.Map("registry").Map("local").Map("server").Bool("restAPI") == true;
    public bool IsUi => Services.Map("ui") is not null;

    public bool Runs(FeastService service) => service switch
    {
        FeastService.Registry => IsRegistryServer,
        FeastService.Online => IsOnlineServer,
        FeastService.Offline => IsOfflineServer,
        _ => IsUi,
    };

    /// <summary>The server's settings (image, env, tls, logLevel, ...), or an empty mapping.</summary>
    public YMap Server(FeastService service) => service switch
    {
        FeastService.Registry => Services.Map("registry").Map("local").Map("server"),
        FeastService.Online => Services.Map("onlineStore").Map("server"),
        FeastService.Offline => Services.Map("offlineStore").Map("server"),
        _ => Services.Map("ui"),
    } ?? [];

    /// <summary>The server's TLS Secret and key names, or <see langword="null"/> without TLS (no secretRef, or disabled).</summary>
    public (string Secret, string Crt, string Key)? Tls(FeastService service)
    {
        var tls = Server(service).Map("tls");
        if (tls is null || tls.Bool("disable") == true || tls.Map("secretRef").Str("name") is not { } secret) return null;
        var names = tls.Map("secretKeyNames");
        return (secret, names.Str("tlsCrt") is { Length: > 0 } crt ? crt : "tls.crt", names.Str("tlsKey") is { Length: > 0 } key ? key : "tls.key");
    }

    public static string TlsPath(FeastService service) => $"/tls/{Word(service)}/";

    public int Port(FeastService service, bool rest = false)
    {
        var tls = Tls(service) is not null;
        return service switch
        {
            FeastService.Registry when rest => tls ? 6573 : 6572,
            FeastService.Registry => tls ? 6571 : 6570,
            FeastService.Online => tls ? 6567 : 6566,
            FeastService.Offline => tls ? 8816 : 8815,
            _ => tls ? 8443 : 8888,
        };
    }

    /// <summary>The file persistence's PVC settings of a store, if any.</summary>
    public YMap? Pvc(FeastService service) => service switch
    {
        FeastService.Registry when IsLocalRegistry => Services.Map("registry").Map("local").Map("persistence").Map("file").Map("pvc"),
        FeastService.Online when !OnlineDisabled => Services.Map("onlineStore").Map("persistence").Map("file").Map("pvc"),
        FeastService.Offline => Services.Map("offlineStore").Map("persistence").Map("file").Map("pvc"),
        _ => null,
    };

    /// <summary>Whether a store is kept in a database (a persistence <c>store</c>), so it has no file and no PVC.</summary>
    private bool InDatabase(FeastService service) => service switch
    {
        FeastService.Registry => Services.Map("registry").Map("local").Map("persistence").Map("store") is not null,
        FeastService.Online => Services.Map("onlineStore").Map("persistence").Map("store") is not null,
        FeastService.Offline => Services.Map("offlineStore").Map("persistence").Map("store") is not null,
        _ => true,
    };

    /// <summary>An emptyDir at /feast-data when a store is kept in files without a PVC, as the operator mounts it.</summary>
    public bool NeedsEphemeralVolume =>
        new[] { FeastService.Registry, FeastService.Online, FeastService.Offline }.Any(s => Pvc(s) is null);

    public static string ActualPath(string path, YMap? pvc) => pvc is null ? path : CombinePath(pvc.Str("mountPath") ?? "", path);

    public string DefaultPath(FeastService service, string file) => Pvc(service) is { } pvc && !InDatabase(service)
        ? CombinePath(pvc.Str("mountPath") ?? "", file)
        : $"{EphemeralPath}/{file}";

    private static string CombinePath(string directory, string file) =>
        file.Contains("://", StringComparison.Ordinal) || file.StartsWith('/') ? file : $"{directory.TrimEnd('/')}/{file}";

    /// <summary>Where the repo is made: the offline store's PVC mount, else /feast-data.</summary>
    public string WorkingRoot => Pvc(FeastService.Offline)?.Str("mountPath") ?? EphemeralPath;

    /// <summary>The feature repo directory, the containers' working directory.</summary>
    public string FeatureRepoDir
    {
        get
        {
            var dir = Spec.Map("feastProjectDir");
            if (dir.Map("packaged") is { } packaged && Services.Bool("disableInitContainers") == true)
                return packaged.Str("featureRepoPath")!.TrimEnd('/');
            var project = $"{WorkingRoot}/{Resource.FeastProject}";
            return dir.Map("git").Str("featureRepoPath") is { Length: > 0 } sub ? $"{project}/{sub}" : $"{project}/feature_repo";
        }
    }

    /// <summary>The image of the servers: a packaged repo's image, else the renderer's.</summary>
    public string ServerImage(FeastService service) => Server(service).Str("image") ?? PackagedImage ?? Options.Image;

    /// <summary>The init containers' image: <c>services.initImage</c>, else the servers' default image.</summary>
    public string InitImage => Services.Str("initImage") is { Length: > 0 } image ? image : PackagedImage ?? Options.Image;

    private string? PackagedImage => Spec.Map("feastProjectDir").Map("packaged").Str("image") is { Length: > 0 } image ? image : null;

    /// <summary>
    /// A store's settings from a Secret, as the operator reads them: the value under <paramref name="keyName"/> (default:
    /// the store type) parsed as YAML; with no key name and no type, every key's value.
    /// </summary>
    public YMap SecretValues(string secretName, string? keyName, string type, string path)
    {
        var values = References.Secret(Namespace, secretName)
            ?? throw new FeatureStoreResourceException($"{Source}: {path} names Secret '{secretName}', which is not in namespace {Namespace}{FileHint}.");
        var key = string.IsNullOrEmpty(keyName) ? type : keyName;
        if (key.Length == 0)
        {
            var all = new YMap(StringComparer.Ordinal);
            foreach (var (k, v) in values.OrderBy(p => p.Key, StringComparer.Ordinal)) all[k] = KubeYaml.Parse(v, $"Secret {secretName} key {k}");
            return all;
        }
        if (!values.TryGetValue(key, out var text))
            throw new FeatureStoreResourceException(
                $"{Source}: Secret '{secretName}' ({path}) has no key '{key}'; its keys: {string.Join(", ", values.Keys.Order(StringComparer.Ordinal))}.");
        return KubeYaml.Parse(text, $"Secret {secretName} key {key}") as YMap
            ?? throw new FeatureStoreResourceException($"{Source}: Secret '{secretName}' key '{key}' must hold the store's settings as a YAML mapping.");
    }

    /// <summary>Whether the pods scale past one replica (static replicas above 1, or an autoscaler).</summary>
    public bool ScalingEnabled => Spec.Int("replicas") > 1 || Services.Map("scaling").Map("autoscaling") is not null;

    public Dictionary<string, string> Labels() => new(StringComparer.Ordinal)
    {
        ["feast.dev/name"] = Resource.Name,
        ["app.kubernetes.io/managed-by"] = "feast-operator",
    };

    public Dictionary<string, string> Labels(string type)
    {
        var labels = Labels();
        labels["feast.dev/service-type"] = type;
        return labels;
    }

    public Dictionary<string, string> SelectorLabels() => new(StringComparer.Ordinal) { ["feast.dev/name"] = Resource.Name };
}
