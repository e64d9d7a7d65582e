using System.Text;
using System.Text.Json;
using Feast.Online;

namespace Feast.Serialization;

/// <summary>
/// Reads the body of Feast's HTTP <c>/get-online-features</c> request:
/// <c>{"entities": {"driver_id": [1001, 1002]}, "features": ["view:feature"], "feature_service": "name", "full_feature_names": false}</c>.
/// </summary>
/// <remarks>
/// Entity values stay <see cref="JsonElement"/>s, so the store converts each to its join key's declared type (a JSON
/// <c>1001</c> can become an Int64 or a String key). <c>include_feature_view_version_metadata</c> and unknown
/// properties are ignored, as Feast's server ignores them.
/// </remarks>
public static class OnlineRequestJson
{
    /// <summary>Parses a request body given as UTF-8 bytes.</summary>
    /// <param name="utf8Json">The request body.</param>
    /// <exception cref="FeastValidationException">The body is not valid JSON, or not a valid request; the message says what is wrong.</exception>
    public static OnlineFeaturesRequest Parse(ReadOnlySpan<byte> utf8Json) => FromElement(ParseValue(utf8Json));

    /// <summary>
    /// Reads a request body of Feast's feature server (this one or another endpoint's) as one JSON value, as the
    /// server reads every body: comments and trailing commas allowed, nothing after the value.
    /// </summary>
    /// <param name="utf8Json">The request body.</param>
    /// <returns>The value; it copies what it reads, so it outlives the bytes and needs no disposal.</returns>
    /// <exception cref="FeastValidationException">The body is not valid JSON.</exception>
    public static JsonElement ParseValue(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var root = JsonElement.ParseValue(ref reader);
            // Anything after the value (a second object, stray text) is an error too.
            reader.Read();
            return root;
        }
        catch (JsonException e)
        {
            throw new FeastValidationException($"The request body is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Parses a request body given as text.</summary>
    /// <param name="json">The request body.</param>
    /// <exception cref="FeastValidationException">The body is not valid JSON, or not a valid request; the message says what is wrong.</exception>
    public static OnlineFeaturesRequest Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Reads a request from an already parsed JSON value (which must outlive the request).</summary>
    /// <param name="root">The request object.</param>
    /// <exception cref="FeastValidationException">The value is not a valid request; the message says what is wrong.</exception>
    public static OnlineFeaturesRequest FromElement(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new FeastValidationException($"The request body must be a JSON object with \"entities\" and \"features\" (or \"feature_service\"), not {Kind(root)}.");

        IReadOnlyDictionary<string, IReadOnlyList<object?>>? entities = null;
        string[]? features = null;
        string? featureService = null;
        var fullFeatureNames = false;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "entities":
                    entities = ReadEntities(property.Value);
                    break;
                case "features":
                    features = ReadFeatures(property.Value);
                    break;
                case "feature_service":
                    featureService = property.Value.ValueKind switch
                    {
                        JsonValueKind.Null => null,
                        JsonValueKind.String => property.Value.GetString(),
                        _ => throw new FeastValidationException($"\"feature_service\" must be a feature service name (a string), not {Kind(property.Value)}."),
                    };
                    break;
                case "full_feature_names":
                    fullFeatureNames = property.Value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False or JsonValueKind.Null => false,
                        _ => throw new FeastValidationException($"\"full_feature_names\" must be true or false, not {Kind(property.Value)}."),
                    };
                    break;
            }
        }

        if (entities is null)
            throw new FeastValidationException("The request has no \"entities\": give the join key values by column, e.g. {\"entities\": {\"driver_id\": [1001, 1002]}, ...}.");
        if (string.IsNullOrEmpty(featureService) && (features is null || features.Length == 0))
            throw new FeastValidationException("The request names no features: give \"features\": [\"view:feature\", ...] or \"feature_service\": \"name\".");
        return new OnlineFeaturesRequest(entities) { Features = features, FeatureService = featureService, FullFeatureNames = fullFeatureNames };
    }

    private static Dictionary<string, IReadOnlyList<object?>> ReadEntities(JsonElement value) =>
        ReadColumns(value, "entities", "{\"driver_id\": [1001, 1002]}", "entity row", "entity column", static item => item);

    /// <summary>
    /// Reads a request field that is an object of columns, each a list with one value per row, all of one length.
    /// </summary>
    /// <param name="value">The field's value.</param>
    /// <param name="name">The field's name, for errors.</param>
    /// <param name="example">An example of the field, for errors: <c>{"driver_id": [1001, 1002]}</c>.</param>
    /// <param name="row">What a row is, for errors: "entity row".</param>
    /// <param name="column">What a column is, for errors: "entity column".</param>
    /// <param name="item">Makes the value of a cell from its JSON.</param>
    /// <exception cref="FeastValidationException">The value is not an object, a column is not a list, the columns differ in length, or a column is named twice; the message names the field and the column.</exception>
    public static Dictionary<string, IReadOnlyList<object?>> ReadColumns(JsonElement value, string name, string example, string row, string column, Func<JsonElement, object?> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (value.ValueKind != JsonValueKind.Object)
            throw new FeastValidationException($"\"{name}\" must be an object of columns, e.g. {example}, not {Kind(value)}.");
        var columns = new Dictionary<string, IReadOnlyList<object?>>(StringComparer.Ordinal);
        string? first = null;
        var rows = 0;
        foreach (var property in value.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Array)
                throw new FeastValidationException($"\"{name}\".\"{property.Name}\" must be a list with one value per {row}, not {Kind(property.Value)}.");
            var values = new object?[property.Value.GetArrayLength()];
            var i = 0;
            foreach (var element in property.Value.EnumerateArray()) values[i++] = item(element);
            if (first is null)
            {
                first = property.Name;
                rows = values.Length;
            }
            else if (values.Length != rows)
            {
                throw new FeastValidationException(
                    $"\"{name}\".\"{property.Name}\" has {values.Length} {(values.Length == 1 ? "value" : "values")} but \"{first}\" has {rows}; every {column} needs one value per row.");
            }
            if (!columns.TryAdd(property.Name, values))
                throw new FeastValidationException($"\"{name}\" names column \"{property.Name}\" twice.");
        }
        return columns;
    }

    private static string[]? ReadFeatures(JsonElement value) =>
        ReadStrings(value, "features", "a list of feature references (strings like \"view:feature\")", "a feature reference string like \"view:feature\"");

    /// <summary>Reads a request field that is a list of strings (null when the value is JSON <c>null</c>).</summary>
    /// <param name="value">The field's value.</param>
    /// <param name="name">The field's name, for errors.</param>
    /// <param name="list">What the list is, for errors: "a list of feature view names".</param>
    /// <param name="item">What one item is, for errors: "a feature view name".</param>
    /// <exception cref="FeastValidationException">The value is not a list, or an item is not a string; the message names the field (and the item's index).</exception>
    public static string[]? ReadStrings(JsonElement value, string name, string list, string item)
    {
        if (value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Array)
            throw new FeastValidationException($"\"{name}\" must be {list}, not {Kind(value)}.");
        var strings = new string[value.GetArrayLength()];
        var i = 0;
        foreach (var element in value.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.String)
                throw new FeastValidationException($"\"{name}\"[{i}] must be {item}, not {Kind(element)}.");
            strings[i++] = element.GetString()!;
        }
        return strings;
    }

    /// <summary>What a JSON value is, for error messages: "a list", "the string \"abc\"", "null", ...</summary>
    public static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the string {Truncate(value.GetRawText())}",
        JsonValueKind.Number => $"the number {Truncate(value.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Truncate(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
