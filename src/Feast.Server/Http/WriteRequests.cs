using System.Globalization;
using System.Text.Json;
using Feast.Values;

namespace Feast.Server.Http;

/// <summary>The body of <c>POST /push</c>.</summary>
internal sealed record PushRequest(string PushSourceName, FeatureRows Rows, PushMode To, bool AllowRegistryCache, bool TransformOnWrite = true);

/// <summary>The body of <c>POST /write-to-online-store</c>.</summary>
internal sealed record WriteRequest(string FeatureViewName, FeatureRows Rows, bool AllowRegistryCache, bool TransformOnWrite = true);

/// <summary>The body of <c>POST /materialize</c> (with <see cref="Start"/>) or <c>POST /materialize-incremental</c> (without).</summary>
internal sealed record MaterializeRequest(DateTimeOffset? Start, DateTimeOffset End, IReadOnlyList<string>? FeatureViews, bool DisableEventTimestamp = false);

/// <summary>
/// Reads the bodies of the write endpoints as Feast's pydantic models do: required fields must be there with the right
/// JSON type, optional ones take Feast's defaults, unknown fields are ignored. Every mistake is a
/// <see cref="RequestBodyException"/> naming the field.
/// </summary>
internal static class WriteRequests
{
    public static PushRequest ParsePush(ReadOnlySpan<byte> utf8)
    {
        var root = Object(RequestBody.ParseJson(utf8), "{\"push_source_name\": \"...\", \"df\": {\"column\": [...]}, \"to\": \"online\"}");
        var name = RequiredString(root, "push_source_name");
        var rows = Rows(Required(root, "df"));
        var to = OptionalString(root, "to") ?? "online";
        var mode = to switch
        {
            "online" => PushMode.Online,
            "offline" => PushMode.Offline,
            "online_and_offline" => PushMode.OnlineAndOffline,
            _ => throw new RequestBodyException($"\"to\": \"{to}\" is not a supported push mode; use one of \"online\", \"offline\", \"online_and_offline\"."),
        };
        return new PushRequest(name, rows, mode, OptionalBool(root, "allow_registry_cache", true), OptionalBool(root, "transform_on_write", true));
    }

    public static WriteRequest ParseWrite(ReadOnlySpan<byte> utf8)
    {
        var root = Object(RequestBody.ParseJson(utf8), "{\"feature_view_name\": \"...\", \"df\": {\"column\": [...]}}");
        var name = RequiredString(root, "feature_view_name");
        var rows = Rows(Required(root, "df"));
        return new WriteRequest(name, rows, OptionalBool(root, "allow_registry_cache", true), OptionalBool(root, "transform_on_write", true));
    }

    public static MaterializeRequest ParseMaterialize(ReadOnlySpan<byte> utf8)
    {
        var root = Object(RequestBody.ParseJson(utf8), "{\"start_ts\": \"2024-01-01T00:00:00\", \"end_ts\": \"2024-01-02T00:00:00\", \"feature_views\": [...]}");
        // As Feast: everything from the epoch to the store's now, whatever timestamps the body gives, stamped with the
        // current time (FeatureStore.MaterializeAllStampedNowAsync picks the window).
        if (OptionalBool(root, "disable_event_timestamp", false))
            return new MaterializeRequest(null, DateTimeOffset.MaxValue, Views(root), DisableEventTimestamp: true);
        var start = Timestamp(root, "start_ts");
        var end = Timestamp(root, "end_ts");
        if (start >= end)
            throw new FeastValidationException($"\"start_ts\" ({Iso(start)}) must be before \"end_ts\" ({Iso(end)}).");
        return new MaterializeRequest(start, end, Views(root));
    }

    public static MaterializeRequest ParseMaterializeIncremental(ReadOnlySpan<byte> utf8)
    {
        var root = Object(RequestBody.ParseJson(utf8), "{\"end_ts\": \"2024-01-02T00:00:00\", \"feature_views\": [...]}");
        return new MaterializeRequest(null, Timestamp(root, "end_ts"), Views(root));
    }

    // Feast's server reads these with dateutil, which also takes "07/12/2026" (month first); only ISO 8601 is read here.
    private static DateTimeOffset Timestamp(JsonElement root, string name)
    {
        var text = RequiredString(root, name);
        if (FeastTimestamp.TryParse(text, out var value)) return value;
        throw new RequestBodyException($"\"{name}\": \"{text}\" is not an ISO 8601 timestamp. {FeastTimestamp.AcceptedForms}.");
    }

    private static string Iso(DateTimeOffset value) => value.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);

    private static string[]? Views(JsonElement root)
    {
        if (!root.TryGetProperty("feature_views", out var value)) return null;
        try
        {
            return Feast.Serialization.OnlineRequestJson.ReadStrings(value, "feature_views", "a list of feature view names", "a feature view name");
        }
        catch (FeastValidationException e)
        {
            // The body's shape: 422, as every other field of the body.
            throw new RequestBodyException(e.Message);
        }
    }

    /// <summary>
    /// <c>df</c>: column name → one value per row. JSON values become .NET values (null, string, bool, long or double,
    /// arrays); the store converts them to each column's declared type and parses timestamp text.
    /// </summary>
    private static FeatureRows Rows(JsonElement df)
    {
        Dictionary<string, IReadOnlyList<object?>> columns;
        try
        {
            columns = Feast.Serialization.OnlineRequestJson.ReadColumns(df, "df",
                "{\"driver_id\": [1001], \"event_timestamp\": [\"2024-01-01T00:00:00\"], ...}", "row", "column", ToObject);
        }
        catch (FeastValidationException e)
        {
            // The body's shape: 422, as every other field of the body.
            throw new RequestBodyException(e.Message);
        }
        return FeatureRows.FromColumns(columns);
    }

    private static object? ToObject(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => value.TryGetInt64(out var whole) ? whole : value.GetDouble(),
        JsonValueKind.Array => ToArray(value),
        // Objects stay JSON: a Json-typed feature keeps their text.
        _ => value,
    };

    private static object?[] ToArray(JsonElement array)
    {
        var items = new object?[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray()) items[i++] = ToObject(item);
        return items;
    }

    private static JsonElement Object(JsonElement root, string example) =>
        root.ValueKind == JsonValueKind.Object ? root : throw new RequestBodyException($"The request body must be a JSON object like {example}, not {Kind(root)}.");

    private static JsonElement Required(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new RequestBodyException($"The request body has no \"{name}\"; it is required.");

    private static string RequiredString(JsonElement root, string name)
    {
        var value = Required(root, name);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new RequestBodyException($"\"{name}\" must be a string, not {Kind(value)}.");
    }

    private static string? OptionalString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new RequestBodyException($"\"{name}\" must be a string, not {Kind(value)}.");
    }

    private static bool OptionalBool(JsonElement root, string name, bool defaultValue)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return defaultValue;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new RequestBodyException($"\"{name}\" must be true or false, not {Kind(value)}."),
        };
    }

    internal static string Kind(JsonElement value) => Feast.Serialization.OnlineRequestJson.Kind(value);
}
