namespace Feast.Ui;

/// <summary>
/// Where the built web UI is. The bundle is made from npm packages by <c>eng/build-ui.sh</c> (it never ships in the
/// source tree), so a build of the .NET projects alone has none and <c>feast ui</c> says how to make it.
/// </summary>
public static class FeastUiBundle
{
    /// <summary>The environment variable that names a bundle folder when none is given.</summary>
    public const string DirectoryVariable = "FEAST_UI_DIR";

    /// <summary>The files a bundle folder holds.</summary>
    public static IReadOnlyList<string> Files { get; } = ["index.html", "index.js", "index.css"];

    /// <summary>What to do when no bundle is found.</summary>
    public const string BuildHint =
        "Build it with eng/build-ui.sh in a Feast.NET checkout (it installs node and npm from Debian when missing, then runs " +
        "npm ci and esbuild into src/Feast.Ui/app/dist/, where feast finds it), or pass --ui-dir with a built bundle folder " +
        "(index.html, index.js, index.css).";

    /// <summary>
    /// The bundle folder: <paramref name="directory"/> when given, else <c>$FEAST_UI_DIR</c>, else <c>feast-ui/</c> beside
    /// this assembly (copied there when the bundle existed at build time), else <c>src/Feast.Ui/app/dist/</c> of the
    /// checkout this assembly was built in. <see langword="null"/> when none of them holds a bundle.
    /// </summary>
    /// <param name="directory">A folder given by the user (<c>feast ui --ui-dir</c>); it alone is looked at.</param>
    public static string? Find(string? directory = null)
    {
        if (!string.IsNullOrEmpty(directory)) return IsBundle(directory) ? Path.GetFullPath(directory) : null;
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } fromEnvironment)
            return IsBundle(fromEnvironment) ? Path.GetFullPath(fromEnvironment) : null;
        var beside = Path.Combine(AppContext.BaseDirectory, "feast-ui");
        if (IsBundle(beside)) return beside;
        // A checkout: bin/<configuration>/<framework>/<rid>/ lies a few levels under the repository root.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var inCheckout = Path.Combine(dir.FullName, "src", "Feast.Ui", "app", "dist");
            if (IsBundle(inCheckout)) return inCheckout;
        }
        return null;
    }

    /// <summary>Whether <paramref name="directory"/> holds every file of a bundle.</summary>
    public static bool IsBundle(string directory) => Files.All(f => File.Exists(Path.Combine(directory, f)));
}
