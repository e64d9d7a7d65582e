namespace Feast.Kubernetes.Operator;

/// <summary>
/// The Secrets, ConfigMaps and FeatureStores a FeatureStore names, read from the API server. The renderer is a pure,
/// synchronous function, so a lookup of an object not fetched yet stops it with <see cref="MissingReferenceException"/>;
/// the operator fetches that object and renders again.
/// </summary>
internal sealed class ClusterReferences : IKubeReferences
{
    private readonly Dictionary<(KubeKind Kind, string Ns, string Name), OrderedDictionary<string, object?>?> _fetched = [];

    public IReadOnlyDictionary<string, string>? Secret(string ns, string name) =>
        Lookup(KubeKind.Secret, ns, name) is { } secret ? KubeManifest.SecretData(new KubeObject(secret)) : null;

    public IReadOnlyDictionary<string, string>? ConfigMap(string ns, string name) =>
        Lookup(KubeKind.ConfigMapKind, ns, name) is { } map
            ? (map.Map("data") ?? []).ToDictionary(p => p.Key, p => Tree.Scalar(p.Value) ?? "", StringComparer.Ordinal)
            : null;

    public FeatureStoreResource? FeatureStore(string ns, string name) =>
        Lookup(KubeKind.FeatureStore, ns, name) is { } body ? FeatureStoreResource.FromTree(body, $"FeatureStore {ns}/{name}") : null;

    private OrderedDictionary<string, object?>? Lookup(KubeKind kind, string ns, string name) =>
        _fetched.TryGetValue((kind, ns, name), out var o) ? o : throw new MissingReferenceException(kind, ns, name);

    /// <summary>Fetches the object a render stopped at (a missing one is remembered as missing).</summary>
    public async Task FetchAsync(MissingReferenceException missing, KubeApiClient api, CancellationToken ct) =>
        _fetched[(missing.Kind, missing.Ns, missing.Name)] = await api.GetAsync(missing.Kind.Item(missing.Ns, missing.Name), ct).ConfigureAwait(false);
}

/// <summary>The renderer asked for an object <see cref="ClusterReferences"/> has not fetched yet.</summary>
internal sealed class MissingReferenceException(KubeKind kind, string ns, string name) : Exception($"{kind.Kind} {ns}/{name} is not fetched yet.")
{
    public KubeKind Kind { get; } = kind;
    public string Ns { get; } = ns;
    public string Name { get; } = name;
}
