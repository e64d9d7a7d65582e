using System.Net;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Flight;
using Apache.Arrow.Flight.Client;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Tests.OfflineServer;

/// <summary>
/// An offline server for a test on real Kestrel (HTTP/2 without TLS on a free loopback port), with a raw Arrow Flight
/// client that speaks Feast's protocol exactly as Python's remote offline store does: a JSON command descriptor, a
/// do_put of the entity rows (or the one-column <c>key</c> placeholder), get_flight_info, do_get of the ticket.
/// </summary>
internal sealed class OfflineServerHost : IAsyncDisposable
{
    private OfflineServerHost(WebApplication app, int port)
    {
        App = app;
        Port = port;
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions { MaxReceiveMessageSize = null });
        Client = new FlightClient(Channel);
    }

    public WebApplication App { get; }

    public int Port { get; }

    public GrpcChannel Channel { get; }

    public FlightClient Client { get; }

    public static async Task<OfflineServerHost> StartAsync(FeatureStore store, Action<FeastServerOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        services?.Invoke(builder.Services);
        builder.Services.AddFeastOfflineServer(o =>
        {
            o.Store = store;
            o.RegistryRefreshInterval = TimeSpan.Zero;
            configure?.Invoke(o);
        });
        ListenOptions? listen = null;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            l.Protocols = HttpProtocols.Http2;
            listen = l;
        }));
        var app = builder.Build();
        app.MapFeastOfflineServer();
        await app.StartAsync();
        return new OfflineServerHost(app, listen!.IPEndPoint!.Port);
    }

    /// <summary>Feast's JSON command for <paramref name="api"/> with <paramref name="parameters"/>, as Python's json.dumps writes it.</summary>
    public static string Command(string api, object parameters)
    {
        var fields = new Dictionary<string, object?> { ["command_id"] = Guid.NewGuid().ToString(), ["api"] = api };
        foreach (var (key, value) in JsonSerializer.SerializeToElement(parameters).EnumerateObject().Select(p => (p.Name, p.Value)))
            fields[key] = value;
        return JsonSerializer.Serialize(fields);
    }

    /// <summary>do_put of <paramref name="table"/> (Feast's placeholder when null) on the command descriptor; returns the descriptor.</summary>
    public async Task<FlightDescriptor> PutAsync(string command, RecordBatch? table = null, Metadata? headers = null)
    {
        var descriptor = FlightDescriptor.CreateCommandDescriptor(command);
        table ??= Placeholder();
        using var call = await Client.StartPut(descriptor, table.Schema, headers);
        try
        {
            await call.RequestStream.WriteAsync(table);
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is not RpcException)
        {
            // The server refused the command and ended the call while the table was being sent; its status follows.
        }
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }
        return descriptor;
    }

    /// <summary>The whole read: do_put, get_flight_info, do_get; the batches returned.</summary>
    public async Task<List<RecordBatch>> GetAsync(string command, RecordBatch? table = null, Metadata? headers = null)
    {
        var descriptor = await PutAsync(command, table, headers);
        var info = await Client.GetInfo(descriptor, headers);
        Assert.Single(info.Endpoints);
        using var stream = Client.GetStream(info.Endpoints[0].Ticket, headers);
        var batches = new List<RecordBatch>();
        await foreach (var batch in stream.ResponseStream) batches.Add(batch);
        return batches;
    }

    /// <summary>The failure of <paramref name="call"/>: its status and Feast's error detail read back (class, message).</summary>
    public static async Task<(StatusCode Code, string Class, string Message)> FailAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        using var detail = JsonDocument.Parse(e.Status.Detail);
        Assert.Equal("feast.errors", detail.RootElement.GetProperty("module").GetString());
        var message = detail.RootElement.GetProperty("message").GetString()!;
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
        return (e.StatusCode, detail.RootElement.GetProperty("class").GetString()!, message);
    }

    /// <summary>Feast's placeholder table: one string column <c>key</c> with <c>mock_key</c>.</summary>
    public static RecordBatch Placeholder()
    {
        var schema = new Schema([new Apache.Arrow.Field("key", Apache.Arrow.Types.StringType.Default, true)], null);
        return new RecordBatch(schema, [new StringArray.Builder().Append("mock_key").Build()], 1);
    }

    /// <summary>Entity rows as pandas sends them: driver_id int64, event_timestamp timestamp[ns, tz=UTC], and extra int64 columns.</summary>
    public static RecordBatch EntityRows(IReadOnlyList<(long Driver, DateTimeOffset At)> rows, params (string Name, long[] Values)[] extra)
    {
        var ids = new Int64Array.Builder();
        var times = new TimestampArray.Builder(new Apache.Arrow.Types.TimestampType(Apache.Arrow.Types.TimeUnit.Nanosecond, "UTC"));
        foreach (var (driver, at) in rows)
        {
            ids.Append(driver);
            times.Append(at);
        }
        var fields = new List<Apache.Arrow.Field>
        {
            new("driver_id", Apache.Arrow.Types.Int64Type.Default, true),
            new("event_timestamp", new Apache.Arrow.Types.TimestampType(Apache.Arrow.Types.TimeUnit.Nanosecond, "UTC"), true),
        };
        var arrays = new List<IArrowArray> { ids.Build(), times.Build() };
        foreach (var (name, values) in extra)
        {
            fields.Add(new(name, Apache.Arrow.Types.Int64Type.Default, true));
            arrays.Add(new Int64Array.Builder().AppendRange(values).Build());
        }
        return new RecordBatch(new Schema(fields, null), arrays, rows.Count);
    }

    /// <summary>The values of column <paramref name="name"/> over <paramref name="batches"/>, as objects (null for nulls).</summary>
    public static List<object?> Values(IEnumerable<RecordBatch> batches, string name)
    {
        var values = new List<object?>();
        foreach (var batch in batches)
        {
            var array = batch.Column(name);
            for (var i = 0; i < array.Length; i++)
            {
                values.Add(array switch
                {
                    _ when array.IsNull(i) => null,
                    Int64Array a => a.GetValue(i),
                    Int32Array a => a.GetValue(i),
                    FloatArray a => Math.Round((double)a.GetValue(i)!.Value, 4),
                    DoubleArray a => Math.Round(a.GetValue(i)!.Value, 4),
                    StringArray a => a.GetString(i),
                    BooleanArray a => a.GetValue(i),
                    TimestampArray a => a.GetTimestamp(i),
                    _ => array.GetType().Name,
                });
            }
        }
        return values;
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
