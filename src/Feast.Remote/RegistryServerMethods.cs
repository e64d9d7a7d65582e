using Feast.Protos.Registry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Feast.Remote;

/// <summary>
/// The client side of the <c>feast.registry.RegistryServer</c> RPCs the remote registry calls, bound by hand over the
/// message classes in Feast.Protos (what protoc's C# plugin would generate for a client).
/// </summary>
internal static class RegistryServerMethods
{
    /// <summary>The service's full name.</summary>
    public const string ServiceName = "feast.registry.RegistryServer";

    /// <summary>
    /// Request header of a <c>Proto</c> call: the <c>version_id</c> of the registry the client holds. A Feast.NET server
    /// whose registry still has that version (and whose answer does not depend on the caller) answers an empty message
    /// with the trailer <see cref="UnchangedTrailer"/> instead of the whole registry; other servers ignore the header.
    /// </summary>
    public const string HeldVersionHeader = "feast-registry-version";

    /// <summary>Trailer of a <c>Proto</c> answer: the registry still has the version the client holds (its value).</summary>
    public const string UnchangedTrailer = "feast-registry-unchanged";

    /// <summary><c>Proto</c>, its answer kept as the bytes the server sent (the registry's SDK type parses them once).</summary>
    public static readonly Method<Empty, byte[]> Proto = new(MethodType.Unary, ServiceName, nameof(Proto),
        Marshallers.Create<Empty>(m => m.ToByteArray(), Empty.Parser.ParseFrom), Marshallers.Create(b => b, b => b));
    public static readonly Method<RefreshRequest, Empty> Refresh = Unary(nameof(Refresh), RefreshRequest.Parser, Empty.Parser);
    public static readonly Method<ApplyProjectRequest, Empty> ApplyProject = Unary(nameof(ApplyProject), ApplyProjectRequest.Parser, Empty.Parser);
    public static readonly Method<ApplyEntityRequest, Empty> ApplyEntity = Unary(nameof(ApplyEntity), ApplyEntityRequest.Parser, Empty.Parser);
    public static readonly Method<ApplyDataSourceRequest, Empty> ApplyDataSource = Unary(nameof(ApplyDataSource), ApplyDataSourceRequest.Parser, Empty.Parser);
    public static readonly Method<ApplyFeatureViewRequest, Empty> ApplyFeatureView = Unary(nameof(ApplyFeatureView), ApplyFeatureViewRequest.Parser, Empty.Parser);
    public static readonly Method<ApplyFeatureServiceRequest, Empty> ApplyFeatureService = Unary(nameof(ApplyFeatureService), ApplyFeatureServiceRequest.Parser, Empty.Parser);
    public static readonly Method<ApplyPermissionRequest, Empty> ApplyPermission = Unary(nameof(ApplyPermission), ApplyPermissionRequest.Parser, Empty.Parser);
    public static readonly Method<ApplyMaterializationRequest, Empty> ApplyMaterialization = Unary(nameof(ApplyMaterialization), ApplyMaterializationRequest.Parser, Empty.Parser);
    public static readonly Method<DeleteEntityRequest, Empty> DeleteEntity = Unary(nameof(DeleteEntity), DeleteEntityRequest.Parser, Empty.Parser);
    public static readonly Method<DeleteDataSourceRequest, Empty> DeleteDataSource = Unary(nameof(DeleteDataSource), DeleteDataSourceRequest.Parser, Empty.Parser);
    public static readonly Method<DeleteFeatureViewRequest, Empty> DeleteFeatureView = Unary(nameof(DeleteFeatureView), DeleteFeatureViewRequest.Parser, Empty.Parser);
    public static readonly Method<DeleteFeatureServiceRequest, Empty> DeleteFeatureService = Unary(nameof(DeleteFeatureService), DeleteFeatureServiceRequest.Parser, Empty.Parser);
    public static readonly Method<DeletePermissionRequest, Empty> DeletePermission = Unary(nameof(DeletePermission), DeletePermissionRequest.Parser, Empty.Parser);
    public static readonly Method<DeleteProjectRequest, Empty> DeleteProject = Unary(nameof(DeleteProject), DeleteProjectRequest.Parser, Empty.Parser);

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name, MessageParser<TRequest> request, MessageParser<TResponse> response)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(MethodType.Unary, ServiceName, name,
            Marshallers.Create(m => m.ToByteArray(), request.ParseFrom),
            Marshallers.Create(m => m.ToByteArray(), response.ParseFrom));
}
