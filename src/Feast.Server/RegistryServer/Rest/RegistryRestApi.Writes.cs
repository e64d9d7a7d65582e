using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;
using P = Feast.Protos.Core;
using V = Feast.Protos.Types;

namespace Feast.Server.RegistryServer.Rest;

/// <summary>
/// The REST API's writes, as Feast's routes: <c>POST</c> of an entity, data source, feature view, feature service,
/// permission or saved dataset from Feast's request models, and <c>DELETE /{kind}/{name}?project=</c>. Each goes through
/// the registry server's own write (<see cref="FeastRegistryService"/>): the same checks and the same permissions
/// (CREATE for a new object, DESCRIBE and UPDATE over an existing one, DELETE for a delete).
/// </summary>
internal sealed partial class RegistryRestApi
{
    /// <summary>Answers a request (a write, or a read that awaits) with the JSON <paramref name="body"/> gives and its status, or Feast's error JSON.</summary>
    public RequestDelegate HandleAsync(Func<HttpContext, CancellationToken, Task<(int Status, JsonNode Answer)>> body) => async http =>
    {
        int status;
        JsonNode? answer;
        try
        {
            (status, answer) = await body(http, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            (status, answer) = Error(http, e);
        }
        await WriteAsync(http, status, answer).ConfigureAwait(false);
    };

    /// <summary><c>POST /{kind}</c>: reads the body with <paramref name="build"/> and applies the object (201 <c>{name, project, status: "applied"}</c>).</summary>
    public RequestDelegate Apply(string kind, Func<RestBody, P.Registry, IMessage> build) => HandleAsync(async (http, ct) =>
    {
        var body = await RestBody.ReadAsync(http.Request, ct).ConfigureAwait(false);
        var (name, project) = (body.Required("name"), body.Required("project"));
        var registry = await reader.GetAsync(allowCache: false, ct).ConfigureAwait(false);
        var message = build(body, registry);
        await service.ApplyObjectAsync(http, project, kind, message, ct).ConfigureAwait(false);
        return (StatusCodes.Status201Created, new JsonObject { ["name"] = name, ["project"] = project, ["status"] = "applied" });
    });

    /// <summary><c>DELETE /{kind}/{name}?project=</c> (200 <c>{name, project, status: "deleted"}</c>).</summary>
    public RequestDelegate Delete(params string[] kinds) => HandleAsync(async (http, ct) =>
    {
        var name = http.Request.RouteValues["name"] as string ?? "";
        var project = new RestQuery(http.Request).Project;
        await service.DeleteObjectAsync(http, project, name, kinds, ct).ConfigureAwait(false);
        return (StatusCodes.Status200OK, new JsonObject { ["name"] = name, ["project"] = project, ["status"] = "deleted" });
    });

    /// <summary>Feast's <c>ApplyEntityRequestBody</c>: the join key defaults to the name, the value type to STRING (2).</summary>
    public static IMessage EntityOf(RestBody body, P.Registry registry)
    {
        ArgumentNullException.ThrowIfNull(body);
        var name = body.Required("name");
        var spec = new P.EntitySpecV2
        {
            Name = name,
            JoinKey = body.Optional("join_key") is { Length: > 0 } key ? key : name,
            ValueType = ValueTypeOf(body, "value_type"),
            Description = body.Optional("description") ?? "",
            Owner = body.Optional("owner") ?? "",
        };
        spec.Tags.Add(body.Map("tags"));
        return new P.Entity { Spec = spec };
    }

    /// <summary>
    /// Feast's <c>ApplyFeatureViewRequestBody</c>: entities by name, features (<c>name</c>, <c>value_type</c>,
    /// <c>description</c>), <c>batch_source</c> naming a data source registered in the project (taken whole, so the view
    /// can be read), <c>ttl_seconds</c>, <c>online</c> (default true). The entity columns are the entities' join keys, as
    /// an apply infers them.
    /// </summary>
    public static IMessage FeatureViewOf(RestBody body, P.Registry registry)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(registry);
        var project = body.Required("project");
        var spec = new P.FeatureViewSpec
        {
            Name = body.Required("name"),
            Online = body.Bool("online") ?? true,
            Description = body.Optional("description") ?? "",
            Owner = body.Optional("owner") ?? "",
        };
        spec.Entities.Add(body.Strings("entities"));
        foreach (var feature in body.Objects("features"))
            spec.Features.Add(new P.FeatureSpecV2 { Name = feature.Required("name"), ValueType = ValueTypeOf(feature, "value_type"), Description = feature.Optional("description") ?? "" });
        spec.Tags.Add(body.Map("tags"));
        if (body.Int("ttl_seconds") is { } ttl) spec.Ttl = new Duration { Seconds = ttl };
        if (body.Optional("batch_source") is { Length: > 0 } source)
        {
            spec.BatchSource = registry.DataSources.LastOrDefault(d => d.Project == project && d.Name == source)?.Clone()
                ?? throw new RestValidationException($"Value error: batch_source '{source}' is not a data source of project '{project}'; register it first (POST /data_sources).");
        }
        foreach (var entityName in spec.Entities)
        {
            if (registry.Entities.LastOrDefault(e => e.Spec?.Project == project && e.Spec.Name == entityName) is { } entity)
                spec.EntityColumns.Add(new P.FeatureSpecV2 { Name = entity.Spec.JoinKey, ValueType = entity.Spec.ValueType });
        }
        return new P.FeatureView { Spec = spec };
    }

