using Feast.Configuration;

namespace Feast.Orleans;

/// <summary>
/// <c>batch_engine: {type: orleans, ...}</c>: materialization split into shards that run on a cluster of
/// <c>feast worker</c> processes (Orleans silos). The client and every worker read the same section: the clustering
/// store is where they find each other.
/// </summary>
public sealed record OrleansBatchEngineOptions : BatchEngineConfig
{
    /// <summary>The engine type.</summary>
    public const string TypeName = "orleans";

    /// <inheritdoc/>
    public override string Type => TypeName;

    /// <inheritdoc/>
    public override OptionsSchema YamlKeys() => OrleansSchemas.Engine;

    /// <summary>Where workers and clients register and find each other (yaml <c>clustering</c>); required.</summary>
    public OrleansClusteringOptions Clustering { get; init; } = new();

    /// <summary>The Orleans cluster id (yaml <c>cluster_id</c>): workers of one cluster share it. Default <c>feast</c>.</summary>
    public string ClusterId { get; init; } = "feast";

    /// <summary>How many shards each (view, window) is split into by a hash of the entity key (yaml <c>shards</c>). Default 8.</summary>
    public int Shards { get; init; } = 8;

    /// <summary>How many times a shard is tried before the run fails (yaml <c>max_attempts</c>). Default 3.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>How long one attempt of one shard may take (yaml <c>task_timeout_seconds</c>). Default 3600.</summary>
    public int TaskTimeoutSeconds { get; init; } = 3600;

    /// <summary>How long the client waits to reach a worker before it fails (yaml <c>connect_timeout_seconds</c>). Default 15.</summary>
    public int ConnectTimeoutSeconds { get; init; } = 15;
}

/// <summary>The <c>clustering</c> section of <c>batch_engine: orleans</c>: the membership store.</summary>
public sealed record OrleansClusteringOptions
{
    /// <summary>The store type (yaml <c>type</c>): <c>redis</c>.</summary>
    public string Type { get; init; } = "redis";

    /// <summary>The store's connection string (yaml <c>connection_string</c>), e.g. <c>localhost:6379</c> for Redis.</summary>
    public string ConnectionString { get; init; } = "";

    /// <summary>The connection string without secrets, for messages.</summary>
    public string Endpoint => Redaction.RedactConnectionString(ConnectionString);
}

/// <summary>The yaml keys of <see cref="OrleansBatchEngineOptions"/>.</summary>
internal static class OrleansSchemas
{
    public static readonly OptionsSchema<OrleansClusteringOptions> Clustering = new(() => new())
    {
        { "type", (o, v) => o with { Type = v.Choice(["redis"])! }, o => o.Type },
        { "connection_string", (o, v) => o with { ConnectionString = v.String() }, o => o.ConnectionString, true },
    };

    public static readonly OptionsSchema<OrleansBatchEngineOptions> Engine = new(() => new())
    {
        { "type", OptionsSchema.Keep, o => o.Type },
        { "clustering", (o, v) => o with { Clustering = v.Section(Clustering) }, o => Clustering.Print(o.Clustering), true },
        { "cluster_id", (o, v) => o with { ClusterId = v.String() }, o => o.ClusterId },
        { "shards", (o, v) => o with { Shards = v.Int32(1, 4096) }, o => o.Shards },
        { "max_attempts", (o, v) => o with { MaxAttempts = v.Int32(1, 100) }, o => o.MaxAttempts },
        { "task_timeout_seconds", (o, v) => o with { TaskTimeoutSeconds = v.Int32(1) }, o => o.TaskTimeoutSeconds },
        { "connect_timeout_seconds", (o, v) => o with { ConnectTimeoutSeconds = v.Int32(1, 3600) }, o => o.ConnectTimeoutSeconds },
    };
}
