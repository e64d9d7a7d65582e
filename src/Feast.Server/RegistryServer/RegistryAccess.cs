using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Feast.Server.Security;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer;

/// <summary>
/// What a caller of the registry server (gRPC and REST) may see and change, as Feast's security manager decides it:
/// DESCRIBE for reads (lists are filtered to what the caller may describe), CREATE for applying a new object, DESCRIBE
/// and UPDATE (on the stored object and on the new one) for applying over an existing one, DELETE for a delete. Every
/// registry RPC and REST endpoint goes through this one type.
/// </summary>
/// <remarks>
/// <para>Without auth (<c>no_auth</c>) everyone may do everything. With auth, the permissions of the object's project
/// in the served registry decide, as Feast's <c>enforce_policy</c>: a project without permissions lets any named user
/// do anything; otherwise the permissions whose types, name patterns, required tags and actions all match the request
/// are asked in order and the first that grants the user decides (AFFIRMATIVE); none granting, or none matching, is a
/// <see cref="Permissions.FeastPermissionException"/> (403, PERMISSION_DENIED). A list leaves out what it may not show when the
/// permissions concerned restrict by name, and fails as a whole otherwise (Feast's <c>filter_only</c>).</para>
/// <para>A project's permissions are read once per registry version (the parsed registry message is the key), so a
/// list of a thousand views costs a match per view, not a parse.</para>
/// </remarks>
internal sealed class RegistryAccess(ServerAuthenticator authenticator)
{
    private static readonly Feast.AuthzedAction[] Describe = [Feast.AuthzedAction.Describe];
    private static readonly Feast.AuthzedAction[] DescribeUpdate = [Feast.AuthzedAction.Describe, Feast.AuthzedAction.Update];
    private static readonly Feast.AuthzedAction[] Create = [Feast.AuthzedAction.Create];

    private readonly ConditionalWeakTable<P.Registry, ConcurrentDictionary<string, ProjectPermissions>> _permissions = [];

    /// <summary>The caller of the request (its authenticated user, or anyone when the server runs without auth).</summary>
    /// <exception cref="UnauthenticatedException">Auth is on and the request carries no valid token.</exception>
    public async ValueTask<RegistryCaller> CallerAsync(HttpContext? http, CancellationToken cancellationToken)
    {
        if (!authenticator.Required) return RegistryCaller.Anyone;
        // AuthenticationMiddleware has checked the token before the body was read; a host without it checks here.
        var user = http?.Features.Get<AuthenticatedUser>()?.User
            ?? await authenticator.AuthenticateAsync(http?.Request.Headers.Authorization.ToString(), cancellationToken).ConfigureAwait(false);
        // Feast's intra-communication user: an internal call, which no permission restricts.
        return authenticator.IsInternal(user) ? RegistryCaller.Anyone : new RegistryCaller(user);
    }

    /// <summary>
    /// Throws <see cref="Permissions.FeastPermissionException"/> unless <paramref name="caller"/> may do every one of
    /// <paramref name="actions"/> on <paramref name="obj"/> (a Feast object message: entity, data source, a view of any
    /// kind, feature service, permission, project, saved dataset, validation reference) of <paramref name="project"/>,
    /// under the permissions <paramref name="registry"/> holds for that project.
    /// </summary>
    public void Assert(RegistryCaller caller, P.Registry registry, string project, IMessage obj, params Feast.AuthzedAction[] actions)
    {
        if (caller.User is not { } user) return;
        For(registry, project).Assert(user, SecuredObject.Of(obj), actions);
    }

    /// <summary>
    /// Throws unless <paramref name="caller"/> may apply <paramref name="obj"/> to <paramref name="project"/>: CREATE
    /// when <paramref name="existing"/> is null, else DESCRIBE and UPDATE on the stored object and on the new one
    /// (Feast's <c>assert_permissions_to_update</c>).
    /// </summary>
    public void AssertApply(RegistryCaller caller, P.Registry registry, string project, IMessage obj, IMessage? existing)
    {
        if (caller.User is not { } user) return;
        var permissions = For(registry, project);
        if (existing is null)
        {
            permissions.Assert(user, SecuredObject.Of(obj), Create);
            return;
        }
        permissions.Assert(user, SecuredObject.Of(existing), DescribeUpdate);
        permissions.Assert(user, SecuredObject.Of(obj), DescribeUpdate);
    }