    /// <summary>
    /// Feast's <c>ApplyFeatureServiceRequestBody</c>: <c>features</c> of <c>{feature_view_name, feature_names}</c>; the
    /// named features (all of the view's when none is named) are taken with their types from the registered view.
    /// </summary>
    public static IMessage FeatureServiceOf(RestBody body, P.Registry registry)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(registry);
        var project = body.Required("project");
        var spec = new P.FeatureServiceSpec
        {
            Name = body.Required("name"),
            Description = body.Optional("description") ?? "",
            Owner = body.Optional("owner") ?? "",
        };
        spec.Tags.Add(body.Map("tags"));
        foreach (var reference in body.Objects("features"))
        {
            var view = reference.Required("feature_view_name");
            var names = reference.Strings("feature_names");
            var projection = new P.FeatureViewProjection { FeatureViewName = view };
            var features = ViewFeatures(registry, project, view);
            if (names.Count == 0) projection.FeatureColumns.Add(features.Select(f => f.Clone()));
            foreach (var feature in names)
                projection.FeatureColumns.Add(features.FirstOrDefault(f => f.Name == feature)?.Clone() ?? new P.FeatureSpecV2 { Name = feature });
            spec.Features.Add(projection);
        }
        if (spec.Features.Count == 0) throw new RestValidationException("Field required: field 'body.features' is missing or empty; name at least one feature view.");
        return new P.FeatureService { Spec = spec };
    }

    /// <summary>
    /// Feast's <c>ApplyPermissionRequestBody</c>: <c>types</c> and <c>actions</c> by their enum names (unknown ones are
    /// dropped, as Feast's), <c>name_patterns</c>, a required <c>policy</c> with one of <c>role_based_policy</c>,
    /// <c>group_based_policy</c>, <c>namespace_based_policy</c> or <c>combined_group_namespace_policy</c>.
    /// </summary>
    public static IMessage PermissionOf(RestBody body, P.Registry registry)
    {
        ArgumentNullException.ThrowIfNull(body);
        var policyBody = body.Object("policy") ?? throw new RestValidationException("Field required: field 'body.policy' is missing.");
        var policy = new P.Policy();
        if (policyBody.Object("role_based_policy") is { } roles)
            policy.RoleBasedPolicy = new P.RoleBasedPolicy { Roles = { roles.Strings("roles") } };
        else if (policyBody.Object("group_based_policy") is { } groups)
            policy.GroupBasedPolicy = new P.GroupBasedPolicy { Groups = { groups.Strings("groups") } };
        else if (policyBody.Object("namespace_based_policy") is { } namespaces)
            policy.NamespaceBasedPolicy = new P.NamespaceBasedPolicy { Namespaces = { namespaces.Strings("namespaces") } };
        else if (policyBody.Object("combined_group_namespace_policy") is { } combined)
            policy.CombinedGroupNamespacePolicy = new P.CombinedGroupNamespacePolicy { Groups = { combined.Strings("groups") }, Namespaces = { combined.Strings("namespaces") } };
        var spec = new P.PermissionSpec { Name = body.Required("name"), Policy = policy };
        foreach (var type in body.Strings("types"))
        {
            if (EnumOf(P.PermissionSpec.Descriptor, "Type").FindValueByName(type) is { } value) spec.Types_.Add((P.PermissionSpec.Types.Type)value.Number);
        }
        foreach (var action in body.Strings("actions"))
        {
            if (EnumOf(P.PermissionSpec.Descriptor, "AuthzedAction").FindValueByName(action) is { } value) spec.Actions.Add((P.PermissionSpec.Types.AuthzedAction)value.Number);
        }
        spec.NamePatterns.Add(body.Strings("name_patterns"));
        spec.Tags.Add(body.Map("tags"));
        spec.RequiredTags.Add(body.Map("required_tags"));
        return new P.Permission { Spec = spec };
    }

    private static List<P.FeatureSpecV2> ViewFeatures(P.Registry registry, string project, string view) =>
        registry.FeatureViews.LastOrDefault(v => v.Spec?.Project == project && v.Spec.Name == view)?.Spec.Features.ToList()
        ?? registry.StreamFeatureViews.LastOrDefault(v => v.Spec?.Project == project && v.Spec.Name == view)?.Spec.Features.ToList()
        ?? registry.OnDemandFeatureViews.LastOrDefault(v => v.Spec?.Project == project && v.Spec.Name == view)?.Spec.Features.ToList()
        ?? [];

    private static Google.Protobuf.Reflection.EnumDescriptor EnumOf(Google.Protobuf.Reflection.MessageDescriptor message, string name) =>
        message.EnumTypes.First(e => e.Name == name);

    private static V.ValueType.Types.Enum ValueTypeOf(RestBody body, string field)
    {
        var number = body.Int(field) ?? (int)V.ValueType.Types.Enum.String;
        return EnumOf(V.ValueType.Descriptor, "Enum").FindValueByNumber(number) is not null
            ? (V.ValueType.Types.Enum)number
            : throw new RestValidationException($"Value error: field 'body.{field}' is {number}, which is no Feast ValueType (2 is STRING, 4 INT64, 6 DOUBLE; see feast/types/Value.proto).");
    }
}
