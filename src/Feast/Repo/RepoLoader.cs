using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Feast.Repo;

/// <summary>
/// Loads a feature repo: compiles its <c>*.cs</c> files in memory and collects the Feast objects they expose as public static
/// fields and properties, the way Python Feast imports a repo's <c>*.py</c> files.
/// </summary>
public static class RepoLoader
{
    /// <summary>Compiles the repo at <paramref name="repoPath"/> and returns its definitions.</summary>
    /// <param name="repoPath">The repo root: the folder holding <c>feature_store.yaml</c> and the definition files.</param>
    /// <param name="logger">Receives the compile time and file count at debug level.</param>
    /// <param name="cancellationToken">Cancels reading and compiling.</param>
    /// <remarks>
    /// Files are found recursively, skipping <c>bin</c>, <c>obj</c>, hidden files and folders, and whatever the repo's
    /// <c>.feastignore</c> lists. Each file may rely on <c>using System; using System.Collections.Generic; using System.Linq;
    /// using Feast;</c> being in effect.
    /// </remarks>
    /// <exception cref="FeastException">The repo has no definition files, or a definition threw while being created (the message names the line).</exception>
    /// <exception cref="RepoCompilationException">The files do not compile; one line per error.</exception>
    /// <exception cref="DuplicateObjectNameException">Two different objects of one kind share a name.</exception>
    public static Task<RepoContents> LoadAsync(string repoPath, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        LoadAsync(repoPath, new FeastBackends(), logger, cancellationToken);

    /// <summary>Loads a feature repo whose definitions may use the data-source kinds of <paramref name="backends"/>.</summary>
    /// <param name="repoPath">The repo directory.</param>
    /// <param name="backends">The backends: their data-source types are referenced, and their namespaces imported, by every file.</param>
    /// <param name="logger">Where the load logs.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The definitions.</returns>
    public static async Task<RepoContents> LoadAsync(string repoPath, FeastBackends backends, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentException.ThrowIfNullOrEmpty(repoPath);
        logger ??= NullLogger.Instance;
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(repoPath));
        if (!Directory.Exists(root))
            throw new FeastException($"The feature repo {root} does not exist.");

        var ignore = await FeastIgnore.ReadAsync(root, cancellationToken).ConfigureAwait(false);
        var paths = RepoFiles.Find(root, ignore);
        var python = RepoFiles.Find(root, ignore, ".py").Select(p => RepoFiles.Relative(root, p)).ToList();
        if (paths.Count == 0)
        {
            throw new FeastException(
                $"No definition files (*.cs) were found in {root}. " +
                (python.Count > 0 ? $"{PythonFiles(python)} {(python.Count == 1 ? "is" : "are")} Python, which Feast.NET does not read. {Layout} " : "") +
                "Run `feast init` to create an example repo, or add C# files that define entities, data sources and feature views.");
        }

        var files = new List<(string Path, string Text)>(paths.Count);
        foreach (var path in paths)
            files.Add((path, await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)));

        var compiled = RepoCompiler.Compile(root, files, cancellationToken, backends);
        RepoLog.Compiled(logger, files.Count, root, compiled.Elapsed.TotalMilliseconds);

        var source = new RepoSource(compiled);
        var found = DefinitionScanner.Scan(source, cancellationToken);
        RepoLog.Found(logger, found.Count, root);
        var contents = RepoContentsBuilder.Build(found, source, compiled.Elapsed, files.Count, cancellationToken);
        if (python.Count == 0) return contents;
        return contents with
        {
            Warnings =
            [
                $"{PythonFiles(python)} {(python.Count == 1 ? "is" : "are")} not read: Feast.NET does not read Python definitions. {Layout} " +
                "List Python files in .feastignore to silence this warning.",
            ],
        };
    }

    /// <summary>Where Feast.NET looks for definitions, for messages about a Python Feast repo.</summary>
    private const string Layout =
        "Definitions are C#: *.cs files anywhere in the repo (not in bin/, obj/, hidden folders or what .feastignore lists), " +
        "each entity, data source, feature view and feature service a public static field or property.";

    private static string PythonFiles(List<string> files) =>
        files.Count <= 3 ? string.Join(", ", files) : $"{string.Join(", ", files.Take(3))} and {files.Count - 3} more Python files";
}
