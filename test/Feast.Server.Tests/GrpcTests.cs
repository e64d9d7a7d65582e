using Feast.Protos.Serving;
using Feast.Protos.Types;
using Grpc.Core;
using Grpc.Health.V1;

namespace Feast.Server.Tests;

/// <summary>
/// <c>feast.serving.ServingService</c> and gRPC health, in process and over a real HTTP/2 socket without TLS, through
/// a client built from Feast's own method names (as Go or Java clients call them).
/// </summary>
public sealed class GrpcTests : IAsyncLifetime
{
    private static readonly Method<GetFeastServingInfoRequest, GetFeastServingInfoResponse> InfoMethod = new(
        MethodType.Unary, "feast.serving.ServingService", "GetFeastServingInfo",
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetFeastServingInfoRequest.Parser.ParseFrom),
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetFeastServingInfoResponse.Parser.ParseFrom));

    private static readonly Method<GetOnlineFeaturesRequest, GetOnlineFeaturesResponse> ReadMethod = new(
        MethodType.Unary, "feast.serving.ServingService", "GetOnlineFeatures",
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetOnlineFeaturesRequest.Parser.ParseFrom),
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetOnlineFeaturesResponse.Parser.ParseFrom));

    private ServerRepo _repo = null!;
    private TestHost _inProcess = null!;
    private TestHost _kestrel = null!;

    public async Task InitializeAsync()
    {
        _repo = await ServerRepo.CreateAsync();
        await _repo.Store.MaterializeAsync(ServerRepo.T0.AddDays(-1), ServerRepo.Now);
        _inProcess = await TestHost.StartAsync(_repo.Store);
        _kestrel = await TestHost.StartAsync(_repo.Store, kestrel: true);
    }

    public async Task DisposeAsync()
    {
        await _inProcess.DisposeAsync();
        await _kestrel.DisposeAsync();
        await _repo.DisposeAsync();
    }

    private CallInvoker Invoker(bool kestrel) => (kestrel ? _kestrel : _inProcess).Grpc.CreateCallInvoker();

    private static RepeatedValue Longs(params long[] values)
    {
        var repeated = new RepeatedValue();
        foreach (var value in values) repeated.Val.Add(new Value { Int64Val = value });
        return repeated;
    }

    private static GetOnlineFeaturesRequest Read(params string[] features)
    {
        var request = new GetOnlineFeaturesRequest { Features = new FeatureList() };
        request.Features.Val.AddRange(features);
        return request;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetFeastServingInfo_AnswersTheVersion(bool kestrel)
    {
        var info = await Invoker(kestrel).AsyncUnaryCall(InfoMethod, null, new CallOptions(), new GetFeastServingInfoRequest());

        Assert.Matches(@"^\d+\.\d+\.\d+", info.Version);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOnlineFeatures_Features_ColumnMajorAsProto(bool kestrel)
    {
        var request = Read("driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips");
        request.Entities["driver_id"] = Longs(1001, 1002, 9999);

        var response = await Invoker(kestrel).AsyncUnaryCall(ReadMethod, null, new CallOptions(), request);

        Assert.Equal(["driver_id", "conv_rate", "avg_daily_trips"], response.Metadata.FeatureNames.Val);
        Assert.Equal([1001L, 1002L, 9999L], response.Results[0].Values.Select(v => v.Int64Val));
        Assert.Equal([0.2f, 0.4f], response.Results[1].Values.Take(2).Select(v => v.FloatVal));
        Assert.Equal([FieldStatus.Present, FieldStatus.Present, FieldStatus.NotFound], response.Results[2].Statuses);
        Assert.Equal(ServerRepo.T0.AddHours(2), response.Results[1].EventTimestamps[0].ToDateTimeOffset());
    }

    [Fact]
    public async Task GetOnlineFeatures_FeatureServiceAndRequestContext_ComputesOnDemandFeatures()
    {
        var request = new GetOnlineFeaturesRequest { FeatureService = "driver_activity_v1", FullFeatureNames = true };
        request.Entities["driver_id"] = Longs(1001);
        request.RequestContext["val_to_add"] = Longs(1000);
        request.RequestContext["val_to_add_2"] = Longs(2000);

        var response = await Invoker(kestrel: true).AsyncUnaryCall(ReadMethod, null, new CallOptions(), request);

        var names = response.Metadata.FeatureNames.Val.ToList();
        Assert.Equal(["driver_id", "driver_hourly_stats__conv_rate", "transformed_conv_rate__conv_rate_plus_val1", "transformed_conv_rate__conv_rate_plus_val2"], names);
        Assert.Equal(1000.2, response.Results[2].Values[0].DoubleVal, 5);
    }

    [Fact]
    public async Task GetOnlineFeatures_KeyOfAnotherIntegerOrTextType_IsConverted()
    {
        var request = Read("driver_hourly_stats:avg_daily_trips");
        var keys = new RepeatedValue();
        keys.Val.Add(new Value { Int32Val = 1001 });
        keys.Val.Add(new Value { StringVal = "1002" });
        request.Entities["driver_id"] = keys;

        var response = await Invoker(kestrel: false).AsyncUnaryCall(ReadMethod, null, new CallOptions(), request);

        Assert.Equal([1001L, 1002L], response.Results[0].Values.Select(v => v.Int64Val));
        Assert.Equal([20L, 40L], response.Results[1].Values.Select(v => v.Int64Val));
    }

    [Theory]
    [InlineData("no_such_view:conv_rate", "driver_id", "1001", StatusCode.NotFound, "FeatureViewNotFoundException", "no_such_view")]
    [InlineData("driver_hourly_stats:conv_rate", "driver_id", "abc", StatusCode.InvalidArgument, "FeastValidationException", "abc")]
    [InlineData("driver_hourly_stats:conv_rate", "customer_id", "1001", StatusCode.InvalidArgument, "EntityKeyMissingException", "driver_id")]
    [InlineData("transformed_conv_rate:conv_rate_plus_val1", "driver_id", "1001", StatusCode.NotFound, "RequestDataNotFoundInEntityRowsException", "val_to_add")]
    public async Task GetOnlineFeatures_Errors_MapToStatusCodes(string feature, string key, string value, StatusCode code, string errorClass, string named)
    {
        var request = Read(feature);
        var values = new RepeatedValue();
        values.Val.Add(new Value { StringVal = value });
        request.Entities[key] = values;

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Invoker(kestrel: true).AsyncUnaryCall(ReadMethod, null, new CallOptions(), request));

        Assert.Equal(code, error.StatusCode);
        Assert.Contains(named, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(errorClass, error.Trailers.GetValue("feast-error-class"));
    }

    [Fact]
    public async Task GetOnlineFeatures_NoFeatures_IsInvalidArgument()
    {
        var request = new GetOnlineFeaturesRequest();
        request.Entities["driver_id"] = Longs(1001);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Invoker(kestrel: false).AsyncUnaryCall(ReadMethod, null, new CallOptions(), request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("no features", error.Status.Detail, StringComparison.Ordinal);
    }

    private static readonly Method<byte[], GetOnlineFeaturesResponse> RawReadMethod = new(
        MethodType.Unary, "feast.serving.ServingService", "GetOnlineFeatures",
        Marshallers.Create(bytes => bytes, bytes => bytes),
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetOnlineFeaturesResponse.Parser.ParseFrom));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOnlineFeatures_UndecodableMessage_IsInvalidArgumentNamingTheMessage(bool kestrel)
    {
        // Field 1 as a length-delimited value longer than the whole message.
        byte[] garbage = [0x0A, 0xFF, 0x01, 0x02];

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Invoker(kestrel).AsyncUnaryCall(RawReadMethod, null, new CallOptions(), garbage));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("The request is not a valid GetOnlineFeaturesRequest message: ", error.Status.Detail, StringComparison.Ordinal);
        Assert.Null(error.Trailers.Get("feast-error-class"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Health_Serving(bool kestrel)
    {
        var client = new Health.HealthClient((kestrel ? _kestrel : _inProcess).Grpc);

        var overall = await client.CheckAsync(new HealthCheckRequest());
        var serving = await client.CheckAsync(new HealthCheckRequest { Service = "feast.serving.ServingService" });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, overall.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, serving.Status);
    }

    [Fact]
    public async Task GetOnlineFeatures_MessageOverTheLimit_IsResourceExhausted()
    {
        await using var host = await TestHost.StartAsync(_repo.Store, kestrel: true, configure: o => o.MaxRequestBodyBytes = 1024);
        var request = Read("driver_hourly_stats:conv_rate");
        request.Entities["driver_id"] = Longs([.. Enumerable.Range(1, 1000).Select(i => (long)i)]);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await host.Grpc.CreateCallInvoker().AsyncUnaryCall(ReadMethod, null, new CallOptions(), request));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Metrics_CountAFailedCallAsAnError()
    {
        await using var host = await TestHost.StartAsync(_repo.Store, configure: o => o.Metrics = true);
        var request = Read("no_such_view:conv_rate");
        request.Entities["driver_id"] = Longs(1001);

        await Assert.ThrowsAsync<RpcException>(async () => await host.Grpc.CreateCallInvoker().AsyncUnaryCall(ReadMethod, null, new CallOptions(), request));
        var text = await host.Http.GetStringAsync("/metrics");

        Assert.Contains("feast_feature_server_request_total{endpoint=\"/feast.serving.ServingService/GetOnlineFeatures\",status=\"error\"} 1\n", text, StringComparison.Ordinal);
    }
}
