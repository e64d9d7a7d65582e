using Feast.Planning;
using Feast.Registry;
using Feast.Transformations;

namespace Feast;

public sealed partial class FeatureStore
{
    /// <summary>
    /// Creates or updates one object in this project's registry (an entity, a data source, a batch, stream or on-demand
    /// feature view, a feature service, a permission, or the project itself), leaving every other object as it is, and
    /// creates its online storage: <c>feast apply</c> of one object, without a repo. Unlike
    /// <see cref="ApplyAsync(RepoDefinitions, ApplyOptions, CancellationToken)"/>, objects not given are not removed. To write
    /// the registry only, or into another project (what a registry server does), use <see cref="RegistryWriter"/>.
    /// </summary>
    /// <remarks>
    /// The object is checked against the registry's other objects with the rules apply uses across a repo: a feature view's
    /// entities and data sources must be registered (apply them first), a feature service's or on-demand view's views must
    /// exist and have the features selected, names must not clash. What the object leaves out is inferred from its sources
    /// as apply infers it, and a batch feature view's source is validated unless <see cref="ApplyOptions.SkipSourceValidation"/>.
    /// The check and the write run under the registry store's write lock, with the view's online storage created (or
    /// dropped, for a view that stops being online) as apply does, so concurrent writers are serialised and none is lost.
    /// An object equal to the registered one writes nothing; an updated one keeps its creation time, gets a new update
    /// time and moves to the end of its kind's list, as apply moves it.
    /// </remarks>
    /// <param name="obj">The object to create or update.</param>
    /// <param name="options">Whether to validate a view's batch source; <see cref="ApplyOptions.Default"/> when null.</param>
    /// <param name="cancellationToken">Cancels reading sources, the registry write and the online store update.</param>
    /// <returns>What changed: the object (and, in a project's first write, the project and its dummy entity), or nothing.</returns>
    /// <exception cref="ArgumentException">The object is of a kind that cannot be applied on its own.</exception>
    /// <exception cref="FeastValidationException">The object breaks one of Feast's rules or references an object the registry does not hold; nothing is written.</exception>
    public async Task<RegistryPlan> ApplyObjectAsync(FeastObject obj, ApplyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(obj);
        options ??= ApplyOptions.Default;
        var kind = ObjectApply.KindOf(obj);

        // Outside the lock, as apply does: the slow work of reading sources, against the registry as it is now.
        var current = await GetRegistryAsync(allowCache: false, cancellationToken).ConfigureAwait(false);
        var schemas = new SourceSchemas(() => OfflineStore);
        var inferred = ObjectApply.Pick(
            await SourceInference.InferAsync(ObjectApply.ForInference(obj, current), schemas, cancellationToken).ConfigureAwait(false), obj);
        var prepared = ObjectApply.Prepare(current, inferred, Project);
        if (prepared is OnDemandFeatureView { Mode: OnDemandFeatureView.CSharpMode } odfv && !string.IsNullOrWhiteSpace(odfv.Udf?.BodyText))
            OnDemandTransforms.Validate(odfv);
        string? notValidated = null;
        if (!options.SkipSourceValidation && prepared is FeatureView and not StreamFeatureView)
        {
            notValidated = await SourceValidation.ValidateAsync(RepoDefinitions.From([prepared]), schemas, cancellationToken).ConfigureAwait(false);
            if (notValidated is not null)
            {
                notValidated = $"Data sources were not validated: {notValidated}. Register a backend for offline_store type '{Config.OfflineStore.Type}', or skip validation (ApplyOptions.SkipSourceValidation).";
                FeatureStoreLog.SourcesNotValidated(_logger, Project, notValidated);
            }
        }
        if (prepared is OnDemandFeatureView { Transform: { } transform }) _localTransforms[prepared.Name] = transform;

        var online = prepared is BaseFeatureView ? RegistryPlanner.OnlineViews(RepoDefinitions.From([prepared])) : [];
        RegistryPlan? plan = null;
        var written = await RegistryStore.UpdateAsync(async (registry, ct) =>
        {
            // Checked again under the lock: another writer may have removed what the object references since.
            plan = ObjectApply.Apply(registry.Proto, prepared, Project, _time.GetUtcNow(), _backends);
            if (OnlineStore is not null && (online.Count > 0 || plan.ViewsToDelete.Count > 0))
                await OnlineStore.UpdateAsync(Project, online, plan.ViewsToDelete, ct).ConfigureAwait(false);
            return plan.HasChanges;
        }, cancellationToken).ConfigureAwait(false);
        _registry.Set(written);
        FeatureStoreLog.AppliedObject(_logger, kind, obj.Name, Project, plan!.Changes.Count);
        return plan with { SourcesNotValidated = notValidated };
    }
}
