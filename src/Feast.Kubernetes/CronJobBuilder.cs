using System.Globalization;
using static Feast.Kubernetes.Tree;
using YMap = System.Collections.Generic.OrderedDictionary<string, object?>;

namespace Feast.Kubernetes;

/// <summary>
/// The operator's CronJob <c>feast-&lt;name&gt;</c>: its pod runs each command with <c>kubectl exec</c> in the FeatureStore's
/// Deployment (by default <c>feast apply</c>, then <c>feast materialize-incremental</c> up to now), so the commands use
/// the servers' repo and configuration. With no schedule it is suspended (<c>@yearly</c>), to be run by hand
/// (<c>kubectl create job --from=cronjob/feast-&lt;name&gt;</c>). Its ServiceAccount, Role and RoleBinding
/// (<c>feast-&lt;name&gt;-cronjob</c>) allow exactly that exec.
/// </summary>
internal static class CronJobBuilder
{
    private static readonly string[] DefaultCommands = ["feast apply", "feast materialize-incremental $(date -u +'%Y-%m-%dT%H:%M:%S')"];

    public static IEnumerable<YMap> Objects(RenderContext c)
    {
        var cron = c.Spec.Map("cronJob") ?? [];
        var name = c.FeastName + "-cronjob";
        var labels = c.Labels("cronjob");
        yield return FeatureStoreRenderer.Object(c, "v1", "ServiceAccount", name, labels, null);
        yield return FeatureStoreRenderer.Object(c, "rbac.authorization.k8s.io/v1", "Role", name, labels, null, ("rules", L(
            M(("apiGroups", L("apps")), ("resources", L("deployments")), ("resourceNames", L(c.FeastName)), ("verbs", L("get"))),
            M(("apiGroups", L("")), ("resources", L("pods")), ("verbs", L("list"))),
            M(("apiGroups", L("")), ("resources", L("pods/exec")), ("verbs", L("create"))))));
        yield return FeatureStoreRenderer.Object(c, "rbac.authorization.k8s.io/v1", "RoleBinding", name, labels, null,
            ("subjects", L(M(("kind", "ServiceAccount"), ("name", name), ("namespace", c.Namespace)))),
            ("roleRef", M(("apiGroup", "rbac.authorization.k8s.io"), ("kind", "Role"), ("name", name))));

        var scheduled = cron.Str("schedule") is { Length: > 0 };
        var configs = cron.Map("containerConfigs");
        var commands = (configs.List("commands") ?? []).Select(Scalar).OfType<string>().ToList();
        if (commands.Count == 0) commands = [.. DefaultCommands];
        var containers = commands.Select((command, i) => Container(c, configs, command, i)).ToList();
        var pod = M(("serviceAccountName", name), ("restartPolicy", "Never"),
            ("securityContext", M(("runAsNonRoot", true), ("runAsUser", 1001L), ("seccompProfile", M(("type", "RuntimeDefault"))))));
        if (containers.Count > 1) pod["initContainers"] = containers.Take(containers.Count - 1).Cast<object?>().ToList();
        pod["containers"] = L(containers[^1]);

        var jobSpec = cron.Map("jobSpec");
        var job = M(("parallelism", jobSpec.Int("parallelism")), ("completions", jobSpec.Int("completions")),
            ("activeDeadlineSeconds", jobSpec.Int("activeDeadlineSeconds")), ("podFailurePolicy", KubeYaml.Clone(jobSpec.Raw("podFailurePolicy"))),
            ("backoffLimit", jobSpec.Int("backoffLimit")), ("backoffLimitPerIndex", jobSpec.Int("backoffLimitPerIndex")),
            ("maxFailedIndexes", jobSpec.Int("maxFailedIndexes")), ("ttlSecondsAfterFinished", jobSpec.Int("ttlSecondsAfterFinished")),
            ("completionMode", jobSpec.Str("completionMode")), ("suspend", jobSpec.Bool("suspend")),
            ("podReplacementPolicy", jobSpec.Str("podReplacementPolicy")),
            ("template", M(("metadata", jobSpec.Map("podTemplateAnnotations") is { } podAnnotations
                ? M(("annotations", KubeYaml.Clone(podAnnotations))) : null), ("spec", pod))));
        var annotations = cron.Map("annotations") is { Count: > 0 } a ? Strings(a.Select(p => KeyValuePair.Create(p.Key, Scalar(p.Value) ?? ""))) : null;
        yield return FeatureStoreRenderer.Object(c, "batch/v1", "CronJob", c.FeastName, labels, annotations, ("spec", M(
            ("schedule", scheduled ? cron.Str("schedule") : "@yearly"),
            ("timeZone", cron.Str("timeZone")),
            ("startingDeadlineSeconds", cron.Int("startingDeadlineSeconds") ?? (scheduled ? null : 5L)),
            ("concurrencyPolicy", cron.Str("concurrencyPolicy") ?? (scheduled ? null : "Replace")),
            ("suspend", cron.Bool("suspend") ?? (scheduled ? null : true)),
            ("successfulJobsHistoryLimit", cron.Int("successfulJobsHistoryLimit")),
            ("failedJobsHistoryLimit", cron.Int("failedJobsHistoryLimit")),
            ("jobTemplate", M(("spec", job))))));
    }

    private static YMap Container(RenderContext c, YMap? configs, string command, int index) => M(
        ("name", "feast-" + index.ToString(CultureInfo.InvariantCulture)),
        ("image", configs.Str("image") ?? c.Options.CronJobImage),
        ("command", L("kubectl", "exec", "deploy/" + c.FeastName, "-i", "--", "bash", "-c", command)),
        ("envFrom", KubeYaml.Clone(configs.List("envFrom"))),
        ("env", KubeYaml.Clone(configs.List("env"))),
        ("resources", KubeYaml.Clone(configs.Raw("resources"))),
        ("imagePullPolicy", configs.Str("imagePullPolicy")),
        ("securityContext", M(("allowPrivilegeEscalation", false), ("capabilities", M(("drop", L("ALL")))))));
}
