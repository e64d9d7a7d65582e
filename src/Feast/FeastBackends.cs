using Feast.Configuration;
using Feast.Materialization;
using Feast.Offline;
using Feast.Online;
using Feast.Registry;
using Microsoft.Extensions.Logging;
using YamlDotNet.RepresentationModel;

namespace Feast;

/// <summary>
/// The backends one program can use, and how each plugs in: an online or offline store type with its
/// <c>feature_store.yaml</c> schema and factory, a SQL registry URL scheme, a data-source kind with its registry
/// mapping. The SQLite online store, the remote online store's options and the SQLite SQL registry are built in;
/// backend packages add theirs with their own <c>Use…()</c> extension methods.
/// One instance belongs to one <see cref="FeatureStoreOptions"/>; nothing is registered process-wide.
/// </summary>
/// <remarks>See <c>docs/adding-a-backend.md</c> for a walk through a backend.</remarks>
public sealed class FeastBackends
{
    private const string SqliteScheme = "sqlite";

    private readonly TypedSection<OnlineStoreOptions> _online = RepoConfigBinder.CreateOnlineStores();
    private readonly TypedSection<OfflineStoreOptions> _offline = RepoConfigBinder.CreateOfflineStores();
    private readonly Dictionary<string, Func<OnlineStoreOptions, BackendContext, IOnlineStore>> _onlineFactories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<OfflineStoreOptions, BackendContext, IOfflineStore>> _offlineFactories = new(StringComparer.Ordinal);
    private readonly TypedSection<BatchEngineConfig> _engines = RepoConfigBinder.CreateBatchEngines();
    private readonly Dictionary<string, Func<BatchEngineConfig, BackendContext, IBatchEngine>> _engineFactories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<BackendContext, IRegistryStore>> _sqlRegistries = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<RegistryType, Func<BackendContext, IRegistryStore>> _registryStores = [];
    private readonly Dictionary<string, Func<CustomSourceDefinition, DataSource>> _dataSources = new(StringComparer.Ordinal);
    private readonly HashSet<System.Reflection.Assembly> _definitionAssemblies = [];
    private readonly SortedSet<string> _definitionNamespaces = new(StringComparer.Ordinal);

    /// <summary>Creates the set of built-in backends.</summary>
    public FeastBackends()
    {
        _onlineFactories["sqlite"] = (options, context) => StoreFactory.CreateSqliteOnlineStore((SqliteOnlineStoreOptions)options, context.Config);
        _sqlRegistries[SqliteScheme] = context =>
            RegistryStoreFactory.Create("sql", context.Config.Registry.Path, context.Config.RepoPath, context.TimeProvider);
    }

    /// <summary>The online store types that bind, in registration order (class-path aliases not included).</summary>
    public IEnumerable<string> OnlineStoreTypes => _online.TypeNames;

    /// <summary>The offline store types that bind, in registration order (class-path aliases not included).</summary>
    public IEnumerable<string> OfflineStoreTypes => _offline.TypeNames;

    /// <summary>The batch engine types that bind (<c>local</c> is built in), in registration order.</summary>
    public IEnumerable<string> BatchEngineTypes => _engines.TypeNames;

    /// <summary>The schemes of <c>registry.path</c> a SQL registry is registered for (<c>sqlite</c> is built in).</summary>
    public IEnumerable<string> SqlRegistrySchemes => _sqlRegistries.Keys;

    /// <summary>The <c>data_source_class_type</c>s of the registered data-source kinds.</summary>
    public IEnumerable<string> DataSourceClassTypes => _dataSources.Keys;

