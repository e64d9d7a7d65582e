using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Feast.Serialization;
using Feast.Server.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Feast.Server.Http;

/// <summary>
/// Feast's feature-server endpoints (FEAST-FORMATS §5): each reads its body, calls the SDK with the request's abort
/// token, and answers as Feast's Python server does, errors included.
/// </summary>
internal sealed partial class FeastHttpEndpoints(FeastServerState state, HealthCheckService health, ServerMetrics metrics, MaterializationRunner materializations,
    OfflinePushBatcher offlinePushes, FeastAuthorization auth, ILogger<FeastHttpEndpoints> logger)
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Python's JSONResponse keeps non-ASCII text as is; only what JSON requires is escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private static readonly byte[] NullBody = "null"u8.ToArray();

    private long Limit => state.Options.MaxRequestBodyBytes;

    public Task GetOnlineFeatures(HttpContext context) => Guard(context, "/get-online-features", async (context, ct) =>
    {
        var request = await RequestBody.ReadAsync(context, Limit, RequestBody.ParseOnlineRequest, ct).ConfigureAwait(false);
        RequestLimitException.Check(request, state.Options);
        await auth.AuthorizeAsync(context, request, FeastAuthorization.OnlineRead, FeastAuthorization.ReadOnline, ct).ConfigureAwait(false);
        var response = await state.Store.GetOnlineFeaturesAsync(request, ct).ConfigureAwait(false);
        metrics.OnlineFeaturesServed(response.RowCount);
        RequestShape.Set(context, response);
        Activity.Current?.SetTag("feast.entity_rows", response.RowCount);

        await WriteOnlineResponseAsync(context, response, ct).ConfigureAwait(false);
    });

    public Task Push(HttpContext context) => Guard(context, "/push", async (context, ct) =>
    {
        var request = await RequestBody.ReadAsync(context, Limit, WriteRequests.ParsePush, ct).ConfigureAwait(false);
        await auth.AuthorizeAsync(context, request.PushSourceName, FeastAuthorization.Pushed, FeastAuthorization.WriteFor(request.To), ct).ConfigureAwait(false);
        if (!request.AllowRegistryCache) await state.Store.GetRegistryAsync(allowCache: false, ct).ConfigureAwait(false);
        if (offlinePushes.Enabled && request.To is PushMode.Offline or PushMode.OnlineAndOffline)
        {
            // Batched offline writes (Feast's offline_push_batching): the online part now, the offline part buffered; 202.
            var registry = await state.Store.GetRegistryAsync(cancellationToken: ct).ConfigureAwait(false);
            if (registry.ViewsFedBy(request.PushSourceName).Count == 0) throw new PushSourceNotFoundException(request.PushSourceName);
            if (request.To == PushMode.OnlineAndOffline)
                await state.Store.PushAsync(request.PushSourceName, request.Rows, PushMode.Online, request.TransformOnWrite, ct).ConfigureAwait(false);
            offlinePushes.Enqueue(request.PushSourceName, request.Rows, request.AllowRegistryCache, request.TransformOnWrite);
            metrics.Pushed(request.PushSourceName, request.To);
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }
        await state.Store.PushAsync(request.PushSourceName, request.Rows, request.To, request.TransformOnWrite, ct).ConfigureAwait(false);
        metrics.Pushed(request.PushSourceName, request.To);
        // Feast answers a push with 200 and no body.
        context.Response.StatusCode = StatusCodes.Status200OK;
    });

    public Task WriteToOnlineStore(HttpContext context) => Guard(context, "/write-to-online-store", async (context, ct) =>
    {
        var request = await RequestBody.ReadAsync(context, Limit, WriteRequests.ParseWrite, ct).ConfigureAwait(false);
        await auth.AuthorizeAsync(context, request.FeatureViewName, FeastAuthorization.Written, FeastAuthorization.WriteOnline, ct).ConfigureAwait(false);
        if (!request.AllowRegistryCache) await state.Store.GetRegistryAsync(allowCache: false, ct).ConfigureAwait(false);
        await state.Store.WriteToOnlineStoreAsync(request.FeatureViewName, request.Rows, request.TransformOnWrite, ct).ConfigureAwait(false);
        await WriteNullAsync(context, ct).ConfigureAwait(false);
    });

    public Task Materialize(HttpContext context) => Guard(context, "/materialize", async (context, ct) =>
        await MaterializeAsync(context, await RequestBody.ReadAsync(context, Limit, WriteRequests.ParseMaterialize, ct).ConfigureAwait(false), ct).ConfigureAwait(false));

    public Task MaterializeIncremental(HttpContext context) => Guard(context, "/materialize-incremental", async (context, ct) =>
        await MaterializeAsync(context, await RequestBody.ReadAsync(context, Limit, WriteRequests.ParseMaterializeIncremental, ct).ConfigureAwait(false), ct).ConfigureAwait(false));

    /// <summary>
    /// Feast's answers: 200 <c>null</c> once done; with <c>?async=true</c>, 202 <c>{"status": "accepted", "feature_views": [...]}</c>
    /// at once; 409 <c>{"error": ..., "feature_views": [...]}</c> when a view is already being materialized (unless <c>?force=true</c>).
    /// </summary>
    private async Task MaterializeAsync(HttpContext context, MaterializeRequest request, CancellationToken ct)
    {
        await auth.AuthorizeAsync(context, request.FeatureViews, FeastAuthorization.Materialized, FeastAuthorization.WriteOnline, ct).ConfigureAwait(false);
        var query = context.Request.Query;
        var background = IsTrue(query["async"]);
        var (views, busy) = await materializations.ClaimAsync(request, IsTrue(query["force"]), ct).ConfigureAwait(false);
        if (busy.Count > 0)
        {
            await WriteObjectAsync(context, StatusCodes.Status409Conflict, writer =>
            {
                writer.WriteString("error", $"Feature views {string.Join(", ", busy)} are already being materialized; try again when they finish, or add ?force=true.");
                WriteNames(writer, busy);
            }, ct).ConfigureAwait(false);
            return;
        }
        if (background)
        {
            materializations.Start(request, views);
            await WriteObjectAsync(context, StatusCodes.Status202Accepted, writer =>
            {
                writer.WriteString("status", "accepted");
                WriteNames(writer, views);
            }, ct).ConfigureAwait(false);
            return;
        }
        await materializations.RunAsync(request, views, ct).ConfigureAwait(false);
        await WriteNullAsync(context, ct).ConfigureAwait(false);
    }

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value) =>
        value.Count > 0 && (string.Equals(value[0], "true", StringComparison.OrdinalIgnoreCase) || value[0] == "1");

    private static void WriteNames(Utf8JsonWriter writer, IReadOnlyList<string> views)
    {
        writer.WriteStartArray("feature_views");
        foreach (var view in views) writer.WriteStringValue(view);
        writer.WriteEndArray();
    }

    private static async Task WriteObjectAsync(HttpContext context, int status, Action<Utf8JsonWriter> properties, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(response.BodyWriter, WriterOptions))
        {
            writer.WriteStartObject();
            properties(writer);
            writer.WriteEndObject();
        }
        await response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Feast's <c>/health</c>: 200 with no body when the registry is loaded and the online store answers, else 503.</summary>
    public async Task Health(HttpContext context)
    {
        var report = await health.CheckHealthAsync(r => r.Tags.Contains(FeastHealthCheck.ReadyTag), context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
    }

    /// <summary>Feast's Prometheus metrics, as text (served at <c>/metrics</c> when metrics are on).</summary>
    public async Task Metrics(HttpContext context)
    {
        var text = await metrics.RenderAsync(context.RequestAborted).ConfigureAwait(false);
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await context.Response.WriteAsync(text, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A 200 answer with an online response in Feast's JSON, written straight to the body.</summary>
    private static async Task WriteOnlineResponseAsync(HttpContext context, Feast.Online.OnlineFeaturesResponse response, CancellationToken cancellationToken)
    {
        var http = context.Response;
        http.StatusCode = StatusCodes.Status200OK;
        http.ContentType = "application/json";
        var body = http.BodyWriter;
        using (var writer = new Utf8JsonWriter(body, WriterOptions))
        {
            OnlineResponseJson.Write(writer, response);
        }
        await body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteNullAsync(HttpContext context, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(NullBody, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs an endpoint and answers its errors as Feast does; an aborted request gets no answer.</summary>
    private async Task Guard(HttpContext context, string endpoint, Func<HttpContext, CancellationToken, Task> handler)
    {
        var ct = context.RequestAborted;
        using var activity = ServerTelemetry.Start(endpoint, state.Store.Project);
        try
        {
            await handler(context, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            LogMessages.ClientAborted(logger, endpoint);
        }
        catch (Exception e)
        {
            await WriteErrorAsync(context, ServerErrors.Report(e, endpoint, logger, activity)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Feast's error body: a JSON string whose text is the error detail (so the JSON is encoded twice), or for an error
    /// that is not Feast's, a JSON string of the message.
    /// </summary>
    internal static async Task WriteErrorAsync(HttpContext context, ErrorAnswer answer, Action<HttpResponse>? headers = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // Part of the answer is already on the wire: the only honest signal left is to cut the connection.
            context.Abort();
            return;
        }
        response.Clear();
        headers?.Invoke(response);
        response.StatusCode = answer.HttpStatus;
        response.ContentType = "application/json";
        var text = answer.ErrorClass is null ? answer.Message : ServerErrors.Detail(answer.ErrorClass, answer.Message);
        using (var writer = new Utf8JsonWriter(response.BodyWriter, WriterOptions))
        {
            writer.WriteStringValue(text);
        }
        await response.BodyWriter.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
