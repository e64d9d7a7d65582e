using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Feast.Configuration;
using Feast.Permissions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Security;

/// <summary>
/// Where the Kubernetes API server is, when not where the server finds it by itself (in-cluster, then
/// <c>KUBECONFIG</c>, then <c>~/.kube/config</c>): a host (or a test) registers one as a service.
/// </summary>
/// <param name="KubeconfigPath">The kubeconfig to read (its current context).</param>
/// <param name="Namespace">The namespace whose RoleBindings give roles; default: the pod's, else the context's, else <c>default</c>.</param>
internal sealed record KubernetesConnection(string? KubeconfigPath = null, string? Namespace = null);

/// <summary>
/// <c>auth: {type: kubernetes}</c> on the server: a bearer token is whoever the API server's TokenReview says it is, and
/// has the roles the RBAC bindings give that identity, as Feast's <c>KubernetesTokenParser</c> reads them.
/// </summary>
/// <remarks>
/// <para>The token must be reviewed as authenticated: unlike Feast, which falls back to the unverified <c>sub</c> of a
/// service-account JWT when the review fails, nothing of the token is trusted unless the API server vouches for it.</para>
/// <para>A service account (<c>system:serviceaccount:NS:NAME</c>) is the user <c>NS:NAME</c>, as in Feast; a user
/// keeps the review's name. Roles: the <c>roleRef</c> names of the RoleBindings of the server's namespace and of the
/// ClusterRoleBindings whose subjects name the identity (a ServiceAccount of that name and namespace, or a User) or one
/// of its groups. Groups: the review's. Namespaces: a service account's own and those of its
/// <c>system:serviceaccounts:NS</c> groups; for a user, also the namespaces where a RoleBinding named
/// <c>dashboard-permissions-*</c> (labelled <c>opendatahub.io/dashboard=true</c>) or binding ClusterRole <c>admin</c>
/// names the user (Feast's data-science-project namespaces; best effort: skipped with a log when the server may not
/// list RoleBindings cluster-wide).</para>
/// <para>Results are cached per token (by its SHA-256) for <see cref="CacheLifetime"/>, so a busy client costs the API
/// server three calls per token per half minute, not per request; a revoked token or a removed binding takes effect
/// within that time. Failed reviews are not cached. Feast does not cache.</para>
/// <para>When the API server cannot be reached, or answers the server's own calls with an error, requests get
/// <see cref="IdentityProviderUnavailableException"/> (503, UNAVAILABLE) whose message names no address.</para>
/// </remarks>
internal sealed class KubernetesAuthenticator : IDisposable
{
    /// <summary>How long a reviewed token's user (with its roles) is reused.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(30);

    /// <summary>How long one call to the API server may take.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private const int MaxCached = 10_000;
    private const string ServiceAccountPrefix = "system:serviceaccount:";
    private const string ServiceAccountGroupPrefix = "system:serviceaccounts:";
    private const string PodNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    private readonly Kubernetes _api;
    private readonly string _namespace;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, (FeastUser User, long At)> _cache = new(StringComparer.Ordinal);

    public KubernetesAuthenticator(KubernetesConnection? connection, TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
        KubernetesClientConfiguration config;
        string? ns = connection?.Namespace;
        try
        {
            if (connection?.KubeconfigPath is { } path)
            {
                config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
            }
            else if (KubernetesClientConfiguration.IsInCluster())
            {
                config = KubernetesClientConfiguration.InClusterConfig();
                if (ns is null && File.Exists(PodNamespaceFile)) ns = File.ReadAllText(PodNamespaceFile).Trim();
            }
            else
            {
                var file = (Environment.GetEnvironmentVariable("KUBECONFIG") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                    .Append(KubernetesClientConfiguration.KubeConfigDefaultLocation).FirstOrDefault(File.Exists)
                    ?? throw new FeastConfigException("feature_store.yaml: auth type kubernetes needs the Kubernetes API server: run in a pod (in-cluster config), or set KUBECONFIG or write ~/.kube/config.");
                config = KubernetesClientConfiguration.BuildConfigFromConfigFile(file);
            }
        }
        catch (Exception e) when (e is not FeastException)
        {
            throw new FeastConfigException($"auth type kubernetes: the Kubernetes client configuration cannot be read: {e.Message}");
        }
        _namespace = string.IsNullOrEmpty(ns) ? config.Namespace ?? "default" : ns;
        config.HttpClientTimeout = CallTimeout;
        _api = new Kubernetes(config);
    }

    public void Dispose() => _api.Dispose();

    /// <summary>The user <paramref name="token"/> is, with the roles, groups and namespaces its bindings give.</summary>
    /// <exception cref="UnauthenticatedException">The API server does not accept the token.</exception>
    /// <exception cref="IdentityProviderUnavailableException">The API server cannot be asked.</exception>
    public async Task<FeastUser> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (_cache.TryGetValue(key, out var hit) && _time.GetElapsedTime(hit.At) < CacheLifetime) return hit.User;
        var user = await ReviewAsync(token, cancellationToken).ConfigureAwait(false);
        if (_cache.Count >= MaxCached) _cache.Clear();
        _cache[key] = (user, _time.GetTimestamp());
        return user;
    }

