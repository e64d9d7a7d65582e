using static Feast.Kubernetes.Tree;
using YMap = System.Collections.Generic.OrderedDictionary<string, object?>;

namespace Feast.Kubernetes;

/// <summary>
/// The RBAC objects of the FeatureStore's auth, as the operator makes them. With <c>authz.kubernetes</c> (also the
/// default when <c>authz</c> is absent) the servers ask the API server who a token is (TokenReview) and which roles it
/// has (RoleBindings): a Role and RoleBinding for the pods' ServiceAccount, the shared ClusterRole
/// <c>feast-token-review-cluster-role</c> and its binding, and an empty Role per name in <c>roles</c> for clients to be bound
/// to. With <c>authz.oidc</c>: the ClusterRole <c>feast-oidc-token-review</c> and its binding.
/// </summary>
internal static class Authorization
{
    public static IEnumerable<YMap> Objects(RenderContext c)
    {
        var authz = c.Spec.Map("authz");
        var labels = c.Labels("authorization");
        if (authz is null || (authz.Has("kubernetes") && authz.Bool("noAuth") != true))
        {
            var rules = L(
                Rule("rbac.authorization.k8s.io", ["roles", "rolebindings"], ["get", "list", "watch"]),
                Rule("authentication.k8s.io", ["tokenreviews"], ["create"]),
                Rule("", ["namespaces"], ["get", "list", "watch"]),
                Rule("rbac.authorization.k8s.io", ["clusterroles"], ["get", "list"]),
                Rule("rbac.authorization.k8s.io", ["clusterrolebindings"], ["get", "list"]));
            yield return FeatureStoreRenderer.Object(c, "rbac.authorization.k8s.io/v1", "Role", c.FeastName, labels, null, ("rules", rules));
            yield return Binding(c, "RoleBinding", c.FeastName, "Role", c.FeastName, labels);
            yield return FeatureStoreRenderer.Object(c, "rbac.authorization.k8s.io/v1", "ClusterRole", "feast-token-review-cluster-role",
                new Dictionary<string, string>(StringComparer.Ordinal) { ["app.kubernetes.io/managed-by"] = FeatureStoreRenderer.ManagedBy }, null,
                ("rules", KubeYaml.Clone(rules)));
            yield return Binding(c, "ClusterRoleBinding", c.FeastName + "-cluster-binding", "ClusterRole", "feast-token-review-cluster-role", labels);
            foreach (var role in (authz.Map("kubernetes").List("roles") ?? []).Select(Scalar).Where(r => r is not null).Distinct(StringComparer.Ordinal))
            {
                if (role == c.FeastName)
                    throw new FeatureStoreResourceException($"{c.Source}: spec.authz.kubernetes.roles names '{role}', the Role the operator makes for the servers; choose another name.");
                yield return FeatureStoreRenderer.Object(c, "rbac.authorization.k8s.io/v1", "Role", role!, labels, null, ("rules", new List<object?>()));
            }
        }
        else if (authz.Has("oidc") && authz.Bool("noAuth") != true)
        {
            yield return FeatureStoreRenderer.Object(c, "rbac.authorization.k8s.io/v1", "ClusterRole", "feast-oidc-token-review",
                new Dictionary<string, string>(StringComparer.Ordinal) { ["app.kubernetes.io/managed-by"] = FeatureStoreRenderer.ManagedBy }, null,
                ("rules", L(Rule("authentication.k8s.io", ["tokenreviews"], ["create"]))));
            yield return Binding(c, "ClusterRoleBinding", c.FeastName + "-oidc-token-review", "ClusterRole", "feast-oidc-token-review", labels);
        }
    }

    private static YMap Rule(string group, string[] resources, string[] verbs) =>
        M(("apiGroups", L(group)), ("resources", resources.Cast<object?>().ToList()), ("verbs", verbs.Cast<object?>().ToList()));

    /// <summary>A (Cluster)RoleBinding of the pods' ServiceAccount <c>feast-&lt;name&gt;</c>.</summary>
    private static YMap Binding(RenderContext c, string kind, string name, string roleKind, string roleName, Dictionary<string, string> labels) =>
        FeatureStoreRenderer.Object(c, "rbac.authorization.k8s.io/v1", kind, name, labels, null,
            ("subjects", L(M(("kind", "ServiceAccount"), ("name", c.FeastName), ("namespace", c.Namespace)))),
            ("roleRef", M(("apiGroup", "rbac.authorization.k8s.io"), ("kind", roleKind), ("name", roleName))));
}
