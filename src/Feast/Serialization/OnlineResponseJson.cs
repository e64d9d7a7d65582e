using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Feast.Online;
using Feast.Protos.Serving;
using Feast.Protos.Types;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Feast.Serialization;

/// <summary>
/// Writes an <see cref="OnlineFeaturesResponse"/> as the JSON Feast's HTTP feature server returns from
/// <c>/get-online-features</c>: <c>{"results":[{"values":[…],"statuses":[…],"event_timestamps":[…]},…],"metadata":{"feature_names":[…]}}</c>,
/// one result per column, with Feast's value, status and timestamp rules.
/// </summary>
/// <remarks>
/// Values follow Feast's <c>feature_server_utils</c>: null for unset values, base64 for bytes, JSON integers for
/// int32, int64 and unix timestamps, float32 values widened to double (so <c>0.7037263512611389</c>, as Python prints
/// them), arrays for lists and sets, objects for maps and structs. Event timestamps are RFC 3339 in UTC with as many
/// fractional digits as they need (none, 3, 6 or 9). NaN and infinities, which JSON cannot hold, are written as null.
/// </remarks>
public static class OnlineResponseJson
{
    private static readonly JsonEncodedText Results = JsonEncodedText.Encode("results");
    private static readonly JsonEncodedText ValuesName = JsonEncodedText.Encode("values");
    private static readonly JsonEncodedText StatusesName = JsonEncodedText.Encode("statuses");
    private static readonly JsonEncodedText EventTimestampsName = JsonEncodedText.Encode("event_timestamps");
    private static readonly JsonEncodedText Metadata = JsonEncodedText.Encode("metadata");
    private static readonly JsonEncodedText FeatureNamesName = JsonEncodedText.Encode("feature_names");

    private static readonly JsonEncodedText Invalid = JsonEncodedText.Encode("INVALID");
    private static readonly JsonEncodedText Present = JsonEncodedText.Encode("PRESENT");
    private static readonly JsonEncodedText NullValue = JsonEncodedText.Encode("NULL_VALUE");
    private static readonly JsonEncodedText NotFound = JsonEncodedText.Encode("NOT_FOUND");
    private static readonly JsonEncodedText OutsideMaxAge = JsonEncodedText.Encode("OUTSIDE_MAX_AGE");

    // The longest timestamp: "yyyy-MM-ddTHH:mm:ss.fffffffffZ".
    private const int MaxTimestampLength = 30;

    /// <summary>Writes <paramref name="response"/> as Feast's <c>/get-online-features</c> JSON object.</summary>
    /// <param name="writer">Where to write; its options decide indentation and escaping.</param>
    /// <param name="response">The response to write.</param>
    public static void Write(Utf8JsonWriter writer, OnlineFeaturesResponse response)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(response);
        var columns = response.Columns;
        writer.WriteStartObject();
        writer.WriteStartArray(Results);
        for (var c = 0; c < columns.Count; c++) WriteColumn(writer, columns[c]);
        writer.WriteEndArray();
        writer.WriteStartObject(Metadata);
        writer.WriteStartArray(FeatureNamesName);
        for (var c = 0; c < columns.Count; c++) writer.WriteStringValue(columns[c].Name);
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The JSON text of <paramref name="response"/> (see <see cref="Write"/>); non-ASCII text is kept as is.</summary>
    /// <param name="response">The response to write.</param>
    /// <param name="indented">Indent nested values by two spaces, for people to read.</param>
    public static string ToJson(OnlineFeaturesResponse response, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(response);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(writer, response);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes one value as Feast's HTTP server does (null for Feast's null).</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="value">The value.</param>
    public static void WriteValue(Utf8JsonWriter writer, FeatureValue value) => WriteValue(writer, value.Proto);

