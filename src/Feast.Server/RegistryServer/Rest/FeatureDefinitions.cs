using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Feast.Server.RegistryServer.Rest;

/// <summary>
/// The <c>featureDefinition</c> of a REST detail answer: Python code that defines the object, as Feast's server renders
/// it from the object's JSON for the web UI's "definition" tab (its jinja templates: entity, file/push/request source,
/// feature view or on-demand view, feature service, feature, saved dataset). Names the code refers to but does not
/// define (entities, sources) are assumed to be defined elsewhere in the repo, as Feast's comment says.
/// </summary>
internal static class FeatureDefinitions
{
    /// <summary>An entity's definition.</summary>
    public static string Entity(JsonObject entity)
    {
        var spec = Spec(entity);
        var name = Text(spec, "name") ?? Text(entity, "name") ?? "default_entity";
        var joinKeys = spec["joinKeys"] as JsonArray ?? (Text(spec, "joinKey") is { } key ? new JsonArray(key) : []);
        var code = new StringBuilder("from feast import Entity\n\n")
            .Append(CultureInfo.InvariantCulture, $"{name} = Entity(\n    name=\"{name}\",\n    join_keys={Python(joinKeys)}");
        if (Text(spec, "description") is { Length: > 0 } description) code.Append(CultureInfo.InvariantCulture, $",\n    description=\"{description}\"");
        if (spec["tags"] is JsonObject { Count: > 0 } tags) code.Append(CultureInfo.InvariantCulture, $",\n    tags={Python(tags)}");
        return code.Append("\n)").ToString();
    }

