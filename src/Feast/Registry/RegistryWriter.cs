using Feast.Planning;
using Feast.Transformations;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using P = Feast.Protos.Core;

// Python Feast still writes Registry.project_metadata (a project uuid per project), so a project's first write does too.
#pragma warning disable CS0612

namespace Feast.Registry;

/// <summary>
/// Writes one object at a time into any project of a registry store, touching the registry only: what Feast's registry
/// server does for its <c>Apply*</c>, <c>Delete*</c>, <c>DeleteProject</c>, <c>ApplyMaterialization</c> and
/// <c>UpdateInfra</c> calls. No online table is created or dropped and no data source is read (a client's
/// <c>feast apply</c> infers what its objects leave out and creates its online tables itself); use
/// <see cref="FeatureStore.ApplyObjectAsync"/> for a write that does both for the store's own project.
/// </summary>
/// <remarks>
/// Every write is one read-modify-write under the store's lock (<see cref="IRegistryStore.UpdateAsync(Func{RegistryData, CancellationToken, ValueTask{bool}}, CancellationToken)"/>),
/// so it is atomic and concurrent writers, in this process or others, are serialised. An object is checked against its
/// project's other objects as apply checks a repo (a feature view's entities and sources must be registered in that
/// project, a feature service's views must exist, names must not clash, an object in use cannot be deleted). A project's
/// first write creates its <c>Project</c> record (and, for a Feast object, the project's dummy entity), as Feast does.
/// </remarks>
public sealed class RegistryWriter
{
    private readonly FeastBackends _backends;
    private readonly TimeProvider _time;
    private readonly Action<RegistryData>? _written;

    /// <summary>Creates a writer over <paramref name="store"/>.</summary>
    /// <param name="store">The registry store written to.</param>
    /// <param name="backends">Resolves plug-in data-source kinds when objects are checked; null: the built-in kinds only.</param>
    /// <param name="timeProvider">The clock for the objects' created and updated times; null: the system clock.</param>
    public RegistryWriter(IRegistryStore store, FeastBackends? backends = null, TimeProvider? timeProvider = null)
        : this(store, backends, timeProvider, written: null)
    {
    }

    internal RegistryWriter(IRegistryStore store, FeastBackends? backends, TimeProvider? timeProvider, Action<RegistryData>? written)
    {
        ArgumentNullException.ThrowIfNull(store);
        Store = store;
        _backends = backends ?? new FeastBackends();
        _time = timeProvider ?? TimeProvider.System;
        _written = written;
    }

    /// <summary>The registry store written to.</summary>
    public IRegistryStore Store { get; }

    /// <summary>
    /// Raised after each write (and after a write that changed nothing) with the registry as the store now holds it, so
    /// a reader can take it instead of reading the store again (a registry server answers from it). The argument is
    /// the writer's own copy: treat it as read-only. Raised on the writing thread, after the store's lock is released.
    /// </summary>
    public event EventHandler<RegistryData>? Written;

    /// <summary>
    /// Creates or updates <paramref name="obj"/> (an entity, data source, feature view of any kind, feature service,
    /// permission, or the project itself) in <paramref name="project"/>, leaving every other object as it is. An object
    /// equal to the registered one writes nothing; an updated one keeps its creation time and gets a new update time.
    /// </summary>
    /// <param name="project">The project written to (created when this is its first object).</param>
    /// <param name="obj">The object; a <see cref="Project"/> must be called <paramref name="project"/>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>What changed (in a project's first write, its project record and dummy entity too), or nothing.</returns>
    /// <exception cref="ArgumentException">The project is empty, or the object is of a kind that cannot be applied on its own.</exception>
    /// <exception cref="FeastValidationException">The object breaks one of Feast's rules or references an object the project does not hold; nothing is written.</exception>
    public async Task<RegistryPlan> ApplyObjectAsync(string project, FeastObject obj, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(project);
        ArgumentNullException.ThrowIfNull(obj);
        ObjectApply.KindOf(obj);
        RequireName(obj.Name, obj.Kind);
        if (obj is Project p && p.Name != project)
            throw new FeastValidationException($"Project '{p.Name}' cannot be applied as project '{project}': a project is applied under its own name.");
        if (obj is OnDemandFeatureView { Mode: OnDemandFeatureView.CSharpMode } odfv && !string.IsNullOrWhiteSpace(odfv.Udf?.BodyText))
            OnDemandTransforms.Validate(odfv);

        RegistryPlan? plan = null;
        await UpdateAsync(registry =>
        {
            // One snapshot of the registry just read, under the lock: the object is checked against it once.
            var current = RegistrySnapshot.FromProto(project, registry, _backends);
            var prepared = ObjectApply.Prepare(current, obj, project);
            plan = ObjectApply.ApplyPrepared(registry, current, prepared, project, _time.GetUtcNow());
            return plan.HasChanges;
        }, cancellationToken).ConfigureAwait(false);
        return plan! with { ViewsToKeep = [], ViewsToDelete = [] };
    }

