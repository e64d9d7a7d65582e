using Feast.Registry;

namespace Feast;

public sealed partial class FeatureStore
{
    /// <summary>
    /// Removes the object called <paramref name="name"/> from this project's registry, whatever its kind (entity, feature
    /// view, stream or on-demand feature view, feature service, data source, saved dataset, validation reference,
    /// permission), and drops the online storage of a removed view: what <c>feast delete NAME</c> does. When several kinds
    /// hold the name, Feast's order decides: entity, feature view, feature service, data source, saved dataset, validation
    /// reference, stream feature view, on-demand feature view, then permission.
    /// </summary>
    /// <remarks>
    /// The lookup, the reference check and the removal run under the registry store's write lock, so a concurrent
    /// <c>apply</c> is never lost and a failed delete writes nothing. Unlike Python Feast, an object other objects still
    /// reference (an entity a view uses, a view a feature service selects, ...) is not deleted: that would leave the
    /// registry pointing at nothing.
    /// </remarks>
    /// <param name="name">The object's name.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What was removed.</returns>
    /// <exception cref="ObjectNameNotFoundException">No object has that name (the message suggests a close one).</exception>
    /// <exception cref="ObjectInUseException">Other objects reference it; nothing is changed.</exception>
    /// <exception cref="FeastValidationException">The name is Feast's built-in dummy entity.</exception>
    public Task<DeletedObject> DeleteObjectAsync(string name, CancellationToken cancellationToken = default) =>
        DeleteAsync(null, name, cancellationToken);

    /// <summary>
    /// Removes the object of <paramref name="kind"/> called <paramref name="name"/> from this project's registry, and drops
    /// the online storage of a removed view (a registry server, which writes the registry only, uses
    /// <see cref="RegistryWriter.DeleteObjectAsync"/>). As
    /// <see cref="DeleteObjectAsync(string, CancellationToken)"/>, but only that kind is searched.
    /// </summary>
    /// <param name="kind">The kind as Feast names it: <c>Entity</c>, <c>DataSource</c>, <c>FeatureView</c>, <c>StreamFeatureView</c>,
    /// <c>OnDemandFeatureView</c>, <c>FeatureService</c>, <c>Permission</c>, <c>SavedDataset</c> or <c>ValidationReference</c>.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What was removed.</returns>
    /// <exception cref="ArgumentException"><paramref name="kind"/> is not one of those kinds.</exception>
    /// <exception cref="FeastObjectNotFoundException">No object of that kind has that name (<see cref="EntityNotFoundException"/>, <see cref="FeatureViewNotFoundException"/>, ... for the kinds that have one).</exception>
    /// <exception cref="ObjectInUseException">Other objects reference it (a view uses the entity, a service selects the view, ...); nothing is changed.</exception>
    /// <exception cref="FeastValidationException">The name is Feast's built-in dummy entity.</exception>
    public Task<DeletedObject> DeleteObjectAsync(string kind, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        RegistryDeletion.CheckKind(kind);
        return DeleteAsync(kind, name, cancellationToken);
    }

    private async Task<DeletedObject> DeleteAsync(string? kind, string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        DeletedObject? deleted = null;
        // The view's storage goes under the registry's lock, as apply changes it, so a concurrent apply that
        // names the view again cannot have its fresh table dropped by this delete.
        var written = await RegistryStore.UpdateAsync(async (registry, ct) =>
        {
            deleted = RegistryDeletion.Delete(registry.Proto, Project, name, kind);
            if (OnlineStore is not null && deleted.OnlineViews.Count > 0)
                await OnlineStore.UpdateAsync(Project, [], deleted.OnlineViews, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        _registry.Set(written);
        if (deleted!.Kind == "OnDemandFeatureView") _localTransforms.TryRemove(name, out _);
        FeatureStoreLog.Deleted(_logger, deleted!.Kind, name, Project);
        return deleted;
    }
}