    /// <summary>A data source's definition: a request source, a push source, or (anything else) a file source.</summary>
    public static string DataSource(JsonObject source)
    {
        var spec = Spec(source);
        var name = Text(spec, "name") ?? "default_source";
        var type = (Text(spec, "type") ?? "").ToUpperInvariant();
        if (type == "REQUEST_SOURCE")
        {
            var fields = (spec["requestDataOptions"]?["schema"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            var types = fields.Select(TypeName).Distinct().Order(StringComparer.Ordinal);
            var schema = string.Concat(fields.Select(f => $"        Field(name=\"{Text(f, "name")}\", dtype={TypeName(f)}),\n"));
            return $"from feast import RequestSource, Field\nfrom feast.types import {string.Join(", ", types)}\n\n" +
                $"{name} = RequestSource(\n    name=\"{name}\",\n    schema=[\n{schema}    ],\n)";
        }
        if (type == "PUSH_SOURCE" && spec["batchSource"] is JsonObject batch)
            return $"from feast import PushSource\n\n{name} = PushSource(\n    name=\"{name}\",\n    batch_source={Text(batch, "name") ?? "batch_source"},\n)";
        var path = Text(spec, "path") ?? Text(spec["fileOptions"] as JsonObject, "uri") ?? "";
        var created = Text(spec, "createdTimestampColumn") is { Length: > 0 } column ? $"    created_timestamp_column=\"{column}\",\n" : "";
        return $"from feast import FileSource\n\n{name} = FileSource(\n    name=\"{name}\",\n    path=\"{path}\",\n" +
            $"    timestamp_field=\"{Text(spec, "timestampField") ?? "event_timestamp"}\",\n{created})";
    }

    /// <summary>A feature view's definition (<c>type</c> as the REST answer gives it), or an on-demand view's decorated function.</summary>
    public static string FeatureView(JsonObject view)
    {
        var spec = Spec(view);
        var name = Text(spec, "name") ?? "example";
        var fields = (spec["features"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var types = string.Join(", ", fields.Select(TypeName).Distinct().Order(StringComparer.Ordinal));
        var schema = string.Concat(fields.Select(f =>
            $"        Field(name=\"{Text(f, "name")}\", dtype={TypeName(f)}{(Text(f, "description") is { Length: > 0 } d ? $", description=\"{d}\"" : "")}),\n"));
        var entities = string.Join(", ", (spec["entities"] as JsonArray ?? []).Select(e => e?.GetValue<string>()));
        if (Text(view, "type") == "onDemandFeatureView")
        {
            var sources = spec["sources"] is JsonObject { Count: > 0 } map
                ? "{" + string.Join(", ", map.Select(s => $"\"{s.Key}\": {Text(s.Value as JsonObject, "name") ?? s.Key}")) + "}"
                : "source_feature_view";
            return $"from feast import Field\nfrom feast.on_demand_feature_view import on_demand_feature_view\nimport pandas as pd\n" +
                $"from feast.types import {types}\n\n# Assumes {entities} and {sources} are defined elsewhere in your repo\n" +
                $"@on_demand_feature_view(\n    sources={sources},\n    schema=[\n{schema}    ],\n)\n" +
                $"def {name}(inputs: pd.DataFrame) -> pd.DataFrame:\n    df = pd.DataFrame()\n    # Your transformation logic here\n" +
                "    # Example: df[\"feature_name\"] = inputs[\"source_column\"]\n    return df\n";
        }
        var className = Text(view, "type") == "streamFeatureView" ? "StreamFeatureView" : "FeatureView";
        var source = className == "StreamFeatureView"
            ? Text(spec["streamSource"] as JsonObject, "name") ?? "stream_source"
            : Text(spec["batchSource"] as JsonObject, "name") ?? "driver_stats_source";
        var ttl = Text(spec, "ttl") is { Length: > 1 } t && t.EndsWith('s') && long.TryParse(t[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? $"timedelta(seconds={seconds})"
            : "timedelta(days=1)";
        var online = spec["online"]?.GetValue<bool>() ?? false;
        var tags = spec["tags"] is JsonObject { Count: > 0 } tagMap ? $"    tags={Python(tagMap)},\n" : "";
        return $"from feast import Field, {className}\nfrom feast.types import {types}\n\n" +
            $"# Assumes {entities} and {source} are defined elsewhere in your repo\n{name}_feature_view = {className}(\n" +
            $"    name=\"{name}\",\n    entities=[{entities}],\n    ttl={ttl},\n    schema=[\n{schema}    ],\n" +
            $"    online={(online ? "True" : "False")},\n    source={source},\n{tags})\n";
    }

    /// <summary>A feature service's definition: its views with their selected features.</summary>
    public static string FeatureService(JsonObject service)
    {
        var spec = Spec(service);
        var name = Text(spec, "name") ?? "default_feature_service";
        var features = new List<string>();
        foreach (var projection in (spec["features"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (Text(projection, "featureViewName") is not { Length: > 0 } view) continue;
            var columns = (projection["featureColumns"] as JsonArray ?? []).OfType<JsonObject>().Select(c => Text(c, "name")).OfType<string>().ToList();
            features.Add(columns.Count > 0 ? $"{view}[[{string.Join(", ", columns.Select(Python))}]]" : view);
        }
        var code = new StringBuilder("from feast import FeatureService\n\n")
            .Append(CultureInfo.InvariantCulture, $"{name} = FeatureService(\n    name=\"{name}\",\n    features=[{string.Join(", ", features)}],\n");
        if (spec["tags"] is JsonObject { Count: > 0 } tags) code.Append(CultureInfo.InvariantCulture, $"    tags={Python(tags)},\n");
        if (Text(spec, "description") is { Length: > 0 } description) code.Append(CultureInfo.InvariantCulture, $"    description=\"{description}\",\n");
        if (spec["loggingConfig"] is JsonObject logging) code.Append(CultureInfo.InvariantCulture, $"    logging_config={Python(logging)},\n");
        return code.Append(')').ToString();
    }

    /// <summary>A feature's definition.</summary>
    public static string Feature(JsonObject feature)
    {
        var name = Text(feature, "name") ?? "";
        var code = new StringBuilder("from feast import Feature\n\n")
            .Append(CultureInfo.InvariantCulture, $"{name} = Feature(\n    name=\"{name}\",\n    dtype={Text(feature, "type") ?? "String"},\n");
        if (Text(feature, "description") is { Length: > 0 } description) code.Append(CultureInfo.InvariantCulture, $"    description=\"{description}\",\n");
        if (feature["tags"] is JsonObject { Count: > 0 } tags) code.Append(CultureInfo.InvariantCulture, $"    labels={Python(tags)},\n");
        return code.Append(')').ToString();
    }

    /// <summary>A saved dataset's definition.</summary>
    public static string SavedDataset(JsonObject dataset)
    {
        var spec = Spec(dataset);
        var name = Text(spec, "name") ?? "";
        var features = string.Join(", ", (spec["features"] as JsonArray ?? []).Select(f => f?.ToString()));
        var tags = spec["tags"] is JsonObject { Count: > 0 } map ? $"    tags={Python(map)},\n" : "";
        return $"from feast import SavedDataset\n\n{name} = SavedDataset(\n    name=\"{name}\",\n    features=[{features}],\n{tags})";
    }

    private static readonly Google.Protobuf.Reflection.EnumDescriptor ValueTypeEnum = Protos.Types.ValueType.Descriptor.EnumTypes.Single(e => e.Name == "Enum");

    private static JsonObject Spec(JsonObject obj) => obj["spec"] as JsonObject ?? obj;

    private static string? Text(JsonObject? obj, string key) =>
        obj?[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>The Feast type name of a field's <c>valueType</c> (<c>FLOAT</c> → <c>Float32</c>, <c>INT64_LIST</c> → <c>Array(Int64)</c>).</summary>
    private static string TypeName(JsonObject field)
    {
        var valueType = Text(field, "valueType") ?? "INVALID";
        var parsed = ValueTypeEnum.FindValueByName(valueType)?.Number ?? 0;
        return FeastType.FromValueType((ValueType)parsed).Name;
    }

    /// <summary>A JSON value as Python's <c>repr</c> writes it (<c>['a', 'b']</c>, <c>{'k': 'v'}</c>, <c>True</c>).</summary>
    private static string Python(JsonNode? node) => node switch
    {
        null => "None",
        JsonArray array => "[" + string.Join(", ", array.Select(Python)) + "]",
        JsonObject obj => "{" + string.Join(", ", obj.Select(p => $"{Python(p.Key)}: {Python(p.Value)}")) + "}",
        JsonValue value when value.TryGetValue<string>(out var s) => Python(s),
        JsonValue value when value.TryGetValue<bool>(out var b) => b ? "True" : "False",
        _ => node.ToJsonString(),
    };

    private static string Python(string text) =>
        text.Contains('\'', StringComparison.Ordinal) && !text.Contains('"', StringComparison.Ordinal)
            ? "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal) + "\""
            : "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
}