    /// <summary>
    /// Removes the object of <paramref name="kind"/> called <paramref name="name"/> from <paramref name="project"/>;
    /// an object other objects still reference is not removed.
    /// </summary>
    /// <param name="project">The project.</param>
    /// <param name="kind">The kind as Feast names it: <c>Entity</c>, <c>DataSource</c>, <c>FeatureView</c>, <c>StreamFeatureView</c>,
    /// <c>OnDemandFeatureView</c>, <c>FeatureService</c>, <c>Permission</c>, <c>SavedDataset</c> or <c>ValidationReference</c>.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>What was removed (its <see cref="DeletedObject.OnlineViews"/> name the views whose online storage a client may drop).</returns>
    /// <exception cref="ArgumentException">The project, kind or name is empty, or the kind is not one of those.</exception>
    /// <exception cref="FeastObjectNotFoundException">The project holds no object of that kind and name.</exception>
    /// <exception cref="ObjectInUseException">Other objects reference it; nothing is changed.</exception>
    public async Task<DeletedObject> DeleteObjectAsync(string project, string kind, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(project);
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        RegistryDeletion.CheckKind(kind);
        DeletedObject? deleted = null;
        await UpdateAsync(registry =>
        {
            deleted = RegistryDeletion.Delete(registry, project, name, kind);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return deleted!;
    }

    /// <summary>
    /// Removes <paramref name="project"/> with everything it holds, as Feast's <c>delete_project</c> does: its validation
    /// references, saved datasets, feature services, views of every kind, data sources, entities, permissions, its
    /// project metadata and its <c>Project</c> record. Other projects are not touched.
    /// </summary>
    /// <param name="project">The project.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The removed objects (saved datasets and validation references are removed but not listed).</returns>
    /// <exception cref="ProjectObjectNotFoundException">The registry has no such project.</exception>
    public async Task<RegistryPlan> DeleteProjectAsync(string project, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(project);
        RegistryPlan? plan = null;
        await UpdateAsync(registry =>
        {
            if (!registry.Projects.Any(p => p.Spec?.Name == project)) throw new ProjectObjectNotFoundException(project);
            Remove(registry.ValidationReferences, r => r.Project == project);
            Remove(registry.SavedDatasets, d => d.Spec?.Project == project);
            plan = RegistryPlanner.RemoveProject(registry, project);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return plan! with { ViewsToKeep = [] };
    }

    /// <summary>
    /// Records that the batch or stream feature view <paramref name="viewName"/> of <paramref name="project"/> was
    /// materialized from <paramref name="start"/> to <paramref name="end"/>: the interval is appended to the view's
    /// <c>meta.materialization_intervals</c> and its update time set, as Feast's <c>apply_materialization</c> does.
    /// </summary>
    /// <param name="project">The project.</param>
    /// <param name="viewName">The feature view (batch or stream).</param>
    /// <param name="start">The interval's start.</param>
    /// <param name="end">The interval's end.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="FeatureViewNotFoundException">The project has no batch or stream feature view of that name.</exception>
    public Task ApplyMaterializationAsync(string project, string viewName, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(project);
        ArgumentException.ThrowIfNullOrWhiteSpace(viewName);
        return UpdateAsync(registry =>
        {
            var meta = registry.FeatureViews.LastOrDefault(v => v.Spec?.Project == project && v.Spec.Name == viewName) is { } fv
                ? fv.Meta ??= new P.FeatureViewMeta()
                : registry.StreamFeatureViews.LastOrDefault(v => v.Spec?.Project == project && v.Spec.Name == viewName) is { } sfv
                    ? sfv.Meta ??= new P.FeatureViewMeta()
                    : throw new FeatureViewNotFoundException(viewName, project);
            meta.MaterializationIntervals.Add(new P.MaterializationInterval
            {
                StartTime = Timestamp.FromDateTimeOffset(start),
                EndTime = Timestamp.FromDateTimeOffset(end),
            });
            meta.LastUpdatedTimestamp = Timestamp.FromDateTimeOffset(_time.GetUtcNow());
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Creates or replaces a saved dataset (a <c>feast.core.SavedDataset</c> message), stored as given with its project set
    /// to <paramref name="project"/>; a replaced one keeps its creation time and event-time range, as Feast keeps them.
    /// Feast.NET has no runtime for saved datasets: they are stored and answered for Feast's clients.
    /// </summary>
    /// <param name="project">The project (created when this is its first object).</param>
    /// <param name="message">The serialised <c>feast.core.SavedDataset</c>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The saved dataset's name, and whether it was added or updated.</returns>
    /// <exception cref="RegistryException">The bytes are not a <c>SavedDataset</c> message.</exception>
    /// <exception cref="FeastValidationException">The saved dataset has no name.</exception>
    public Task<ObjectChange> ApplySavedDatasetAsync(string project, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(project);
        var dataset = Parse(P.SavedDataset.Parser, message, "SavedDataset");
        dataset.Spec ??= new P.SavedDatasetSpec();
        RequireName(dataset.Spec.Name, "SavedDataset");
        dataset.Spec.Project = project;
        return Put(project, "SavedDataset", dataset.Spec.Name, registry => registry.SavedDatasets, d => d.Spec?.Project, d => d.Spec?.Name, (old, now) =>
        {
            dataset.Meta ??= new P.SavedDatasetMeta();
            dataset.Meta.CreatedTimestamp = old?.Meta?.CreatedTimestamp ?? dataset.Meta.CreatedTimestamp ?? now;
            dataset.Meta.LastUpdatedTimestamp = now;
            if (old?.Meta is { } oldMeta)
            {
                dataset.Meta.MinEventTimestamp = oldMeta.MinEventTimestamp;
                dataset.Meta.MaxEventTimestamp = oldMeta.MaxEventTimestamp;
            }
            return dataset;
        }, cancellationToken);
    }

    /// <summary>
    /// Creates or replaces a validation reference (a <c>feast.core.ValidationReference</c> message), stored exactly as
    /// given with its project set to <paramref name="project"/>, as Feast stores it.
    /// </summary>
    /// <param name="project">The project (created when this is its first object).</param>
    /// <param name="message">The serialised <c>feast.core.ValidationReference</c>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The reference's name, and whether it was added or updated.</returns>
    /// <exception cref="RegistryException">The bytes are not a <c>ValidationReference</c> message.</exception>
    /// <exception cref="FeastValidationException">The reference has no name.</exception>
    public Task<ObjectChange> ApplyValidationReferenceAsync(string project, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(project);
        var reference = Parse(P.ValidationReference.Parser, message, "ValidationReference");
        RequireName(reference.Name, "ValidationReference");
        reference.Project = project;
        return Put(project, "ValidationReference", reference.Name, registry => registry.ValidationReferences, r => r.Project, r => r.Name,
            (_, _) => reference, cancellationToken);
    }

    /// <summary>
    /// Replaces the registry's infra (a <c>feast.core.Infra</c> message: the online tables and other resources a
    /// provider manages), as Feast's file registry does for <c>update_infra</c>; the project is created when new.
    /// </summary>
    /// <param name="project">The project the caller updates the infra for.</param>
    /// <param name="message">The serialised <c>feast.core.Infra</c>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="RegistryException">The bytes are not an <c>Infra</c> message.</exception>
    public Task UpdateInfraAsync(string project, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(project);
        var infra = Parse(P.Infra.Parser, message, "Infra");
        return UpdateAsync(registry =>
        {
            var changed = EnsureProject(registry, project);
            if (registry.Infra is not null && registry.Infra.Equals(infra)) return changed;
            registry.Infra = infra;
            return true;
        }, cancellationToken);
    }

    private async Task<ObjectChange> Put<T>(string project, string kind, string name, Func<P.Registry, RepeatedField<T>> list,
        Func<T, string?> projectOf, Func<T, string?> nameOf, Func<T?, Timestamp, T> make, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        var change = ChangeType.Add;
        await UpdateAsync(registry =>
        {
            var items = list(registry);
            var old = items.LastOrDefault(i => projectOf(i) == project && nameOf(i) == name);
            change = old is null ? ChangeType.Add : ChangeType.Update;
            var item = make(old, Timestamp.FromDateTimeOffset(_time.GetUtcNow()));
            var projectAdded = EnsureProject(registry, project);
            if (old is not null && old.Equals(item)) return projectAdded;
            Remove(items, i => projectOf(i) == project && nameOf(i) == name);
            items.Add(item);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return new ObjectChange(kind, name, change, []);
    }

    /// <summary>Adds the project's record and metadata when the registry has none, as Feast does before a project's first write.</summary>
    private bool EnsureProject(P.Registry registry, string project)
    {
        if (registry.Projects.Any(p => p.Spec?.Name == project)) return false;
        var now = Timestamp.FromDateTimeOffset(_time.GetUtcNow());
        registry.Projects.Add(new P.Project
        {
            Spec = new P.ProjectSpec { Name = project },
            Meta = new P.ProjectMeta { CreatedTimestamp = now, LastUpdatedTimestamp = now },
        });
        if (!registry.ProjectMetadata.Any(m => m.Project == project))
            registry.ProjectMetadata.Add(new P.ProjectMetadata { Project = project, ProjectUuid = Guid.NewGuid().ToString() });
        return true;
    }

    private async Task UpdateAsync(Func<P.Registry, bool> mutate, CancellationToken cancellationToken)
    {
        var written = await Store.UpdateAsync(data => mutate(data.Proto), cancellationToken).ConfigureAwait(false);
        _written?.Invoke(written);
        Written?.Invoke(this, written);
    }

    private static T Parse<T>(MessageParser<T> parser, ReadOnlyMemory<byte> bytes, string kind) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RegistryException($"The bytes are not a valid Feast {kind} message: {e.Message}", e);
        }
    }

    /// <summary>An object needs a name that is not blank (Feast keys every object by it).</summary>
    private static void RequireName(string? name, string kind)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new FeastValidationException($"The {kind} has no name; give it a name that is not empty or blank.");
    }

    private static void Remove<T>(RepeatedField<T> list, Func<T, bool> predicate)
    {
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (predicate(list[i])) list.RemoveAt(i);
        }
    }
}
