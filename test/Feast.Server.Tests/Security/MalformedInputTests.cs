using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Grpc.Core;

namespace Feast.Server.Tests.Security;

/// <summary>
/// Bodies that are not text, not protobuf, or carry enormous names: each is the client's mistake (422 /
/// INVALID_ARGUMENT, or the usual 404 with the name clipped), never a 500 or an UNKNOWN.
/// </summary>
public sealed class MalformedInputTests : IAsyncLifetime
{
    private static readonly Method<byte[], byte[]> RawRead = new(
        MethodType.Unary, "feast.serving.ServingService", "GetOnlineFeatures",
        Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));

    private ServerRepo _repo = null!;
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _repo = await ServerRepo.CreateAsync();
        _host = await TestHost.StartAsync(_repo.Store, kestrel: true);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _repo.DisposeAsync();
    }

    private async Task<HttpResponseMessage> PostBytesAsync(string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await _host.Http.PostAsync(path, content);
    }

    private static byte[] Bytes(string before, byte[] middle, string after) => [.. Encoding.UTF8.GetBytes(before), .. middle, .. Encoding.UTF8.GetBytes(after)];

    [Theory]
    [InlineData("/get-online-features", "{\"features\": [\"driver_hourly_stats:", "\"], \"entities\": {\"driver_id\": [1001]}}")]
    [InlineData("/push", "{\"push_source_name\": \"driver_stats_push_source\", \"df\": {\"driver_id\": [1005], \"note\": [\"", "\"]}}")]
    [InlineData("/write-to-online-store", "{\"feature_view_name\": \"", "\", \"df\": {\"driver_id\": [1]}}")]
    public async Task InvalidUtf8_Is422(string path, string before, string after)
    {
        var response = await PostBytesAsync(path, Bytes(before, [0xFF, 0xC3, 0x28], after));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var (_, errorClass, message) = await Answers.ErrorAsync(response);
        Assert.Equal("RequestBodyException", errorClass);
        Assert.Contains("UTF-8", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/get-online-features", """{"features": ["driver_hourly_stats:\ud800"], "entities": {"driver_id": [1001]}}""")]
    [InlineData("/get-online-features", """{"features": ["driver_hourly_stats:conv_rate"], "entities": {"\udc00": [1001]}}""")]
    [InlineData("/push", """{"push_source_name": "\ud800x", "df": {"driver_id": [1005]}}""")]
    [InlineData("/push", """{"push_source_name": "driver_stats_push_source", "df": {"driver_id": [1005], "conv_rate": ["\ud800"]}}""")]
    [InlineData("/write-to-online-store", """{"feature_view_name": "driver_hourly_stats", "df": {"\ud800": [1]}}""")]
    [InlineData("/materialize", """{"start_ts": "2021-04-12T10:00:00\ud800", "end_ts": "2021-04-13T10:00:00"}""")]
    public async Task LoneSurrogateEscape_Is422(string path, string body)
    {
        var response = await _host.PostAsync(path, body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("RequestBodyException", (await Answers.ErrorAsync(response)).Class);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF })]
    [InlineData(new byte[] { 0x12, 0x7F, 0x01 })]
    [InlineData(new byte[] { 0x0A })]
    public async Task MalformedProtobuf_IsInvalidArgument_WithAMessage(byte[] message)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _host.Grpc.CreateCallInvoker().AsyncUnaryCall(RawRead, null, new CallOptions(), message));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("not a valid GetOnlineFeaturesRequest", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MegabyteViewName_IsEchoedClipped()
    {
        var name = new string('v', 1024 * 1024);

        var http = await _host.PostAsync("/get-online-features", "{\"features\": [\"" + name + ":f\"], \"entities\": {\"driver_id\": [1001]}}");
        var request = Calls.ReadRequest();
        request.Features.Val[0] = name + ":f";
        var grpc = await Calls.GrpcReadAsync(_host, null, request);

        Assert.Equal(HttpStatusCode.NotFound, http.StatusCode);
        var message = (await Answers.ErrorAsync(http)).Message;
        Assert.InRange(message.Length, 1, 500);
        Assert.Contains(new string('v', 200) + "…", message, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, grpc.StatusCode);
        Assert.InRange(grpc.Detail.Length, 1, 500);
    }
}
