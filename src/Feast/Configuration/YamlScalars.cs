using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Feast.Configuration;

/// <summary>
/// Reads and writes plain YAML scalars the way PyYAML's <c>safe_load</c> does (YAML 1.1), because Feast reads
/// <c>feature_store.yaml</c> with PyYAML: <c>yes</c>/<c>on</c> are booleans, <c>0x1F</c> and <c>1_000</c> are
/// integers, and a float needs a dot.
/// </summary>
internal static partial class YamlScalars
{
    private const string TagPrefix = "tag:yaml.org,2002:";

    /// <summary>Marker a printer returns to emit an explicit <c>null</c> rather than leave the key out.</summary>
    public static readonly object Null = new();

    /// <summary>
    /// The value PyYAML would construct: null, <see cref="bool"/>, <see cref="long"/>, <see cref="double"/> or
    /// <see cref="string"/>. Quoted scalars are always strings.
    /// </summary>
    public static object? Resolve(YamlScalarNode node)
    {
        var text = node.Value ?? "";
        var tag = node.Tag.IsEmpty || node.Tag.IsNonSpecific ? null : node.Tag.Value;
        if (tag is not null && tag.StartsWith(TagPrefix, StringComparison.Ordinal))
        {
            return tag[TagPrefix.Length..] switch
            {
                "str" => text,
                "null" => null,
                "bool" => BoolPattern().IsMatch(text) ? ParseBool(text) : text,
                "int" => IntPattern().IsMatch(text) && ParseInt(text) is { } number ? number : text,
                "float" => FloatPattern().IsMatch(text) || IntPattern().IsMatch(text) ? ParseFloat(text) : text,
                _ => text,
            };
        }

        if (node.Style != ScalarStyle.Plain && node.Style != ScalarStyle.Any)
        {
            return text;
        }

        return ResolvePlain(text);
    }

    /// <summary>The value PyYAML gives an unquoted scalar with this text.</summary>
    public static object? ResolvePlain(string text)
    {
        if (NullPattern().IsMatch(text))
        {
            return null;
        }

        if (BoolPattern().IsMatch(text))
        {
            return ParseBool(text);
        }

        if (IntPattern().IsMatch(text))
        {
            // Python ints are unbounded; a value beyond long is no valid setting, so keep its text.
            return ParseInt(text) is { } number ? number : text;
        }

        if (FloatPattern().IsMatch(text))
        {
            return ParseFloat(text);
        }

        return text;
    }

    /// <summary>True when a string must be quoted so PyYAML reads it back as a string.</summary>
    public static bool NeedsQuotes(string text) =>
        ResolvePlain(text) is not string || TimestampPattern().IsMatch(text) || text is "=" or "<<";

    /// <summary>Formats a double so PyYAML reads it back as the same float (it needs a dot).</summary>
    public static string FormatDouble(double value)
    {
        if (double.IsNaN(value))
        {
            return ".nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? ".inf" : "-.inf";
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (text.Contains('.', StringComparison.Ordinal))
        {
            return text;
        }

        var exponent = text.IndexOf('E', StringComparison.Ordinal);
        return exponent < 0 ? text + ".0" : string.Concat(text.AsSpan(0, exponent), ".0", text.AsSpan(exponent));
    }

    private static bool ParseBool(string text) => text[0] is 'y' or 'Y' or 't' or 'T' || text is "on" or "On" or "ON";

    private static long? ParseInt(string text)
    {
        var value = text.Replace("_", "", StringComparison.Ordinal);
        var sign = 1L;
        if (value[0] is '-' or '+')
        {
            sign = value[0] == '-' ? -1 : 1;
            value = value[1..];
        }

        try
        {
            long magnitude;
            if (value == "0")
            {
                magnitude = 0;
            }
            else if (value.StartsWith("0b", StringComparison.Ordinal))
            {
                magnitude = Convert.ToInt64(value[2..], 2);
            }
            else if (value.StartsWith("0x", StringComparison.Ordinal))
            {
                magnitude = long.Parse(value[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            }
            else if (value.Contains(':', StringComparison.Ordinal))
            {
                magnitude = 0;
                foreach (var part in value.Split(':'))
                {
                    magnitude = checked((magnitude * 60) + long.Parse(part, CultureInfo.InvariantCulture));
                }
            }
            else if (value[0] == '0')
            {
                magnitude = Convert.ToInt64(value, 8);
            }
            else
            {
                magnitude = long.Parse(value, CultureInfo.InvariantCulture);
            }

            return checked(sign * magnitude);
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    private static double ParseFloat(string text)
    {
        var value = text.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        var sign = 1.0;
        if (value[0] is '-' or '+')
        {
            sign = value[0] == '-' ? -1 : 1;
            value = value[1..];
        }

        if (value == ".inf")
        {
            return sign * double.PositiveInfinity;
        }

        if (value == ".nan")
        {
            return double.NaN;
        }

        if (value.Contains(':', StringComparison.Ordinal))
        {
            var result = 0.0;
            foreach (var part in value.Split(':'))
            {
                result = (result * 60) + double.Parse(part, CultureInfo.InvariantCulture);
            }

            return sign * result;
        }

        return sign * double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    // The implicit resolvers of PyYAML's resolver.py, anchored.
    [GeneratedRegex(@"^(?:~|null|Null|NULL|)$")]
    private static partial Regex NullPattern();

    [GeneratedRegex(@"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")]
    private static partial Regex BoolPattern();

    [GeneratedRegex(@"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?")]
    private static partial Regex TimestampPattern();
}
