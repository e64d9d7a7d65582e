using YamlDotNet.RepresentationModel;

namespace Feast.Configuration;

/// <summary>
/// A section whose keys depend on its type (<c>online_store</c>, <c>offline_store</c>, <c>auth</c>, …): picks the
/// schema by the type key, accepts Feast's string form (<c>online_store: redis</c>), and tells an unknown type
/// apart from a Feast type that Feast.NET does not support.
/// </summary>
internal sealed class TypedSection<TBase>
    where TBase : class
{
    private readonly string _what;
    private readonly string _typeKey;
    private readonly string? _defaultType;
    private readonly string? _classSuffix;
    private readonly Func<TBase, string> _typeOf;
    private readonly Dictionary<string, Binder> _binders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<TBase, IReadOnlyList<KeyValuePair<string, object?>>>> _printers =
        new(StringComparer.Ordinal);

    private readonly List<string> _supported = [];
    private readonly List<string> _aliases = [];
    private readonly HashSet<string> _unsupported = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unregistered = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _packages = new(StringComparer.Ordinal);

    /// <param name="what">What the type names, for messages: "online store".</param>
    /// <param name="typeKey">The key holding the type: <c>type</c> or <c>registry_type</c>.</param>
    /// <param name="defaultType">The type of a mapping without the type key; null makes the key required.</param>
    /// <param name="classSuffix">The suffix of Feast class paths for this section (<c>OnlineStore</c>), if any.</param>
    /// <param name="typeOf">The canonical type of bound options, to choose the printer.</param>
    public TypedSection(string what, string typeKey, string? defaultType, string? classSuffix, Func<TBase, string> typeOf)
    {
        _what = what;
        _typeKey = typeKey;
        _defaultType = defaultType;
        _classSuffix = classSuffix;
        _typeOf = typeOf;
    }

    public IEnumerable<string> TypeNames => _supported;

    /// <summary>Whether <paramref name="type"/> (a type name, alias or class path) has a binder.</summary>
    public bool Has(string type) => _binders.ContainsKey(type);

    /// <summary>Adds a supported type bound by <paramref name="schema"/>, also reachable by <paramref name="aliases"/>.</summary>
    public void Add<T>(string type, OptionsSchema<T> schema, params string[] aliases)
        where T : class, TBase
    {
        Add(type, (mapping, section, position) => schema.Bind(mapping, section, position), options => schema.Print((T)options), aliases);
    }

    /// <summary>Adds a supported type with its own binding (for types whose schema depends on the keys present).</summary>
    public void Add(
        string type,
        Func<YamlMappingNode?, SectionContext, YamlNode, TBase> bind,
        Func<TBase, IReadOnlyList<KeyValuePair<string, object?>>> print,
        params string[] aliases)
    {
        var binder = new Binder(type, bind);
        // Registering a type again (a backend added twice) replaces it without listing it twice.
        if (!_binders.ContainsKey(type)) _supported.Add(type);
        _binders[type] = binder;
        _printers[type] = print;
        foreach (var alias in aliases)
        {
            if (!_binders.ContainsKey(alias)) _aliases.Add(alias);
            _binders[alias] = binder;
        }
    }

    /// <summary>Adds a type name that only changes which schema binds (Feast's <c>file</c> for <c>duckdb</c>).</summary>
    public void AddAlias<T>(string alias, OptionsSchema<T> schema)
        where T : class, TBase
    {
        if (!_binders.ContainsKey(alias)) _supported.Add(alias);
        _binders[alias] = new Binder(alias, (mapping, section, position) => schema.Bind(mapping, section, position));
    }

    /// <summary>Feast types Feast.NET recognises but does not implement; they get a clearer error.</summary>
    public void AddUnsupported(params string[] types) => _unsupported.UnionWith(types);

    /// <summary>
    /// Feast types a Feast.NET backend package implements: until one registers them, they are reported as having no
    /// backend registered rather than as unknown.
    /// </summary>
    public void AddUnregistered(params string[] types) => _unregistered.UnionWith(types);

    /// <summary>Names what serves an unregistered type (a package and its Use call), for its error.</summary>
    public void AddPackageHint(string type, string package) => _packages[type] = package;

    /// <summary>Binds the string form (a type name) or the mapping form of the section.</summary>
    /// <param name="value">The section.</param>
    /// <param name="unresolved">
    /// Makes the result for a type no binder knows (one a backend may register later); null makes such a type an error.
    /// A Feast type Feast.NET does not implement is an error either way.
    /// </param>
    public TBase Bind(in YamlValue value, Func<string, TBase>? unresolved = null)
    {
        YamlMappingNode? mapping = null;
        YamlValue typeValue;
        string? type;
        if (value.Node is YamlScalarNode && !value.IsNull)
        {
            typeValue = value;
            type = value.String();
        }
        else if (value.Node is YamlMappingNode map)
        {
            mapping = map;
            var typeNode = map.Children.FirstOrDefault(child => child.Key is YamlScalarNode { Value: var key } && key == _typeKey).Value;
            typeValue = new YamlValue(typeNode ?? map, $"{value.Path}.{_typeKey}", value.Source);
            type = typeNode is null ? _defaultType : typeValue.OptionalString();
            if (type is null)
            {
                throw ConfigErrors.At(
                    value.Source,
                    typeNode ?? map,
                    typeValue.Path,
                    $"{value.Path} needs a '{_typeKey}'. Valid types: {string.Join(", ", _supported)}.");
            }
        }
        else
        {
            throw ConfigErrors.WrongType(value, $"a mapping or one of the type names {string.Join(", ", _supported)}");
        }

        if (!_binders.TryGetValue(type, out var binder))
        {
            if (unresolved is not null && !_unsupported.Contains(type))
            {
                return unresolved(type);
            }

            throw UnknownType(typeValue, type);
        }

        return binder.Bind(mapping, value.AsSection(binder.Label), value.Node);
    }

    public IReadOnlyList<KeyValuePair<string, object?>> Print(TBase options) => _printers[_typeOf(options)](options);

    private FeastConfigException UnknownType(in YamlValue typeValue, string type)
    {
        var valid = Listed();
        if (_aliases.Count > 0)
        {
            valid += " (Feast's class paths for these are accepted too)";
        }

        var isFeastType = _unsupported.Contains(type) ||
            (_classSuffix is not null && type.Contains('.', StringComparison.Ordinal) && type.EndsWith(_classSuffix, StringComparison.Ordinal));
        var suggestion = DidYouMean.Suggest(type, _supported.Concat(_unregistered));
        var message = _unregistered.Contains(type)
            ? $"{typeValue.Path}: {_what} type '{type}' has no backend registered in this program. Registered {_what} types: {Listed()}." +
              (_packages.TryGetValue(type, out var package) ? $" '{type}' is served by {package}." : "")
            : _packages.Count > 0 && suggestion is not null && !isFeastType
            ? $"{typeValue.Path}: unknown {_what} type '{type}'. Did you mean '{suggestion}'? Valid types: {valid}."
            : isFeastType
            ? $"{typeValue.Path}: {_what} type '{type}' is not supported by Feast.NET. Supported types: {valid}."
            : $"{typeValue.Path}: unknown {_what} type '{type}'. Valid types: {valid}.";
        return ConfigErrors.At(typeValue.Source, typeValue.Node, typeValue.Path, message);
    }

    /// <summary>The registered type names for a message, or "(none)".</summary>
    public string Listed() => _supported.Count == 0 ? "(none)" : string.Join(", ", _supported);

    private sealed record Binder(string Label, Func<YamlMappingNode?, SectionContext, YamlNode, TBase> Bind);
}
