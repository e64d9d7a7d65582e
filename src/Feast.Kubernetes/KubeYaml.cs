using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;

namespace Feast.Kubernetes;

/// <summary>
/// Kubernetes objects as plain trees: a mapping is an <see cref="OrderedDictionary{TKey, TValue}"/> of string keys
/// (the order written), a sequence a <see cref="List{T}"/>, a scalar a <see cref="string"/>, <see cref="long"/>,
/// <see cref="double"/>, <see cref="bool"/> or <see langword="null"/>. Reads YAML (and JSON, which is YAML) the way the
/// Kubernetes API machinery does (YAML 1.1 scalars: <c>0644</c> is octal), and writes YAML with stable key order.
/// </summary>
public static partial class KubeYaml
{
    /// <summary>Parses every document of a YAML stream; empty documents are skipped.</summary>
    /// <param name="text">The YAML text.</param>
    /// <param name="source">What the text is (a file name), for error messages.</param>
    /// <returns>Each document's tree and the line it starts on.</returns>
    /// <exception cref="FeatureStoreResourceException">The text is not valid YAML, or a mapping key is not a scalar.</exception>
    public static IReadOnlyList<(object? Value, int Line)> ParseDocuments(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new FeatureStoreResourceException($"{source}: not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
        }
        var documents = new List<(object?, int)>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlScalarNode { Value: null or "" } && document.RootNode.Tag.IsEmpty) continue;
            documents.Add((Convert(document.RootNode, source), (int)document.RootNode.Start.Line));
        }
        return documents;
    }

    /// <summary>Parses one YAML or JSON value.</summary>
    /// <param name="text">The text.</param>
    /// <param name="source">What the text is, for error messages.</param>
    /// <returns>The tree, or <see langword="null"/> for an empty text.</returns>
    public static object? Parse(string text, string source)
    {
        var documents = ParseDocuments(text, source);
        return documents.Count == 0 ? null : documents[0].Value;
    }

    private static object? Convert(YamlNode node, string source)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var map = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name })
                        throw new FeatureStoreResourceException($"{source}: line {key.Start.Line}: a mapping key must be a plain name.");
                    map[name] = Convert(value, source);
                }
                return map;
            case YamlSequenceNode sequence:
                return sequence.Children.Select(c => Convert(c, source)).ToList();
            case YamlScalarNode scalar:
                return scalar.Style is ScalarStyle.Plain ? PlainScalar(scalar.Value ?? "") : scalar.Value ?? "";
            default:
                throw new FeatureStoreResourceException($"{source}: line {node.Start.Line}: aliases are not supported; write the value out.");
        }
    }

    /// <summary>A plain (unquoted) scalar as YAML 1.1 reads it, as Kubernetes' YAML decoder does.</summary>
    internal static object? PlainScalar(string text)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON": return true;
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF": return false;
        }
        if (OctalInteger().IsMatch(text)) return System.Convert.ToInt64(text.TrimStart('+').Replace("0o", "", StringComparison.Ordinal), 8);
        if (DecimalInteger().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)) return integer;
        if (HexInteger().IsMatch(text)) return System.Convert.ToInt64(text[2..], 16);
        if (Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)) return real;
        return text;
    }

    [GeneratedRegex("^(0o?[0-7]+)$")]
    private static partial Regex OctalInteger();

    [GeneratedRegex("^[-+]?(0|[1-9][0-9]*)$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex("^0x[0-9a-fA-F]+$")]
    private static partial Regex HexInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    private static readonly ISerializer Serializer = new SerializerBuilder()
        .DisableAliases()
        .WithQuotingNecessaryStrings()
        .WithIndentedSequences()
        .WithEventEmitter(next => new LiteralMultilineEmitter(next))
        .Build();

    /// <summary>Writes text with line breaks (scripts, embedded feature_store.yaml) as a literal block, line for line.</summary>
    private sealed class LiteralMultilineEmitter(IEventEmitter next) : ChainedEventEmitter(next)
    {
        public override void Emit(ScalarEventInfo eventInfo, IEmitter emitter)
        {
            if (eventInfo.Source.Value is string text && text.Contains('\n', StringComparison.Ordinal) && !text.Contains(" \n", StringComparison.Ordinal))
                eventInfo.Style = ScalarStyle.Literal;
            base.Emit(eventInfo, emitter);
        }
    }

    /// <summary>One tree as a YAML document (no <c>---</c>), keys in the order they were added.</summary>
    /// <param name="value">The tree.</param>
    /// <returns>The YAML text, ending in a line break.</returns>
    public static string Write(object? value)
    {
        var text = Serializer.Serialize(value);
        return text.EndsWith('\n') ? text : text + "\n";
    }

    /// <summary>The objects as one multi-document YAML stream, separated by <c>---</c> lines.</summary>
    /// <param name="objects">The objects, in the order written.</param>
    /// <returns>The YAML text.</returns>
    public static string WriteAll(IEnumerable<KubeObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var text = new StringBuilder();
        foreach (var o in objects)
        {
            text.Append("---\n");
            text.Append(Write(o.Body));
        }
        return text.ToString();
    }

    /// <summary>A deep copy of a tree, so a rendered object never shares parts of its input.</summary>
    internal static object? Clone(object? value) => value switch
    {
        OrderedDictionary<string, object?> map => CloneMap(map),
        List<object?> list => list.Select(Clone).ToList(),
        _ => value,
    };

    internal static OrderedDictionary<string, object?> CloneMap(OrderedDictionary<string, object?> map)
    {
        var copy = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in map) copy[key] = Clone(value);
        return copy;
    }
}
