namespace Feast.Configuration;

/// <summary>Maps an enum to the snake_case names Feast uses in <c>feature_store.yaml</c>, both ways.</summary>
/// <typeparam name="T">The enum.</typeparam>
public sealed class NameMap<T>
    where T : struct, Enum
{
    private readonly (string Name, T Value)[] _entries;

    /// <summary>Creates the map.</summary>
    /// <param name="entries">Each yaml name with its value.</param>
    public NameMap(params (string Name, T Value)[] entries) => _entries = entries;

    /// <summary>The yaml names, in order.</summary>
    public IEnumerable<string> Names => _entries.Select(entry => entry.Name);

    /// <summary>The value of a yaml name.</summary>
    /// <param name="name">The yaml name (case-sensitive).</param>
    /// <param name="value">The value, when found.</param>
    /// <returns>Whether the name is known.</returns>
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

    /// <summary>The yaml name of a value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>Its yaml name.</returns>
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
}
