namespace Feast.Configuration;

/// <summary>
/// The <c>online_store:</c> section of <c>feature_store.yaml</c>. One derived type per store type: SQLite and remote
/// are built in, backend packages add theirs through <see cref="FeastBackends.AddOnlineStore{T}"/>, and a type no
/// backend registered when the yaml was read is kept as <see cref="UnresolvedOnlineStoreOptions"/>.
/// <see cref="RepoConfig.OnlineStore"/> is null when the yaml says <c>online_store: null</c> or <c>"none"</c>.
/// </summary>
public abstract record OnlineStoreOptions
{
    /// <summary>The short store type as Feast names it (<c>sqlite</c>, <c>redis</c>, <c>postgres</c>, <c>remote</c>).</summary>
    public abstract string Type { get; }

    /// <summary>The table of this section's yaml keys, which binds and prints it.</summary>
    /// <returns>The schema the options were bound with.</returns>
    public abstract OptionsSchema YamlKeys();

    /// <summary>
    /// Feast.NET's opt-in <c>enforce_ttl</c>: online reads report values older than their feature view's ttl as
    /// <c>OUTSIDE_MAX_AGE</c> (with a null value), as Feast's Go server does. Python Feast ignores ttl online and does
    /// not know this key, so leave it out of a yaml Python Feast must also read.
    /// </summary>
    public bool EnforceTtl { get; init; }
}

/// <summary>The SQLite online store (<c>type: sqlite</c>): one database file, one table per feature view.</summary>
public sealed record SqliteOnlineStoreOptions : OnlineStoreOptions
{
    /// <summary>The default database path, relative to the repo directory.</summary>
    public const string DefaultPath = "data/online.db";

    /// <inheritdoc/>
    public override string Type => "sqlite";

    /// <inheritdoc/>
    public override OptionsSchema YamlKeys() => RepoConfigBinder.SqliteOnlineStore;

    /// <summary>
    /// The database file as written in the yaml (yaml <c>path</c>); resolve it with
    /// <see cref="RepoConfig.ResolvePath(string)"/>.
    /// </summary>
    public string Path { get; init; } = DefaultPath;

    /// <summary>Store vectors for similarity search (yaml <c>vector_enabled</c>).</summary>
    public bool VectorEnabled { get; init; }

    /// <summary>The length of vector features (yaml <c>vector_len</c>, 512).</summary>
    public int VectorLength { get; init; } = 512;

    /// <summary>The vector similarity metric (yaml <c>similarity</c>, <c>cosine</c>).</summary>
    public string Similarity { get; init; } = "cosine";

    /// <summary>
    /// Feast.NET's <c>last_write_wins</c>: every write replaces what is stored, even a value with a newer event
    /// timestamp (Feast's SQLite and PostgreSQL stores behave so). By default a row is written only when its event
    /// timestamp is newer than the stored one, or equal with a created timestamp that is not older, as Feast's Redis
    /// store refuses older rows: a materialization of old data running beside a push of fresh values cannot overwrite
    /// them. Python Feast does not know this key.
    /// </summary>
    public bool LastWriteWins { get; init; }

    /// <summary>Enable full-text search over string features (yaml <c>text_search_enabled</c>).</summary>
    public bool TextSearchEnabled { get; init; }

    /// <summary>Keep the <c>value_num</c> column for the OpenAI-compatible vector store API (yaml <c>enable_openai_compatible_store</c>).</summary>
    public bool EnableOpenaiCompatibleStore { get; init; }
}

/// <summary>
/// The remote online store (<c>type: remote</c>): a client of a Feast feature server's HTTP API.
/// </summary>
public sealed record RemoteOnlineStoreOptions : OnlineStoreOptions
{
    /// <inheritdoc/>
    public override string Type => "remote";

    /// <inheritdoc/>
    public override OptionsSchema YamlKeys() => RepoConfigBinder.RemoteOnlineStore;

    /// <summary>The feature server URL (yaml <c>path</c>, <c>http://localhost:6566</c>).</summary>
    public string Path { get; init; } = "http://localhost:6566";

    /// <summary>The server's public certificate for TLS (yaml <c>cert</c>).</summary>
    public string? Cert { get; init; }

    /// <summary>Pooled HTTP connections (yaml <c>connection_pool_size</c>, 50).</summary>
    public int ConnectionPoolSize { get; init; } = 50;

    /// <summary>Seconds before an idle pooled connection is closed (yaml <c>connection_idle_timeout</c>, 300).</summary>
    public int ConnectionIdleTimeout { get; init; } = 300;

    /// <summary>Retries of a failed request (yaml <c>connection_retries</c>, 3).</summary>
    public int ConnectionRetries { get; init; } = 3;
}
