using Feast.Configuration;
using Feast.Offline;
using Feast.Online;
using Feast.Planning;
using Feast.Registry;
using Feast.Retrieval;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Feast;

/// <summary>Collaborators a <see cref="FeatureStore"/> uses instead of the ones its configuration names (for hosting and tests).</summary>
public sealed class FeatureStoreOptions
{
    /// <summary>The clock; defaults to the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where logs go; defaults to nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>A registry store to use instead of the configured one.</summary>
    public IRegistryStore? RegistryStore { get; init; }

    /// <summary>An online store to use instead of the configured one.</summary>
    public IOnlineStore? OnlineStore { get; init; }

    /// <summary>An offline store to use instead of the configured one.</summary>
    public IOfflineStore? OfflineStore { get; init; }

    /// <summary>
    /// The backends this store can use: store types with their <c>feature_store.yaml</c> schemas and factories, SQL
    /// registry schemes and data-source kinds. SQLite is built in; backend packages register theirs with extension
    /// methods (<c>options.Use…()</c>).
    /// </summary>
    public FeastBackends Backends { get; init; } = new();
}

/// <summary>
/// The entry point of the SDK: a feature store described by a <c>feature_store.yaml</c>. A thin facade over the
/// registry, the planner and the stores; each capability lives in its own service.
/// </summary>
public sealed partial class FeatureStore : IAsyncDisposable
{
    private readonly RegistryCache _registry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Delegate> _localTransforms = new(StringComparer.Ordinal);
    private readonly Lazy<IOfflineStore> _offlineStore;
    private readonly Lazy<Materialization.IBatchEngine?> _batchEngine;
    private readonly FeastInstruments _instruments;
    private readonly FeastBackends _backends;

    /// <summary>Creates a feature store from a loaded configuration.</summary>
    public FeatureStore(RepoConfig config, FeatureStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new FeatureStoreOptions();
        _backends = options.Backends;
        // A configuration loaded before its backends were known keeps those sections as written: bind them now.
        config = _backends.Resolve(config, strict: false);
        _time = options.TimeProvider;
        _logger = options.LoggerFactory.CreateLogger("Feast.FeatureStore");
        _loggerFactory = options.LoggerFactory;
        foreach (var warning in config.Warnings) FeatureStoreLog.ConfigWarning(_loggerFactory.CreateLogger(ConfigLogCategory), warning);
        var context = new BackendContext(config, _time, _loggerFactory);
        RegistryStore = options.RegistryStore ?? StoreFactory.CreateRegistryStore(context, _backends);
        OnlineStore = options.OnlineStore ?? _backends.CreateOnlineStore(context);
        Config = config;
        _registry = new RegistryCache(RegistryStore, config.Project, config.Registry.CacheTtlSeconds, _time, _backends);
        _instruments = new FeastInstruments(config.Project);
        _offlineStore = new Lazy<IOfflineStore>(() => options.OfflineStore ?? _backends.CreateOfflineStore(context));
        _batchEngine = new Lazy<Materialization.IBatchEngine?>(() => _backends.CreateBatchEngine(context));
        RegistryWriter = new RegistryWriter(RegistryStore, _backends, _time, _registry.SetLazily);
    }

    /// <summary>The log category of <see cref="RepoConfig.Warnings"/>, logged when a store is created.</summary>
    public const string ConfigLogCategory = "Feast.Configuration";

    /// <summary>Opens the feature store of the repo at <paramref name="repoPath"/> (its <c>feature_store.yaml</c>, or <paramref name="featureStoreYamlPath"/>).</summary>
    public static FeatureStore Open(string repoPath, string? featureStoreYamlPath = null, FeatureStoreOptions? options = null) =>
        new(RepoConfigLoader.Load(repoPath, featureStoreYamlPath, options?.Backends ?? new FeastBackends()), options);

    /// <summary>The configuration.</summary>
    public RepoConfig Config { get; }

