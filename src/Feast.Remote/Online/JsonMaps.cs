using System.Text.Json;
using Feast.Protos.Types;
using Google.Protobuf;
using Value = Feast.Protos.Types.Value;

namespace Feast.Remote;

/// <summary>
/// Map and struct values of a feature server's JSON answer (JSON objects, or arrays of them for the list types) back
/// into Feast's <c>Map</c> values. The JSON does not say the type of a map's entries, so each is inferred as Python
/// Feast's client infers it: whole numbers int64, other numbers double, text string, nested objects maps.
/// </summary>
internal static class JsonMaps
{
    /// <summary>Whether values of <paramref name="type"/> are maps (or lists of maps) in JSON.</summary>
    public static bool IsMapType(ValueType type) => type is ValueType.Map or ValueType.Struct or ValueType.MapList or ValueType.StructList;

    /// <summary>The value of <paramref name="json"/> as <paramref name="type"/> (a map type, or Unknown for an object).</summary>
    /// <exception cref="FeastValidationException">The JSON is not an object (or a list of objects for the list types).</exception>
    public static FeatureValue Decode(JsonElement json, ValueType type, string name)
    {
        var value = type switch
        {
            ValueType.MapList => new Value { MapListVal = List(json, name) },
            ValueType.StructList => new Value { StructListVal = List(json, name) },
            ValueType.Struct => new Value { StructVal = Map(json, name) },
            _ => new Value { MapVal = Map(json, name) },
        };
        return FeatureValue.Parse(value.ToByteArray());
    }

    private static MapList List(JsonElement json, string name)
    {
        if (json.ValueKind != JsonValueKind.Array)
            throw new FeastValidationException($"Feature '{name}': the feature server answered {json.ValueKind} for a list of maps.");
        var list = new MapList();
        foreach (var item in json.EnumerateArray()) list.Val.Add(Map(item, name));
        return list;
    }

    private static Map Map(JsonElement json, string name)
    {
        if (json.ValueKind != JsonValueKind.Object)
            throw new FeastValidationException($"Feature '{name}': the feature server answered {json.ValueKind} for a map.");
        var map = new Map();
        foreach (var property in json.EnumerateObject())
        {
            map.Val[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.Null => new Value(),
                JsonValueKind.Object => new Value { MapVal = Map(property.Value, name) },
                _ => Value.Parser.ParseFrom(FeatureValue.FromObject(property.Value, ValueType.Unknown, name).ToByteArray()),
            };
        }
        return map;
    }
}
