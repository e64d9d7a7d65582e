using Feast.Permissions;
using Feast.Protos.Registry;
using Feast.Registry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer;

/// <summary>
/// The rest of <c>feast.registry.RegistryServer</c>'s writes, answered as Feast's registry server answers them and
/// written with the store's <see cref="RegistryWriter"/> (registry only, one atomic write each): saved datasets and
/// validation references (stored and returned as given), <c>DeleteProject</c> (the project and everything it holds),
/// <c>ApplyMaterialization</c> (an interval appended to the view's <c>meta.materialization_intervals</c>),
/// <c>UpdateInfra</c> (the registry's <c>infra</c>, which <c>GetInfra</c> answers) and <c>Commit</c> (a no-op: every write
/// is stored when it is made). Each write asks <see cref="RegistryAccess"/> first: CREATE for a new object, UPDATE for an
/// existing one, DELETE for a delete, WRITE_ONLINE for a materialization, as Feast's server asks.
/// </summary>
internal partial class FeastRegistryService
{
    /// <summary><c>ApplySavedDataset</c>.</summary>
    public virtual Task<Empty> ApplySavedDataset(ApplySavedDatasetRequest request, ServerCallContext context) =>
        Run(nameof(ApplySavedDataset), context, async ct =>
        {
            await ApplySavedDatasetAsync(context.GetHttpContext(), request.Project, request.SavedDataset, ct).ConfigureAwait(false);
            return Stored();
        });

    /// <summary>Applies a saved dataset for the caller of <paramref name="http"/> (the RPC and the REST API's writes).</summary>
    internal async Task ApplySavedDatasetAsync(HttpContext? http, string project, P.SavedDataset? dataset, CancellationToken ct)
    {
        Require(project, "project");
        if (dataset is null) throw new RequestBodyException("The request holds no SavedDataset; give the SavedDataset to apply.");
        await AuthorizeAsync(http, project, dataset,
            r => r.SavedDatasets.Any(d => d.Spec?.Project == project && d.Spec.Name == dataset.Spec?.Name), ct).ConfigureAwait(false);
        await Writer.ApplySavedDatasetAsync(project, dataset.ToByteArray(), ct).ConfigureAwait(false);
    }

    /// <summary><c>DeleteSavedDataset</c>: a saved dataset a validation reference still uses is not deleted (FAILED_PRECONDITION).</summary>
    public virtual Task<Empty> DeleteSavedDataset(DeleteSavedDatasetRequest request, ServerCallContext context) =>
        Run(nameof(DeleteSavedDataset), context, async ct =>
        {
            await DeleteSavedDatasetAsync(context.GetHttpContext(), request.Project, request.Name, ct).ConfigureAwait(false);
            return Stored();
        });

    /// <summary>Deletes a saved dataset for the caller of <paramref name="http"/> (the RPC and the REST API's writes).</summary>
    internal async Task DeleteSavedDatasetAsync(HttpContext? http, string project, string name, CancellationToken ct)
    {
        Require(project, "project");
        Require(name, "name");
        var registry = await reader.GetAsync(allowCache: false, ct).ConfigureAwait(false);
        var dataset = registry.SavedDatasets.LastOrDefault(d => d.Spec?.Project == project && d.Spec.Name == name)
            ?? throw new FeastNamedNotFoundException("SavedDatasetNotFound", "Saved dataset", name, project);
        await AssertAsync(http, registry, project, dataset, AuthzedAction.Delete, ct).ConfigureAwait(false);
        await Writer.DeleteObjectAsync(project, "SavedDataset", name, ct).ConfigureAwait(false);
    }

    /// <summary><c>ApplyValidationReference</c>.</summary>
    public virtual Task<Empty> ApplyValidationReference(ApplyValidationReferenceRequest request, ServerCallContext context) =>
        Run(nameof(ApplyValidationReference), context, async ct =>
        {
            Require(request.Project, "project");
            var reference = request.ValidationReference
                ?? throw new RequestBodyException("The request holds no ValidationReference; give the ValidationReference to apply.");
            await AuthorizeAsync(context.GetHttpContext(), request.Project, reference,
                r => r.ValidationReferences.Any(v => v.Project == request.Project && v.Name == reference.Name), ct).ConfigureAwait(false);
            await Writer.ApplyValidationReferenceAsync(request.Project, reference.ToByteArray(), ct).ConfigureAwait(false);
            return Stored();
        });

    /// <summary><c>DeleteValidationReference</c>.</summary>
    public virtual Task<Empty> DeleteValidationReference(DeleteValidationReferenceRequest request, ServerCallContext context) =>
        Run(nameof(DeleteValidationReference), context, async ct =>
        {
            Require(request.Project, "project");
            Require(request.Name, "name");
            var registry = await reader.GetAsync(allowCache: false, ct).ConfigureAwait(false);
            var reference = registry.ValidationReferences.LastOrDefault(v => v.Project == request.Project && v.Name == request.Name)
                ?? throw new FeastNamedNotFoundException("ValidationReferenceNotFound", "Validation reference", request.Name, request.Project);
            await AssertAsync(context.GetHttpContext(), registry, request.Project, reference, AuthzedAction.Delete, ct).ConfigureAwait(false);
            await Writer.DeleteObjectAsync(request.Project, "ValidationReference", request.Name, ct).ConfigureAwait(false);
            return Stored();
        });