    /// <summary>
    /// The meter this store reports its instruments on (named <see cref="FeastTelemetry.Name"/>; see
    /// <see cref="FeastTelemetry"/> for the instruments). A <c>MeterListener</c> can tell this store's measurements
    /// from other stores' in the same process by this reference.
    /// </summary>
    public System.Diagnostics.Metrics.Meter Meter => _instruments.Meter;

    /// <summary>The project this store serves.</summary>
    public string Project => Config.Project;

    /// <summary>Where the registry is kept.</summary>
    public IRegistryStore RegistryStore { get; }

    /// <summary>
    /// Writes single objects into any project of this store's registry, the registry only (no online table, no source
    /// read): what a registry server does for its clients. Its writes refresh this store's registry cache.
    /// </summary>
    public RegistryWriter RegistryWriter { get; }

    /// <summary>The backends this store was created with (its plug-in stores and data-source kinds).</summary>
    public FeastBackends Backends => _backends;

    /// <summary>The online store, or null when the configuration disables it.</summary>
    public IOnlineStore? OnlineStore { get; }

    /// <summary>The offline store, created on first use from the configuration and the registered factories.</summary>
    /// <exception cref="Configuration.FeastConfigException">No factory is registered for the configured type.</exception>
    public IOfflineStore OfflineStore => _offlineStore.Value;

