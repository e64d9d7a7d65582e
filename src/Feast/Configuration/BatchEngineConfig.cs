namespace Feast.Configuration;

/// <summary>
/// The <c>batch_engine:</c> section (also read from <c>batch_engine_config</c>): the engine that runs
/// materialization. Only Feast's <c>local</c> engine is supported.
/// </summary>
public sealed record BatchEngineConfig
{
    /// <summary>The engine type; always <c>local</c>.</summary>
    public string Type { get; } = "local";

    /// <summary>The dataframe backend Feast's local engine uses (yaml <c>backend</c>: <c>pandas</c>, <c>polars</c>, or null).</summary>
    public string? Backend { get; init; }
}
