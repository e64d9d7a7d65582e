using System.Diagnostics;
using System.Text.Json.Nodes;
using Feast.Server.Hosting;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using P = Feast.Protos.Core;

namespace Feast.Server.RegistryServer.Rest;

/// <summary>
/// Feast's REST registry API (<c>feast serve_registry --rest-api</c>, and under the web UI's root path): the registry's
/// objects as Feast's FastAPI routes answer them, over the registry server's cached registry. Every read goes through
/// <see cref="RegistryAccess"/>: lists hold what the caller may describe, a detail needs DESCRIBE.
/// </summary>
internal sealed partial class RegistryRestApi(RegistryReader reader, RegistryAccess access, FeastRegistryService service,
    FeastServerState state, ILogger<RegistryRestApi> logger, TimeProvider time)
{
    private static readonly Dictionary<string, string> NoTags = [];

    /// <summary>One request: its query, the registry it reads and its caller.</summary>
    internal sealed record Call(HttpContext Http, RestQuery Query, P.Registry Registry, RegistryCaller Caller)
    {
        /// <summary>A route value (<c>{name}</c>, ...).</summary>
        public string Route(string key) => Http.Request.RouteValues[key] as string ?? "";
    }

    /// <summary>A kind of registry object listed and described alike (entities, data sources, services, ...).</summary>
    internal sealed record Kind(
        string Key, string LineageType, bool TakesTags,
        Func<P.Registry, string, IEnumerable<IMessage>> OfProject,
        Func<IMessage, string> Name, Func<IMessage, MapField<string, string>> Tags,
        Func<string, string, Exception> NotFound)
    {
        /// <summary>The object as it is answered (<c>MessageToDict</c>, and what Feast adds).</summary>
        public Func<IMessage, JsonObject> Json { get; init; } = RestJson.Object;

        /// <summary>What every answer of an object adds (list, cross-project list and detail).</summary>
        public Action<Call, string, JsonObject>? Decorate { get; init; }

        /// <summary>What a detail answer adds before its relationships.</summary>
        public Action<Call, string, JsonObject>? Enrich { get; init; }

        /// <summary>The <c>featureDefinition</c> (Python code) a detail answer ends with.</summary>
        public Func<JsonObject, string>? Definition { get; init; }

        /// <summary>A filter of the per-project list from its own query parameters.</summary>
        public Func<Call, string, IMessage, bool>? Filter { get; init; }
    }

    /// <summary>Answers a request with the JSON <paramref name="body"/> builds, or a failure with Feast's error JSON.</summary>
    public RequestDelegate Handle(Func<Call, JsonNode?> body) => async http =>
    {
        int status;
        JsonNode? answer;
        try
        {
            var query = new RestQuery(http.Request);
            var registry = await reader.GetAsync(query.Bool("allow_cache", true), http.RequestAborted).ConfigureAwait(false);
            var caller = await access.CallerAsync(http, http.RequestAborted).ConfigureAwait(false);
            answer = body(new Call(http, query, registry, caller));
            status = StatusCodes.Status200OK;
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            (status, answer) = Error(http, e);
        }
        await WriteAsync(http, status, answer).ConfigureAwait(false);
    };

    /// <summary><c>POST /registry/refresh</c>: UPDATE on the served project, then the registry re-read from its store.</summary>
    public async Task Refresh(HttpContext http)
    {
        int status = StatusCodes.Status200OK;
        JsonNode? answer = null;
        try
        {
            var registry = await reader.GetAsync(allowCache: true, http.RequestAborted).ConfigureAwait(false);
            var caller = await access.CallerAsync(http, http.RequestAborted).ConfigureAwait(false);
            var project = state.Store.Project;
            var found = registry.Projects.FirstOrDefault(p => p.Spec?.Name == project);
            if (found is not null) access.Assert(caller, registry, project, found, AuthzedAction.Update);
            await reader.ReadAsync(http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            (status, answer) = Error(http, e);
        }
        await WriteAsync(http, status, answer).ConfigureAwait(false);
    }

    /// <summary>A per-project list: <c>{key: [...], pagination, relationships?}</c>.</summary>
    public JsonNode List(Kind kind, Call call)
    {
        var project = call.Query.Project;
        var includeRelationships = call.Query.Bool("include_relationships", false);
        var tags = kind.TakesTags ? call.Query.Tags() : [];
        var (pagination, sorting) = (call.Query.Pagination(), call.Query.Sorting());
        var items = Visible(call, project, kind.OfProject(call.Registry, project), kind.Tags, tags);
        if (kind.Filter is { } filter) items = items.Where(i => filter(call, project, i)).ToList();
        var (page, metadata) = ListShaping.Shape(items, pagination, sorting, i => i);
        var result = new JsonObject
        {
            [kind.Key] = RestJson.Array(page.Select(i => (JsonNode)Shown(kind, call, project, i))),
            ["pagination"] = RestJson.Pagination(metadata),
        };
        if (includeRelationships) result["relationships"] = RelationshipsOf(call, project, kind.LineageType, page.Select(kind.Name));
        return result;
    }

    /// <summary>A cross-project list (<c>/all</c>): every visible project's objects with their <c>project</c>, paged as Feast's.</summary>
    public JsonNode All(Kind kind, Call call)
    {
        var paging = call.Query.All();
        var includeRelationships = call.Query.Bool("include_relationships", false);
        var all = new List<JsonObject>();
        var relationships = new JsonObject();
        foreach (var project in VisibleProjects(call))
        {
            var items = Visible(call, project, kind.OfProject(call.Registry, project), kind.Tags, NoTags);
            foreach (var item in items)
            {
                var json = Shown(kind, call, project, item);
                json["project"] = project;
                all.Add(json);
            }
            if (includeRelationships) Merge(relationships, RelationshipsOf(call, project, kind.LineageType, items.Select(kind.Name)));
        }
        var (page, pagination) = RestJson.PageAll(all, paging);
        var result = new JsonObject { [kind.Key] = RestJson.Array(page), ["pagination"] = pagination };
        if (includeRelationships) result["relationships"] = relationships;
        return result;
    }

    /// <summary>One object by name (DESCRIBE), with what Feast adds and, when asked, its relationships.</summary>
    public JsonNode Detail(Kind kind, Call call)
    {
        var name = call.Route("name");
        var project = call.Query.Project;
        var includeRelationships = call.Query.Bool("include_relationships", false);
        var item = kind.OfProject(call.Registry, project).FirstOrDefault(i => kind.Name(i) == name) ?? throw kind.NotFound(name, project);
        access.Assert(call.Caller, call.Registry, project, item, AuthzedAction.Describe);
        var json = Shown(kind, call, project, item);
        kind.Enrich?.Invoke(call, project, json);
        if (includeRelationships) json["relationships"] = Relationships(call, project, kind.LineageType, name);
        if (kind.Definition is { } definition) json["featureDefinition"] = definition(json);
        Visited(call, project);
        return json;
    }

    private static JsonObject Shown(Kind kind, Call call, string project, IMessage item)
    {
        var json = kind.Json(item);
        kind.Decorate?.Invoke(call, project, json);
        return json;
    }

    /// <summary>The objects of <paramref name="project"/> with every tag of <paramref name="tags"/> that the caller may describe.</summary>
    private List<IMessage> Visible(Call call, string project, IEnumerable<IMessage> items, Func<IMessage, MapField<string, string>> tagsOf,
        IReadOnlyDictionary<string, string> tags) =>
        access.Filter(call.Caller, call.Registry, project, items.Where(i => ListShaping.HasAllTags(tagsOf(i), tags))).ToList();

    /// <summary>The names of the projects the caller may describe, in the registry's order.</summary>
    private IEnumerable<string> VisibleProjects(Call call) =>
        call.Registry.Projects.Where(p => access.Filter(call.Caller, call.Registry, p.Spec.Name, [p]).Any()).Select(p => p.Spec.Name);

    /// <summary>Writes <paramref name="answer"/> (none for an empty 200) with Feast's security headers.</summary>
    private static async Task WriteAsync(HttpContext http, int status, JsonNode? answer)
    {
        var response = http.Response;
        response.StatusCode = status;
        response.Headers["X-Content-Type-Options"] = "nosniff";
        response.Headers["X-XSS-Protection"] = "1; mode=block";
        response.Headers["X-Frame-Options"] = "DENY";
        if (answer is null) return;
        response.ContentType = "application/json";
        await response.WriteAsync(RestJson.Text(answer), http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Feast's error JSON <c>{"status_code", "detail", "error_type"}</c>: unknown object 404, permission 403, a bad query
    /// parameter or body 422 (<c>RequestValidationError</c>) or 400 (<c>HTTPException</c>), a name that exists 409, an object
    /// others use 409 (<c>ObjectInUseException</c>), another invalid value 422
    /// (<c>ValueError</c>), anything else 500 (<c>InternalServerError</c>).
    /// </summary>
    private (int Status, JsonNode Body) Error(HttpContext http, Exception exception)
    {
        var answer = ServerErrors.Report(exception, $"{http.Request.Method} {http.Request.Path}", logger, Activity.Current);
        var (status, type, detail) = exception switch
        {
            FeastObjectNotFoundException => (404, nameof(FeastObjectNotFoundException), answer.Message),
            FeastException { FeastErrorClass: "FeastPermissionError" } => (403, "FeastPermissionError", answer.Message),
            RestValidationException => (422, "RequestValidationError", answer.Message),
            RestBadRequestException => (400, "HTTPException", answer.Message),
            RestConflictException => (409, "HTTPException", answer.Message),
            RestNotImplementedException => (501, "HTTPException", answer.Message),
            ObjectInUseException => (409, nameof(ObjectInUseException), answer.Message),
            FeastValidationException => (422, "ValueError", answer.Message),
            _ when answer.HttpStatus < 500 => (answer.HttpStatus, answer.ClassName, answer.Message),
            _ => (500, "InternalServerError", $"Internal server error: {answer.Message}"),
        };
        return (status, new JsonObject { ["status_code"] = status, ["detail"] = detail, ["error_type"] = type });
    }

    private static void Merge(JsonObject into, JsonObject from)
    {
        foreach (var (key, value) in from.ToList())
        {
            from.Remove(key);
            into[key] = value;
        }
    }
}
