using Feast.Configuration;
using Feast.Registry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using P = Feast.Protos.Core;

namespace Feast.Remote;

/// <summary>
/// The registry kept by a Feast registry server (<c>registry_type: remote</c>, <c>feast serve_registry</c>), read and
/// written over gRPC as Python Feast's remote registry does. <see cref="ReadAsync"/> is the server's <c>Proto</c> call (the
/// whole registry); a <see cref="FeatureStore"/> caches it for <c>cache_ttl_seconds</c> as it caches a local registry.
/// An update reads the registry, lets the caller change a copy, and sends each object that changed with its own
/// <c>Apply*</c>/<c>Delete*</c> call (<see cref="RegistryChanges"/>), then takes the registry as the server wrote it: rebuilt
/// from its copy and what a Feast.NET server says of each write when that hashes to the server's (<see cref="RegistryStamps"/>),
/// read back otherwise.
/// The update's read offers the server the version of the registry read last; a Feast.NET server that still has it says
/// so instead of sending the whole registry again (other servers send it, as Python Feast's does).
/// </summary>
/// <remarks>
/// There is no lock across objects: each object's write is atomic on the server, and concurrent writers of different
/// objects never lose each other's objects (each sends only what it changed), but two writers of the same object race
/// and the last write wins, and a change of several objects that fails half way leaves the objects already sent written
/// (what Python Feast's remote registry does too). The registry itself belongs to the server: it cannot be deleted from
/// a client.
/// </remarks>
public sealed class RemoteRegistryStore : IRegistryStore
{
    private readonly RegistryServerClient _client;
    private readonly ILogger _logger;

    // The registry last read from the server (its version and bytes): an update whose server still has this version
    // diffs against it instead of reading the whole registry again. Callers get registries parsed from the bytes.
    private Held? _held;

    private sealed record Held(string VersionId, byte[] Bytes);

    /// <summary>How many updates took the registry as rebuilt from the server's write trailers instead of reading it back (for tests).</summary>
    internal int Rebuilt => Volatile.Read(ref _rebuilt);

    /// <summary>The bytes of the registry held for the next update's version offer (for tests).</summary>
    internal byte[]? HeldBytes => Volatile.Read(ref _held)?.Bytes;

    private int _rebuilt;

    /// <summary>Creates the store for a <c>registry_type: remote</c> configuration.</summary>
    /// <param name="config">The repo's configuration: its <c>registry</c> (path, cert, is_tls) and <c>auth</c> sections.</param>
    /// <param name="loggerFactory">Where the store logs.</param>
    /// <param name="tokens">The bearer token source; from <c>auth</c> (<see cref="ClientTokens.Create"/>) when null.</param>
    /// <exception cref="FeastConfigException">The path is not a server address, the certificate cannot be read, or the auth section gives no token.</exception>
    public RemoteRegistryStore(RepoConfig config, ILoggerFactory? loggerFactory = null, IClientTokenSource? tokens = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _client = new RegistryServerClient(config.Registry, tokens ?? ClientTokens.Create(config.Auth), config.RepoPath);
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Feast.Remote.RemoteRegistryStore");
    }

    /// <summary>The server's address.</summary>
    public string Description => $"registry server {_client.Address.Authority}";

    /// <inheritdoc/>
    public async Task<RegistryData?> ReadAsync(CancellationToken cancellationToken = default) =>
        (await ReadBytesAsync(cancellationToken).ConfigureAwait(false)).Data;

    /// <summary>
    /// The server's registry and the bytes it came as (parsed once; the bytes serve the diff of an update). With
    /// <paramref name="reuseHeld"/>, the registry read last is offered to the server (its <c>version_id</c>) and, when the
    /// server answers that it still has that version, reused without reading the whole registry again.
    /// </summary>
    private async Task<(RegistryData? Data, byte[] Bytes)> ReadBytesAsync(CancellationToken cancellationToken, bool reuseHeld = false)
    {
        var held = reuseHeld ? Volatile.Read(ref _held) : null;
        var offer = held is null ? null : new Metadata { { RegistryServerMethods.HeldVersionHeader, held.VersionId } };
        var (bytes, trailers) = await _client.CallAsync(RegistryServerMethods.Proto, new Empty(), offer, cancellationToken).ConfigureAwait(false);
        if (held is not null && bytes.Length == 0 && trailers.GetValue(RegistryServerMethods.UnchangedTrailer) == held.VersionId)
            return (RegistryData.Parse(held.Bytes, Description), held.Bytes);
        // A server whose registry was never written answers an empty message (or one with no version and no objects): no
        // registry yet, as a missing file.
        if (bytes.Length == 0) return (null, bytes);
        RegistryData data;
        try
        {
            data = RegistryData.Parse(bytes, Description);
        }
        catch (RegistryException) when (P.Registry.Parser.ParseFrom(bytes) is { VersionId.Length: 0, LastUpdated: null } unstamped && Holds(unstamped) == 0)
        {
            return (null, bytes);
        }
        if (data.VersionId.Length > 0) Volatile.Write(ref _held, new Held(data.VersionId, bytes));
        return (data, bytes);
    }

