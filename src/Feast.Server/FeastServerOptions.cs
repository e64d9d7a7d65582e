namespace Feast.Server;

/// <summary>
/// How the feature server finds its <see cref="FeatureStore"/> and how it serves it. Give either <see cref="RepoPath"/>
/// (the server opens the repo and owns the store) or <see cref="Store"/> (a store you made and dispose yourself).
/// </summary>
public sealed class FeastServerOptions
{
    /// <summary>The feature repo: the folder with <c>feature_store.yaml</c>. Ignored when <see cref="Store"/> is set.</summary>
    public string? RepoPath { get; set; }

    /// <summary>A <c>feature_store.yaml</c> to read instead of <c>&lt;repo&gt;/feature_store.yaml</c>.</summary>
    public string? FeatureStoreYamlPath { get; set; }

    /// <summary>
    /// A feature store to serve, created and disposed by the caller. Its registry cache should never expire
    /// (<c>cache_ttl_seconds: 0</c>) so requests never wait for a reload; the server refreshes it in the background.
    /// </summary>
    public FeatureStore? Store { get; set; }

    /// <summary>
    /// Adjusts the options of the store the server opens from <see cref="RepoPath"/>: register offline store factories
    /// here (e.g. <c>o =&gt; o.UseDuckDb()</c> from Feast.DuckDb, which the materialize endpoints need).
    /// </summary>
    public Func<FeatureStoreOptions, FeatureStoreOptions>? ConfigureStore { get; set; }

    /// <summary>
    /// How often the registry is re-read in the background (Feast's <c>--registry_ttl_sec</c>, 60 s by default).
    /// <see cref="TimeSpan.Zero"/> reads it once at startup and never again.
    /// </summary>
    public TimeSpan RegistryRefreshInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest request body accepted, in bytes (32 MiB by default); a larger one gets 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// The most feature references one online read may name (10,000 by default); more get 413 (gRPC
    /// RESOURCE_EXHAUSTED). <c>feast serve --max-features</c>.
    /// </summary>
    public int MaxFeaturesPerRequest { get; set; } = 10_000;

    /// <summary>The largest <c>top_k</c> a <c>/search</c> or <c>/retrieve-online-documents</c> request may ask for (1,000 by default); more get 422.</summary>
    public int MaxTopK { get; set; } = 1_000;

    /// <summary>The longest query vector a document search may send (65,536 values by default); longer get 422.</summary>
    public int MaxQueryVectorLength { get; set; } = 65_536;

    /// <summary>
    /// The most entity rows one online read may ask for (100,000 by default); more get 413 (gRPC RESOURCE_EXHAUSTED).
    /// <c>feast serve --max-entity-rows</c>.
    /// </summary>
    public int MaxEntityRowsPerRequest { get; set; } = 100_000;

    /// <summary>Log one line per request (method, path, status, duration). On by default; <c>feast serve --no-access-log</c> turns it off.</summary>
    public bool AccessLog { get; set; } = true;

    /// <summary>
    /// Require a valid token (under <c>auth: oidc</c>) for <c>/metrics</c> and <c>/healthz/ready</c>, which otherwise answer
    /// anyone (without details). Also set by <c>feature_server.metrics_require_auth</c> in <c>feature_store.yaml</c> and
    /// <c>feast serve --metrics-require-auth</c>.
    /// </summary>
    public bool MetricsRequireAuth { get; set; }

    /// <summary>Serve Prometheus metrics at <c>/metrics</c>. Off by default; <c>feast serve --metrics</c> turns it on.</summary>
    public bool Metrics { get; set; }

    /// <summary>
    /// Whether the server creates the online storage of views it finds after each registry refresh (the feature server
    /// does, so views applied through a registry server are served; the registry, offline and UI servers, which serve
    /// no online store, do not).
    /// </summary>
    internal bool CreatesOnlineStorage { get; set; } = true;
}
