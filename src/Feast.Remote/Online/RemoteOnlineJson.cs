using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Feast.Online;
using Feast.Serialization;
using Feast.Values;

namespace Feast.Remote;

/// <summary>
/// The JSON a remote online store sends to a feature server and reads back: the body of <c>/get-online-features</c>
/// (entity columns from the serialized keys, <c>view:feature</c> references, full feature names so that views of one
/// request cannot clash), its answer decoded into <see cref="OnlineReadResult"/>s with each feature's declared type, and
/// the body of <c>/write-to-online-store</c> (columns by name, timestamps named as the view's batch source names them).
/// </summary>
internal static class RemoteOnlineJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>
    /// The body of one <c>/get-online-features</c> call for <paramref name="reads"/>, which all share the entity keys
    /// <paramref name="keys"/>.
    /// </summary>
    public static byte[] ReadRequest(IReadOnlyList<OnlineViewRead> reads, IReadOnlyList<EntityKeyParts> keys)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + keys.Count * 16);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("features");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var read in reads)
            {
                foreach (var feature in read.FeatureNames)
                {
                    var reference = read.View.Name + ":" + feature;
                    if (seen.Add(reference)) writer.WriteStringValue(reference);
                }
            }
            writer.WriteEndArray();
            writer.WriteStartObject("entities");
            WriteEntityColumns(writer, keys, reads[0].View);
            writer.WriteEndObject();
            writer.WriteBoolean("full_feature_names", true);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Fills <paramref name="results"/> (one per read) from the server's answer: a <c>PRESENT</c> or <c>NULL_VALUE</c>
    /// cell is a found key with its event timestamp and value (decoded as the feature's declared type); an
    /// <c>OUTSIDE_MAX_AGE</c> cell a found key without a value; a <c>NOT_FOUND</c> cell nothing.
    /// </summary>
    /// <exception cref="FeastException">The answer is not Feast's <c>/get-online-features</c> JSON, or lacks a requested feature.</exception>
    public static void ReadAnswer(byte[] answer, IReadOnlyList<OnlineViewRead> reads, OnlineReadResult[] results, int keyCount, Uri server)
    {
        using var document = Parse(answer, server);
        var root = document.RootElement;
        if (!root.TryGetProperty("results", out var columns) || columns.ValueKind != JsonValueKind.Array
            || !root.TryGetProperty("metadata", out var metadata) || !metadata.TryGetProperty("feature_names", out var names) || names.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(server, "it has no results and metadata.feature_names");
        }
        var byName = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var index = 0;
        var columnList = columns.EnumerateArray().ToArray();
        foreach (var name in names.EnumerateArray())
        {
            if (index >= columnList.Length) throw Malformed(server, "it names more features than it has results");
            byName[name.GetString() ?? ""] = columnList[index++];
        }
        for (var r = 0; r < reads.Count; r++)
        {
            var view = reads[r].View;
            var fields = view.Features.ToDictionary(f => f.Name, StringComparer.Ordinal);
            var result = results[r] = new OnlineReadResult(keyCount, reads[r].FeatureNames);
            for (var f = 0; f < reads[r].FeatureNames.Count; f++)
            {
                var feature = reads[r].FeatureNames[f];
                var fullName = view.Name + "__" + feature;
                if (!byName.TryGetValue(fullName, out var column))
                    throw Malformed(server, $"it has no column {fullName}");
                var type = fields.TryGetValue(feature, out var field) ? field.Dtype.ValueType : ValueType.Unknown;
                Fill(result, f, column, type, fullName, keyCount, server);
            }
        }
    }

    private static void Fill(OnlineReadResult result, int feature, JsonElement column, ValueType type, string name, int keyCount, Uri server)
    {
        var values = Array(column, "values", name, keyCount, server)!.Value;
        var statuses = Array(column, "statuses", name, keyCount, server)!.Value;
        var stamps = keyCount == 0 ? null : Array(column, "event_timestamps", name, keyCount, server);
        var row = 0;
        using var valueItems = values.EnumerateArray();
        using var statusItems = statuses.EnumerateArray();
        var hasStamps = stamps is not null;
        var stampItems = hasStamps ? stamps!.Value.EnumerateArray() : default;
        while (valueItems.MoveNext() && statusItems.MoveNext())
        {
            var stampText = hasStamps && stampItems.MoveNext() ? stampItems.Current.GetString() : null;
            var status = statusItems.Current.GetString();
            if (status is "PRESENT" or "NULL_VALUE" or "OUTSIDE_MAX_AGE")
            {
                if (stampText is null || !FeastTimestamp.TryParse(stampText, out var stamp))
                    throw Malformed(server, $"column {name} row {row} has the event timestamp '{stampText}'");
                // Several features of a row carry the same timestamp; the first one marks the row found.
                if (!result.Found(row)) result.SetFound(row, stamp);
                // A value older than the view's ttl comes back without one (the server's enforce_ttl): not found here.
                if (status != "OUTSIDE_MAX_AGE") result.SetValue(row, feature, Decode(valueItems.Current, type, name));
            }
            else if (status is not ("NOT_FOUND" or "INVALID"))
            {
                throw Malformed(server, $"column {name} row {row} has the status '{status}'");
            }
            row++;
        }
    }

    /// <summary>A value of the answer as <paramref name="type"/> (the feature's declared type); JSON null is Feast's null.</summary>
    internal static FeatureValue Decode(JsonElement value, ValueType type, string name) =>
        value.ValueKind == JsonValueKind.Null ? FeatureValue.Null
        : JsonMaps.IsMapType(type) || (value.ValueKind == JsonValueKind.Object && type is not ValueType.Json) ? JsonMaps.Decode(value, type, name)
        : FeatureValue.FromObject(value, type, name);

    /// <summary>The body of <c>/write-to-online-store</c> for <paramref name="batch"/> of <paramref name="view"/>.</summary>
    public static byte[] WriteRequest(FeatureView view, OnlineWriteBatch batch)
    {
        var buffer = new ArrayBufferWriter<byte>(1024 + batch.Count * batch.FeatureNames.Count * 8);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("feature_view_name", view.Name);
            writer.WriteStartObject("df");
            if (!view.IsEntityless)
            {
                var keys = new EntityKeyParts[batch.Count];
                for (var row = 0; row < keys.Length; row++) keys[row] = EntityKeySerializer.Deserialize(batch.EntityKey(row));
                WriteEntityColumns(writer, keys, view);
            }
            for (var f = 0; f < batch.FeatureNames.Count; f++)
            {
                writer.WriteStartArray(batch.FeatureNames[f]);
                for (var row = 0; row < batch.Count; row++) OnlineResponseJson.WriteValue(writer, batch.Value(row, f));
                writer.WriteEndArray();
            }
            var source = view.BatchSource;
            writer.WriteStartArray(source.TimestampField.Length > 0 ? source.TimestampField : "event_timestamp");
            for (var row = 0; row < batch.Count; row++) OnlineResponseJson.WriteTimestamp(writer, batch.EventTimestamp(row));
            writer.WriteEndArray();
            if (source.CreatedTimestampColumn.Length > 0)
            {
                writer.WriteStartArray(source.CreatedTimestampColumn);
                for (var row = 0; row < batch.Count; row++)
                {
                    if (batch.CreatedTimestamp(row) is { } created) OnlineResponseJson.WriteTimestamp(writer, created);
                    else writer.WriteNullValue();
                }
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
            // As Feast's remote store: the server reads the view from its registry as it is now.
            writer.WriteBoolean("allow_registry_cache", false);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One column per join key of <paramref name="keys"/> (which all have the same join keys).</summary>
    private static void WriteEntityColumns(Utf8JsonWriter writer, IReadOnlyList<EntityKeyParts> keys, FeatureView view)
    {
        if (keys.Count == 0)
        {
            foreach (var joinKey in view.JoinKeys) { writer.WriteStartArray(joinKey); writer.WriteEndArray(); }
            return;
        }
        var joinKeys = keys[0].JoinKeys;
        for (var k = 0; k < joinKeys.Count; k++)
        {
            writer.WriteStartArray(joinKeys[k]);
            foreach (var key in keys)
            {
                if (key.JoinKeys.Count != joinKeys.Count || key.JoinKeys[k] != joinKeys[k])
                    throw new InvalidOperationException($"The entity keys of one read of '{view.Name}' have different join keys.");
                OnlineResponseJson.WriteValue(writer, key.Values[k]);
            }
            writer.WriteEndArray();
        }
    }

    private static JsonElement? Array(JsonElement column, string property, string name, int keyCount, Uri server)
    {
        if (!column.TryGetProperty(property, out var array) || array.ValueKind != JsonValueKind.Array)
            throw Malformed(server, $"column {name} has no {property}");
        if (array.GetArrayLength() != keyCount)
            throw Malformed(server, $"column {name} has {array.GetArrayLength()} {property} for {keyCount} entity rows");
        return array;
    }

    private static JsonDocument Parse(byte[] answer, Uri server)
    {
        try
        {
            return JsonDocument.Parse(answer);
        }
        catch (JsonException e)
        {
            throw new FeastException($"The feature server at {server} answered /get-online-features with something that is not JSON: {e.Message}", e);
        }
    }

    private static FeastException Malformed(Uri server, string detail) =>
        new($"The feature server at {server} answered /get-online-features with JSON that is not Feast's online features answer: {detail}. Is online_store.path the address of feast serve?");
}
