using Feast.Configuration;

namespace Feast.DuckDb;

/// <summary>
/// The DuckDB offline store (<c>type: duckdb</c>; also what <c>file</c> and <c>dask</c> bind to). It reads file
/// sources (Parquet, CSV) directly.
/// </summary>
public sealed record DuckDbOfflineStoreOptions : OfflineStoreOptions
{
    /// <inheritdoc/>
    public override string Type => "duckdb";

    /// <inheritdoc/>
    public override OptionsSchema YamlKeys() => DuckDbConfiguration.Schema;

    /// <summary>Where exported results are staged, e.g. an <c>s3://</c> prefix (yaml <c>staging_location</c>).</summary>
    public string? StagingLocation { get; init; }

    /// <summary>An S3-compatible endpoint for <see cref="StagingLocation"/> (yaml <c>staging_location_endpoint_override</c>).</summary>
    public string? StagingLocationEndpointOverride { get; init; }
}

/// <summary>The <c>offline_store</c> keys of the DuckDB store, and of Feast's <c>file</c>/<c>dask</c> store it serves.</summary>
internal static class DuckDbConfiguration
{
    public static readonly OptionsSchema<DuckDbOfflineStoreOptions> Schema = new(() => new())
    {
        { "type", OptionsSchema.Keep, o => o.Type },
        { "staging_location", (o, v) => o with { StagingLocation = v.OptionalString() }, o => o.StagingLocation },
        { "staging_location_endpoint_override", (o, v) => o with { StagingLocationEndpointOverride = v.OptionalString() }, o => o.StagingLocationEndpointOverride },
    };

    // Feast's `file`/`dask` store has no options; Feast.NET serves it with DuckDB.
    public static readonly OptionsSchema<DuckDbOfflineStoreOptions> FileSchema = new(() => new())
    {
        { "type", OptionsSchema.Keep, o => o.Type },
    };
}
