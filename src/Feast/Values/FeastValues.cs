using System.Collections;
using System.Globalization;
using System.Text.Json;
using Feast.Protos.Types;
using Google.Protobuf;

namespace Feast.Values;

/// <summary>
/// Conversions between .NET values and Feast's <see cref="Value"/> protobuf: the one place that decides how an
/// <c>Int64</c> feature is written, how a float is read back, and what a wrong value's error says.
/// </summary>
internal static class FeastValues
{
    /// <summary>The null value: an empty <see cref="Value"/>, which serializes to zero bytes (what Python writes for nulls). Never mutate it.</summary>
    public static readonly Value Null = new();

    /// <summary>Whether <paramref name="value"/> is null: unset, or <c>null_val</c>.</summary>
    public static bool IsNull(Value? value) => value is null || value.ValCase is Value.ValOneofCase.None or Value.ValOneofCase.NullVal;

    /// <summary>
    /// Converts <paramref name="value"/> to a <see cref="Value"/> of <paramref name="type"/>: numbers widen or narrow
    /// when the value fits, strings parse into numbers, timestamps become epoch seconds, enumerables become lists.
    /// Null (and NaN for numbers) becomes <see cref="Null"/>.
    /// </summary>
    /// <param name="value">The .NET value (also <see cref="JsonElement"/>).</param>
    /// <param name="type">The declared type of the column.</param>
    /// <param name="column">The column name, for error messages.</param>
    /// <exception cref="FeastValidationException">The value cannot be converted; the message names the column, the value and the type.</exception>
    public static Value FromObject(object? value, ValueType type, string column)
    {
        if (value is JsonElement json) return FromJson(json, type, column);
        if (value is null or DBNull) return Null;
        if (value is Value proto) return proto;
        if (value is FeatureValue feature) return feature.Proto;
        try
        {
            return type switch
            {
                ValueType.String or ValueType.Json or ValueType.Uuid or ValueType.TimeUuid or ValueType.Decimal => String(type, ToText(value)),
                ValueType.Bytes => new Value { BytesVal = ToBytes(value) },
                ValueType.Int32 => new Value { Int32Val = checked((int)ToInt64(value)) },
                ValueType.Int64 => new Value { Int64Val = ToInt64(value) },
                ValueType.Double => IsNaN(value) ? Null : new Value { DoubleVal = ToDouble(value) },
                ValueType.Float => IsNaN(value) ? Null : new Value { FloatVal = (float)ToDouble(value) },
                ValueType.Bool => new Value { BoolVal = ToBool(value) },
                ValueType.UnixTimestamp => new Value { UnixTimestampVal = ToEpochSeconds(value) },
                ValueType.Unknown or ValueType.Null => Infer(value, column),
                _ when IsCollection(type) => List(value, type, column),
                _ => throw new FeastValidationException($"Column '{column}': values of type {type} cannot be written from .NET values yet."),
            };
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException or ArgumentException)
        {
            throw Bad(column, value, type, e.Message);
        }
    }

    /// <summary>The value a Python client would send for a .NET value of unknown declared type (request data): long, double, string, bool, lists.</summary>
    public static Value Infer(object? value, string column) => value switch
    {
        null => Null,
        JsonElement json => FromJson(json, ValueType.Unknown, column),
        Value proto => proto,
        FeatureValue feature => feature.Proto,
        string s => new Value { StringVal = s },
        bool b => new Value { BoolVal = b },
        int or long or short or sbyte or byte or ushort or uint => new Value { Int64Val = Convert.ToInt64(value, CultureInfo.InvariantCulture) },
        float f => new Value { FloatVal = f },
        double or decimal => new Value { DoubleVal = Convert.ToDouble(value, CultureInfo.InvariantCulture) },
        byte[] bytes => new Value { BytesVal = ByteString.CopyFrom(bytes) },
        DateTime or DateTimeOffset => new Value { UnixTimestampVal = ToEpochSeconds(value) },
        long[] => List(value, ValueType.Int64List, column),
        int[] => List(value, ValueType.Int32List, column),
        double[] => List(value, ValueType.DoubleList, column),
        float[] => List(value, ValueType.FloatList, column),
        string[] => List(value, ValueType.StringList, column),
        bool[] => List(value, ValueType.BoolList, column),
        _ => throw new FeastValidationException($"Column '{column}': cannot tell the Feast type of {Describe(value)}; declare the field's type."),
    };

