using Feast.Configuration;
using Feast.DuckDb;
using Feast.Offline;
using Feast.Remote;
using Feast.Remote.Offline;
using Feast.Serialization;

namespace Feast.Server.Tests.OfflineServer;

/// <summary>
/// <c>offline_store: {type: remote}</c> against a real offline server on loopback: the same repo read locally and through
/// the server gives the same training data, exports, source schemas and materialized online values.
/// </summary>
public sealed class RemoteOfflineStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = ServerRepo.T0;
    private static readonly string[] Features =
        ["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate", "driver_hourly_stats:avg_daily_trips"];

    private ServerRepo _repo = null!;
    private OfflineServerHost _host = null!;
    private FeatureStore _local = null!;
    private FeatureStore _remote = null!;

    public async Task InitializeAsync()
    {
        _repo = await ServerRepo.CreateAsync();
        _host = await OfflineServerHost.StartAsync(_repo.Store);
        _local = Client(offline: null, onlinePath: "data/online_local.db");
        _remote = Client(new RemoteOfflineStoreOptions { Host = "127.0.0.1", Port = _host.Port }, onlinePath: "data/online_remote.db");
    }

    private FeatureStore Client(RemoteOfflineStoreOptions? offline, string onlinePath)
    {
        var config = RepoConfigLoader.Load(_repo.Root, null, new FeastBackends().UseDuckDb().UseRemoteOfflineStore());
        config = config with
        {
            Registry = config.Registry with { CacheTtlSeconds = 0 },
            OnlineStore = new SqliteOnlineStoreOptions { Path = onlinePath },
            OfflineStore = offline ?? config.OfflineStore,
        };
        return new FeatureStore(config, new FeatureStoreOptions { TimeProvider = _repo.Clock }.UseDuckDb().UseRemoteOfflineStore());
    }

    public async Task DisposeAsync()
    {
        await _remote.DisposeAsync();
        await _local.DisposeAsync();
        await _host.DisposeAsync();
        await _repo.DisposeAsync();
    }

    private static EntityData Rows() => EntityData.FromRows([
        new Dictionary<string, object?> { ["driver_id"] = 1001L, ["event_timestamp"] = T0.AddHours(1), ["label"] = "a" },
        new Dictionary<string, object?> { ["driver_id"] = 1002L, ["event_timestamp"] = T0.AddHours(1.5), ["label"] = "b" },
        new Dictionary<string, object?> { ["driver_id"] = 1001L, ["event_timestamp"] = T0.AddHours(3), ["label"] = "c" },
        new Dictionary<string, object?> { ["driver_id"] = 1003L, ["event_timestamp"] = T0.AddHours(3), ["label"] = "d" },
    ]);

    private async Task<string> CsvAsync(RetrievalJob job)
    {
        var path = _repo.PathOf($"data/{Guid.NewGuid():N}.csv");
        await job.ToCsvAsync(path);
        return await File.ReadAllTextAsync(path);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Training_data_for_entity_rows_is_the_same_as_local(bool fullFeatureNames)
    {
        string[] features = fullFeatureNames ? [.. Features, "driver_hourly_stats_fresh:conv_rate"] : Features;
        var local = await CsvAsync(await _local.GetHistoricalFeaturesAsync(Rows(), features, fullFeatureNames));
        var remote = await CsvAsync(await _remote.GetHistoricalFeaturesAsync(Rows(), features, fullFeatureNames));
        Assert.Equal(local, remote);
        Assert.Contains(fullFeatureNames ? "driver_hourly_stats__conv_rate" : "acc_rate", remote, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Training_data_for_a_date_range_is_the_same_as_local()
    {
        string[] features = ["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"];
        var local = await CsvAsync(await _local.GetHistoricalFeaturesAsync(features, T0, T0.AddHours(3)));
        var remote = await CsvAsync(await _remote.GetHistoricalFeaturesAsync(features, T0, T0.AddHours(3)));
        Assert.Equal(local, remote);
        Assert.Equal(4, remote.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task A_feature_service_projection_is_renamed_on_the_client()
    {
        var service = new FeatureService("aliased", [ServerRepo.Stats.Select("conv_rate").WithName("stats_alias")]);
        var local = await (await _local.GetHistoricalFeaturesAsync(Rows(), service, fullFeatureNames: true)).ToTableAsync();
        var remote = await (await _remote.GetHistoricalFeaturesAsync(Rows(), service, fullFeatureNames: true)).ToTableAsync();
        Assert.Equal(Enumerable.Range(0, local.ColumnCount).Select(i => local.Schema.GetFieldByIndex(i).Name), Enumerable.Range(0, remote.ColumnCount).Select(i => remote.Schema.GetFieldByIndex(i).Name));
        Assert.Contains("stats_alias__conv_rate", Enumerable.Range(0, remote.ColumnCount).Select(i => remote.Schema.GetFieldByIndex(i).Name));
    }

    [Fact]
    public async Task Exports_work_the_same_through_the_server()
    {
        var job = await _remote.GetHistoricalFeaturesAsync(Rows(), Features);
        var frame = await job.ToDataFrameAsync();
        Assert.Equal(4, frame.Rows.Count);
        var parquet = _repo.PathOf("data/remote.parquet");
        await job.ToParquetAsync(parquet);
        Assert.True(new FileInfo(parquet).Length > 0);
        var table = await job.ToTableAsync();
        Assert.Equal(4, table.RowCount);
        Assert.Contains("offline server", job.ToSql(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Materialization_through_the_server_loads_the_same_online_values()
    {
        await _local.ApplyAsync(ServerRepo.Objects);
        await _remote.ApplyAsync(ServerRepo.Objects);
        await _local.MaterializeAsync(T0.AddDays(-1), ServerRepo.Now, ["driver_hourly_stats"]);
        await _remote.MaterializeAsync(T0.AddDays(-1), ServerRepo.Now, ["driver_hourly_stats"]);
        string[] features = ["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"];
        IReadOnlyDictionary<string, object?>[] rows = [new Dictionary<string, object?> { ["driver_id"] = 1001L }, new Dictionary<string, object?> { ["driver_id"] = 1002L }];
        var local = OnlineResponseJson.ToJson(await _local.GetOnlineFeaturesAsync(features, rows));
        var remote = OnlineResponseJson.ToJson(await _remote.GetOnlineFeaturesAsync(features, rows));
        Assert.Equal(local, remote);
        Assert.Contains("0.4", remote, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_offline_push_through_the_server_is_seen_by_local_reads()
    {
        await _remote.WriteToOfflineStoreAsync("driver_hourly_stats", FeatureRows.FromRows([new Dictionary<string, object?>
        {
            ["driver_id"] = 1003L, ["event_timestamp"] = T0.AddHours(2.5), ["conv_rate"] = 0.7f, ["acc_rate"] = 0.7f, ["avg_daily_trips"] = 70L,
            ["created"] = T0.AddHours(2.5),
        }]));
        var table = await (await _local.GetHistoricalFeaturesAsync(Rows(), ["driver_hourly_stats:avg_daily_trips"])).ToTableAsync();
        Assert.Equal(70L, ((Apache.Arrow.Int64Array)table.Column(table.Schema.GetFieldIndex("avg_daily_trips")).Data.Array(0)).GetValue(3));
    }

    [Fact]
    public async Task Source_schemas_are_read_through_the_server_as_locally()
    {
        var local = await _local.OfflineStore.GetSourceSchemaAsync(ServerRepo.Source);
        var remote = await _remote.OfflineStore.GetSourceSchemaAsync(ServerRepo.Source);
        Assert.NotNull(local);
        Assert.NotNull(remote);
        Assert.Equal(local.Select(c => (c.Name, c.Type, c.IsTimestamp, c.IsTimeLike)), remote.Select(c => (c.Name, c.Type, c.IsTimestamp, c.IsTimeLike)));
    }

    [Fact]
    public async Task Apply_validates_sources_through_the_server()
    {
        var missing = new FileSource("data/missing.parquet", "event_timestamp", name: "missing_source");
        var view = new FeatureView("from_missing", missing, [ServerRepo.Driver], TimeSpan.FromDays(1), [new Field("x", FeastType.Int64)]);
        var error = await Assert.ThrowsAnyAsync<FeastException>(() => _remote.ApplyAsync([.. ServerRepo.Objects, missing, view]));
        Assert.Contains("missing.parquet", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_errors_come_back_as_feast_errors()
    {
        var job = _remote.OfflineStore.GetHistoricalFeatures(new HistoricalRetrievalRequest(Rows(),
            [new FeatureViewRequest(ServerRepo.Stats with { Name = "not_on_server" }, new FeatureViewProjection("not_on_server", "", [], new Dictionary<string, string>()), [new Field("conv_rate", FeastType.Float32)])], false));
        var error = await Assert.ThrowsAsync<FeatureViewNotFoundException>(() => job.ToTableAsync());
        Assert.Contains("not_on_server", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_is_not_there_is_named_with_the_command_to_start_it()
    {
        await using var nowhere = Client(new RemoteOfflineStoreOptions { Host = "127.0.0.1", Port = FreePort(), ConnectionRetries = 0 }, "data/online_x.db");
        var job = await nowhere.GetHistoricalFeaturesAsync(Rows(), Features);
        var error = await Assert.ThrowsAnyAsync<FeastException>(() => job.ToTableAsync());
        Assert.Contains("127.0.0.1:", error.Message, StringComparison.Ordinal);
        Assert.Contains("feast serve_offline", error.Message, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
