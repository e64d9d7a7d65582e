namespace Feast.Configuration;

/// <summary>Maps an enum to the snake_case names Feast uses in <c>feature_store.yaml</c>, both ways.</summary>
internal sealed class NameMap<T>
    where T : struct, Enum
{
    private readonly (string Name, T Value)[] _entries;

    public NameMap(params (string Name, T Value)[] entries) => _entries = entries;

    public IEnumerable<string> Names => _entries.Select(entry => entry.Name);

    public bool TryParse(string name, out T value)
    {
        foreach (var entry in _entries)
        {
            if (string.Equals(entry.Name, name, StringComparison.Ordinal))
            {
                value = entry.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    public string NameOf(T value)
    {
        foreach (var entry in _entries)
        {
            if (EqualityComparer<T>.Default.Equals(entry.Value, value))
            {
                return entry.Name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, $"No yaml name for {typeof(T).Name}.{value}.");
    }
}

/// <summary>The yaml names of the configuration enums.</summary>
internal static class ConfigNames
{
    public static readonly NameMap<RegistryType> RegistryTypes = new(
        ("file", RegistryType.File),
        ("sql", RegistryType.Sql),
        ("remote", RegistryType.Remote),
        ("snowflake.registry", RegistryType.Snowflake));

    public static readonly NameMap<RegistryCacheMode> CacheModes = new(
        ("sync", RegistryCacheMode.Sync),
        ("thread", RegistryCacheMode.Thread));

    public static readonly NameMap<RegistrySchemaMode> SchemaModes = new(
        ("auto", RegistrySchemaMode.Auto),
        ("verify", RegistrySchemaMode.Verify),
        ("skip", RegistrySchemaMode.Skip));

    public static readonly NameMap<RedisType> RedisTypes = new(
        ("redis", RedisType.Redis),
        ("redis_cluster", RedisType.RedisCluster),
        ("redis_sentinel", RedisType.RedisSentinel));

    public static readonly NameMap<PostgresConnectionType> ConnectionTypes = new(
        ("singleton", PostgresConnectionType.Singleton),
        ("pool", PostgresConnectionType.Pool));

    public static readonly NameMap<PostgresEntitySelectMode> EntitySelectModes = new(
        ("temp_table", PostgresEntitySelectMode.TempTable),
        ("embed_query", PostgresEntitySelectMode.EmbedQuery));
}
