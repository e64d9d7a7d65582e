using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Feast.Server.RegistryServer.Rest;

/// <summary>
/// The JSON body of a REST write, read and checked as Feast's pydantic request models declare it: a missing required
/// field or a value of the wrong type is HTTP 422 <c>RequestValidationError</c> naming the field.
/// </summary>
internal sealed class RestBody
{
    /// <summary>The largest body a write accepts.</summary>
    public const int MaxBytes = 1024 * 1024;

    private readonly JsonObject _json;
    private readonly string _path;

    private RestBody(JsonObject json, string path)
    {
        _json = json;
        _path = path;
    }

    /// <summary>Reads the request's body: a JSON object of at most <see cref="MaxBytes"/>.</summary>
    public static async Task<RestBody> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength is > MaxBytes) throw new RestValidationException($"The request body is larger than {MaxBytes} bytes.");
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBytes) throw new RestValidationException($"The request body is larger than {MaxBytes} bytes.");
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) throw new RestValidationException("Field required: the request body is missing; send a JSON object.");
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(buffer.ToArray());
        }
        catch (JsonException e)
        {
            throw new RestValidationException($"JSON decode error: the request body is not valid JSON ({e.Message.Split('.')[0]}).");
        }
        return node is JsonObject obj
            ? new RestBody(obj, "body")
            : throw new RestValidationException("Input should be a valid dictionary or object: the request body must be a JSON object.");
    }

    /// <summary>A required string field (missing or not a string → 422).</summary>
    public string Required(string name) =>
        Optional(name) ?? throw new RestValidationException($"Field required: {Where(name)} is missing.");

    /// <summary>An optional string field (absent or null → null).</summary>
    public string? Optional(string name) => _json[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw new RestValidationException($"Input should be a valid string: {Where(name)}."),
    };

    /// <summary>An optional integer field.</summary>
    public int? Int(string name) => _json[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
        _ => throw new RestValidationException($"Input should be a valid integer: {Where(name)}."),
    };

    /// <summary>An optional boolean field.</summary>
    public bool? Bool(string name) => _json[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        _ => throw new RestValidationException($"Input should be a valid boolean: {Where(name)}."),
    };

    /// <summary>An optional list of strings (absent → empty).</summary>
    public List<string> Strings(string name) => _json[name] switch
    {
        null => [],
        JsonArray a => [.. a.Select((item, i) => item is JsonValue v && v.TryGetValue<string>(out var s)
            ? s : throw new RestValidationException($"Input should be a valid string: {Where(name)}[{i}]."))],
        _ => throw new RestValidationException($"Input should be a valid list: {Where(name)}."),
    };

    /// <summary>An optional map of strings (absent → empty).</summary>
    public Dictionary<string, string> Map(string name)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (_json[name])
        {
            case null:
                return map;
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    map[key] = value is JsonValue v && v.TryGetValue<string>(out var s)
                        ? s : throw new RestValidationException($"Input should be a valid string: {Where(name)}.{key}.");
                }
                return map;
            default:
                throw new RestValidationException($"Input should be a valid dictionary: {Where(name)}.");
        }
    }

    /// <summary>An optional nested object (absent or null → null).</summary>
    public RestBody? Object(string name) => _json[name] switch
    {
        null => null,
        JsonObject o => new RestBody(o, $"{_path}.{name}"),
        _ => throw new RestValidationException($"Input should be a valid dictionary or object: {Where(name)}."),
    };

    /// <summary>An optional list of nested objects (absent → empty).</summary>
    public List<RestBody> Objects(string name) => _json[name] switch
    {
        null => [],
        JsonArray a => [.. a.Select((item, i) => item is JsonObject o
            ? new RestBody(o, $"{_path}.{name}[{i}]") : throw new RestValidationException($"Input should be a valid dictionary or object: {Where(name)}[{i}]."))],
        _ => throw new RestValidationException($"Input should be a valid list: {Where(name)}."),
    };

    private string Where(string name) => $"field '{_path}.{name}'";
}
