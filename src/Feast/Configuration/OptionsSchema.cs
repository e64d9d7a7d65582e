using System.Collections;
using YamlDotNet.RepresentationModel;

namespace Feast.Configuration;

/// <summary>
/// The untyped face of an <see cref="OptionsSchema{T}"/> (what an options record returns as its schema), and helpers
/// for writing such tables.
/// </summary>
public abstract class OptionsSchema
{
    private protected OptionsSchema()
    {
    }

    /// <summary>What a print function returns for a key that prints as <c>null</c> (rather than being left out).</summary>
    public static object PrintNull => YamlScalars.Null;

    /// <summary>A bind function that leaves the options unchanged (for the <c>type</c> key, which chose the schema).</summary>
    /// <typeparam name="T">The options record.</typeparam>
    /// <param name="options">The options.</param>
    /// <param name="value">The value, ignored.</param>
    /// <returns><paramref name="options"/>.</returns>
    public static T Keep<T>(T options, YamlValue value) => options;

    /// <summary>The keys and values of <paramref name="options"/> to print, in table order.</summary>
    internal abstract IReadOnlyList<KeyValuePair<string, object?>> PrintObject(object options);
}

/// <summary>
/// The table of known keys of one configuration section. The same table binds a YAML mapping into an immutable
/// options record (starting from its defaults), lists the valid keys in errors, and prints the record back as YAML,
/// so a key cannot be valid in one place and missing in another.
/// </summary>
/// <remarks>
/// Backend packages describe their own sections with it (see <see cref="FeastBackends"/>), so their keys get the same
/// defaults, type checks, required-key and did-you-mean errors, and YAML printing as the built-in ones.
/// </remarks>
/// <typeparam name="T">The options record; entries bind with <c>with</c> expressions.</typeparam>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1010", Justification = "IEnumerable only enables the collection-initializer syntax of the table.")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710", Justification = "A schema, not a collection; IEnumerable only enables the collection-initializer syntax.")]
public sealed class OptionsSchema<T> : OptionsSchema, IEnumerable
    where T : class
{
    private readonly Func<T> _defaults;
    private readonly List<Entry> _entries = [];
    private Func<T, IReadOnlyDictionary<string, object?>, T>? _bindAdditional;
    private Func<T, IReadOnlyDictionary<string, object?>>? _printAdditional;

    /// <summary>Creates an empty table.</summary>
    /// <param name="defaults">Creates the record every binding starts from (the defaults of keys left out).</param>
    public OptionsSchema(Func<T> defaults) => _defaults = defaults ?? throw new ArgumentNullException(nameof(defaults));

    /// <summary>The keys, in table order.</summary>
    public IEnumerable<string> KeyNames => _entries.Select(entry => entry.Name);

    /// <summary>Adds a key.</summary>
    /// <param name="name">The yaml key.</param>
    /// <param name="bind">Returns a copy of the options with the value applied.</param>
    /// <param name="print">Returns the value to print, null to leave the key out (or <see cref="OptionsSchema.PrintNull"/>
    /// to print <c>null</c>); a null function never prints the key (an alias).</param>
    /// <param name="required">Whether the key must be present.</param>
    public void Add(string name, Func<T, YamlValue, T> bind, Func<T, object?>? print, bool required = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(bind);
        _entries.Add(new Entry(name, bind, print, required));
    }

    /// <summary>Adds the keys of another schema, applied to a part of <typeparamref name="T"/>.</summary>
    /// <typeparam name="TPart">The part's record.</typeparam>
    /// <param name="part">The part's table.</param>
    /// <param name="get">Reads the part from the options.</param>
    /// <param name="set">Returns a copy of the options with the part replaced.</param>
    public void Include<TPart>(OptionsSchema<TPart> part, Func<T, TPart> get, Func<T, TPart, T> set)
        where TPart : class
    {
        foreach (var entry in part._entries)
        {
            _entries.Add(new Entry(
                entry.Name,
                (options, value) => set(options, entry.Bind(get(options), value)),
                entry.Print is null ? null : options => entry.Print(get(options)),
                entry.Required));
        }
    }

    /// <summary>Keeps keys not in the table instead of rejecting them (for sections Feast leaves open).</summary>
    internal void AllowAdditional(
        Func<T, IReadOnlyDictionary<string, object?>, T> bind, Func<T, IReadOnlyDictionary<string, object?>> print)
    {
        _bindAdditional = bind;
        _printAdditional = print;
    }

    /// <summary>Binds a mapping (null for none: all defaults) into a new options record.</summary>
    internal T Bind(YamlMappingNode? mapping, in SectionContext section, YamlNode? position = null)
    {
        var present = new Dictionary<string, YamlValue>(StringComparer.Ordinal);
        Dictionary<string, object?>? additional = null;
        if (mapping is not null)
        {
            var self = new YamlValue(mapping, section.Path, section.Source);
            foreach (var (keyNode, valueNode) in mapping.Children)
            {
                var key = self.KeyText(keyNode);
                var value = new YamlValue(valueNode, section.Child(key), section.Source);
                if (_entries.Exists(entry => entry.Name == key))
                {
                    present[key] = value;
                }
                else if (_bindAdditional is not null)
                {
                    (additional ??= new(StringComparer.Ordinal))[key] = value.Plain();
                }
                else
                {
                    throw ConfigErrors.UnknownKey(section, keyNode, key, KeyNames);
                }
            }
        }

        var options = _defaults();
        foreach (var entry in _entries)
        {
            if (present.TryGetValue(entry.Name, out var value))
            {
                options = entry.Bind(options, value);
            }
            else if (entry.Required)
            {
                var required = _entries.Where(e => e.Required).Select(e => e.Name);
                throw ConfigErrors.MissingKey(section, mapping ?? position, entry.Name, required);
            }
        }

        return additional is null ? options : _bindAdditional!(options, additional.AsReadOnly());
    }

    /// <summary>
    /// The keys and values to print for <paramref name="options"/>, in table order, followed by any additional keys (a
    /// nested section's printer returns this).
    /// </summary>
    /// <param name="options">Options bound by this table.</param>
    /// <returns>The keys and values.</returns>
    public IReadOnlyList<KeyValuePair<string, object?>> Print(T options)
    {
        var result = new List<KeyValuePair<string, object?>>();
        foreach (var entry in _entries)
        {
            if (entry.Print?.Invoke(options) is { } value)
            {
                result.Add(new(entry.Name, value));
            }
        }

        if (_printAdditional is not null)
        {
            result.AddRange(_printAdditional(options));
        }

        return result;
    }

    internal override IReadOnlyList<KeyValuePair<string, object?>> PrintObject(object options) => Print((T)options);

    /// <summary>The entries (so the table can be written with a collection initializer).</summary>
    /// <returns>An enumerator over the entries.</returns>
    IEnumerator IEnumerable.GetEnumerator() => _entries.GetEnumerator();

    private sealed record Entry(string Name, Func<T, YamlValue, T> Bind, Func<T, object?>? Print, bool Required);
}
