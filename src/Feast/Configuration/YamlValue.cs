using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Feast.Configuration;

/// <summary>
/// One value from <c>feature_store.yaml</c> with its key path, converted to the type a setting needs. Every
/// conversion failure becomes a <see cref="FeastConfigException"/> naming the key and the expected type.
/// </summary>
/// <remarks>
/// Scalars are taken leniently where Feast's pydantic models are lax: any scalar is accepted as a string (so an
/// expanded <c>${PASSWORD}</c> of digits still works) and quoted numbers and booleans are accepted.
/// </remarks>
internal readonly struct YamlValue(YamlNode node, string path, string source)
{
    public YamlNode Node { get; } = node;

    public string Path { get; } = path;

    public string Source { get; } = source;

    public bool IsNull => Node is YamlScalarNode scalar && YamlScalars.Resolve(scalar) is null;

    public SectionContext AsSection(string? type = null) =>
        new(Source, Path, type is null ? Path : $"{Path} (type {type})");

    public string String() =>
        OptionalString() ?? throw ConfigErrors.WrongType(this, "a string");

    public string? OptionalString() => Node switch
    {
        YamlScalarNode scalar when YamlScalars.Resolve(scalar) is null => null,
        YamlScalarNode scalar => scalar.Value ?? "",
        _ => throw ConfigErrors.WrongType(this, "a string"),
    };

    public int Int32(int min = int.MinValue, int max = int.MaxValue) =>
        OptionalInt32(min, max) ?? throw ConfigErrors.WrongType(this, Expected("an integer", min, max));

    public int? OptionalInt32(int min = int.MinValue, int max = int.MaxValue)
    {
        var expected = Expected("an integer", min, max);
        object? value = Scalar(expected);
        if (value is string text && long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
        }

        return value switch
        {
            null => null,
            long number when number >= min && number <= max => (int)number,
            _ => throw ConfigErrors.WrongType(this, expected),
        };
    }

    public double Double(double exclusiveMin = double.NegativeInfinity) =>
        OptionalDouble(exclusiveMin) ?? throw ConfigErrors.WrongType(this, ExpectedNumber(exclusiveMin));

    public double? OptionalDouble(double exclusiveMin = double.NegativeInfinity)
    {
        var expected = ExpectedNumber(exclusiveMin);
        object? value = Scalar(expected);
        if (value is string text && double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
        }

        var number = value switch
        {
            null => (double?)null,
            long integer => integer,
            double real => real,
            _ => throw ConfigErrors.WrongType(this, expected),
        };
        return number is null || number > exclusiveMin ? number : throw ConfigErrors.WrongType(this, expected);
    }

    public bool Boolean() =>
        OptionalBoolean() ?? throw ConfigErrors.WrongType(this, "a boolean (true or false)");

    public bool? OptionalBoolean()
    {
        object? value = Scalar("a boolean (true or false)");
        if (value is string text)
        {
            value = YamlScalars.ResolvePlain(text.Trim()) as bool?;
        }

        return value switch
        {
            null when IsNull => null,
            bool flag => flag,
            _ => throw ConfigErrors.WrongType(this, "a boolean (true or false)"),
        };
    }

    public T Enum<T>(NameMap<T> names)
        where T : struct, Enum
    {
        var text = OptionalString() ?? throw ConfigErrors.InvalidChoice(this, "value", names.Names);
        return names.TryParse(text, out var value) ? value : throw ConfigErrors.InvalidChoice(this, "value", names.Names);
    }

    /// <summary>A string that must be one of <paramref name="choices"/>; null when <paramref name="allowNull"/>.</summary>
    public string? Choice(IReadOnlyCollection<string> choices, bool allowNull = false)
    {
        var text = OptionalString();
        if (text is null && allowNull)
        {
            return null;
        }

        return text is not null && choices.Contains(text, StringComparer.Ordinal)
            ? text
            : throw ConfigErrors.InvalidChoice(this, "value", allowNull ? [.. choices, "null"] : choices);
    }

    /// <summary>The value as a mapping node, or null for a YAML null.</summary>
    public YamlMappingNode? OptionalMapping() => Node switch
    {
        YamlMappingNode mapping => mapping,
        _ when IsNull => null,
        _ => throw ConfigErrors.WrongType(this, "a mapping"),
    };

    public IReadOnlyDictionary<string, object?>? OptionalPlainMapping() =>
        OptionalMapping() is { } mapping ? (IReadOnlyDictionary<string, object?>)ToPlain(mapping, Path)! : null;

    public IReadOnlyDictionary<string, string>? OptionalStringMapping()
    {
        if (OptionalMapping() is not { } mapping)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Children)
        {
            var keyText = KeyText(key);
            result[keyText] = new YamlValue(value, $"{Path}.{keyText}", Source).String();
        }

        return result.AsReadOnly();
    }

    /// <summary>The value as PyYAML would give it to Feast: scalars resolved, collections read-only.</summary>
    public object? Plain() => ToPlain(Node, Path);

    /// <summary>The text of a mapping key; keys must be scalars.</summary>
    public string KeyText(YamlNode key) => key is YamlScalarNode { Value: { } text }
        ? text
        : throw ConfigErrors.At(Source, key, Path, $"{(Path.Length == 0 ? "top-level" : Path)} keys must be plain names, got {ConfigErrors.Describe(key)}.");

    private object? ToPlain(YamlNode node, string path)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                return YamlScalars.Resolve(scalar);
            case YamlSequenceNode sequence:
                var items = new List<object?>(sequence.Children.Count);
                foreach (var child in sequence.Children)
                {
                    items.Add(ToPlain(child, $"{path}[{items.Count}]"));
                }

                return items.AsReadOnly();
            case YamlMappingNode mapping:
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in mapping.Children)
                {
                    var keyText = new YamlValue(key, path, Source).KeyText(key);
                    result[keyText] = ToPlain(value, $"{path}.{keyText}");
                }

                return result.AsReadOnly();
            default:
                throw ConfigErrors.At(Source, node, path, $"{path}: unsupported YAML node.");
        }
    }

    private object? Scalar(string expected) => Node is YamlScalarNode scalar
        ? YamlScalars.Resolve(scalar)
        : throw ConfigErrors.WrongType(this, expected);

    private static string Expected(string what, int min, int max) => (min, max) switch
    {
        (int.MinValue, int.MaxValue) => what,
        (_, int.MaxValue) => $"{what} of at least {min}",
        _ => $"{what} from {min} to {max}",
    };

    private static string ExpectedNumber(double exclusiveMin) =>
        double.IsNegativeInfinity(exclusiveMin) ? "a number" : $"a number greater than {exclusiveMin}";
}
