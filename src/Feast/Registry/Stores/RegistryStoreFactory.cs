namespace Feast.Registry;

/// <summary>Picks the registry store for a <c>feature_store.yaml</c> <c>registry_type</c>.</summary>
public static class RegistryStoreFactory
{
    /// <summary>Creates the store for <paramref name="registryType"/>.</summary>
    /// <param name="registryType"><c>file</c> (the default when empty) or <c>sql</c>.</param>
    /// <param name="path">
    /// For <c>file</c>, the registry file (relative paths start at <paramref name="repoPath"/>); for
    /// <c>sql</c>, a SQLAlchemy URL such as <c>sqlite:///data/registry.db</c>.
    /// </param>
    /// <param name="repoPath">The feature repo directory.</param>
    /// <param name="tp">The clock for <c>last_updated</c>; the system clock when omitted.</param>
    /// <exception cref="RegistryException">The type is unknown, or the path names a storage Feast.NET cannot use.</exception>
    public static IRegistryStore Create(string registryType, string path, string repoPath, TimeProvider? tp = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(repoPath);
        var type = string.IsNullOrWhiteSpace(registryType) ? "file" : registryType.Trim();
        if (type.Equals("file", StringComparison.OrdinalIgnoreCase))
            return new FileRegistryStore(ResolveFilePath(path, repoPath), tp);
        if (type.Equals("sql", StringComparison.OrdinalIgnoreCase))
            return new SqlRegistryStore(path, repoPath, tp);
        throw new RegistryException($"Unknown registry_type '{registryType}'. Supported registry types: file, sql.");
    }

    private static string ResolveFilePath(string path, string repoPath)
    {
        // Python Feast picks the file registry's storage by URI scheme; only local files are available here.
        var schemeEnd = path.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            var scheme = path[..schemeEnd];
            if (!scheme.Equals("file", StringComparison.OrdinalIgnoreCase))
            {
                throw new RegistryException(
                    $"The registry path '{path}' uses '{scheme}://', which Feast.NET cannot open yet: only local registry files are supported.");
            }
            path = path[(schemeEnd + 3)..];
        }
        if (string.IsNullOrWhiteSpace(path))
            throw new RegistryException("The registry path is empty. Set registry.path in feature_store.yaml, e.g. data/registry.db.");
        return Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(repoPath, path));
    }
}