    /// <summary>
    /// <c>DeleteProject</c>: the project with everything it holds (validation references, saved datasets, feature services,
    /// views, data sources, entities, permissions, its metadata), as Feast's <c>delete_project</c>; unknown: NOT_FOUND.
    /// </summary>
    public virtual Task<Empty> DeleteProject(DeleteProjectRequest request, ServerCallContext context) =>
        Run(nameof(DeleteProject), context, async ct =>
        {
            Require(request.Name, "name");
            var registry = await reader.GetAsync(allowCache: false, ct).ConfigureAwait(false);
            var project = registry.Projects.LastOrDefault(p => p.Spec?.Name == request.Name) ?? throw new ProjectObjectNotFoundException(request.Name);
            await AssertAsync(context.GetHttpContext(), registry, request.Name, project, AuthzedAction.Delete, ct).ConfigureAwait(false);
            await Writer.DeleteProjectAsync(request.Name, ct).ConfigureAwait(false);
            return Stored();
        });

    /// <summary>
    /// <c>ApplyMaterialization</c>: appends [start_date, end_date] to the registered batch or stream view's
    /// <c>meta.materialization_intervals</c> (the request's view names it); needs WRITE_ONLINE on the view, as in Feast.
    /// </summary>
    public virtual Task<Empty> ApplyMaterialization(ApplyMaterializationRequest request, ServerCallContext context) =>
        Run(nameof(ApplyMaterialization), context, async ct =>
        {
            Require(request.Project, "project");
            var name = request.FeatureView?.Spec?.Name ?? "";
            if (string.IsNullOrWhiteSpace(name))
                throw new RequestBodyException("The request holds no feature view name; give the FeatureView that was materialized.");
            if (request.StartDate is null || request.EndDate is null)
                throw new RequestBodyException("The request needs both start_date and end_date: the interval that was materialized.");
            var registry = await reader.GetAsync(allowCache: false, ct).ConfigureAwait(false);
            IMessage view = registry.FeatureViews.LastOrDefault(v => v.Spec?.Project == request.Project && v.Spec.Name == name)
                ?? (IMessage?)registry.StreamFeatureViews.LastOrDefault(v => v.Spec?.Project == request.Project && v.Spec.Name == name)
                ?? throw new FeatureViewNotFoundException(name, request.Project);
            await AssertAsync(context.GetHttpContext(), registry, request.Project, view, AuthzedAction.WriteOnline, ct).ConfigureAwait(false);
            await Writer.ApplyMaterializationAsync(request.Project, name, request.StartDate.ToDateTimeOffset(), request.EndDate.ToDateTimeOffset(), ct)
                .ConfigureAwait(false);
            return Stored();
        });

    /// <summary>
    /// <c>UpdateInfra</c>: stores the request's infra as the registry's (what <c>GetInfra</c> answers); CREATE or UPDATE on
    /// the project, which is created when new, as in Feast.
    /// </summary>
    public virtual Task<Empty> UpdateInfra(UpdateInfraRequest request, ServerCallContext context) =>
        Run(nameof(UpdateInfra), context, async ct =>
        {
            Require(request.Project, "project");
            var registry = await reader.GetAsync(allowCache: false, ct).ConfigureAwait(false);
            var project = registry.Projects.LastOrDefault(p => p.Spec?.Name == request.Project);
            await AssertAsync(context.GetHttpContext(), registry, request.Project, project ?? NewProject(request.Project),
                project is null ? AuthzedAction.Create : AuthzedAction.Update, ct).ConfigureAwait(false);
            await Writer.UpdateInfraAsync(request.Project, (request.Infra ?? new P.Infra()).ToByteArray(), ct).ConfigureAwait(false);
            return Stored();
        });

    /// <summary>
    /// <c>Commit</c>: nothing to do, as every write is stored atomically when it is made (Feast's SQL registry does the
    /// same). As in Feast, a caller needs CREATE or UPDATE on at least one project of the registry (when it has any).
    /// </summary>
    public virtual Task<Empty> Commit(Empty request, ServerCallContext context) =>
        Run(nameof(Commit), context, async ct =>
        {
            var registry = await reader.GetAsync(allowCache: true, ct).ConfigureAwait(false);
            var caller = await access.CallerAsync(context.GetHttpContext(), ct).ConfigureAwait(false);
            FeastPermissionException? refused = null;
            foreach (var project in registry.Projects)
            {
                foreach (var action in new[] { AuthzedAction.Update, AuthzedAction.Create })
                {
                    try
                    {
                        access.Assert(caller, registry, project.Spec.Name, project, action);
                        return new Empty();
                    }
                    catch (FeastPermissionException e)
                    {
                        refused = e;
                    }
                }
            }
            if (refused is not null)
                throw new FeastPermissionException("Not authorized to commit registry changes: CREATE or UPDATE permission required on at least one project.");
            return new Empty();
        });

    private RegistryWriter Writer => state.Store.RegistryWriter;

    /// <summary>Asks whether the caller may create (when new) or update <paramref name="obj"/>.</summary>
    private async Task AuthorizeAsync(HttpContext? http, string project, IMessage obj, Func<P.Registry, bool> exists, CancellationToken ct)
    {
        var registry = await reader.GetAsync(allowCache: false, ct).ConfigureAwait(false);
        await AssertAsync(http, registry, project, obj, exists(registry) ? AuthzedAction.Update : AuthzedAction.Create, ct).ConfigureAwait(false);
    }

    private async Task AssertAsync(HttpContext? http, P.Registry registry, string project, IMessage obj, AuthzedAction action, CancellationToken ct)
    {
        var caller = await access.CallerAsync(http, ct).ConfigureAwait(false);
        access.Assert(caller, registry, project, obj, action);
    }

    /// <summary>Answers a write: the reader already took the registry it stored (<see cref="RegistryWriter.Written"/>), so the next cached read sees it.</summary>
    private static Empty Stored() => new();

    private static P.Project NewProject(string name) => new() { Spec = new P.ProjectSpec { Name = name } };
}