    /// <summary>
    /// The .NET value of <paramref name="value"/>: long, int, double, float, bool, string, byte[],
    /// <see cref="DateTimeOffset"/> for unix timestamps, arrays for lists and sets; null for null.
    /// </summary>
    public static object? ToObject(Value? value)
    {
        if (value is null) return null;
        return value.ValCase switch
        {
            Value.ValOneofCase.None or Value.ValOneofCase.NullVal => null,
            Value.ValOneofCase.Int64Val => value.Int64Val,
            Value.ValOneofCase.Int32Val => value.Int32Val,
            Value.ValOneofCase.DoubleVal => value.DoubleVal,
            Value.ValOneofCase.FloatVal => value.FloatVal,
            Value.ValOneofCase.BoolVal => value.BoolVal,
            Value.ValOneofCase.StringVal => value.StringVal,
            Value.ValOneofCase.BytesVal => value.BytesVal.ToByteArray(),
            Value.ValOneofCase.UnixTimestampVal => FromEpochSeconds(value.UnixTimestampVal),
            Value.ValOneofCase.JsonVal => value.JsonVal,
            Value.ValOneofCase.UuidVal => value.UuidVal,
            Value.ValOneofCase.TimeUuidVal => value.TimeUuidVal,
            Value.ValOneofCase.DecimalVal => value.DecimalVal,
            Value.ValOneofCase.Int64ListVal => value.Int64ListVal.Val.ToArray(),
            Value.ValOneofCase.Int64SetVal => value.Int64SetVal.Val.ToArray(),
            Value.ValOneofCase.Int32ListVal => value.Int32ListVal.Val.ToArray(),
            Value.ValOneofCase.Int32SetVal => value.Int32SetVal.Val.ToArray(),
            Value.ValOneofCase.DoubleListVal => value.DoubleListVal.Val.ToArray(),
            Value.ValOneofCase.DoubleSetVal => value.DoubleSetVal.Val.ToArray(),
            Value.ValOneofCase.FloatListVal => value.FloatListVal.Val.ToArray(),
            Value.ValOneofCase.FloatSetVal => value.FloatSetVal.Val.ToArray(),
            Value.ValOneofCase.BoolListVal => value.BoolListVal.Val.ToArray(),
            Value.ValOneofCase.BoolSetVal => value.BoolSetVal.Val.ToArray(),
            Value.ValOneofCase.StringListVal => value.StringListVal.Val.ToArray(),
            Value.ValOneofCase.StringSetVal => value.StringSetVal.Val.ToArray(),
            Value.ValOneofCase.JsonListVal => value.JsonListVal.Val.ToArray(),
            Value.ValOneofCase.UuidListVal => value.UuidListVal.Val.ToArray(),
            Value.ValOneofCase.UuidSetVal => value.UuidSetVal.Val.ToArray(),
            Value.ValOneofCase.TimeUuidListVal => value.TimeUuidListVal.Val.ToArray(),
            Value.ValOneofCase.TimeUuidSetVal => value.TimeUuidSetVal.Val.ToArray(),
            Value.ValOneofCase.DecimalListVal => value.DecimalListVal.Val.ToArray(),
            Value.ValOneofCase.DecimalSetVal => value.DecimalSetVal.Val.ToArray(),
            Value.ValOneofCase.BytesListVal => value.BytesListVal.Val.Select(b => b.ToByteArray()).ToArray(),
            Value.ValOneofCase.BytesSetVal => value.BytesSetVal.Val.Select(b => b.ToByteArray()).ToArray(),
            Value.ValOneofCase.UnixTimestampListVal => value.UnixTimestampListVal.Val.Select(FromEpochSeconds).ToArray(),
            Value.ValOneofCase.UnixTimestampSetVal => value.UnixTimestampSetVal.Val.Select(FromEpochSeconds).ToArray(),
            Value.ValOneofCase.MapVal => value.MapVal.Val.ToDictionary(p => p.Key, p => ToObject(p.Value), StringComparer.Ordinal),
            Value.ValOneofCase.StructVal => value.StructVal.Val.ToDictionary(p => p.Key, p => ToObject(p.Value), StringComparer.Ordinal),
            Value.ValOneofCase.ListVal => value.ListVal.Val.Select(ToObject).ToArray(),
            Value.ValOneofCase.SetVal => value.SetVal.Val.Select(ToObject).ToArray(),
            _ => value,
        };
    }

