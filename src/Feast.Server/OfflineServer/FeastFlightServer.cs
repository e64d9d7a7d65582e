using System.Collections.Concurrent;
using Apache.Arrow;
using Apache.Arrow.Flight;
using Apache.Arrow.Flight.Server;
using Feast.Server.Hosting;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Feast.Server.OfflineServer;

/// <summary>
/// Feast's offline server over Arrow Flight (<c>feast serve_offline</c>), speaking the protocol of Feast's remote offline
/// store: the descriptor is a JSON command (<c>command_id</c>, <c>api</c>, parameters); the client <c>do_put</c>s the
/// entity rows (or a one-column <c>key</c> table when it has none) on it; write apis run there and then, read apis are
/// answered by <c>get_flight_info</c> on the same descriptor and a <c>do_get</c> of its ticket, streamed batch by batch.
/// </summary>
internal sealed class FeastFlightServer(OfflineApis apis, ILoggerFactory loggers, TimeProvider time) : FlightServer
{
    /// <summary>How long a put flight waits for its <c>do_get</c> before it is dropped.</summary>
    internal static readonly TimeSpan FlightLifetime = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, PutFlight> _flights = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger("Feast.Server.OfflineServer");

    private int _streaming;

    /// <summary>The flights put and not yet fetched (for tests: an interrupted one must not stay).</summary>
    internal int PendingFlights => _flights.Count;

    /// <summary>The do_get streams running (for tests: a client that goes away must end its stream and query).</summary>
    internal int ActiveStreams => Volatile.Read(ref _streaming);

    public override async Task DoPut(FlightServerRecordBatchStreamReader requestStream, IAsyncStreamWriter<FlightPutResult> responseStream, ServerCallContext context)
    {
        var api = "do_put";
        try
        {
            var descriptor = await requestStream.FlightDescriptor.ConfigureAwait(false);
            var command = OfflineCommand.Parse(CommandText(descriptor));
            api = command.Api;
            if (!OfflineApi.All.Contains(api))
                throw new FeastValidationException($"Unknown api '{ServerErrors.Clip(api)}'. Feast's offline server answers: {string.Join(", ", OfflineApi.All)}.");
            // The whole table is read before anything runs: a put cut short leaves nothing behind and writes nothing.
            var batches = new List<RecordBatch>();
            await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
                batches.Add(batch);
            var schema = await requestStream.Schema.ConfigureAwait(false);
            var table = new PutTable(schema, batches);
            DropExpired();
            if (OfflineApi.Writes.Contains(api))
            {
                var began = System.Diagnostics.Stopwatch.GetTimestamp();
                await apis.WriteAsync(command, table, context, context.CancellationToken).ConfigureAwait(false);
                var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(began).TotalMilliseconds;
                var received = table.Rows;
                LogMessages.OfflineWritten(_logger, api, received, elapsed);
                return;
            }
            _flights[command.Text] = new PutFlight(command, table, time.GetUtcNow());
        }
        catch (Exception e) when (e is not RpcException && !(e is OperationCanceledException && context.CancellationToken.IsCancellationRequested))
        {
            await DrainAsync(requestStream, context.CancellationToken).ConfigureAwait(false);
            throw Fail(e, api);
        }
    }

    /// <summary>
    /// Reads what is left of a refused put (up to <see cref="DrainLimit"/> rows), so that the client finishes sending
    /// and reads the error, rather than a stream reset while it is still writing.
    /// </summary>
    private static async Task DrainAsync(FlightServerRecordBatchStreamReader requestStream, CancellationToken cancellationToken)
    {
        try
        {
            long rows = 0;
            while (rows < DrainLimit && await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
                rows += requestStream.Current.Length;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException or RpcException or InvalidDataException)
        {
            // The client is gone or sent garbage: nothing more to read.
        }
    }

    /// <summary>The most rows of a refused put read before its error is sent.</summary>
    internal const long DrainLimit = 10_000_000;

    public override Task<FlightInfo> GetFlightInfo(FlightDescriptor request, ServerCallContext context)
    {
        try
        {
            var text = CommandText(request);
            if (!_flights.ContainsKey(text))
                throw new FlightNotFoundException("Flight not found: no do_put was made on this descriptor (or its do_get was already served). do_put the entity rows, or an empty table, on the descriptor first.");
            var scheme = context.GetHttpContext().Request.IsHttps ? "grpc+tls" : "grpc+tcp";
            var endpoint = new FlightEndpoint(new FlightTicket(request.Command), [new FlightLocation($"{scheme}://{context.Host}")]);
            return Task.FromResult(new FlightInfo(new Schema([], null), request, [endpoint], -1, -1));
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Fail(e, "get_flight_info");
        }
    }

    public override async Task DoGet(FlightTicket ticket, FlightServerRecordBatchStreamWriter responseStream, ServerCallContext context)
    {
        var api = "do_get";
        var rows = 0L;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _streaming);
        try
        {
            var text = ticket.Ticket.ToStringUtf8();
            if (!_flights.TryRemove(text, out var flight))
                throw new FlightNotFoundException("Unknown ticket: no flight was put for it, or it was already fetched. do_put on the command descriptor, then get_flight_info, then do_get its ticket.");
            api = flight.Command.Api;
            if (!OfflineApi.Reads.Contains(api))
                throw new FeastValidationException($"The api '{ServerErrors.Clip(api)}' returns no data; only {string.Join(", ", OfflineApi.Reads)} are fetched with do_get.");
            var written = false;
            await foreach (var batch in apis.ReadAsync(flight.Command, flight.Table, context, context.CancellationToken).ConfigureAwait(false))
            {
                using (batch)
                    await responseStream.WriteAsync(batch).ConfigureAwait(false);
                rows += batch.Length;
                written = true;
            }
            if (!written) await responseStream.SetupStream(new Schema([], null)).ConfigureAwait(false);
            var took = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            LogMessages.OfflineStreamed(_logger, api, rows, took);
        }
        catch (Exception e) when (context.CancellationToken.IsCancellationRequested && e is OperationCanceledException or IOException or InvalidOperationException)
        {
            LogMessages.OfflineStreamAbandoned(_logger, api, rows);
            throw;
        }
        catch (Exception e) when (e is not RpcException && !(e is OperationCanceledException && context.CancellationToken.IsCancellationRequested))
        {
            throw Fail(e, api);
        }
        finally
        {
            // A client that went away cancels the call's token: the store's query was cancelled with it and is released here.
            Interlocked.Decrement(ref _streaming);
        }
    }

