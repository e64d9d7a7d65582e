using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer;

/// <summary>
/// What a caller of the registry server (gRPC and REST) may see and change, as Feast's security manager decides it:
/// DESCRIBE for reads (lists are filtered to what the caller may describe), CREATE or UPDATE for an apply, DELETE for a
/// delete. Every registry RPC and REST endpoint goes through this one type.
/// </summary>
/// <remarks>
/// The seam of tracker #15's permission work: until it is filled in every caller may do everything (the server still
/// authenticates every request when <c>auth</c> asks for it).
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "The permission work gives these members state (the server state and authenticator).")]
internal sealed class RegistryAccess
{
    /// <summary>The caller of the request (its authenticated user, or anyone when the server runs without auth).</summary>
    public ValueTask<RegistryCaller> CallerAsync(HttpContext? http, CancellationToken cancellationToken) =>
        ValueTask.FromResult(RegistryCaller.Anyone);

    /// <summary>
    /// Throws <see cref="Permissions.FeastPermissionException"/> unless <paramref name="caller"/> may do every one of
    /// <paramref name="actions"/> on <paramref name="obj"/> (a Feast object message: entity, data source, a view of any
    /// kind, feature service, permission, project, saved dataset, validation reference) of <paramref name="project"/>,
    /// under the permissions <paramref name="registry"/> holds for that project.
    /// </summary>
    public void Assert(RegistryCaller caller, P.Registry registry, string project, IMessage obj, params Feast.AuthzedAction[] actions)
    {
    }

    /// <summary>The objects of <paramref name="items"/> (all of <paramref name="project"/>) that <paramref name="caller"/> may DESCRIBE.</summary>
    public IEnumerable<T> Filter<T>(RegistryCaller caller, P.Registry registry, string project, IEnumerable<T> items) where T : IMessage => items;
}

/// <summary>Who is calling the registry server.</summary>
/// <param name="User">The authenticated user; <see langword="null"/> when the server runs without auth (anyone may do anything).</param>
internal sealed record RegistryCaller(Permissions.FeastUser? User)
{
    /// <summary>The caller of a server without auth.</summary>
    public static readonly RegistryCaller Anyone = new((Permissions.FeastUser?)null);
}