    /// <summary>Registers an online store type.</summary>
    /// <typeparam name="T">The store's options record.</typeparam>
    /// <param name="type">The short type (<c>online_store.type</c>), which <typeparamref name="T"/>'s Type returns.</param>
    /// <param name="schema">The section's yaml keys; they bind, validate and print it.</param>
    /// <param name="create">Creates the store from its options when a <see cref="FeatureStore"/> opens.</param>
    /// <param name="feastClassPaths">Python Feast class paths the yaml may give as the type instead.</param>
    /// <returns>This instance, for chaining.</returns>
    public FeastBackends AddOnlineStore<T>(string type, OptionsSchema<T> schema, Func<T, BackendContext, IOnlineStore> create,
        params string[] feastClassPaths)
        where T : OnlineStoreOptions
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(create);
        _online.Add(type, schema, feastClassPaths ?? []);
        _onlineFactories[type] = (options, context) => create((T)options, context);
        return this;
    }

    /// <summary>Registers an offline store type.</summary>
    /// <typeparam name="T">The store's options record.</typeparam>
    /// <param name="type">The short type (<c>offline_store.type</c>), which <typeparamref name="T"/>'s Type returns.</param>
    /// <param name="schema">The section's yaml keys; they bind, validate and print it.</param>
    /// <param name="create">Creates the store from its options, on first use.</param>
    /// <param name="feastClassPaths">Python Feast class paths the yaml may give as the type instead.</param>
    /// <returns>This instance, for chaining.</returns>
    public FeastBackends AddOfflineStore<T>(string type, OptionsSchema<T> schema, Func<T, BackendContext, IOfflineStore> create,
        params string[] feastClassPaths)
        where T : OfflineStoreOptions
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(create);
        _offline.Add(type, schema, feastClassPaths ?? []);
        _offlineFactories[type] = (options, context) => create((T)options, context);
        return this;
    }

    /// <summary>
    /// Registers a batch engine type: the engine that materializes when <c>batch_engine.type</c> names it. The local
    /// engine is built in (and used when the section is absent).
    /// </summary>
    /// <typeparam name="T">The engine's options record.</typeparam>
    /// <param name="type">The type (<c>batch_engine.type</c>), which <typeparamref name="T"/>'s Type returns.</param>
    /// <param name="schema">The section's yaml keys; they bind, validate and print it.</param>
    /// <param name="create">Creates the engine from its options, on the first materialization.</param>
    /// <returns>This instance, for chaining.</returns>
    public FeastBackends AddBatchEngine<T>(string type, OptionsSchema<T> schema, Func<T, BackendContext, IBatchEngine> create)
        where T : BatchEngineConfig
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(create);
        _engines.Add(type, schema);
        _engineFactories[type] = (options, context) => create((T)options, context);
        return this;
    }

    /// <summary>
    /// Registers another offline store type name bound by its own schema into a registered store's options (Feast's
    /// <c>file</c> and <c>dask</c>, served by DuckDB); the options' Type chooses the factory.
    /// </summary>
    /// <typeparam name="T">The options record of a registered store.</typeparam>
    /// <param name="alias">The type name.</param>
    /// <param name="schema">The keys valid under this name.</param>
    /// <returns>This instance, for chaining.</returns>
    public FeastBackends AddOfflineStoreAlias<T>(string alias, OptionsSchema<T> schema)
        where T : OfflineStoreOptions
    {
        ArgumentException.ThrowIfNullOrEmpty(alias);
        ArgumentNullException.ThrowIfNull(schema);
        _offline.AddAlias(alias, schema);
        return this;
    }

    /// <summary>Registers a SQL registry for the <c>registry.path</c> URLs of one scheme (<c>registry_type: sql</c>).</summary>
    /// <param name="scheme">The URL scheme without its driver: <c>postgresql</c> serves <c>postgresql+psycopg://…</c>.</param>
    /// <param name="create">Creates the registry store.</param>
    /// <returns>This instance, for chaining.</returns>
    public FeastBackends AddSqlRegistry(string scheme, Func<BackendContext, IRegistryStore> create)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheme);
        ArgumentNullException.ThrowIfNull(create);
        _sqlRegistries[scheme] = create;
        return this;
    }

    /// <summary>
    /// Registers the registry store of a <c>registry_type</c> that is not built in (<see cref="RegistryType.Remote"/>:
    /// the Feast.Remote package's <c>UseRemoteRegistry()</c>). File and SQL registries are built in and cannot be replaced.
    /// </summary>
    /// <param name="registryType">The registry type the factory serves.</param>
    /// <param name="create">Creates the registry store from the configuration.</param>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="registryType"/> is <c>file</c> or <c>sql</c>.</exception>
    public FeastBackends AddRegistryStore(RegistryType registryType, Func<BackendContext, IRegistryStore> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        if (registryType is RegistryType.File or RegistryType.Sql)
            throw new ArgumentException($"registry_type {registryType} is built in; register a SQL registry with AddSqlRegistry instead.", nameof(registryType));
        _registryStores[registryType] = create;
        return this;
    }

    /// <summary>
    /// Registers a data-source kind: sources stored in the registry as <c>CUSTOM_SOURCE</c> with this
    /// <c>data_source_class_type</c> are read back with <paramref name="read"/>. Writing needs no registration: a
    /// <see cref="CustomDataSource"/> writes itself. Without the registration such a source reads back as an
    /// <see cref="OpaqueDataSource"/> that keeps its bytes.
    /// </summary>
    /// <remarks>Feature repos (<c>*.cs</c> definitions) compiled with these backends may use <typeparamref name="T"/> without a <c>using</c>.</remarks>
    /// <typeparam name="T">The source's record.</typeparam>
    /// <param name="classType">The class type the source writes (<see cref="CustomDataSource.ClassType"/>).</param>
    /// <param name="read">Makes the source from its registry definition.</param>
    /// <returns>This instance, for chaining.</returns>
    public FeastBackends AddDataSource<T>(string classType, Func<CustomSourceDefinition, T> read)
        where T : CustomDataSource
    {
        ArgumentException.ThrowIfNullOrEmpty(classType);
        ArgumentNullException.ThrowIfNull(read);
        _dataSources[classType] = definition => read(definition);
        _definitionAssemblies.Add(typeof(T).Assembly);
        if (typeof(T).Namespace is { Length: > 0 } ns && ns != typeof(FeastBackends).Namespace) _definitionNamespaces.Add(ns);
        return this;
    }

    /// <summary>The assemblies of the registered data-source types, which feature repos are compiled against.</summary>
    internal IReadOnlyCollection<System.Reflection.Assembly> DefinitionAssemblies => _definitionAssemblies;

    /// <summary>The namespaces of the registered data-source types, imported by every feature repo file.</summary>
    internal IReadOnlyCollection<string> DefinitionNamespaces => _definitionNamespaces;

    /// <summary>Binds the store sections of <paramref name="config"/> that were read before their backend was known.</summary>
    /// <param name="config">A configuration from <see cref="RepoConfigLoader"/>.</param>
    /// <returns>The configuration with every section this instance can bind bound; others are left as they are.</returns>
    /// <exception cref="FeastConfigException">A section does not fit its backend's schema.</exception>
    public RepoConfig Resolve(RepoConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Resolve(config, strict: false);
    }

    internal RepoConfig Resolve(RepoConfig config, bool strict)
    {
        var online = config.OnlineStore is UnresolvedOnlineStoreOptions unresolvedOnline ? BindOnline(unresolvedOnline, strict) : config.OnlineStore;
        var offline = config.OfflineStore is UnresolvedOfflineStoreOptions unresolvedOffline ? BindOffline(unresolvedOffline, strict) : config.OfflineStore;
        var engine = config.BatchEngine is UnresolvedBatchEngineConfig unresolvedEngine ? BindEngine(unresolvedEngine, strict) : config.BatchEngine;
        return ReferenceEquals(online, config.OnlineStore) && ReferenceEquals(offline, config.OfflineStore) && ReferenceEquals(engine, config.BatchEngine)
            ? config
            : config with { OnlineStore = online, OfflineStore = offline, BatchEngine = engine };
    }

    internal BatchEngineConfig BindEngine(UnresolvedBatchEngineConfig options, bool strict)
    {
        var yaml = options.Yaml;
        return _engines.Bind(yaml, strict ? null : type => new UnresolvedBatchEngineConfig(type, yaml));
    }

    /// <summary>The engine <c>batch_engine</c> names, or null for the built-in local engine.</summary>
    internal IBatchEngine? CreateBatchEngine(BackendContext context)
    {
        var options = context.Config.BatchEngine switch
        {
            UnresolvedBatchEngineConfig unresolved => BindEngine(unresolved, strict: true),
            var other => other,
        };
        if (options.Type == "local") return null;
        return _engineFactories.TryGetValue(options.Type, out var create)
            ? create(options, context with { Config = context.Config with { BatchEngine = options } })
            : throw new FeastConfigException(
                $"feature_store.yaml: batch_engine type '{options.Type}' has no engine registered in this program. Registered batch engine types: {_engines.Listed()}.");
    }

    internal OnlineStoreOptions BindOnline(UnresolvedOnlineStoreOptions options, bool strict)
    {
        var yaml = options.Yaml;
        return _online.Bind(yaml, strict ? null : type => new UnresolvedOnlineStoreOptions(type, yaml));
    }

    internal OfflineStoreOptions BindOffline(UnresolvedOfflineStoreOptions options, bool strict)
    {
        if (options.Yaml is not { } yaml)
        {
            // Feast's default: bound when a backend serves it, else kept (an error only when the store is used).
            return _offline.Has(options.Type) ? _offline.Bind(Scalar(options.Type)) : options;
        }

        return _offline.Bind(yaml, strict ? null : type => new UnresolvedOfflineStoreOptions(type, yaml));
    }

    internal IOnlineStore? CreateOnlineStore(BackendContext context)
    {
        var options = context.Config.OnlineStore switch
        {
            UnresolvedOnlineStoreOptions unresolved => BindOnline(unresolved, strict: true),
            var other => other,
        };
        if (options is null) return null;
        return _onlineFactories.TryGetValue(options.Type, out var create)
            ? create(options, context with { Config = context.Config with { OnlineStore = options } })
            : throw new FeastConfigException(
                $"feature_store.yaml: online_store type '{options.Type}' is not available in this build of Feast.NET yet. Use another type, or disable the online store with online_store: null.");
    }

    internal IOfflineStore CreateOfflineStore(BackendContext context)
    {
        var options = context.Config.OfflineStore switch
        {
            UnresolvedOfflineStoreOptions { Yaml: null } unresolved when !_offline.Has(unresolved.Type) => throw new FeastConfigException(
                $"feature_store.yaml: no offline_store is configured and Feast's default type '{unresolved.Type}' has no backend registered in this program. Registered offline store types: {_offline.Listed()}."),
            UnresolvedOfflineStoreOptions unresolved => BindOffline(unresolved, strict: true),
            var other => other,
        };
        return _offlineFactories.TryGetValue(options.Type, out var create)
            ? create(options, context with { Config = context.Config with { OfflineStore = options } })
            : throw new FeastConfigException(
                $"feature_store.yaml: offline_store type '{options.Type}' has no backend registered in this program. Registered offline store types: {_offline.Listed()}.");
    }

    internal IRegistryStore CreateSqlRegistryStore(BackendContext context)
    {
        var path = context.Config.Registry.Path;
        var scheme = StoreFactory.SqlScheme(path);
        if (scheme is not null && _sqlRegistries.TryGetValue(scheme, out var create)) return create(context);
        // The SQLite store explains what it cannot open (a path without a scheme).
        if (scheme is null) return _sqlRegistries[SqliteScheme](context);
        throw new FeastConfigException(
            $"feature_store.yaml: registry.path '{Redaction.RedactUrl(path)}' uses the scheme '{scheme}', which has no SQL registry backend registered in this program. Registered SQL registry schemes: {string.Join(", ", _sqlRegistries.Keys)}.");
    }

    internal IRegistryStore? CreateRegisteredRegistryStore(BackendContext context) =>
        _registryStores.TryGetValue(context.Config.Registry.RegistryType, out var create) ? create(context) : null;

    internal Func<CustomSourceDefinition, DataSource>? FindDataSource(string classType) =>
        _dataSources.GetValueOrDefault(classType);

    private static YamlValue Scalar(string type) => new(new YamlScalarNode(type), "offline_store", "feature_store.yaml");
}

/// <summary>What a backend's factory gets besides its options: the whole configuration and the host's services.</summary>
/// <param name="Config">The configuration, with the backend's section bound.</param>
/// <param name="TimeProvider">The clock of the <see cref="FeatureStore"/>.</param>
/// <param name="LoggerFactory">Where the store logs.</param>
public sealed record BackendContext(RepoConfig Config, TimeProvider TimeProvider, ILoggerFactory LoggerFactory);