    /// <summary>Writes one protobuf value as Feast's HTTP server does (null for an unset value).</summary>
    internal static void WriteValue(Utf8JsonWriter writer, Value? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }
        switch (value.ValCase)
        {
            case Value.ValOneofCase.Int64Val: writer.WriteNumberValue(value.Int64Val); break;
            case Value.ValOneofCase.Int32Val: writer.WriteNumberValue(value.Int32Val); break;
            case Value.ValOneofCase.DoubleVal: WriteDouble(writer, value.DoubleVal); break;
            case Value.ValOneofCase.FloatVal: WriteDouble(writer, value.FloatVal); break;
            case Value.ValOneofCase.BoolVal: writer.WriteBooleanValue(value.BoolVal); break;
            case Value.ValOneofCase.StringVal: writer.WriteStringValue(value.StringVal); break;
            case Value.ValOneofCase.BytesVal: writer.WriteBase64StringValue(value.BytesVal.Span); break;
            case Value.ValOneofCase.UnixTimestampVal: writer.WriteNumberValue(value.UnixTimestampVal); break;
            case Value.ValOneofCase.JsonVal: writer.WriteStringValue(value.JsonVal); break;
            case Value.ValOneofCase.UuidVal: writer.WriteStringValue(value.UuidVal); break;
            case Value.ValOneofCase.TimeUuidVal: writer.WriteStringValue(value.TimeUuidVal); break;
            case Value.ValOneofCase.DecimalVal: writer.WriteStringValue(value.DecimalVal); break;
            case Value.ValOneofCase.Int64ListVal: WriteInt64s(writer, value.Int64ListVal.Val); break;
            case Value.ValOneofCase.Int64SetVal: WriteInt64s(writer, value.Int64SetVal.Val); break;
            case Value.ValOneofCase.UnixTimestampListVal: WriteInt64s(writer, value.UnixTimestampListVal.Val); break;
            case Value.ValOneofCase.UnixTimestampSetVal: WriteInt64s(writer, value.UnixTimestampSetVal.Val); break;
            case Value.ValOneofCase.Int32ListVal: WriteInt32s(writer, value.Int32ListVal.Val); break;
            case Value.ValOneofCase.Int32SetVal: WriteInt32s(writer, value.Int32SetVal.Val); break;
            case Value.ValOneofCase.DoubleListVal: WriteDoubles(writer, value.DoubleListVal.Val); break;
            case Value.ValOneofCase.DoubleSetVal: WriteDoubles(writer, value.DoubleSetVal.Val); break;
            case Value.ValOneofCase.FloatListVal: WriteFloats(writer, value.FloatListVal.Val); break;
            case Value.ValOneofCase.FloatSetVal: WriteFloats(writer, value.FloatSetVal.Val); break;
            case Value.ValOneofCase.BoolListVal: WriteBools(writer, value.BoolListVal.Val); break;
            case Value.ValOneofCase.BoolSetVal: WriteBools(writer, value.BoolSetVal.Val); break;
            case Value.ValOneofCase.StringListVal: WriteStrings(writer, value.StringListVal.Val); break;
            case Value.ValOneofCase.StringSetVal: WriteStrings(writer, value.StringSetVal.Val); break;
            case Value.ValOneofCase.JsonListVal: WriteStrings(writer, value.JsonListVal.Val); break;
            case Value.ValOneofCase.UuidListVal: WriteStrings(writer, value.UuidListVal.Val); break;
            case Value.ValOneofCase.UuidSetVal: WriteStrings(writer, value.UuidSetVal.Val); break;
            case Value.ValOneofCase.TimeUuidListVal: WriteStrings(writer, value.TimeUuidListVal.Val); break;
            case Value.ValOneofCase.TimeUuidSetVal: WriteStrings(writer, value.TimeUuidSetVal.Val); break;
            case Value.ValOneofCase.DecimalListVal: WriteStrings(writer, value.DecimalListVal.Val); break;
            case Value.ValOneofCase.DecimalSetVal: WriteStrings(writer, value.DecimalSetVal.Val); break;
            case Value.ValOneofCase.BytesListVal: WriteBytes(writer, value.BytesListVal.Val); break;
            case Value.ValOneofCase.BytesSetVal: WriteBytes(writer, value.BytesSetVal.Val); break;
            case Value.ValOneofCase.ListVal: WriteValues(writer, value.ListVal.Val); break;
            case Value.ValOneofCase.SetVal: WriteValues(writer, value.SetVal.Val); break;
            case Value.ValOneofCase.MapVal: WriteMap(writer, value.MapVal); break;
            case Value.ValOneofCase.StructVal: WriteMap(writer, value.StructVal); break;
            case Value.ValOneofCase.MapListVal: WriteMaps(writer, value.MapListVal.Val); break;
            case Value.ValOneofCase.StructListVal: WriteMaps(writer, value.StructListVal.Val); break;
            case Value.ValOneofCase.ZonedTimestampVal: WriteZoned(writer, value.ZonedTimestampVal); break;
            // Unset, null_val, and scalar maps (which Feast's server cannot write either) are null.
            default: writer.WriteNullValue(); break;
        }
    }

    /// <summary>
    /// Writes <paramref name="timestamp"/> as Feast does: RFC 3339 in UTC with a <c>Z</c>, and no fractional seconds, or
    /// 3, 6 or 9 digits, whichever is the fewest that hold it exactly.
    /// </summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="timestamp">The instant; its offset does not matter.</param>
    public static void WriteTimestamp(Utf8JsonWriter writer, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<byte> buffer = stackalloc byte[MaxTimestampLength];
        var length = FormatTimestamp(timestamp, buffer);
        writer.WriteStringValue(buffer[..length]);
    }

    /// <summary>The RFC 3339 text <see cref="WriteTimestamp"/> writes, e.g. <c>2021-04-12T10:59:42.123Z</c>.</summary>
    /// <param name="timestamp">The instant; its offset does not matter.</param>
    public static string FormatTimestamp(DateTimeOffset timestamp)
    {
        Span<byte> buffer = stackalloc byte[MaxTimestampLength];
        var length = FormatTimestamp(timestamp, buffer);
        return Encoding.ASCII.GetString(buffer[..length]);
    }

    private static void WriteColumn(Utf8JsonWriter writer, FeatureColumn column)
    {
        writer.WriteStartObject();
        writer.WriteStartArray(ValuesName);
        var values = column.Values;
        for (var i = 0; i < values.Length; i++) WriteValue(writer, values[i].Proto);
        writer.WriteEndArray();

        writer.WriteStartArray(StatusesName);
        var statuses = column.Statuses;
        for (var i = 0; i < statuses.Length; i++) writer.WriteStringValue(StatusName(statuses[i]));
        writer.WriteEndArray();

        // Feast leaves the key out when the vector is empty (protobuf's MessageToDict drops empty repeated fields).
        var timestamps = column.EventTimestamps;
        if (timestamps.Length > 0)
        {
            writer.WriteStartArray(EventTimestampsName);
            for (var i = 0; i < timestamps.Length; i++) WriteTimestamp(writer, timestamps[i]);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    private static JsonEncodedText StatusName(FeatureStatus status) => status switch
    {
        FeatureStatus.Present => Present,
        FeatureStatus.NotFound => NotFound,
        FeatureStatus.NullValue => NullValue,
        FeatureStatus.OutsideMaxAge => OutsideMaxAge,
        _ => Invalid,
    };

    private static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (!double.IsFinite(value))
        {
            writer.WriteNullValue();
            return;
        }
        // Python's json writes floats as repr() does: 1.0 (not 1, which a Python client would read as an int),
        // 1e-05 and 1e+16. .NET's shortest form agrees everywhere else.
        var magnitude = Math.Abs(value);
        if (value == Math.Floor(value) || magnitude < 1e-4 || magnitude >= 1e15)
            writer.WriteRawValue(Values.FeastValues.PythonFloat(value), skipInputValidation: true);
        else
            writer.WriteNumberValue(value);
    }

    private static void WriteInt64s(Utf8JsonWriter writer, RepeatedField<long> values)
    {
        writer.WriteStartArray();
        for (var i = 0; i < values.Count; i++) writer.WriteNumberValue(values[i]);
        writer.WriteEndArray();
    }

    private static void WriteInt32s(Utf8JsonWriter writer, RepeatedField<int> values)
    {
        writer.WriteStartArray();
        for (var i = 0; i < values.Count; i++) writer.WriteNumberValue(values[i]);
        writer.WriteEndArray();
    }

    private static void WriteDoubles(Utf8JsonWriter writer, RepeatedField<double> values)
    {
        writer.WriteStartArray();
        for (var i = 0; i < values.Count; i++) WriteDouble(writer, values[i]);
        writer.WriteEndArray();
    }

    private static void WriteFloats(Utf8JsonWriter writer, RepeatedField<float> values)
    {
        writer.WriteStartArray();
        for (var i = 0; i < values.Count; i++) WriteDouble(writer, values[i]);
        writer.WriteEndArray();
    }

    private static void WriteBools(Utf8JsonWriter writer, RepeatedField<bool> values)
    {
        writer.WriteStartArray();
        for (var i = 0; i < values.Count; i++) writer.WriteBooleanValue(values[i]);
        writer.WriteEndArray();
    }

    private static void WriteStrings(Utf8JsonWriter writer, RepeatedField<string> values)
    {
        writer.WriteStartArray();
        for (var i = 0; i < values.Count; i++) writer.WriteStringValue(values[i]);
        writer.WriteEndArray();
    }

    private static void WriteBytes(Utf8JsonWriter writer, RepeatedField<ByteString> values)
    {
        writer.WriteStartArray();
        for (var i = 0; i < values.Count; i++) writer.WriteBase64StringValue(values[i].Span);
        writer.WriteEndArray();
    }

    private static void WriteValues(Utf8JsonWriter writer, RepeatedField<Value> values)
    {
        writer.WriteStartArray();
        for (var i = 0; i < values.Count; i++) WriteValue(writer, values[i]);
        writer.WriteEndArray();
    }

    private static void WriteMap(Utf8JsonWriter writer, Map map)
    {
        writer.WriteStartObject();
        foreach (var (key, item) in map.Val)
        {
            writer.WritePropertyName(key);
            WriteValue(writer, item);
        }
        writer.WriteEndObject();
    }

    private static void WriteMaps(Utf8JsonWriter writer, RepeatedField<Map> maps)
    {
        writer.WriteStartArray();
        for (var i = 0; i < maps.Count; i++) WriteMap(writer, maps[i]);
        writer.WriteEndArray();
    }

    // ISO-8601 in the value's own zone, as Python's datetime.isoformat() prints it: 2024-01-01T10:00:00+02:00.
    private static void WriteZoned(Utf8JsonWriter writer, ZonedTimestamp zoned)
    {
        var instant = DateTimeOffset.FromUnixTimeSeconds(zoned.UnixTimestamp);
        var local = instant.ToOffset(ZoneOffset(zoned.Zone, instant));
        Span<char> text = stackalloc char[32];
        local.TryFormat(text, out var written, "yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);
        writer.WriteStringValue(text[..written]);
    }

    private static TimeSpan ZoneOffset(string zone, DateTimeOffset instant)
    {
        if (string.IsNullOrEmpty(zone) || zone is "UTC" or "Z") return TimeSpan.Zero;
        if (zone[0] is '+' or '-' && TimeSpan.TryParseExact(zone.AsSpan(1), @"hh\:mm", System.Globalization.CultureInfo.InvariantCulture, out var offset))
            return zone[0] == '-' ? -offset : offset;
        // An unknown zone name still gives the right instant, in UTC.
        return TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var info) ? info.GetUtcOffset(instant) : TimeSpan.Zero;
    }

    private static int FormatTimestamp(DateTimeOffset timestamp, Span<byte> buffer)
    {
        var utc = timestamp.UtcDateTime;
        Write4(buffer, utc.Year);
        buffer[4] = (byte)'-';
        Write2(buffer[5..], utc.Month);
        buffer[7] = (byte)'-';
        Write2(buffer[8..], utc.Day);
        buffer[10] = (byte)'T';
        Write2(buffer[11..], utc.Hour);
        buffer[13] = (byte)':';
        Write2(buffer[14..], utc.Minute);
        buffer[16] = (byte)':';
        Write2(buffer[17..], utc.Second);
        var length = 19;

        // DateTimeOffset counts 100 ns ticks; protobuf's JSON form counts nanoseconds with 0, 3, 6 or 9 digits.
        var nanos = (int)(utc.Ticks % TimeSpan.TicksPerSecond) * 100;
        if (nanos != 0)
        {
            int digits, fraction;
            if (nanos % 1_000_000 == 0) (digits, fraction) = (3, nanos / 1_000_000);
            else if (nanos % 1_000 == 0) (digits, fraction) = (6, nanos / 1_000);
            else (digits, fraction) = (9, nanos);
            buffer[length++] = (byte)'.';
            Utf8Formatter.TryFormat(fraction, buffer[length..], out _, new StandardFormat('D', (byte)digits));
            length += digits;
        }
        buffer[length++] = (byte)'Z';
        return length;
    }

    private static void Write2(Span<byte> buffer, int value)
    {
        buffer[0] = (byte)('0' + value / 10);
        buffer[1] = (byte)('0' + value % 10);
    }

    private static void Write4(Span<byte> buffer, int value)
    {
        Write2(buffer, value / 100);
        Write2(buffer[2..], value % 100);
    }
}