    /// <summary>
    /// The text Feast's SQLite store keeps in <c>value_text</c>: strings as they are, numbers as Python's <c>str()</c>
    /// prints them, <c>True</c>/<c>False</c> for booleans, null for everything else.
    /// </summary>
    public static string? ToValueText(Value value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.ValCase switch
        {
            Value.ValOneofCase.StringVal => value.StringVal,
            Value.ValOneofCase.Int64Val => value.Int64Val.ToString(CultureInfo.InvariantCulture),
            Value.ValOneofCase.Int32Val => value.Int32Val.ToString(CultureInfo.InvariantCulture),
            Value.ValOneofCase.DoubleVal => PythonFloat(value.DoubleVal),
            Value.ValOneofCase.FloatVal => PythonFloat(value.FloatVal),
            Value.ValOneofCase.BoolVal => value.BoolVal ? "True" : "False",
            _ => null,
        };
    }

    /// <summary>
    /// <see cref="ToValueText"/> as UTF-8 into <paramref name="buffer"/> (grown when too small), without allocating on
    /// the common paths: the SQLite store's write loop. Returns the byte count, or -1 when the text is null.
    /// </summary>
    internal static int WriteValueTextUtf8(Value value, ref byte[] buffer)
    {
        if (buffer.Length < 64) buffer = new byte[64];
        int written;
        switch (value.ValCase)
        {
            case Value.ValOneofCase.StringVal:
                var count = System.Text.Encoding.UTF8.GetByteCount(value.StringVal);
                if (count > buffer.Length) buffer = new byte[Math.Max(count, buffer.Length * 2)];
                return System.Text.Encoding.UTF8.GetBytes(value.StringVal, buffer);
            case Value.ValOneofCase.Int64Val:
                value.Int64Val.TryFormat(buffer, out written, default, CultureInfo.InvariantCulture);
                return written;
            case Value.ValOneofCase.Int32Val:
                value.Int32Val.TryFormat(buffer, out written, default, CultureInfo.InvariantCulture);
                return written;
            case Value.ValOneofCase.BoolVal:
                var text = value.BoolVal ? "True"u8 : "False"u8;
                text.CopyTo(buffer);
                return text.Length;
            case Value.ValOneofCase.DoubleVal:
                return WritePythonFloatUtf8(value.DoubleVal, buffer);
            case Value.ValOneofCase.FloatVal:
                return WritePythonFloatUtf8(value.FloatVal, buffer);
            default:
                return -1;
        }
    }

    private static int WritePythonFloatUtf8(double value, Span<byte> buffer)
    {
        if (double.IsFinite(value) && value != 0 && value.TryFormat(buffer, out var written, "R", CultureInfo.InvariantCulture))
        {
            var text = buffer[..written];
            if (text.IndexOf((byte)'E') < 0)
            {
                // The same fast path as PythonFloat.
                if (text.IndexOf((byte)'.') >= 0) return written;
                if (written - (text[0] == (byte)'-' ? 1 : 0) <= 16)
                {
                    ".0"u8.CopyTo(buffer[written..]);
                    return written + 2;
                }
            }
        }
        return System.Text.Encoding.UTF8.GetBytes(PythonFloat(value), buffer);
    }

