using Feast.Values;

namespace Feast.Transformations;

/// <summary>
/// The .NET value a transformation sees (and returns) for a feature of a given type: <c>float</c> for Float32,
/// <c>double</c> for Float64, <c>long</c> for Int64, <c>int</c> for Int32, <c>string</c>, <c>bool</c>, <c>byte[]</c>,
/// <see cref="DateTimeOffset"/> (UTC) for UnixTimestamp, arrays for lists and sets; null for missing values and NaN.
/// </summary>
internal static class TransformValues
{
    /// <summary>Converts <paramref name="value"/> to the .NET type of <paramref name="type"/>.</summary>
    /// <exception cref="FeastValidationException">The value does not fit the type; the message names <paramref name="name"/>.</exception>
    public static object? Normalize(object? value, ValueType type, string name)
    {
        switch (value)
        {
            case null or DBNull:
                return null;
            case float f when type == ValueType.Float:
                return float.IsNaN(f) ? null : f;
            case double d when type == ValueType.Double:
                return double.IsNaN(d) ? null : d;
            case double d when type == ValueType.Float:
                return double.IsNaN(d) ? null : (float)d;
            case float f when type == ValueType.Double:
                return float.IsNaN(f) ? null : (double)f;
            case long when type == ValueType.Int64:
            case int when type == ValueType.Int32:
            case string when type == ValueType.String:
            case bool when type == ValueType.Bool:
            case byte[] when type == ValueType.Bytes:
                return value;
            case int i when type == ValueType.Int64:
                return (long)i;
            case DateTimeOffset or DateTime or string when type == ValueType.UnixTimestamp:
                try
                {
                    return FeastValues.ToTimestamp(value);
                }
                catch (FormatException e)
                {
                    throw new FeastValidationException($"Column '{name}': {value} is not a timestamp ({e.Message}).");
                }
            default:
                // Everything else goes through Feast's value conversion, so the rules (and the error messages) are the
                // ones every other write path uses.
                return FeastValues.ToObject(FeastValues.FromObject(value, type, name));
        }
    }
}
