using Apache.Arrow;
using Feast.Configuration;
using Feast.DuckDb;
using Feast.Permissions;
using Feast.Remote;
using Feast.Offline;
using Feast.Remote.Offline;
using Feast.Server.Tests.Security;
using Grpc.Core;

namespace Feast.Server.Tests.OfflineServer;

/// <summary>
/// The offline server with <c>auth: oidc</c> over real Flight calls: no token is UNAUTHENTICATED; reads need READ_OFFLINE
/// on the views (training data) or the data source (pulls), writes WRITE_OFFLINE on the view, as Feast's offline server
/// checks them; a refused write writes nothing. Feast.NET's remote offline store sends the auth section's token.
/// </summary>
public sealed class OfflineServerAuthTests : IAsyncLifetime
{
    private const string FvRead = "fv_read", FvWrite = "fv_write", SourceRead = "source_read";
    private static readonly DateTimeOffset T0 = ServerRepo.T0;

    private LoopbackIdentityProvider _idp = null!;
    private ServerRepo _repo = null!;
    private FeatureStore _store = null!;
    private OfflineServerHost _host = null!;

    public async Task InitializeAsync()
    {
        _idp = await LoopbackIdentityProvider.StartAsync();
        _repo = await ServerRepo.CreateAsync();
        FeastObject[] objects =
        [
            .. ServerRepo.Objects,
            new Permission("offline_readers", [PermissionResourceType.FeatureView], actions: [AuthzedAction.ReadOffline], policy: new RoleBasedPolicy([FvRead])),
            new Permission("offline_writers", [PermissionResourceType.FeatureView], actions: [AuthzedAction.WriteOffline], policy: new RoleBasedPolicy([FvWrite])),
            new Permission("source_readers", [PermissionResourceType.DataSource], actions: [AuthzedAction.ReadOffline], policy: new RoleBasedPolicy([SourceRead])),
        ];
        await _repo.Store.ApplyAsync(objects);
        _store = Serving(_repo, _idp);
        await _store.ApplyAsync(objects);
        _host = await OfflineServerHost.StartAsync(_store);
    }

