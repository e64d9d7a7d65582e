using System.Runtime.CompilerServices;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Flight;
using Apache.Arrow.Flight.Client;
using Feast.Configuration;
using Grpc.Core;
using Grpc.Net.Client;

namespace Feast.Remote.Offline;

/// <summary>
/// The Flight side of the remote offline store, as Feast's client speaks it: a command descriptor holding Feast's JSON
/// (<c>command_id</c>, <c>api</c>, parameters), a <c>do_put</c> of the entity rows or rows to write (or Feast's one-column
/// <c>key</c> placeholder), then for reads <c>get_flight_info</c> on the same descriptor and a <c>do_get</c> of its ticket.
/// Every call carries the <c>auth:</c> section's bearer token; failures become Feast's exceptions naming the server.
/// </summary>
internal sealed class OfflineFlightClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly FlightClient _client;
    private readonly IClientTokenSource _tokens;
    private readonly int _retries;

    public OfflineFlightClient(RemoteOfflineStoreOptions options, IClientTokenSource tokens, string repoPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        _tokens = tokens;
        _retries = options.ConnectionRetries;
        var tls = options.Scheme == "https";
        Address = new Uri($"{(tls ? "https" : "http")}://{options.Host}:{options.EffectivePort}");
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (options.Cert.Length > 0)
        {
            if (!tls)
                throw new FeastConfigException("feature_store.yaml: offline_store.cert is set but offline_store.scheme is http. Set scheme: https to connect to a feast serve_offline started with --key/--cert, or remove cert.");
            RegistryServerClient.TrustOnly(handler, repoPath, options.Cert, "offline_store.cert", "feast serve_offline");
        }
        _channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = null, MaxSendMessageSize = null });
        _client = new FlightClient(_channel);
    }

    /// <summary>The server's address, for messages (<c>host:port</c>).</summary>
    public Uri Address { get; }

    /// <summary>
    /// Puts <paramref name="table"/> (or the placeholder) on a new command for <paramref name="api"/> and, for a read, streams
    /// what the server answers.
    /// </summary>
    public async IAsyncEnumerable<RecordBatch> GetAsync(string api, IReadOnlyDictionary<string, object?> parameters, OutgoingTable? table,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var descriptor = await PutAsync(api, parameters, table, cancellationToken).ConfigureAwait(false);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        FlightInfo info;
        try
        {
            info = await _client.GetInfo(descriptor, headers, null, cancellationToken).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (!Cancelled(e, cancellationToken))
        {
            throw OfflineErrors.From(e, api, Address);
        }
        var ticket = (info.Endpoints.Count > 0 ? info.Endpoints[0].Ticket : null)
            ?? throw new FeastException($"The offline server at {Address.Authority} answered {api} with no endpoint to fetch the result from.");
        using var call = _client.GetStream(ticket, headers, null, cancellationToken);
        var stream = call.ResponseStream;
        while (true)
        {
            bool more;
            try
            {
                more = await stream.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (!Cancelled(e, cancellationToken))
            {
                throw OfflineErrors.From(e, api, Address);
            }
            catch (IOException e)
            {
                throw OfflineErrors.Interrupted(e, api, Address);
            }
            if (!more) yield break;
            yield return stream.Current;
        }
    }

    /// <summary>Puts a command and its table; for write apis this is the whole call.</summary>
    public async Task<FlightDescriptor> PutAsync(string api, IReadOnlyDictionary<string, object?> parameters, OutgoingTable? table, CancellationToken cancellationToken)
    {
        var descriptor = FlightDescriptor.CreateCommandDescriptor(Command(api, parameters));
        table ??= OutgoingTable.Placeholder;
        for (var attempt = 0; ; attempt++)
        {
            var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using var call = await _client.StartPut(descriptor, table.Schema, headers, null, cancellationToken).ConfigureAwait(false);
                Exception? writeFailure = null;
                try
                {
                    foreach (var batch in table.Batches)
                        await call.RequestStream.WriteAsync(batch).ConfigureAwait(false);
                    await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A server that refuses the command ends the call while rows are still being sent; its status,
                    // read below, says why.
                    writeFailure = e;
                }
                while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    // Feast's server sends no put results; any are read and dropped so the call ends cleanly.
                }
                if (writeFailure is not null) throw OfflineErrors.Interrupted(writeFailure, api, Address);
                return descriptor;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && attempt < _retries && !cancellationToken.IsCancellationRequested && !OfflineErrors.HasDetail(e))
            {
                // Nothing reached the server (it was not there): the put is sent again after a pause, as Feast's client retries.
                await Task.Delay(TimeSpan.FromSeconds(0.5 * Math.Pow(2, attempt)), cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (!Cancelled(e, cancellationToken))
            {
                throw OfflineErrors.From(e, api, Address);
            }
        }
    }

    private async Task<Metadata?> HeadersAsync(CancellationToken cancellationToken)
    {
        var token = await _tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        return token is null ? null : new Metadata { { "authorization", "Bearer " + token } };
    }

    /// <summary>Feast's JSON command: a fresh <c>command_id</c>, the <c>api</c>, then the parameters.</summary>
    internal static string Command(string api, IReadOnlyDictionary<string, object?> parameters)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("command_id", Guid.NewGuid().ToString());
            json.WriteString("api", api);
            foreach (var (name, value) in parameters)
            {
                json.WritePropertyName(name);
                JsonSerializer.Serialize(json, value);
            }
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static bool Cancelled(RpcException e, CancellationToken cancellationToken) =>
        e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested;

    public void Dispose() => _channel.Dispose();
}

/// <summary>A table a client puts: its schema and batches.</summary>
/// <param name="Schema">The schema.</param>
/// <param name="Batches">The batches (possibly none).</param>
internal sealed record OutgoingTable(Schema Schema, IReadOnlyList<RecordBatch> Batches)
{
    /// <summary>Feast's placeholder for "no table": one string column <c>key</c> holding <c>mock_key</c>.</summary>
    public static OutgoingTable Placeholder
    {
        get
        {
            var key = new StringArray.Builder().Append("mock_key").Build();
            var schema = new Schema([new Apache.Arrow.Field("key", Apache.Arrow.Types.StringType.Default, true)], null);
            return new OutgoingTable(schema, [new RecordBatch(schema, [key], 1)]);
        }
    }
}