    /// <summary>Python's <c>repr</c> of a float: the shortest round-trip digits, with <c>.0</c> on whole numbers.</summary>
    public static string PythonFloat(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        if (value == 0) return double.IsNegative(value) ? "-0.0" : "0.0";

        // Shortest round-trip digits from .NET, laid out the way Python's repr lays them out.
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (!text.Contains('E', StringComparison.Ordinal))
        {
            // Fixed notation from .NET means an exponent in [-4, 15), where Python is fixed too; this is the hot path of
            // every SQLite write (value_text).
            if (text.Contains('.', StringComparison.Ordinal)) return text;
            if (text.Length - (text[0] == '-' ? 1 : 0) <= 16) return text + ".0";
        }
        var sign = text.StartsWith('-') ? "-" : "";
        if (sign.Length > 0) text = text[1..];
        var e = text.IndexOf('E', StringComparison.Ordinal);
        var exponent = e >= 0 ? int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        var mantissa = e >= 0 ? text[..e] : text;
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var integerPart = dot >= 0 ? mantissa[..dot] : mantissa;
        var all = integerPart + (dot >= 0 ? mantissa[(dot + 1)..] : "");
        var trimmed = all.TrimStart('0');
        var point = integerPart.Length + exponent - (all.Length - trimmed.Length); // value = 0.DIGITS x 10^point
        var digits = trimmed.TrimEnd('0');
        var scientific = point - 1;
        if (scientific is < -4 or >= 16)
        {
            var head = digits.Length > 1 ? $"{digits[0]}.{digits[1..]}" : digits;
            return string.Create(CultureInfo.InvariantCulture, $"{sign}{head}e{(scientific < 0 ? '-' : '+')}{Math.Abs(scientific):00}");
        }
        if (point <= 0) return $"{sign}0.{new string('0', -point)}{digits}";
        if (point >= digits.Length) return $"{sign}{digits}{new string('0', point - digits.Length)}.0";
        return $"{sign}{digits[..point]}.{digits[point..]}";
    }

    /// <summary>Epoch seconds as a UTC timestamp.</summary>
    public static DateTimeOffset FromEpochSeconds(long seconds) =>
        seconds == long.MinValue ? DateTimeOffset.MinValue : DateTimeOffset.FromUnixTimeSeconds(seconds);

    /// <summary>
    /// A timestamp from a .NET value, read by <see cref="FeastTimestamp"/>: <see cref="DateTimeOffset"/>,
    /// <see cref="DateTime"/> (unspecified = UTC), ISO 8601 text (no offset = UTC), or nanoseconds since the epoch.
    /// </summary>
    /// <exception cref="FormatException">The value is not a timestamp.</exception>
    public static DateTimeOffset ToTimestamp(object value) =>
        FeastTimestamp.TryRead(value, out var result, out var problem) ? result : throw new FormatException($"{Describe(value)} {problem}");

