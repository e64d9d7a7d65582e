using Feast.Protos.Registry;
using Feast.Registry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Feast.Server.RegistryServer;

/// <summary>
/// The write RPCs of <c>feast.registry.RegistryServer</c>: each <c>Apply*</c> reads the object from the request's Feast
/// message (plug-in data-source kinds included, through the store's backends) and writes it into the request's project
/// with <see cref="RegistryWriter.ApplyObjectAsync"/> (checked against that project's objects as apply checks them);
/// each <c>Delete*</c> removes it with <see cref="RegistryWriter.DeleteObjectAsync"/>. As in Feast, any project of the
/// registry is written (a new one is created by its first object) and only the registry changes: the client creates its
/// online tables. Every write is atomic and stored at once, so <c>commit</c> is accepted and changes nothing. The reader
/// takes the registry each write stored (<see cref="RegistryWriter.Written"/>), so the next cached read sees the write.
/// </summary>
internal partial class FeastRegistryService
{
    /// <summary><c>ApplyEntity</c>.</summary>
    public virtual Task<Empty> ApplyEntity(ApplyEntityRequest request, ServerCallContext context) =>
        Apply(nameof(ApplyEntity), context, request.Project, "Entity", request.Entity);

    /// <summary><c>ApplyDataSource</c>.</summary>
    public virtual Task<Empty> ApplyDataSource(ApplyDataSourceRequest request, ServerCallContext context) =>
        Apply(nameof(ApplyDataSource), context, request.Project, "DataSource", request.DataSource);

    /// <summary><c>ApplyFeatureView</c>: a batch, stream or on-demand view, whichever the request's oneof holds.</summary>
    public virtual Task<Empty> ApplyFeatureView(ApplyFeatureViewRequest request, ServerCallContext context) =>
        request.BaseFeatureViewCase switch
        {
            ApplyFeatureViewRequest.BaseFeatureViewOneofCase.StreamFeatureView =>
                Apply(nameof(ApplyFeatureView), context, request.Project, "StreamFeatureView", request.StreamFeatureView),
            ApplyFeatureViewRequest.BaseFeatureViewOneofCase.OnDemandFeatureView =>
                Apply(nameof(ApplyFeatureView), context, request.Project, "OnDemandFeatureView", request.OnDemandFeatureView),
            _ => Apply(nameof(ApplyFeatureView), context, request.Project, "FeatureView", request.FeatureView),
        };

    /// <summary><c>ApplyFeatureService</c>.</summary>
    public virtual Task<Empty> ApplyFeatureService(ApplyFeatureServiceRequest request, ServerCallContext context) =>
        Apply(nameof(ApplyFeatureService), context, request.Project, "FeatureService", request.FeatureService);

    /// <summary><c>ApplyPermission</c>.</summary>
    public virtual Task<Empty> ApplyPermission(ApplyPermissionRequest request, ServerCallContext context) =>
        Apply(nameof(ApplyPermission), context, request.Project, "Permission", request.Permission);

    /// <summary><c>ApplyProject</c>: creates or updates the project named in the message (its description, tags, owner).</summary>
    public virtual Task<Empty> ApplyProject(ApplyProjectRequest request, ServerCallContext context) =>
        Apply(nameof(ApplyProject), context, request.Project?.Spec?.Name ?? "", "Project", request.Project);

    /// <summary><c>DeleteEntity</c>.</summary>
    public virtual Task<Empty> DeleteEntity(DeleteEntityRequest request, ServerCallContext context) =>
        Delete(nameof(DeleteEntity), context, request.Project, request.Name, "Entity");

    /// <summary><c>DeleteDataSource</c>.</summary>
    public virtual Task<Empty> DeleteDataSource(DeleteDataSourceRequest request, ServerCallContext context) =>
        Delete(nameof(DeleteDataSource), context, request.Project, request.Name, "DataSource");

    /// <summary><c>DeleteFeatureView</c>: a batch, stream or on-demand view of that name, as Feast's deletes any of them.</summary>
    public virtual Task<Empty> DeleteFeatureView(DeleteFeatureViewRequest request, ServerCallContext context) =>
        Delete(nameof(DeleteFeatureView), context, request.Project, request.Name, "FeatureView", "StreamFeatureView", "OnDemandFeatureView");

