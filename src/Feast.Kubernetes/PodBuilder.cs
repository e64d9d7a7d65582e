using System.Globalization;
using static Feast.Kubernetes.Tree;
using YMap = System.Collections.Generic.OrderedDictionary<string, object?>;

namespace Feast.Kubernetes;

/// <summary>
/// The pod of the FeatureStore's Deployment, as the operator builds it: an init container that makes the feature repo,
/// one container per server (registry, online, offline, UI) running Feast.NET's <c>feast</c> with the operator's
/// arguments, the servers' <c>feature_store.yaml</c> in <c>FEATURE_STORE_YAML_BASE64</c>, probes, and the volumes.
/// </summary>
internal static class PodBuilder
{
    /// <summary>The environment variable every Feast.NET command reads in place of feature_store.yaml.</summary>
    public const string YamlVariable = "FEATURE_STORE_YAML_BASE64";

    private static readonly FeastService[] ContainerOrder = [FeastService.Registry, FeastService.Online, FeastService.Offline, FeastService.Ui];

    public static YMap PodSpec(RenderContext c, string yamlBase64)
    {
        var containers = ContainerOrder.Where(c.Runs).Select(s => Container(c, s, yamlBase64)).ToList();
        var initContainers = InitContainers(c, yamlBase64);
        var volumes = new List<object?>();

        // TLS: each server's Secret at /tls/<service>/ (the remote registry's CA from a ConfigMap).
        if (c.IsRemoteRegistry && c.Services.Map("registry").Map("remote").Map("tls") is { } remoteTls)
        {
            volumes.Add(M(("name", "registry-tls"), ("configMap", M(("name", remoteTls.Map("configMapRef").Str("name"))))));
            Mount(containers.Concat(initContainers), M(("name", "registry-tls"), ("mountPath", RenderContext.TlsPath(FeastService.Registry)), ("readOnly", true)));
        }
        foreach (var service in ContainerOrder)
        {
            if (!c.Runs(service) || c.Tls(service) is not { } tls) continue;
            var name = RenderContext.Word(service) + "-tls";
            volumes.Add(M(("name", name), ("secret", M(("secretName", tls.Secret)))));
            var mount = M(("name", name), ("mountPath", RenderContext.TlsPath(service)), ("readOnly", true));
            Mount(containers.Where(x => x.Str("name") == RenderContext.Word(service)).Concat(initContainers), mount);
        }
        if (c.Spec.Map("authz").Map("oidc").Map("caCertConfigMap") is { } ca)
        {
            volumes.Add(M(("name", "oidc-ca-cert"), ("configMap", M(("name", ca.Str("name"))))));
            Mount(containers.Concat(initContainers), M(("name", "oidc-ca-cert"), ("mountPath", RenderContext.OidcCaPath), ("readOnly", true),
                ("subPath", ca.Str("key") ?? "ca-bundle.crt")));
        }

        // The stores' PVCs, then an emptyDir at /feast-data for what has none.
        foreach (var service in new[] { FeastService.Registry, FeastService.Offline, FeastService.Online })
        {
            if (c.Pvc(service) is not { } pvc) continue;
            var name = c.ServiceName(service);
            volumes.Add(M(("name", name), ("persistentVolumeClaim", M(("claimName", pvc.Map("ref").Str("name") ?? name)))));
            Mount(initContainers.Concat(containers), M(("name", name), ("mountPath", pvc.Str("mountPath"))));
        }
        if (c.NeedsEphemeralVolume)
        {
            volumes.Add(M(("name", "feast-data"), ("emptyDir", new YMap())));
            Mount(initContainers.Concat(containers), M(("name", "feast-data"), ("mountPath", RenderContext.EphemeralPath)));
        }
        foreach (var volume in c.Services.List("volumes") ?? []) volumes.Add(KubeYaml.Clone(volume));

        var spec = M(("serviceAccountName", c.FeastName), ("securityContext", KubeYaml.Clone(c.Services.Raw("securityContext"))));
        if (initContainers.Count > 0) spec["initContainers"] = initContainers.Cast<object?>().ToList();
        spec["containers"] = containers.Cast<object?>().ToList();
        if (volumes.Count > 0) spec["volumes"] = volumes;
        var nodeSelector = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var map in new[] { c.Services.Map("nodeSelector") }.Concat(ContainerOrder.Where(c.Runs).Select(s => c.Server(s).Map("nodeSelector"))))
            foreach (var (k, v) in map ?? []) nodeSelector[k] = Scalar(v) ?? "";
        if (nodeSelector.Count > 0) spec["nodeSelector"] = Strings(nodeSelector);
        if (c.Services.List("tolerations") is { } tolerations) spec["tolerations"] = KubeYaml.Clone(tolerations);
        if (c.Services.Has("topologySpreadConstraints")) spec["topologySpreadConstraints"] = KubeYaml.Clone(c.Services.Raw("topologySpreadConstraints"));
        else if (c.ScalingEnabled)
            spec["topologySpreadConstraints"] = L(M(("maxSkew", 1L), ("topologyKey", "topology.kubernetes.io/zone"), ("whenUnsatisfiable", "ScheduleAnyway"),
                ("labelSelector", M(("matchLabels", Strings(c.SelectorLabels()))))));
        if (c.Services.Has("affinity")) spec["affinity"] = KubeYaml.Clone(c.Services.Raw("affinity"));
        else if (c.ScalingEnabled)
            spec["affinity"] = M(("podAntiAffinity", M(("preferredDuringSchedulingIgnoredDuringExecution", L(M(("weight", 100L),
                ("podAffinityTerm", M(("labelSelector", M(("matchLabels", Strings(c.SelectorLabels())))), ("topologyKey", "kubernetes.io/hostname")))))))));
        if (c.Services.List("resourceClaims") is { Count: > 0 } claims) spec["resourceClaims"] = KubeYaml.Clone(claims);
        return spec;
    }

    private static void Mount(IEnumerable<YMap> containers, YMap mount)
    {
        foreach (var container in containers)
        {
            if (container.List("volumeMounts") is not { } mounts) container["volumeMounts"] = mounts = [];
            mounts.Add(KubeYaml.CloneMap(mount));
        }
    }

    private static YMap Container(RenderContext c, FeastService service, string yamlBase64)
    {
        var server = c.Server(service);
        var word = RenderContext.Word(service);
        var ports = new List<object?>();
        if (service == FeastService.Registry)
        {
            if (c.RegistryGrpc) ports.Add(Port(word, c.Port(service)));
            if (c.RegistryRest) ports.Add(Port(word + "-rest", c.Port(service, rest: true)));
        }
        else
        {
            ports.Add(Port(word, c.Port(service)));
            if (service == FeastService.Online && MetricsEnabled(c)) ports.Add(Port("metrics", 8000));
        }
        var probe = Probe(c, service);
        var env = new List<object?> { M(("name", YamlVariable), ("value", yamlBase64)) };
        foreach (var item in server.List("env") ?? [])
        {
            var name = (item as YMap).Str("name");
            env.RemoveAll(e => (e as YMap).Str("name") == name);
            env.Add(KubeYaml.Clone(item));
        }
        var container = M(("name", word), ("image", c.ServerImage(service)), ("command", Command(c, service).Cast<object?>().ToList()),
            ("workingDir", c.FeatureRepoDir), ("ports", ports), ("envFrom", KubeYaml.Clone(server.List("envFrom"))), ("env", env),
            ("resources", KubeYaml.Clone(server.Raw("resources"))), ("volumeMounts", KubeYaml.Clone(server.List("volumeMounts"))),
            ("livenessProbe", WithTimes(probe, periodSeconds: 20, failureThreshold: 6)),
            ("readinessProbe", WithTimes(probe, periodSeconds: 10, failureThreshold: null)),
            ("startupProbe", WithTimes(probe, periodSeconds: 3, failureThreshold: 40)),
            ("imagePullPolicy", server.Str("imagePullPolicy")));
        return container;
    }

    private static YMap Port(string name, int port) => M(("name", name), ("containerPort", (long)port), ("protocol", "TCP"));

    private static YMap WithTimes(YMap handler, long periodSeconds, long? failureThreshold)
    {
        var probe = KubeYaml.CloneMap(handler);
        probe["periodSeconds"] = periodSeconds;
        if (failureThreshold is { } f) probe["failureThreshold"] = f;
        return probe;
    }

    /// <summary>The operator's probes: HTTP <c>/health</c> on the online server, TCP on the others (HTTP on a REST-only registry).</summary>
    private static YMap Probe(RenderContext c, FeastService service)
    {
        var https = c.Tls(service) is not null ? "HTTPS" : null;
        if (service == FeastService.Registry && !c.RegistryGrpc && c.RegistryRest)
            return M(("httpGet", M(("path", "/health"), ("port", (long)c.Port(service, rest: true)), ("scheme", https))));
        if (service == FeastService.Online)
            return M(("httpGet", M(("path", "/health"), ("port", (long)c.Port(service)), ("scheme", https))));
        return M(("tcpSocket", M(("port", (long)c.Port(service)))));
    }

    /// <summary>Prometheus on port 8000: <c>server.metrics</c> (the <c>--metrics</c> flag) or <c>serving.metrics.enabled</c>.</summary>
    public static bool MetricsEnabled(RenderContext c) =>
        c.Server(FeastService.Online).Bool("metrics") == true || c.Services.Map("onlineStore").Map("serving").Map("metrics").Bool("enabled") == true;

    /// <summary>The container command, as the operator computes it, for Feast.NET's <c>feast</c>.</summary>
    public static List<string> Command(RenderContext c, FeastService service)
    {
        var server = c.Server(service);
        var command = new List<string> { "feast" };
        if (server.Str("logLevel") is { } level) command.AddRange(["--log-level", level.ToUpperInvariant()]);
        switch (service)
        {
            case FeastService.Registry:
                command.Add("serve_registry");
                command.Add(c.RegistryGrpc ? "--grpc" : "--no-grpc");
                if (c.RegistryRest) command.AddRange(["--rest-api", "--rest-port", c.Port(service, rest: true).ToString(CultureInfo.InvariantCulture)]);
                break;
            case FeastService.Online:
                command.Add("serve");
                if (server.Bool("metrics") == true) command.Add("--metrics");
                command.AddRange(["-h", "0.0.0.0"]);
                var workers = server.Map("workerConfigs");
                foreach (var (field, flag) in new[] { ("workers", "--workers"), ("workerConnections", "--worker-connections"), ("maxRequests", "--max-requests"),
                    ("maxRequestsJitter", "--max-requests-jitter"), ("keepAliveTimeout", "--keep-alive-timeout"), ("registryTTLSeconds", "--registry_ttl_sec") })
                    if (workers.Int(field) is { } value) command.AddRange([flag, value.ToString(CultureInfo.InvariantCulture)]);
                break;
            case FeastService.Offline:
                command.AddRange(["serve_offline", "-h", "0.0.0.0"]);
                break;
            default:
                command.AddRange(["ui", "-h", "0.0.0.0"]);
                break;
        }
        if (c.Tls(service) is { } tls) command.AddRange(["--key", RenderContext.TlsPath(service) + tls.Key, "--cert", RenderContext.TlsPath(service) + tls.Crt]);
        command.AddRange(["-p", c.Port(service).ToString(CultureInfo.InvariantCulture)]);
        return command;
    }

    /// <summary>
    /// The init containers: <c>feast-init</c> makes the repo (<c>feast init</c>, <c>git clone</c>, or a copy of a packaged
    /// repo) and writes feature_store.yaml into it; <c>feast-apply</c> runs <c>feast apply</c> there (the default).
    /// </summary>
    private static List<YMap> InitContainers(RenderContext c, string yamlBase64)
    {
        var result = new List<YMap>();
        if (c.Services.Bool("disableInitContainers") == true) return result;
        var dir = c.Spec.Map("feastProjectDir");
        var repoDir = c.FeatureRepoDir;
        var project = c.Resource.FeastProject;
        var env = new List<object?> { M(("name", YamlVariable), ("value", yamlBase64)) };
        string script;
        List<object?>? envFrom = null;
        if (dir.Map("packaged") is { } packaged)
        {
            var from = packaged.Str("featureRepoPath")!.TrimEnd('/');
            env.Add(M(("name", "FEAST_PACKAGED_FEATURE_REPO_PATH"), ("value", from)));
            env.Add(M(("name", "FEAST_STAGED_FEATURE_REPO_PATH"), ("value", repoDir)));
            script = "set -euo pipefail\n" +
                "echo \"Staging packaged feast repository...\"\n" +
                "if [[ ! -d \"${FEAST_PACKAGED_FEATURE_REPO_PATH}\" ]]; then echo \"Packaged feature repository not found: ${FEAST_PACKAGED_FEATURE_REPO_PATH}\" >&2; exit 1; fi\n" +
                "rm -rf -- \"${FEAST_STAGED_FEATURE_REPO_PATH}\"\n" +
                "mkdir -p -- \"${FEAST_STAGED_FEATURE_REPO_PATH}\"\n" +
                "cp -a -- \"${FEAST_PACKAGED_FEATURE_REPO_PATH}/.\" \"${FEAST_STAGED_FEATURE_REPO_PATH}/\"\n" +
                $"printf '%s' \"${{{YamlVariable}}}\" | base64 -d > \"${{FEAST_STAGED_FEATURE_REPO_PATH}}/feature_store.yaml\"\n" +
                "echo \"Packaged feast repository staging complete\"\n";
        }
        else
        {
            string create;
            if (dir.Map("git") is { } git)
            {
                var projectPath = $"{c.WorkingRoot}/{project}";
                var parts = new List<string> { "git" };
                foreach (var (key, value) in (git.Map("configs") ?? []).OrderBy(p => p.Key, StringComparer.Ordinal)) parts.AddRange(["-c", $"{key}={Scalar(value)}"]);
                parts.AddRange(["clone", git.Str("url") ?? "", projectPath]);
                if (git.Str("ref") is { Length: > 0 } reference) parts.AddRange(["&&", $"cd {projectPath}", "&&", $"git checkout {reference}"]);
                create = string.Join(' ', parts);
                foreach (var item in git.List("env") ?? [])
                {
                    env.RemoveAll(e => (e as YMap).Str("name") == (item as YMap).Str("name"));
                    env.Add(KubeYaml.Clone(item));
                }
                envFrom = KubeYaml.Clone(git.List("envFrom")) as List<object?>;
            }
            else
            {
                var init = dir.Map("init");
                var parts = new List<string> { "feast", "init" };
                if (init.Bool("minimal") == true) parts.Add("-m");
                if (init.Str("template") is { Length: > 0 } template) parts.AddRange(["-t", template]);
                parts.Add(project);
                create = string.Join(' ', parts);
            }
            script = $"echo \"Creating feast repository...\"\necho '{create}'\n" +
                $"if [[ ! -d {repoDir} ]]; then {create}; fi;\n" +
                $"echo ${YamlVariable} | base64 -d > {repoDir}/feature_store.yaml;\necho \"Feast repo creation complete\";\n";
        }
        result.Add(M(("name", "feast-init"), ("image", c.InitImage), ("command", L("bash", "-c")), ("args", L(script)),
            ("workingDir", c.WorkingRoot), ("envFrom", envFrom), ("env", env)));
        if (c.Services.Bool("runFeastApplyOnInit") ?? true)
        {
            var applyEnv = new List<object?> { M(("name", YamlVariable), ("value", yamlBase64)) };
            var applyEnvFrom = new List<object?>();
            var mounts = new List<object?>();
            foreach (var service in new[] { FeastService.Registry, FeastService.Online, FeastService.Offline }.Where(c.Runs))
            {
                var server = c.Server(service);
                foreach (var item in server.List("env") ?? [])
                {
                    applyEnv.RemoveAll(e => (e as YMap).Str("name") == (item as YMap).Str("name"));
                    applyEnv.Add(KubeYaml.Clone(item));
                }
                applyEnvFrom.AddRange((server.List("envFrom") ?? []).Select(KubeYaml.Clone));
                foreach (var mount in server.List("volumeMounts") ?? [])
                    if (!mounts.Any(m => (m as YMap).Str("mountPath") == (mount as YMap).Str("mountPath"))) mounts.Add(KubeYaml.Clone(mount));
            }
            result.Add(M(("name", "feast-apply"), ("image", c.InitImage), ("command", L("feast", "apply")), ("workingDir", repoDir),
                ("envFrom", applyEnvFrom.Count > 0 ? applyEnvFrom : null), ("env", applyEnv), ("volumeMounts", mounts.Count > 0 ? mounts : null)));
        }
        return result;
    }
}
