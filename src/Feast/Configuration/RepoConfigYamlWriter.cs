using System.Collections;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Feast.Configuration;

/// <summary>
/// Writes the pairs printed by <see cref="RepoConfigBinder.Print"/> as block YAML. Strings that PyYAML would read
/// as something else (<c>"yes"</c>, <c>"123"</c>, <c>"null"</c>) are quoted, so Feast reads the output back as written.
/// With <c>redact</c>, secrets are masked as error messages mask them: the value of every key that names a secret
/// (<c>password</c>, <c>client_secret</c>, <c>token</c>, ...), the <c>password=</c> option of a connection string and the
/// password of any URL.
/// </summary>
internal static class RepoConfigYamlWriter
{
    // Keys whose value is a secret, wherever they appear (store, registry, auth sections, a plug-in's own keys).
    private static readonly string[] SecretKeySuffixes = ["password", "secret", "token", "api_key", "private_key", "passphrase", "credentials"];

    /// <summary>Whether the value of <paramref name="key"/> is a secret (<c>token_env_var</c>, a variable's name, is not).</summary>
    public static bool IsSecretKey(string key) =>
        SecretKeySuffixes.Any(suffix => key.EndsWith(suffix, StringComparison.OrdinalIgnoreCase));

    public static string Write(RepoConfig config, bool redact)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var emitter = new Emitter(writer);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        WriteValue(emitter, RepoConfigBinder.Print(config), redact);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    private static void WriteValue(Emitter emitter, object? value, bool redact)
    {
        switch (value)
        {
            case null:
                WriteScalar(emitter, "null", ScalarStyle.Plain);
                break;
            case var _ when ReferenceEquals(value, YamlScalars.Null):
                WriteScalar(emitter, "null", ScalarStyle.Plain);
                break;
            case string text:
                WriteString(emitter, text);
                break;
            case bool flag:
                WriteScalar(emitter, flag ? "true" : "false", ScalarStyle.Plain);
                break;
            case int or long:
                WriteScalar(emitter, Convert.ToString(value, CultureInfo.InvariantCulture)!, ScalarStyle.Plain);
                break;
            case double number:
                WriteScalar(emitter, YamlScalars.FormatDouble(number), ScalarStyle.Plain);
                break;
            case IEnumerable<KeyValuePair<string, object?>> mapping:
                var pairs = mapping.ToList();
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, pairs.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, item) in pairs)
                {
                    WriteString(emitter, key);
                    WriteValue(emitter, redact ? Redacted(key, item) : item, redact);
                }

                emitter.Emit(new MappingEnd());
                break;
            case IEnumerable sequence:
                var items = sequence.Cast<object?>().ToList();
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, items.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in items)
                {
                    WriteValue(emitter, redact && item is string text ? Redaction.RedactUrl(text) : item, redact);
                }

                emitter.Emit(new SequenceEnd());
                break;
            default:
                throw new InvalidOperationException($"Cannot write a {value.GetType()} as YAML.");
        }
    }

    private static object? Redacted(string key, object? value) => value switch
    {
        string { Length: > 0 } when IsSecretKey(key) => Redaction.Mask,
        // A section kept as written (no backend bound it yet) holds PyYAML's values: a numeric password is a number.
        long or double when IsSecretKey(key) => Redaction.Mask,
        string text when key.Equals("connection_string", StringComparison.OrdinalIgnoreCase) => Redaction.RedactUrl(Redaction.RedactConnectionString(text)),
        string text => Redaction.RedactUrl(text),
        _ => value,
    };

    private static void WriteString(Emitter emitter, string text) =>
        WriteScalar(emitter, text, YamlScalars.NeedsQuotes(text) ? ScalarStyle.DoubleQuoted : ScalarStyle.Plain);

    private static void WriteScalar(Emitter emitter, string text, ScalarStyle style) =>
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, text, style, isPlainImplicit: true, isQuotedImplicit: true));
}
