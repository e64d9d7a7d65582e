using Feast.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Feast.Server.Hosting;

/// <summary>
/// The store a server serves and what the server knows about its registry: whether a snapshot has ever been read and
/// how the last background refresh went. One per application.
/// </summary>
internal sealed class FeastServerState : IAsyncDisposable
{
    private readonly bool _ownsStore;
    private readonly ILogger _logger;
    private int _loaded;
    private Exception? _lastRefreshError;

    public FeastServerState(IOptions<FeastServerOptions> options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        if (settings.MaxRequestBodyBytes <= 0)
            throw new FeastConfigException($"FeastServerOptions.MaxRequestBodyBytes must be more than 0, not {settings.MaxRequestBodyBytes}.");
        if (settings.MaxFeaturesPerRequest <= 0 || settings.MaxEntityRowsPerRequest <= 0)
            throw new FeastConfigException(
                $"FeastServerOptions.MaxFeaturesPerRequest and MaxEntityRowsPerRequest must be more than 0, not {settings.MaxFeaturesPerRequest} and {settings.MaxEntityRowsPerRequest}.");
        _logger = loggerFactory.CreateLogger("Feast.Server.Registry");
        Options = settings;
        if (settings.Store is { } store)
        {
            Store = store;
        }
        else
        {
            if (string.IsNullOrEmpty(settings.RepoPath))
                throw new FeastConfigException("The feature server needs a feature repo: set FeastServerOptions.RepoPath (the folder with feature_store.yaml) or FeastServerOptions.Store.");
            var storeOptions = new FeatureStoreOptions { TimeProvider = time, LoggerFactory = loggerFactory };
            storeOptions = settings.ConfigureStore?.Invoke(storeOptions) ?? storeOptions;
            // The yaml binds with the backends ConfigureStore registered, so a store type none serves fails here.
            var config = RepoConfigLoader.Load(settings.RepoPath, settings.FeatureStoreYamlPath, storeOptions.Backends);
            // Requests read the cached snapshot and never wait for a reload: the snapshot never expires on its own,
            // and RegistryRefresher replaces it in the background.
            config = config with { Registry = config.Registry with { CacheTtlSeconds = 0 } };
            Store = new FeatureStore(config, storeOptions);
            _ownsStore = true;
        }
    }

    public FeastServerOptions Options { get; }

    public FeatureStore Store { get; }

    /// <summary>Whether <c>/metrics</c> and <c>/healthz/ready</c> need a token (the option or <c>feature_server.metrics_require_auth</c>).</summary>
    public bool OperationsRequireAuth => Options.MetricsRequireAuth || Store.Config.FeatureServer.MetricsRequireAuth == true;

    /// <summary>Whether the registry has been read at least once.</summary>
    public bool RegistryLoaded => Volatile.Read(ref _loaded) != 0;

    /// <summary>The error of the last refresh, or null when it succeeded.</summary>
    public Exception? LastRefreshError => Volatile.Read(ref _lastRefreshError);

    /// <summary>
    /// Reads the registry from its store and makes it the snapshot requests use. Never throws for a store error, except
    /// at startup for a damaged registry: serving a registry cut short could serve it without its permissions.
    /// </summary>
    public async Task<bool> RefreshRegistryAsync(bool initial, CancellationToken cancellationToken)
    {
        try
        {
            await Store.RefreshRegistryAsync(cancellationToken).ConfigureAwait(false);
            // A feature server creates the online storage of views another process applied (through a registry server), as an apply would.
            if (Options.CreatesOnlineStorage) await Store.EnsureOnlineStorageAsync(cancellationToken).ConfigureAwait(false);
            var first = Interlocked.Exchange(ref _loaded, 1) == 0;
            Volatile.Write(ref _lastRefreshError, null);
            if (first) LogMessages.RegistryLoaded(_logger, Store.Project, Store.RegistryStore.Description);
            else LogMessages.RegistryRefreshed(_logger, Store.Project);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (RegistryException e) when (initial && e.Damaged)
        {
            // Not retried: a damaged file does not heal, and the host reports the error and stops.
            throw;
        }
        catch (Exception e)
        {
            Volatile.Write(ref _lastRefreshError, e);
            if (initial) LogMessages.RegistryInitialLoadFailed(_logger, e.Message, e);
            else LogMessages.RegistryRefreshFailed(_logger, e.Message, e);
            return false;
        }
    }

    /// <summary>
    /// Serves one throwaway read (a feature of the first online view, for a key no one has) and writes its JSON, so the
    /// first client request does not pay for opening the store and compiling the read path. Failures are ignored.
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        try
        {
            var registry = await Store.GetRegistryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var view = registry.FeatureViews.Values.FirstOrDefault(v => v.Online && v.Features.Count > 0);
            if (view is null || Store.OnlineStore is null) return;
            var entities = new Dictionary<string, IReadOnlyList<object?>>(StringComparer.Ordinal);
            foreach (var column in view.EntityColumns)
            {
                entities[column.Name] = [column.Dtype.ValueType switch
                {
                    ValueType.Int64 or ValueType.Int32 => (object)0L,
                    _ => "",
                }];
            }
            var request = new Online.OnlineFeaturesRequest(entities) { Features = [$"{view.Name}:{view.Features[0].Name}"] };
            var response = await Store.GetOnlineFeaturesAsync(request, cancellationToken).ConfigureAwait(false);
            _ = Serialization.OnlineResponseJson.ToJson(response);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogMessages.WarmUpFailed(_logger, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsStore) await Store.DisposeAsync().ConfigureAwait(false);
    }
}
