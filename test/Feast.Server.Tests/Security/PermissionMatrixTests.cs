using System.Net;
using Feast.Permissions;
using Feast.Online;
using Feast.Protos.Serving;
using Grpc.Core;
using Xunit.Abstractions;

namespace Feast.Server.Tests.Security;

/// <summary>
/// Every role set × every endpoint × every kind of object it can act on (feature view, on-demand view, feature
/// service, push source), over real sockets: a request is refused with 403 (gRPC PERMISSION_DENIED) exactly when the
/// project's permissions do not allow it, and no refused write leaves a row behind.
/// </summary>
public sealed class PermissionMatrixTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string FvRead = "fv_read", FvWrite = "fv_write", FreshWrite = "fresh_write", OdfvRead = "odfv_read", OdfvWrite = "odfv_write", FsRead = "fs_read";

    private static readonly string[][] RoleSets =
    [
        [], ["unrelated"], [FvRead], [FvWrite], [FreshWrite], [OdfvRead], [OdfvWrite], [FsRead],
        [FvRead, OdfvRead], [FsRead, FvRead], [FvRead, FvWrite, FreshWrite, OdfvRead, OdfvWrite, FsRead],
    ];

    private PermissionServer _server = null!;

    public async Task InitializeAsync() => _server = await PermissionServer.StartAsync([
        OnDemandPermissionTests.WithSources,
        new Permission("fv_readers", [PermissionResourceType.FeatureView], actions: [AuthzedAction.ReadOnline], policy: new RoleBasedPolicy([FvRead])),
        new Permission("fv_writers", [PermissionResourceType.FeatureView], actions: [AuthzedAction.WriteOnline], policy: new RoleBasedPolicy([FvWrite])),
        new Permission("fresh_writers", [PermissionResourceType.FeatureView], ["driver_hourly_stats_fresh"], [AuthzedAction.WriteOnline], new RoleBasedPolicy([FreshWrite])),
        new Permission("odfv_readers", [PermissionResourceType.OnDemandFeatureView], actions: [AuthzedAction.ReadOnline], policy: new RoleBasedPolicy([OdfvRead])),
        new Permission("odfv_writers", [PermissionResourceType.OnDemandFeatureView], actions: [AuthzedAction.WriteOnline], policy: new RoleBasedPolicy([OdfvWrite])),
        new Permission("fs_readers", [PermissionResourceType.FeatureService], actions: [AuthzedAction.ReadOnline], policy: new RoleBasedPolicy([FsRead])),
    ]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private sealed record Case(string Endpoint, string Kind, string Target, Func<ISet<string>, bool> Allowed, Func<string, long, Task<Outcome>> Run, string? WrittenView = null);

    private enum Outcome { Served, Denied, Refused }

    private static bool Has(ISet<string> roles, params string[] any) => any.Any(roles.Contains);

    private List<Case> Cases()
    {
        const string Request = "\"val_to_add\": [0], \"val_to_add_2\": [0]";
        Task<Outcome> Http(string path, string body, string token) => OutcomeOf(_server.PostAsync(path, body, token));
        return
        [
            new("get-online-features", "feature view", "driver_hourly_stats", r => Has(r, FvRead),
                (t, _) => Http("/get-online-features", """{"features": ["driver_hourly_stats:conv_rate"], "entities": {"driver_id": [1001]}}""", t)),
            new("get-online-features", "on-demand view", "transformed_conv_rate", r => Has(r, OdfvRead) && Has(r, FvRead),
                (t, _) => Http("/get-online-features", $$$"""{"features": ["transformed_conv_rate:conv_rate_plus_val1"], "entities": {"driver_id": [1001], {{{Request}}}}}""", t)),
            new("get-online-features", "feature service", "driver_activity_v1 (lists part of the on-demand view's source)", r => Has(r, FsRead) && Has(r, FvRead),
                (t, _) => Http("/get-online-features", $$$"""{"feature_service": "driver_activity_v1", "entities": {"driver_id": [1001], {{{Request}}}}}""", t)),
            new("get-online-features", "feature service", "driver_activity_full (lists every source)", r => Has(r, FsRead),
                (t, _) => Http("/get-online-features", $$$"""{"feature_service": "driver_activity_full", "entities": {"driver_id": [1001], {{{Request}}}}}""", t)),
            new("gRPC GetOnlineFeatures", "feature view", "driver_hourly_stats", r => Has(r, FvRead),
                (t, _) => GrpcAsync(t, features: ["driver_hourly_stats:conv_rate"])),
            new("gRPC GetOnlineFeatures", "on-demand view", "transformed_conv_rate", r => Has(r, OdfvRead) && Has(r, FvRead),
                (t, _) => GrpcAsync(t, features: ["transformed_conv_rate:conv_rate_plus_val1"])),
            new("gRPC GetOnlineFeatures", "feature service", "driver_activity_v1", r => Has(r, FsRead) && Has(r, FvRead),
                (t, _) => GrpcAsync(t, service: "driver_activity_v1")),
            new("gRPC GetOnlineFeatures", "feature service", "driver_activity_full", r => Has(r, FsRead),
                (t, _) => GrpcAsync(t, service: "driver_activity_full")),
            new("push", "push source", "driver_stats_push_source", r => Has(r, FvWrite, FreshWrite),
                (t, id) => Http("/push", $$$"""{"push_source_name": "driver_stats_push_source", "df": {{{Row(id)}}}}""", t), "driver_hourly_stats_fresh"),
            new("write-to-online-store", "feature view", "driver_hourly_stats_fresh", r => Has(r, FvWrite, FreshWrite),
                (t, id) => Http("/write-to-online-store", $$$"""{"feature_view_name": "driver_hourly_stats_fresh", "df": {{{Row(id)}}}}""", t), "driver_hourly_stats_fresh"),
            new("write-to-online-store", "feature view", "driver_hourly_stats", r => Has(r, FvWrite),
                (t, id) => Http("/write-to-online-store", $$$"""{"feature_view_name": "driver_hourly_stats", "df": {{{Row(id)}}}}""", t), "driver_hourly_stats"),
            new("write-to-online-store", "on-demand view", "transformed_conv_rate", r => Has(r, OdfvWrite),
                (t, id) => Http("/write-to-online-store", $$$"""{"feature_view_name": "transformed_conv_rate", "df": {{{Row(id)}}}}""", t)),
            new("materialize", "feature view", "driver_hourly_stats", r => Has(r, FvWrite),
                (t, _) => Http("/materialize", """{"start_ts": "2021-04-11", "end_ts": "2021-04-12 13:00:00", "feature_views": ["driver_hourly_stats"]}""", t)),
            new("materialize", "feature view", "(all online views)", r => Has(r, FvWrite),
                (t, _) => Http("/materialize", """{"start_ts": "2021-04-11", "end_ts": "2021-04-12 13:00:00"}""", t)),
            new("materialize-incremental", "feature view", "driver_hourly_stats_fresh", r => Has(r, FvWrite, FreshWrite),
                (t, _) => Http("/materialize-incremental", """{"end_ts": "2021-04-12 13:00:00", "feature_views": ["driver_hourly_stats_fresh"]}""", t)),
            new("materialize-incremental", "feature view", "(all online views)", r => Has(r, FvWrite),
                (t, _) => Http("/materialize-incremental", """{"end_ts": "2021-04-12 13:00:00"}""", t)),
        ];
    }

    private static string Row(long id) => $$$"""
        {"driver_id": [{{{id}}}], "event_timestamp": ["2021-04-12T12:30:00Z"], "created": ["2021-04-12T12:30:00Z"], "conv_rate": [0.75], "acc_rate": [0.5], "avg_daily_trips": [7]}
        """;

    private static async Task<Outcome> OutcomeOf(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        return response.StatusCode switch
        {
            HttpStatusCode.Forbidden => Outcome.Denied,
            _ when response.IsSuccessStatusCode => Outcome.Served,
            _ => Outcome.Refused,
        };
    }

    private async Task<Outcome> GrpcAsync(string token, string[]? features = null, string? service = null)
    {
        var request = new GetOnlineFeaturesRequest();
        if (service is not null) request.FeatureService = service;
        else request.Features = new FeatureList { Val = { features } };
        request.Entities["driver_id"] = new Protos.Types.RepeatedValue { Val = { new Protos.Types.Value { Int64Val = 1001 } } };
        request.RequestContext["val_to_add"] = new Protos.Types.RepeatedValue { Val = { new Protos.Types.Value { Int64Val = 0 } } };
        request.RequestContext["val_to_add_2"] = new Protos.Types.RepeatedValue { Val = { new Protos.Types.Value { Int64Val = 0 } } };
        try
        {
            await _server.GrpcReadAsync(request, token);
            return Outcome.Served;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
        {
            return Outcome.Denied;
        }
        catch (RpcException)
        {
            return Outcome.Refused;
        }
    }

    [Fact]
    public async Task EveryRoleEndpointAndObjectKind_IsDeniedExactlyWhenNotAllowed_AndDeniedWritesLeaveNothing()
    {
        var cases = Cases();
        var failures = new List<string>();
        var writes = new List<(string View, long Id, bool Allowed, string What)>();
        var ran = 0;
        long nextId = 5000;
        foreach (var roles in RoleSets)
        {
            var token = _server.Token(roles);
            var roleSet = new HashSet<string>(roles, StringComparer.Ordinal);
            foreach (var c in cases)
            {
                var id = nextId++;
                var allowed = c.Allowed(roleSet);
                var outcome = await c.Run(token, id);
                ran++;
                var what = $"[{string.Join(",", roles)}] {c.Endpoint} on {c.Kind} {c.Target}";
                if (allowed ? outcome == Outcome.Denied : outcome != Outcome.Denied)
                    failures.Add($"{what}: expected {(allowed ? "allowed" : "denied")}, got {outcome}");
                if (c.WrittenView is not null) writes.Add((c.WrittenView, id, allowed, what));
            }
        }

        // What landed in the store: a denied write must have left nothing; an allowed one must be there.
        foreach (var group in writes.GroupBy(w => w.View))
        {
            var read = await _server.Repo.Store.GetOnlineFeaturesAsync([$"{group.Key}:conv_rate"],
                group.Select(w => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["driver_id"] = w.Id }).ToList());
            var statuses = read["conv_rate"].Statuses;
            var i = 0;
            foreach (var write in group)
            {
                var present = statuses[i++] == FeatureStatus.Present;
                if (present != write.Allowed) failures.Add($"{write.What}: row {write.Id} {(present ? "was written" : "is missing")}");
            }
        }

        output.WriteLine($"{ran} permission cases ran ({RoleSets.Length} role sets × {cases.Count} endpoint/object cases); " +
            $"{writes.Count} writes checked in the store; {failures.Count} wrong.");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
