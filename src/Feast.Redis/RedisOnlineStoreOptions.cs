using System.Text;
using Feast.Configuration;

namespace Feast.Redis;

/// <summary>The deployment shape of a Redis online store.</summary>
public enum RedisType
{
    /// <summary>A single server (yaml <c>redis</c>).</summary>
    Redis,

    /// <summary>A Redis Cluster (yaml <c>redis_cluster</c>).</summary>
    RedisCluster,

    /// <summary>Servers found through Redis Sentinel (yaml <c>redis_sentinel</c>).</summary>
    RedisSentinel,
}

/// <summary>The Redis online store (<c>type: redis</c>): one hash per entity key and project.</summary>
public sealed record RedisOnlineStoreOptions : OnlineStoreOptions
{
    /// <inheritdoc/>
    public override string Type => "redis";

    /// <inheritdoc/>
    public override OptionsSchema YamlKeys() => RedisConfiguration.Schema;

    /// <summary>The deployment shape (yaml <c>redis_type</c>).</summary>
    public RedisType RedisType { get; init; } = RedisType.Redis;

    /// <summary>
    /// <c>host:port[,host2:port2][,key=value…]</c> as Feast writes it (yaml <c>connection_string</c>,
    /// <c>localhost:6379</c>).
    /// </summary>
    public string ConnectionString { get; init; } = "localhost:6379";

    /// <summary>The Sentinel master name (yaml <c>sentinel_master</c>, <c>mymaster</c>).</summary>
    public string SentinelMaster { get; init; } = "mymaster";

    /// <summary>Expire entity hashes after this many seconds (yaml <c>key_ttl_seconds</c>); null never expires.</summary>
    public int? KeyTtlSeconds { get; init; }

    /// <summary>Scan the whole keyspace when deleting a feature view (yaml <c>full_scan_for_deletion</c>).</summary>
    public bool FullScanForDeletion { get; init; } = true;

    /// <summary>Write without first reading the stored event timestamp (yaml <c>skip_dedup</c>).</summary>
    public bool SkipDedup { get; init; }

    // Records print every property; a password inside the connection string must not reach logs.
    /// <inheritdoc/>
    protected override bool PrintMembers(StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (base.PrintMembers(builder))
        {
            builder.Append(", ");
        }

        builder.Append("RedisType = ").Append(RedisType)
            .Append(", ConnectionString = ").Append(Redaction.RedactConnectionString(ConnectionString))
            .Append(", SentinelMaster = ").Append(SentinelMaster)
            .Append(", KeyTtlSeconds = ").Append(KeyTtlSeconds)
            .Append(", FullScanForDeletion = ").Append(FullScanForDeletion)
            .Append(", SkipDedup = ").Append(SkipDedup);
        return true;
    }
}

/// <summary>The <c>online_store</c> keys of the Redis store, as Feast's <c>RedisOnlineStoreConfig</c> names them.</summary>
internal static class RedisConfiguration
{
    public static readonly NameMap<RedisType> RedisTypes = new(
        ("redis", RedisType.Redis),
        ("redis_cluster", RedisType.RedisCluster),
        ("redis_sentinel", RedisType.RedisSentinel));

    public static readonly OptionsSchema<RedisOnlineStoreOptions> Schema = new(() => new())
    {
        { "type", OptionsSchema.Keep, o => o.Type },
        { "redis_type", (o, v) => o with { RedisType = v.Enum(RedisTypes) }, o => RedisTypes.NameOf(o.RedisType) },
        { "connection_string", (o, v) => o with { ConnectionString = v.String() }, o => o.ConnectionString },
        { "sentinel_master", (o, v) => o with { SentinelMaster = v.String() }, o => o.SentinelMaster },
        { "key_ttl_seconds", (o, v) => o with { KeyTtlSeconds = v.OptionalInt32(min: 1) }, o => o.KeyTtlSeconds },
        { "full_scan_for_deletion", (o, v) => o with { FullScanForDeletion = v.OptionalBoolean() ?? true }, o => o.FullScanForDeletion },
        { "skip_dedup", (o, v) => o with { SkipDedup = v.Boolean() }, o => o.SkipDedup },
        { "enforce_ttl", (o, v) => o with { EnforceTtl = v.Boolean() }, o => o.EnforceTtl },
    };
}
