using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Feast.Values;

/// <summary>
/// The one reader of timestamps given as input — entity rows, pushed and written rows, request bodies, command-line
/// arguments — so every path accepts the same forms and rejects the same mistakes with the same message.
/// </summary>
/// <remarks>
/// <para>Text must be ISO 8601 / RFC 3339 as pandas reads it: <c>2024-05-13</c>, <c>2024-05-13T10:59:42</c> or with a
/// space instead of <c>T</c>, optional fractional seconds (up to nanoseconds; .NET keeps 100 ns), and an optional
/// <c>Z</c> or <c>±HH:MM</c> / <c>±HHMM</c> / <c>±HH</c> offset. No offset means UTC, as in Feast. Day-first and
/// month-first dates (<c>07/12/2026</c>) are rejected: they mean different days in different countries, and pandas and
/// dateutil silently read them month first.</para>
/// <para>Numbers are read as Feast reads an integer event-timestamp column: <c>pandas.to_datetime</c> takes them as
/// nanoseconds since the Unix epoch. A number that would then fall within three years of 1970 is rejected, since it
/// is almost certainly seconds, milliseconds or microseconds, which Feast would silently store as a 1970 timestamp.</para>
/// </remarks>
public static partial class FeastTimestamp
{
    /// <summary>The accepted forms, for error messages.</summary>
    public const string AcceptedForms =
        "Use ISO 8601 text such as \"2024-05-13 10:59:42\" (UTC when there is no offset), \"2024-05-13T10:59:42.5Z\" or \"2024-05-13T12:59:42+02:00\"";

    // |n| below this (1973-03-03 as nanoseconds) is taken for seconds, milliseconds or microseconds.
    private const double SmallestNanoseconds = 1e17;

    /// <summary>Parses ISO 8601 / RFC 3339 text (see the remarks on <see cref="FeastTimestamp"/>); the result is in UTC.</summary>
    /// <returns>Whether <paramref name="text"/> is such a timestamp.</returns>
    public static bool TryParse(string? text, out DateTimeOffset value) => TryParseText(text, out value, out _);

    /// <summary>
    /// Reads a timestamp cell: <see cref="DateTimeOffset"/>, <see cref="DateTime"/> (unspecified kind = UTC), ISO 8601
    /// text, or a number of nanoseconds since the epoch (also as a <see cref="JsonElement"/>). The result is in UTC.
    /// </summary>
    /// <param name="value">The cell.</param>
    /// <param name="column">The column, for the error message.</param>
    /// <param name="row">The row (counted from 0), for the error message; null when there are no rows.</param>
    /// <exception cref="FeastValidationException">The value is not a timestamp; the message names the column, the row and the value.</exception>
    public static DateTimeOffset Parse(object value, string column, int? row = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        return TryRead(value, out var result, out var problem) ? result : throw Invalid(column, row, value, problem);
    }

    /// <summary>The error for a cell that is not a timestamp: column, row, value, why, and the accepted forms.</summary>
    internal static FeastValidationException Invalid(string column, int? row, object? value, string? problem = null)
    {
        var where = row is { } r ? $"Column '{column}', row {r}" : $"'{column}'";
        return new FeastValidationException($"{where}: {Show(value)} {problem ?? "is not a timestamp"}. {AcceptedForms}, or a number of nanoseconds since the epoch.");
    }

    /// <summary>Reads a cell as <see cref="Parse"/> does; <paramref name="problem"/> says what is wrong when it returns false.</summary>
    internal static bool TryRead(object value, out DateTimeOffset result, out string problem)
    {
        problem = "";
        switch (value)
        {
            case DateTimeOffset o:
                result = o.ToUniversalTime();
                return true;
            case DateTime d:
                result = d.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(d, TimeSpan.Zero) : new DateTimeOffset(d.ToUniversalTime(), TimeSpan.Zero);
                return true;
            case string s:
                return TryParseText(s, out result, out problem);
            case JsonElement { ValueKind: JsonValueKind.String } j:
                return TryParseText(j.GetString(), out result, out problem);
            case JsonElement { ValueKind: JsonValueKind.Number } j:
                return j.TryGetInt64(out var whole) ? TryFromNanoseconds(whole, out result, out problem) : TryFromNanoseconds(j.GetDouble(), out result, out problem);
            case long or int or short or uint:
                return TryFromNanoseconds(Convert.ToInt64(value, CultureInfo.InvariantCulture), out result, out problem);
            case double or float or decimal:
                return TryFromNanoseconds(Convert.ToDouble(value, CultureInfo.InvariantCulture), out result, out problem);
            default:
                result = default;
                problem = $"is a {value.GetType().Name}, not a timestamp";
                return false;
        }
    }

