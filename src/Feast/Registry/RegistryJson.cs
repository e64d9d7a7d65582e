using System.Text.Json;
using System.Text.Json.Nodes;
using Feast.Model.Proto;
using Google.Protobuf;

namespace Feast.Registry;

/// <summary>Feast's <c>registry-dump</c> JSON: protobuf JSON (camelCase) per object, objects sorted by name, keys sorted.</summary>
internal static class RegistryJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Dump(RegistrySnapshot snapshot)
    {
        var project = snapshot.Project;
        var root = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal) { ["project"] = project };
        void Add(string key, IEnumerable<IMessage> messages)
        {
            var array = new JsonArray();
            foreach (var message in messages) array.Add(Sorted(JsonNode.Parse(JsonFormatter.Default.Format(message))));
            if (array.Count > 0) root[key] = array;
        }

#pragma warning disable CS0612 // Python Feast still writes and dumps project metadata.
        Add("projectMetadata", snapshot.Proto.ProjectMetadata.Where(m => m.Project == project));
#pragma warning restore CS0612
        Add("dataSources", snapshot.DataSources.Values.OrderBy(d => d.Name, StringComparer.Ordinal).Select(d => ProtoConverter.ToProto(d, project)));
        Add("entities", snapshot.Entities.Values.OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => ProtoConverter.ToProto(e, project)));
        Add("featureViews", snapshot.FeatureViews.Values.OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => ProtoConverter.ToProto(v, project)));
        Add("featureServices", snapshot.FeatureServices.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => ProtoConverter.ToProto(s, project)));
        Add("onDemandFeatureViews", snapshot.OnDemandFeatureViews.Values.OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => ProtoConverter.ToProto(v, project)));
        Add("streamFeatureViews", snapshot.StreamFeatureViews.Values.OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => ProtoConverter.ToProto(v, project)));
        Add("permissions", snapshot.Permissions.Values.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => ProtoConverter.ToProto(p, project)));
        if (snapshot.Projects.TryGetValue(project, out var p)) Add("projects", [ProtoConverter.ToProto(p)]);

        var result = new JsonObject();
        foreach (var (key, value) in root) result[key] = value;
        return result.ToJsonString(Indented);
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject obj => SortObject(obj),
        JsonArray array => new JsonArray([.. array.Select(item => Sorted(item?.DeepClone()))]),
        _ => node?.DeepClone(),
    };

    private static JsonObject SortObject(JsonObject obj)
    {
        var sorted = new JsonObject();
        foreach (var (key, value) in obj.OrderBy(kv => kv.Key, StringComparer.Ordinal)) sorted[key] = Sorted(value);
        return sorted;
    }
}