    private static Value FromJson(JsonElement json, ValueType type, string column)
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return Null;
            case JsonValueKind.Array:
                var items = json.EnumerateArray().Select(e => (object?)e).ToList();
                if (type is ValueType.Unknown or ValueType.Null)
                {
                    var first = items.Count == 0 ? default : (JsonElement)items[0]!;
                    type = first.ValueKind switch
                    {
                        JsonValueKind.String => ValueType.StringList,
                        JsonValueKind.True or JsonValueKind.False => ValueType.BoolList,
                        JsonValueKind.Number when items.All(i => ((JsonElement)i!).TryGetInt64(out _)) => ValueType.Int64List,
                        JsonValueKind.Number => ValueType.DoubleList,
                        _ => ValueType.StringList,
                    };
                }
                return FromObject(items, type, column);
            case JsonValueKind.String:
                return type is ValueType.Unknown or ValueType.Null ? new Value { StringVal = json.GetString() } : FromObject(json.GetString(), type, column);
            case JsonValueKind.True or JsonValueKind.False:
                return type is ValueType.Unknown or ValueType.Null ? new Value { BoolVal = json.GetBoolean() } : FromObject(json.GetBoolean(), type, column);
            case JsonValueKind.Number:
                if (type is ValueType.Unknown or ValueType.Null)
                    return json.TryGetInt64(out var l) ? new Value { Int64Val = l } : new Value { DoubleVal = json.GetDouble() };
                if (type is ValueType.Int64 or ValueType.Int32 or ValueType.UnixTimestamp && json.TryGetInt64(out var whole))
                    return FromObject(whole, type, column);
                if (type is ValueType.Int64 or ValueType.Int32 or ValueType.UnixTimestamp)
                    throw Bad(column, json.GetRawText(), type, "it is not a whole number");
                return FromObject(json.GetDouble(), type, column);
            default:
                if (type is ValueType.Json) return new Value { JsonVal = json.GetRawText() };
                throw Bad(column, json.GetRawText(), type, "JSON objects can only be Json values");
        }
    }

    private static Value String(ValueType type, string text) => type switch
    {
        ValueType.Json => new Value { JsonVal = text },
        ValueType.Uuid => new Value { UuidVal = text },
        ValueType.TimeUuid => new Value { TimeUuidVal = text },
        ValueType.Decimal => new Value { DecimalVal = text },
        _ => new Value { StringVal = text },
    };

    private static bool IsCollection(ValueType type) => FeastType.FromValueType(type).ElementType is not null;

    private static Value List(object value, ValueType type, string column)
    {
        if (value is string || value is not IEnumerable enumerable)
            throw new ArgumentException($"a {FeastType.FromValueType(type).Name} needs a list, not a single value");
        var element = FeastType.FromValueType(type).ElementType!.ValueType;
        var values = new List<Value>();
        var index = 0;
        foreach (var item in enumerable)
        {
            var converted = FromObject(item, element, $"{column}[{index++}]");
            values.Add(converted);
        }
        var result = new Value();
        switch (type)
        {
            case ValueType.Int64List: result.Int64ListVal = new Int64List(); result.Int64ListVal.Val.AddRange(values.Select(v => v.Int64Val)); break;
            case ValueType.Int64Set: result.Int64SetVal = new Int64Set(); result.Int64SetVal.Val.AddRange(values.Select(v => v.Int64Val).Distinct()); break;
            case ValueType.Int32List: result.Int32ListVal = new Int32List(); result.Int32ListVal.Val.AddRange(values.Select(v => v.Int32Val)); break;
            case ValueType.Int32Set: result.Int32SetVal = new Int32Set(); result.Int32SetVal.Val.AddRange(values.Select(v => v.Int32Val).Distinct()); break;
            case ValueType.DoubleList: result.DoubleListVal = new DoubleList(); result.DoubleListVal.Val.AddRange(values.Select(v => v.DoubleVal)); break;
            case ValueType.DoubleSet: result.DoubleSetVal = new DoubleSet(); result.DoubleSetVal.Val.AddRange(values.Select(v => v.DoubleVal).Distinct()); break;
            case ValueType.FloatList: result.FloatListVal = new FloatList(); result.FloatListVal.Val.AddRange(values.Select(v => v.FloatVal)); break;
            case ValueType.FloatSet: result.FloatSetVal = new FloatSet(); result.FloatSetVal.Val.AddRange(values.Select(v => v.FloatVal).Distinct()); break;
            case ValueType.BoolList: result.BoolListVal = new BoolList(); result.BoolListVal.Val.AddRange(values.Select(v => v.BoolVal)); break;
            case ValueType.BoolSet: result.BoolSetVal = new BoolSet(); result.BoolSetVal.Val.AddRange(values.Select(v => v.BoolVal).Distinct()); break;
            case ValueType.StringList: result.StringListVal = new StringList(); result.StringListVal.Val.AddRange(values.Select(v => v.StringVal)); break;
            case ValueType.StringSet: result.StringSetVal = new StringSet(); result.StringSetVal.Val.AddRange(values.Select(v => v.StringVal).Distinct()); break;
            case ValueType.BytesList: result.BytesListVal = new BytesList(); result.BytesListVal.Val.AddRange(values.Select(v => v.BytesVal)); break;
            case ValueType.BytesSet: result.BytesSetVal = new BytesSet(); result.BytesSetVal.Val.AddRange(values.Select(v => v.BytesVal).Distinct()); break;
            case ValueType.UnixTimestampList: result.UnixTimestampListVal = new Int64List(); result.UnixTimestampListVal.Val.AddRange(values.Select(v => v.UnixTimestampVal)); break;
            case ValueType.UnixTimestampSet: result.UnixTimestampSetVal = new Int64Set(); result.UnixTimestampSetVal.Val.AddRange(values.Select(v => v.UnixTimestampVal).Distinct()); break;
            case ValueType.JsonList: result.JsonListVal = new StringList(); result.JsonListVal.Val.AddRange(values.Select(v => v.JsonVal)); break;
            case ValueType.UuidList: result.UuidListVal = new StringList(); result.UuidListVal.Val.AddRange(values.Select(v => v.UuidVal)); break;
            case ValueType.UuidSet: result.UuidSetVal = new StringSet(); result.UuidSetVal.Val.AddRange(values.Select(v => v.UuidVal).Distinct()); break;
            case ValueType.TimeUuidList: result.TimeUuidListVal = new StringList(); result.TimeUuidListVal.Val.AddRange(values.Select(v => v.TimeUuidVal)); break;
            case ValueType.TimeUuidSet: result.TimeUuidSetVal = new StringSet(); result.TimeUuidSetVal.Val.AddRange(values.Select(v => v.TimeUuidVal).Distinct()); break;
            case ValueType.DecimalList: result.DecimalListVal = new StringList(); result.DecimalListVal.Val.AddRange(values.Select(v => v.DecimalVal)); break;
            case ValueType.DecimalSet: result.DecimalSetVal = new StringSet(); result.DecimalSetVal.Val.AddRange(values.Select(v => v.DecimalVal).Distinct()); break;
            default: throw new FeastValidationException($"Column '{column}': values of type {type} cannot be written from .NET values yet.");
        }
        return result;
    }

    private static bool IsNaN(object value) => value is double d && double.IsNaN(d) || value is float f && float.IsNaN(f);

    private static string ToText(object value) => value switch
    {
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        bool b => b ? "True" : "False",
        _ => throw new InvalidCastException($"{Describe(value)} is not text"),
    };

    private static ByteString ToBytes(object value) => value switch
    {
        byte[] b => ByteString.CopyFrom(b),
        ReadOnlyMemory<byte> m => ByteString.CopyFrom(m.Span),
        ByteString b => b,
        string s => ByteString.FromBase64(s),
        _ => throw new InvalidCastException($"{Describe(value)} is not bytes"),
    };

    private static long ToInt64(object value) => value switch
    {
        long l => l,
        int or short or sbyte or byte or ushort or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        ulong u => checked((long)u),
        double d when d == Math.Floor(d) && !double.IsInfinity(d) => checked((long)d),
        float f when f == MathF.Floor(f) && !float.IsInfinity(f) => checked((long)f),
        decimal m when m == decimal.Floor(m) => checked((long)m),
        string s => long.Parse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture),
        bool => throw new InvalidCastException("a bool is not a number"),
        _ => throw new InvalidCastException($"{Describe(value)} is not a whole number"),
    };

    private static double ToDouble(object value) => value switch
    {
        double d => d,
        float f => f,
        int or long or short or sbyte or byte or ushort or uint or ulong or decimal => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        string s => double.Parse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture),
        _ => throw new InvalidCastException($"{Describe(value)} is not a number"),
    };

    private static bool ToBool(object value) => value switch
    {
        bool b => b,
        string s when bool.TryParse(s.Trim(), out var b) => b,
        long or int or short or byte when Convert.ToInt64(value, CultureInfo.InvariantCulture) is 0 or 1 => Convert.ToInt64(value, CultureInfo.InvariantCulture) == 1,
        _ => throw new InvalidCastException($"{Describe(value)} is not true or false"),
    };

    private static long ToEpochSeconds(object value) => value switch
    {
        // A number in a UnixTimestamp feature is epoch seconds, as Feast's type_map reads it (int(value)).
        long or int => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        double or float or decimal => throw new FormatException($"{Describe(value)} is not whole epoch seconds"),
        _ => ToTimestamp(value).ToUnixTimeSeconds(),
    };

    private static FeastValidationException Bad(string column, object? value, ValueType type, string reason) =>
        new($"Column '{column}': {Describe(value)} cannot be stored as {FeastType.FromValueType(type).Name} ({reason}). Fix the value or the field's declared type.");

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string s => $"\"{(s.Length > 40 ? s[..40] + "…" : s)}\"",
        bool b => b ? "True (Boolean)" : "False (Boolean)",
        IFormattable f => $"{f.ToString(null, CultureInfo.InvariantCulture)} ({value.GetType().Name})",
        _ => value.GetType().Name,
    };
}
