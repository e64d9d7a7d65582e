using System.Runtime.CompilerServices;

namespace Feast.Kube.Tests;

/// <summary>The test project's source folder (samples and golden files are read from, and rewritten in, the source tree).</summary>
internal static class TestPaths
{
    public static string Project { get; } = Here();

    public static string Samples => Path.Combine(Project, "samples");

    public static string Golden => Path.Combine(Project, "golden");

    private static string Here([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;

    public static string NewDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "feast-kube-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
