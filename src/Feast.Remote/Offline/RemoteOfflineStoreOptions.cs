using Feast.Configuration;

namespace Feast.Remote.Offline;

/// <summary>
/// <c>offline_store: {type: remote}</c>: a client of a Feast offline server (<c>feast serve_offline</c>, Python's or
/// Feast.NET's) over Arrow Flight. The keys are Feast's <c>RemoteOfflineStoreConfig</c>.
/// </summary>
public sealed record RemoteOfflineStoreOptions : OfflineStoreOptions
{
    /// <summary>The yaml keys of the section.</summary>
    internal static readonly OptionsSchema<RemoteOfflineStoreOptions> Schema = new(() => new() { Host = "" })
    {
        { "type", OptionsSchema.Keep, o => o.Type },
        { "host", (o, v) => o with { Host = v.String() }, o => o.Host, true },
        { "port", (o, v) => o with { Port = v.OptionalInt32(1, 65535) }, o => o.Port },
        { "scheme", (o, v) => o with { Scheme = v.Choice(["http", "https"])! }, o => o.Scheme },
        { "cert", (o, v) => o with { Cert = v.OptionalString() ?? "" }, o => o.Cert.Length == 0 ? null : o.Cert },
        { "connection_retries", (o, v) => o with { ConnectionRetries = v.Int32(min: 0) }, o => o.ConnectionRetries },
    };

    /// <inheritdoc/>
    public override string Type => "remote";

    /// <inheritdoc/>
    public override OptionsSchema YamlKeys() => Schema;

    /// <summary>The offline server's host (yaml <c>host</c>, required).</summary>
    public required string Host { get; init; }

    /// <summary>The offline server's port (yaml <c>port</c>); null means Feast's default, 8815.</summary>
    public int? Port { get; init; }

    /// <summary><c>http</c> (plain gRPC) or <c>https</c> (TLS) (yaml <c>scheme</c>, <c>http</c>).</summary>
    public string Scheme { get; init; } = "http";

    /// <summary>
    /// The server's public certificate (PEM) when it serves TLS with a certificate clients do not trust otherwise, such as
    /// a self-signed one (yaml <c>cert</c>); relative to the repo. Empty: the system's trust store.
    /// </summary>
    public string Cert { get; init; } = "";

    /// <summary>Retries of a call the server could not be reached for, with exponential backoff (yaml <c>connection_retries</c>, 3).</summary>
    public int ConnectionRetries { get; init; } = 3;

    /// <summary>The port connected to: <see cref="Port"/>, or Feast's default 8815.</summary>
    public int EffectivePort => Port ?? 8815;
}
