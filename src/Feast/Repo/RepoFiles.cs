namespace Feast.Repo;

/// <summary>Finds the definition files of a feature repo.</summary>
internal static class RepoFiles
{
    /// <summary>Directories never searched, at any depth: build output of a .NET project placed in the repo.</summary>
    private static readonly HashSet<string> SkippedDirectories = new(StringComparer.OrdinalIgnoreCase) { "bin", "obj" };

    /// <summary>
    /// Every <c>*.cs</c> file (or file ending in <paramref name="extension"/>) under <paramref name="repoRoot"/>, recursively, as full paths sorted by their repo-relative path,
    /// skipping <c>bin</c>, <c>obj</c>, hidden files and directories (names starting with '.') and whatever <paramref name="ignore"/> matches.
    /// Symbolic links to directories are not followed, so a link cycle cannot make the search endless.
    /// </summary>
    public static List<string> Find(string repoRoot, FeastIgnore ignore, string extension = ".cs")
    {
        var found = new List<(string Relative, string Full)>();
        var pending = new Stack<(string Full, string Relative)>();
        pending.Push((repoRoot, ""));
        while (pending.Count > 0)
        {
            var (dir, relDir) = pending.Pop();
            foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
            {
                var name = entry.Name;
                if (name.StartsWith('.'))
                    continue;
                var rel = relDir.Length == 0 ? name : relDir + "/" + name;
                if (entry is DirectoryInfo sub)
                {
                    if (SkippedDirectories.Contains(name) || sub.LinkTarget is not null || ignore.IsIgnored(rel))
                        continue;
                    pending.Push((sub.FullName, rel));
                }
                else if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase) && !ignore.IsIgnored(rel))
                {
                    found.Add((rel, entry.FullName));
                }
            }
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Relative, b.Relative));
        return [.. found.Select(f => f.Full)];
    }

    /// <summary>The path of <paramref name="fullPath"/> relative to the repo root, with '/' separators, as messages show it.</summary>
    public static string Relative(string repoRoot, string fullPath) =>
        Path.GetRelativePath(repoRoot, fullPath).Replace('\\', '/');
}
