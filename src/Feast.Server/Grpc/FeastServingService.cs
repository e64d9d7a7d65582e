using System.Reflection;
using Feast.Online;
using Feast.Protos.Serving;
using Feast.Protos.Types;
using Feast.Server.Hosting;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Grpc;

/// <summary>
/// Feast's gRPC <c>ServingService</c> (as Feast's Go feature server serves it): <c>GetFeastServingInfo</c> and
/// <c>GetOnlineFeatures</c>, with errors mapped to status codes by the same table as the HTTP endpoints.
/// </summary>
internal sealed class FeastServingService(FeastServerState state, ServerMetrics metrics, FeastAuthorization auth, ILogger<FeastServingService> logger) : ServingServiceBase
{
    private static readonly string Version =
        typeof(FeatureStore).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(FeatureStore).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public override Task<GetFeastServingInfoResponse> GetFeastServingInfo(GetFeastServingInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new GetFeastServingInfoResponse { Version = Version });

    public override async Task<OnlineFeaturesResponse> GetOnlineFeatures(GetOnlineFeaturesRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var ct = context.CancellationToken;
        using var activity = ServerTelemetry.Start(nameof(GetOnlineFeatures), state.Store.Project);
        try
        {
            var read = ToRequest(request);
            RequestLimitException.Check(read, state.Options);
            await auth.AuthorizeAsync(context.GetHttpContext(), read, FeastAuthorization.OnlineRead, FeastAuthorization.ReadOnline, ct).ConfigureAwait(false);
            var response = await state.Store.GetOnlineFeaturesAsync(read, ct).ConfigureAwait(false);
            metrics.OnlineFeaturesServed(response.RowCount);
            RequestShape.Set(context.GetHttpContext(), response);
            activity?.SetTag("feast.entity_rows", response.RowCount);
            return response;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled."));
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw ServerErrors.ToRpc(ServerErrors.Report(e, ServingServiceBinding.GetOnlineFeatures.FullName, logger, activity));
        }
    }

    /// <summary>
    /// The SDK's request from the proto: entity columns and request-context columns (request data of on-demand views)
    /// in one map, each <see cref="Value"/> unwrapped (through its bytes, as the SDK's <see cref="FeatureValue"/>) so the store converts it to the declared type of its join key or
    /// request field (an int32 1001 reads an Int64 key; "abc" for an Int64 key is an error naming the column).
    /// </summary>
    internal static OnlineFeaturesRequest ToRequest(GetOnlineFeaturesRequest request)
    {
        var columns = new Dictionary<string, IReadOnlyList<object?>>(request.Entities.Count + request.RequestContext.Count, StringComparer.Ordinal);
        foreach (var (name, values) in request.Entities)
            columns[name] = Column(values);
        foreach (var (name, values) in request.RequestContext)
        {
            if (!columns.TryAdd(name, Column(values)))
                throw new RequestBodyException($"'{name}' is both in entities and in request_context; give it once.");
        }

        return request.KindCase switch
        {
            GetOnlineFeaturesRequest.KindOneofCase.FeatureService when request.FeatureService.Length > 0 =>
                new OnlineFeaturesRequest(columns) { FeatureService = request.FeatureService, FullFeatureNames = request.FullFeatureNames },
            GetOnlineFeaturesRequest.KindOneofCase.Features when request.Features.Val.Count > 0 =>
                new OnlineFeaturesRequest(columns) { Features = [.. request.Features.Val], FullFeatureNames = request.FullFeatureNames },
            _ => throw new RequestBodyException("The request names no features: set features (a FeatureList of \"view:feature\" references) or feature_service."),
        };
    }

    private static object?[] Column(RepeatedValue values)
    {
        var items = values.Val;
        var column = new object?[items.Count];
        for (var i = 0; i < column.Length; i++) column[i] = ToObject(items[i]);
        return column;
    }

    /// <summary>The .NET value of a request value, read by the SDK from the value's bytes (no copy on the heap for small values).</summary>
    private static object? ToObject(Value value)
    {
        var size = value.CalculateSize();
        var bytes = size <= 256 ? stackalloc byte[size] : new byte[size];
        value.WriteTo(bytes);
        return FeatureValue.Parse(bytes).ToObject();
    }
}
