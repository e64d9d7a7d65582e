using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Feast.Values;

namespace Feast.Cli.Commands;

/// <summary>Timestamps on the command line: ISO-8601, naive meaning UTC, as Feast's CLI reads them.</summary>
internal static class TimestampArgument
{
    /// <summary>A required timestamp argument; a value that is not ISO-8601 is a usage error naming the argument.</summary>
    public static Argument<DateTimeOffset> Create(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (TryParse(text, out var value)) return value;
            result.AddError($"{name} '{text}' is not an ISO-8601 timestamp. Use e.g. 2024-01-01, 2024-01-01T00:00:00 (UTC) or 2024-01-01T02:00:00+02:00.");
            return default;
        },
    };

    /// <summary>Parses <c>2024-01-01</c>, <c>2024-01-01T10:00:00</c>, <c>2024-01-01 10:00:00.5</c>, <c>…Z</c> or <c>…+02:00</c>; no offset means UTC.</summary>
    public static bool TryParse(string text, out DateTimeOffset value) => FeastTimestamp.TryParse(text, out value);

    /// <summary>A timestamp as Python prints an aware datetime, in UTC: <c>2024-01-01 00:00:00+00:00</c> (whole seconds).</summary>
    public static string Python(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);

    /// <summary>A compact UTC timestamp for tables: <c>2024-01-01T00:00:00Z</c>.</summary>
    public static string Iso(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
