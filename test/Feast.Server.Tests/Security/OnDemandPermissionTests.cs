using System.Net;
using Feast.Permissions;
using Feast.Protos.Serving;
using Grpc.Core;

namespace Feast.Server.Tests.Security;

/// <summary>
/// Reading an on-demand view is reading the views it reads from: with <c>val_to_add = 0</c>,
/// <c>transformed_conv_rate</c> answers <c>driver_hourly_stats.conv_rate</c> unchanged. A role allowed only the
/// on-demand view must not get it, over HTTP or gRPC, directly or through a feature service that does not list it.
/// </summary>
public sealed class OnDemandPermissionTests : IAsyncLifetime
{
    internal static readonly FeatureService OnlyOnDemand = new("driver_activity_odfv", [ServerRepo.Transformed]);

    internal static readonly FeatureService WithSources = new("driver_activity_full", [ServerRepo.Stats, ServerRepo.Transformed]);

    private PermissionServer _server = null!;

    public async Task InitializeAsync() => _server = await PermissionServer.StartAsync([
        OnlyOnDemand, WithSources,
        new Permission("odfv_readers", [PermissionResourceType.OnDemandFeatureView], ["transformed_conv_rate"], [AuthzedAction.ReadOnline], new RoleBasedPolicy(["odfv"])),
        new Permission("fv_readers", [PermissionResourceType.FeatureView], actions: [AuthzedAction.ReadOnline], policy: new RoleBasedPolicy(["fv"])),
        new Permission("fs_readers", [PermissionResourceType.FeatureService], actions: [AuthzedAction.ReadOnline], policy: new RoleBasedPolicy(["fs"])),
    ]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private const string OnDemandRead = """
        {"features": ["transformed_conv_rate:conv_rate_plus_val1"], "entities": {"driver_id": [1001], "val_to_add": [0], "val_to_add_2": [0]}}
        """;

    private static string ServiceRead(string service) =>
        $$$"""{"feature_service": "{{{service}}}", "entities": {"driver_id": [1001], "val_to_add": [0], "val_to_add_2": [0]}}""";

    private static GetOnlineFeaturesRequest GrpcRead()
    {
        var request = new GetOnlineFeaturesRequest { Features = new FeatureList { Val = { "transformed_conv_rate:conv_rate_plus_val1" } } };
        request.Entities["driver_id"] = new Protos.Types.RepeatedValue { Val = { new Protos.Types.Value { Int64Val = 1001 } } };
        request.RequestContext["val_to_add"] = new Protos.Types.RepeatedValue { Val = { new Protos.Types.Value { Int64Val = 0 } } };
        request.RequestContext["val_to_add_2"] = new Protos.Types.RepeatedValue { Val = { new Protos.Types.Value { Int64Val = 0 } } };
        return request;
    }

    [Fact]
    public async Task OnDemandOnlyRole_CannotReadTheSourceViewThroughIt_OverHttp()
    {
        var response = await _server.PostAsync("/get-online-features", OnDemandRead, _server.Token("odfv"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var (_, errorClass, message) = await Answers.ErrorAsync(response);
        Assert.Equal("FeastPermissionError", errorClass);
        Assert.Contains("FeatureView driver_hourly_stats", message, StringComparison.Ordinal);
        Assert.DoesNotContain("0.2", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnDemandOnlyRole_CannotReadTheSourceViewThroughIt_OverGrpc()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _server.GrpcReadAsync(GrpcRead(), _server.Token("odfv")));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("driver_hourly_stats", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RoleAllowedTheOnDemandViewAndItsSources_IsServed_OverHttpAndGrpc()
    {
        var token = _server.Token("odfv", "fv");

        var columns = await Answers.ColumnsAsync(await _server.PostAsync("/get-online-features", OnDemandRead, token));
        var grpc = await _server.GrpcReadAsync(GrpcRead(), token);

        Assert.Equal(0.2, columns["conv_rate_plus_val1"][0].GetDouble(), 5);
        Assert.Equal(0.2, grpc.Results[^1].Values[0].DoubleVal, 5);
    }

    [Fact]
    public async Task SourceViewRoleAlone_CannotReadTheOnDemandView()
    {
        var response = await _server.PostAsync("/get-online-features", OnDemandRead, _server.Token("fv"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("OnDemandFeatureView transformed_conv_rate", (await Answers.ErrorAsync(response)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("driver_activity_odfv")] // lists only the on-demand view
    [InlineData("driver_activity_v1")] // lists conv_rate, but the on-demand view reads all of driver_hourly_stats
    public async Task ServiceRole_CannotReadSourcesTheServiceDoesNotList(string service)
    {
        var response = await _server.PostAsync("/get-online-features", ServiceRead(service), _server.Token("fs"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("FeatureView driver_hourly_stats", (await Answers.ErrorAsync(response)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceRole_ReadsAServiceThatListsTheOnDemandSources_AndFeatureViewRoleCoversTheRest()
    {
        var full = await Answers.ColumnsAsync(await _server.PostAsync("/get-online-features", ServiceRead("driver_activity_full"), _server.Token("fs")));
        var odfvOnly = await Answers.ColumnsAsync(await _server.PostAsync("/get-online-features", ServiceRead("driver_activity_odfv"), _server.Token("fs", "fv")));

        Assert.Equal(0.2, full["conv_rate_plus_val1"][0].GetDouble(), 5);
        Assert.Equal(0.2, odfvOnly["conv_rate_plus_val1"][0].GetDouble(), 5);
    }
}