    /// <summary><c>DeleteFeatureService</c>.</summary>
    public virtual Task<Empty> DeleteFeatureService(DeleteFeatureServiceRequest request, ServerCallContext context) =>
        Delete(nameof(DeleteFeatureService), context, request.Project, request.Name, "FeatureService");

    /// <summary><c>DeletePermission</c>.</summary>
    public virtual Task<Empty> DeletePermission(DeletePermissionRequest request, ServerCallContext context) =>
        Delete(nameof(DeletePermission), context, request.Project, request.Name, "Permission");

    private Task<Empty> Apply(string rpc, ServerCallContext context, string project, string kind, IMessage? message) =>
        Run(rpc, context, async ct =>
        {
            await ApplyObjectAsync(context.GetHttpContext(), project, kind, message, ct).ConfigureAwait(false);
            await StampAsync(context, project, kind, message is null ? null : SecuredObject.Of(message).Name, ct).ConfigureAwait(false);
            return new Empty();
        });

    /// <summary>Applies one object of <paramref name="kind"/> to <paramref name="project"/> for the caller of <paramref name="http"/> (the RPCs and the REST API's writes).</summary>
    internal async Task ApplyObjectAsync(HttpContext? http, string project, string kind, IMessage? message, CancellationToken ct)
    {
        Require(project, "project");
        if (message is null) throw new RequestBodyException($"The request holds no {kind}; give the {kind} to apply.");
        var caller = await access.CallerAsync(http, ct).ConfigureAwait(false);
        if (caller.IsChecked) access.AssertApply(caller, await reader.GetAsync(allowCache: false, ct).ConfigureAwait(false), project, kind, message);
        FeastObject obj;
        try
        {
            obj = FeastObjectBytes.Read(kind, message.ToByteArray(), state.Store.Backends);
        }
        catch (RegistryException e)
        {
            throw new RequestBodyException(e.Message);
        }
        await state.Store.RegistryWriter.ApplyObjectAsync(project, obj, ct).ConfigureAwait(false);
    }

    private Task<Empty> Delete(string rpc, ServerCallContext context, string project, string name, params string[] kinds) =>
        Run(rpc, context, async ct =>
        {
            await DeleteObjectAsync(context.GetHttpContext(), project, name, kinds, ct).ConfigureAwait(false);
            await StampAsync(context, project, kind: null, name: null, ct).ConfigureAwait(false);
            return new Empty();
        });

    /// <summary>The write's <see cref="WriteStamps"/> trailers, when the client asks for them and the server runs without auth.</summary>
    private async Task StampAsync(ServerCallContext context, string project, string? kind, string? name, CancellationToken ct)
    {
        if (!WriteStamps.Asked(context)) return;
        if ((await access.CallerAsync(context.GetHttpContext(), ct).ConfigureAwait(false)).IsChecked) return;
        // The registry the write left (taken by the reader from the writer, not read again); a concurrent write may have
        // replaced it since, and then the client's copy does not hash to it and the client reads the registry instead.
        var registry = await reader.GetAsync(allowCache: true, ct).ConfigureAwait(false);
        var bytes = ListAnswers.TryGetBytes(registry, out var kept) ? kept : registry.ToByteArray();
        WriteStamps.Add(context, registry, bytes, project, kind, name);
    }

    /// <summary>Deletes the object <paramref name="name"/> of one of <paramref name="kinds"/> for the caller of <paramref name="http"/> (the RPCs and the REST API's writes).</summary>
    internal async Task DeleteObjectAsync(HttpContext? http, string project, string name, string[] kinds, CancellationToken ct)
    {
        Require(project, "project");
        Require(name, "name");
        var caller = await access.CallerAsync(http, ct).ConfigureAwait(false);
        if (caller.IsChecked) access.AssertDelete(caller, await reader.GetAsync(allowCache: false, ct).ConfigureAwait(false), project, name, kinds);
        for (var i = 0; ; i++)
        {
            try
            {
                await state.Store.RegistryWriter.DeleteObjectAsync(project, kinds[i], name, ct).ConfigureAwait(false);
                break;
            }
            catch (FeastObjectNotFoundException) when (i < kinds.Length - 1)
            {
                // Not of this kind: look among the next one (DeleteFeatureView covers every kind of view).
            }
            catch (FeastObjectNotFoundException) when (kinds.Length > 1)
            {
                throw new FeatureViewNotFoundException(name, project);
            }
        }
    }
}
