using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Feast;

/// <summary>
/// A data-source kind from a backend package. The registry stores it as Feast stores its custom sources: a
/// <c>CUSTOM_SOURCE</c> whose <c>data_source_class_type</c> is <see cref="ClassType"/> and whose
/// <c>custom_options.configuration</c> is <see cref="WriteConfiguration"/>. A backend registers how to read it back
/// with <see cref="FeastBackends.AddDataSource"/>.
/// </summary>
public abstract record CustomDataSource : DataSource
{
    /// <summary>Creates the common part of a custom source.</summary>
    /// <param name="name">The unique source name.</param>
    /// <param name="timestampField">The event-timestamp column.</param>
    /// <param name="createdTimestampColumn">The created-timestamp column ("" if none).</param>
    /// <param name="fieldMapping">Source column → feature or join-key name.</param>
    /// <param name="datePartitionColumn">A date partition column ("" if none).</param>
    /// <param name="description">A human-readable description.</param>
    /// <param name="tags">Free-form key/value metadata.</param>
    /// <param name="owner">The owner, typically an email address.</param>
    protected CustomDataSource(string name, string timestampField, string createdTimestampColumn,
        IReadOnlyDictionary<string, string>? fieldMapping, string datePartitionColumn, string description,
        IReadOnlyDictionary<string, string>? tags, string owner)
        : base(name, timestampField, createdTimestampColumn, fieldMapping, datePartitionColumn, description, tags, owner)
    {
    }

    /// <summary>The registry's <c>data_source_class_type</c> (a Python class path for a kind Feast has).</summary>
    public abstract string ClassType { get; }

    /// <summary>The registry's <c>custom_options.configuration</c> bytes (for Feast's kinds, exactly as Feast writes them).</summary>
    /// <returns>The bytes; see <see cref="CustomSourceJson"/> for the JSON Feast's sources use.</returns>
    public abstract byte[] WriteConfiguration();
}

/// <summary>A <c>CUSTOM_SOURCE</c> as the registry holds it, for a backend's reader (<see cref="FeastBackends.AddDataSource"/>).</summary>
/// <param name="Name">The source name.</param>
/// <param name="ClassType">The <c>data_source_class_type</c>.</param>
/// <param name="Configuration">The <c>custom_options.configuration</c> bytes.</param>
/// <param name="TimestampField">The event-timestamp column.</param>
/// <param name="CreatedTimestampColumn">The created-timestamp column ("" if none).</param>
/// <param name="FieldMapping">Source column → feature or join-key name.</param>
/// <param name="DatePartitionColumn">A date partition column ("" if none).</param>
/// <param name="Description">The description.</param>
/// <param name="Tags">The tags.</param>
/// <param name="Owner">The owner.</param>
public sealed record CustomSourceDefinition(
    string Name, string ClassType, ReadOnlyMemory<byte> Configuration, string TimestampField, string CreatedTimestampColumn,
    IReadOnlyDictionary<string, string> FieldMapping, string DatePartitionColumn, string Description,
    IReadOnlyDictionary<string, string> Tags, string Owner);

/// <summary>
/// The configuration JSON of Feast's custom sources: a flat object of strings, written as Python's <c>json.dumps</c>
/// writes it so the registry bytes match Feast's.
/// </summary>
public static class CustomSourceJson
{
    /// <summary>
    /// A flat JSON object of strings as Python's <c>json.dumps</c> writes it: keys in the order given, separators
    /// <c>", "</c> and <c>": "</c>, anything outside printable ASCII escaped, a null value written as "".
    /// </summary>
    /// <param name="entries">The keys and values.</param>
    /// <returns>The UTF-8 bytes.</returns>
    public static byte[] Write(params (string Key, string? Value)[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var json = new StringBuilder("{");
        foreach (var (key, value) in entries)
        {
            if (json.Length > 1) json.Append(", ");
            PythonJsonString(json, key);
            json.Append(": ");
            PythonJsonString(json, value ?? "");
        }
        json.Append('}');
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    /// <summary>The string values of <paramref name="keys"/> in a custom source's JSON configuration (null when absent or null).</summary>
    /// <param name="source">The source as the registry holds it.</param>
    /// <param name="kind">What the source is, for messages ("PostgreSQL").</param>
    /// <param name="keys">The keys to read.</param>
    /// <returns>Each key's value.</returns>
    /// <exception cref="RegistryException">The configuration is not a JSON object, or a value is not a string.</exception>
    public static IReadOnlyDictionary<string, string?> Read(CustomSourceDefinition source, string kind, params string[] keys)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(keys);
        try
        {
            using var document = JsonDocument.Parse(source.Configuration);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new RegistryException($"{kind} source '{source.Name}' in the registry has a configuration that is not a JSON object.");
            var values = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var key in keys)
            {
                values[key] = document.RootElement.TryGetProperty(key, out var value) ? value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Null => null,
                    _ => throw new RegistryException($"{kind} source '{source.Name}' in the registry has a non-string \"{key}\" in its configuration."),
                } : null;
            }
            return values;
        }
        catch (JsonException e)
        {
            throw new RegistryException($"{kind} source '{source.Name}' in the registry has a configuration that is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>A JSON string as Python's <c>json.dumps</c> (ensure_ascii) writes it: anything outside printable ASCII as <c>\uXXXX</c> (lowercase hex, UTF-16 units).</summary>
    private static void PythonJsonString(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case >= ' ' and <= '~': json.Append(c); break;
                default: json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
            }
        }
        json.Append('"');
    }
}