    private async Task<FeastUser> ReviewAsync(string token, CancellationToken cancellationToken)
    {
        var review = await CallAsync("TokenReview", ct => _api.AuthenticationV1.CreateTokenReviewAsync(
            new V1TokenReview { ApiVersion = "authentication.k8s.io/v1", Kind = "TokenReview", Spec = new V1TokenReviewSpec { Token = token } },
            cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        if (review.Status is not { Authenticated: true, User.Username: { Length: > 0 } reviewed })
            throw new UnauthenticatedException("Not authenticated: the Kubernetes API server does not accept the token.");
        var groups = (review.Status.User.Groups ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var namespaces = groups.Where(g => g.StartsWith(ServiceAccountGroupPrefix, StringComparison.Ordinal))
            .Select(g => g[ServiceAccountGroupPrefix.Length..]).Where(n => n.Length > 0 && !n.Contains(':', StringComparison.Ordinal)).ToList();

        string username;
        Func<Rbacv1Subject, bool> names;
        var serviceAccount = reviewed.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal) ? reviewed[ServiceAccountPrefix.Length..].Split(':') : null;
        if (serviceAccount is [var saNamespace, var saName])
        {
            username = $"{saNamespace}:{saName}";
            namespaces.Add(saNamespace);
            names = s => s.Kind == "ServiceAccount" && s.Name == saName && s.NamespaceProperty == saNamespace;
        }
        else
        {
            username = reviewed;
            names = s => s.Kind == "User" && s.Name == reviewed;
            namespaces.AddRange(await UserProjectNamespacesAsync(reviewed, cancellationToken).ConfigureAwait(false));
        }
        bool Binds(IList<Rbacv1Subject>? subjects) =>
            subjects is not null && subjects.Any(s => names(s) || (s.Kind == "Group" && groups.Contains(s.Name, StringComparer.Ordinal)));

        var local = await CallAsync("RoleBinding list", ct => _api.RbacAuthorizationV1.ListNamespacedRoleBindingAsync(_namespace, cancellationToken: ct),
            cancellationToken).ConfigureAwait(false);
        var cluster = await CallAsync("ClusterRoleBinding list", ct => _api.RbacAuthorizationV1.ListClusterRoleBindingAsync(cancellationToken: ct),
            cancellationToken).ConfigureAwait(false);
        var roles = local.Items.Where(b => Binds(b.Subjects)).Select(b => b.RoleRef.Name)
            .Concat(cluster.Items.Where(b => Binds(b.Subjects)).Select(b => b.RoleRef.Name))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new FeastUser(username, roles, groups, [.. namespaces.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
    }

    /// <summary>Feast's data-science-project namespaces of a user: best effort, as Feast's.</summary>
    private async Task<IEnumerable<string>> UserProjectNamespacesAsync(string username, CancellationToken cancellationToken)
    {
        V1RoleBindingList all;
        try
        {
            all = await _api.RbacAuthorizationV1.ListRoleBindingForAllNamespacesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e)
        {
            LogMessages.KubernetesNamespacesSkipped(_logger, (int)e.Response.StatusCode);
            return [];
        }
        catch (Exception e) when (Unreachable(e, cancellationToken))
        {
            throw Unavailable("RoleBinding list (all namespaces)", e);
        }
        return all.Items
            .Where(b => (b.Metadata?.Name?.StartsWith("dashboard-permissions-", StringComparison.Ordinal) == true
                    && b.Metadata.Labels?.TryGetValue("opendatahub.io/dashboard", out var label) == true && label == "true")
                || b.RoleRef is { Kind: "ClusterRole", Name: "admin" })
            .Where(b => b.Subjects?.Any(s => s.Kind == "User" && s.Name == username) == true)
            .Select(b => b.Metadata?.NamespaceProperty ?? "")
            .Where(n => n.Length > 0);
    }

    private async Task<T> CallAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Unreachable(e, cancellationToken))
        {
            throw Unavailable(what, e);
        }
    }

    /// <summary>Any failure to get an answer (unreachable, TLS, timeout, an error status to the server's own call), but not the caller's cancellation.</summary>
    private static bool Unreachable(Exception e, CancellationToken cancellationToken) =>
        e is not FeastException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private IdentityProviderUnavailableException Unavailable(string what, Exception e)
    {
        var status = e is HttpOperationException { Response: { } response } ? (int)response.StatusCode : 0;
        LogMessages.KubernetesUnavailable(_logger, what, status, e);
        return new IdentityProviderUnavailableException("The Kubernetes API server cannot check the token right now; try again later.");
    }
}
