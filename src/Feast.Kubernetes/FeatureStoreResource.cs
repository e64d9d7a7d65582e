using System.Text;
using System.Text.RegularExpressions;

namespace Feast.Kubernetes;

/// <summary>One <c>FeatureStore</c> resource (<c>feast.dev/v1</c>), checked against the operator's v1 schema.</summary>
public sealed partial class FeatureStoreResource
{
    /// <summary>The API group of Feast's operator.</summary>
    public const string Group = "feast.dev";

    /// <summary>The one version rendered.</summary>
    public const string Version = "v1";

    /// <summary>The resource's plural name in API paths.</summary>
    public const string Plural = "featurestores";

    private FeatureStoreResource(OrderedDictionary<string, object?> body, string name, string? ns)
    {
        Body = body;
        Name = name;
        Namespace = ns;
        var metadata = body.Map("metadata");
        Uid = metadata.Str("uid");
        ResourceVersion = metadata.Str("resourceVersion");
        Generation = metadata.Int("generation");
        Spec = body.Map("spec")!;
    }

    /// <summary>The resource's name (<c>metadata.name</c>); the objects are named <c>feast-&lt;name&gt;</c>.</summary>
    public string Name { get; }

    /// <summary><c>metadata.namespace</c>, when written.</summary>
    public string? Namespace { get; }

    /// <summary><c>metadata.uid</c>, when the resource came from an API server.</summary>
    public string? Uid { get; }

    /// <summary><c>metadata.resourceVersion</c>, when the resource came from an API server.</summary>
    public string? ResourceVersion { get; }

    /// <summary><c>metadata.generation</c>, when the resource came from an API server.</summary>
    public long? Generation { get; }

    /// <summary>The whole resource as read.</summary>
    public OrderedDictionary<string, object?> Body { get; }

    /// <summary><c>spec.feastProject</c>.</summary>
    public string FeastProject => Spec.Str("feastProject")!;

    internal OrderedDictionary<string, object?> Spec { get; }

    /// <summary>Checks a parsed resource and wraps it.</summary>
    /// <param name="tree">The resource as read by <see cref="KubeYaml"/>.</param>
    /// <param name="source">Where it came from (a file and line, or <c>namespace/name</c>), for messages.</param>
    /// <returns>The resource.</returns>
    /// <exception cref="FeatureStoreResourceException">It is not a <c>feast.dev/v1</c> FeatureStore, or a field is wrong.</exception>
    public static FeatureStoreResource FromTree(object? tree, string source)
    {
        if (tree is not OrderedDictionary<string, object?> body)
            throw new FeatureStoreResourceException($"{source}: a FeatureStore resource must be a mapping with apiVersion, kind, metadata and spec.");
        var apiVersion = body.Str("apiVersion");
        if (body.Str("kind") != "FeatureStore")
            throw new FeatureStoreResourceException($"{source}: kind is '{body.Str("kind")}', not FeatureStore.");
        if (apiVersion == $"{Group}/v1alpha1")
            throw new FeatureStoreResourceException(
                $"{source}: apiVersion {Group}/v1alpha1 is the operator's deprecated version; Feast.NET reads {Group}/{Version}. " +
                $"Change apiVersion to {Group}/{Version} (its spec has the same fields as v1alpha1's for the common resources).");
        if (apiVersion != $"{Group}/{Version}")
            throw new FeatureStoreResourceException($"{source}: apiVersion '{apiVersion}' is not {Group}/{Version}.");
        var metadata = body.Map("metadata");
        var name = metadata.Str("name");
        if (string.IsNullOrEmpty(name))
            throw new FeatureStoreResourceException($"{source}: metadata.name is missing: name the FeatureStore (its objects are named feast-<name>).");
        source = $"{source} (FeatureStore {name})";
        // The longest object name is feast-<name>-registry-rest, a Service name: at most 63 characters, a DNS label.
        if (!DnsLabel().IsMatch(name) || name.Length > 63 - "feast--registry-rest".Length)
            throw new FeatureStoreResourceException(
                $"{source}: metadata.name '{name}' must be lower-case letters, digits and '-', start and end with a letter or digit, " +
                $"and be at most {63 - "feast--registry-rest".Length} characters (the Services are named feast-{name}-registry-rest).");
        if (!body.Has("spec") || body.Map("spec") is null)
            throw new FeatureStoreResourceException($"{source}: spec is missing; it needs at least spec.feastProject.");
        FeatureStoreSchema.Resource.Check(body, "FeatureStore");
        var project = body.Map("spec").Str("feastProject");
        if (string.IsNullOrEmpty(project))
            throw new FeatureStoreResourceException($"{source}: spec.feastProject is missing: give the Feast project's name.");
        if (!ProjectName().IsMatch(project))
            throw new FeatureStoreResourceException(
                $"{source}: spec.feastProject '{project}' must start with a letter or digit and hold only letters, digits, '_' and '-'.");
        return new FeatureStoreResource(body, name, metadata.Str("namespace"));
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    private static partial Regex ProjectName();
}

/// <summary>
/// A YAML file of Kubernetes objects as <c>kubectl apply -f</c> would take it: its FeatureStore resources, and the Secrets
/// and ConfigMaps beside them (the renderer reads the stores' settings from those, as the operator reads them from the cluster).
/// </summary>
public sealed class KubeManifest : IKubeReferences
{
    private readonly List<KubeObject> _objects;

