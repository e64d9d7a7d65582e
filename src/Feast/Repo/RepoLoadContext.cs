using System.Reflection;
using System.Runtime.Loader;

namespace Feast.Repo;

/// <summary>
/// The load context a compiled repo lives in. It resolves Feast, and everything Feast depends on, to the assemblies the host
/// already loaded, so the definitions a repo creates are instances of the host's <see cref="FeastObject"/> types.
/// It is collectible, but nothing unloads it: the objects it produced stay in use for the life of the process.
/// </summary>
internal sealed class RepoLoadContext(string name) : AssemblyLoadContext("Feast repo " + name, isCollectible: true)
{
    private static readonly Assembly Feast = typeof(FeastObject).Assembly;

    /// <inheritdoc/>
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (string.Equals(assemblyName.Name, Feast.GetName().Name, StringComparison.OrdinalIgnoreCase))
            return Feast;
        // When Feast itself runs in a plugin context, its dependencies resolve there; otherwise the default context
        // (the fallback for a null result) has them.
        var host = GetLoadContext(Feast);
        return host is null || host == Default ? null : host.LoadFromAssemblyName(assemblyName);
    }
}
