using Apache.Arrow;
using Apache.Arrow.Flight;
using DuckDB.NET.Data;
using Feast.Offline;
using Feast.Remote.Offline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Feast.Server.Tests.OfflineServer;

/// <summary>
/// Interrupted calls: a client that leaves mid-stream ends the server's stream and its query; a server stopped
/// mid-stream gives the client an error naming the server and the command that serves it; a put cut short writes nothing.
/// </summary>
public sealed class OfflineServerFaultTests : IAsyncLifetime
{
    private const int BigRows = 3_000_000;
    private static readonly FileSource BigSource = new("data/big.parquet", "event_timestamp", name: "big_source");
    private static readonly FeatureView BigView = new("big_stats", BigSource, [ServerRepo.Driver], TimeSpan.FromDays(1), [new Field("conv_rate", FeastType.Float64)]);

    private ServerRepo _repo = null!;
    private OfflineServerHost _host = null!;

    public async Task InitializeAsync()
    {
        _repo = await ServerRepo.CreateAsync();
        using (var connection = new DuckDBConnection("DataSource=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SET TimeZone = 'UTC';
                COPY (SELECT (i % 1000)::BIGINT AS driver_id, TIMESTAMPTZ '2021-04-01 00:00:00+00' + i * INTERVAL 1 SECOND AS event_timestamp, (i / 7.0)::DOUBLE AS conv_rate
                      FROM range({BigRows}) t(i)) TO '{_repo.PathOf("data/big.parquet")}' (FORMAT parquet)
                """;
            command.ExecuteNonQuery();
        }
        await _repo.Store.ApplyAsync([.. ServerRepo.Objects, BigSource, BigView]);
        _host = await OfflineServerHost.StartAsync(_repo.Store, services: s => s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.Zero));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _repo.DisposeAsync();
    }

    private static string PullAllBig() => OfflineServerHost.Command("pull_all_from_table_or_query", new
    {
        data_source_name = "big_source",
        join_key_columns = new[] { "driver_id" },
        feature_name_columns = new[] { "conv_rate" },
        timestamp_field = "event_timestamp",
        created_timestamp_column = (string?)null,
        start_date = (string?)null,
        end_date = (string?)null,
    });

    [Fact]
    public async Task A_client_that_leaves_mid_stream_ends_the_servers_stream_and_query()
    {
        var descriptor = await _host.PutAsync(PullAllBig());
        var info = await _host.Client.GetInfo(descriptor);
        using (var call = _host.Client.GetStream(info.Endpoints[0].Ticket))
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(1, _host.App.Services.ActiveStreams());
        }
        // Disposing the call resets the HTTP/2 stream; the server's token fires and the store's reader is disposed.
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (_host.App.Services.ActiveStreams() > 0) await Task.Delay(20, patience.Token);
        Assert.Equal(0, _host.App.Services.PendingFlights());
    }

    [Fact]
    public async Task A_server_stopped_mid_stream_is_a_clear_error_naming_it()
    {
        await using var store = new RemoteOfflineStore(new RemoteOfflineStoreOptions { Host = "127.0.0.1", Port = _host.Port }, _repo.Store.Config);
        var request = new PullRequest(BigSource, ["driver_id"], ["conv_rate"], new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var rows = 0L;
        var error = await Assert.ThrowsAnyAsync<FeastException>(async () =>
        {
            await foreach (var batch in store.PullAllAsync(request))
            {
                if (rows == 0) await _host.App.StopAsync();
                rows += batch.Length;
            }
        });
        Assert.True(rows < BigRows);
        Assert.Contains($"127.0.0.1:{_host.Port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("feast serve_offline", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_write_cut_short_writes_nothing_and_leaves_no_flight()
    {
        var before = (await _host.GetAsync(Pull())).Sum(b => b.Length);
        var type = new Apache.Arrow.Types.TimestampType(Apache.Arrow.Types.TimeUnit.Microsecond, "UTC");
        var schema = new Schema([
            new("driver_id", Apache.Arrow.Types.Int64Type.Default, true), new("event_timestamp", type, true),
            new("conv_rate", Apache.Arrow.Types.FloatType.Default, true), new("acc_rate", Apache.Arrow.Types.FloatType.Default, true),
            new("avg_daily_trips", Apache.Arrow.Types.Int64Type.Default, true), new("created", type, true)], null);
        var batch = new RecordBatch(schema, [new Int64Array.Builder().Append(1009).Build(), new TimestampArray.Builder(type).Append(ServerRepo.T0).Build(),
            new FloatArray.Builder().Append(0.5f).Build(), new FloatArray.Builder().Append(0.5f).Build(), new Int64Array.Builder().Append(5).Build(),
            new TimestampArray.Builder(type).Append(ServerRepo.T0).Build()], 1);
        var descriptor = FlightDescriptor.CreateCommandDescriptor(OfflineServerHost.Command("offline_write_batch",
            new { feature_view_names = new[] { "driver_hourly_stats" }, progress = (string?)null, name_aliases = new string?[] { null } }));
        using (var cut = new CancellationTokenSource())
        {
            var call = await _host.Client.StartPut(descriptor, schema, null, null, cut.Token);
            await call.RequestStream.WriteAsync(batch);
            await cut.CancelAsync();
            call.Dispose();
        }
        Assert.Equal(before, (await _host.GetAsync(Pull())).Sum(b => b.Length));
        Assert.Equal(0, _host.App.Services.PendingFlights());
    }

    private static string Pull() => OfflineServerHost.Command("pull_all_from_table_or_query", new
    {
        data_source_name = "driver_stats_source",
        join_key_columns = new[] { "driver_id" },
        feature_name_columns = new[] { "conv_rate" },
        timestamp_field = "event_timestamp",
        created_timestamp_column = "created",
        start_date = (string?)null,
        end_date = (string?)null,
    });
}