    /// <summary>
    /// Throws unless <paramref name="caller"/> may apply <paramref name="message"/> (an object of <paramref name="kind"/>,
    /// as <see cref="Registry.FeastObjectBytes.Kinds"/> names it) to <paramref name="project"/>: CREATE when the registry
    /// holds no object of that kind and name there, else DESCRIBE and UPDATE (<see cref="AssertApply(RegistryCaller, P.Registry, string, IMessage, IMessage?)"/>).
    /// </summary>
    public void AssertApply(RegistryCaller caller, P.Registry registry, string project, string kind, IMessage message)
    {
        if (caller.User is null) return;
        var name = SecuredObject.Of(message).Name;
        AssertApply(caller, registry, project, message, Find(registry, project, name, kind));
    }

    /// <summary>
    /// Throws unless <paramref name="caller"/> may DELETE the object named <paramref name="name"/> of the first of
    /// <paramref name="kinds"/> the registry holds it as; nothing when it holds none (the delete answers NOT_FOUND).
    /// </summary>
    public void AssertDelete(RegistryCaller caller, P.Registry registry, string project, string name, IEnumerable<string> kinds)
    {
        if (caller.User is null) return;
        foreach (var kind in kinds)
        {
            if (Find(registry, project, name, kind) is not { } stored) continue;
            Assert(caller, registry, project, stored, Feast.AuthzedAction.Delete);
            return;
        }
    }

    /// <summary>The stored object of <paramref name="kind"/> named <paramref name="name"/> in <paramref name="project"/>, if any.</summary>
    private static IMessage? Find(P.Registry registry, string project, string name, string kind) => kind switch
    {
        "Entity" => registry.Entities.FirstOrDefault(e => e.Spec?.Project == project && e.Spec.Name == name),
        "DataSource" => registry.DataSources.FirstOrDefault(d => d.Project == project && d.Name == name),
        "FeatureView" => registry.FeatureViews.FirstOrDefault(v => v.Spec?.Project == project && v.Spec.Name == name),
        "StreamFeatureView" => registry.StreamFeatureViews.FirstOrDefault(v => v.Spec?.Project == project && v.Spec.Name == name),
        "OnDemandFeatureView" => registry.OnDemandFeatureViews.FirstOrDefault(v => v.Spec?.Project == project && v.Spec.Name == name),
        "FeatureService" => registry.FeatureServices.FirstOrDefault(s => s.Spec?.Project == project && s.Spec.Name == name),
        "Permission" => registry.Permissions.FirstOrDefault(p => p.Spec?.Project == project && p.Spec.Name == name),
        "Project" => FindProject(registry, name),
        "SavedDataset" => registry.SavedDatasets.FirstOrDefault(d => d.Spec?.Project == project && d.Spec.Name == name),
        "ValidationReference" => registry.ValidationReferences.FirstOrDefault(r => r.Project == project && r.Name == name),
        _ => throw new ArgumentException($"'{kind}' is not a registry object kind.", nameof(kind)),
    };

    /// <summary>The objects of <paramref name="items"/> (all of <paramref name="project"/>) that <paramref name="caller"/> may DESCRIBE.</summary>
    /// <exception cref="Permissions.FeastPermissionException">An object is denied in a way Feast fails a list for (see the remarks).</exception>
    public IEnumerable<T> Filter<T>(RegistryCaller caller, P.Registry registry, string project, IEnumerable<T> items) where T : IMessage
    {
        if (caller.User is not { } user) return items;
        var permissions = For(registry, project);
        var permitted = new List<T>();
        foreach (var item in items)
        {
            if (permissions.Permits(user, SecuredObject.Of(item), Describe)) permitted.Add(item);
        }
        return permitted;
    }

    /// <summary>The projects of <paramref name="projects"/> that <paramref name="caller"/> may DESCRIBE (each under its own permissions).</summary>
    public IEnumerable<P.Project> FilterProjects(RegistryCaller caller, P.Registry registry, IEnumerable<P.Project> projects)
    {
        if (caller.User is not { } user) return projects;
        return projects.Where(p => For(registry, p.Spec?.Name ?? "").Permits(user, SecuredObject.Of(p), Describe)).ToList();
    }