    /// <summary>
    /// Training data: for every entity row, the requested features as they were at the row's timestamp
    /// (Feast's point-in-time join). Returns a lazy job; nothing runs until its result is read.
    /// </summary>
    /// <param name="entities">The entity rows: join keys, an event timestamp per row, and any other columns.</param>
    /// <param name="features">Feature references, <c>"view:feature"</c>.</param>
    /// <param name="fullFeatureNames">Name output columns <c>view__feature</c> instead of <c>feature</c>.</param>
    /// <param name="cancellationToken">Cancels reading the registry.</param>
    /// <exception cref="FeatureViewNotFoundException">A referenced view does not exist.</exception>
    /// <exception cref="FeatureNameCollisionException">Two features share an output name and <paramref name="fullFeatureNames"/> is false.</exception>
    /// <exception cref="RequestDataNotFoundInEntityDfException">An on-demand view's request-data column is not in the entity rows.</exception>
    public async Task<RetrievalJob> GetHistoricalFeaturesAsync(EntityData entities, IEnumerable<string> features,
        bool fullFeatureNames = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        return await RetrieveAsync(entities, registry => FeatureResolver.Resolve(registry, features, fullFeatureNames), fullFeatureNames, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Training data for the features of a feature service; see <see cref="GetHistoricalFeaturesAsync(EntityData, IEnumerable{string}, bool, CancellationToken)"/>.</summary>
    /// <exception cref="FeatureServiceNotFoundException">No service has that name.</exception>
    public async Task<RetrievalJob> GetHistoricalFeaturesAsync(EntityData entities, FeatureService featureService,
        bool fullFeatureNames = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(featureService);
        return await RetrieveAsync(entities, registry => FeatureResolver.Resolve(registry, featureService, fullFeatureNames), fullFeatureNames, cancellationToken)
            .ConfigureAwait(false);
    }

    private async Task<RetrievalJob> RetrieveAsync(EntityData entities, Func<RegistrySnapshot, ResolvedFeatures> resolve,
        bool fullFeatureNames, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entities);
        var registry = await GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return Retrieve(entities, resolve(registry), fullFeatureNames);
    }

    private RetrievalJob Retrieve(EntityData entities, ResolvedFeatures resolved, bool fullFeatureNames)
    {
        if (resolved.OnDemand.Count > 0)
            resolved = resolved with { OnDemand = [.. resolved.OnDemand.Select(r => r with { View = WithLocalTransform(r.View) })] };
        if (resolved.OnDemand.Count == 0)
            return OfflineStore.GetHistoricalFeatures(new HistoricalRetrievalRequest(entities, resolved.Views, fullFeatureNames));

        // On-demand views: request data must come with in-memory entity rows (file and SQL rows are checked once read),
        // their inputs are joined like any feature (resolved.Views includes them), and the outputs are computed per batch.
        if (entities is ArrowEntityData arrow)
            OnDemandRetrievalJob.CheckRequestColumns(resolved.OnDemand, [.. arrow.Schema.FieldsList.Select(f => f.Name)]);
        else if (entities is TimeRangeEntityData)
            OnDemandRetrievalJob.CheckRequestColumns(resolved.OnDemand, [PullRequest.EventTimestampColumn]);
        var join = OfflineStore.GetHistoricalFeatures(new HistoricalRetrievalRequest(entities, resolved.Views, fullFeatureNames));
        return new OnDemandRetrievalJob(join, resolved, fullFeatureNames);
    }

    /// <summary>
    /// Training data without entity rows (Feast's <c>get_historical_features(start_date=..., end_date=...)</c>): one row
    /// per distinct (join keys, event timestamp) of the requested views' source rows whose event time is in
    /// [<paramref name="startDate"/>, <paramref name="endDate"/>] (both inclusive), with every feature as it was at that
    /// time (point-in-time correct, within each view's TTL). Columns: <c>event_timestamp</c>, the join keys, then the
    /// features; rows are ordered by time, then keys. Returns a lazy job.
    /// </summary>
    /// <param name="features">Feature references, <c>"view:feature"</c>. Views with join keys must share them.</param>
    /// <param name="startDate">The start of the range, inclusive; null means <paramref name="endDate"/> minus the longest TTL of the views (30 days when none has one), as in Feast.</param>
    /// <param name="endDate">The end of the range, inclusive; null means now.</param>
    /// <param name="fullFeatureNames">Name output columns <c>view__feature</c> instead of <c>feature</c>.</param>
    /// <param name="cancellationToken">Cancels reading the registry.</param>
    /// <exception cref="FeastValidationException">The range starts after it ends, or the views join on different keys.</exception>
    /// <exception cref="FeatureViewNotFoundException">A referenced view does not exist.</exception>
    public async Task<RetrievalJob> GetHistoricalFeaturesAsync(IEnumerable<string> features, DateTimeOffset? startDate, DateTimeOffset? endDate,
        bool fullFeatureNames = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        var registry = await GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return RetrieveRange(FeatureResolver.Resolve(registry, features, fullFeatureNames), startDate, endDate, fullFeatureNames);
    }

    /// <summary>Training data for a feature service without entity rows; see <see cref="GetHistoricalFeaturesAsync(IEnumerable{string}, DateTimeOffset?, DateTimeOffset?, bool, CancellationToken)"/>.</summary>
    public async Task<RetrievalJob> GetHistoricalFeaturesAsync(FeatureService featureService, DateTimeOffset? startDate, DateTimeOffset? endDate,
        bool fullFeatureNames = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(featureService);
        var registry = await GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return RetrieveRange(FeatureResolver.Resolve(registry, featureService, fullFeatureNames), startDate, endDate, fullFeatureNames);
    }

    /// <summary>Training data for the feature service called <paramref name="featureServiceName"/> without entity rows.</summary>
    /// <exception cref="FeatureServiceNotFoundException">No service has that name.</exception>
    public async Task<RetrievalJob> GetHistoricalFeaturesAsync(string featureServiceName, DateTimeOffset? startDate, DateTimeOffset? endDate,
        bool fullFeatureNames = false, CancellationToken cancellationToken = default)
    {
        var registry = await GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return RetrieveRange(FeatureResolver.Resolve(registry, registry.GetFeatureService(featureServiceName), fullFeatureNames), startDate, endDate, fullFeatureNames);
    }

    private RetrievalJob RetrieveRange(ResolvedFeatures resolved, DateTimeOffset? startDate, DateTimeOffset? endDate, bool fullFeatureNames)
    {
        var range = TimeRangeEntityData.Resolve(resolved.Views, startDate, endDate, _time.GetUtcNow());
        TimeRangeEntityData.EntityColumns(resolved.Views);
        return Retrieve(range, resolved, fullFeatureNames);
    }

    /// <summary>Training data for the features of the feature service called <paramref name="featureServiceName"/>.</summary>
    /// <exception cref="FeatureServiceNotFoundException">No service has that name.</exception>
    public async Task<RetrievalJob> GetHistoricalFeaturesAsync(EntityData entities, string featureServiceName,
        bool fullFeatureNames = false, CancellationToken cancellationToken = default)
    {
        var registry = await GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return await GetHistoricalFeaturesAsync(entities, registry.GetFeatureService(featureServiceName), fullFeatureNames, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// <paramref name="view"/> with the C# delegate it was applied with from this process, when the registry holds no
    /// source text for it (views applied from objects rather than from a compiled repo).
    /// </summary>
    internal OnDemandFeatureView WithLocalTransform(OnDemandFeatureView view) =>
        view.Transform is null && string.IsNullOrWhiteSpace(view.Udf?.BodyText) && _localTransforms.TryGetValue(view.Name, out var transform)
            ? view with { Transform = transform }
            : view;

    /// <summary>
    /// The registry's current content for this project. With <paramref name="allowCache"/> a snapshot younger than
    /// <c>cache_ttl_seconds</c> is reused; otherwise the store is read.
    /// </summary>
    public ValueTask<RegistrySnapshot> GetRegistryAsync(bool allowCache = true, CancellationToken cancellationToken = default) =>
        _registry.GetAsync(allowCache, cancellationToken);

    /// <summary>
    /// Reads the registry from its store and makes it the snapshot, as a long-running server refreshes it: a store that
    /// now holds nothing for this project (the file is gone, the registry was emptied) does not replace a snapshot that
    /// holds objects; the snapshot is kept and a <see cref="RegistryException"/> says why.
    /// </summary>
    /// <exception cref="RegistryException">The registry cannot be read, is damaged, or now holds nothing.</exception>
    public ValueTask<RegistrySnapshot> RefreshRegistryAsync(CancellationToken cancellationToken = default) =>
        _registry.ReloadKeepingObjectsAsync(cancellationToken);

    /// <summary>What <see cref="ApplyAsync(RepoDefinitions, CancellationToken)"/> would change, without changing anything.</summary>
    /// <exception cref="FeastValidationException">The definitions break one of Feast's rules, something cannot be inferred, or a source does not match them.</exception>
    public Task<RegistryPlan> PlanAsync(RepoDefinitions definitions, CancellationToken cancellationToken = default) =>
        PlanAsync(definitions, ApplyOptions.Default, cancellationToken);

    /// <summary>What <see cref="ApplyAsync(RepoDefinitions, ApplyOptions, CancellationToken)"/> would change, without changing anything.</summary>
    /// <param name="definitions">The repo's definitions.</param>
    /// <param name="options">Whether to validate the views' batch sources.</param>
    /// <param name="cancellationToken">Cancels reading sources and the registry.</param>
    /// <exception cref="FeastValidationException">The definitions break one of Feast's rules, something cannot be inferred, or a source does not match them.</exception>
    public async Task<RegistryPlan> PlanAsync(RepoDefinitions definitions, ApplyOptions options, CancellationToken cancellationToken = default)
    {
        var (prepared, notValidated) = await PrepareAsync(definitions, options, cancellationToken).ConfigureAwait(false);
        var current = await RegistryStore.ReadAsync(cancellationToken).ConfigureAwait(false);
        return RegistryPlanner.Plan(current?.Proto, prepared, Project) with { SourcesNotValidated = notValidated };
    }

    /// <summary>
    /// Makes the registry hold exactly <paramref name="definitions"/> for this project: adds new objects, updates changed
    /// ones, deletes the ones no longer defined; creates online storage for new views and drops it for removed ones.
    /// Writes nothing when nothing changed. Infers what Feast infers from the sources and validates the sources.
    /// </summary>
    /// <exception cref="FeastValidationException">The definitions break one of Feast's rules; nothing is written.</exception>
    public Task<RegistryPlan> ApplyAsync(RepoDefinitions definitions, CancellationToken cancellationToken = default) =>
        ApplyAsync(definitions, ApplyOptions.Default, cancellationToken);

    /// <summary>
    /// Makes the registry hold exactly <paramref name="definitions"/> for this project (see
    /// <see cref="ApplyAsync(RepoDefinitions, CancellationToken)"/>). First infers what the definitions leave out (a
    /// source's timestamp field, join-key types, the features of a view without a schema) from the batch sources'
    /// columns, as Feast does, and, unless <see cref="ApplyOptions.SkipSourceValidation"/>, checks every view's batch
    /// source against the definitions.
    /// </summary>
    /// <param name="definitions">The repo's definitions.</param>
    /// <param name="options">Whether to validate the views' batch sources.</param>
    /// <param name="cancellationToken">Cancels reading sources, the registry write and the online store update.</param>
    /// <exception cref="FeastValidationException">The definitions break one of Feast's rules, something cannot be inferred, or a source does not match them; nothing is written.</exception>
    public async Task<RegistryPlan> ApplyAsync(RepoDefinitions definitions, ApplyOptions options, CancellationToken cancellationToken = default)
    {
        var (prepared, notValidated) = await PrepareAsync(definitions, options, cancellationToken).ConfigureAwait(false);
        foreach (var view in prepared.OnDemandFeatureViews)
        {
            if (view.Transform is not null) _localTransforms[view.Name] = view.Transform;
        }

        // Online storage changes under the registry's lock, with the registry change that names them: a concurrent
        // apply of another repo can then neither drop a table this one is about to name nor name one this one drops.
        // Tables are created before the registry names them, so a reader never finds a view without storage.
        var online = RegistryPlanner.OnlineViews(prepared);
        RegistryPlan? plan = null;
        var written = await RegistryStore.UpdateAsync(async (registry, ct) =>
        {
            plan = RegistryPlanner.Apply(registry.Proto, prepared, Project, _time.GetUtcNow());
            if (OnlineStore is not null && (online.Count > 0 || plan.ViewsToDelete.Count > 0))
                await OnlineStore.UpdateAsync(Project, online, plan.ViewsToDelete, ct).ConfigureAwait(false);
            return plan.HasChanges;
        }, cancellationToken).ConfigureAwait(false);
        _registry.Set(written);
        FeatureStoreLog.Applied(_logger, Project, plan!.Changes.Count);
        return plan with { SourcesNotValidated = notValidated };
    }

    /// <summary>
    /// Feast's apply-time work before any diff: infer from the sources, apply the cross-object rules, validate the
    /// sources. Returns the completed definitions and, when validation was asked for but could not run, why.
    /// </summary>
    private async Task<(RepoDefinitions Prepared, string? NotValidated)> PrepareAsync(RepoDefinitions definitions, ApplyOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        ArgumentNullException.ThrowIfNull(options);
        var schemas = new SourceSchemas(() => OfflineStore);
        var inferred = await SourceInference.InferAsync(definitions, schemas, cancellationToken).ConfigureAwait(false);
        var prepared = RepoValidator.Prepare(inferred, Project);
        if (options.SkipSourceValidation) return (prepared, null);
        var unavailable = await SourceValidation.ValidateAsync(prepared, schemas, cancellationToken).ConfigureAwait(false);
        if (unavailable is null) return (prepared, null);
        var notValidated = $"Data sources were not validated: {unavailable}. Register a backend for offline_store type '{Config.OfflineStore.Type}' (FeatureStoreOptions.Backends; registered offline store types: {(_backends.OfflineStoreTypes.Any() ? string.Join(", ", _backends.OfflineStoreTypes) : "(none)")}), or skip validation (--skip-source-validation, ApplyOptions.SkipSourceValidation).";
        FeatureStoreLog.SourcesNotValidated(_logger, Project, notValidated);
        return (prepared, notValidated);
    }

    /// <summary>Applies a loose set of definition objects; see <see cref="ApplyAsync(RepoDefinitions, CancellationToken)"/>.</summary>
    public Task<RegistryPlan> ApplyAsync(IEnumerable<FeastObject> objects, CancellationToken cancellationToken = default) =>
        ApplyAsync(RepoDefinitions.From(objects), cancellationToken);

    /// <summary>Applies a loose set of definition objects; see <see cref="ApplyAsync(RepoDefinitions, ApplyOptions, CancellationToken)"/>.</summary>
    public Task<RegistryPlan> ApplyAsync(IEnumerable<FeastObject> objects, ApplyOptions options, CancellationToken cancellationToken = default) =>
        ApplyAsync(RepoDefinitions.From(objects), options, cancellationToken);

    /// <summary>
    /// Removes this project's online storage and its objects from the registry. When no project is left, the registry
    /// itself is deleted, as Feast's teardown does.
    /// </summary>
    public async Task<RegistryPlan> TeardownAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = await GetRegistryAsync(allowCache: false, cancellationToken).ConfigureAwait(false);
        if (snapshot.IsEmpty && !snapshot.Projects.ContainsKey(Project))
            return new RegistryPlan([]);
        // Under the registry's lock, like apply: the views dropped are exactly the ones the registry stops naming.
        RegistryPlan? plan = null;
        var written = await RegistryStore.UpdateAsync(async (registry, ct) =>
        {
            plan = RegistryPlanner.RemoveProject(registry.Proto, Project);
            if (OnlineStore is not null)
                await OnlineStore.TeardownAsync(Project, plan.ViewsToDelete, ct).ConfigureAwait(false);
            return plan.HasChanges;
        }, cancellationToken).ConfigureAwait(false);
        await RegistryStore.DeleteIfEmptyAsync(cancellationToken).ConfigureAwait(false);
        _registry.Set(written);
        return plan!;
    }

    /// <summary>The project's registry content as JSON, as <c>feast registry-dump</c> prints it (Feast's layout: camelCase, sorted keys).</summary>
    public async Task<string> RegistryDumpAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = await GetRegistryAsync(allowCache: false, cancellationToken).ConfigureAwait(false);
        return RegistryJson.Dump(snapshot);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _registry.Dispose();
        await RegistryStore.DisposeAsync().ConfigureAwait(false);
        if (OnlineStore is not null) await OnlineStore.DisposeAsync().ConfigureAwait(false);
        if (_offlineStore.IsValueCreated) await _offlineStore.Value.DisposeAsync().ConfigureAwait(false);
        if (_batchEngine.IsValueCreated && _batchEngine.Value is { } engine) await engine.DisposeAsync().ConfigureAwait(false);
        _instruments.Dispose();
    }
}

internal static partial class FeatureStoreLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Applied {ChangeCount} changes to project {Project}")]
    public static partial void Applied(ILogger logger, string project, int changeCount);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Project {Project}: {Message}")]
    public static partial void SourcesNotValidated(ILogger logger, string project, string message);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void ConfigWarning(ILogger logger, string warning);
    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Deleted {Kind} {Name} from project {Project}")]
    public static partial void Deleted(ILogger logger, string kind, string name, string project);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Applied {Kind} {Name} to project {Project} ({ChangeCount} changes)")]
    public static partial void AppliedObject(ILogger logger, string kind, string name, string project, int changeCount);
}