    /// <inheritdoc/>
    public Task<RegistryData> UpdateAsync(Func<RegistryData, bool> mutate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        return UpdateAsync((registry, _) => ValueTask.FromResult(mutate(registry)), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<RegistryData> UpdateAsync(Func<RegistryData, CancellationToken, ValueTask<bool>> mutate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        var (read, bytes) = await ReadBytesAsync(cancellationToken, reuseHeld: true).ConfigureAwait(false);
        // The registry read is this call's own copy: changed in place, and read again from its bytes if the change is declined.
        var changed = read ?? RegistryData.CreateEmpty();
        if (!await mutate(changed, cancellationToken).ConfigureAwait(false))
            return read is null ? RegistryData.CreateEmpty() : RegistryData.Parse(bytes, Description);
        // Through the public bytes: the SDK exposes no protobuf type, and this package is a plug-in like any other. The
        // registry before is the bytes the server sent (not serialised again); only objects whose bytes differ are parsed.
        var before = read is null ? [] : bytes;
        var changes = RegistryChanges.Diff(before, changed.ToByteArray());
        var trailers = new List<Metadata?>(changes.Calls.Count);
        foreach (var call in changes.Calls)
        {
            try
            {
                trailers.Add(await call.Send(_client, new Metadata { { RegistryStamps.Header, "1" } }, cancellationToken).ConfigureAwait(false));
            }
            catch (RegistryException e) when (call.Rpc == "ApplyMaterialization" && e.InnerException is RpcException { StatusCode: StatusCode.Unimplemented })
            {
                RemoteLog.MaterializationNotRecorded(_logger, call.Name, _client.Address.Authority);
                trailers.Add(null);
            }
        }
        RemoteLog.Written(_logger, changes.Calls.Count, _client.Address.Authority);
        // The registry as the server wrote it: rebuilt from the one before and the server's word on each write when the
        // result hashes to the server's registry, read back otherwise.
        if (RegistryStamps.Rebuild(before, changes, trailers) is { } rebuilt)
        {
            var written = RegistryData.Parse(rebuilt, Description);
            Volatile.Write(ref _held, new Held(written.VersionId, rebuilt));
            Interlocked.Increment(ref _rebuilt);
            return written;
        }
        return await ReadAsync(cancellationToken).ConfigureAwait(false) ?? RegistryData.CreateEmpty();
    }

    /// <summary>Refused: the registry belongs to the server (a client's teardown removes its project's objects only).</summary>
    /// <exception cref="RegistryException">Always.</exception>
    public Task DeleteAsync(CancellationToken cancellationToken = default) =>
        throw new RegistryException($"The registry of the {Description} belongs to the server and cannot be deleted by a client. Delete the server's registry where it runs.");

    /// <summary>Never deletes: the registry belongs to the server.</summary>
    /// <returns><see langword="false"/>.</returns>
    public Task<bool> DeleteIfEmptyAsync(CancellationToken cancellationToken = default) => Task.FromResult(false);

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private static int Holds(P.Registry r) =>
        r.Projects.Count + r.Entities.Count + r.DataSources.Count + r.FeatureViews.Count + r.StreamFeatureViews.Count
        + r.OnDemandFeatureViews.Count + r.FeatureServices.Count + r.Permissions.Count + r.SavedDatasets.Count + r.ValidationReferences.Count;
}

internal static partial class RemoteLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Sent {CallCount} object writes to the registry server {Address}")]
    public static partial void Written(ILogger logger, int callCount, string address);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The registry server {Address} does not implement ApplyMaterialization: the materialized interval of feature view {View} is not recorded in the registry (the online store was written)")]
    public static partial void MaterializationNotRecorded(ILogger logger, string view, string address);
}