    /// <summary>The repo's store with <c>auth: oidc</c> against the loopback provider.</summary>
    private static FeatureStore Serving(ServerRepo repo, LoopbackIdentityProvider idp) => new(
        repo.Store.Config with { Auth = new OidcAuthConfig { AuthDiscoveryUrl = idp.DiscoveryUrl, ClientId = LoopbackIdentityProvider.ClientId } },
        new FeatureStoreOptions { TimeProvider = repo.Clock }.UseDuckDb());

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _store.DisposeAsync();
        await _repo.DisposeAsync();
        await _idp.DisposeAsync();
    }

    private Metadata Bearer(params string[] roles) => new()
    {
        { "authorization", "Bearer " + _idp.Sign("""{"alg": "RS256", "typ": "JWT", "kid": "k1"}""",
            LoopbackIdentityProvider.Json(new Dictionary<string, object> { ["preferred_username"] = "ada", ["roles"] = roles, ["exp"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds() })) },
    };

    private static string Training() => OfflineServerHost.Command("get_historical_features", new Dictionary<string, object?>
    {
        ["feature_view_names"] = new[] { "driver_hourly_stats" },
        ["feature_refs"] = new[] { "driver_hourly_stats:conv_rate" },
        ["project"] = "loop",
        ["full_feature_names"] = false,
        ["name_aliases"] = new string?[] { null },
    });

    private static string PullAll() => OfflineServerHost.Command("pull_all_from_table_or_query", new
    {
        data_source_name = "driver_stats_source",
        join_key_columns = new[] { "driver_id" },
        feature_name_columns = new[] { "conv_rate" },
        timestamp_field = "event_timestamp",
        created_timestamp_column = "created",
        start_date = (string?)null,
        end_date = (string?)null,
    });

    private static RecordBatch Row()
    {
        var type = new Apache.Arrow.Types.TimestampType(Apache.Arrow.Types.TimeUnit.Microsecond, "UTC");
        var schema = new Schema([
            new("driver_id", Apache.Arrow.Types.Int64Type.Default, true), new("event_timestamp", type, true),
            new("conv_rate", Apache.Arrow.Types.FloatType.Default, true), new("acc_rate", Apache.Arrow.Types.FloatType.Default, true),
            new("avg_daily_trips", Apache.Arrow.Types.Int64Type.Default, true), new("created", type, true)], null);
        return new RecordBatch(schema, [new Int64Array.Builder().Append(1009).Build(), new TimestampArray.Builder(type).Append(T0).Build(),
            new FloatArray.Builder().Append(0.5f).Build(), new FloatArray.Builder().Append(0.5f).Build(), new Int64Array.Builder().Append(5).Build(),
            new TimestampArray.Builder(type).Append(T0).Build()], 1);
    }

    private static string Write() => OfflineServerHost.Command("offline_write_batch",
        new { feature_view_names = new[] { "driver_hourly_stats" }, progress = (string?)null, name_aliases = new string?[] { null } });

    [Fact]
    public async Task A_call_without_a_token_is_unauthenticated()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => _host.GetAsync(Training(), OfflineServerHost.EntityRows([(1001, T0.AddHours(1))])));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    [Fact]
    public async Task Training_data_needs_read_offline_on_the_views()
    {
        var rows = OfflineServerHost.EntityRows([(1001, T0.AddHours(1))]);
        foreach (var roles in new[] { System.Array.Empty<string>(), [SourceRead], [FvWrite] })
        {
            var (code, errorClass, _) = await OfflineServerHost.FailAsync(() => _host.GetAsync(Training(), rows, Bearer(roles)));
            Assert.Equal(StatusCode.PermissionDenied, code);
            Assert.Equal("FeastPermissionError", errorClass);
        }
        var batches = await _host.GetAsync(Training(), rows, Bearer(FvRead));
        Assert.Equal([0.1], OfflineServerHost.Values(batches, "conv_rate"));
    }

    [Fact]
    public async Task Pulls_need_read_offline_on_the_data_source()
    {
        var (code, _, _) = await OfflineServerHost.FailAsync(() => _host.GetAsync(PullAll(), null, Bearer(FvRead)));
        Assert.Equal(StatusCode.PermissionDenied, code);
        Assert.Equal(3, (await _host.GetAsync(PullAll(), null, Bearer(SourceRead))).Sum(b => b.Length));
    }

    [Fact]
    public async Task Writes_need_write_offline_on_the_view_and_a_refused_write_writes_nothing()
    {
        var (code, _, _) = await OfflineServerHost.FailAsync(() => _host.PutAsync(Write(), Row(), Bearer(FvRead, SourceRead)));
        Assert.Equal(StatusCode.PermissionDenied, code);
        Assert.Equal(3, (await _host.GetAsync(PullAll(), null, Bearer(SourceRead))).Sum(b => b.Length));

        await _host.PutAsync(Write(), Row(), Bearer(FvWrite));
        Assert.Equal(4, (await _host.GetAsync(PullAll(), null, Bearer(SourceRead))).Sum(b => b.Length));
    }

    [Fact]
    public async Task The_remote_offline_store_sends_the_token_and_reports_a_refusal_as_a_permission_error()
    {
        var rows = EntityData.FromRows([new Dictionary<string, object?> { ["driver_id"] = 1001L, ["event_timestamp"] = T0.AddHours(1) }]);
        var request = new HistoricalRetrievalRequest(rows,
            [new FeatureViewRequest(ServerRepo.Stats, ServerRepo.Stats.Projection, [new Field("conv_rate", FeastType.Float32)])], false);
        await using var reader = new RemoteOfflineStore(new RemoteOfflineStoreOptions { Host = "127.0.0.1", Port = _host.Port }, _store.Config, new Token(Bearer(FvRead)));
        var table = await reader.GetHistoricalFeatures(request).ToTableAsync();
        Assert.Equal(1, table.RowCount);

        await using var stranger = new RemoteOfflineStore(new RemoteOfflineStoreOptions { Host = "127.0.0.1", Port = _host.Port }, _store.Config, new Token(Bearer("unrelated")));
        var error = await Assert.ThrowsAsync<RemoteServerException>(() => stranger.GetHistoricalFeatures(request).ToTableAsync());
        Assert.Equal("FeastPermissionError", error.FeastErrorClass);
    }

    private sealed class Token(Metadata bearer) : IClientTokenSource
    {
        public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult<string?>(bearer.Get("authorization")!.Value["Bearer ".Length..]);
    }
}
