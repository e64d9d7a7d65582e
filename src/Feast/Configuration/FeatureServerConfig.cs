namespace Feast.Configuration;

/// <summary>
/// The <c>feature_server:</c> section of <c>feature_store.yaml</c>. <c>type</c> is <c>local</c> (the default) or
/// <c>mcp</c>; the keys here are common to both.
/// </summary>
public abstract record FeatureServerConfig
{
    /// <summary>The server type: <c>local</c> or <c>mcp</c>.</summary>
    public abstract string Type { get; }

    /// <summary>Whether the feature server should be launched (yaml <c>enabled</c>).</summary>
    public bool Enabled { get; init; }

    /// <summary>Prometheus metrics (yaml <c>metrics</c>).</summary>
    public FeatureServerMetricsConfig Metrics { get; init; } = new();

    /// <summary>
    /// Feast.NET's own key: <c>/metrics</c> and <c>/healthz/ready</c> need a valid token under <c>auth: oidc</c> (yaml
    /// <c>metrics_require_auth</c>; unset = open, without details).
    /// </summary>
    public bool? MetricsRequireAuth { get; init; }

    /// <summary>Logging of served features (yaml <c>feature_logging</c>).</summary>
    public FeatureLoggingConfig FeatureLogging { get; init; } = new();

    /// <summary>Batch offline writes made through <c>/push</c> (yaml <c>offline_push_batching_enabled</c>).</summary>
    public bool? OfflinePushBatchingEnabled { get; init; }

    /// <summary>The largest offline push batch (yaml <c>offline_push_batching_batch_size</c>).</summary>
    public int? OfflinePushBatchingBatchSize { get; init; }

    /// <summary>Seconds between offline push batches (yaml <c>offline_push_batching_batch_interval_seconds</c>).</summary>
    public int? OfflinePushBatchingBatchIntervalSeconds { get; init; }

    /// <summary>The transformation service address (yaml <c>transformation_service_endpoint</c>).</summary>
    public abstract string TransformationServiceEndpoint { get; init; }
}

/// <summary>The local HTTP feature server (<c>type: local</c>).</summary>
public sealed record LocalFeatureServerConfig : FeatureServerConfig
{
    /// <inheritdoc/>
    public override string Type => "local";

    /// <inheritdoc/>
    public override string TransformationServiceEndpoint { get; init; } = "localhost:6569";

    /// <summary>
    /// <c>local</c> runs materialization in-process; <c>remote</c> asks the server at <see cref="Url"/>
    /// (yaml <c>materialize_mode</c>).
    /// </summary>
    public string MaterializeMode { get; init; } = "local";

    /// <summary>The feature server URL for remote materialization (yaml <c>url</c>).</summary>
    public string? Url { get; init; }

    /// <summary>Seconds to wait for remote materialization (yaml <c>materialize_timeout</c>, 3600).</summary>
    public double MaterializeTimeout { get; init; } = 3600;

    /// <summary>Seconds between polls of a remote materialization (yaml <c>materialize_poll_interval</c>, 5).</summary>
    public double MaterializePollInterval { get; init; } = 5;
}

/// <summary>The Model Context Protocol feature server (<c>type: mcp</c>).</summary>
public sealed record McpFeatureServerConfig : FeatureServerConfig
{
    /// <inheritdoc/>
    public override string Type => "mcp";

    /// <inheritdoc/>
    public override string TransformationServiceEndpoint { get; init; } = "localhost:6566";

    /// <summary>Serve the MCP endpoints (yaml <c>mcp_enabled</c>).</summary>
    public bool McpEnabled { get; init; }

    /// <summary>The server name announced to MCP clients (yaml <c>mcp_server_name</c>).</summary>
    public string McpServerName { get; init; } = "feast-mcp-server";

    /// <summary>The server version announced to MCP clients (yaml <c>mcp_server_version</c>).</summary>
    public string McpServerVersion { get; init; } = "1.0.0";

    /// <summary>The MCP transport, <c>sse</c> or <c>http</c> (yaml <c>mcp_transport</c>).</summary>
    public string McpTransport { get; init; } = "sse";

    /// <summary>The URL path the MCP endpoints are served under (yaml <c>mcp_base_path</c>).</summary>
    public string McpBasePath { get; init; } = "/mcp";
}

/// <summary>Prometheus metrics of the feature server (<c>feature_server.metrics</c>).</summary>
public sealed record FeatureServerMetricsConfig
{
    /// <summary>Collect metrics and serve them on port 8000 (yaml <c>enabled</c>).</summary>
    public bool Enabled { get; init; }

    /// <summary>CPU and memory gauges (yaml <c>resource</c>).</summary>
    public bool Resource { get; init; } = true;

    /// <summary>Per-endpoint request counters and latency (yaml <c>request</c>).</summary>
    public bool Request { get; init; } = true;

    /// <summary>Online retrieval metrics (yaml <c>online_features</c>).</summary>
    public bool OnlineFeatures { get; init; } = true;

    /// <summary>Push and write counters (yaml <c>push</c>).</summary>
    public bool Push { get; init; } = true;

    /// <summary>Materialization results and durations (yaml <c>materialization</c>).</summary>
    public bool Materialization { get; init; } = true;

    /// <summary>Per-feature-view freshness gauges (yaml <c>freshness</c>).</summary>
    public bool Freshness { get; init; } = true;

    /// <summary>Offline retrieval metrics (yaml <c>offline_features</c>).</summary>
    public bool OfflineFeatures { get; init; } = true;

    /// <summary>Structured audit log entries per request (yaml <c>audit_logging</c>).</summary>
    public bool AuditLogging { get; init; }
}

/// <summary>Logging of served features (<c>feature_server.feature_logging</c>).</summary>
public sealed record FeatureLoggingConfig
{
    /// <summary>Log served features (yaml <c>enabled</c>).</summary>
    public bool Enabled { get; init; }

    /// <summary>Seconds between flushes to the offline store (yaml <c>flush_interval_secs</c>, 600).</summary>
    public int FlushIntervalSecs { get; init; } = 600;

    /// <summary>Seconds between dumps of in-memory logs to disk (yaml <c>write_to_disk_interval_secs</c>, 30).</summary>
    public int WriteToDiskIntervalSecs { get; init; } = 30;

    /// <summary>Queue length after which new log items are rejected (yaml <c>queue_capacity</c>, 100000).</summary>
    public int QueueCapacity { get; init; } = 100000;

    /// <summary>Microseconds to wait when adding to the queue (yaml <c>emit_timeout_micro_secs</c>, 10000).</summary>
    public int EmitTimeoutMicroSecs { get; init; } = 10000;
}
