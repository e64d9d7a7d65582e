using System.Globalization;

namespace Feast.DuckDb.Tests.Conformance;

/// <summary>Value rules shared by the reference join, the writers and the comparisons.</summary>
internal static class Values
{
    /// <summary>The instant a timestamp value means: naive and UTC <see cref="DateTime"/>s are UTC, offsets are applied.</summary>
    public static DateTimeOffset Instant(object value) => value switch
    {
        DateTimeOffset d => d.ToUniversalTime(),
        DateTime { Kind: DateTimeKind.Local } d => new DateTimeOffset(d).ToUniversalTime(),
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        _ => throw new ArgumentException($"{Format(value)} ({value.GetType().Name}) is not a timestamp.", nameof(value)),
    };

    /// <summary>Truncates to whole microseconds, the precision every store keeps.</summary>
    public static DateTimeOffset Micros(DateTimeOffset value) =>
        new(value.Ticks - (value.Ticks % TimeSpan.TicksPerMicrosecond), value.Offset);

    public static void CheckType(TestColumn column, object? value)
    {
        if (value is null) return;
        var ok = column.Type switch
        {
            ColumnType.Int32 => value is int,
            ColumnType.Int64 => value is long,
            ColumnType.Float32 => value is float,
            ColumnType.Float64 => value is double,
            ColumnType.Bool => value is bool,
            ColumnType.String => value is string,
            ColumnType.Timestamp => value is DateTimeOffset or DateTime,
            _ => false,
        };
        if (!ok) throw new ArgumentException($"Column '{column.Name}' is {column.Type}; value {Format(value)} is a {value.GetType().Name}.", nameof(value));
        if (column.Type == ColumnType.Timestamp && Instant(value).Ticks % TimeSpan.TicksPerMicrosecond != 0)
            throw new ArgumentException($"Column '{column.Name}': timestamp {Format(value)} has sub-microsecond ticks, which files cannot hold.", nameof(value));
    }

    /// <summary>
    /// Whether a store's value equals the expected one. Integers compare as integers whatever their width, floats exactly
    /// (a float32 widened to float64 still compares equal), timestamps as instants; types are checked by their own tests.
    /// </summary>
    public static bool Same(object? expected, object? actual)
    {
        if (expected is null || actual is null) return expected is null && actual is null;
        if (IsTimestamp(expected) || IsTimestamp(actual))
            return IsTimestamp(expected) && IsTimestamp(actual) && Instant(expected) == Instant(actual);
        if (IsInteger(expected) && IsInteger(actual))
            return Convert.ToInt64(expected, CultureInfo.InvariantCulture) == Convert.ToInt64(actual, CultureInfo.InvariantCulture);
        return (expected, actual) switch
        {
            (float e, float a) => e.Equals(a),
            (float e, double a) => ((double)e).Equals(a),
            (double e, float a) => e.Equals(a),
            (double e, double a) => e.Equals(a),
            (bool e, bool a) => e == a,
            (string e, string a) => string.Equals(e, a, StringComparison.Ordinal),
            _ => false,
        };
    }

    /// <summary>Join-key equality: same rules as <see cref="Same"/>, but null never matches (SQL join semantics).</summary>
    public static bool KeyEquals(object? left, object? right) => left is not null && right is not null && Same(left, right);

    public static bool IsTimestamp(object value) => value is DateTimeOffset or DateTime;

    public static bool IsInteger(object value) => value is sbyte or byte or short or ushort or int or uint or long or ulong;

    public static string Format(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        DateTimeOffset or DateTime => Instant(value).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture) + "f",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
