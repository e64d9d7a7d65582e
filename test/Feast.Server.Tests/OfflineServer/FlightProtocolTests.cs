using Apache.Arrow;
using Apache.Arrow.Flight;
using Feast.Registry;
using Grpc.Core;

namespace Feast.Server.Tests.OfflineServer;

/// <summary>
/// The offline server spoken to with the raw Arrow Flight client exactly as Python Feast's remote offline store speaks
/// (sdk/python/feast/infra/offline_stores/remote.py): if these pass, a Python client gets the same answers.
/// </summary>
public sealed class FlightProtocolTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = ServerRepo.T0;
    private ServerRepo _repo = null!;
    private OfflineServerHost _host = null!;

    public async Task InitializeAsync()
    {
        _repo = await ServerRepo.CreateAsync();
        await _repo.Store.ApplyAsync([.. ServerRepo.Objects, new FileSource("data/saved.parquet", "event_timestamp", name: "saved_training_set")]);
        _host = await OfflineServerHost.StartAsync(_repo.Store);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _repo.DisposeAsync();
    }

    private static Dictionary<string, object?> Historical(string[] refs, bool full = false, object? extra = null) => new Dictionary<string, object?>
    {
        ["feature_view_names"] = refs.Select(r => r.Split(':')[0]).Where(v => v != "transformed_conv_rate").Distinct().ToArray(),
        ["feature_refs"] = refs,
        ["project"] = "loop",
        ["full_feature_names"] = full,
        ["name_aliases"] = refs.Select(r => r.Split(':')[0]).Where(v => v != "transformed_conv_rate").Distinct().Select(_ => (string?)null).ToArray(),
    }.Concat(extra is null ? [] : System.Text.Json.JsonSerializer.SerializeToElement(extra).EnumerateObject().Select(p => KeyValuePair.Create(p.Name, (object?)p.Value)))
     .ToDictionary();

    [Fact]
    public async Task Historical_features_for_entity_rows_are_point_in_time_joins_in_entity_order()
    {
        var rows = OfflineServerHost.EntityRows([(1001, T0.AddHours(1)), (1002, T0.AddHours(1.5)), (1001, T0.AddHours(3))]);
        var batches = await _host.GetAsync(OfflineServerHost.Command("get_historical_features",
            Historical(["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"])), rows);

        Assert.Equal(["driver_id", "event_timestamp", "conv_rate", "avg_daily_trips"], batches[0].Schema.FieldsList.Select(f => f.Name));
        Assert.Equal([1001L, 1002L, 1001L], OfflineServerHost.Values(batches, "driver_id"));
        Assert.Equal([0.1, 0.4, 0.2], OfflineServerHost.Values(batches, "conv_rate"));
        Assert.Equal([10L, 40L, 20L], OfflineServerHost.Values(batches, "avg_daily_trips"));
        Assert.Equal(0, _host.App.Services.PendingFlights());
    }

    [Fact]
    public async Task Full_feature_names_prefix_the_view()
    {
        var rows = OfflineServerHost.EntityRows([(1002, T0.AddHours(2))]);
        var batches = await _host.GetAsync(OfflineServerHost.Command("get_historical_features", Historical(["driver_hourly_stats:conv_rate"], full: true)), rows);
        Assert.Equal([0.4], OfflineServerHost.Values(batches, "driver_hourly_stats__conv_rate"));
    }

    [Fact]
    public async Task On_demand_views_are_computed_on_the_server_from_request_data()
    {
        var rows = OfflineServerHost.EntityRows([(1001, T0.AddHours(1)), (1002, T0.AddHours(1.5))],
            ("val_to_add", [1, 2]), ("val_to_add_2", [10, 20]));
        var batches = await _host.GetAsync(OfflineServerHost.Command("get_historical_features",
            Historical(["driver_hourly_stats:conv_rate", "transformed_conv_rate:conv_rate_plus_val1"])), rows);
        Assert.Equal([1.1, 2.4], OfflineServerHost.Values(batches, "conv_rate_plus_val1"));
    }

    [Fact]
    public async Task Historical_features_for_a_date_range_need_no_entity_rows()
    {
        var batches = await _host.GetAsync(OfflineServerHost.Command("get_historical_features", Historical(["driver_hourly_stats:conv_rate"],
            extra: new { start_date = T0.ToString("yyyy-MM-ddTHH:mm:ss+00:00"), end_date = T0.AddHours(3).ToString("yyyy-MM-ddTHH:mm:ss") })));
        Assert.Equal([1001L, 1002L, 1001L], OfflineServerHost.Values(batches, "driver_id"));
        Assert.Equal([0.1, 0.4, 0.2], OfflineServerHost.Values(batches, "conv_rate"));
    }

    private static object Pull(string? start, string? end) => new
    {
        data_source_name = "driver_stats_source",
        join_key_columns = new[] { "driver_id" },
        feature_name_columns = new[] { "conv_rate", "avg_daily_trips" },
        timestamp_field = "event_timestamp",
        created_timestamp_column = "created",
        start_date = start,
        end_date = end,
    };

    [Fact]
    public async Task Pull_latest_answers_the_newest_row_per_entity_with_the_sources_time_columns()
    {
        var batches = await _host.GetAsync(OfflineServerHost.Command("pull_latest_from_table_or_query",
            Pull(T0.AddDays(-1).ToString("O"), T0.AddHours(3).ToString("O"))));
        var rows = OfflineServerHost.Values(batches, "driver_id").Zip(OfflineServerHost.Values(batches, "conv_rate")).OrderBy(r => (long)r.First!).ToList();
        Assert.Equal([(1001L, 0.2), (1002L, 0.4)], rows.Select(r => ((long)r.First!, (double)r.Second!)));
        var names = batches[0].Schema.FieldsList.Select(f => f.Name).ToList();
        Assert.Contains("event_timestamp", names);
        Assert.Contains("created", names);
    }

    [Fact]
    public async Task Pull_all_answers_every_row_in_the_window_and_without_dates_every_row()
    {
        var window = await _host.GetAsync(OfflineServerHost.Command("pull_all_from_table_or_query", Pull(T0.AddMinutes(30).ToString("O"), T0.AddHours(3).ToString("O"))));
        Assert.Equal(2, window.Sum(b => b.Length));
        var all = await _host.GetAsync(OfflineServerHost.Command("pull_all_from_table_or_query", Pull(null, null)));
        Assert.Equal(3, all.Sum(b => b.Length));
    }

    [Fact]
    public async Task Source_columns_are_named_with_pyarrow_types_for_a_file_source()
    {
        var proto = FeastObjectJson.Format(ServerRepo.Source, "loop");
        var batches = await _host.GetAsync(OfflineServerHost.Command("get_table_column_names_and_types_from_data_source", new { data_source_proto = proto }));
        var types = OfflineServerHost.Values(batches, "name").Zip(OfflineServerHost.Values(batches, "type")).ToDictionary(p => (string)p.First!, p => (string?)p.Second);
        Assert.Equal("int64", types["driver_id"]);
        Assert.Equal("float", types["conv_rate"]);
        Assert.StartsWith("timestamp", types["event_timestamp"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offline_write_batch_appends_rows_that_later_reads_see()
    {
        var schema = new Schema([
            new("driver_id", Apache.Arrow.Types.Int64Type.Default, true),
            new("event_timestamp", new Apache.Arrow.Types.TimestampType(Apache.Arrow.Types.TimeUnit.Microsecond, "UTC"), true),
            new("conv_rate", Apache.Arrow.Types.FloatType.Default, true),
            new("acc_rate", Apache.Arrow.Types.FloatType.Default, true),
            new("avg_daily_trips", Apache.Arrow.Types.Int64Type.Default, true),
            new("created", new Apache.Arrow.Types.TimestampType(Apache.Arrow.Types.TimeUnit.Microsecond, "UTC"), true)], null);
        var at = new TimestampArray.Builder(new Apache.Arrow.Types.TimestampType(Apache.Arrow.Types.TimeUnit.Microsecond, "UTC")).Append(T0.AddHours(2.5)).Build();
        var created = new TimestampArray.Builder(new Apache.Arrow.Types.TimestampType(Apache.Arrow.Types.TimeUnit.Microsecond, "UTC")).Append(T0.AddHours(2.5)).Build();
        var batch = new RecordBatch(schema, [new Int64Array.Builder().Append(1002).Build(), at, new FloatArray.Builder().Append(0.9f).Build(),
            new FloatArray.Builder().Append(0.9f).Build(), new Int64Array.Builder().Append(90).Build(), created], 1);
        await _host.PutAsync(OfflineServerHost.Command("offline_write_batch",
            new { feature_view_names = new[] { "driver_hourly_stats" }, progress = (string?)null, name_aliases = new string?[] { null } }), batch);
        Assert.Equal(0, _host.App.Services.PendingFlights());

        var rows = OfflineServerHost.EntityRows([(1002, T0.AddHours(3))]);
        var batches = await _host.GetAsync(OfflineServerHost.Command("get_historical_features", Historical(["driver_hourly_stats:conv_rate"])), rows);
        Assert.Equal([0.9], OfflineServerHost.Values(batches, "conv_rate"));
    }

    [Fact]
    public async Task Persist_writes_the_retrieval_to_a_registered_file_source_and_refuses_to_overwrite()
    {
        var rows = OfflineServerHost.EntityRows([(1001, T0.AddHours(1)), (1002, T0.AddHours(1.5))]);
        var command = Historical(["driver_hourly_stats:conv_rate"], extra: new { retrieve_func = "get_historical_features", data_source_name = "saved_training_set", allow_overwrite = false, timeout = (int?)null });
        await _host.PutAsync(OfflineServerHost.Command("persist", command), rows);
        Assert.True(File.Exists(_repo.PathOf("data/saved.parquet")));

        var (code, _, message) = await OfflineServerHost.FailAsync(() => _host.PutAsync(OfflineServerHost.Command("persist", command), rows));
        Assert.Equal(StatusCode.InvalidArgument, code);
        Assert.Contains("allow_overwrite", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_data_source_refuses_a_source_whose_file_is_missing()
    {
        var missing = FeastObjectJson.Format(new FileSource("data/nowhere.parquet", "event_timestamp", name: "nowhere"), "loop");
        var (_, _, message) = await OfflineServerHost.FailAsync(() => _host.PutAsync(OfflineServerHost.Command("validate_data_source", new { data_source_proto = missing })));
        Assert.Contains("nowhere.parquet", message, StringComparison.Ordinal);
        await _host.PutAsync(OfflineServerHost.Command("validate_data_source", new { data_source_proto = FeastObjectJson.Format(ServerRepo.Source, "loop") }));
    }

    [Fact]
    public async Task Write_logged_features_is_refused_with_a_clear_error()
    {
        var (code, _, message) = await OfflineServerHost.FailAsync(() => _host.PutAsync(OfflineServerHost.Command("write_logged_features", new { feature_service_name = "driver_activity_v1" })));
        Assert.Equal(StatusCode.InvalidArgument, code);
        Assert.Contains("not supported", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_views_and_features_are_not_found_errors_naming_them()
    {
        var rows = OfflineServerHost.EntityRows([(1001, T0)]);
        var (code, errorClass, message) = await OfflineServerHost.FailAsync(() => _host.GetAsync(OfflineServerHost.Command("get_historical_features", Historical(["no_such_view:x"])), rows));
        Assert.Equal(StatusCode.NotFound, code);
        Assert.Equal("FeatureViewNotFoundException", errorClass);
        Assert.Contains("no_such_view", message, StringComparison.Ordinal);

        (_, _, message) = await OfflineServerHost.FailAsync(() => _host.GetAsync(OfflineServerHost.Command("get_historical_features", Historical(["driver_hourly_stats:no_such_feature"])), rows));
        Assert.Contains("no_such_feature", message, StringComparison.Ordinal);
        Assert.Equal(0, _host.App.Services.PendingFlights());
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[1, 2]", "not a JSON object")]
    [InlineData("{\"command_id\": \"1\"}", "has no 'api'")]
    [InlineData("{\"command_id\": \"1\", \"api\": \"drop_everything\"}", "Unknown api 'drop_everything'")]
    [InlineData("{\"command_id\": \"1\", \"api\": \"get_historical_features\", \"feature_refs\": [\"driver_hourly_stats:conv_rate\"]}", "'feature_view_names'")]
    [InlineData("{\"command_id\": \"1\", \"api\": \"pull_latest_from_table_or_query\", \"data_source_name\": 5}", "'data_source_name' is not a string")]
    public async Task Bad_commands_are_invalid_argument_errors_that_say_what_is_wrong(string command, string expected)
    {
        var (code, _, message) = await OfflineServerHost.FailAsync(() => _host.GetAsync(command));
        Assert.Equal(StatusCode.InvalidArgument, code);
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ticket_is_served_once_and_an_unknown_one_is_not_found()
    {
        var descriptor = await _host.PutAsync(OfflineServerHost.Command("pull_all_from_table_or_query", Pull(null, null)));
        var info = await _host.Client.GetInfo(descriptor);
        using (var first = _host.Client.GetStream(info.Endpoints[0].Ticket))
            await foreach (var _ in first.ResponseStream) { }
        var (code, _, message) = await OfflineServerHost.FailAsync(async () =>
        {
            using var again = _host.Client.GetStream(info.Endpoints[0].Ticket);
            await foreach (var _ in again.ResponseStream) { }
        });
        Assert.Equal(StatusCode.NotFound, code);
        Assert.Contains("do_put", message, StringComparison.Ordinal);
        (code, _, _) = await OfflineServerHost.FailAsync(() => _host.Client.GetInfo(FlightDescriptor.CreateCommandDescriptor("{\"api\": \"never_put\"}")).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, code);
    }

    [Fact]
    public async Task Health_is_served_on_the_flight_port()
    {
        using var http = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var response = await http.GetAsync(new Uri($"http://127.0.0.1:{_host.Port}/health"));
        Assert.True(response.IsSuccessStatusCode);
    }
}
