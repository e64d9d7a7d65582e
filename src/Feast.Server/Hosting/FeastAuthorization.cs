using Feast.Online;
using Feast.Permissions;
using Feast.Registry;
using Feast.Server.Security;
using Microsoft.AspNetCore.Http;

namespace Feast.Server.Hosting;

/// <summary>
/// The server's side of Feast's permissions: whether the project's permissions let the request's user (authenticated by
/// <see cref="ServerAuthenticator"/>) do what the endpoint does (the actions of FEAST-FORMATS §9.2).
/// </summary>
internal sealed class FeastAuthorization(FeastServerState state, ServerAuthenticator authenticator)
{
    /// <summary>Whether requests must carry a bearer token.</summary>
    public bool Required => authenticator.Required;

    /// <summary>The action an online read needs.</summary>
    public static readonly AuthzedAction[] ReadOnline = [AuthzedAction.ReadOnline];

    /// <summary>The action an online write or a materialization needs.</summary>
    public static readonly AuthzedAction[] WriteOnline = [AuthzedAction.WriteOnline];

    private static readonly AuthzedAction[] WriteOffline = [AuthzedAction.WriteOffline];
    private static readonly AuthzedAction[] WriteBoth = [AuthzedAction.WriteOnline, AuthzedAction.WriteOffline];

    /// <summary>The actions a push to <paramref name="to"/> needs.</summary>
    public static AuthzedAction[] WriteFor(PushMode to) => to switch
    {
        PushMode.Offline => WriteOffline,
        PushMode.OnlineAndOffline => WriteBoth,
        _ => WriteOnline,
    };

    /// <summary>
    /// Throws unless the caller of <paramref name="context"/> may do <paramref name="actions"/> on every resource
    /// <paramref name="resources"/> finds for <paramref name="request"/> in the current registry. Nothing is checked
    /// (and nothing allocated) under <c>no_auth</c>.
    /// </summary>
    public async ValueTask AuthorizeAsync<TRequest>(HttpContext? context, TRequest request, Func<RegistrySnapshot, TRequest, IEnumerable<SecuredResource>> resources,
        AuthzedAction[] actions, CancellationToken cancellationToken)
    {
        if (!Required) return;
        // AuthenticationMiddleware has checked the token before the body was read; a host without it checks here.
        var user = context?.Features.Get<AuthenticatedUser>()?.User
            ?? await authenticator.AuthenticateAsync(context?.Request.Headers.Authorization.ToString(), cancellationToken).ConfigureAwait(false);
        // Feast's intra-communication user: an internal call, which no permission restricts.
        if (authenticator.IsInternal(user)) return;
        var project = context?.Request.Query["project"].ToString();
        var registry = await state.Store.GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(project) && project != registry.Project)
            throw new FeastPermissionException($"Permission denied: this server serves project '{registry.Project}', not '{project}'.");
        PermissionEnforcer.Enforce(registry, user, resources(registry, request), actions);
    }

    // The resources each endpoint acts on (FEAST-FORMATS §9.2).

    /// <summary>
    /// The feature service, or every view a feature reference names; and, for every on-demand view read, the views it
    /// reads from. An on-demand view's output can be its input unchanged (a request value of 0 added to a feature), so
    /// reading it is reading its sources: Feast's feature server checks every view it resolves for a feature list the
    /// same way. A feature service grants the features it lists; an on-demand view in it that reads features the
    /// service does not list needs READ_ONLINE on the views those features come from.
    /// </summary>
    public static IEnumerable<SecuredResource> OnlineRead(RegistrySnapshot registry, OnlineFeaturesRequest request)
    {
        if (request.FeatureService is { } service)
        {
            if (!registry.FeatureServices.TryGetValue(service, out var fs)) yield break;
            yield return new(PermissionResourceType.FeatureService, fs);
            foreach (var projection in fs.Projections)
            {
                if (!registry.OnDemandFeatureViews.TryGetValue(projection.Name, out var odfv)) continue;
                foreach (var source in SourcesOf(registry, odfv, new HashSet<string>(StringComparer.Ordinal)))
                {
                    if (!ListedBy(fs, source.View, source.Features)) yield return source.Resource;
                }
            }
            yield break;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in (request.Features ?? []).Select(f => f.Split(':')[0].Split('@')[0]).Distinct(StringComparer.Ordinal))
        {
            if (View(registry, name) is not { } view) continue;
            if (seen.Add(name)) yield return view;
            if (view.Resource is OnDemandFeatureView odfv)
            {
                foreach (var source in SourcesOf(registry, odfv, seen)) yield return source.Resource;
            }
        }
    }

    /// <summary>The views an on-demand view reads from (through other on-demand views too), each once.</summary>
    private static IEnumerable<(SecuredResource Resource, BaseFeatureView View, IReadOnlyList<string> Features)> SourcesOf(
        RegistrySnapshot registry, OnDemandFeatureView odfv, HashSet<string> seen)
    {
        foreach (var projection in odfv.SourceProjections)
        {
            if (View(registry, projection.Name) is not { } source) continue;
            var view = (BaseFeatureView)source.Resource;
            var features = (projection.Features.Count > 0 ? projection.Features : view.Features).Select(f => f.Name).ToList();
            if (seen.Add(projection.Name)) yield return (source, view, features);
            if (view is OnDemandFeatureView inner)
            {
                foreach (var nested in SourcesOf(registry, inner, seen)) yield return nested;
            }
        }
    }

    /// <summary>Whether the service itself lists every one of <paramref name="features"/> of <paramref name="view"/>.</summary>
    private static bool ListedBy(FeatureService service, BaseFeatureView view, IReadOnlyList<string> features) =>
        features.All(feature => service.Projections.Any(p => p.Name == view.Name
            && (p.Features.Count > 0 ? p.Features : view.Features).Any(f => f.Name == feature)));

    /// <summary>Every feature view fed by the push source.</summary>
    public static IEnumerable<SecuredResource> Pushed(RegistrySnapshot registry, string pushSource) =>
        registry.ViewsFedBy(pushSource).Select(Secured);

    /// <summary>The view written to (a feature view, stream feature view or on-demand view).</summary>
    public static IEnumerable<SecuredResource> Written(RegistrySnapshot registry, string name) =>
        View(registry, name) is { } view ? [view] : [];

    /// <summary>The views a materialization loads, chosen as the SDK chooses them (all online views when none are named).</summary>
    public static IEnumerable<SecuredResource> Materialized(RegistrySnapshot registry, IReadOnlyList<string>? names) =>
        FeatureStore.ViewsToMaterialize(registry, names).Select(Secured);

    private static SecuredResource Secured(FeatureView view) =>
        new(view is StreamFeatureView ? PermissionResourceType.StreamFeatureView : PermissionResourceType.FeatureView, view);

    private static SecuredResource? View(RegistrySnapshot registry, string name) =>
        registry.FeatureViews.TryGetValue(name, out var fv) ? Secured(fv)
        : registry.StreamFeatureViews.TryGetValue(name, out var sfv) ? Secured(sfv)
        : registry.OnDemandFeatureViews.TryGetValue(name, out var odfv) ? new SecuredResource(PermissionResourceType.OnDemandFeatureView, odfv)
        : null;
}
