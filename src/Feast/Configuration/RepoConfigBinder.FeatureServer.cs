// RepoConfigBinder: the feature_server section (local, mcp) with its metrics and logging tables.
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Feast.Configuration;

internal static partial class RepoConfigBinder
{
    // ---- feature server ------------------------------------------------------------------------------------

    private static readonly OptionsSchema<FeatureServerMetricsConfig> Metrics = new(() => new())
    {
        { "enabled", (o, v) => o with { Enabled = v.Boolean() }, o => o.Enabled },
        { "resource", (o, v) => o with { Resource = v.Boolean() }, o => o.Resource },
        { "request", (o, v) => o with { Request = v.Boolean() }, o => o.Request },
        { "online_features", (o, v) => o with { OnlineFeatures = v.Boolean() }, o => o.OnlineFeatures },
        { "push", (o, v) => o with { Push = v.Boolean() }, o => o.Push },
        { "materialization", (o, v) => o with { Materialization = v.Boolean() }, o => o.Materialization },
        { "freshness", (o, v) => o with { Freshness = v.Boolean() }, o => o.Freshness },
        { "offline_features", (o, v) => o with { OfflineFeatures = v.Boolean() }, o => o.OfflineFeatures },
        { "audit_logging", (o, v) => o with { AuditLogging = v.Boolean() }, o => o.AuditLogging },
    };

    private static readonly OptionsSchema<FeatureLoggingConfig> FeatureLogging = new(() => new())
    {
        { "enabled", (o, v) => o with { Enabled = v.Boolean() }, o => o.Enabled },
        { "flush_interval_secs", (o, v) => o with { FlushIntervalSecs = v.Int32(min: 0) }, o => o.FlushIntervalSecs },
        { "write_to_disk_interval_secs", (o, v) => o with { WriteToDiskIntervalSecs = v.Int32(min: 0) }, o => o.WriteToDiskIntervalSecs },
        { "queue_capacity", (o, v) => o with { QueueCapacity = v.Int32(min: 1) }, o => o.QueueCapacity },
        { "emit_timeout_micro_secs", (o, v) => o with { EmitTimeoutMicroSecs = v.Int32(min: 0) }, o => o.EmitTimeoutMicroSecs },
    };

    private static readonly OptionsSchema<FeatureServerConfig> FeatureServerCommon = new(() => new LocalFeatureServerConfig())
    {
        { "enabled", (o, v) => o with { Enabled = v.Boolean() }, o => o.Enabled },
        { "metrics", (o, v) => o with { Metrics = Metrics.Bind(v.OptionalMapping(), v.AsSection(), v.Node) }, o => Metrics.Print(o.Metrics) },
        { "metrics_require_auth", (o, v) => o with { MetricsRequireAuth = v.OptionalBoolean() }, o => o.MetricsRequireAuth },
        { "feature_logging", (o, v) => o with { FeatureLogging = FeatureLogging.Bind(v.OptionalMapping(), v.AsSection(), v.Node) }, o => FeatureLogging.Print(o.FeatureLogging) },
        { "offline_push_batching_enabled", (o, v) => o with { OfflinePushBatchingEnabled = v.OptionalBoolean() }, o => o.OfflinePushBatchingEnabled },
        { "offline_push_batching_batch_size", (o, v) => o with { OfflinePushBatchingBatchSize = v.OptionalInt32(min: 1) }, o => o.OfflinePushBatchingBatchSize },
        { "offline_push_batching_batch_interval_seconds", (o, v) => o with { OfflinePushBatchingBatchIntervalSeconds = v.OptionalInt32(min: 1) }, o => o.OfflinePushBatchingBatchIntervalSeconds },
        { "transformation_service_endpoint", (o, v) => o with { TransformationServiceEndpoint = v.String() }, o => o.TransformationServiceEndpoint },
    };

    private static readonly OptionsSchema<LocalFeatureServerConfig> LocalFeatureServer = CreateLocalFeatureServer();

    private static OptionsSchema<LocalFeatureServerConfig> CreateLocalFeatureServer()
    {
        var schema = new OptionsSchema<LocalFeatureServerConfig>(() => new())
        {
            { "type", Keep, o => o.Type },
        };
        schema.Include(FeatureServerCommon, o => o, (_, o) => (LocalFeatureServerConfig)o);
        schema.Add("materialize_mode", (o, v) => o with { MaterializeMode = v.Choice(["local", "remote"])! }, o => o.MaterializeMode);
        schema.Add("url", (o, v) => o with { Url = v.OptionalString() }, o => o.Url);
        schema.Add("materialize_timeout", (o, v) => o with { MaterializeTimeout = v.Double(exclusiveMin: 0) }, o => o.MaterializeTimeout);
        schema.Add(
            "materialize_poll_interval",
            (o, v) => o with { MaterializePollInterval = v.Double(exclusiveMin: 0) },
            o => o.MaterializePollInterval);
        return schema;
    }

    private static readonly OptionsSchema<McpFeatureServerConfig> McpFeatureServer = CreateMcpFeatureServer();

    private static OptionsSchema<McpFeatureServerConfig> CreateMcpFeatureServer()
    {
        var schema = new OptionsSchema<McpFeatureServerConfig>(() => new())
        {
            { "type", Keep, o => o.Type },
        };
        schema.Include(FeatureServerCommon, o => o, (_, o) => (McpFeatureServerConfig)o);
        schema.Add("mcp_enabled", (o, v) => o with { McpEnabled = v.Boolean() }, o => o.McpEnabled);
        schema.Add("mcp_server_name", (o, v) => o with { McpServerName = v.String() }, o => o.McpServerName);
        schema.Add("mcp_server_version", (o, v) => o with { McpServerVersion = v.String() }, o => o.McpServerVersion);
        schema.Add("mcp_transport", (o, v) => o with { McpTransport = v.Choice(["sse", "http"])! }, o => o.McpTransport);
        schema.Add("mcp_base_path", (o, v) => o with { McpBasePath = v.String() }, o => o.McpBasePath);
        return schema;
    }

    private static readonly TypedSection<FeatureServerConfig> FeatureServers = CreateFeatureServers();

    private static TypedSection<FeatureServerConfig> CreateFeatureServers()
    {
        var section = new TypedSection<FeatureServerConfig>("feature server", "type", "local", classSuffix: null, o => o.Type);
        section.Add("local", LocalFeatureServer);
        section.Add("mcp", McpFeatureServer);
        return section;
    }
}
