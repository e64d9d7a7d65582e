namespace Feast.Configuration;

/// <summary>
/// The <c>batch_engine:</c> section (also read from <c>batch_engine_config</c>): the engine that runs
/// materialization. This base record is Feast's <c>local</c> engine (the default: the client process copies every
/// view itself); engine packages derive their own options and register them with
/// <see cref="FeastBackends.AddBatchEngine{T}"/> (Feast.Orleans: <c>type: orleans</c>), and a type no package had
/// registered when the yaml was read is kept as <see cref="UnresolvedBatchEngineConfig"/>.
/// </summary>
public record BatchEngineConfig
{
    /// <summary>The engine type (<c>local</c> here; an engine package's own name in derived records).</summary>
    public virtual string Type => "local";

    /// <summary>The dataframe backend Feast's local engine uses (yaml <c>backend</c>: <c>pandas</c>, <c>polars</c>, or null).</summary>
    public string? Backend { get; init; }

    /// <summary>The table of this section's yaml keys, which binds and prints it.</summary>
    /// <returns>The schema the options were bound with.</returns>
    public virtual OptionsSchema YamlKeys() => RepoConfigBinder.LocalBatchEngine;
}

/// <summary>
/// A <c>batch_engine:</c> section whose type no engine package had registered when the yaml was read; a
/// <see cref="FeatureStore"/> binds it with its backends (see <see cref="UnresolvedOnlineStoreOptions"/>).
/// </summary>
public sealed record UnresolvedBatchEngineConfig : BatchEngineConfig
{
    internal UnresolvedBatchEngineConfig(string type, YamlValue yaml)
    {
        Type = type;
        Yaml = yaml;
        Settings = UnresolvedSection.Settings(type, yaml);
    }

    /// <summary>The type as written.</summary>
    public override string Type { get; }

    /// <summary>The section as written, as plain values (see <see cref="YamlValue.Plain"/>).</summary>
    public IReadOnlyDictionary<string, object?> Settings { get; }

    /// <inheritdoc/>
    public override OptionsSchema YamlKeys() => UnresolvedSection.BatchEngineSchema;

    internal YamlValue Yaml { get; }
}
