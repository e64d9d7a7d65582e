using Feast.Online;
using Feast.Protos.Serving;
using Google.Protobuf;
using Grpc.Core;

namespace Feast.Server.Grpc;

/// <summary>
/// <c>feast.serving.ServingService</c> bound by hand over the message classes compiled into Feast.Protos.dll, so the service's
/// .proto is not compiled a second time (which would duplicate every message type). This is what protoc's C# plugin
/// generates for the service, and nothing more.
/// </summary>
internal static class ServingServiceBinding
{
    public const string ServiceName = "feast.serving.ServingService";

    // Declared before the methods that use it: static fields initialize in order.
    /// <summary>Writes a response straight into gRPC's buffer; the server never reads one.</summary>
    private static readonly Marshaller<OnlineFeaturesResponse> ResponseMarshaller = Marshallers.Create<OnlineFeaturesResponse>(
        (response, context) =>
        {
            context.SetPayloadLength(response.GetSerializedSize());
            response.WriteTo(context.GetBufferWriter());
            context.Complete();
        },
        _ => throw new NotSupportedException("The server writes GetOnlineFeaturesResponse messages; it does not read them."));

    public static readonly Method<GetFeastServingInfoRequest, GetFeastServingInfoResponse> GetFeastServingInfo = new(
        MethodType.Unary, ServiceName, nameof(GetFeastServingInfo),
        Marshaller(GetFeastServingInfoRequest.Parser), Marshaller(GetFeastServingInfoResponse.Parser));

    /// <summary>The online read; the SDK's response writes its own <c>GetOnlineFeaturesResponse</c> bytes.</summary>
    public static readonly Method<GetOnlineFeaturesRequest, OnlineFeaturesResponse> GetOnlineFeatures = new(
        MethodType.Unary, ServiceName, nameof(GetOnlineFeatures),
        Marshaller(GetOnlineFeaturesRequest.Parser), ResponseMarshaller);

    /// <summary>Registers the service's methods; called by ASP.NET Core's gRPC (once with a null service, to discover them).</summary>
    public static void BindService(ServiceBinderBase binder, ServingServiceBase? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(GetFeastServingInfo, service is null ? null : service.GetFeastServingInfo);
        binder.AddMethod(GetOnlineFeatures, service is null ? null : service.GetOnlineFeatures);
    }

    internal static Marshaller<T> Marshaller<T>(MessageParser<T> parser) where T : class, IMessage<T> =>
        Marshallers.Create<T>(
            (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context => Parse(parser, context));

    /// <summary>A request message that is not valid protobuf is the client's mistake (INVALID_ARGUMENT by <see cref="ServerErrors"/>), not UNKNOWN.</summary>
    private static T Parse<T>(MessageParser<T> parser, DeserializationContext context) where T : class, IMessage<T>
    {
        try
        {
            return parser.ParseFrom(context.PayloadAsReadOnlySequence());
        }
        catch (InvalidProtocolBufferException e)
        {
            // The status from the one table (an unreadable body); no error-class trailer, as the call never reached the service.
            var answer = ServerErrors.Answer(new RequestBodyException($"The request is not a valid {typeof(T).Name} message: {e.Message}"));
            throw new RpcException(new Status(answer.GrpcStatus, answer.Message));
        }
    }
}

/// <summary>
/// The service's methods, as protoc's C# plugin declares them: ASP.NET Core's gRPC binds the overrides of these
/// virtual methods by name.
/// </summary>
[BindServiceMethod(typeof(ServingServiceBinding), nameof(ServingServiceBinding.BindService))]
internal abstract class ServingServiceBase
{
    /// <summary><c>GetFeastServingInfo</c>: the server's version.</summary>
    public abstract Task<GetFeastServingInfoResponse> GetFeastServingInfo(GetFeastServingInfoRequest request, ServerCallContext context);

    /// <summary><c>GetOnlineFeatures</c>: an online read.</summary>
    public abstract Task<OnlineFeaturesResponse> GetOnlineFeatures(GetOnlineFeaturesRequest request, ServerCallContext context);
}