    private KubeManifest(List<FeatureStoreResource> featureStores, List<KubeObject> objects)
    {
        FeatureStores = featureStores;
        _objects = objects;
    }

    /// <summary>The FeatureStore resources, in the order written.</summary>
    public IReadOnlyList<FeatureStoreResource> FeatureStores { get; }

    /// <summary>Every other object of the file.</summary>
    public IReadOnlyList<KubeObject> Objects => _objects;

    /// <summary>Reads a YAML stream of Kubernetes objects.</summary>
    /// <param name="text">The YAML text (one or more documents; a <c>List</c> object's items count each).</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="FeatureStoreResourceException">The YAML is invalid, an object has no kind or name, or a FeatureStore is wrong.</exception>
    public static KubeManifest Parse(string text, string source)
    {
        var featureStores = new List<FeatureStoreResource>();
        var objects = new List<KubeObject>();
        foreach (var (document, line) in KubeYaml.ParseDocuments(text, source))
        {
            var at = $"{source}:{line}";
            if (document is not OrderedDictionary<string, object?> map || map.Str("kind") is null)
                throw new FeatureStoreResourceException($"{at}: not a Kubernetes object (no kind).");
            var items = map.Str("kind") == "List" ? map.List("items") ?? [] : [map];
            foreach (var item in items)
            {
                if (item is not OrderedDictionary<string, object?> o || o.Str("kind") is null)
                    throw new FeatureStoreResourceException($"{at}: a List item is not a Kubernetes object (no kind).");
                if (o.Str("kind") == "FeatureStore")
                    featureStores.Add(FeatureStoreResource.FromTree(o, at));
                else if (o.Map("metadata").Str("name") is null)
                    throw new FeatureStoreResourceException($"{at}: the {o.Str("kind")} has no metadata.name.");
                else
                    objects.Add(new KubeObject(o));
            }
        }
        return new KubeManifest(featureStores, objects);
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, string>? Secret(string ns, string name) =>
        Find("Secret", ns, name) is { } secret ? SecretData(secret) : null;

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, string>? ConfigMap(string ns, string name) =>
        Find("ConfigMap", ns, name) is { } map
            ? (map.Body.Map("data") ?? []).ToDictionary(p => p.Key, p => Tree.Scalar(p.Value) ?? "", StringComparer.Ordinal)
            : null;

    /// <inheritdoc/>
    public FeatureStoreResource? FeatureStore(string ns, string name) =>
        FeatureStores.FirstOrDefault(f => f.Name == name && (f.Namespace ?? ns) == ns);

    // An object written without a namespace is in the namespace it is applied to.
    private KubeObject? Find(string kind, string ns, string name) =>
        _objects.FirstOrDefault(o => o.Kind == kind && o.Name == name && (o.Namespace ?? ns) == ns);

    /// <summary>A Secret's values: <c>stringData</c> as written, <c>data</c> decoded from base64 (stringData wins, as in the API server).</summary>
    internal static Dictionary<string, string> SecretData(KubeObject secret)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in secret.Body.Map("data") ?? [])
        {
            try
            {
                values[key] = Encoding.UTF8.GetString(Convert.FromBase64String(Tree.Scalar(value) ?? ""));
            }
            catch (FormatException)
            {
                throw new FeatureStoreResourceException($"Secret {secret.Name}: data.{key} is not base64; put plain text under stringData instead.");
            }
        }
        foreach (var (key, value) in secret.Body.Map("stringData") ?? []) values[key] = Tree.Scalar(value) ?? "";
        return values;
    }
}

/// <summary>The objects a FeatureStore refers to by name: the operator reads them from the cluster, the renderer from its input.</summary>
public interface IKubeReferences
{
    /// <summary>A Secret's values, or <see langword="null"/> when there is no such Secret.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The Secret's name.</param>
    IReadOnlyDictionary<string, string>? Secret(string ns, string name);

    /// <summary>A ConfigMap's data, or <see langword="null"/> when there is no such ConfigMap.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The ConfigMap's name.</param>
    IReadOnlyDictionary<string, string>? ConfigMap(string ns, string name);

    /// <summary>Another FeatureStore (a remote registry's <c>feastRef</c>), or <see langword="null"/> when unknown.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The FeatureStore's name.</param>
    FeatureStoreResource? FeatureStore(string ns, string name);
}
