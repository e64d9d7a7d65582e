using System.Net.Http.Headers;
using System.Text;
using Feast.Protos.Serving;
using Grpc.Core;

namespace Feast.Server.Tests.Security;

/// <summary>One online read over HTTP and over gRPC, with or without a bearer token.</summary>
internal static class Calls
{
    public static readonly Method<GetOnlineFeaturesRequest, GetOnlineFeaturesResponse> ReadMethod = new(
        MethodType.Unary, "feast.serving.ServingService", "GetOnlineFeatures",
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetOnlineFeaturesRequest.Parser.ParseFrom),
        Marshallers.Create(m => Google.Protobuf.MessageExtensions.ToByteArray(m), GetOnlineFeaturesResponse.Parser.ParseFrom));

    /// <summary>The bytes of a gRPC message: a 5-byte prefix (not compressed, big-endian length), then the message.</summary>
    public static byte[] Frame(byte[] message)
    {
        var framed = new byte[message.Length + 5];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
        message.CopyTo(framed, 5);
        return framed;
    }

    public static GetOnlineFeaturesRequest ReadRequest()
    {
        var request = new GetOnlineFeaturesRequest { Features = new FeatureList { Val = { "driver_hourly_stats:conv_rate" } } };
        request.Entities["driver_id"] = new Protos.Types.RepeatedValue { Val = { new Protos.Types.Value { Int64Val = 1001 } } };
        return request;
    }

    public static Task<HttpResponseMessage> PostAsync(TestHost host, string path, string body, string? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return host.Http.SendAsync(request);
    }

    /// <summary>The status of a gRPC online read (OK when it is served).</summary>
    public static async Task<Status> GrpcReadAsync(TestHost host, string? authorization, GetOnlineFeaturesRequest? request = null)
    {
        var headers = new Metadata();
        if (authorization is not null) headers.Add("authorization", authorization);
        try
        {
            await host.Grpc.CreateCallInvoker().AsyncUnaryCall(ReadMethod, null, new CallOptions(headers), request ?? ReadRequest());
            return Status.DefaultSuccess;
        }
        catch (RpcException e)
        {
            return e.Status;
        }
    }

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}
