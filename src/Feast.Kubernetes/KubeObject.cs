namespace Feast.Kubernetes;

/// <summary>One Kubernetes object: its identity and its whole body as a tree (see <see cref="KubeYaml"/>).</summary>
public sealed class KubeObject
{
    /// <summary>Wraps a body that has <c>apiVersion</c>, <c>kind</c> and <c>metadata.name</c>.</summary>
    /// <param name="body">The object.</param>
    /// <exception cref="ArgumentException">A field of the identity is missing.</exception>
    public KubeObject(OrderedDictionary<string, object?> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Body = body;
        ApiVersion = body.Str("apiVersion") ?? throw new ArgumentException("The object has no apiVersion.", nameof(body));
        Kind = body.Str("kind") ?? throw new ArgumentException("The object has no kind.", nameof(body));
        var metadata = body.Map("metadata");
        Name = metadata.Str("name") ?? throw new ArgumentException("The object has no metadata.name.", nameof(body));
        Namespace = metadata.Str("namespace");
    }

    /// <summary>The API group and version, e.g. <c>apps/v1</c>.</summary>
    public string ApiVersion { get; }

    /// <summary>The kind, e.g. <c>Deployment</c>.</summary>
    public string Kind { get; }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>The namespace, or <see langword="null"/> for a cluster-scoped object.</summary>
    public string? Namespace { get; }

    /// <summary>The whole object.</summary>
    public OrderedDictionary<string, object?> Body { get; }

    /// <summary>The object's labels (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Labels =>
        Body.Map("metadata").Map("labels")?.Where(p => p.Value is string).ToDictionary(p => p.Key, p => (string)p.Value!, StringComparer.Ordinal)
        ?? new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary><c>Kind/namespace/name</c>, for logs and messages.</summary>
    public override string ToString() => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";
}