    public override async Task ListFlights(FlightCriteria request, IAsyncStreamWriter<FlightInfo> responseStream, ServerCallContext context)
    {
        foreach (var flight in _flights.Values)
        {
            var descriptor = FlightDescriptor.CreateCommandDescriptor(flight.Command.Text);
            await responseStream.WriteAsync(await GetFlightInfo(descriptor, context).ConfigureAwait(false)).ConfigureAwait(false);
        }
    }

    public override async Task ListActions(IAsyncStreamWriter<FlightActionType> responseStream, ServerCallContext context)
    {
        await responseStream.WriteAsync(new FlightActionType(OfflineApi.OfflineWriteBatch,
            "Writes the specified arrow table to the data source underlying the specified feature view.")).ConfigureAwait(false);
        await responseStream.WriteAsync(new FlightActionType(OfflineApi.WriteLoggedFeatures,
            "Writes logged features to a specified destination in the offline store.")).ConfigureAwait(false);
        await responseStream.WriteAsync(new FlightActionType(OfflineApi.Persist,
            "Synchronously executes the underlying query and persists the result in the same offline store at the specified destination.")).ConfigureAwait(false);
    }

    /// <summary>Feast's server does nothing on do_action; neither does this one.</summary>
    public override Task DoAction(FlightAction request, IAsyncStreamWriter<FlightResult> responseStream, ServerCallContext context) => Task.CompletedTask;

    private static string CommandText(FlightDescriptor descriptor) =>
        descriptor.Type == FlightDescriptorType.Command
            ? descriptor.Command.ToStringUtf8()
            : throw new FeastValidationException("The Flight descriptor is a path; Feast's offline server takes command descriptors whose command is Feast's JSON command.");

    private void DropExpired()
    {
        var cutoff = time.GetUtcNow() - FlightLifetime;
        foreach (var (key, flight) in _flights)
        {
            if (flight.PutAt < cutoff) _flights.TryRemove(key, out _);
        }
    }

    private RpcException Fail(Exception e, string api)
    {
        var answer = ServerErrors.Report(e, "flight/" + api, _logger, System.Diagnostics.Activity.Current);
        return new RpcException(new Status(answer.GrpcStatus, ServerErrors.Detail(answer.ClassName, answer.Message)),
            new Metadata { { ServerErrors.GrpcClassTrailer, answer.ClassName } });
    }

    private sealed record PutFlight(OfflineCommand Command, PutTable Table, DateTimeOffset PutAt);
}

/// <summary>The table a client put on a descriptor: the entity rows, the rows to write, or Feast's placeholder.</summary>
/// <param name="Schema">Its schema.</param>
/// <param name="Batches">Its batches (possibly none).</param>
internal sealed record PutTable(Schema Schema, IReadOnlyList<RecordBatch> Batches)
{
    /// <summary>
    /// Whether it is the placeholder Feast's client puts when it has no table: one string column named <c>key</c>.
    /// </summary>
    public bool IsPlaceholder => Schema.FieldsList.Count == 1 && Schema.FieldsList[0].Name == "key";

    /// <summary>Its rows.</summary>
    public long Rows => Batches.Sum(b => (long)b.Length);

    /// <summary>The rows as one batch; null when the client sent no batch.</summary>
    public RecordBatch? Concatenated()
    {
        if (Batches.Count <= 1) return Batches.Count == 0 ? null : Batches[0];
        var arrays = new List<IArrowArray>(Schema.FieldsList.Count);
        for (var i = 0; i < Schema.FieldsList.Count; i++)
            arrays.Add(ArrowArrayConcatenator.Concatenate([.. Batches.Select(b => b.Column(i))]));
        return new RecordBatch(Schema, arrays, checked((int)Rows));
    }
}

/// <summary>A flight or ticket the server does not hold (Flight's NOT_FOUND, Feast's <c>KeyError("Flight not found.")</c>).</summary>
internal sealed class FlightNotFoundException(string message) : FeastObjectNotFoundException("Flight", "", null)
{
    /// <inheritdoc/>
    public override string Message => message;
}
