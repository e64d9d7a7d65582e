namespace Feast.Redis;

/// <summary>
/// The bytes of Feast's Redis layout, for tools that read or write the store's hashes without the store: inspecting
/// a key with <c>redis-cli</c>, a bulk loader, a benchmark writing the same rows another way. One hash per entity and
/// project, keyed by the serialized entity key followed by the UTF-8 project name; one field per feature named by the
/// 4-byte MurmurHash3 of <c>"{view}:{feature}"</c> holding the value's protobuf bytes; one field <c>"_ts:{view}"</c>
/// holding the event time as a serialized <c>google.protobuf.Timestamp</c>.
/// </summary>
public static class FeastRedisLayout
{
    /// <summary>The Redis key of an entity: <paramref name="serializedEntityKey"/> followed by UTF-8 <paramref name="project"/>.</summary>
    /// <param name="serializedEntityKey">The entity key as Feast serializes it (<c>EntityKeySerializer</c>).</param>
    /// <param name="project">The project name.</param>
    public static byte[] Key(ReadOnlySpan<byte> serializedEntityKey, string project) => RedisLayout.Key(serializedEntityKey, project);

    /// <summary>The hash field of feature <paramref name="feature"/> of view <paramref name="view"/> (Feast's <c>_mmh3</c>).</summary>
    public static byte[] FeatureField(string view, string feature) => RedisLayout.FeatureField(view, feature);

    /// <summary>The hash field holding the event time of view <paramref name="view"/>: <c>_ts:{view}</c>.</summary>
    public static byte[] TimestampField(string view) => RedisLayout.TimestampField(view);

    /// <summary>The value of the <see cref="TimestampField"/> field: <paramref name="eventTimestamp"/> as a serialized <c>google.protobuf.Timestamp</c>.</summary>
    public static byte[] TimestampValue(DateTimeOffset eventTimestamp) => RedisLayout.SerializeTimestamp(eventTimestamp);
}