    /// <summary>
    /// Throws unless <paramref name="caller"/> may DESCRIBE project <paramref name="name"/>; a project not in the
    /// registry needs CREATE when <paramref name="createIfMissing"/> (Feast's <c>GetInfra</c>), nothing otherwise
    /// (<c>ListProjectMetadata</c>).
    /// </summary>
    public void AssertProject(RegistryCaller caller, P.Registry registry, string name, bool createIfMissing)
    {
        if (caller.User is null) return;
        if (FindProject(registry, name) is { } project) Assert(caller, registry, name, project, Feast.AuthzedAction.Describe);
        else if (createIfMissing) Assert(caller, registry, name, NewProject(name), Feast.AuthzedAction.Create);
    }

    /// <summary>Throws unless <paramref name="caller"/> may refresh project <paramref name="name"/>: create or update it (Feast's <c>Refresh</c>).</summary>
    public void AssertRefresh(RegistryCaller caller, P.Registry registry, string name)
    {
        if (caller.User is null) return;
        AssertApply(caller, registry, name, NewProject(name), FindProject(registry, name));
    }

    /// <summary>
    /// The registry as <paramref name="caller"/> may see it (the <c>Proto</c> RPC): the projects it may DESCRIBE and,
    /// of each, the objects it may DESCRIBE, with the registry's version and time; everything without auth.
    /// </summary>
    public P.Registry Visible(RegistryCaller caller, P.Registry registry)
    {
        if (caller.User is null) return registry;
        var visible = new P.Registry
        {
            RegistrySchemaVersion = registry.RegistrySchemaVersion,
            VersionId = registry.VersionId,
            LastUpdated = registry.LastUpdated,
        };
        foreach (var project in FilterProjects(caller, registry, registry.Projects))
        {
            var name = project.Spec.Name;
            visible.Projects.Add(project);
            visible.Entities.Add(Filter(caller, registry, name, registry.Entities.Where(e => e.Spec?.Project == name)));
            visible.DataSources.Add(Filter(caller, registry, name, registry.DataSources.Where(d => d.Project == name)));
            visible.FeatureViews.Add(Filter(caller, registry, name, registry.FeatureViews.Where(v => v.Spec?.Project == name)));
            visible.StreamFeatureViews.Add(Filter(caller, registry, name, registry.StreamFeatureViews.Where(v => v.Spec?.Project == name)));
            visible.OnDemandFeatureViews.Add(Filter(caller, registry, name, registry.OnDemandFeatureViews.Where(v => v.Spec?.Project == name)));
            visible.FeatureServices.Add(Filter(caller, registry, name, registry.FeatureServices.Where(s => s.Spec?.Project == name)));
            visible.SavedDatasets.Add(Filter(caller, registry, name, registry.SavedDatasets.Where(d => d.Spec?.Project == name)));
            visible.ValidationReferences.Add(Filter(caller, registry, name, registry.ValidationReferences.Where(r => r.Project == name)));
            visible.Permissions.Add(Filter(caller, registry, name, registry.Permissions.Where(p => p.Spec?.Project == name)));
        }
        return visible;
    }

    private static P.Project? FindProject(P.Registry registry, string name) => registry.Projects.FirstOrDefault(p => p.Spec?.Name == name);

    private static P.Project NewProject(string name) => new() { Spec = new P.ProjectSpec { Name = name } };

    private ProjectPermissions For(P.Registry registry, string project) =>
        _permissions.GetValue(registry, _ => new ConcurrentDictionary<string, ProjectPermissions>(StringComparer.Ordinal))
            .GetOrAdd(project, static (p, r) => ProjectPermissions.Read(r, p), registry);
}

/// <summary>Who is calling the registry server.</summary>
/// <param name="User">The authenticated user; <see langword="null"/> when the server runs without auth (anyone may do anything).</param>
internal sealed record RegistryCaller(Permissions.FeastUser? User)
{
    /// <summary>The caller of a server without auth.</summary>
    public static readonly RegistryCaller Anyone = new((Permissions.FeastUser?)null);

    /// <summary>Whether permissions are checked for this caller (the server runs with auth); a writer reads the registry fresh only then.</summary>
    public bool IsChecked => User is not null;
}
