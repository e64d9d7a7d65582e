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
public readonly struct YamlValue : IEquatable<YamlValue>
{
    internal YamlValue(YamlNode node, string path, string source)
    {
        Node = node;
        Path = path;
        Source = source;
    }

    internal YamlNode Node { get; }

    /// <summary>The key path of the value, e.g. <c>online_store.port</c>.</summary>
    public string Path { get; }

    /// <summary>Where the value was read from (a file path), for messages.</summary>
    public string Source { get; }

    /// <summary>Whether the value is a YAML null (<c>null</c>, <c>~</c> or empty).</summary>
    public bool IsNull => Node is YamlScalarNode scalar && YamlScalars.Resolve(scalar) is null;

    /// <inheritdoc/>
    public bool Equals(YamlValue other) => ReferenceEquals(Node, other.Node) && Path == other.Path && Source == other.Source;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is YamlValue other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Node, Path, Source);

    /// <summary>Whether two values are the same node at the same path.</summary>
    /// <param name="left">A value.</param>
    /// <param name="right">Another value.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(YamlValue left, YamlValue right) => left.Equals(right);

    /// <summary>Whether two values differ.</summary>
    /// <param name="left">A value.</param>
    /// <param name="right">Another value.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(YamlValue left, YamlValue right) => !left.Equals(right);

    internal SectionContext AsSection(string? type = null) =>
        new(Source, Path, type is null ? Path : $"{Path} (type {type})");

    /// <summary>The value as a string (any scalar); an error when null or not a scalar.</summary>
    /// <returns>The text.</returns>
    public string String() =>
        OptionalString() ?? throw ConfigErrors.WrongType(this, "a string");

    /// <summary>The value as a string, or null for a YAML null.</summary>
    /// <returns>The text or null.</returns>
    public string? OptionalString() => Node switch
    {
        YamlScalarNode scalar when YamlScalars.Resolve(scalar) is null => null,
        YamlScalarNode scalar => scalar.Value ?? "",
        _ => throw ConfigErrors.WrongType(this, "a string"),
    };

    /// <summary>The value as an integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <param name="min">The smallest valid value.</param>
    /// <param name="max">The largest valid value.</param>
    /// <returns>The integer.</returns>
    public int Int32(int min = int.MinValue, int max = int.MaxValue) =>
        OptionalInt32(min, max) ?? throw ConfigErrors.WrongType(this, Expected("an integer", min, max));

    /// <summary>The value as an integer in [<paramref name="min"/>, <paramref name="max"/>], or null for a YAML null.</summary>
    /// <param name="min">The smallest valid value.</param>
    /// <param name="max">The largest valid value.</param>
    /// <returns>The integer or null.</returns>
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

    /// <summary>The value as a number greater than <paramref name="exclusiveMin"/>.</summary>
    /// <param name="exclusiveMin">The bound the number must exceed.</param>
    /// <returns>The number.</returns>
    public double Double(double exclusiveMin = double.NegativeInfinity) =>
        OptionalDouble(exclusiveMin) ?? throw ConfigErrors.WrongType(this, ExpectedNumber(exclusiveMin));

    /// <summary>The value as a number greater than <paramref name="exclusiveMin"/>, or null for a YAML null.</summary>
    /// <param name="exclusiveMin">The bound the number must exceed.</param>
    /// <returns>The number or null.</returns>
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

    /// <summary>The value as a boolean.</summary>
    /// <returns>The boolean.</returns>
    public bool Boolean() =>
        OptionalBoolean() ?? throw ConfigErrors.WrongType(this, "a boolean (true or false)");

    /// <summary>The value as a boolean, or null for a YAML null.</summary>
    /// <returns>The boolean or null.</returns>
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

    /// <summary>The value as one of the names of <paramref name="names"/>; an error lists the valid names.</summary>
    /// <typeparam name="T">The enum.</typeparam>
    /// <param name="names">The yaml names of the enum.</param>
    /// <returns>The enum value.</returns>
    public T Enum<T>(NameMap<T> names)
        where T : struct, Enum
    {
        var text = OptionalString() ?? throw ConfigErrors.InvalidChoice(this, "value", names.Names);
        return names.TryParse(text, out var value) ? value : throw ConfigErrors.InvalidChoice(this, "value", names.Names);
    }

    /// <summary>A string that must be one of <paramref name="choices"/>; null when <paramref name="allowNull"/>.</summary>
    /// <param name="choices">The valid strings.</param>
    /// <param name="allowNull">Whether a YAML null is valid.</param>
    /// <returns>The string, or null.</returns>
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
    /// <summary>Binds this value, a mapping or null (all defaults), with <paramref name="schema"/>: a nested section.</summary>
    /// <typeparam name="T">The section's options.</typeparam>
    /// <param name="schema">The section's keys.</param>
    /// <returns>The bound options.</returns>
    /// <exception cref="FeastConfigException">The value is not a mapping, or a key does not fit the schema.</exception>
    public T Section<T>(OptionsSchema<T> schema)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.Bind(OptionalMapping(), AsSection(), Node);
    }

    internal YamlMappingNode? OptionalMapping() => Node switch
    {
        YamlMappingNode mapping => mapping,
        _ when IsNull => null,
        _ => throw ConfigErrors.WrongType(this, "a mapping"),
    };

    /// <summary>The value as a mapping of plain values (see <see cref="Plain"/>), or null for a YAML null.</summary>
    /// <returns>The mapping or null.</returns>
    public IReadOnlyDictionary<string, object?>? OptionalPlainMapping() =>
        OptionalMapping() is { } mapping ? (IReadOnlyDictionary<string, object?>)ToPlain(mapping, Path)! : null;

    /// <summary>The value as a mapping of strings, or null for a YAML null.</summary>
    /// <returns>The mapping or null.</returns>
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
    /// <returns>A string, number, boolean, null, list or dictionary.</returns>
    public object? Plain() => ToPlain(Node, Path);

    /// <summary>The text of a mapping key; keys must be scalars.</summary>
    internal string KeyText(YamlNode key) => key is YamlScalarNode { Value: { } text }
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