    private static bool TryParseText(string? text, out DateTimeOffset value, out string problem)
    {
        value = default;
        problem = "is not an ISO 8601 timestamp";
        if (text is null) return false;
        var match = IsoTimestamp().Match(text.Trim());
        if (!match.Success)
        {
            if (text.Contains('/', StringComparison.Ordinal))
                problem = "is not an ISO 8601 timestamp (a date with '/' is ambiguous: day first or month first)";
            return false;
        }
        var g = match.Groups;
        var fraction = g["fraction"].Success ? g["fraction"].Value : "";
        // .NET keeps 100 ns ticks: the first seven digits (pandas keeps nine).
        var ticks = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(7, '0')[..7], CultureInfo.InvariantCulture);
        var offset = TimeSpan.Zero;
        if (g["zone"].Success && g["zone"].Value is not ("Z" or "z"))
        {
            var zone = g["zone"].Value;
            var digits = zone[1..].Replace(":", "", StringComparison.Ordinal);
            var hours = int.Parse(digits[..2], CultureInfo.InvariantCulture);
            var minutes = digits.Length > 2 ? int.Parse(digits[2..], CultureInfo.InvariantCulture) : 0;
            if (hours > 14 || minutes > 59 || (hours == 14 && minutes > 0))
            {
                problem = $"has the offset {zone}, which is not a UTC offset (-14:00 to +14:00)";
                return false;
            }
            offset = new TimeSpan(hours, minutes, 0);
            if (zone[0] == '-') offset = -offset;
        }
        try
        {
            var local = new DateTime(
                Int(g["year"]), Int(g["month"]), Int(g["day"]),
                Int(g["hour"]), Int(g["minute"]), Int(g["second"]), DateTimeKind.Unspecified).AddTicks(ticks);
            value = new DateTimeOffset(local, offset).ToUniversalTime();
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            problem = "is not a date and time that exists";
            return false;
        }
    }

    private static int Int(Group group) => group.Success ? int.Parse(group.ValueSpan, CultureInfo.InvariantCulture) : 0;

    private static bool TryFromNanoseconds(double nanoseconds, out DateTimeOffset value, out string problem)
    {
        value = default;
        if (!double.IsFinite(nanoseconds))
        {
            problem = "is not a timestamp";
            return false;
        }
        if (Math.Abs(nanoseconds) < SmallestNanoseconds)
        {
            problem = $"is read as nanoseconds since the epoch (as Feast and pandas read a number), which is {Iso(nanoseconds)}; "
                + $"it looks like {Unit(Math.Abs(nanoseconds))} (as nanoseconds: {Example(nanoseconds)})";
            return false;
        }
        var ticks = nanoseconds / 100;
        if (ticks + DateTimeOffset.UnixEpoch.UtcTicks is < 0 or > 3155378975999999999)
        {
            problem = "is out of range as nanoseconds since the epoch";
            return false;
        }
        value = DateTimeOffset.UnixEpoch.AddTicks((long)ticks);
        problem = "";
        return true;
    }

    private static string Unit(double magnitude) => magnitude switch
    {
        < 1e11 => "seconds",
        < 1e14 => "milliseconds",
        _ => "microseconds",
    };

    private static string Example(double value)
    {
        var factor = Math.Abs(value) switch { < 1e11 => 1e9, < 1e14 => 1e6, _ => 1e3 };
        return (value * factor).ToString("0", CultureInfo.InvariantCulture);
    }

    private static string Iso(double nanoseconds) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(nanoseconds / 100)).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{(s.Length > 60 ? s[..60] + "…" : s)}\"",
        JsonElement j => j.GetRawText(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? value.GetType().Name,
    };

    private static bool TryFromNanoseconds(long nanoseconds, out DateTimeOffset value, out string problem)
    {
        if (!TryFromNanoseconds((double)nanoseconds, out value, out problem)) return false;
        // Exact for integers: a double has only 53 bits.
        value = DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);
        return true;
    }

    [GeneratedRegex(@"^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})(?:[Tt ](?<hour>\d{2}):(?<minute>\d{2})(?::(?<second>\d{2})(?:[.,](?<fraction>\d{1,9}))?)?(?<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex IsoTimestamp();
}
