using System.Text;

namespace Feast.Configuration;

/// <summary>
/// The <c>offline_store:</c> section of <c>feature_store.yaml</c>. Feast's default, <c>dask</c>, and its alias
/// <c>file</c> are served by the DuckDB store, so they bind to <see cref="DuckDbOfflineStoreOptions"/>.
/// </summary>
public abstract record OfflineStoreOptions
{
    /// <summary>The short store type (<c>duckdb</c>, <c>postgres</c>).</summary>
    public abstract string Type { get; }
}

/// <summary>
/// The DuckDB offline store (<c>type: duckdb</c>; also what <c>file</c> and <c>dask</c> bind to). It reads file
/// sources (Parquet, CSV) directly.
/// </summary>
public sealed record DuckDbOfflineStoreOptions : OfflineStoreOptions
{
    /// <inheritdoc/>
    public override string Type => "duckdb";

    /// <summary>Where exported results are staged, e.g. an <c>s3://</c> prefix (yaml <c>staging_location</c>).</summary>
    public string? StagingLocation { get; init; }

    /// <summary>An S3-compatible endpoint for <see cref="StagingLocation"/> (yaml <c>staging_location_endpoint_override</c>).</summary>
    public string? StagingLocationEndpointOverride { get; init; }
}

/// <summary>How the Postgres offline store passes an entity dataframe to its queries.</summary>
public enum PostgresEntitySelectMode
{
    /// <summary>Upload the rows to a temporary table (yaml <c>temp_table</c>).</summary>
    TempTable,

    /// <summary>Embed the entity query as a sub-select (yaml <c>embed_query</c>).</summary>
    EmbedQuery,
}

/// <summary>The PostgreSQL offline store (<c>type: postgres</c>).</summary>
public sealed record PostgresOfflineStoreOptions : OfflineStoreOptions
{
    /// <inheritdoc/>
    public override string Type => "postgres";

    /// <summary>The connection settings shared with the Postgres online store.</summary>
    public required PostgresConnectionOptions Connection { get; init; }

    /// <summary>How entity rows reach the query (yaml <c>entity_select_mode</c>, <c>temp_table</c>).</summary>
    public PostgresEntitySelectMode EntitySelectMode { get; init; } = PostgresEntitySelectMode.TempTable;

    /// <inheritdoc/>
    protected override bool PrintMembers(StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (base.PrintMembers(builder))
        {
            builder.Append(", ");
        }

        builder.Append("Connection = ").Append(Connection)
            .Append(", EntitySelectMode = ").Append(EntitySelectMode);
        return true;
    }
}
