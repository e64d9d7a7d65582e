using YamlDotNet.RepresentationModel;

namespace Feast.Configuration;

/// <summary>
/// An <c>online_store:</c> section whose type no backend had registered when the yaml was read
/// (<see cref="RepoConfigLoader.Load(string, string?)"/> without backends). Nothing is lost: a
/// <see cref="FeatureStore"/> binds the section as written with the backends of its
/// <see cref="FeatureStoreOptions.Backends"/>, with the same errors (file, line, did-you-mean) as at load.
/// </summary>
public sealed record UnresolvedOnlineStoreOptions : OnlineStoreOptions
{
    internal UnresolvedOnlineStoreOptions(string type, YamlValue yaml)
    {
        Type = type;
        Yaml = yaml;
        Settings = UnresolvedSection.Settings(type, yaml);
    }

    /// <summary>The type as written (a short name or a Feast class path).</summary>
    public override string Type { get; }

    /// <summary>The section as written, as plain values (see <see cref="YamlValue.Plain"/>).</summary>
    public IReadOnlyDictionary<string, object?> Settings { get; }

    /// <inheritdoc/>
    public override OptionsSchema YamlKeys() => UnresolvedSection.OnlineSchema;

    internal YamlValue Yaml { get; }
}

/// <summary>
/// An <c>offline_store:</c> section whose type no backend had registered when the yaml was read, or Feast's default
/// (<c>dask</c>) when the yaml has none; bound like <see cref="UnresolvedOnlineStoreOptions"/>.
/// </summary>
public sealed record UnresolvedOfflineStoreOptions : OfflineStoreOptions
{
    /// <summary>Feast's default offline store type, used when the yaml has no <c>offline_store</c>.</summary>
    public const string FeastDefaultType = "dask";

    internal static readonly UnresolvedOfflineStoreOptions FeastDefault = new(FeastDefaultType, null);

    internal UnresolvedOfflineStoreOptions(string type, YamlValue? yaml)
    {
        Type = type;
        Yaml = yaml;
        Settings = UnresolvedSection.Settings(type, yaml);
    }

    /// <summary>The type as written (a short name or a Feast class path).</summary>
    public override string Type { get; }

    /// <summary>The section as written, as plain values (see <see cref="YamlValue.Plain"/>).</summary>
    public IReadOnlyDictionary<string, object?> Settings { get; }

    /// <inheritdoc/>
    public override OptionsSchema YamlKeys() => UnresolvedSection.OfflineSchema;

    /// <summary>The section as written; null for Feast's default.</summary>
    internal YamlValue? Yaml { get; }
}

/// <summary>What the unresolved store sections share: their settings as written, printed back unchanged.</summary>
internal static class UnresolvedSection
{
    public static readonly OptionsSchema<UnresolvedOnlineStoreOptions> OnlineSchema = Printing<UnresolvedOnlineStoreOptions>(o => o.Settings);

    public static readonly OptionsSchema<UnresolvedOfflineStoreOptions> OfflineSchema = Printing<UnresolvedOfflineStoreOptions>(o => o.Settings);

    public static readonly OptionsSchema<UnresolvedBatchEngineConfig> BatchEngineSchema = Printing<UnresolvedBatchEngineConfig>(o => o.Settings);

    public static IReadOnlyDictionary<string, object?> Settings(string type, YamlValue? yaml) =>
        yaml is { Node: YamlMappingNode } mapping && mapping.Plain() is IReadOnlyDictionary<string, object?> plain
            ? plain
            : new Dictionary<string, object?>(StringComparer.Ordinal) { ["type"] = type }.AsReadOnly();

    private static OptionsSchema<T> Printing<T>(Func<T, IReadOnlyDictionary<string, object?>> settings)
        where T : class
    {
        var schema = new OptionsSchema<T>(() => throw new InvalidOperationException("An unresolved section is never bound."));
        schema.AllowAdditional((options, _) => options, settings);
        return schema;
    }
}
